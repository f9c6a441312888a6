"""Recording a transfer and adding a requirement list every problem at once, field by
field in a fixed order; correcting a record refuses at the first problem."""

from datetime import date
from decimal import Decimal

import pytest

from lms.catalog.models import Program
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.records import requirements, services, transfers
from tests.records.conftest import course_with, institution


def details(call) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return [(d["field"], d["message"]) for d in caught.value.details]


def test_transfer_problems_in_form_order(app, world):
    with app.app_context():
        student = services.get_student(world.student_id)
        fields = transfers.TransferFields(
            source="x", title={"en": " "}, credits="abc", origin=" ", term="spring",
            awarded_on=date(2026, 6, 30), evidence_note=" ", evidence_file=b"MZ",
            evidence_name="virus.exe")
        assert details(lambda: transfers.add_transfer(student, institution("TUT"), fields,
                                                      None)) == [
            ("source", "Choose transfer or recognition."),
            ("title", "Give the course or learning's title."),
            ("credits", "Credits must be above 0 and at most 60."),
            ("origin", "Say where the credits were earned."),
            ("term", "Write the term like 2026-autumn or 2026-spring."),
            ("evidence", "Evidence files must be PDF, PNG or JPEG."),
        ]
        fields.evidence_file = None
        assert details(lambda: transfers.add_transfer(student, institution("TUT"), fields,
                                                      None))[-1] == (
            "evidence", "Evidence is required: attach the certificate or transcript, or "
                        "describe the evidence seen.")


def test_a_correction_is_refused_at_the_first_problem(app, world):
    with app.app_context():
        student = services.get_student(world.student_id)
        record = transfers.add_transfer(student, institution("TUT"), transfers.TransferFields(
            source="transfer", title={"en": "Linear algebra"}, credits=Decimal(2),
            origin="Elsewhere", term="2026-spring", awarded_on=date(2026, 6, 30),
            evidence_note="seen"), None)

        def correct(reason="fix", **changes):
            return transfers.correct_record(record, None, reason=reason,
                                            changes=transfers.RecordChanges(**changes))
        for call, message in [
                (lambda: correct(" ", credits=Decimal(0)), "Say why the record is corrected"),
                (lambda: correct(credits=Decimal(0), term="spring"), "Credits must be above 0"),
                (lambda: correct(term="spring"), "'spring' is not a term"),
                (lambda: correct(term="2026-spring"), "Nothing differs from the record")]:
            with pytest.raises(ValidationError, match=message):
                call()
        newer = correct(credits=Decimal(3), category=" algebra ", external_grade=" A ")
        assert (newer.credits, newer.category, newer.external_grade, newer.revision,
                newer.supersedes_id, newer.reason) == (Decimal(3), "algebra", "A", 2,
                                                       record.id, "fix")


def test_requirement_problems_in_order(app, world):
    with app.app_context():
        other = Program(code="OTHER", title={"en": "o"}, institutions=[institution("JDU")])
        db.session.add(other)
        db.session.commit()
        game = db.session.get(Program, world.program_id)
        add = requirements.add_requirement
        assert details(lambda: add(other, institution("TUT"), "bad", None)) == [
            ("institution", "TUT does not award OTHER; add it to the programme first."),
            ("kind", "The kind must be one of: total, category, course, jlpt."),
        ]
        assert details(lambda: add(game, institution("TUT"), "category", None,
                                   credits="x", category=" ")) == [
            ("credits", "Give the credits required, above 0."),
            ("category", "Name the category (a track code such as game-development, or a "
                         "transfer's category)."),
        ]
        assert details(lambda: add(game, institution("TUT"), "course", None,
                                   course_code="NOPE")) == [
            ("course", "There is no course with the code NOPE.")]
        assert details(lambda: add(game, institution("TUT"), "jlpt", None,
                                   jlpt_level="N6")) == [
            ("jlpt_level", "The JLPT level must be one of N5, N4, N3, N2, N1.")]
        course_with("RQ1")
        row = add(game, institution("TUT"), "course", None, course_code="RQ1", credits=3,
                  category="ignored")
        assert (row.kind, row.credits, row.category, row.course.code) == (
            "course", None, None, "RQ1")
