"""Transcripts and the diploma supplement as PDFs: text, fonts embedded, no missing
glyphs; issued documents verify on /verify/<id> and a changed byte does not."""

import base64
import io
import os
import re
import shutil
import subprocess
import time
from datetime import date

import pytest
from cryptography.hazmat.primitives import serialization
from fontTools.ttLib import TTFont

from lms.extensions import db
from lms.records import documents, pdf, services, transcripts, transfers
from tests.conftest import missing
from tests.records.conftest import course_with, dec, finalise, institution

pytestmark = missing(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                     "poppler-utils (pdftotext, pdffonts, pdftoppm) needed")


def scores_for_every_grade(world):
    """Five courses graded S, A, B, C and F at TUT, titled in Japanese."""
    titles = {"GD101": ("ゲーム開発の基礎", 95), "GD102": ("スプライトとアニメーション", 85),
              "GD103": ("入力とゲームループ", 75), "GD104": ("サウンドデザイン", 65),
              "GD105": ("シェーダー入門", 45)}
    for code, (title, score) in titles.items():
        course = course_with(code, title={"en": f"Course {code}", "ja": title,
                                          "uz": f"Oʻyin kursi {code}"})
        finalise(world.student_id, course, score)
    transfers.add_transfer(services.get_student(world.student_id), institution("TUT"),
                          transfers.TransferFields(
                              source="recognition", title={"en": "Japanese N4",
                                                           "ja": "日本語N4"},
                              credits=dec(2), origin="Tashkent Japanese Centre",
                              term="2026-spring", awarded_on=date(2026, 6, 30),
                              evidence_note="Certificate seen"), None)
    return titles


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """The text with every run of white space (line breaks included) as one space."""
    return " ".join(text.split())


