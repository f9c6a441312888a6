"""What a completion report covers: its parameters, parsed and checked in one place for
the page, the API and the CLI.

A report's scope is any combination of a programme, a cohort, a course (and a module of
it) and a student; at least one of them. Dates are whole days in the platform's time zone
(BABEL_DEFAULT_TIMEZONE): completion counts the items completed from the first day to the
end of the last one; scores and time spent are the totals as of the end of the last day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from lms.auth.models import User
from lms.authoring.models import Module
from lms.catalog.models import Course, Program
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.people.models import Cohort

SORTS = ("name", "course", "percent", "score", "time", "last", "status")
STATUSES = ("completed", "in_progress", "stalled", "not_started")
STALLED_DEFAULT_DAYS = 7
FIELDS = ("programme", "cohort", "course", "module", "student", "from", "to",
          "stalled_days", "status", "sort")


@dataclass(frozen=True)
class ReportParams:
    programme: Program | None = None
    cohort: Cohort | None = None
    course: Course | None = None
    module: Module | None = None
    student: User | None = None
    date_from: date | None = None
    date_to: date | None = None
    stalled_days: int = STALLED_DEFAULT_DAYS
    status: str | None = None
    sort: str = "name"  # one of SORTS, "-" in front for descending

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])

    @property
    def start(self) -> datetime | None:
        """The first instant counted (UTC), or None."""
        if self.date_from is None:
            return None
        return datetime.combine(self.date_from, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime | None:
        """The first instant after the last day (UTC), or None."""
        if self.date_to is None:
            return None
        return datetime.combine(self.date_to + timedelta(days=1), time(),
                                self.zone).astimezone(UTC)

    def as_dict(self) -> dict:
        """The parameters as plain values (codes, ids, ISO dates): what an issued report
        records, what the page's links carry, and what ``parse`` reads back."""
        out = {
            "programme": self.programme.code if self.programme else None,
            "cohort": self.cohort.code if self.cohort else None,
            "course": self.course.code if self.course else None,
            "module": self.module.key if self.module else None,
            "student": self.student.id if self.student else None,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "stalled_days": self.stalled_days,
            "status": self.status,
            "sort": self.sort,
        }
        return {k: v for k, v in out.items() if v is not None}

    def query_args(self, **changes) -> dict:
        """``as_dict`` for a URL, with ``changes`` applied (None removes a key)."""
        args = {**self.as_dict(), **changes}
        if args.get("stalled_days") == STALLED_DEFAULT_DAYS:
            args.pop("stalled_days")
        if args.get("sort") == "name":
            args.pop("sort")
        return {k: v for k, v in args.items() if v not in (None, "")}


def _text(data: Mapping, key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    return str(value).strip()[:200]


def find_student(key: str) -> User | None:
    """A student by id, e-mail or student number."""
    key = key.strip()
    if not key:
        return None
    conditions = [User.email == key.lower(), User.student_number == key]
    if key.isdigit():
        conditions.append(User.id == int(key))
    return db.session.scalar(select(User).where(User.role == "student", or_(*conditions))
                             .order_by(User.id).limit(1))


def _date(value: str, field: str, problems: list) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append({"field": field, "message": _(
            "'%(value)s' is not a date; write it as YYYY-MM-DD.", value=value)})
        return None


def parse(data: Mapping, *, require_scope: bool = True) -> ReportParams:
    """Read report parameters from strings (query arguments, JSON, CLI options).

    Raises ValidationError listing every problem at once, each with its field."""
    problems: list[dict] = []

    def lookup(model, field, label):
        code = _text(data, field)
        if not code:
            return None
        row = db.session.scalar(select(model).where(model.code == code))
        if row is None:
            problems.append({"field": field, "message": _(
                "There is no %(what)s with the code '%(code)s'.", what=label, code=code)})
        return row

    programme = lookup(Program, "programme", _("programme"))
    cohort = lookup(Cohort, "cohort", _("cohort"))
    course = lookup(Course, "course", _("course"))
    module = None
    module_key = _text(data, "module")
    if module_key:
        if course is None:
            problems.append({"field": "module", "message": _(
                "Choose the course of the module too.")})
        else:
            module = db.session.scalar(select(Module).where(
                Module.course_id == course.id, Module.key == module_key))
            if module is None:
                problems.append({"field": "module", "message": _(
                    "The course %(course)s has no module '%(key)s'.", course=course.code,
                    key=module_key)})
    student = None
    student_key = _text(data, "student")
    if student_key:
        student = find_student(student_key)
        if student is None:
            problems.append({"field": "student", "message": _(
                "There is no student '%(key)s' (give an id, e-mail or student number).",
                key=student_key)})
    date_from = _date(_text(data, "from"), "from", problems)
    date_to = _date(_text(data, "to"), "to", problems)
    if date_from and date_to and date_from > date_to:
        problems.append({"field": "to", "message": _(
            "The end date comes before the start date.")})
    days_text = _text(data, "stalled_days")
    stalled_days = STALLED_DEFAULT_DAYS
    if days_text:
        if not days_text.isdigit() or not 1 <= int(days_text) <= 365:
            problems.append({"field": "stalled_days", "message": _(
                "Give a number of days from 1 to 365.")})
        else:
            stalled_days = int(days_text)
    status = _text(data, "status") or None
    if status is not None and status not in STATUSES:
        problems.append({"field": "status", "message": _(
            "The status must be one of: %(choices)s.", choices=", ".join(STATUSES))})
    sort = _text(data, "sort") or "name"
    if sort.lstrip("-") not in SORTS:
        sort = "name"
    if require_scope and not (programme or cohort or course or student) and not problems:
        problems.append({"field": "course", "message": _(
            "Choose what to report on: a programme, a cohort, a course or a student.")})
    if problems:
        raise ValidationError(problems[0]["message"] if len(problems) == 1 else _(
            "The report parameters have %(count)d problems.", count=len(problems)),
            details=problems)
    return ReportParams(programme, cohort, course, module, student, date_from, date_to,
                        stalled_days, status, sort)
