"""HEMIS export: the credit records of a Uzbek institution as CSV, in the layout that
docs/hemis-export.md documents (one row per record in force)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.catalog.models import Institution, Program
from lms.core.errors import ValidationError
from lms.core.i18n import pick
from lms.extensions import db
from lms.records import services
from lms.records.models import CreditRecord, ProgramStudent, StudentNumber

LAYOUT = "kakehashi-hemis/1"
COLUMNS = (
    "layout", "institution_code", "student_number", "student_name", "cohort", "programme_code",
    "academic_year", "semester", "term", "course_code", "course_title_uz", "course_title_en",
    "credits", "hours", "score", "grade", "grade_label_uz", "passed", "source", "origin",
    "awarded_on", "record_id", "revision",
)


def academic_year(term: str) -> tuple[str, str]:
    """('2026-2027', '1') for 2026-autumn; ('2025-2026', '2') for 2026-spring."""
    match = services.TERM_RE.match(term or "")
    if not match:
        return "", ""
    year = int(match.group(1))
    if match.group(2) == "autumn":
        return f"{year}-{year + 1}", "1"
    return f"{year - 1}-{year}", "2"


def _cell(value) -> str:
    """Text as it is, but never a formula when opened in a spreadsheet."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _decimal(value) -> str:
    return "" if value is None else format(Decimal(value), "f")


def export_rows(institution: Institution, *, term: str | None = None,
                cohort_id: int | None = None) -> Iterator[list[str]]:
    """The header, then one row per record in force at ``institution`` (optionally one
    term, one cohort), ordered by student number, term and course code."""
    if institution.country != "UZ":
        raise ValidationError(_("HEMIS is the Uzbek student-records system: export a Uzbek "
                                "institution's records (%(code)s is in %(country)s).",
                                code=institution.code, country=institution.country))
    if term:
        services.check_term(term)
    stmt = (select(CreditRecord).where(CreditRecord.institution_id == institution.id,
                                       services.not_superseded())
            .options(selectinload(CreditRecord.user).selectinload(User.cohort)))
    if term:
        stmt = stmt.where(CreditRecord.term == term)
    if cohort_id:
        stmt = stmt.join(User, User.id == CreditRecord.user_id).where(User.cohort_id == cohort_id)
    records = db.session.scalars(stmt).all()
    user_ids = {r.user_id for r in records}
    numbers = dict(db.session.execute(select(StudentNumber.user_id, StudentNumber.number).where(
        StudentNumber.institution_id == institution.id, StudentNumber.user_id.in_(user_ids)
    )).all())
    programmes: dict[int, str] = {}  # student -> programme code (their first programme)
    for user_id, code in db.session.execute(
            select(ProgramStudent.user_id, Program.code)
            .join(Program, Program.id == ProgramStudent.program_id)
            .where(ProgramStudent.user_id.in_(user_ids)).order_by(ProgramStudent.id)):
        programmes.setdefault(user_id, code)

    def number_of(user: User) -> str:
        return numbers.get(user.id) or user.student_number or ""

    records.sort(key=lambda r: (number_of(r.user), services.term_sort_key(r.term),
                                r.course_code or "", r.id))
    yield list(COLUMNS)
    for r in records:
        year, semester = academic_year(r.term)
        yield [_cell(v) for v in (
            LAYOUT, institution.code, number_of(r.user), r.user.name,
            r.user.cohort.code if r.user.cohort else "",
            programmes.get(r.user_id, ""), year, semester, r.term,
            r.course_code or "", pick(r.title, "uz"), pick(r.title, "en"),
            _decimal(r.credits), r.hours if r.hours is not None else "",
            _decimal(r.score), r.grade, (r.grade_labels or {}).get("uz", ""),
            "1" if r.passed else "0", r.source, r.origin or "", r.awarded_on.isoformat(),
            r.id, r.revision)]


def export_csv(institution: Institution, **filters) -> str:
    """The whole export as one string: UTF-8 text (write it with a BOM), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in export_rows(institution, **filters):
        writer.writerow(row)
    return buffer.getvalue()
