"""Course results made official: finalised by the instructor from a completed course,
or imported by an administrator from CSV (all or nothing), then recorded once for every
institution that awards the course's credits; and corrections of a result's score, with
optimistic locking (a stale edit is refused, never an overwrite)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from lms.auth.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course, CourseCredit, Enrollment
from lms.core import csvimport
from lms.core.db import utcnow
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.problems import Problems
from lms.extensions import db
from lms.learning import progress
from lms.learning.models import CourseResult
from lms.records import auditlog, scales
from lms.records.models import CreditRecord, FinalResult, StudentNumber
from lms.records.services import (
    TERM_RE,
    as_score,
    commit_or_conflict,
    local_date,
    not_superseded,
    plain_number,
)
from lms.records.writing import rollback_on_error

RESULT_CSV_COLUMNS = ("student", "course", "score", "term", "date")
MAX_IMPORT_ROWS = 5000


def result_of(student_id: int, course_id: int) -> FinalResult | None:
    return db.session.scalar(select(FinalResult).where(
        FinalResult.user_id == student_id, FinalResult.course_id == course_id))


def _term_for(student_id: int, course: Course) -> str:
    term = db.session.scalar(select(Enrollment.term).where(
        Enrollment.user_id == student_id, Enrollment.course_id == course.id))
    return term if term and TERM_RE.match(term) else catalog.current_term()


def _awarding(course: Course) -> list[CourseCredit]:
    credits = [c for c in course.credits if Decimal(c.credits) > 0]
    if not credits:
        raise ValidationError(_("%(code)s awards no credits at any institution: set its "
                                "credits in the catalogue first.", code=course.code))
    return credits


def _course_record(result: FinalResult, course: Course, credit: CourseCredit, actor, *,
                   revision: int = 1, supersedes: CreditRecord | None = None,
                   reason: str | None = None, credits=None, term=None) -> CreditRecord:
    scale = scales.scale_for(credit.institution, result.awarded_on)
    band = scales.band_for(result.score, scale)
    return CreditRecord(
        user_id=result.user_id, institution_id=credit.institution_id, source="course",
        result_id=result.id, course_id=course.id, course_code=course.code,
        title=dict(course.title or {}), category=course.track.code if course.track else None,
        credits=Decimal(str(credits if credits is not None else credit.credits)),
        hours=course.hours, score=result.score, grade=band.grade,
        grade_labels=dict(band.labels or {}), grade_points=band.points, passed=band.passing,
        counts_in_gpa=True, scale_id=scale.id, term=term or result.term,
        awarded_on=result.awarded_on, revision=revision,
        supersedes_id=supersedes.id if supersedes else None, reason=reason,
        created_by_id=getattr(actor, "id", None))


def _create_result(student_id: int, course: Course, score: Decimal, *, term: str,
                   awarded_on: date, source: str, actor, course_result_id=None,
                   reason: str | None = None) -> FinalResult:
    result = FinalResult(user_id=student_id, course_id=course.id, score=score, term=term,
                         awarded_on=awarded_on, source=source,
                         course_result_id=course_result_id,
                         finalised_by_id=getattr(actor, "id", None),
                         updated_by_id=getattr(actor, "id", None))
    db.session.add(result)
    db.session.flush()
    for credit in _awarding(course):
        db.session.add(_course_record(result, course, credit, actor))
    db.session.flush()
    auditlog.append(actor, "result.finalise", "final_result", result.id, {
        "student": student_id, "course": course.code, "score": score, "term": term,
        "source": source, "course_result": course_result_id, "reason": reason})
    return result


@rollback_on_error
def finalise_result(course_result: CourseResult, actor, *, score=None,
                    reason: str | None = None) -> FinalResult:
    """Make a completed course's result official and record it once for every institution
    that awards the course's credits, with each one's grade on its scale in force on the
    completion date. ``score`` overrides the computed score (then ``reason`` is needed;
    a course with no scored item has no computed score, so one must be given).
    Refused (ValidationError listing each) when the student's results rest on a
    provenance the course does not trust, or the course is no longer complete
    (progress.outcome_basis, checked on the progress as it is now). Raises Conflict
    when the result is already final."""
    course = db.session.get(Course, course_result.course_id)
    existing = result_of(course_result.user_id, course.id)
    if existing is not None:
        raise Conflict(_("This result is already final (score %(score)s); to change it, "
                         "correct it with a reason.", score=plain_number(existing.score)))
    basis = progress.outcome_basis(course_result.user_id, course)
    if not basis.ok:
        raise ValidationError(
            _("Not finalised: the result rests on outcomes %(code)s does not accept, or the "
              "course is no longer complete. %(first)s", code=course.code,
              first=basis.problems[0] if basis.problems else ""),
            details=[{"field": "score", "message": m} for m in basis.problems])
    reason = (reason or "").strip() or None
    if basis.score is None:
        if score in (None, ""):
            raise ValidationError(_("%(code)s has no scored item, so there is no computed "
                                    "score: give the score to record, and why.",
                                    code=course.code))
        final = as_score(score)
        if not reason:
            raise ValidationError(_("Say what the score %(score)s rests on (the course has "
                                    "no scored item).", score=plain_number(final)))
    else:
        computed = as_score(basis.score)
        final = as_score(score) if score not in (None, "") else computed
        if final != computed and not reason:
            raise ValidationError(_("Say why the score differs from the computed %(score)s.",
                                    score=plain_number(computed)))
    result = _create_result(course_result.user_id, course, final,
                            term=_term_for(course_result.user_id, course),
                            awarded_on=local_date(course_result.completed_at),
                            source="course", actor=actor, course_result_id=course_result.id,
                            reason=reason)
    commit_or_conflict(_("Someone finalised this result a moment ago; reload the page."))
    return result


def pending_results(course: Course) -> list[tuple[CourseResult, User, FinalResult | None]]:
    """Completed results of a course with their final result, if any, by student name."""
    rows = db.session.execute(
        select(CourseResult, User, FinalResult)
        .join(User, User.id == CourseResult.user_id)
        .outerjoin(FinalResult, (FinalResult.user_id == CourseResult.user_id)
                   & (FinalResult.course_id == CourseResult.course_id))
        .where(CourseResult.course_id == course.id).order_by(User.name)).all()
    listed = [(cr, user, final) for cr, user, final in rows]
    seen = {user.id for _cr, user, _final in listed}
    for final in db.session.scalars(select(FinalResult).where(
            FinalResult.course_id == course.id, FinalResult.user_id.not_in(list(seen)))):
        listed.append((None, final.user, final))  # imported: no completion behind them
    return listed


def awaiting_finalisation(student: User) -> list[tuple[CourseResult, Course]]:
    """The student's completed courses whose result is not final yet."""
    finals = select(FinalResult.course_id).where(FinalResult.user_id == student.id)
    return db.session.execute(
        select(CourseResult, Course).join(Course, Course.id == CourseResult.course_id)
        .where(CourseResult.user_id == student.id, CourseResult.course_id.not_in(finals))
        .order_by(Course.code)).all()


