"""What a report says, in the reader's language: its title and scope, columns and cells,
summary and charts. The page and every export (CSV, XLSX, PDF) take their figures from
here, formatted by one function, so the same report shows the same numbers everywhere.

Call inside ``force_locale(lang)``: labels come from gettext at call time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _

from lms.core.i18n import current_language, pick
from lms.learning import trust
from lms.reports import charts
from lms.reports.completion import Report, Row, completion_series, score_bins

TEXT, INT, NUMBER, DATETIME, DATE = "text", "int", "number", "datetime", "date"


@dataclass
class Col:
    key: str
    label: str
    kind: str
    width: int  # XLSX column width, in characters


def status_label(status: str) -> str:
    return {"completed": _("Completed"), "in_progress": _("In progress"),
            "stalled": _("Stalled"), "not_started": _("Not started")}.get(status, status)


def columns(report: Report) -> list[Col]:
    cols = [
        Col("name", _("Student"), TEXT, 28), Col("name_ja", _("Name in Japanese"), TEXT, 22),
        Col("number", _("Student number"), TEXT, 14), Col("email", _("E-mail"), TEXT, 32),
        Col("cohort", _("Cohort"), TEXT, 16), Col("course", _("Course"), TEXT, 10),
        Col("title", _("Course title"), TEXT, 30),
        Col("done", _("Required items done"), INT, 10),
        Col("required", _("Required items"), INT, 10),
        Col("percent", _("Completion (%)"), INT, 10), Col("score", _("Score"), NUMBER, 8),
        Col("hours", _("Time spent (hours)"), NUMBER, 10),
    ]
    cols += [Col(f"credits:{i.id}", _("Credits earned (%(code)s)", code=i.code), NUMBER, 10)
             for i in report.institutions]
    cols += [Col("status", _("Status"), TEXT, 13),
             Col("last", _("Last activity"), DATETIME, 17),
             Col("completed", _("Completed on"), DATE, 12),
             Col("provenance", _("Result rests on"), TEXT, 16)]
    return cols


class Table:
    """The report's columns and a function from a row to its cells, with every label
    looked up once (build it inside ``force_locale``; use it anywhere after)."""

    def __init__(self, report: Report):
        self.report = report
        self.columns = columns(report)
        self.zone = report.params.zone
        lang = current_language()
        self.statuses = {s: status_label(s) for s in
                         ("completed", "in_progress", "stalled", "not_started")}
        self.sources = {name: str(label) for name, label in trust.LABELS.items()}
        self.titles = {shape.course.id: pick(shape.course.title, lang)
                       for shape in report.shapes.values()}
        getters = {
            "name": lambda r: r.name, "name_ja": lambda r: r.name_ja,
            "number": lambda r: r.number, "email": lambda r: r.email,
            "cohort": lambda r: r.cohort, "course": lambda r: r.course.code,
            "title": lambda r: self.titles.get(r.course.id, ""),
            "done": lambda r: r.done, "required": lambda r: r.required,
            "percent": lambda r: r.percent, "score": lambda r: r.score,
            "hours": lambda r: r.hours,
            "status": lambda r: self.statuses.get(r.status, r.status),
            "last": lambda r: (r.last_activity.astimezone(self.zone).replace(tzinfo=None)
                               if r.last_activity else None),
            "completed": lambda r: (r.completed_at.astimezone(self.zone).date()
                                    if r.completed_at else None),
            # The weakest provenance among the assessments the course result rests on.
            "provenance": lambda r: self.sources.get(r.provenance, "") if r.provenance else "",
        }
        for col in self.columns:
            if col.key.startswith("credits:"):
                getters[col.key] = _credits_getter(int(col.key.split(":")[1]))
        self._getters = [getters[c.key] for c in self.columns]
        self._texts = [_texter(c.kind) for c in self.columns]

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]

    def values(self, row: Row) -> list:
        """The row's cells as typed values (str, int, float, datetime, date or None)."""
        return [get(row) for get in self._getters]

    def texts(self, row: Row) -> list[str]:
        """``text`` of each cell (what ``text`` gives, a column kind's usual values
        handled first: an export formats hundreds of thousands of cells)."""
        return [to_text(get(row)) for get, to_text in zip(self._getters, self._texts,
                                                          strict=True)]

    def text_map(self, row: Row) -> dict[str, str]:
        """The row's cells as text, by column key (score, hours, credits:<id> ...)."""
        return {c.key: text(v) for c, v in zip(self.columns, self.values(row), strict=True)}


def _credits_getter(institution_id: int):
    def get(row: Row) -> float:
        amount = row.credits.get(institution_id)
        return float(amount) if amount is not None else 0.0
    return get


def _texter(kind: str):
    """A function equal to ``text`` for a column of ``kind``, quicker on its usual
    values: strings and ints as they are, numbers remembered (a report repeats few)."""
    if kind == TEXT:
        return lambda v: v if v.__class__ is str else text(v)
    if kind == INT:
        return lambda v: str(v) if v.__class__ is int else text(v)
    if kind == NUMBER:
        seen: dict[float, str] = {}

        def number(v) -> str:
            if v.__class__ is not float:
                return text(v)
            found = seen.get(v)
            if found is None:
                found = seen[v] = text(v)
            return found
        return number
    return text


