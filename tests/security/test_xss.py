"""Stored XSS: hostile strings saved through the real forms into user-editable fields come
back inert: escaped in HTML (text and attributes), the exact string in JSON, text (not a
formula) in CSV and XLSX, and printed as text in PDF."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from sqlalchemy import select

from lms.extensions import db
from lms.learning.models import Submission
from tests.conftest import missing
from tests.security.world import PNG

PAYLOAD = ("< > & &lt; &gt; &amp; ' \\' 碁 \\ \\\\ <script>alert(1)</script> "
           "<svg onload=alert(1)> javascript:alert(1) \"q\"")
LINK = "[click me](javascript:alert(1)) <a href=\"javascript:alert(1)\">raw</a>"
ESCAPED = str(escape(PAYLOAD))


class Inspector(HTMLParser):
    """What a browser would make active in a page: tags, attributes, script bodies."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        if tag in ("svg", "iframe", "object", "embed") and any(
                "alert" in (v or "") or n.startswith("on") for n, v in attrs):
            self.problems.append(f"<{tag}> made from user text")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and (
                    (value or "").strip().lower().startswith(("javascript:", "data:text"))):
                self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(1)" in data:
            self.problems.append("a <script> carries user text")


def assert_inert(html: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    assert not inspector.problems, inspector.problems
    assert "<script>alert(1)" not in html and "<svg onload" not in html


@pytest.fixture(scope="module")
def hostile(world_app):
    """Save PAYLOAD into every user-editable field, through the pages as people would."""
    ids, emails = world_app.world.ids, world_app.world.emails
    student, instructor, admin = (world_app.client(r) for r in
                                  ("student", "instructor", "admin"))

    def ok(response):
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:3000]
        return response

    ok(student.post("/auth/profile", data={"name": PAYLOAD, "name_ja": PAYLOAD,
                                            "name_kana": PAYLOAD, "timezone": "Asia/Tashkent",
                                            "locale": ""}))
    ok(admin.post("/people/cohorts", data={"code": "XSS1", "name": PAYLOAD}))
    ok(admin.post("/catalog/SEC101/edit", data={
        "code": "SEC101", "title_en": PAYLOAD, "title_ja": PAYLOAD, "title_uz": "",
        "description_en": PAYLOAD, "provider": "TUT", "hours": "90",
        "credits": "JDU=3, TUT=2", "language": "en", "track": "game-development",
        "jlpt_level": "", "instructors": emails["instructor"]}))
    ok(admin.post("/catalog/admin/tracks/new", data={"code": "xss-track",
                                                     "title_en": PAYLOAD}))
    ok(student.post(f"/learning/items/{ids['assignment_item']}/submissions",
                    data={"comment": PAYLOAD, "files": [(io.BytesIO(PNG), "shot.png")]},
                    content_type="multipart/form-data"))
    with world_app.app.app_context():
        submission_id = db.session.scalars(
            select(Submission.id).order_by(Submission.id.desc())).first()
    ok(instructor.post(f"/learning/submissions/{submission_id}/grade",
                       data={"score": "70", "feedback": PAYLOAD + "\n\n" + LINK}))
    cards = io.StringIO()
    csv.writer(cards).writerows([["front", "back", "reading"], ["漢" + PAYLOAD, PAYLOAD, "かん"]])
    ok(instructor.post("/japanese/decks/import", data={
        "deck": str(ids["deck"]), "code": "", "title": "", "kind": "vocab", "level": "",
        "file": (io.BytesIO(cards.getvalue().encode()), "cards.csv")},
        content_type="multipart/form-data"))
    ok(admin.post(f"/records/students/{ids['student_id']}/transfers", data={
        "source": "transfer", "institution": str(ids["tut_id"]), "title_en": PAYLOAD,
        "credits": "1", "origin": PAYLOAD, "term": "2026-spring", "awarded_on": "2026-06-30",
        "evidence_note": PAYLOAD}))
    ok(admin.post("/japanese/overrides", data={"surface": "碁盤", "reading": "ごばん",
                                                "note": PAYLOAD}))
    return {"submission": submission_id}


def pages(world_app, hostile):
    ids = world_app.world.ids
    return [
        ("student", "/auth/profile"), ("student", "/learning/"),
        ("student", f"/learning/items/{ids['assignment_item']}"),
        ("student", "/learning/notifications"), ("student", "/catalog/"),
        ("student", "/catalog/SEC101"), ("student", "/learning/courses/SEC101"),
        ("student", "/records/"),
        ("instructor", f"/learning/items/{ids['assignment_item']}"),
        ("instructor", f"/learning/submissions/{hostile['submission']}/grade"),
        ("instructor", "/learning/courses/SEC101/grading"),
        ("instructor", "/learning/courses/SEC101/progress"),
        ("instructor", "/catalog/SEC101/enrolments"), ("instructor", "/catalog/SEC101/edit"),
        ("admin", "/people/"), ("admin", "/people/cohorts"), ("admin", "/catalog/admin"),
        ("admin", "/catalog/admin/tracks/xss-track"), ("admin", "/japanese/overrides"),
        ("admin", f"/records/students/{ids['student_id']}"), ("admin", "/records/admin/"),
        ("admin", "/records/admin/students"), ("admin", "/reports/?course=SEC101"),
        ("admin", "/reports/certificates"),
    ]


