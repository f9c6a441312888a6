"""The catalogue: institutions, programmes, tracks, courses, search and enrolment."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import User
from lms.catalog.models import (
    COURSE_LANGUAGES,
    JLPT_LEVELS,
    Course,
    CourseCredit,
    Enrollment,
    Institution,
    Program,
    Track,
)
from lms.catalog.reference import find_institution, find_program
from lms.core import provenance
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationError
from lms.core.i18n import pick
from lms.extensions import db

CATALOG_FORMAT = "kakehashi-catalog/1"
RESERVED_CODES = {"admin", "new"}  # words the catalogue's own URLs use
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def fold(value: str) -> str:
    """Search folding: NFKC (full/half width alike), case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value or "").casefold().split())


def course_search_text(course: Course) -> str:
    parts = [course.code, *(course.title or {}).values(), *(course.description or {}).values()]
    if course.provider:
        parts.extend((course.provider.name or {}).values())
        parts.append(course.provider.code)
    if course.track:
        parts.extend((course.track.title or {}).values())
    return fold(" \n".join(p for p in parts if p))


def current_term(today=None) -> str:
    """Academic term label: JDU's year runs September-July; spring starts in February."""
    from datetime import date

    today = today or date.today()
    return f"{today.year}-spring" if 2 <= today.month <= 7 else (
        f"{today.year}-autumn" if today.month >= 8 else f"{today.year - 1}-autumn")


# --- reference data ------------------------------------------------------------


def load_catalog_file(path: Path) -> dict[str, int]:
    """Create or update institutions, programmes and tracks from a catalog.yaml."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(_("%(file)s cannot be read: %(error)s", file=path.name,
                                error=exc)) from exc
    if not isinstance(data, dict) or data.get("format") != CATALOG_FORMAT:
        raise ValidationError(_("%(file)s: 'format' must be %(format)s.", file=path.name,
                                format=CATALOG_FORMAT))
    counts = {"institutions": 0, "programmes": 0, "tracks": 0}
    for row in data.get("institutions") or []:
        inst = find_institution(row["code"]) or Institution(code=row["code"])
        inst.name, inst.country = row["name"], row["country"]
        inst.credit_hours = int(row["credit_hours"])
        db.session.add(inst)
        counts["institutions"] += 1
    db.session.flush()
    for row in data.get("programmes") or []:
        program = find_program(row["code"]) or Program(
            code=row["code"])
        program.title = row["title"]
        program.institutions = [find_institution(c) for c in row.get("institutions") or []
                                if find_institution(c)]
        db.session.add(program)
        counts["programmes"] += 1
    for row in data.get("tracks") or []:
        track = db.session.scalar(select(Track).where(Track.code == row["code"])) or Track(
            code=row["code"])
        track.title = row["title"]
        db.session.add(track)
        counts["tracks"] += 1
    db.session.commit()
    return counts


# --- courses -------------------------------------------------------------------


@dataclass
class CourseFields:
    code: str
    title: dict
    provider: str
    hours: float
    credits: dict[str, float]
    language: str = "en"
    description: dict | None = None
    track: str | None = None
    jlpt_level: str | None = None
    self_enroll: bool = False
    instructors: list[str] | None = None  # e-mails


def save_course(fields: CourseFields, course: Course | None = None) -> Course:
    """Create (or update) a course; every problem is reported at once as a ValidationError
    whose details are ``{"field", "message"}``."""
    checked = _checked_course(fields, course)
    course = course or Course(code=fields.code)
    _fill_course(course, fields, checked)
    db.session.add(course)
    db.session.commit()
    return course


@dataclass
class _CheckedCourse:
    """What save_course looked up and cleaned, ready to be written."""

    title: dict
    provider: Institution
    hours: float
    credit_rows: list[tuple[Institution, Decimal]]
    track: Track | None
    instructors: list[User]


def _checked_course(fields: CourseFields, course: Course | None) -> _CheckedCourse:
    """Every field checked, in the order the form shows them; a new course's code already
    in use raises Conflict at once, any other problem a ValidationError listing them all."""
    problems: list[tuple[str, str]] = []
    _check_code(fields.code, course, problems)
    title = {k: v.strip() for k, v in (fields.title or {}).items() if isinstance(v, str) and v.strip()}
    if not title.get("en"):
        problems.append(("title", _("An English title is required.")))
    provider = find_institution(fields.provider or "")
    if provider is None:
        problems.append(("provider", _("There is no institution with the code %(code)s.",
                                       code=fields.provider)))
    if fields.language not in COURSE_LANGUAGES:
        problems.append(("language", _("Language must be one of: %(langs)s.",
                                       langs=", ".join(COURSE_LANGUAGES))))
    hours = _course_hours(fields.hours, problems)
    credit_rows = _credit_rows(fields.credits or {}, problems)
    track = _course_track(fields.track, problems)
    if fields.jlpt_level and fields.jlpt_level not in JLPT_LEVELS:
        problems.append(("jlpt_level", _("The JLPT level must be one of N5, N4, N3, N2, N1.")))
    instructors = _course_instructors(fields.instructors or [], problems)
    if problems:
        raise ValidationError(
            _("The course was not saved: %(count)d problem(s).", count=len(problems)),
            details=[{"field": f, "message": m} for f, m in problems],
        )
    return _CheckedCourse(title, provider, hours, credit_rows, track, instructors)


def _check_code(code: str, course: Course | None, problems: list) -> None:
    """The code's shape; for a new course, not a reserved word and not taken (Conflict)."""
    if not _CODE_RE.match(code or ""):
        problems.append(("code", _("Use 1-40 letters, digits, '.', '_' or '-'.")))
    elif course is None and code.lower() in RESERVED_CODES:
        problems.append(("code", _("'%(code)s' is a reserved word; choose another code.",
                                   code=code)))
    elif course is None and db.session.scalar(select(Course.id).where(Course.code == code)):
        raise Conflict(_("A course with the code %(code)s already exists.", code=code))


