"""Credits earned elsewhere (transfer) or learning recognised (recognition), with
evidence and the Japanese 60-credit cap; and corrections of one record, which supersede
it with who, when and why."""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask_babel import gettext as _

from lms.auth.models import User
from lms.catalog.models import Institution
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.problems import Problems
from lms.core.storage import media_path, scratch_file
from lms.extensions import db
from lms.records import auditlog
from lms.records.models import CreditRecord
from lms.records.services import (
    TERM_RE,
    check_term,
    commit_or_conflict,
    current_records,
    plain_number,
    record_data,
    replacement_of,
    transfer_caps,
)
from lms.records.writing import rollback_on_error

TRANSFER_GRADE = "N"
TRANSFER_LABELS = {"ja": "認定", "en": "Recognised", "uz": "Tan olingan"}
EVIDENCE_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                  ".jpeg": "image/jpeg"}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


@dataclass
class TransferFields:
    source: str  # transfer | recognition
    title: dict
    credits: Decimal
    origin: str  # the institution or body where the credits were earned
    term: str
    awarded_on: date
    category: str | None = None
    course_code: str | None = None
    external_grade: str | None = None
    evidence_note: str | None = None
    evidence_file: bytes | None = None
    evidence_name: str | None = None


def transferred_credits(student: User, institution: Institution) -> Decimal:
    records = current_records(student.id, institution.id)
    return sum((Decimal(r.credits) for r in records if r.source != "course"), Decimal(0))


def check_cap(student: User, institution: Institution, adding: Decimal) -> None:
    cap = transfer_caps().get(institution.country)
    if cap is None:
        return
    already = transferred_credits(student, institution)
    if already + adding > cap:
        room = max(Decimal(cap) - already, Decimal(0))
        raise ValidationError(_(
            "%(inst)s accepts at most %(cap)d transferred or recognised credits; "
            "%(name)s already has %(already)s, so %(adding)s more would exceed the limit. "
            "At most %(room)s can still be recorded.", inst=institution.code, cap=cap,
            name=student.name, already=plain_number(already), adding=plain_number(adding),
            room=plain_number(room)))


@rollback_on_error
def add_transfer(student: User, institution: Institution, fields: TransferFields, actor
                 ) -> CreditRecord:
    """Record credits earned elsewhere (transfer) or learning recognised (recognition),
    with evidence: a note, a file, or both. At Japanese institutions the total of such
    credits is capped (60; RECORDS_TRANSFER_CAPS). They count towards credits, not the
    GPA (they carry no grade points)."""
    if student.role != "student":
        raise ValidationError(_("%(email)s is not a student.", email=student.email))
    problems = Problems("field")
    parsed = _parse_transfer(fields, problems)
    problems.raise_if_any(_("The credits were not recorded: %(count)d problem(s).",
                            count=len(problems)))
    check_cap(student, institution, parsed.credits)
    record = _transfer_record(student, institution, fields, parsed, actor)
    _save_with_evidence(record, fields, parsed.suffix, actor)
    return record


@dataclass
class _ParsedTransfer:
    title: dict
    credits: Decimal
    note: str | None
    suffix: str  # of the evidence file's name, lower-case


def _parse_transfer(fields: TransferFields, problems: Problems) -> _ParsedTransfer:
    """The transfer's values, cleaned; every problem is added, in the form's order."""
    if fields.source not in ("transfer", "recognition"):
        problems.add("source", _("Choose transfer or recognition."))
    title = {k: v.strip() for k, v in (fields.title or {}).items() if v and v.strip()}
    if not title:
        problems.add("title", _("Give the course or learning's title."))
    credits = _transfer_credits(fields.credits, problems)
    if not (fields.origin or "").strip():
        problems.add("origin", _("Say where the credits were earned."))
    if not TERM_RE.match(fields.term or ""):
        problems.add("term", _("Write the term like 2026-autumn or 2026-spring."))
    note = (fields.evidence_note or "").strip() or None
    suffix = Path(fields.evidence_name or "").suffix.lower()
    _check_evidence(fields.evidence_file, note, suffix, problems)
    return _ParsedTransfer(title, credits, note, suffix)


def _transfer_credits(value, problems: Problems) -> Decimal:
    """``value`` as credits (above 0, at most 60); 0 and a problem when it is not."""
    try:
        credits = Decimal(str(value))
        if credits <= 0 or credits > 60:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.add("credits", _("Credits must be above 0 and at most 60."))
        return Decimal(0)
    return credits


def _check_evidence(data: bytes | None, note: str | None, suffix: str,
                    problems: Problems) -> None:
    """A note or a file is required; a file must be a document of at most 10 MB."""
    if not note and not data:
        problems.add("evidence", _("Evidence is required: attach the certificate or "
                                   "transcript, or describe the evidence seen."))
    if data is not None:
        if suffix not in EVIDENCE_TYPES:
            problems.add("evidence", _("Evidence files must be PDF, PNG or JPEG."))
        elif len(data) > MAX_EVIDENCE_BYTES:
            problems.add("evidence", _("Evidence files must be at most 10 MB."))


