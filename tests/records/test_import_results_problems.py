"""The results importer reports every problem of the file at once, row by row in file
order and column by column within a row, and finalises nothing then."""

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.records import results
from lms.records.models import FinalResult
from tests.records.conftest import course_with, enrol, finalise


def problems_of(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(ValidationError) as caught:
        results.import_results_csv(data, None)
    return [(d["row"], d["message"]) for d in caught.value.details]


def test_every_problem_in_file_order(app, world, make_user):
    make_user("instructor", email="teacher@jdu.example")
    with app.app_context():
        enrol(course_with("GD101"), world.student_id)
        enrol(course_with("NOCR", jdu=0, tut=0), world.student_id)
        finalise(world.other_student_id, course_with("DONE"), 70)
        before = db.session.scalar(select(func.count()).select_from(FinalResult))
        me, other = (db.session.get(User, i).email
                     for i in (world.student_id, world.other_student_id))
        assert problems_of(
            b"student,course,score,term,date\n"
            b"JDU26001,GD101,91,,\n"
            b"nobody@x.example,NOPE,abc,autumn,2026-13-01\n"
            b"JDU26001,GD101,80,2026-autumn,2026-12-01,extra\n"
            b",,,,\n"
            b"JDU26001,GD101,101,,\n"
            b"teacher@jdu.example,GD101,50,,\n"
            b"JDU26003,DONE,50,,\n"
            b"JDU26001,NOCR,50,,\n"
            b"JDU26001,DONE,50,,1990-01-01\n") == [
            (3, "No student has the e-mail or student number 'nobody@x.example'."),
            (3, "There is no course with the code NOPE."),
            (3, "A score must be a number from 0 to 100."),
            (3, "'2026-13-01' is not a date like 2026-01-31."),
            (3, "'autumn' is not a term; write it like 2026-autumn or 2026-spring."),
            (4, "This row has more cells than the header."),
            (6, "A score must be a number from 0 to 100."),
            (6, "The same student and course are also on row 2."),
            (7, "No student has the e-mail or student number 'teacher@jdu.example'."),
            (8, f"{other} already has a final result in DONE (70); correct it on the "
                "student's records page."),
            (9, "NOCR awards no credits at any institution: set its credits in the "
                "catalogue first."),
            (10, f"{me} is not enrolled in DONE."),
            (10, "No grade scale of JDU is in force on 1990-01-01. Add one on the Grade "
                 "scales page (or run: flask --app app lms records seed-scales)."),
        ]
        assert db.session.scalar(select(func.count()).select_from(FinalResult)) == before


def test_the_row_limit_and_the_header(app, world, monkeypatch):
    monkeypatch.setattr(results, "MAX_IMPORT_ROWS", 1)
    with app.app_context():
        assert problems_of(b"student,course,score\nJDU26001,NOPE,1\nJDU26001,GD1,2\n") == [
            (2, "There is no course with the code NOPE."),
            (3, "More than 1 rows; split the file."),
        ]
        assert problems_of(b"who,course,mark\n") == [
            (1, "Missing column(s): student, score."),
            (1, "Unknown column(s): who, mark. Allowed: student, course, score, term, date."),
        ]
        with pytest.raises(ValidationError) as caught:  # no codec reason here, as before
            results.import_results_csv(b"student,course,score\n\x82\n", None)
        assert "CSV UTF-8" in caught.value.message and caught.value.details == []
        with pytest.raises(ValidationError, match="header but no results"):
            results.import_results_csv(b"student,course,score\n,,\n", None)