def _course_hours(value, problems: list) -> float:
    """The hours as a number from 1 to 2000 (what the message says; a whole number is
    stored); 0 with a problem otherwise (NaN and infinity included)."""
    try:
        hours = float(value)
        if not 1 <= hours <= 2000:  # False for NaN too
            raise ValueError
    except (TypeError, ValueError):
        hours = 0
        problems.append(("hours", _("Hours must be a number between 1 and 2000.")))
    return hours


def _credit_rows(credits: dict, problems: list) -> list[tuple[Institution, Decimal]]:
    """(institution, credits) for each institution code; unknown codes and amounts outside
    0-60 are problems, one per code, in the order given."""
    rows = []
    for code, value in credits.items():
        inst = find_institution(code)
        if inst is None:
            problems.append(("credits", _("There is no institution with the code %(code)s.",
                                          code=code)))
            continue
        try:
            amount = Decimal(str(value))
            if amount < 0 or amount > 60:
                raise ValueError
        except (ArithmeticError, ValueError):
            problems.append(("credits", _("Credits for %(code)s must be between 0 and 60.",
                                          code=code)))
            continue
        rows.append((inst, amount))
    return rows


def _course_track(code: str | None, problems: list) -> Track | None:
    """The track with this code (None when no code is given, or with a problem)."""
    if not code:
        return None
    track = db.session.scalar(select(Track).where(Track.code == code))
    if track is None:
        problems.append(("track", _("There is no track with the code %(code)s.", code=code)))
    return track


def _course_instructors(emails: list[str], problems: list) -> list[User]:
    """The instructor or admin account of each e-mail; anyone else is a problem."""
    instructors = []
    for email in emails:
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            problems.append(("instructors", _("There is no account with the e-mail %(email)s.",
                                              email=email)))
        elif user.role not in ("instructor", "admin"):
            problems.append(("instructors", _("%(email)s is not an instructor.", email=email)))
        else:
            instructors.append(user)
    return instructors


