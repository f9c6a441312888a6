"""Transfers and recognition: evidence, the Japanese 60-credit cap, corrections."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.core.errors import ValidationError
from lms.core.storage import media_path
from lms.extensions import db
from lms.records import services, transfers
from lms.records.models import CreditRecord
from tests.records.conftest import dec, institution


def transfer(credits, *, source="transfer", note="Transcript No. 12 seen", file=None,
             name=None, category=None):
    return transfers.TransferFields(
        source=source, title={"en": "Linear algebra", "ja": "線形代数"}, credits=dec(credits),
        origin="Tashkent University of Information Technologies", term="2026-spring",
        awarded_on=date(2026, 6, 30), evidence_note=note, evidence_file=file,
        evidence_name=name, category=category)


def test_transfer_with_evidence_counts_credits_not_gpa(app, world):
    with app.app_context():
        student = services.get_student(world.student_id)
        pdf = b"%PDF-1.4 evidence"
        record = transfers.add_transfer(student, institution("TUT"), transfer(
            4, file=pdf, name="transcript.pdf", category="game-development"), None)
        assert (record.grade, record.grade_labels["ja"], record.counts_in_gpa,
                record.grade_points, record.passed) == ("N", "認定", False, None, True)
        assert media_path(record.evidence_path).read_bytes() == pdf
        assert record.evidence_sha256 == hashlib.sha256(pdf).hexdigest()
        summary = next(s for s in services.student_records(student)
                       if s.institution.code == "TUT")
        assert (summary.earned, summary.transferred, summary.gpa) == (dec(4), dec(4), None)


def test_evidence_is_required(app, world):
    with app.app_context(), pytest.raises(ValidationError) as caught:
        transfers.add_transfer(services.get_student(world.student_id), institution("TUT"),
                              transfer(2, note=""), None)
    assert "Evidence is required" in caught.value.details[0]["message"]


def test_evidence_files_must_be_documents(app, world):
    with app.app_context(), pytest.raises(ValidationError) as caught:
        transfers.add_transfer(services.get_student(world.student_id), institution("TUT"),
                              transfer(2, file=b"MZ", name="virus.exe"), None)
    assert "PDF, PNG or JPEG" in caught.value.details[0]["message"]


def test_the_japanese_cap_of_60_transferred_credits(app, world):
    with app.app_context():
        student = services.get_student(world.student_id)
        tut = institution("TUT")
        transfers.add_transfer(student, tut, transfer(30), None)
        transfers.add_transfer(student, tut, transfer(28, source="recognition"), None)
        with pytest.raises(ValidationError) as caught:
            transfers.add_transfer(student, tut, transfer(4), None)
        message = caught.value.message
        assert "TUT accepts at most 60 transferred or recognised credits" in message
        assert "already has 58, so 4 more would exceed the limit" in message
        assert "At most 2 can still be recorded" in message
        transfers.add_transfer(student, tut, transfer(2), None)  # exactly 60 is allowed
        assert transfers.transferred_credits(student, tut) == dec(60)
        with pytest.raises(ValidationError, match="At most 0 can still be recorded"):
            transfers.add_transfer(student, tut, transfer(0.5), None)


def test_uzbek_institutions_have_no_such_cap(app, world):
    with app.app_context():
        student = services.get_student(world.student_id)
        for _i in range(3):
            transfers.add_transfer(student, institution("JDU"), transfer(30), None)
        assert transfers.transferred_credits(student, institution("JDU")) == dec(90)


def test_the_cap_is_configurable(app, world):
    app.config["RECORDS_TRANSFER_CAPS"] = {"JP": 60, "UZ": 10}
    with app.app_context(), pytest.raises(ValidationError, match="JDU accepts at most 10"):
        transfers.add_transfer(services.get_student(world.student_id), institution("JDU"),
                              transfer(12), None)


def test_correcting_a_transfer_rechecks_the_cap_and_keeps_history(app, world):
    with app.app_context():
        student = services.get_student(world.student_id)
        transfers.add_transfer(student, institution("TUT"), transfer(30), None)
        record = transfers.add_transfer(student, institution("TUT"), transfer(28), None)
        with pytest.raises(ValidationError, match="exceed the limit"):
            transfers.correct_record(record, None, reason="More credits on the transcript",
                                    changes=transfers.RecordChanges(credits=dec(31)))
        fixed = transfers.correct_record(record, None, reason="Term was wrong",
                                        changes=transfers.RecordChanges(term="2025-autumn"))
        assert (fixed.term, fixed.revision, fixed.supersedes_id, fixed.evidence_note) == (
            "2025-autumn", 2, record.id, record.evidence_note)
        assert transfers.transferred_credits(student, institution("TUT")) == dec(58)
        assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 3


def test_a_failed_transfer_leaves_no_file_behind(app, world, monkeypatch):
    from lms.records import auditlog

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    with app.app_context():
        monkeypatch.setattr(auditlog, "append", broken)
        with pytest.raises(RuntimeError):
            transfers.add_transfer(services.get_student(world.student_id), institution("TUT"),
                                  transfer(2, file=b"%PDF-1.4", name="t.pdf"), None)
        folder = media_path("records", "evidence")
        assert not folder.exists() or not any(folder.iterdir())
        assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 0
        assert Decimal(0) == transfers.transferred_credits(
            services.get_student(world.student_id), institution("TUT"))
