"""HEMIS export: the credit records of a Uzbek institution as CSV, in the layout that
docs/hemis-export.md documents (one row per record in force)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Integer, case, cast, collate, func, literal, select

from lms.auth.models import User
from lms.catalog.models import Institution, Program
from lms.core.errors import ValidationError
from lms.core.i18n import pick
from lms.extensions import db
from lms.people.models import Cohort
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


def _collated(expr):
    """``expr`` compared code point by code point (as Python sorts), on every database:
    PostgreSQL's default collation follows the locale, which orders JDU-1 and JDU1 by
    other rules."""
    if db.session.get_bind().dialect.name == "postgresql":
        return collate(expr, "C")
    return expr


def _term_order(term):
    """SQL: services.term_sort_key (chronological: 2026-spring, 2026-autumn, 2027-spring;
    anything else last)."""
    year = cast(func.substr(term, 1, 4), Integer) * 10
    return case((term.like("____-spring"), year), (term.like("____-autumn"), year + 1),
                else_=99999)


def export_rows(institution: Institution, *, term: str | None = None,
                cohort_id: int | None = None) -> Iterator[list[str]]:
    """The header, then one row per record in force at ``institution`` (optionally one
    term, one cohort), ordered by student number, term and course code.

    Checks the request at once (ValidationError); the rows then come from the database
    as they are read (sorted there, streamed in batches: memory stays flat whatever the
    number of records), so call it where the database session stays open while the
    rows are consumed."""
    if institution.country != "UZ":
        raise ValidationError(_("HEMIS is the Uzbek student-records system: export a Uzbek "
                                "institution's records (%(code)s is in %(country)s).",
                                code=institution.code, country=institution.country))
    if term:
        services.check_term(term)
    conditions = [CreditRecord.institution_id == institution.id, services.not_superseded()]
    if term:
        conditions.append(CreditRecord.term == term)
    if cohort_id:
        conditions.append(User.cohort_id == cohort_id)
    number = func.coalesce(StudentNumber.number, User.student_number, literal(""))
    stmt = (select(number, User.name, Cohort.code, CreditRecord.user_id, CreditRecord.term,
                   CreditRecord.course_code, CreditRecord.title, CreditRecord.credits,
                   CreditRecord.hours, CreditRecord.score, CreditRecord.grade,
                   CreditRecord.grade_labels, CreditRecord.passed, CreditRecord.source,
                   CreditRecord.origin, CreditRecord.awarded_on, CreditRecord.id,
                   CreditRecord.revision)
            .join(User, User.id == CreditRecord.user_id)
            .outerjoin(Cohort, Cohort.id == User.cohort_id)
            .outerjoin(StudentNumber, (StudentNumber.user_id == CreditRecord.user_id)
                       & (StudentNumber.institution_id == institution.id))
            .where(*conditions)
            .order_by(_collated(number), _term_order(CreditRecord.term),
                      _collated(CreditRecord.term),
                      _collated(func.coalesce(CreditRecord.course_code, literal(""))),
                      CreditRecord.id))
    return _rows(institution.code, stmt, conditions[0])


BATCH = 2000  # rows read from the database at a time


def _rows(code: str, stmt, at_institution) -> Iterator[list[str]]:
    """The header and the rows. The queries run when the first row is asked for: a
    streamed download reads them while it is sent (PostgreSQL's server-side cursor lives
    until the transaction ends, so nothing may commit in between)."""
    yield list(COLUMNS)
    # Each student's first programme (by admission): one small query, not one per row.
    programmes: dict[int, str] = {}
    for user_id, programme in db.session.execute(
            select(ProgramStudent.user_id, Program.code)
            .join(Program, Program.id == ProgramStudent.program_id)
            .where(ProgramStudent.user_id.in_(select(CreditRecord.user_id).where(at_institution)))
            .order_by(ProgramStudent.id)):
        programmes.setdefault(user_id, programme)
    rows = db.session.execute(stmt, execution_options={"yield_per": BATCH})
    years: dict[str, tuple[str, str]] = {}
    for (number, name, cohort, user_id, term, course_code, title, credits, hours, score,
         grade, labels, passed, source, origin, awarded_on, record_id, revision) in rows:
        if term not in years:
            years[term] = academic_year(term)
        year, semester = years[term]
        yield [_cell(v) for v in (
            LAYOUT, code, number, name, cohort or "", programmes.get(user_id, ""), year,
            semester, term, course_code or "", pick(title, "uz"), pick(title, "en"),
            _decimal(credits), hours if hours is not None else "", _decimal(score), grade,
            (labels or {}).get("uz", ""), "1" if passed else "0", source, origin or "",
            awarded_on.isoformat(), record_id, revision)]


def csv_chunks(institution: Institution, **filters) -> Iterator[str]:
    """The export as CSV text (CRLF lines) in chunks of a few hundred rows: what the
    download streams and the command writes. The request is checked before the first
    chunk is asked for (ValidationError)."""
    rows = export_rows(institution, **filters)

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for n, row in enumerate(rows, start=1):
            writer.writerow(row)
            if n % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue()

    return chunks()


def export_csv(institution: Institution, **filters) -> str:
    """The whole export as one string: UTF-8 text (write it with a BOM), CRLF lines."""
    return "".join(csv_chunks(institution, **filters))
