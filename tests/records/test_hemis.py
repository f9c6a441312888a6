"""The HEMIS export: the documented columns, one row per record in force, no formulas."""

import csv
import io
from datetime import date

import pytest

from lms.core.errors import ValidationError
from lms.extensions import db
from lms.records import hemis, results, services, transfers
from tests.records.conftest import course_with, dec, finalise, institution


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_rows_follow_the_documented_layout(app, world):
    with app.app_context():
        result = finalise(world.student_id, course_with("HM1", title={
            "en": "Game design", "uz": "Oʻyin dizayni", "ja": "ゲームデザイン"}), 58)
        results.correct_result(result, None, score=61, reason="Re-marked",
                                expected_version=1)
        transfers.add_transfer(services.get_student(world.student_id), institution("JDU"),
                              transfers.TransferFields(
                                  source="transfer", title={"en": "=HYPERLINK(\"x\")"},
                                  credits=dec(5), origin="-TUIT", term="2026-spring",
                                  awarded_on=date(2026, 6, 30), evidence_note="seen"), None)
        text = hemis.export_csv(institution("JDU"))
    assert text.splitlines()[0] == ",".join(hemis.COLUMNS)
    assert "\r\n" in text
    data = rows(text)
    assert len(data) == 2  # the corrected record only, and the transfer
    transfer, course = data
    assert course == {**course, "layout": "kakehashi-hemis/1", "institution_code": "JDU",
                      "student_number": "JDU26001", "student_name": "Aziz Karimov",
                      "programme_code": "GAME", "academic_year": "2026-2027", "semester": "1",
                      "term": "2026-autumn", "course_code": "HM1",
                      "course_title_uz": "Oʻyin dizayni", "course_title_en": "Game design",
                      "credits": "3.0", "hours": "90", "score": "61.00", "grade": "3",
                      "grade_label_uz": "qoniqarli", "passed": "1", "source": "course",
                      "revision": "2"}
    assert (transfer["academic_year"], transfer["semester"], transfer["source"]) == (
        "2025-2026", "2", "transfer")
    assert transfer["course_title_en"].startswith("'=") and transfer["origin"] == "'-TUIT"


def test_export_filters_by_term_and_cohort(app, world):
    from lms.people import services as people

    with app.app_context():
        finalise(world.student_id, course_with("HM2"), 80, term="2026-autumn")
        finalise(world.other_student_id, course_with("HM3"), 80, term="2027-spring")
        assert len(rows(hemis.export_csv(institution("JDU"), term="2027-spring"))) == 1
        cohort = people.create_cohort("HC", "HEMIS cohort", 2026)
        services.get_student(world.student_id).cohort_id = cohort.id
        db.session.commit()
        only = rows(hemis.export_csv(institution("JDU"), cohort_id=cohort.id))
        assert [r["student_number"] for r in only] == ["JDU26001"]
        assert only[0]["cohort"] == "HC"
        with pytest.raises(ValidationError, match="not a term"):
            hemis.export_csv(institution("JDU"), term="autumn")
        with pytest.raises(ValidationError, match="Uzbek student-records system"):
            hemis.export_csv(institution("TUT"))


def test_export_command(app, world, runner, tmp_path):
    with app.app_context():
        finalise(world.student_id, course_with("HM4"), 95)
    out = tmp_path / "hemis.csv"
    result = runner.invoke(args=["lms", "records", "hemis-export", "--institution", "JDU",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 records" in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbflayout,")
    assert rows(raw.decode("utf-8-sig"))[0]["grade"] == "5"
    bad = runner.invoke(args=["lms", "records", "hemis-export", "--institution", "NOPE"])
    assert bad.exit_code == 1 and "no institution with the code NOPE" in bad.output


def test_issue_command_prints_the_verification_address(app, world, runner):
    with app.app_context():
        finalise(world.student_id, course_with("CLI1"), 95)
    result = runner.invoke(args=["lms", "records", "issue", "JDU26001", "--institution", "TUT"])
    assert result.exit_code == 0, result.output
    assert "Issued transcript" in result.output
    assert "verify at https://lms.jdu.example/verify/" in result.output


def test_export_rows_stream_in_order_of_number_term_and_course(app, world, make_user):
    """Rows come from the database as they are read, sorted there: by student number
    (the one at the institution, else the account's), term in time order, course."""
    first = make_user("student", name="Bekzod Aliyev", student_number="JDU25001")
    with app.app_context():
        for code, term in (("HS2", "2026-autumn"), ("HS1", "2026-autumn"),
                           ("HS3", "2026-spring")):
            finalise(world.student_id, course_with(code), 80, term=term)
        finalise(first.id, course_with("HS4"), 70, term="2027-spring")
        rows = hemis.export_rows(institution("JDU"))
        assert next(rows) == list(hemis.COLUMNS)  # nothing read yet but the header
        got = [(r[2], r[8], r[9]) for r in rows]
    assert got == [("JDU25001", "2027-spring", "HS4"), ("JDU26001", "2026-spring", "HS3"),
                   ("JDU26001", "2026-autumn", "HS1"), ("JDU26001", "2026-autumn", "HS2")]
