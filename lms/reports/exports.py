"""A report as CSV, XLSX and PDF, labelled in the reader's language.

- CSV: streamed row by row, UTF-8 with a BOM (Excel in Japan then reads it as UTF-8),
  every text cell through the learning feature's formula-injection guard.
- XLSX: openpyxl in write-only mode (rows are written and forgotten: memory stays flat),
  a frozen header row, column widths, numbers as numbers, and a Summary sheet.
- PDF: WeasyPrint through the records feature's PDF helper (IPAex and DejaVu embedded),
  landscape, with the summary, the three charts and the table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import gettext as _

from lms.core.errors import ValidationError
from lms.learning.insights import _csv_safe as csv_safe  # the one formula-injection guard
from lms.records.pdf import qr_data_uri, render_pdf
from lms.reports import present
from lms.reports.completion import Report, Row, Tally, build_report, stream_report
from lms.reports.params import ReportParams

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}
PDF_MAX_ROWS = 2000  # WeasyPrint lays out every row: beyond this, export CSV or XLSX
PDF_LEAVES_OUT = ("email", "title")  # a landscape page has room for the rest


def languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def check_language(lang: str | None) -> str:
    lang = (lang or "").strip() or "en"
    if lang not in languages():
        raise ValidationError(_("The language must be one of: %(choices)s.",
                                choices=", ".join(languages())))
    return lang


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "").strip().lower() or "pdf"
    if fmt not in FORMATS:
        raise ValidationError(_("The format must be one of: %(choices)s.",
                                choices=", ".join(FORMATS)))
    return fmt


def filename(report: Report, fmt: str) -> str:
    return filename_of(report.params, report.generated_at, fmt)


def filename_of(p: ReportParams, generated_at: datetime, fmt: str) -> str:
    """The file name of a report of ``p`` made at ``generated_at`` (before it is made:
    a streamed download names its file first)."""
    parts = ["completion-report"] + [x for x in (
        p.programme.code if p.programme else None, p.cohort.code if p.cohort else None,
        p.course.code if p.course else None, p.module.key if p.module else None,
        (p.student.student_number or str(p.student.id)) if p.student else None) if x]
    parts.append(generated_at.astimezone(p.zone).strftime("%Y%m%d-%H%M"))
    # ASCII only: it goes into a Content-Disposition header as it is
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_"
                   for ch in "-".join(parts))
    return f"{safe}.{FORMATS[fmt][1]}"


def _report(source: ReportParams | Report) -> Report:
    return source if isinstance(source, Report) else build_report(source)


def _streamed(source: ReportParams | Report, now: datetime | None
              ) -> tuple[Report, Iterator[list[Row]]]:
    """The report's frame (no rows) and its rows in batches: a built report's rows at
    once, else read from the database a batch at a time (completion.stream_report)."""
    if isinstance(source, Report):
        return source, iter([source.rows])
    return stream_report(source, now=now)


# --- CSV ----------------------------------------------------------------------------------

CSV_CHUNK_ROWS = 200  # rows per chunk of a streamed CSV


def csv_stream(source: ReportParams | Report, lang: str, *, now: datetime | None = None
               ) -> Iterator[str]:
    """The report as CSV text in chunks: first the BOM and the header, then up to
    CSV_CHUNK_ROWS rows at a time, made as they are sent (from parameters, rows are
    read from the database in batches: memory stays flat). ``now``: the report's time."""
    with force_locale(lang):
        report, batches = _streamed(source, now)
        table = present.Table(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([csv_safe(label) for label in table.labels])
    yield "\ufeff" + taken()
    texts = table.texts
    for rows in batches:
        for start in range(0, len(rows), CSV_CHUNK_ROWS):
            writer.writerows([csv_safe(v) for v in texts(row)]
                             for row in rows[start:start + CSV_CHUNK_ROWS])
            yield taken()


def csv_bytes(source: ReportParams | Report, lang: str) -> bytes:
    return "".join(csv_stream(source, lang)).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------


def xlsx_bytes(source: ReportParams | Report, lang: str, *, now: datetime | None = None
               ) -> bytes:
    """The report as an XLSX workbook: the rows (written to openpyxl's temporary file a
    batch at a time, never held as cells), then a Summary sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    with force_locale(lang):
        report, batches = _streamed(source, now)
        table = present.Table(report)
        sheet_title, summary_title = _("Report")[:31], _("Summary")[:31]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_name(sheet_title))
    sheet.freeze_panes = "A2"
    for index, col in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = col.width
    bold = Font(bold=True)

    def cell(ws, value, *, font=None):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XML refuses
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str) and value.startswith("="):
            c.data_type = "s"  # text that only looks like a formula stays text
        elif isinstance(value, datetime):
            c.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            c.number_format = "yyyy-mm-dd"
        if font is not None:
            c.font = font
        return c

    sheet.append([cell(sheet, label, font=bold) for label in table.labels])
    tally = Tally(report.institutions)
    for rows in batches:  # written and forgotten a batch at a time
        tally.add(rows)
        for row in rows:
            sheet.append([cell(sheet, v) for v in table.values(row)])
    if not isinstance(source, Report):
        report = replace(report, summary=tally.summary())
    with force_locale(lang):
        scope = [(present.title(), present.generated_text(report))]
        scope += present.scope_lines(report) + present.summary_lines(report)
    summary = workbook.create_sheet(title=_sheet_name(summary_title))
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 60
    for label, value in scope:
        summary.append([cell(summary, label, font=bold), cell(summary, value)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_name(name: str) -> str:
    return "".join(ch for ch in name if ch not in "[]:*?/\\") or "Sheet"


# --- PDF ----------------------------------------------------------------------------------


def pdf_bytes(source: ReportParams | Report, lang: str, *, doc_id: str | None = None,
              verify_url: str | None = None) -> bytes:
    """The report as a PDF in ``lang``; ``doc_id`` and ``verify_url`` print the
    verification address and its QR code (an issued report)."""
    with force_locale(lang):
        report = _report(source)
        if len(report.rows) > PDF_MAX_ROWS:
            raise ValidationError(_(
                "This report has %(n)d rows; a PDF holds at most %(max)d. Narrow it (a "
                "cohort, a module, a status) or export CSV or XLSX.", n=len(report.rows),
                max=PDF_MAX_ROWS))
        table = present.Table(report)
        keep = [i for i, c in enumerate(table.columns) if c.key not in PDF_LEAVES_OUT]
        context = {
            "report": report,
            "columns": [(table.columns[i].label,
                         table.columns[i].kind in (present.INT, present.NUMBER)) for i in keep],
            "rows": [[cells[i] for i in keep] for cells in map(table.texts, report.rows)],
            "title": present.title(), "scope": present.scope_lines(report),
            "summary": present.summary_lines(report), "charts": present.all_charts(report),
            "generated": present.generated_text(report), "doc_id": doc_id,
            "verify_url": verify_url, "qr": qr_data_uri(verify_url) if verify_url else None,
            "lang": lang,
        }
    return render_pdf("reports/pdf/report.html", locale=lang,
                      stylesheet="reports/pdf/report.css", _=gettext, **context)
