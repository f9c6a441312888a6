"""Finalising results, importing them from CSV (all or nothing), corrections that
supersede, and optimistic locking on results."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.core.errors import Conflict, ValidationError
from lms.extensions import db
from lms.records import results, services, transfers
from lms.records.models import CreditRecord, FinalResult
from tests.records.conftest import completed, course_with, dec, enrol, finalise


def test_finalising_records_once_per_awarding_institution(app, world):
    with app.app_context():
        course = course_with("GD301", jdu=3, tut=2)
        enrol(course, world.student_id)
        done = completed(world.student_id, course, 89.5)
        result = results.finalise_result(done, None)
        records = {r.institution.code: r for r in services.records_of_result(result)}
        assert set(records) == {"JDU", "TUT"}
        tut, jdu = records["TUT"], records["JDU"]
        assert (tut.grade, tut.grade_labels["ja"], tut.grade_points, tut.credits) == (
            "A", "優", Decimal("3.00"), dec(2))
        assert (jdu.grade, jdu.grade_labels["uz"], jdu.credits) == ("4", "yaxshi", dec(3))
        assert tut.term == "2026-autumn" and tut.category == "game-development"
        assert tut.title["ja"] == "科目GD301" and tut.score == Decimal("89.50")
        with pytest.raises(Conflict, match="already final"):
            results.finalise_result(done, None)
        assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 2


def test_a_course_without_credits_cannot_be_finalised(app, world):
    with app.app_context():
        course = course_with("NOCRED", jdu=0, tut=0)
        enrol(course, world.student_id)
        with pytest.raises(ValidationError, match="awards no credits"):
            results.finalise_result(completed(world.student_id, course, 90), None)
        assert db.session.scalar(select(func.count()).select_from(FinalResult)) == 0


def test_an_overridden_score_needs_a_reason(app, world):
    with app.app_context():
        course = course_with("GD302")
        enrol(course, world.student_id)
        done = completed(world.student_id, course, 58)
        with pytest.raises(ValidationError, match="differs from the computed 58"):
            results.finalise_result(done, None, score=61)
        result = results.finalise_result(done, None, score=61, reason="Oral re-examination")
        assert result.score == Decimal("61.00")


CSV_HEADER = "student,course,score,term,date\n"


def test_import_is_all_or_nothing_with_every_bad_row_listed(app, world, make_user):
    with app.app_context():
        course = course_with("IMP1")
        enrol(course, world.student_id)
        student = services.get_student(world.student_id)
        data = (CSV_HEADER
                + f"{student.email},IMP1,91,2026-autumn,2026-12-20\n"
                + "nobody@x.example,IMP1,80,,\n"
                + "JDU26001,NOPE,80,,\n"
                + f"{student.email},IMP1,101,,\n"
                + "JDU26003,IMP1,75,autumn,2026-13-01\n")
        with pytest.raises(ValidationError) as caught:
            results.import_results_csv(data.encode(), None)
        rows = {}
        for problem in caught.value.details:
            rows.setdefault(problem["row"], []).append(problem["message"])
        assert set(rows) == {3, 4, 5, 6}
        assert "nobody@x.example" in rows[3][0]
        assert "no course with the code NOPE" in rows[4][0]
        assert any("from 0 to 100" in m for m in rows[5])
        assert any("also on row 2" in m for m in rows[5])
        assert any("not a date" in m for m in rows[6])
        assert any("not a term" in m for m in rows[6])
        assert any("not enrolled in IMP1" in m for m in rows[6])
        assert db.session.scalar(select(func.count()).select_from(FinalResult)) == 0


def test_import_finalises_every_row(app, world):
    with app.app_context():
        course = course_with("IMP2")
        for uid in (world.student_id, world.other_student_id):
            enrol(course, uid)
        data = (CSV_HEADER + "JDU26001,IMP2,95,2026-autumn,2026-12-20\n"
                + "JDU26003,IMP2,59.5,,\n").encode("utf-8-sig")
        created = results.import_results_csv(data, None)
        assert [(r.score, r.source) for r in created] == [
            (Decimal("95.00"), "import"), (Decimal("59.50"), "import")]
        grades = sorted(r.grade for r in db.session.scalars(select(CreditRecord)))
        assert grades == ["2", "5", "F", "S"]
        with pytest.raises(ValidationError) as caught:
            results.import_results_csv(data, None)
        assert "already has a final result" in caught.value.details[0]["message"]


def test_import_header_problems(app, world):
    with app.app_context(), pytest.raises(ValidationError) as caught:
        results.import_results_csv(b"student,grade\nx,1\n", None)
    messages = " ".join(d["message"] for d in caught.value.details)
    assert "Missing column(s): course, score" in messages and "Unknown column(s): grade" in messages


def test_import_command(app, world, runner, tmp_path):
    with app.app_context():
        enrol(course_with("IMP3"), world.student_id)
    path = tmp_path / "results.csv"
    path.write_text("student,course,score\nJDU26001,IMP3,77\n", encoding="utf-8")
    result = runner.invoke(args=["lms", "records", "import-results", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 results finalised" in result.output
    again = runner.invoke(args=["lms", "records", "import-results", str(path)])
    assert again.exit_code == 1 and "already has a final result" in again.output


def test_correcting_a_result_supersedes_every_record_and_keeps_the_old(app, world):
    with app.app_context():
        result = finalise(world.student_id, course_with("COR1"), 58)
        old = {r.id for r in services.records_of_result(result)}
        results.correct_result(result, None, score=62, reason="Marking error in task 3",
                                expected_version=1)
        assert result.version == 2 and result.score == Decimal("62.00")
        records = services.records_of_result(result)
        assert len(records) == 4  # two originals kept, two corrections
        current = services.current_records(world.student_id)
        assert {r.grade for r in current} == {"3", "C"}
        assert all(r.revision == 2 and r.supersedes_id in old and
                   r.reason == "Marking error in task 3" for r in current)
        history = services.superseded_records(world.student_id)
        assert {r.id for r in history} == old and {r.grade for r in history} == {"2", "F"}


def test_a_stale_version_is_refused_and_nothing_changes(app, world, make_user):
    with app.app_context():
        editor = db.session.merge(make_user("admin", email="first.editor@jdu.example"))
        result = finalise(world.student_id, course_with("COR2"), 70)
        results.correct_result(result, editor, score=72, reason="first", expected_version=1)
        with pytest.raises(Conflict) as caught:
            results.correct_result(result, None, score=90, reason="second",
                                    expected_version=1)
        assert "first.editor@jdu.example changed this result" in caught.value.message
        assert "now 72 (version 2)" in caught.value.message
        db.session.refresh(result)
        assert (result.score, result.version) == (Decimal("72.00"), 2)


def test_two_editors_saving_at_the_same_moment_do_not_overwrite(app, world):
    """Both loaded version 1; the other editor's save lands between our check and our
    write. The UPDATE ... WHERE version = 1 matches nothing: Conflict, nothing changed."""
    with app.app_context():
        result = finalise(world.student_id, course_with("COR3"), 70)
        db.session.commit()
        assert result.version == 1  # loaded: this is what our editor saw
        with Session(db.engine) as other:  # the other editor, in another transaction
            theirs = other.get(FinalResult, result.id)
            theirs.score = Decimal("75")
            other.commit()
        with pytest.raises(Conflict, match="at the same moment"):
            results.correct_result(result, None, score=99, reason="mine",
                                    expected_version=1)
        db.session.expire_all()
        fresh = db.session.get(FinalResult, result.id)
        assert (fresh.score, fresh.version) == (Decimal("75.00"), 2)
        assert {r.score for r in services.current_records(world.student_id)} == {
            Decimal("70.00")}


def test_correcting_a_record_of_a_course_cannot_change_its_score(app, world):
    with app.app_context():
        result = finalise(world.student_id, course_with("COR4"), 80)
        record = services.records_of_result(result)[0]
        fixed = transfers.correct_record(record, None, reason="Credits were wrong",
                                        changes=transfers.RecordChanges(credits=dec(4)))
        assert (fixed.credits, fixed.score, fixed.revision) == (dec(4), record.score, 2)
        with pytest.raises(Conflict, match="already corrected"):
            transfers.correct_record(record, None, reason="again",
                                    changes=transfers.RecordChanges(credits=dec(5)))
        with pytest.raises(ValidationError, match="Say why"):
            transfers.correct_record(fixed, None, reason=" ",
                                    changes=transfers.RecordChanges(credits=dec(5)))
        with pytest.raises(ValidationError, match="Nothing differs"):
            transfers.correct_record(fixed, None, reason="no-op",
                                    changes=transfers.RecordChanges(credits=dec(4)))


def test_completion_date_in_tashkent_decides_the_award_date(app, world):
    with app.app_context():
        course = course_with("TZ1")
        enrol(course, world.student_id)
        # 20:30 UTC on 31 Aug 2018 is already 1 September in Tashkent: the new table.
        done = completed(world.student_id, course, 70, datetime(2018, 8, 31, 20, 30, tzinfo=UTC))
        result = results.finalise_result(done, None)
        assert result.awarded_on.isoformat() == "2018-09-01"
        jdu = [r for r in services.records_of_result(result) if r.institution.code == "JDU"]
        assert jdu[0].scale.code == "UZ-19-2018"
