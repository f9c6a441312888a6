"""Fixtures shared by the API tests."""

import io

import pytest
from sqlalchemy import select

from lms.authoring import services as authoring
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.extensions import db
from tests.factories import make_course, module_zip


@pytest.fixture
def world(app, make_user):
    """GD101 (teacher Sato; students Aziz and Bekzod) and AN101 (teacher Ito; Bekzod)."""
    people = {
        "sato": make_user("instructor", name="Sato"),
        "ito": make_user("instructor", name="Ito"),
        "admin": make_user("admin"),
        "aziz": make_user("student", name="Aziz"),
        "bekzod": make_user("student", name="Bekzod"),
        "outsider": make_user("student", name="Outsider"),
    }
    with app.app_context():
        gd = make_course("GD101", instructors=[people["sato"].email])
        authoring.import_package(gd, io.BytesIO(module_zip("loops", [
            ("intro", "page", "Introduction"), ("check", "quiz", "Check"),
            {"key": "extra", "kind": "page", "title": "Extra", "required": False},
        ], title="Loops")), "loops.zip")
        an = make_course("AN101", instructors=[people["ito"].email])
        authoring.import_package(an, io.BytesIO(module_zip("frames", [
            ("keys", "page", "Key frames")], title="Frames")), "frames.zip")
        merge = db.session.merge
        catalog.enroll(gd, [merge(people["aziz"]), merge(people["bekzod"])], source="admin")
        catalog.enroll(an, [merge(people["bekzod"])], source="admin")
        items = {i.key: i.id for i in db.session.scalars(select(Item))}
    return people, items
