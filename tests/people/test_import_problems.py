"""The people importer reports every problem of the file at once, row by row in file
order and column by column within a row, and imports nothing then."""

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.people import services as people


def problems_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(ValidationError) as caught:
        people.import_people_csv(data)
    return [(d["row"], d["message"]) for d in caught.value.details]


def test_every_problem_in_file_order(app, make_user):
    make_user("student", email="taken@jdu.example", student_number="TAKEN1")
    data = (b"email,name,role,student_number,cohort,locale,password\n"
            b"ok@jdu.example,Fine,student,N1,C1,ja,\n"
            b"a@jdu.example,Extra,student,,,,,one too many\n"
            b"not-an-email,Bad,student,N1,NOPE,xx,short\n"
            b"taken@jdu.example,Taken,admin,TAKEN1,,,\n"
            b",,,,,,\n"
            b"ok@jdu.example,,superuser,,,,\n")
    with app.app_context():
        people.create_cohort("C1", "Cohort one", 2026)
        before = db.session.scalar(select(func.count()).select_from(User))
        assert problems_of(data) == [
            (3, "This row has more cells than the header."),
            (4, "'not-an-email' is not a valid e-mail address."),
            (4, "Student number N1 is also on row 2."),
            (4, "There is no cohort with the code NOPE."),
            (4, "Unknown language 'xx'."),
            (4, "Use at least 10 characters."),
            (5, "An account with the e-mail taken@jdu.example already exists."),
            (5, "Student number TAKEN1 is already in use."),
            (7, "E-mail ok@jdu.example is also on row 2."),
            (7, "A name is required."),
            (7, "Role must be one of: student, instructor, admin."),
        ]
        assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_the_row_limit_is_reported_after_the_rows_before_it(app, monkeypatch):
    monkeypatch.setattr(people, "MAX_IMPORT_ROWS", 2)
    with app.app_context():
        assert problems_of(b"email,name\nbad,A\nb@x.example,B\nc@x.example,C\n") == [
            (2, "'bad' is not a valid e-mail address."),
            (4, "More than 2 rows; split the file."),
        ]


def test_a_header_without_people_and_a_file_that_is_not_utf8(app):
    with app.app_context():
        with pytest.raises(ValidationError, match="header but no people"):
            people.import_people_csv(b"email,name\n,\n")
        with pytest.raises(ValidationError) as caught:
            people.import_people_csv(b"email,name\n\x82\n")
        assert [d["row"] for d in caught.value.details] == [None]


def test_rows_take_their_cohort_or_the_one_chosen(app):
    with app.app_context():
        c1 = people.create_cohort("C1", "Cohort one", 2026)
        chosen = people.create_cohort("C2", "Cohort two", 2026)
        imported = people.import_people_csv(
            b"email,name,cohort,password\n"
            b"a@x.example,A,c1,\nb@x.example,B,,a long good password 123\n", cohort=chosen)
        assert [(p.user.email, p.user.cohort_id, p.temporary_password is None,
                 p.user.must_change_password) for p in imported] == [
            ("a@x.example", c1.id, False, True), ("b@x.example", chosen.id, True, False)]