def _fill_course(course: Course, fields: CourseFields, checked: _CheckedCourse) -> None:
    """Write the checked fields to the course; credit rows it already has are reused."""
    course.title = checked.title
    course.description = {k: v for k, v in (fields.description or {}).items() if v}
    course.provider = checked.provider
    course.language, course.hours = fields.language, int(round(checked.hours))
    course.track, course.jlpt_level = checked.track, fields.jlpt_level or None
    course.self_enroll = bool(fields.self_enroll)
    existing = {c.institution_id: c for c in course.credits}
    course.credits = [
        _credit(existing.get(inst.id), inst, amount) for inst, amount in checked.credit_rows
    ]
    course.instructors = checked.instructors
    course.search_text = course_search_text(course)


def _credit(row, institution, amount):
    row = row or CourseCredit(institution=institution)
    row.credits = amount
    return row


def course_by_code(code: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.code == code)
                               .options(joinedload(Course.provider)))
    if course is None:
        raise NotFound(_("There is no course with the code %(code)s.", code=code))
    return course


def is_instructor(user, course: Course) -> bool:
    return user.is_authenticated and any(u.id == user.id for u in course.instructors)


def can_manage(user, course: Course) -> bool:
    return user.is_authenticated and (user.role == "admin" or is_instructor(user, course))


def enrollment_of(user, course: Course) -> Enrollment | None:
    """The user's current enrolment in the course (looked up once per request)."""
    if not user.is_authenticated:
        return None
    cache = g.setdefault("_enrollments", {}) if has_request_context() else {}
    key = (user.id, course.id)
    if key not in cache:
        cache[key] = db.session.scalar(select(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.user_id == user.id,
            Enrollment.status != "withdrawn"))
    return cache[key]


def can_view(user, course: Course) -> bool:
    """Who may open a course's items: its students, its instructors, admins."""
    if not user.is_authenticated:
        return False
    if user.role == "student":
        return enrollment_of(user, course) is not None
    return can_manage(user, course)


# --- search ---------------------------------------------------------------------


@dataclass
class CourseFilters:
    q: str = ""
    track: str | None = None
    provider: str | None = None
    level: str | None = None  # JLPT level
    language: str | None = None


def search_courses(filters: CourseFilters, page: int = 1, per_page: int = 24, *,
                   content=None):
    """Published courses matching the filters; ``q`` matches any title or description in
    any language as a substring (Japanese has no spaces between words): SQLite FTS5
    trigram index or PostgreSQL pg_trgm for three characters or more. ``content``
    (``authoring.search.matching_courses``, passed in by the pages and the API, which sit
    above both features) also matches the text of the courses' modules."""
    stmt = (select(Course).where(Course.published.is_(True))
            .options(selectinload(Course.provider), selectinload(Course.track),
                     selectinload(Course.credits).selectinload(CourseCredit.institution))
            .order_by(Course.code))
    if filters.track:
        stmt = stmt.join(Track, Course.track_id == Track.id).where(Track.code == filters.track)
    if filters.provider:
        stmt = stmt.join(Institution, Course.provider_id == Institution.id).where(
            Institution.code == filters.provider)
    if filters.level in JLPT_LEVELS:
        stmt = stmt.where(Course.jlpt_level == filters.level)
    if filters.language in COURSE_LANGUAGES:
        stmt = stmt.where(Course.language == filters.language)
    query = fold(filters.q)[:100]
    if query:
        match = _text_match(query)
        if content is not None:  # course content too, not just titles
            match = db.or_(match, Course.id.in_(content(query)))
        stmt = stmt.where(match)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def _text_match(query: str):
    dialect = db.session.get_bind().dialect.name
    terms = query.split()
    if dialect == "sqlite" and all(len(t) >= 3 for t in terms):
        # FTS5 trigram: every term must appear as a substring (quoted: no FTS syntax).
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
        return Course.id.in_(
            select(text("rowid")).select_from(text("course_search"))
            .where(text("course_search MATCH :match")).params(match=match)
        )
    # PostgreSQL: ILIKE uses the pg_trgm GIN index; short terms on SQLite: a plain scan.
    conditions = []
    for term in terms:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Course.search_text.like(f"%{escaped}%", escape="\\"))
    return conditions[0] if len(conditions) == 1 else db.and_(*conditions)