def course_result(result_id: int) -> CourseResult:
    row = db.session.get(CourseResult, result_id)
    if row is None:
        raise NotFound(_("There is no completed course result %(id)s.", id=result_id))
    return row


# --- importing results from CSV -------------------------------------------------------


@rollback_on_error
def import_results_csv(data: bytes, actor) -> list[FinalResult]:
    """Finalise results from a CSV: every row, or none.

    Columns: student (e-mail or student number), course (code), score (0-100); optional
    term (2026-autumn; default the enrolment's) and date (YYYY-MM-DD, the day the grade
    was awarded, which picks the grade scale; default today). Raises ValidationError whose
    ``details`` list every bad row as ``{"row": n, "message": ...}`` (the header is row 1).
    """
    problems = Problems("row")
    reader = csvimport.open_csv(data, problems, columns=RESULT_CSV_COLUMNS,
                                required=("student", "course", "score"), codec_reason=False)
    seen = _SeenInFile(today=local_date(utcnow()))
    rows = []
    for index, row in csvimport.data_rows(reader, problems, max_rows=MAX_IMPORT_ROWS):
        before = len(problems)
        parsed = _parse_result_row(row, index, problems, seen)
        if parsed.student is not None and parsed.course is not None:
            _check_result_pair(parsed, index, problems, seen)
        if len(problems) == before:
            rows.append(parsed)
    problems.raise_if_any(_("Nothing was imported: %(count)d problem(s) found. Fix them "
                            "and upload again.", count=len(problems)))
    if not rows:
        raise ValidationError(_("The file has a header but no results."))
    created = [
        _create_result(r.student.id, r.course, r.score,
                       term=r.term or _term_for(r.student.id, r.course),
                       awarded_on=r.awarded_on, source="import", actor=actor)
        for r in rows
    ]
    commit_or_conflict(_("Some of these results were finalised meanwhile; nothing was "
                         "imported. Upload the file again to see which."))
    return created


@dataclass
class _ResultRow:
    student: User | None
    course: Course | None
    score: Decimal | None
    term: str | None
    awarded_on: date


@dataclass
class _SeenInFile:
    """The day of the import, the courses looked up by code so far, and each student and
    course pair with the first row that has it."""

    today: date
    courses: dict[str, Course | None] = field(default_factory=dict)
    pairs: dict[tuple[int, int], int] = field(default_factory=dict)


