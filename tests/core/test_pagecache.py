"""The student page cache never shows a page older than the last write it depends on:
the student's own progress (ORM and Core writes), what others write for them (a
notification), shared content (a course renamed), and flashed messages are never kept."""

import io

import pytest
from sqlalchemy import select

from lms import create_app
from lms.authoring import services as authoring
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.core import pagecache, stamps
from lms.extensions import db
from lms.learning.models import Notification
from tests.conftest import base_config, login
from tests.factories import make_course, module_zip, record_progress


@pytest.fixture
def school(app, make_user):
    """GD101 with a page and a quiz, two enrolled students; returns (a, b, item ids)."""
    a, b = make_user("student"), make_user("student")
    with app.app_context():
        course = make_course("GD101")
        authoring.import_package(course, io.BytesIO(module_zip("m1", [
            ("intro", "page", "Intro"), ("check", "quiz", "Check")])), "m1.zip")
        catalog.enroll(course, [db.session.merge(a), db.session.merge(b)], source="admin")
        items = {i.key: i.id for i in db.session.scalars(select(Item))}
    return a, b, items


def signed_in(app, user):
    client = app.test_client()
    login(client, user.email)
    return client


def complete(app, user, item_id):
    with app.app_context():
        record_progress(db.session.merge(user), db.session.get(Item, item_id), "experienced",
                        result={"completion": True})


def test_a_repeated_page_comes_from_the_cache_and_is_the_same(app, school):
    a, _b, _items = school
    client = signed_in(app, a)
    first = client.get("/learning/").get_data(as_text=True)
    cache = pagecache.cache_of(app)
    hits = cache.hits
    assert client.get("/learning/").get_data(as_text=True) == first
    assert cache.hits == hits + 1


def test_own_progress_shows_at_once(app, school):
    a, _b, items = school
    client = signed_in(app, a)
    assert "0 of 2 required items done" in client.get("/learning/").get_data(as_text=True)
    assert "Not started" in client.get("/learning/courses/GD101").get_data(as_text=True)
    complete(app, a, items["intro"])  # a Core upsert, not an ORM write
    assert "1 of 2 required items done" in client.get("/learning/").get_data(as_text=True)
    client.post(f"/learning/items/{items['check']}/done")  # not a page: nothing changes
    assert "1 of 2 required items done" in client.get("/learning/").get_data(as_text=True)


def test_another_students_progress_leaves_my_cached_page_alone(app, school):
    a, b, items = school
    client = signed_in(app, a)
    client.get("/learning/")
    cache = pagecache.cache_of(app)
    hits = cache.hits
    complete(app, b, items["intro"])
    page = client.get("/learning/").get_data(as_text=True)
    assert cache.hits == hits + 1
    assert "0 of 2 required items done" in page


def test_what_others_write_for_me_shows_at_once(app, school):
    a, _b, _items = school
    client = signed_in(app, a)
    assert "new notification" not in client.get("/learning/").get_data(as_text=True)
    with app.app_context():
        db.session.add(Notification(user_id=a.id, kind="graded", data={"title": "Essay"},
                                    link="/learning/"))
        db.session.commit()
    assert "1 new notification" in client.get("/learning/").get_data(as_text=True)


def test_shared_content_changes_show_at_once(app, school):
    a, _b, items = school
    client = signed_in(app, a)
    assert "Course GD101" in client.get("/learning/courses/GD101").get_data(as_text=True)
    item_page = client.get(f"/learning/items/{items['intro']}").get_data(as_text=True)
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.code == "GD101"))
        course.title = {"en": "Game Development Basics"}
        db.session.commit()
        shared, _mine = stamps.read(a.id)
        assert shared > 0
    assert "Game Development Basics" in client.get("/learning/courses/GD101").get_data(
        as_text=True)
    assert client.get(f"/learning/items/{items['intro']}").get_data(as_text=True) != item_page


def test_flashed_messages_are_shown_once_and_never_cached(app, school):
    a, _b, _items = school
    client = signed_in(app, a)
    client.get("/learning/")
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Your essay was handed in.")]
    assert "Your essay was handed in." in client.get("/learning/").get_data(as_text=True)
    assert "Your essay was handed in." not in client.get("/learning/").get_data(as_text=True)


def test_pages_of_one_user_are_never_served_to_another(app, school):
    a, b, items = school
    complete(app, a, items["intro"])
    client_a, client_b = signed_in(app, a), signed_in(app, b)
    assert "1 of 2" in client_a.get("/learning/").get_data(as_text=True)
    assert "0 of 2" in client_b.get("/learning/").get_data(as_text=True)


def test_a_zero_lifetime_turns_the_cache_off(database_url, tmp_path):
    app = create_app({**base_config(database_url, tmp_path), "PAGE_CACHE_SECONDS": 0})
    assert pagecache.cache_of(app) is None


def test_the_catalogue_shows_a_new_course_and_my_enrolment_at_once(app, school):
    a, _b, _items = school
    client = signed_in(app, a)
    assert "Course ZEN1" not in client.get("/catalog/?q=ZEN1").get_data(as_text=True)
    with app.app_context():
        make_course("ZEN1", self_enroll=True)
    assert "Course ZEN1" in client.get("/catalog/?q=ZEN1").get_data(as_text=True)
    page = client.get("/catalog/ZEN1").get_data(as_text=True)
    assert "Enrolled" not in page
    client.post("/catalog/ZEN1/enrol")
    assert "Enrolled" in client.get("/catalog/?q=ZEN1").get_data(as_text=True)
