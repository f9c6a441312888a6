"""Credit records: reading them, GPA per term and cumulative, credit equivalences,
programmes and student numbers, and who may see what.

Records are written only by the records services (this module, ``results`` and
``transfers``). Every write appends to the audit log in the same transaction and commits
once; records are never updated: a correction is a new record that supersedes the old one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.exc import StaleDataError

from lms.auth.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course, Institution, Program
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.extensions import db
from lms.records import auditlog
from lms.records.models import (
    CreditRecord,
    FinalResult,
    ProgramStudent,
    StudentNumber,
)
from lms.records.writing import rollback_on_error

TERM_RE = re.compile(r"^(\d{4})-(spring|autumn)$")
TWO_PLACES = Decimal("0.01")
ONE_PLACE = Decimal("0.1")
DEFAULT_TRANSFER_CAPS = {"JP": 60}  # 大学設置基準 arts. 28-30: at most 60 credits


# --- small helpers -------------------------------------------------------------------


def term_sort_key(term: str):
    """Chronological order of terms: 2026-spring (Feb-Jul) before 2026-autumn (Sep-Jan)."""
    match = TERM_RE.match(term or "")
    if match:
        return (int(match.group(1)), 0 if match.group(2) == "spring" else 1, term)
    return (9999, 9, term or "")


def check_term(term: str) -> str:
    term = (term or "").strip()
    if not TERM_RE.match(term):
        raise ValidationError(_("'%(term)s' is not a term; write it like 2026-autumn or "
                                "2026-spring.", term=term))
    return term


def local_date(moment) -> date:
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Tashkent")
    return moment.astimezone(zone).date()


def as_score(value) -> Decimal:
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, AttributeError) as exc:
        raise ValidationError(_("A score must be a number from 0 to 100.")) from exc
    if not score.is_finite() or score < 0 or score > 100:
        raise ValidationError(_("A score must be a number from 0 to 100."))
    return score.quantize(TWO_PLACES, ROUND_HALF_UP)


def transfer_caps() -> dict[str, int]:
    return dict(current_app.config.get("RECORDS_TRANSFER_CAPS") or DEFAULT_TRANSFER_CAPS)


def not_superseded():
    newer = aliased(CreditRecord)
    return ~exists(select(newer.id).where(newer.supersedes_id == CreditRecord.id))


def current_records(user_id: int, institution_id: int | None = None) -> list[CreditRecord]:
    """The student's records in force (not superseded), oldest term first."""
    stmt = (select(CreditRecord).where(CreditRecord.user_id == user_id, not_superseded())
            .options(selectinload(CreditRecord.institution)))
    if institution_id is not None:
        stmt = stmt.where(CreditRecord.institution_id == institution_id)
    rows = db.session.scalars(stmt).all()
    return sorted(rows, key=lambda r: (term_sort_key(r.term), r.course_code or "", r.id))


def superseded_records(user_id: int) -> list[CreditRecord]:
    """Records that a correction replaced: kept, and shown as history."""
    newer = aliased(CreditRecord)
    return db.session.scalars(
        select(CreditRecord).where(CreditRecord.user_id == user_id,
                                   exists(select(newer.id).where(
                                       newer.supersedes_id == CreditRecord.id)))
        .order_by(CreditRecord.id)).all()


def replacement_of(record: CreditRecord) -> CreditRecord | None:
    return db.session.scalar(select(CreditRecord).where(CreditRecord.supersedes_id == record.id))


def records_of_result(result: FinalResult) -> list[CreditRecord]:
    """Every record made from a result, corrections and superseded ones included."""
    return db.session.scalars(select(CreditRecord).where(CreditRecord.result_id == result.id)
                              .order_by(CreditRecord.id)).all()


def get_record(record_id: int) -> CreditRecord:
    record = db.session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound(_("There is no credit record %(id)s.", id=record_id))
    return record


def get_result(result_id: int) -> FinalResult:
    result = db.session.get(FinalResult, result_id)
    if result is None:
        raise NotFound(_("There is no result %(id)s.", id=result_id))
    return result