def fonts_of(path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    return [line.split() for line in out[2:] if line.strip()]


def assert_fonts_embedded_and_glyphs_covered(path, text: str,
                                             families=("IPAex", "DejaVu")) -> None:
    rows = fonts_of(path)
    assert rows, "no fonts in the PDF"
    for row in rows:
        # name, type..., emb, sub, uni, object, id: 'emb' is the 5th column from the end
        assert row[-5] == "yes", f"font not embedded: {row}"
        assert row[-3] == "yes", f"font without a ToUnicode map: {row}"
    names = " ".join(row[0] for row in rows)
    assert all(family in names for family in families), names
    assert all(n.split("+")[-1].startswith(("IPAex", "DejaVu")) for n in names.split()), names
    # Every character printed comes from one of our fonts: none falls back to a box.
    cmaps = []
    for regular, bold in pdf.DEFAULT_FONTS.values():
        for file in {regular, bold}:
            cmaps.append(TTFont(file, fontNumber=0).getBestCmap())
    missing = {ch for ch in text if not ch.isspace()
               and not any(ord(ch) in cmap for cmap in cmaps)}
    assert not missing, f"characters no embedded font has: {sorted(missing)}"


def render_png(path, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    page = sorted(tmp_path.glob("page*.png"))[0]
    assert page.read_bytes().startswith(b"\x89PNG") and page.stat().st_size > 5000
    return page


def test_japanese_transcript_pdf(app, world, tmp_path):
    with app.app_context():
        titles = scores_for_every_grade(world)
        student = services.get_student(world.student_id)
        started = time.perf_counter()
        doc = transcripts.issue_transcript(student, institution("TUT"), None)
        elapsed = time.perf_counter() - started
        path = documents.stored_path(doc)
        text = pdf_text(path)
    print(f"\nJapanese transcript: issued in {elapsed:.2f} s, {doc.size} bytes")
    assert "成績証明書" in text
    assert "カリモフ・アジズ" in text and "かりもふ あじず" in text
    assert "TUT26-0001" in text  # the student's number at TUT, not at JDU
    for title, _score in titles.values():
        assert title in text
    # Title, code, credits, grade label, grade points: in this order on each row.
    flat_text = flat(text)
    for (title, _score), (code, label, points) in zip(titles.values(), (
            ("GD101", "秀", 4), ("GD102", "優", 3), ("GD103", "良", 2), ("GD104", "可", 1),
            ("GD105", "不可", 0)), strict=True):
        assert f"{title} {code} 2 {label} {points}" in flat_text
    assert "認定" in text and "日本語N4" in text
    assert "2.00" in text  # GPA: (4+3+2+1+0) x 2 / 10
    assert doc.id in text.replace("\n", "")
    assert_fonts_embedded_and_glyphs_covered(path, text)
    render_png(path, tmp_path)
    assert elapsed < 15


def test_uzbek_english_transcript_pdf(app, world, tmp_path):
    with app.app_context():
        scores_for_every_grade(world)
        student = services.get_student(world.student_id)
        doc = transcripts.issue_transcript(student, institution("JDU"), None)
        path = documents.stored_path(doc)
        text = pdf_text(path)
    assert doc.language == "uz+en"
    text = flat(text)  # labels are bilingual and long: cells wrap
    assert "Akademik maʼlumotnoma / Academic Transcript" in text
    assert "Aziz Karimov" in text and "JDU26001" in text
    assert "Oʻyin kursi GD101" in text and "Course GD101" in text
    for grade, uz, en in (("5", "aʼlo", "excellent"), ("4", "yaxshi", "good"),
                          ("3", "qoniqarli", "satisfactory"), ("2", "qoniqarsiz",
                                                               "unsatisfactory")):
        assert f"{grade} ({uz})" in text and en in text
    assert_fonts_embedded_and_glyphs_covered(path, text, families=("DejaVu",))
    render_png(path, tmp_path)


def test_diploma_supplement_names_both_institutions_and_scales(app, world, tmp_path):
    with app.app_context():
        scores_for_every_grade(world)
        student = services.get_student(world.student_id)
        doc = transcripts.issue_diploma_supplement(student, None)
        path = documents.stored_path(doc)
        raw = pdf_text(path)
    text = flat(raw)
    assert "Diploma Supplement" in text
    assert "Japan Digital University" in text and "ジャパンデジタル大学" in text
    assert "Tokyo University of Technology" in text and "東京工芸技術大学" in text
    assert "JDU26001" in text and "TUT26-0001" in text
    assert "カリモフ・アジズ" in text and "Aziz Karimov" in text
    # Both grading scales explained, with their bands
    assert "Japanese university grades S/A/B/C/F" in text
    assert "Uzbek 5-point grades (order 19-2018)" in text
    assert re.search(r"90–100\s+S", text) and re.search(r"70–89\s+4", text)
    assert "1.5 JDU credits" in text  # the equivalence, labelled as one
    assert_fonts_embedded_and_glyphs_covered(path, raw)
    render_png(path, tmp_path)


def test_issued_document_is_signed_and_its_key_published(app, world, client):
    with app.app_context():
        finalise(world.student_id, course_with("SIG1"), 88)
        doc = transcripts.issue_transcript(services.get_student(world.student_id),
                                           institution("TUT"), None)
        assert len(doc.id) >= 22  # 144 random bits, URL-safe
        assert documents.signature_valid(doc)
        payload, signature = documents.signed_payload(doc), base64.b64decode(doc.signature)
    pem = client.get("/records/keys/ed25519.pem")
    assert pem.status_code == 200 and b"BEGIN PUBLIC KEY" in pem.data
    serialization.load_pem_public_key(pem.data).verify(signature, payload)  # raises if bad
    jwks = client.get("/records/keys/jwks.json").get_json()
    assert jwks["keys"][0]["crv"] == "Ed25519" and jwks["keys"][0]["kid"] == doc.key_id
    # The private key is a file outside the database, mode 600.
    key_file = app.config["RECORDS_SIGNING_KEY"]
    assert oct(os.stat(key_file).st_mode & 0o777) == "0o600"


def test_verification_page_and_upload_check(app, world, client):
    with app.app_context():
        finalise(world.student_id, course_with("VER1"), 88)
        doc = transcripts.issue_transcript(services.get_student(world.student_id),
                                           institution("TUT"), None)
        data = documents.document_bytes(doc)
        doc_id, sha = doc.id, doc.sha256
    page = client.get(f"/verify/{doc_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Valid" in html and sha in html and doc_id in html
    assert "Academic Transcript" in html  # the document's name in the reader's language
    assert "Tokyo University of Technology" in html  # the issuer
    assert "カリモフ・アジズ" in html  # the subject, as printed
    assert "Ed25519 signature valid" in html
    ok = client.post(f"/verify/{doc_id}", data={"file": (io.BytesIO(data),
                                                         "t.pdf")},
                     content_type="multipart/form-data")
    assert "The file matches" in ok.get_data(as_text=True)
    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x20
    bad = client.post(f"/verify/{doc_id}", data={"file": (io.BytesIO(
        bytes(changed)), "t.pdf")}, content_type="multipart/form-data")
    assert "The file does not match" in bad.get_data(as_text=True)
    found = client.post("/verify", data={"file": (io.BytesIO(data), "t.pdf")},
                        content_type="multipart/form-data")
    assert found.status_code == 302 and found.headers["Location"].startswith(
        f"/verify/{doc_id}")
    lost = client.post("/verify", data={"file": (io.BytesIO(bytes(changed)),
                                                 "t.pdf")}, content_type="multipart/form-data")
    assert lost.status_code == 404 and "No issued document" in lost.get_data(as_text=True)
    assert client.get("/verify/nope-not-an-id").status_code == 404
    assert client.get(f"/verify?id={doc_id}").headers["Location"] == f"/verify/{doc_id}"


def test_superseded_and_revoked_documents_say_so(app, world, client):
    with app.app_context():
        student = services.get_student(world.student_id)
        finalise(student.id, course_with("SUP1"), 88)
        first = transcripts.issue_transcript(student, institution("TUT"), None)
        second = transcripts.issue_transcript(student, institution("TUT"), None)
        assert second.supersedes_id == first.id
        assert documents.document_status(first) == "superseded"
        documents.revoke_document(second, "Grade of SUP1 under appeal", None)
        first_id, second_id = first.id, second.id
        # Revoked: the next transcript does not claim to supersede it.
        third = transcripts.issue_transcript(student, institution("TUT"), None)
        assert third.supersedes_id is None
    html = client.get(f"/verify/{first_id}").get_data(as_text=True)
    assert "Superseded by a newer document" in html and second_id in html
    html = client.get(f"/verify/{second_id}").get_data(as_text=True)
    assert "Revoked" in html and "Grade of SUP1 under appeal" in html


def test_missing_font_files_are_reported(app, world):
    app.config["RECORDS_FONTS"] = {"IPAexMincho": ("/nope/ipaexm.ttf", "/nope/ipaexm.ttf")}
    with app.app_context(), pytest.raises(pdf.PdfError, match="fonts-ipaexfont"):
        transcripts.issue_transcript(services.get_student(world.student_id),
                                     institution("TUT"), None)
    with app.app_context():
        from lms.records.models import IssuedDocument

        assert db.session.scalar(db.select(db.func.count()).select_from(IssuedDocument)) == 0


def test_document_ids_can_be_typed_on_the_command_line():
    """A document id is quoted in CLI commands (revoke, reissue): one starting with "-"
    would be read as an option, so none does; they stay long and distinct."""
    ids = [documents.new_document_id() for _ in range(3000)]
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{23}", doc_id) for doc_id in ids)
    assert len(set(ids)) == len(ids)
