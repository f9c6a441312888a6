"""The student's daily view: dashboard, course outline, and the item player."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning import bp, services


@bp.get("/")
@login_required
def dashboard():
    courses = catalog.my_courses(current_user) if current_user.role == "student" else []
    teaching = catalog.taught_courses(current_user) if current_user.role == "instructor" else []
    return render_template("learning/dashboard.html", courses=courses, teaching=teaching)


@bp.get("/courses/<code>")
@login_required
def course(code: str):
    course = catalog.course_by_code(code)
    if not catalog.can_view(current_user, course):
        # Not enrolled: the catalogue page explains the course and how to join it.
        return redirect(url_for("catalog.course", code=code))
    return render_template("learning/course.html", course=course,
                           outline=services.course_outline(course),
                           can_manage=catalog.can_manage(current_user, course))


@bp.get("/items/<int:item_id>")
@login_required
def item(item_id: int):
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404)
    course = item.version.module.course
    if not catalog.can_view(current_user, course):
        abort(404)
    current = services.current_item(item)
    if current is None:
        abort(404)
    if current.id != item.id:  # an old version's link: open the same item as it is now
        return redirect(url_for("learning.item", item_id=current.id))
    previous, following = services.neighbours(item)
    return render_template("learning/item.html", item=item, version=item.version,
                           module=item.version.module, course=course,
                           previous=previous, following=following)
