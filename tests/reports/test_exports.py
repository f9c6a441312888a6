"""Exports: CSV (BOM, streamed, formula guard), XLSX (write-only, frozen header, widths),
PDF (Japanese read back with pdftotext, fonts embedded, page 1 renders) - and the same
figures in all three for a cohort report."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from lms.core.errors import ValidationError
from lms.reports import completion, exports, params, present
from tests.reports.pdfs import check_fonts, needs_poppler, render_first_page
from tests.reports.pdfs import text_of as pdf_text


def cohort_params(school):
    return params.parse({"cohort": school.cohort, "course": school.course})


def test_csv_is_utf8_with_bom_streamed_and_guarded(app, school):
    with app.test_request_context():
        chunks = list(exports.csv_stream(cohort_params(school), "en"))
    assert chunks[0].startswith("\ufeff") and chunks[0].count("\r\n") == 1  # the header
    assert sum(chunk.count("\r\n") for chunk in chunks[1:]) == 4  # then the rows
    data = "".join(chunks).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Student", "Name in Japanese", "Student number"]
    names = [r[0] for r in rows[1:]]
    # a name that would start a formula in a spreadsheet is written as text
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)
    assert "カリモフ・アジズ" in [r[1] for r in rows]


def test_xlsx_write_only_with_frozen_header_and_widths(app, school):
    with app.test_request_context():
        data = exports.xlsx_bytes(cohort_params(school), "en")
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "Student" and sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width == 28
    assert sheet.column_dimensions["D"].width == 32  # e-mail
    names = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert '=HYPERLINK("http://evil")' in names
    cell = next(sheet.cell(row=r, column=1) for r in range(2, sheet.max_row + 1)
                if str(sheet.cell(row=r, column=1).value).startswith("="))
    assert cell.data_type == "s"  # text, not a formula
    summary = book["Summary"]
    labels = [summary.cell(row=r, column=1).value for r in range(1, summary.max_row + 1)]
    assert "Cohort" in labels and "Average completion" in labels


@needs_poppler
def test_same_figures_in_csv_xlsx_and_pdf(app, school, tmp_path):
    """The acceptance test: one cohort report, three formats, the same numbers."""
    with app.test_request_context():
        p = cohort_params(school)
        report = completion.build_report(p)
        csv_data = exports.csv_bytes(report, "en")
        xlsx_data = exports.xlsx_bytes(report, "en")
        pdf_data = exports.pdf_bytes(report, "en")
        keys = [c.key for c in present.Table(report).columns]
    figures = ["done", "required", "percent", "score", "hours"] + [
        k for k in keys if k.startswith("credits:")]
    number = keys.index("number")

    csv_rows = list(csv.reader(io.StringIO(csv_data.decode("utf-8-sig"))))[1:]
    from_csv = {r[number]: [r[keys.index(f)] for f in figures] for r in csv_rows}

    sheet = load_workbook(io.BytesIO(xlsx_data)).worksheets[0]
    from_xlsx = {}
    for r in range(2, sheet.max_row + 1):
        cells = [sheet.cell(row=r, column=c + 1).value for c in range(len(keys))]
        from_xlsx[cells[number]] = [cells[keys.index(f)] for f in figures]

    text = pdf_text(pdf_data, tmp_path)
    assert len(from_csv) == len(from_xlsx) == 4
    for student_number, values in from_csv.items():
        # numbers are numbers in the XLSX, the same values as the CSV's text
        xlsx_values = from_xlsx[student_number]
        for text_value, cell in zip(values, xlsx_values, strict=True):
            if text_value == "":
                assert cell is None
            else:
                assert isinstance(cell, int | float) and float(text_value) == cell
        # in the PDF, the student's line carries the same figures in the same order
        line = next(line for line in text.splitlines() if student_number in line)
        shown = [v if v != "" else "—" for v in values]
        pattern = r"\s+".join(re.escape(v) for v in shown)
        assert re.search(pattern, line), (student_number, shown, line)
    assert from_csv["JDU26001"][:5] == ["3", "3", "100", "80", "2"]


@needs_poppler
def test_pdf_in_japanese_reads_back_and_embeds_its_fonts(app, school, tmp_path):
    with app.test_request_context():
        data = exports.pdf_bytes(cohort_params(school), "ja", doc_id="TESTDOCID",
                                 verify_url="https://lms.jdu.example/verify/TESTDOCID")
    text = pdf_text(data, tmp_path)
    flat = " ".join(text.split())
    for words in ("完了率（%）", "得点", "学習時間（時間）", "取得単位（JDU）", "停滞",
                  "カリモフ・アジズ", "ゲーム開発の基礎", "得点分布", "モジュール別の進捗",
                  "修了者数の推移"):
        assert words in flat, words
    assert "TESTDOCID" in flat and "https://lms.jdu.example/verify/TESTDOCID" in flat
    names = check_fonts(data, tmp_path, text)
    assert any(n.startswith("IPAex") for n in names)
    assert any(n.startswith("DejaVu") for n in names)
    render_first_page(data, tmp_path)


@needs_poppler
def test_labels_follow_the_readers_language(app, school, tmp_path):
    with app.test_request_context():
        p = cohort_params(school)
        uz = exports.csv_bytes(p, "uz").decode("utf-8-sig").splitlines()[0]
        ja = exports.csv_bytes(p, "ja").decode("utf-8-sig").splitlines()[0]
        en = exports.csv_bytes(p, "en").decode("utf-8-sig").splitlines()[0]
        uz_pdf = exports.pdf_bytes(p, "uz")
    assert "Time spent (hours)" in en
    assert "学習時間（時間）" in ja
    assert "Sarflangan vaqt (soat)" in uz
    text = " ".join(pdf_text(uz_pdf, tmp_path).split())
    assert "Ballar taqsimoti" in text and "Oʻyin asoslari" in text


def test_pdf_refuses_a_report_too_long_to_lay_out(app, school, monkeypatch):
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 2)
    with app.test_request_context():
        with pytest.raises(ValidationError, match="PDF holds at most 2"):
            exports.pdf_bytes(cohort_params(school), "en")


@pytest.mark.parametrize("sort", ["name", "-name", "percent", "-status"])
def test_streamed_rows_are_the_built_reports_rows(app, school, monkeypatch, sort):
    """Exports read the rows a few students at a time (here: two); the file is the one
    the whole report gives, in the same order, with the same summary."""
    monkeypatch.setattr(completion, "ROW_BATCH", 2)
    with app.test_request_context():
        p = params.parse({"cohort": school.cohort, "sort": sort})
        report = completion.build_report(p)
        assert len(report.rows) >= 4
        frame, batches = completion.stream_report(p, now=report.generated_at)
        streamed = [row for rows in batches for row in rows]
        assert [(r.user_id, r.course.code) for r in streamed] == [
            (r.user_id, r.course.code) for r in report.rows]
        assert streamed == report.rows
        assert frame.rows == [] and frame.institutions == report.institutions
        tally = completion.Tally(frame.institutions)
        tally.add(streamed)
        assert tally.summary() == report.summary
        assert "".join(exports.csv_stream(p, "en", now=report.generated_at)) == "".join(
            exports.csv_stream(report, "en"))
        with_rows = load_workbook(io.BytesIO(exports.xlsx_bytes(report, "en")))
        batched = load_workbook(io.BytesIO(exports.xlsx_bytes(p, "en",
                                                              now=report.generated_at)))
        for name in ("Report", "Summary"):
            assert [[c.value for c in r] for r in with_rows[name].iter_rows()] == [
                [c.value for c in r] for r in batched[name].iter_rows()]
