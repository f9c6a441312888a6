"""Hostile file names (quotes, CR/LF, the right-to-left override, very long, Japanese)
in uploads never reach a response header unencoded: Content-Disposition names a file only
in an ASCII fallback of safe characters and in RFC 5987 ``filename*``. Files are stored
under names of the platform's making. Plus the security headers every page carries."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.japanese.models import JlptCertification
from lms.learning.models import SubmissionFile
from lms.records.models import CreditRecord
from tests.security.world import PDF, PNG

HOSTILE = {
    "quotes": 'my "best" work\'s;name=x.{ext}',
    "crlf": "evil\r\nSet-Cookie: pwned=1\r\n.{ext}",
    "rtl": "report\u202egpj.{ext}",
    "long": "長" * 120 + "x" * 200 + ".{ext}",
    "japanese": "課題・提出物（最終版）.{ext}",
    "path": "..\\..\\windows/system32/{ext}.{ext}",
}
DISPOSITION = re.compile(
    r"(attachment|inline); filename=\"([A-Za-z0-9._-]*)\"; filename\*=UTF-8''([A-Za-z0-9%._~!*'()-]+)")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]):
    """A multipart body as a browser or script may send it: each file's name in RFC 5987
    ``filename*`` (how CR, LF and quotes reach the server), with a plain fallback."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for field, (filename, data, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f"filename=\"upload\"; filename*=UTF-8''{quote(filename)}\r\n"
            f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post_multipart(client, url, fields, files):
    body, content_type = multipart({**fields, "csrf_token": client.csrf_token()}, files)
    return client.post(url, data=body, content_type=content_type, csrf=False)


def refused_path(kind: str, response) -> bool:
    """A Windows path as the name may be refused by the form (it reads no extension)."""
    return kind == "path" and response.status_code == 200 and (
        "PDF, PNG or JPEG" in response.get_data(as_text=True))


def assert_safe_headers(response, shown_name: str) -> None:
    for header, value in response.headers.items():
        assert "\r" not in value and "\n" not in value, header
        assert "\u202e" not in value, header
    disposition = response.headers["Content-Disposition"]
    match = DISPOSITION.fullmatch(disposition)
    assert match, disposition
    assert unquote(match.group(3)) == shown_name  # the name itself, only RFC 5987 encoded


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_submitted_file_names(world_app, kind):
    ids = world_app.world.ids
    name = HOSTILE[kind].format(ext="png")
    student = world_app.client("student")
    response = post_multipart(student, f"/learning/items/{ids['assignment_item']}/submissions",
                              {"comment": "hostile name"}, {"files": (name, PNG, "image/png")})
    assert response.status_code == 302
    with world_app.app.app_context():
        file = db.session.scalars(select(SubmissionFile).order_by(SubmissionFile.id.desc())
                                  ).first()
        stored, shown = file.storage_path, file.filename
    assert "\r" not in shown and "\n" not in shown and "\u202e" not in shown
    assert name not in stored and ".." not in Path(stored).parts
    for viewer in ("student", "instructor"):
        url = f"/learning/submissions/{file.submission_id}/files/{file.id}"
        for suffix in ("", "?download=1"):
            with world_app.client(viewer).get(url + suffix) as got:
                assert got.status_code == 200 and got.data == PNG
                assert_safe_headers(got, shown)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_transfer_evidence_names(world_app, kind):
    ids = world_app.world.ids
    name = HOSTILE[kind].format(ext="pdf")
    admin = world_app.client("admin")
    response = post_multipart(admin, f"/records/students/{ids['student_id']}/transfers", {
        "source": "transfer", "institution": str(ids["tut_id"]), "title_en": f"T {kind}",
        "credits": "1", "origin": "Elsewhere", "term": "2026-spring",
        "awarded_on": "2026-06-30", "evidence_note": "seen"},
        {"evidence_file": (name, PDF, "application/pdf")})
    assert response.status_code == 302
    with world_app.app.app_context():
        record = db.session.scalars(select(CreditRecord).where(
            CreditRecord.evidence_name.is_not(None)).order_by(CreditRecord.id.desc())).first()
        recorded = record.title["en"] == f"T {kind}"
        record_id, stored = record.id, record.evidence_path
    if kind == "path" and not recorded:
        return  # refused by the form: it reads no extension in a Windows path
    assert recorded, "the transfer was not recorded"
    assert name not in stored
    for viewer in ("student", "admin"):
        with world_app.client(viewer).get(f"/records/entries/{record_id}/evidence") as got:
            assert got.status_code == 200 and got.data == PDF
            assert_safe_headers(got, Path(name).name[:255])


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_jlpt_evidence_names(world_app, kind):
    name = HOSTILE[kind].format(ext="pdf")
    student = world_app.client("student")
    response = post_multipart(student, "/japanese/certifications", {
        "level": "N3", "exam_date": "2026-07-05", "language_knowledge": "40", "reading": "35",
        "listening": "30", "cefr": "B1", "registration_number": kind},
        {"evidence": (name, PDF, "application/pdf")})
    if refused_path(kind, response):
        return
    assert response.status_code == 302
    with world_app.app.app_context():
        cert = db.session.scalar(select(JlptCertification).where(
            JlptCertification.registration_number == kind))
        cert_id, stored = cert.id, cert.evidence_path
    assert name not in stored
    for viewer in ("student", "admin"):
        url = f"/japanese/certifications/{cert_id}/evidence"
        with world_app.client(viewer).get(url) as got:
            assert got.status_code == 200 and got.data == PDF
            assert_safe_headers(got, Path(name).name[:255])


def test_issued_documents_are_named_safely(world_app):
    doc = world_app.world.ids["document"]
    with world_app.client("student").get(f"/records/documents/{doc}/download") as got:
        assert got.status_code == 200 and got.data.startswith(b"%PDF")
        match = DISPOSITION.fullmatch(got.headers["Content-Disposition"])
        assert match and match.group(1) == "attachment"


PAGES = ["/learning/", "/catalog/", "/records/admin/", "/japanese/", "/auth/profile",
         "/authoring/", "/people/", "/verify"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_carry_the_security_headers(world_app, url):
    response = world_app.client("admin").get(url)
    assert response.status_code == 200
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cache-Control"] == "no-store"
    cookie = world_app.client("anonymous").get("/auth/login").headers.get("Set-Cookie", "")
    assert not cookie or ("HttpOnly" in cookie and "SameSite=Lax" in cookie)


def test_package_files_are_sandboxed(world_app):
    token = world_app.world.ids["content_token:student"]
    with world_app.client("anonymous").get(f"/content/{token}/game/index.html") as response:
        assert response.status_code == 200
        csp = response.headers["Content-Security-Policy"]
        assert csp.startswith("sandbox ") and "allow-same-origin" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
