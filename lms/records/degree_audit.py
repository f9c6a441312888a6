"""Degree audit: what a student has done, has in progress and still misses towards each
institution's degree in their programme; and the cohort overview built from it."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, inspect, select
from sqlalchemy.orm import aliased, selectinload

from lms.auth.models import User
from lms.catalog import reference
from lms.catalog.models import (
    JLPT_LEVELS,
    Course,
    CourseCredit,
    Enrollment,
    Institution,
    Program,
    Track,
)
from lms.core.errors import ValidationError
from lms.core.i18n import pick
from lms.extensions import db
from lms.learning.models import CourseResult
from lms.records import services
from lms.records.models import CreditRecord, ProgramStudent, Requirement

DONE, IN_PROGRESS, MISSING = "done", "in_progress", "missing"
PROGRAMME_YEARS = 4


def _jlpt_model():
    """The Japanese feature's certification model, or None when the platform has no such
    feature (module or table missing)."""
    try:
        from lms.japanese.models import JlptCertification  # optional feature: imported late
    except ImportError:
        return None
    table = getattr(JlptCertification, "__tablename__", None)
    if not table or not inspect(db.session.connection()).has_table(table):
        return None
    return JlptCertification


def _highest(levels) -> str | None:
    ranked = [lvl for lvl in levels if lvl in JLPT_LEVELS]
    return max(ranked, key=JLPT_LEVELS.index) if ranked else None


def jlpt_level(user: User) -> str | None:
    """The highest passed, verified JLPT level on record for the user, or None.

    Certifications live in the Japanese feature's table; a platform without that feature
    (module or table missing) simply has no certifications.
    """
    model = _jlpt_model()
    if model is None:
        return None
    return _highest(db.session.scalars(select(model.level).where(
        model.user_id == user.id, model.passed.is_(True), model.verified.is_(True))))


def jlpt_levels(user_ids) -> dict[int, str]:
    """``jlpt_level`` of many students at once (``user_ids``: a subquery of ids):
    user id -> level, for those who have one."""
    model = _jlpt_model()
    if model is None:
        return {}
    levels: dict[int, list[str]] = defaultdict(list)
    for user_id, level in db.session.execute(select(model.user_id, model.level).where(
            model.user_id.in_(user_ids), model.passed.is_(True), model.verified.is_(True))):
        levels[user_id].append(level)
    return {user_id: level for user_id, found in levels.items()
            if (level := _highest(found)) is not None}


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
    recorded = {r.course_id for r in records if r.course_id}
    progress = _in_progress(student, institution, recorded)
    if program is None:
        return _assemble(student, institution, None, None, records, progress, None, [],
                         requirement_label, today)
    membership = next(m for m in services.programmes_of(student) if m.program_id == program.id)
    return _assemble(student, institution, program, membership.admitted_on, records, progress,
                     jlpt_level(student), requirements_of(program, institution),
                     requirement_label, today)


def _assemble(student: User, institution: Institution, program, admitted_on: date | None,
              records, progress: list[_Progress], jlpt: str | None,
              requirements: list[Requirement], label_of, today: date | None) -> DegreeAudit:
    """The audit from what was read about the student: one student's queries
    (``degree_audit``) and a whole cohort's (``cohort_overview``) share it, so both give
    the same figures. ``records`` are the records in force at ``institution`` (objects
    or rows with the same attributes)."""
    summary = services.summarise(institution, records)
    audit = DegreeAudit(student, institution, program, earned=summary.earned,
                        transferred=summary.transferred, gpa=summary.gpa,
                        transfer_cap=services.transfer_caps().get(institution.country),
                        in_progress=sum((p.credits for p in progress), Decimal(0)))
    if program is None:
        return audit
    audit.jlpt = jlpt
    passed = [r for r in records if r.passed]
    for req in requirements:
        line = _audit_line(req, label_of(req), audit, records, passed, progress)
        if line is not None:
            audit.lines.append(line)
    total = next((line for line in audit.lines if line.requirement.kind == "total"), None)
    if total is not None:
        audit.expected = expected_credits(Decimal(total.required), admitted_on,
                                          today or date.today())
    return audit


def _audit_line(req: Requirement, label: str, audit: DegreeAudit, records, passed,
                progress: list[_Progress]) -> AuditLine | None:
    """The line of one requirement (None for a kind the audit does not know)."""
    if req.kind in ("total", "category"):
        return _credits_line(req, label, audit, passed, progress)
    if req.kind == "course":
        return _course_line(req, label, records, progress)
    if req.kind == "jlpt":
        return _jlpt_line(req, label, audit.jlpt)
    return None


def _credits_line(req: Requirement, label: str, audit: DegreeAudit, passed,
                  progress: list[_Progress]) -> AuditLine:
    """Credits in total, or in one category: done (passed records), in progress and
    still missing."""
    required = Decimal(req.credits or 0)
    if req.kind == "total":
        done = audit.earned
        doing = audit.in_progress
    else:
        done = sum((Decimal(r.credits) for r in passed if r.category == req.category),
                   Decimal(0))
        doing = sum((p.credits for p in progress if p.category == req.category), Decimal(0))
    return AuditLine(req, label, _status(done, doing, required), required, done, doing,
                     max(required - done - doing, Decimal(0)))


def _course_line(req: Requirement, label: str, records, progress: list[_Progress]
                 ) -> AuditLine:
    """A required course: passed is done; only failed records is missing for good
    ("failed"); enrolled is in progress."""
    mine = [r for r in records if r.course_id == req.course_id]
    if any(r.passed for r in mine):
        status, note = DONE, ""
    elif mine:
        status, note = MISSING, "failed"
    elif any(p.course_id == req.course_id for p in progress):
        status, note = IN_PROGRESS, ""
    else:
        status, note = MISSING, ""
    return AuditLine(req, label, status, req.course.code, note=note)


def _jlpt_line(req: Requirement, label: str, jlpt: str | None) -> AuditLine:
    ok = jlpt is not None and JLPT_LEVELS.index(jlpt) >= JLPT_LEVELS.index(req.jlpt_level)
    return AuditLine(req, label, DONE if ok else MISSING, req.jlpt_level, jlpt or "")


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
    return degree_audit(student, reference.get_institution(code))


# --- cohort overview ---------------------------------------------------------------

COHORT_PAGE_SIZE = 50


@dataclass
class CohortRow:
    student: User
    audits: list[DegreeAudit]
    awaiting: int  # completed courses whose result is not final yet

    @property
    def on_track(self) -> bool:
        audits = [a for a in self.audits if a.program is not None]
        return bool(audits) and all(a.on_track for a in audits)


@dataclass
class CohortOverview:
    """Every active student of a cohort with their audits; ``page`` gives a page of them,
    while the counts and the institutions (the table's columns) cover the whole cohort."""

    cohort: object
    rows: list[CohortRow]
    institutions: list[Institution]

    @property
    def students(self) -> int:
        return len(self.rows)

    @property
    def on_track(self) -> int:
        return sum(1 for row in self.rows if row.audits and row.on_track)

    @property
    def behind(self) -> int:
        return sum(1 for row in self.rows if row.audits and not row.on_track)

    @property
    def without_programme(self) -> int:
        return sum(1 for row in self.rows if not row.audits)

    @property
    def awaiting(self) -> int:
        return sum(row.awaiting for row in self.rows)

    def pages(self, per_page: int = COHORT_PAGE_SIZE) -> int:
        return max(1, math.ceil(len(self.rows) / per_page))

    def page(self, number: int, per_page: int = COHORT_PAGE_SIZE
             ) -> tuple[list[CohortRow], int, int]:
        """(rows of page ``number``, the page number kept within range, pages)."""
        pages = self.pages(per_page)
        number = min(max(number, 1), pages)
        start = (number - 1) * per_page
        return self.rows[start:start + per_page], number, pages

    def __iter__(self):
        return iter(self.rows)


def cohort_overview(cohort, *, today: date | None = None) -> CohortOverview:
    """Every active student of the cohort (by name) with their audit per institution,
    exactly as ``degree_audit`` gives it one student at a time, but read in a fixed number
    of queries whatever the size of the cohort (students, programmes, records, enrolments,
    certifications, requirements, institutions, results awaiting finalisation)."""
    if cohort is None:
        raise ValidationError(_("Choose a cohort."))
    ids = select(User.id).where(User.cohort_id == cohort.id, User.role == "student",
                                User.active.is_(True))
    students = db.session.scalars(
        select(User).where(User.cohort_id == cohort.id, User.role == "student",
                           User.active.is_(True)).order_by(User.name, User.id)).all()
    if not students:
        return CohortOverview(cohort, [], [])
    cohort_data = _read_cohort(ids)
    label_of = _label_cache()
    rows = [CohortRow(student, _cohort_audits(student, cohort_data, label_of, today),
                      cohort_data.waiting.get(student.id, 0)) for student in students]
    institutions = sorted({a.institution.id: a.institution for row in rows
                           for a in row.audits}.values(), key=lambda i: i.code)
    return CohortOverview(cohort, rows, institutions)


@dataclass
class _CohortData:
    """What the overview reads about the whole cohort, keyed by student (and institution,
    or programme and institution); ``_read_cohort`` reads each in a query or two."""

    memberships: dict[int, list[ProgramStudent]]  # student -> programmes, by admission row
    records: dict[tuple[int, int], list]  # (student, institution) -> records in force
    institution_ids: dict[int, set[int]]  # student -> institutions of any of their records
    enrolled: dict[int, list[tuple]]  # student -> (institution, course, category, credits)
    waiting: dict[int, int]  # student -> completed courses whose result is not final
    levels: dict[int, str]  # student -> JLPT level
    wanted: dict[tuple[int, int], list[Requirement]]  # (programme, institution) -> lines
    known: dict[int, Institution]  # every institution above, by id
    grants: dict[int, set[int]]  # programme -> the institutions whose degree it leads to


def _read_cohort(ids) -> _CohortData:
    """Everything the audits of the students ``ids`` (a subquery) need, in the same
    fixed number of queries whatever the size of the cohort."""
    memberships = _cohort_memberships(ids)
    records, institution_ids, finals = _cohort_records(ids)
    enrolled = _cohort_enrolments(ids)
    waiting = _cohort_waiting(ids, finals)
    levels = jlpt_levels(ids)
    wanted = _cohort_requirements({m.program_id for ms in memberships.values() for m in ms})
    known = _cohort_institutions(memberships, institution_ids)
    grants = {m.program_id: {i.id for i in m.program.institutions}
              for ms in memberships.values() for m in ms}
    return _CohortData(memberships, records, institution_ids, enrolled, waiting, levels,
                       wanted, known, grants)


def _cohort_memberships(ids) -> dict[int, list[ProgramStudent]]:
    memberships: dict[int, list[ProgramStudent]] = defaultdict(list)
    for m in db.session.scalars(
            select(ProgramStudent).where(ProgramStudent.user_id.in_(ids))
            .options(selectinload(ProgramStudent.program).selectinload(Program.institutions))
            .order_by(ProgramStudent.id)):
        memberships[m.user_id].append(m)
    return memberships


def _cohort_records(ids):
    """(records in force by student and institution, the institutions of each student's
    records, the (student, course) pairs with a record). Every record is read, since
    superseded ones name institutions too (as in student_institutions); only those in
    force count."""
    newer = aliased(CreditRecord)
    in_force = ~exists(select(newer.id).where(newer.supersedes_id == CreditRecord.id))
    records: dict[tuple[int, int], list] = defaultdict(list)
    institution_ids: dict[int, set[int]] = defaultdict(set)
    finals: set[tuple[int, int | None]] = set()
    for row in db.session.execute(select(
            CreditRecord.user_id, CreditRecord.institution_id, CreditRecord.course_id,
            CreditRecord.credits, CreditRecord.category, CreditRecord.passed,
            CreditRecord.counts_in_gpa, CreditRecord.grade_points, CreditRecord.source,
            CreditRecord.term, in_force.label("in_force")).where(CreditRecord.user_id.in_(ids))):
        institution_ids[row.user_id].add(row.institution_id)
        finals.add((row.user_id, row.course_id))
        if row.in_force:
            records[(row.user_id, row.institution_id)].append(row)
    return records, institution_ids, finals


def _cohort_enrolments(ids) -> dict[int, list[tuple]]:
    """Student -> (institution, course, category, credits) of each course they are in,
    once per institution that awards credits for it."""
    enrolled: dict[int, list[tuple]] = defaultdict(list)
    for user_id, course_id, category, institution_id, credits in db.session.execute(
            select(Enrollment.user_id, Course.id, Track.code, CourseCredit.institution_id,
                   CourseCredit.credits)
            .join(Course, Course.id == Enrollment.course_id)
            .join(CourseCredit, CourseCredit.course_id == Course.id)
            .outerjoin(Track, Track.id == Course.track_id)
            .where(Enrollment.user_id.in_(ids), Enrollment.status != "withdrawn")):
        enrolled[user_id].append((institution_id, course_id, category, Decimal(credits)))
    return enrolled


def _cohort_waiting(ids, finals: set[tuple[int, int | None]]) -> dict[int, int]:
    """Student -> how many of their completed courses have no record yet."""
    waiting: dict[int, int] = defaultdict(int)
    for user_id, course_id in db.session.execute(
            select(CourseResult.user_id, CourseResult.course_id)
            .where(CourseResult.user_id.in_(ids))):
        if (user_id, course_id) not in finals:
            waiting[user_id] += 1
    return waiting


def _cohort_requirements(program_ids: set[int]) -> dict[tuple[int, int], list[Requirement]]:
    """(programme, institution) -> its requirement lines, in the audit's order."""
    wanted: dict[tuple[int, int], list[Requirement]] = defaultdict(list)
    if program_ids:
        for req in db.session.scalars(
                select(Requirement).where(Requirement.program_id.in_(program_ids))
                .options(selectinload(Requirement.course))
                .order_by(Requirement.kind != "total", Requirement.kind, Requirement.id)):
            wanted[(req.program_id, req.institution_id)].append(req)
    return wanted


def _cohort_institutions(memberships: dict[int, list[ProgramStudent]],
                         institution_ids: dict[int, set[int]]) -> dict[int, Institution]:
    """Id -> institution, for those of the programmes (already loaded with them) and
    those only named by records (read in one more query, when there are any)."""
    known = {i.id: i for ms in memberships.values() for m in ms for i in m.program.institutions}
    missing = {i for ids_ in institution_ids.values() for i in ids_} - set(known)
    if missing:
        known.update((i.id, i) for i in db.session.scalars(
            select(Institution).where(Institution.id.in_(missing))))
    return known


def _label_cache():
    """``requirement_label`` remembered by requirement: a cohort's students share their
    programme's lines, so each label is worked out once."""
    labels: dict[int, str] = {}

    def label_of(req: Requirement) -> str:
        if req.id not in labels:
            labels[req.id] = requirement_label(req)
        return labels[req.id]

    return label_of


def _cohort_audits(student: User, data: _CohortData, label_of, today: date | None
                   ) -> list[DegreeAudit]:
    """The student's audits, one per institution of their programmes or records, by
    institution code; none for a student without a programme."""
    mine = data.memberships.get(student.id, [])
    if not mine:
        return []
    ids_here = set(data.institution_ids.get(student.id, ()))
    for m in mine:
        ids_here.update(data.grants[m.program_id])
    return [_cohort_audit(student, institution, mine, data, label_of, today)
            for institution in sorted((data.known[i] for i in ids_here), key=lambda i: i.code)]


def _cohort_audit(student: User, institution: Institution, mine: list[ProgramStudent],
                  data: _CohortData, label_of, today: date | None) -> DegreeAudit:
    """One audit from the cohort's data, with the same figures as ``degree_audit``."""
    # the first programme (by admission row) that leads to this degree
    membership = next((m for m in mine if institution.id in data.grants[m.program_id]), None)
    in_force_here = data.records.get((student.id, institution.id), [])
    recorded = {r.course_id for r in in_force_here if r.course_id}
    progress = [_Progress(credits, category, course_id)
                for inst_id, course_id, category, credits in data.enrolled.get(student.id, ())
                if inst_id == institution.id and course_id not in recorded and credits > 0]
    program = membership.program if membership else None
    return _assemble(
        student, institution, program, membership.admitted_on if membership else None,
        in_force_here, progress, data.levels.get(student.id),
        data.wanted.get((program.id, institution.id), []) if program else [], label_of, today)
