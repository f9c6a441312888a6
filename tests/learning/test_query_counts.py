"""Student pages make a small, constant number of SQL queries, however many courses."""

import io
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from lms.authoring import services as authoring
from lms.catalog import services as catalog
from lms.catalog.models import Institution
from lms.extensions import db
from tests.conftest import login
from tests.factories import make_course, module_zip


@contextmanager
def count_queries(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def setup_courses(app, student, n: int) -> int:
    """n courses, each from its own provider, each with one module; returns an item id."""
    with app.app_context():
        student = db.session.merge(student)
        first = None
        for i in range(n):
            code = f"P{n}X{i}"  # one provider per course: nothing comes from the identity map
            db.session.add(Institution(code=code, name={"en": f"Partner {i}"}, country="JP",
                                       credit_hours=45))
            db.session.commit()
            course = make_course(f"C{n}-{i}")
            course.provider = db.session.scalar(select(Institution).where(
                Institution.code == code))
            db.session.commit()
            result = authoring.import_package(course, io.BytesIO(module_zip(f"m{n}-{i}", [
                ("a", "page", "A"), ("b", "quiz", "B")])), "m.zip")
            catalog.enroll(course, [student], source="admin")
            first = first or result.version.items[0].id
        return first


@pytest.mark.parametrize("path", ["/learning/", "course", "item"])
def test_queries_do_not_grow_with_the_number_of_courses(app, make_user, path):
    """Rendered afresh (a page cache miss) a student page makes at most 10 queries,
    the same for 3 or 30 courses; served again from the page cache it makes 1 (the
    signed-in user with the change stamps) and is the same page."""
    from lms.core import pagecache

    misses, hits = {}, {}
    for n in (3, 30):
        student = make_user("student")
        first_item = setup_courses(app, student, n)
        client = app.test_client()
        login(client, student.email)
        url = {"item": f"/learning/items/{first_item}",
               "course": f"/learning/courses/C{n}-0"}.get(path, path)
        client.get(url)  # warm caches (translations, templates)
        pagecache.cache_of(app).clear()
        with count_queries(app) as statements:
            fresh = client.get(url)
        assert fresh.status_code == 200
        misses[n] = len(statements)
        with count_queries(app) as statements:
            again = client.get(url)
        hits[n] = len(statements)
        assert again.get_data() == fresh.get_data()
    assert misses[3] == misses[30], misses
    assert misses[30] <= 10, misses
    assert hits == {3: 1, 30: 1}, hits