def facets() -> dict:
    """Values for the catalogue filters."""
    return {
        "tracks": db.session.scalars(select(Track).order_by(Track.code)).all(),
        "providers": db.session.scalars(
            select(Institution).where(Institution.id.in_(select(Course.provider_id)))
            .order_by(Institution.code)).all(),
        "levels": JLPT_LEVELS,
        "languages": COURSE_LANGUAGES,
    }


# --- enrolment ----------------------------------------------------------------


def enroll(course: Course, users, *, source: str, term: str | None = None) -> list[Enrollment]:
    """Enrol students (idempotent: someone already enrolled stays as they are; a withdrawn
    enrolment becomes active again). Returns the enrolments created or reactivated."""
    term = term or current_term()
    changed = []
    for user in users:
        if user.role != "student":
            raise ValidationError(_("%(email)s is not a student.", email=user.email))
        row = db.session.scalar(select(Enrollment).where(
            Enrollment.course_id == course.id, Enrollment.user_id == user.id))
        if row is None:
            row = Enrollment(course_id=course.id, user_id=user.id, term=term, source=source)
            db.session.add(row)
            changed.append(row)
        elif row.status == "withdrawn":
            row.status, row.source = "active", source
            changed.append(row)
    db.session.commit()
    if has_request_context():
        g.pop("_enrollments", None)  # what this request looked up has changed
    return changed


def enroll_by_emails(course: Course, emails: list[str], *, source: str) -> list[Enrollment]:
    """Enrol by e-mail; unknown addresses are all listed in one ValidationError."""
    wanted = [e.strip().lower() for e in emails if e and e.strip()]
    if not wanted:
        raise ValidationError(_("Give at least one student e-mail or a cohort."))
    users = db.session.scalars(select(User).where(User.email.in_(wanted))).all()
    found = {u.email for u in users}
    missing = [e for e in wanted if e not in found]
    if missing:
        raise ValidationError(
            _("No account has these e-mails: %(emails)s.", emails=", ".join(missing)),
            details=[{"field": "students", "message": e} for e in missing])
    return enroll(course, users, source=source)


def enroll_cohort(course: Course, cohort, *, source: str = "cohort") -> list[Enrollment]:
    students = [u for u in cohort.students if u.role == "student" and u.active]
    return enroll(course, students, source=source)


def self_enroll(course: Course, user) -> Enrollment:
    if not course.self_enroll or not course.published:
        raise Forbidden(_("This course does not allow self-enrolment; ask your administrator."))
    enroll(course, [user], source="self")
    return enrollment_of(user, course)


def my_courses(user) -> list[Course]:
    return db.session.scalars(
        select(Course).join(Enrollment, Enrollment.course_id == Course.id)
        .options(joinedload(Course.provider))
        .where(Enrollment.user_id == user.id, Enrollment.status != "withdrawn")
        .order_by(Course.code)).all()


def taught_courses(user) -> list[Course]:
    from lms.catalog.models import course_instructors

    return db.session.scalars(
        select(Course).join(course_instructors, course_instructors.c.course_id == Course.id)
        .where(course_instructors.c.user_id == user.id).order_by(Course.code)).all()


def course_title(course: Course) -> str:
    return pick(course.title)



def course_enrollments(course: Course) -> list[Enrollment]:
    return db.session.scalars(
        select(Enrollment).where(Enrollment.course_id == course.id)
        .options(selectinload(Enrollment.user)).join(User, User.id == Enrollment.user_id)
        .order_by(User.name)).all()


def set_trusted_provenance(course: Course, chosen) -> Course:
    """Which provenances the course's assessments may rest on for certificates and credit
    records (an administrator's decision: lms.core.provenance). ``chosen`` is a list of
    provenance.SELECTABLE names; server-marked and instructor-graded results are what every
    course accepts by default. ValidationError for an empty or unknown choice."""
    chosen = [c for c in dict.fromkeys(chosen or [])]
    unknown = [c for c in chosen if c not in provenance.SELECTABLE]
    if unknown or not chosen:
        raise ValidationError(_("Choose at least one source a result may come from: %(list)s.",
                                list=", ".join(provenance.label(c) for c in provenance.SELECTABLE)))
    course.trusted_provenance = None if set(chosen) == set(provenance.DEFAULT_TRUSTED) else chosen
    db.session.commit()
    return course

