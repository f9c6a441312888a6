"""The report page: filters, summary, server-side SVG charts with their text and tables,
sorting and pagination, exports; access; no inline style or script (CSP)."""

import csv
import io
import re

from openpyxl import load_workbook

from lms.reports import completion


def body_of(html: str) -> str:
    """The report table's body."""
    return html.split('data-testid="report-rows"', 1)[1].split("<tbody>", 1)[1].split(
        "</tbody>", 1)[0]


def test_only_administrators(client, school, login_as):
    assert client.get("/reports/").status_code == 302  # to the sign-in page
    login_as("instructor")
    assert client.get("/reports/?course=GD101").status_code == 403
    assert client.get("/reports/issued").status_code == 403
    assert client.get("/reports/certificates").status_code == 403
    assert client.get("/reports/export.csv?course=GD101").status_code == 403
    assert client.post("/reports/issue", data={"course": "GD101"}).status_code == 403


def test_admin_navigation_has_reports(admin_client):
    html = admin_client.get("/learning/").get_data(as_text=True)
    assert 'href="/reports/"' in html


def test_report_page_with_summary_charts_and_rows(admin_client, school):
    response = admin_client.get("/reports/?course=GD101")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # the summary
    summary = html.split('data-testid="summary"', 1)[1].split("</dl>", 1)[0]
    assert re.search(r"Enrolments</dt><dd>5<", summary)
    assert re.search(r"Completed</dt><dd>1 \(20%\)<", summary)
    # three charts, drawn here as SVG, each with a title, a description and a table
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "style=" not in svg
    assert "Completion over time" in html and "Score distribution" in html
    assert "Progress by module" in html
    assert html.count("The figures as a table") == 3
    # one row per enrolment, with the figures
    rows = body_of(html)
    assert rows.count("<tr>") == 5
    aziz = rows.split("Aziz Karimov", 1)[1].split("</tr>", 1)[0]
    assert "100%" in aziz and "3 / 3" in aziz and ">80<" in aziz and ">2<" in aziz
    assert "カリモフ・アジズ" in rows
    # no inline styles or scripts anywhere on the page (CSP: style-src/script-src 'self')
    assert not re.search(r"\sstyle=", html)
    assert "<script>" not in html and not re.search(r"<script(?![^>]*\ssrc=)", html)
    assert "/reports/static/reports.css" in html
    with admin_client.get("/reports/static/reports.css") as css:
        assert css.status_code == 200 and b".chart-grid" in css.data


def test_sorting_and_pagination(admin_client, school, monkeypatch):
    monkeypatch.setattr(completion, "PAGE_SIZE", 2)
    from lms.reports import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    html = admin_client.get("/reports/?course=GD101&sort=-percent").get_data(as_text=True)
    rows = body_of(html)
    assert rows.count("<tr>") == 2 and "Aziz Karimov" in rows
    assert 'aria-sort="descending"' in html
    assert "Page 1 of 3" in html
    assert re.search(r'href="/reports/\?[^"]*page=2', html)
    last = admin_client.get("/reports/?course=GD101&sort=-percent&page=3").get_data(
        as_text=True)
    assert "Page 3 of 3" in last


def test_problems_are_shown_not_a_stack_trace(admin_client, school):
    html = admin_client.get("/reports/?course=NOPE&from=2026-99-01").get_data(as_text=True)
    assert "There is no course with the code &#39;NOPE&#39;." in html
    assert "is not a date" in html


def test_filters_by_cohort_module_status(admin_client, school):
    html = admin_client.get(f"/reports/?cohort={school.cohort}&status=stalled").get_data(
        as_text=True)
    rows = body_of(html)
    assert rows.count("<tr>") == 2 and "Sevara" not in rows
    module = admin_client.get("/reports/?course=GD101&module=m2").get_data(as_text=True)
    assert "m2 — Loops" in module


