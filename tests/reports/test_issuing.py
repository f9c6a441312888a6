"""Issuing a report: an immutable document of the records service (bytes, SHA-256,
signature, who, when, parameters, /verify/<id>); downloads give the same bytes; the list
of issued reports and its filters."""

import base64
import hashlib
import re

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.records import documents
from lms.records.models import IssuedDocument
from lms.reports import issuing, params
from tests.reports.pdfs import flat, needs_poppler, text_of


def issued_docs():
    return db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.kind == "completion_report").order_by(IssuedDocument.issued_at)).all()


@needs_poppler
def test_issue_from_the_page_makes_a_verifiable_immutable_document(app, school, admin_client,
                                                                   tmp_path):
    response = admin_client.post("/reports/issue", data={
        "cohort": school.cohort, "course": school.course, "status": "stalled",
        "format": "pdf", "language": "ja"})
    assert response.status_code == 302 and "/reports/issued" in response.headers["Location"]
    with app.app_context():
        (doc,) = issued_docs()
        doc_id, sha = doc.id, doc.sha256
        assert doc.issued_by_id == school.admin_id and doc.language == "ja"
        assert doc.params["cohort"] == school.cohort and doc.params["course"] == "GD101"
        assert doc.params["status"] == "stalled" and doc.params["format"] == "pdf"
        assert doc.params["figures"]["enrolments"] == 2
        assert doc.title["ja"] == "修了報告書" and doc.title["en"] == "Completion report"
        stored = documents.document_bytes(doc)
        assert hashlib.sha256(stored).hexdigest() == sha
        assert documents.signature_valid(doc)
        payload, signature = documents.signed_payload(doc), base64.b64decode(doc.signature)
    serialization.load_pem_public_key(admin_client.get(
        "/records/keys/ed25519.pem").data).verify(signature, payload)
    listed = admin_client.get("/reports/issued").get_data(as_text=True)
    assert doc_id in listed and "JDU-2026-GD-1 · GD101" in listed
    first = admin_client.get(f"/reports/documents/{doc_id}/download")
    second = admin_client.get(f"/reports/documents/{doc_id}/download")
    assert first.data == second.data == stored
    with admin_client.get(f"/records/documents/{doc_id}/download") as response:
        assert response.data == stored
    text = flat(text_of(stored, tmp_path))
    assert doc_id in text and f"https://lms.jdu.example/verify/{doc_id}" in text
    assert "修了報告書" in text and "停滞" in text
    page = admin_client.get(f"/verify/{doc_id}").get_data(as_text=True)
    assert "Valid" in page and sha in page and "Completion report" in page


def test_issue_csv_and_xlsx_and_list_filters(app, school):
    with app.test_request_context():
        admin = db.session.get(User, school.admin_id)
        csv_doc = issuing.issue_report(params.parse({"course": "GD101"}), "csv", "en", admin)
        xlsx_doc = issuing.issue_report(params.parse({"cohort": school.other_cohort}),
                                        "xlsx", "uz", admin)
        assert csv_doc.content_type.startswith("text/csv")
        assert documents.document_bytes(csv_doc).startswith(b"\xef\xbb\xbf")
        assert xlsx_doc.filename.endswith(".xlsx")
        documents.revoke_document(csv_doc, "Wrong dates", admin)
        everything = issuing.issued_reports(issuing.IssuedFilters())
        assert {d.id for d, _s in everything} == {xlsx_doc.id, csv_doc.id}
        only = issuing.issued_reports(issuing.IssuedFilters(scope="gd101"))
        assert [d.id for d, _s in only] == [csv_doc.id]
        revoked = issuing.issued_reports(issuing.IssuedFilters(status="revoked"))
        assert [(d.id, s) for d, s in revoked] == [(csv_doc.id, "revoked")]
        by_format = issuing.issued_reports(issuing.IssuedFilters(fmt="xlsx"))
        assert [d.id for d, _s in by_format] == [xlsx_doc.id]
        by_person = issuing.issued_reports(issuing.IssuedFilters(
            issued_by="nobody@jdu.example"))
        assert by_person == []


def test_issued_list_page_filters(app, school, admin_client):
    with app.test_request_context():
        admin = db.session.get(User, school.admin_id)
        one = issuing.issue_report(params.parse({"course": "GD101"}), "csv", "en", admin)
        two = issuing.issue_report(params.parse({"cohort": school.other_cohort}), "csv",
                                   "en", admin)
        one, two = one.id, two.id
    html = admin_client.get(f"/reports/issued?scope={school.other_cohort}").get_data(
        as_text=True)
    assert two in html and one not in html
    html = admin_client.get("/reports/issued?issued_by=admin@jdu.example&format=csv"
                            ).get_data(as_text=True)
    assert one in html and two in html
    assert re.search(r"2 issued reports match", html)


def test_download_is_only_for_reports(app, school, admin_client):
    from lms.catalog.models import Course
    from lms.reports import certificates

    with app.test_request_context():
        certificate_id = certificates.issue_for_course(
            db.session.get(User, school.finished_id), db.session.scalar(select(Course)),
            None).id
    assert admin_client.get(f"/reports/documents/{certificate_id}/download").status_code == 404
    assert admin_client.get("/reports/documents/nope/download").status_code == 404
