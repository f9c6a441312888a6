"""Degree audit: what a student has done, has in progress and still misses towards each
institution's degree in their programme; and the cohort overview built from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.catalog.models import JLPT_LEVELS, Course, CourseCredit, Enrollment, Institution
from lms.core.errors import NotFound, ValidationError
from lms.core.i18n import pick
from lms.extensions import db
from lms.learning.models import CourseResult
from lms.records import services
from lms.records.models import CreditRecord, ProgramStudent, Requirement

DONE, IN_PROGRESS, MISSING = "done", "in_progress", "missing"
PROGRAMME_YEARS = 4


def jlpt_level(user: User) -> str | None:
    """The highest passed, verified JLPT level on record for the user, or None.

    Certifications live in the Japanese feature's table; a platform without that feature
    (module or table missing) simply has no certifications.
    """
    try:
        from lms.japanese.models import JlptCertification  # optional feature: imported late
    except ImportError:
        return None
    table = getattr(JlptCertification, "__tablename__", None)
    if not table or not inspect(db.session.connection()).has_table(table):
        return None
    levels = db.session.scalars(select(JlptCertification.level).where(
        JlptCertification.user_id == user.id, JlptCertification.passed.is_(True),
        JlptCertification.verified.is_(True))).all()
    ranked = [lvl for lvl in levels if lvl in JLPT_LEVELS]
    return max(ranked, key=JLPT_LEVELS.index) if ranked else None


@dataclass
class AuditLine:
    requirement: Requirement
    label: str
    status: str  # done | in_progress | missing
    required: Decimal | str
    done: Decimal | str | None = None
    in_progress: Decimal | None = None
    missing: Decimal | None = None
    note: str = ""


@dataclass
class DegreeAudit:
    student: User
    institution: Institution
    program: object | None
    lines: list[AuditLine] = field(default_factory=list)
    earned: Decimal = Decimal(0)
    in_progress: Decimal = Decimal(0)
    transferred: Decimal = Decimal(0)
    transfer_cap: int | None = None
    gpa: Decimal | None = None
    jlpt: str | None = None
    expected: Decimal | None = None  # credits the time since admission calls for

    @property
    def complete(self) -> bool:
        return bool(self.lines) and all(line.status == DONE for line in self.lines)

    @property
    def on_track(self) -> bool:
        """Credits done and in progress reach the share of the total that the time since
        admission calls for, and no required course or level is missing for good."""
        if self.expected is None:
            return False
        failed = any(line.requirement.kind == "course" and line.note == "failed"
                     for line in self.lines)
        return not failed and self.earned + self.in_progress >= self.expected

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)


@dataclass
class _Progress:
    credits: Decimal
    category: str | None
    course_id: int


def _in_progress(student: User, institution: Institution, recorded: set[int]
                 ) -> list[_Progress]:
    """Courses the student is in (or completed, awaiting a final result) that award
    credits here and have no record here yet."""
    rows = db.session.execute(
        select(Course, CourseCredit.credits)
        .join(Enrollment, Enrollment.course_id == Course.id)
        .join(CourseCredit, (CourseCredit.course_id == Course.id)
              & (CourseCredit.institution_id == institution.id))
        .options(selectinload(Course.track))
        .where(Enrollment.user_id == student.id, Enrollment.status != "withdrawn")).all()
    return [_Progress(Decimal(credits), course.track.code if course.track else None, course.id)
            for course, credits in rows if course.id not in recorded and Decimal(credits) > 0]


def _status(done: Decimal, progress: Decimal, required: Decimal) -> str:
    if done >= required:
        return DONE
    return IN_PROGRESS if done + progress >= required else MISSING


def requirement_label(req: Requirement) -> str:
    if req.label:
        return pick(req.label)
    if req.kind == "total":
        return _("Credits in total")
    if req.kind == "category":
        return _("Credits in %(category)s", category=req.category)
    if req.kind == "course":
        return _("Course %(code)s: %(title)s", code=req.course.code,
                 title=pick(req.course.title))
    return _("JLPT %(level)s or higher", level=req.jlpt_level)


def requirements_of(program, institution: Institution) -> list[Requirement]:
    return db.session.scalars(select(Requirement).where(
        Requirement.program_id == program.id, Requirement.institution_id == institution.id)
        .options(selectinload(Requirement.course))
        .order_by(Requirement.kind != "total", Requirement.kind, Requirement.id)).all()


def degree_audit(student: User, institution: Institution, *, today: date | None = None
                 ) -> DegreeAudit:
    """The audit of ``student`` towards ``institution``'s degree in their programme.

    Credits: passed records in force (transfers included) are done; enrolled courses
    that award credits here and have no record yet are in progress. A requirement is done
    when the done credits reach it, in progress when done and in-progress credits do,
    missing otherwise. A student with no programme gets an audit without lines.
    """
    program = services.programme_for(student, institution)
    records = services.current_records(student.id, institution.id)
    summary = services.summarise(institution, records)
    recorded = {r.course_id for r in records if r.course_id}
    progress = _in_progress(student, institution, recorded)
    audit = DegreeAudit(student, institution, program, earned=summary.earned,
                        transferred=summary.transferred, gpa=summary.gpa,
                        transfer_cap=services.transfer_caps().get(institution.country),
                        in_progress=sum((p.credits for p in progress), Decimal(0)))
    if program is None:
        return audit
    audit.jlpt = jlpt_level(student)
    passed = [r for r in records if r.passed]
    for req in requirements_of(program, institution):
        label = requirement_label(req)
        if req.kind in ("total", "category"):
            required = Decimal(req.credits or 0)
            if req.kind == "total":
                done = audit.earned
                doing = audit.in_progress
            else:
                done = sum((Decimal(r.credits) for r in passed if r.category == req.category),
                           Decimal(0))
                doing = sum((p.credits for p in progress if p.category == req.category),
                            Decimal(0))
            audit.lines.append(AuditLine(req, label, _status(done, doing, required), required,
                                         done, doing, max(required - done - doing, Decimal(0))))
        elif req.kind == "course":
            mine = [r for r in records if r.course_id == req.course_id]
            if any(r.passed for r in mine):
                status, note = DONE, ""
            elif mine:
                status, note = MISSING, "failed"
            elif any(p.course_id == req.course_id for p in progress):
                status, note = IN_PROGRESS, ""
            else:
                status, note = MISSING, ""
            audit.lines.append(AuditLine(req, label, status, req.course.code, note=note))
        elif req.kind == "jlpt":
            ok = audit.jlpt is not None and (
                JLPT_LEVELS.index(audit.jlpt) >= JLPT_LEVELS.index(req.jlpt_level))
            audit.lines.append(AuditLine(req, label, DONE if ok else MISSING, req.jlpt_level,
                                         audit.jlpt or ""))
    total = next((line for line in audit.lines if line.requirement.kind == "total"), None)
    membership = next(m for m in services.programmes_of(student) if m.program_id == program.id)
    if total is not None:
        audit.expected = expected_credits(Decimal(total.required), membership.admitted_on,
                                          today or date.today())
    return audit


def expected_credits(total: Decimal, admitted_on: date, today: date) -> Decimal:
    """The share of ``total`` the time since admission calls for, over a four-year
    programme (RECORDS_PROGRAMME_YEARS), in whole credits."""
    years = current_app.config.get("RECORDS_PROGRAMME_YEARS", PROGRAMME_YEARS)
    months = (today.year - admitted_on.year) * 12 + today.month - admitted_on.month
    share = min(max(Decimal(months) / Decimal(12 * years), Decimal(0)), Decimal(1))
    return (total * share).quantize(Decimal(1))


def audits_for(student: User) -> list[DegreeAudit]:
    return [degree_audit(student, institution)
            for institution in services.student_institutions(student)]


def audit_by_code(student: User, code: str) -> DegreeAudit:
    institution = db.session.scalar(select(Institution).where(Institution.code == code))
    if institution is None:
        raise NotFound(_("There is no institution with the code %(code)s.", code=code))
    return degree_audit(student, institution)


# --- cohort overview ---------------------------------------------------------------


@dataclass
class CohortRow:
    student: User
    audits: list[DegreeAudit]
    awaiting: int  # completed courses whose result is not final yet

    @property
    def on_track(self) -> bool:
        audits = [a for a in self.audits if a.program is not None]
        return bool(audits) and all(a.on_track for a in audits)


def cohort_overview(cohort) -> list[CohortRow]:
    """Every active student of the cohort with their audit per institution."""
    if cohort is None:
        raise ValidationError(_("Choose a cohort."))
    students = [s for s in cohort.students if s.role == "student" and s.active]
    ids = [s.id for s in students]
    finals = set(db.session.execute(select(CreditRecord.user_id, CreditRecord.course_id)
                                    .where(CreditRecord.user_id.in_(ids))))
    completed = db.session.execute(select(CourseResult.user_id, CourseResult.course_id)
                                   .where(CourseResult.user_id.in_(ids))).all()
    waiting: dict[int, int] = {}
    for user_id, course_id in completed:
        if (user_id, course_id) not in finals:
            waiting[user_id] = waiting.get(user_id, 0) + 1
    memberships = set(db.session.scalars(select(ProgramStudent.user_id).where(
        ProgramStudent.user_id.in_(ids))))
    rows = []
    for student in students:
        audits = audits_for(student) if student.id in memberships else []
        rows.append(CohortRow(student, audits, waiting.get(student.id, 0)))
    return rows