def test_exports_download_from_the_page(admin_client, school):
    response = admin_client.get(f"/reports/export.csv?cohort={school.cohort}&lang=ja")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert "学習時間（時間）" in header
    xlsx = admin_client.get(f"/reports/export.xlsx?cohort={school.cohort}")
    assert xlsx.status_code == 200
    assert load_workbook(io.BytesIO(xlsx.data)).worksheets[0].max_row == 5
    pdf = admin_client.get(f"/reports/export.pdf?cohort={school.cohort}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    bad = admin_client.get("/reports/export.csv?course=NOPE", follow_redirects=True)
    assert "There is no course" in bad.get_data(as_text=True)
    assert admin_client.get("/reports/export.doc?course=GD101").status_code == 404


def test_page_in_japanese(admin_client, school):
    admin_client.post("/auth/language", data={"lang": "ja", "next": "/reports/"})
    html = admin_client.get("/reports/?course=GD101").get_data(as_text=True)
    assert "得点分布" in html and "モジュール別の進捗" in html and "報告の対象" in html


def test_issue_one_certificate_from_the_page_and_filter_the_list(admin_client, school):
    issued = admin_client.post("/reports/certificates", data={
        "student": "aziz@student.jdu.example", "course": "GD101", "programme": ""},
        follow_redirects=True)
    html = issued.get_data(as_text=True)
    assert "Certificate issued. Its verification address: https://lms.jdu.example/verify/" \
        in html
    table = html.split('data-testid="certificates"', 1)[1]
    assert "Aziz Karimov / カリモフ・アジズ" in table and "Open Badges (JSON)" in table
    refused = admin_client.post("/reports/certificates", data={
        "student": "malika@student.jdu.example", "course": "GD101"}, follow_redirects=True)
    assert "has not completed GD101" in refused.get_data(as_text=True)
    nobody = admin_client.post("/reports/certificates", data={
        "student": "nobody", "course": "GD101"}, follow_redirects=True)
    assert "There is no student" in nobody.get_data(as_text=True)
    neither = admin_client.post("/reports/certificates", data={
        "student": "JDU26001"}, follow_redirects=True)
    assert "Choose a course or a programme" in neither.get_data(as_text=True)
    by_cohort = admin_client.get(f"/reports/certificates?cohort={school.other_cohort}")
    assert "Aziz Karimov" not in by_cohort.get_data(as_text=True).split(
        'data-testid="certificates"', 1)[1]
    revoked_only = admin_client.get("/reports/certificates?status=revoked")
    assert "No certificates yet." in revoked_only.get_data(as_text=True)
    assert admin_client.post("/reports/certificates/nope/revoke",
                             data={"reason": "x"}).status_code == 404


def test_an_empty_report_renders_and_exports(app, admin_client, school):
    from lms.people import services as people

    with app.app_context():
        people.create_cohort("EMPTY-1", "Nobody yet", 2027)
    html = admin_client.get("/reports/?cohort=EMPTY-1").get_data(as_text=True)
    assert "No enrolments match." in html and html.count("<svg") == 3
    assert "No course was completed" in html and "No scores yet." in html
    for fmt in ("csv", "xlsx", "pdf"):
        response = admin_client.get(f"/reports/export.{fmt}?cohort=EMPTY-1")
        assert response.status_code == 200 and len(response.data) > 0, fmt


def test_csv_download_is_streamed(admin_client, school, monkeypatch):
    """The download starts before the report is made: the response is a generator whose
    first chunk (BOM and header) comes before any row is read, and the rows follow a
    batch of students at a time; together they are the whole report."""
    from lms.reports import completion

    made = []
    real_rows = completion._rows

    def counting_rows(*args, **kwargs):
        made.append(1)
        return real_rows(*args, **kwargs)

    monkeypatch.setattr(completion, "_rows", counting_rows)
    monkeypatch.setattr(completion, "ROW_BATCH", 1)
    response = admin_client.get(f"/reports/export.csv?cohort={school.cohort}",
                                buffered=False)
    assert response.status_code == 200 and response.is_streamed
    chunks = iter(response.response)
    first = next(chunks)
    first = first.decode("utf-8") if isinstance(first, bytes) else first
    assert first.startswith("\ufeffStudent,") and first.count("\r\n") == 1
    assert made == []  # no row made yet
    rest = "".join(c.decode("utf-8") if isinstance(c, bytes) else c for c in chunks)
    response.close()
    rows = list(csv.reader(io.StringIO(rest)))
    assert len(made) == len({r[0] for r in rows}) > 1  # one batch per student
    whole = admin_client.get(f"/reports/export.csv?cohort={school.cohort}")
    assert whole.data.decode("utf-8-sig") == first.lstrip("\ufeff") + rest