def _transfer_record(student: User, institution: Institution, fields: TransferFields,
                     parsed: _ParsedTransfer, actor) -> CreditRecord:
    return CreditRecord(
        user_id=student.id, institution_id=institution.id, source=fields.source,
        course_code=(fields.course_code or "").strip() or None, title=parsed.title,
        category=(fields.category or "").strip() or None, credits=parsed.credits,
        grade=TRANSFER_GRADE, grade_labels=dict(TRANSFER_LABELS), grade_points=None,
        passed=True, counts_in_gpa=False, term=fields.term, awarded_on=fields.awarded_on,
        origin=fields.origin.strip(), external_grade=(fields.external_grade or "").strip()
        or None, evidence_note=parsed.note, created_by_id=getattr(actor, "id", None))


def _save_with_evidence(record: CreditRecord, fields: TransferFields, suffix: str,
                        actor) -> None:
    """Store the evidence file (if any), then add the record and its audit entry in one
    commit; when that fails, the stored file is removed again."""
    stored = None
    if fields.evidence_file is not None:
        stored = _store_evidence(fields.evidence_file, suffix)
        record.evidence_path, record.evidence_sha256 = stored
        record.evidence_name = Path(fields.evidence_name).name[:255]
    db.session.add(record)
    try:
        db.session.flush()
        auditlog.append(actor, f"record.{fields.source}", "credit_record", record.id,
                        record_data(record))
        db.session.commit()
    except Exception:
        db.session.rollback()
        if stored:
            media_path(stored[0]).unlink(missing_ok=True)
        raise


def _store_evidence(data: bytes, suffix: str) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    relative = f"records/evidence/{uuid.uuid4().hex}{suffix}"
    target = media_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    with scratch_file(suffix) as tmp:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return relative, digest


def evidence_file(record: CreditRecord) -> tuple[Path, str]:
    if not record.evidence_path:
        raise NotFound(_("This record has no evidence file."))
    suffix = Path(record.evidence_path).suffix.lower()
    return media_path(record.evidence_path), EVIDENCE_TYPES.get(suffix,
                                                               "application/octet-stream")



# --- correcting one record ------------------------------------------------------


@dataclass
class RecordChanges:
    credits: Decimal | None = None
    term: str | None = None
    category: str | None = None
    title: dict | None = None
    awarded_on: date | None = None
    external_grade: str | None = None


@rollback_on_error
def correct_record(record: CreditRecord, actor, *, reason: str, changes: RecordChanges
                   ) -> CreditRecord:
    """Correct one record (credits, term, category, title, date, external grade): a new
    record supersedes it, with who, when and why; the old one stays in the history.
    A course's score is corrected on its result instead (it is the same everywhere)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the record is corrected; the reason is kept in its "
                                "history."))
    _check_newest(record)
    values = _corrected_values(record, changes)
    if all(values[k] == getattr(record, k) for k in values):
        raise ValidationError(_("Nothing differs from the record; change something or "
                                "cancel."))
    if record.source != "course" and values["credits"] > record.credits:
        check_cap(db.session.get(User, record.user_id), record.institution,
                  values["credits"] - record.credits)
    values.update(revision=record.revision + 1, supersedes_id=record.id, reason=reason,
                  created_by_id=getattr(actor, "id", None))
    replacement = CreditRecord(**values)
    db.session.add(replacement)
    db.session.flush()
    auditlog.append(actor, "record.correct", "credit_record", replacement.id,
                    record_data(replacement))
    commit_or_conflict(_("Someone corrected this record at the same moment; reload the "
                         "page and check the newest version."))
    return replacement


def _check_newest(record: CreditRecord) -> None:
    """Only the newest version of a record is corrected: Conflict names who superseded it."""
    newer = replacement_of(record)
    if newer is not None:
        raise Conflict(_("This record was already corrected (by %(who)s on %(date)s); "
                         "correct the newest one.",
                         who=newer.created_by.email if newer.created_by else _("someone"),
                         date=newer.created_at.date().isoformat()))


def _corrected_values(record: CreditRecord, changes: RecordChanges) -> dict:
    """The record's columns with ``changes`` applied; raises ValidationError for credits
    out of range or a term that is not one. An external grade changes only outside
    courses."""
    values = {c.key: getattr(record, c.key) for c in CreditRecord.__table__.columns
              if c.key not in ("id", "created_at")}
    if changes.credits is not None:
        credits = Decimal(str(changes.credits))
        if credits <= 0 or credits > 60:
            raise ValidationError(_("Credits must be above 0 and at most 60."))
        values["credits"] = credits
    if changes.term:
        values["term"] = check_term(changes.term)
    if changes.category is not None:
        values["category"] = changes.category.strip() or None
    if changes.title:
        values["title"] = {k: v for k, v in changes.title.items() if v}
    if changes.awarded_on:
        values["awarded_on"] = changes.awarded_on
    if changes.external_grade is not None and record.source != "course":
        values["external_grade"] = changes.external_grade.strip() or None
    return values