PAGE_COUNT = 24


@pytest.mark.parametrize("index", range(PAGE_COUNT))
def test_html_pages_escape_user_text(world_app, hostile, index):
    role, url = pages(world_app, hostile)[index]
    response = world_app.client(role).get(url)
    assert response.status_code == 200, (role, url)
    html = response.get_data(as_text=True)
    assert_inert(html)
    assert ESCAPED in html, f"{url} does not show the saved text (escaped) as {role}"


def test_page_count_is_current(world_app, hostile):
    assert len(pages(world_app, hostile)) == PAGE_COUNT


def test_deck_cards_are_cleaned_and_inert(world_app, hostile):
    """Card text is imported as plain text (Anki exports carry HTML, which is removed), so
    the page shows what is left of it, inert."""
    html = world_app.client("student").get(
        f"/japanese/decks/{world_app.world.ids['deck']}").get_data(as_text=True)
    assert_inert(html)
    assert "碁" in html


def test_markdown_feedback_has_no_script_links(world_app, hostile):
    ids = world_app.world.ids
    html = world_app.client("student").get(
        f"/learning/items/{ids['assignment_item']}").get_data(as_text=True)
    assert_inert(html)
    assert "click me" in html  # the link text stays, its javascript: address does not


def test_json_gives_back_the_exact_strings(world_app, hostile):
    api = world_app.client("anonymous")
    me = api.get("/api/v1/me", headers=world_app.bearer("student"))
    assert me.mimetype == "application/json"
    assert me.get_json()["user"]["name"] == PAYLOAD
    assert me.get_json()["user"]["name_ja"] == PAYLOAD
    course = api.get("/api/v1/courses/SEC101", headers=world_app.bearer("student")).get_json()
    assert course["course"]["title"]["en"] == PAYLOAD
    assert course["course"]["description"]["en"] == PAYLOAD
    records = api.get(f"/api/v1/students/{world_app.world.ids['student_id']}/records",
                      headers=world_app.bearer("admin")).get_json()
    titles = [r["title"].get("en") for i in records["institutions"] for r in i["records"]]
    assert PAYLOAD in titles
    # Raw bodies never carry the markup unescaped-for-HTML in a way a sniffer could run:
    assert me.headers["X-Content-Type-Options"] == "nosniff"


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-1+1", "@SUM(1)",
            "\t=1+1", "\r=1+1"]


def neutral(cell: str) -> bool:
    return not cell or cell[0] not in "=+-@\t\r"


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_exports_neutralise_formulas(world_app, hostile, formula):
    """Progress CSV, HEMIS export and the reports' CSV: a name that starts a formula is
    written as text (a leading ')."""
    world_app.client("student").post("/auth/profile", data={
        "name": formula, "name_ja": formula, "timezone": "Asia/Tashkent", "locale": ""})
    exports = [
        ("instructor", "/learning/courses/SEC101/progress.csv"),
        ("admin", "/records/admin/hemis.csv?institution=JDU"),
        ("admin", "/reports/export.csv?course=SEC101"),
    ]
    for role, url in exports:
        response = world_app.client(role).get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True).lstrip("\ufeff")
        rows = list(csv.reader(io.StringIO(text)))
        cells = [cell for row in rows for cell in row]
        assert all(neutral(cell) for cell in cells), (url, [c for c in cells if not neutral(c)])
        # (names are saved without surrounding white space)
        assert "'" + formula.strip() in cells, f"{url} does not list the student"


def test_xlsx_export_keeps_text_as_text(world_app, hostile):
    from openpyxl import load_workbook

    world_app.client("student").post("/auth/profile", data={
        "name": FORMULAS[0], "timezone": "Asia/Tashkent", "locale": ""})
    response = world_app.client("admin").get("/reports/export.xlsx?course=SEC101")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert all(c.data_type != "f" for c in cells)
    assert any(FORMULAS[0] in c.value for c in cells)


@missing(not shutil.which("pdftotext"), "pdftotext (poppler-utils) needed")
def test_pdf_prints_user_text_as_text(world_app, hostile, tmp_path):
    world_app.client("student").post("/auth/profile", data={
        "name": PAYLOAD, "timezone": "Asia/Tashkent", "locale": ""})
    ids = world_app.world.ids
    admin = world_app.client("admin")

    def listed() -> set[str]:
        page = admin.get(f"/records/students/{ids['student_id']}").get_data(as_text=True)
        return {part.split('"')[0].split("/")[0]
                for part in page.split("/records/documents/")[1:]}

    before = listed()
    response = admin.post(f"/records/students/{ids['student_id']}/documents",
                          data={"kind": "transcript", "institution": str(ids["tut_id"])})
    assert response.status_code == 302
    new = listed() - before  # the transcript just issued (others share its second)
    assert len(new) == 1, new
    with admin.get(f"/records/documents/{new.pop()}/download") as got:
        pdf = got.data
    (tmp_path / "t.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "t.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    for part in ("<script>alert(1)</script>", "<svg onload=alert(1)>", "&lt;", "碁"):
        assert part in flat, part
