"""People management: cohorts and bulk import of accounts from CSV."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms.auth import services as auth_services
from lms.auth.models import User
from lms.core import csvimport
from lms.core.access import ROLES
from lms.core.errors import Conflict, LmsError, ValidationError
from lms.core.problems import Problems
from lms.extensions import db
from lms.japanese.names import reading_order
from lms.people.models import Cohort

CSV_COLUMNS = ("email", "name", "role", "name_ja", "name_kana", "student_number", "cohort",
               "locale", "password")
REQUIRED_COLUMNS = ("email", "name")
MAX_IMPORT_ROWS = 5000


@dataclass
class ImportedPerson:
    user: User
    temporary_password: str | None  # shown once to the admin when the CSV had none


def create_cohort(code: str, name: str, intake_year: int | None = None) -> Cohort:
    code = (code or "").strip()
    if not code or not name.strip():
        raise ValidationError(_("A cohort needs a code and a name."))
    if db.session.scalar(select(Cohort.id).where(func.lower(Cohort.code) == code.lower())):
        raise Conflict(_("A cohort with the code %(code)s already exists.", code=code))
    cohort = Cohort(code=code, name=name.strip(), intake_year=intake_year)
    db.session.add(cohort)
    db.session.commit()
    return cohort


def cohort_by_code(code: str) -> Cohort | None:
    return db.session.scalar(select(Cohort).where(func.lower(Cohort.code) == code.lower()))


def list_users(query: str = "", role: str | None = None, page: int = 1, per_page: int = 50):
    stmt = (select(User).options(selectinload(User.cohort))
            .order_by(*reading_order()))  # Japanese names by their kana reading
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(
            or_(User.name.ilike(like), User.email.ilike(like), User.name_ja.ilike(like),
                User.name_kana.ilike(like), User.student_number.ilike(like))
        )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def import_people_csv(data: bytes, *, cohort: Cohort | None = None) -> list[ImportedPerson]:
    """Create every account in the CSV, or none.

    Columns: email and name (required), role, name_ja, name_kana, student_number, cohort
    (a cohort code), locale, password. Raises ValidationError whose ``details`` lists
    every bad row as ``{"row": n, "message": ...}`` (row 1 is the header).
    """
    problems = Problems("row")
    reader = csvimport.open_csv(data, problems, columns=CSV_COLUMNS, required=REQUIRED_COLUMNS)
    seen = _SeenInFile()
    rows = []
    for index, row in csvimport.data_rows(reader, problems, max_rows=MAX_IMPORT_ROWS):
        _check_person(row, index, problems, seen)
        rows.append(row)
    problems.raise_if_any(_("Nothing was imported: %(count)d problem(s) found. Fix them and "
                            "upload again.", count=len(problems)))
    if not rows:
        raise ValidationError(_("The file has a header but no people."))
    return _create_people(rows, seen.cohorts, cohort)


@dataclass
class _SeenInFile:
    """What the rows checked so far used: e-mails and student numbers (each with the
    first row that has it) and the cohorts looked up by code."""

    emails: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    cohorts: dict[str, Cohort | None] = field(default_factory=dict)


def _check_person(row: dict[str, str], index: int, problems: Problems,
                  seen: _SeenInFile) -> None:
    """Add every problem of one CSV row, in column order."""
    email = _check_email(row.get("email", ""), index, problems, seen)
    if not row.get("name"):
        problems.add(index, _("A name is required."))
    if (row.get("role") or "student") not in ROLES:
        problems.add(index, _("Role must be one of: %(roles)s.", roles=", ".join(ROLES)))
    _check_student_number(row.get("student_number"), index, problems, seen)
    _check_cohort(row.get("cohort"), index, problems, seen)
    locale = row.get("locale")
    if locale and locale not in current_app.config["LANGUAGES"]:
        problems.add(index, _("Unknown language '%(code)s'.", code=locale))
    password = row.get("password")
    if password:
        problems.extend(index, auth_services.password_problems(password, email=email))


def _check_email(value: str, index: int, problems: Problems, seen: _SeenInFile) -> str | None:
    """The normalised e-mail, or None when it is not one; a duplicate in the file or an
    existing account is a problem."""
    try:
        email = auth_services.normalise_email(value)
    except LmsError as exc:
        problems.add(index, exc.message)
        return None
    if email:
        if email in seen.emails:
            problems.add(index, _("E-mail %(email)s is also on row %(row)d.", email=email,
                                  row=seen.emails[email]))
        elif auth_services.user_by_email(email):
            problems.add(index, _("An account with the e-mail %(email)s already exists.",
                                  email=email))
        seen.emails.setdefault(email, index)
    return email


def _check_student_number(number: str | None, index: int, problems: Problems,
                          seen: _SeenInFile) -> None:
    if not number:
        return
    if number in seen.numbers:
        problems.add(index, _("Student number %(number)s is also on row %(row)d.",
                              number=number, row=seen.numbers[number]))
    elif db.session.scalar(select(User.id).where(User.student_number == number)):
        problems.add(index, _("Student number %(number)s is already in use.", number=number))
    seen.numbers.setdefault(number, index)


def _check_cohort(code: str | None, index: int, problems: Problems, seen: _SeenInFile) -> None:
    if not code:
        return
    if code not in seen.cohorts:
        seen.cohorts[code] = cohort_by_code(code)
    if seen.cohorts[code] is None:
        problems.add(index, _("There is no cohort with the code %(code)s.", code=code))


def _create_people(rows: list[dict[str, str]], cohorts: dict[str, Cohort | None],
                   default_cohort: Cohort | None) -> list[ImportedPerson]:
    """Create the checked rows' accounts in one commit; a row without a password gets a
    temporary one that must be changed at the first sign-in."""
    imported = []
    for row in rows:
        temporary = None if row.get("password") else _temporary_password()
        target = cohorts.get(row.get("cohort") or "") or default_cohort
        user = auth_services.create_user(
            row["email"],
            row["name"],
            row.get("role") or "student",
            row.get("password") or temporary,
            name_ja=row.get("name_ja"),
            name_kana=row.get("name_kana"),
            student_number=row.get("student_number"),
            locale=row.get("locale"),
            cohort_id=target.id if target else None,
            must_change_password=temporary is not None,
            commit=False,
        )
        imported.append(ImportedPerson(user, temporary))
    db.session.commit()
    return imported


def _temporary_password() -> str:
    # Four groups of four from an unambiguous alphabet: easy to read out, 80+ bits.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _i in range(4)) for _j in range(4))
