"""People management: cohorts and bulk import of accounts from CSV."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms.auth import services as auth_services
from lms.auth.models import User
from lms.core.access import ROLES
from lms.core.errors import Conflict, LmsError, ValidationError
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


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # Excel in Japan writes UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("The file is not UTF-8 text. In Excel, save it as 'CSV UTF-8 (comma delimited)'."),
            details=[{"row": None, "message": str(exc)}],
        ) from exc


def import_people_csv(data: bytes, *, cohort: Cohort | None = None) -> list[ImportedPerson]:
    """Create every account in the CSV, or none.

    Columns: email and name (required), role, name_ja, name_kana, student_number, cohort
    (a cohort code), locale, password. Raises ValidationError whose ``details`` lists
    every bad row as ``{"row": n, "message": ...}`` (row 1 is the header).
    """
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    problems: list[dict] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing:
        problems.append({"row": 1, "message": _("Missing column(s): %(cols)s.",
                                                 cols=", ".join(missing))})
    if unknown:
        problems.append({"row": 1, "message": _("Unknown column(s): %(cols)s. Allowed: %(ok)s.",
                                                 cols=", ".join(unknown),
                                                 ok=", ".join(CSV_COLUMNS))})
    if problems:
        raise ValidationError(_("The CSV header is not right."), details=problems)
    reader.fieldnames = header

    rows = []
    seen_emails: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    cohorts: dict[str, Cohort | None] = {}
    for index, raw in enumerate(reader, start=2):
        if index - 1 > MAX_IMPORT_ROWS:
            problems.append({"row": index, "message": _("More than %(n)d rows; split the file.",
                                                         n=MAX_IMPORT_ROWS)})
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            problems.append({"row": index, "message": _("This row has more cells than the header.")})
            continue
        if not any(row.values()):
            continue
        errors = []
        try:
            email = auth_services.normalise_email(row.get("email", ""))
        except LmsError as exc:
            email = None
            errors.append(exc.message)
        if email:
            if email in seen_emails:
                errors.append(_("E-mail %(email)s is also on row %(row)d.", email=email,
                                row=seen_emails[email]))
            elif auth_services.user_by_email(email):
                errors.append(_("An account with the e-mail %(email)s already exists.",
                                email=email))
            seen_emails.setdefault(email, index)
        if not row.get("name"):
            errors.append(_("A name is required."))
        role = row.get("role") or "student"
        if role not in ROLES:
            errors.append(_("Role must be one of: %(roles)s.", roles=", ".join(ROLES)))
        number = row.get("student_number")
        if number:
            if number in seen_numbers:
                errors.append(_("Student number %(number)s is also on row %(row)d.",
                                number=number, row=seen_numbers[number]))
            elif db.session.scalar(select(User.id).where(User.student_number == number)):
                errors.append(_("Student number %(number)s is already in use.", number=number))
            seen_numbers.setdefault(number, index)
        code = row.get("cohort")
        if code:
            if code not in cohorts:
                cohorts[code] = cohort_by_code(code)
            if cohorts[code] is None:
                errors.append(_("There is no cohort with the code %(code)s.", code=code))
        locale = row.get("locale")
        if locale and locale not in current_app.config["LANGUAGES"]:
            errors.append(_("Unknown language '%(code)s'.", code=locale))
        password = row.get("password")
        if password:
            errors.extend(auth_services.password_problems(password, email=email))
        problems.extend({"row": index, "message": m} for m in errors)
        rows.append(row)

    if problems:
        raise ValidationError(
            _("Nothing was imported: %(count)d problem(s) found. Fix them and upload again.",
              count=len(problems)),
            details=problems,
        )
    if not rows:
        raise ValidationError(_("The file has a header but no people."))

    imported = []
    for row in rows:
        temporary = None if row.get("password") else _temporary_password()
        target = cohorts.get(row.get("cohort") or "") or cohort
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