def get_student(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != "student":
        raise NotFound(_("There is no student %(id)s.", id=user_id))
    return user


# --- GPA and equivalences -----------------------------------------------------------


def gpa(records) -> Decimal | None:
    """Σ(grade points × credits) / Σ credits attempted, failures included, two decimals
    (half up). Transferred and recognised credits carry no grade points and are left
    out. None when nothing was attempted."""
    counted = [r for r in records if r.counts_in_gpa and r.grade_points is not None]
    attempted = sum((Decimal(r.credits) for r in counted), Decimal(0))
    if not attempted:
        return None
    total = sum((Decimal(r.grade_points) * Decimal(r.credits) for r in counted), Decimal(0))
    return (total / attempted).quantize(TWO_PLACES, ROUND_HALF_UP)


def equivalent_credits(credits, from_hours: int, to_hours: int) -> Decimal:
    """Credits at another institution for the same workload: credits × hours per credit
    here ÷ hours per credit there (1 JP credit = 45 h = 1.5 UZ credits of 30 h). Always
    shown labelled as an equivalence, never recorded."""
    if not to_hours:
        raise ValidationError(_("An institution's hours per credit must be above 0."))
    value = Decimal(str(credits)) * Decimal(from_hours) / Decimal(to_hours)
    return value.quantize(ONE_PLACE, ROUND_HALF_UP)


@dataclass
class Equivalence:
    institution: Institution
    credits: Decimal
    hours: Decimal


def equivalences(credits, institution: Institution, others) -> list[Equivalence]:
    hours = Decimal(str(credits)) * institution.credit_hours
    return [Equivalence(other, equivalent_credits(credits, institution.credit_hours,
                                                  other.credit_hours), hours)
            for other in others if other.id != institution.id]


@dataclass
class TermSummary:
    term: str
    attempted: Decimal
    earned: Decimal
    gpa: Decimal | None


@dataclass
class InstitutionRecords:
    institution: Institution
    records: list[CreditRecord]
    earned: Decimal = Decimal(0)  # passed credits, transfers included
    attempted: Decimal = Decimal(0)  # graded credits counted in the GPA
    transferred: Decimal = Decimal(0)
    gpa: Decimal | None = None
    terms: list[TermSummary] = field(default_factory=list)
    others: list[Institution] = field(default_factory=list)  # for equivalences

    def equivalences(self, credits) -> list[Equivalence]:
        return equivalences(credits, self.institution, self.others)


def summarise(institution: Institution, records: list[CreditRecord]) -> InstitutionRecords:
    summary = InstitutionRecords(institution, records)
    by_term: dict[str, list[CreditRecord]] = defaultdict(list)
    for record in records:
        by_term[record.term].append(record)
        if record.passed:
            summary.earned += Decimal(record.credits)
        if record.counts_in_gpa:
            summary.attempted += Decimal(record.credits)
        if record.source != "course":
            summary.transferred += Decimal(record.credits)
    summary.gpa = gpa(records)
    for term in sorted(by_term, key=term_sort_key):
        rows = by_term[term]
        summary.terms.append(TermSummary(
            term, sum((Decimal(r.credits) for r in rows if r.counts_in_gpa), Decimal(0)),
            sum((Decimal(r.credits) for r in rows if r.passed), Decimal(0)), gpa(rows)))
    return summary


def student_institutions(student: User) -> list[Institution]:
    """The institutions whose records matter for a student: their programmes' and any
    that already recorded credits, by code."""
    ids = set(db.session.scalars(select(CreditRecord.institution_id).where(
        CreditRecord.user_id == student.id).distinct()))
    for membership in programmes_of(student):
        ids.update(i.id for i in membership.program.institutions)
    if not ids:
        return []
    return db.session.scalars(select(Institution).where(Institution.id.in_(ids))
                              .order_by(Institution.code)).all()


def student_records(student: User, *, course_ids: set[int] | None = None
                    ) -> list[InstitutionRecords]:
    """Per institution: the records in force, credits, GPA per term and cumulative.
    ``course_ids`` limits the records to those courses (what an instructor may see)."""
    institutions = student_institutions(student)
    records = current_records(student.id)
    if course_ids is not None:
        records = [r for r in records if r.course_id in course_ids]
    grouped: dict[int, list[CreditRecord]] = defaultdict(list)
    for record in records:
        grouped[record.institution_id].append(record)
    result = []
    for institution in institutions:
        if course_ids is not None and not grouped.get(institution.id):
            continue
        summary = summarise(institution, grouped.get(institution.id, []))
        summary.others = [i for i in institutions if i.id != institution.id]
        result.append(summary)
    return result


# --- programmes and student numbers -------------------------------------------------


def programmes_of(student: User) -> list[ProgramStudent]:
    return db.session.scalars(select(ProgramStudent).where(ProgramStudent.user_id == student.id)
                              .options(selectinload(ProgramStudent.program)
                                       .selectinload(Program.institutions))
                              .order_by(ProgramStudent.id)).all()


def programme_for(student: User, institution: Institution) -> Program | None:
    for membership in programmes_of(student):
        if any(i.id == institution.id for i in membership.program.institutions):
            return membership.program
    return None


@rollback_on_error
def admit_to_programme(student: User, program: Program, admitted_on: date, actor
                       ) -> ProgramStudent:
    """Put a student in a degree programme (idempotent: an existing membership keeps
    its date unless a new one is given)."""
    if student.role != "student":
        raise ValidationError(_("%(email)s is not a student.", email=student.email))
    row = db.session.scalar(select(ProgramStudent).where(
        ProgramStudent.user_id == student.id, ProgramStudent.program_id == program.id))
    row = row or ProgramStudent(user_id=student.id, program_id=program.id)
    row.admitted_on = admitted_on
    db.session.add(row)
    db.session.flush()
    auditlog.append(actor, "programme.admit", "student", student.id,
                    {"programme": program.code, "admitted_on": admitted_on})
    db.session.commit()
    return row


def student_number(student: User, institution: Institution) -> str | None:
    """The student's number at the institution; at a Uzbek institution the account's own
    student number when none was recorded (JDU numbers its students in the account)."""
    number = db.session.scalar(select(StudentNumber.number).where(
        StudentNumber.user_id == student.id, StudentNumber.institution_id == institution.id))
    if number is None and institution.country == "UZ":
        return student.student_number
    return number


@rollback_on_error
def set_student_number(student: User, institution: Institution, number: str, actor
                       ) -> StudentNumber:
    number = (number or "").strip()
    if not number or len(number) > 40:
        raise ValidationError(_("A student number has 1 to 40 characters."))
    taken = db.session.scalar(select(StudentNumber).where(
        StudentNumber.institution_id == institution.id, StudentNumber.number == number,
        StudentNumber.user_id != student.id))
    if taken is not None:
        raise Conflict(_("%(inst)s already gave the number %(number)s to someone else.",
                         inst=institution.code, number=number))
    row = db.session.scalar(select(StudentNumber).where(
        StudentNumber.user_id == student.id, StudentNumber.institution_id == institution.id))
    row = row or StudentNumber(user_id=student.id, institution_id=institution.id)
    row.number = number
    db.session.add(row)
    db.session.flush()
    auditlog.append(actor, "student.number", "student", student.id,
                    {"institution": institution.code, "number": number})
    db.session.commit()
    return row


# --- shared by the writing services ------------------------------------------------


def record_data(record: CreditRecord) -> dict:
    return {"student": record.user_id, "institution": record.institution_id,
            "source": record.source, "course": record.course_code, "credits": record.credits,
            "score": record.score, "grade": record.grade, "points": record.grade_points,
            "term": record.term, "revision": record.revision,
            "supersedes": record.supersedes_id, "reason": record.reason,
            "evidence_sha256": record.evidence_sha256}


def commit_or_conflict(message: str) -> None:
    """Commit; a unique or version clash with a concurrent writer becomes a Conflict (409)
    with ``message``, and nothing is written."""
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as exc:
        db.session.rollback()
        raise Conflict(message) from exc


def plain_number(value) -> str:
    """A decimal as people write it: 2, 2.5, 89.5 (no trailing zeros)."""
    return format(Decimal(value).normalize(), "f") if value is not None else ""


# --- access --------------------------------------------------------------------------


def may_see_student(viewer, student: User) -> bool:
    """Everything about a student's records: the student and administrators."""
    return viewer.is_authenticated and (viewer.role == "admin" or viewer.id == student.id)


def taught_course_ids(viewer) -> set[int]:
    return {c.id for c in catalog.taught_courses(viewer)}


def may_manage_result(viewer, course: Course) -> bool:
    """Finalise and correct a course's results: its instructors and administrators."""
    return catalog.can_manage(viewer, course)
