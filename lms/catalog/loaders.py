"""Loading a course with its access check, the one way every view does it (Indico's
load -> check -> act): a course the viewer may not see or manage answers 404, exactly as
one that does not exist, so outsiders cannot even learn that it is there."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from lms.catalog import services
from lms.catalog.models import Course
from lms.core.errors import LmsError


def managed_course(code: str) -> Course:
    """The course ``code`` if the signed-in user manages it (its instructors,
    administrators); 404 otherwise."""
    try:
        course = services.course_by_code(code)
    except LmsError:
        abort(404)
    if not services.can_manage(current_user, course):
        abort(404)
    return course