def _parse_result_row(row: dict[str, str], index: int, problems: Problems,
                      seen: _SeenInFile) -> _ResultRow:
    """The row's values, each None (or the default) when it is not right; every such
    problem is added, in column order."""
    student = student_by_key(row.get("student", ""))
    if student is None:
        problems.add(index, _("No student has the e-mail or student number '%(key)s'.",
                              key=row.get("student", "")))
    code = row.get("course", "")
    if code not in seen.courses:
        seen.courses[code] = db.session.scalar(select(Course).where(Course.code == code))
    course = seen.courses[code]
    if course is None:
        problems.add(index, _("There is no course with the code %(code)s.", code=code))
    try:
        score = as_score(row.get("score", ""))
    except ValidationError as exc:
        score = None
        problems.add(index, exc.message)
    awarded_on = seen.today
    if row.get("date"):
        try:
            awarded_on = date.fromisoformat(row["date"])
        except ValueError:
            problems.add(index, _("'%(value)s' is not a date like 2026-01-31.",
                                  value=row["date"]))
    term = row.get("term") or None
    if term and not TERM_RE.match(term):
        problems.add(index, _("'%(term)s' is not a term; write it like 2026-autumn or "
                              "2026-spring.", term=term))
    return _ResultRow(student, course, score, term, awarded_on)


def _check_result_pair(parsed: _ResultRow, index: int, problems: Problems,
                       seen: _SeenInFile) -> None:
    """The problems of a known student and course: the pair twice in the file, no
    enrolment, a result already final, no grade scale in force on the day."""
    student, course = parsed.student, parsed.course
    key = (student.id, course.id)
    if key in seen.pairs:
        problems.add(index, _("The same student and course are also on row %(row)d.",
                              row=seen.pairs[key]))
    seen.pairs.setdefault(key, index)
    enrolled = db.session.scalar(select(Enrollment.id).where(
        Enrollment.user_id == student.id, Enrollment.course_id == course.id,
        Enrollment.status != "withdrawn"))
    if not enrolled:
        problems.add(index, _("%(student)s is not enrolled in %(code)s.",
                              student=student.email, code=course.code))
    final = result_of(student.id, course.id)
    if final is not None:
        problems.add(index, _("%(student)s already has a final result in %(code)s "
                              "(%(score)s); correct it on the student's records page.",
                              student=student.email, code=course.code,
                              score=plain_number(final.score)))
    try:
        for credit in _awarding(course):
            scales.scale_for(credit.institution, parsed.awarded_on)
    except ValidationError as exc:
        problems.add(index, exc.message)


def student_by_key(key: str) -> User | None:
    key = key.strip()
    if not key:
        return None
    user = db.session.scalar(select(User).where(or_(func.lower(User.email) == key.lower(),
                                                    User.student_number == key)))
    if user is None:
        user = db.session.scalar(select(User).join(
            StudentNumber, StudentNumber.user_id == User.id).where(StudentNumber.number == key))
    return user if user is not None and user.role == "student" else None


# --- correcting a result --------------------------------------------------------------


@rollback_on_error
def correct_result(result: FinalResult, actor, *, score, reason: str,
                   expected_version: int) -> FinalResult:
    """Change a final result's score. ``expected_version`` is the version the editor
    saw: when someone saved in between, Conflict (409) says who and what, and nothing
    changes. Every institution's record of the result is superseded by a new one."""
    reason = (reason or "").strip()
    if int(expected_version) != result.version:
        who = result.updated_by.email if result.updated_by else _("someone")
        raise Conflict(_(
            "%(who)s changed this result while you were editing it: the score is now "
            "%(score)s (version %(version)d). Reload, check, and save again if still needed.",
            who=who, score=plain_number(result.score), version=result.version))
    new_score = as_score(score)
    if not reason:
        raise ValidationError(_("Say why the result is corrected; the reason is kept in the "
                                "record's history."))
    if new_score == result.score:
        raise ValidationError(_("The score is already %(score)s; nothing to correct.",
                                score=plain_number(new_score)))
    course = db.session.get(Course, result.course_id)
    current = db.session.scalars(select(CreditRecord).where(
        CreditRecord.result_id == result.id, not_superseded())).all()
    old, actor_id = result.score, getattr(actor, "id", None)
    with db.session.no_autoflush:  # one UPDATE, so one version step
        result.score, result.updated_by_id, result.updated_at = new_score, actor_id, utcnow()
    try:
        db.session.flush()  # the version check: UPDATE ... WHERE version = the one loaded
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(_("Someone else saved this result at the same moment. Reload, check, "
                         "and save again if still needed.")) from exc
    credits = {c.institution_id: c for c in course.credits}
    for record in current:
        credit = credits.get(record.institution_id)
        if credit is None:  # the course no longer awards these credits: keep them as were
            credit = SimpleNamespace(institution_id=record.institution_id,
                                     institution=record.institution, credits=record.credits)
        db.session.add(_course_record(result, course, credit, actor,
                                      revision=record.revision + 1, supersedes=record,
                                      reason=reason, credits=record.credits, term=record.term))
    db.session.flush()
    auditlog.append(actor, "result.correct", "final_result", result.id, {
        "student": result.user_id, "course": course.code, "from": old, "to": new_score,
        "reason": reason, "version": result.version})
    commit_or_conflict(_("Someone else saved this result at the same moment. Reload, "
                         "check, and save again if still needed."))
    return result