def text(value) -> str:
    """One formatting for every text format: 66.6, 3, 2.5, 2026-11-16 10:05, ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | Decimal):
        number = Decimal(str(value))
        return format(number.quantize(Decimal(1)) if number == number.to_integral_value()
                      else number.normalize(), "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def title() -> str:
    return _("Completion report")


def scope_lines(report: Report) -> list[tuple[str, str]]:
    """(label, value) lines naming what the report covers."""
    p, lang = report.params, current_language()
    lines = []
    if p.programme:
        lines.append((_("Programme"), f"{p.programme.code} — {pick(p.programme.title, lang)}"))
    if p.cohort:
        lines.append((_("Cohort"), f"{p.cohort.code} — {p.cohort.name}"))
    if p.course:
        lines.append((_("Course"), f"{p.course.code} — {pick(p.course.title, lang)}"))
    if p.module:
        version = p.module.current_version
        lines.append((_("Module"), f"{p.module.key} — {pick(version.title, lang)}"
                      if version else p.module.key))
    if p.student:
        lines.append((_("Student"), f"{p.student.name}"
                      + (f" / {p.student.name_ja}" if p.student.name_ja else "")
                      + (f" ({p.student.student_number})" if p.student.student_number else "")))
    if p.date_from or p.date_to:
        lines.append((_("Dates"), f"{p.date_from.isoformat() if p.date_from else '…'} – "
                                  f"{p.date_to.isoformat() if p.date_to else '…'}"))
    lines.append((_("Stalled"), _("no activity for %(days)d days or more", days=p.stalled_days)))
    if p.status:
        lines.append((_("Status"), status_label(p.status)))
    lines.append((_("Time zone"), str(p.zone.key)))
    return lines


def summary_lines(report: Report) -> list[tuple[str, str]]:
    s = report.summary
    lines = [
        (_("Students"), text(s.students)), (_("Enrolments"), text(s.enrolments)),
        (_("Completed"), f"{s.completed} ({s.completion_rate}%)"),
        (_("Average completion"), f"{s.average_percent}%"),
        (_("Average score"), text(s.average_score) if s.average_score is not None else "—"),
        (_("Time spent (hours)"), text(s.hours)),
        (_("Stalled"), text(s.statuses.get("stalled", 0))),
        (_("Not started"), text(s.statuses.get("not_started", 0))),
    ]
    lines += [(_("Credits earned (%(code)s)", code=i.code), text(s.credits.get(i.id, 0)))
              for i in report.institutions]
    return lines


def generated_text(report: Report) -> str:
    moment = report.generated_at.astimezone(report.params.zone)
    return f"{moment.strftime('%Y-%m-%d %H:%M')} ({report.params.zone.key})"


# --- charts, each with its data table ----------------------------------------------------


def completion_chart(report: Report) -> charts.Chart:
    unit, series = completion_series(report)
    period = {"day": _("Day"), "week": _("Week starting"), "month": _("Month")}[unit]
    total = series[-1][2] if series else 0
    if series:
        description = _("Courses completed per %(unit)s from %(first)s to %(last)s: %(total)d "
                        "in all; the line is the running total.", unit=period.lower(),
                        first=series[0][0].isoformat(), last=series[-1][0].isoformat(),
                        total=total)
    else:
        description = _("No course was completed in this report's scope and dates.")
    label_every = max(1, len(series) // 8)
    svg = charts.column_chart(
        "chart-completion", _("Completion over time"), description,
        [(d.isoformat()[5:] if unit != "month" else d.isoformat()[:7], n,
          f"{d.isoformat()}: {n}") for d, n, _c in series],
        line=[c for _d, _n, c in series] if series else None, line_label=_("running total"),
        label_every=label_every)
    return charts.Chart("chart-completion", _("Completion over time"), description, svg,
                        [period, _("Completed"), _("Running total")],
                        [[d.isoformat(), str(n), str(c)] for d, n, c in series])


def score_chart(report: Report) -> charts.Chart:
    bins = score_bins(report.rows)
    scored = sum(n for _lo, _hi, n in bins)
    if scored:
        top = max(bins, key=lambda b: b[2])
        description = _("Scores of %(n)d enrolments in bands of ten points; the largest band "
                        "is %(low)d–%(high)d with %(count)d.", n=scored, low=top[0],
                        high=top[1], count=top[2])
    else:
        description = _("No scores yet.")
    svg = charts.column_chart(
        "chart-scores", _("Score distribution"), description,
        [(f"{lo}–{hi}", n, f"{lo}–{hi}: {n}") for lo, hi, n in bins])
    return charts.Chart("chart-scores", _("Score distribution"), description, svg,
                        [_("Score"), _("Enrolments")],
                        [[f"{lo}–{hi}", str(n)] for lo, hi, n in bins])


def progress_chart(report: Report) -> charts.Chart:
    lang = current_language()
    title = _("Progress by module") if report.by_module else _("Progress by course")
    items = report.progress
    if items:
        description = _("Average share of required items done, per %(what)s: %(list)s.",
                        what=_("module") if report.by_module else _("course"),
                        list="; ".join(f"{pick(m.label, lang)} {m.average_percent}%"
                                       for m in items[:12]))
    else:
        description = _("Nothing to show.")
    svg = charts.bar_chart(
        "chart-progress", title, description,
        [(pick(m.label, lang), m.average_percent,
          _("%(name)s: %(percent)d%% done on average; %(done)d of %(n)d finished",
            name=pick(m.label, lang), percent=m.average_percent, done=m.completed,
            n=m.enrolments)) for m in items])
    return charts.Chart(
        "chart-progress", title, description, svg,
        [_("Module") if report.by_module else _("Course"), _("Required items"),
         _("Average done (%)"), _("Finished")],
        [[pick(m.label, lang) if report.by_module else f"{m.code} {pick(m.label, lang)}",
          str(m.required), str(m.average_percent), f"{m.completed} / {m.enrolments}"]
         for m in items])


def all_charts(report: Report) -> list[charts.Chart]:
    return [completion_chart(report), score_chart(report), progress_chart(report)]
