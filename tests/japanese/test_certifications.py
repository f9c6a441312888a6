"""JLPT results: entered by the student with evidence, verified by an administrator."""

import io
from datetime import date

from lms.extensions import db
from lms.japanese import services
from lms.japanese.models import JlptCertification
from tests.conftest import login

PDF = b"%PDF-1.4\n% score report\n"


def download(client, url):
    with client.get(url) as response:
        return response.status_code, response.data


def submit(client, **overrides):
    data = {"level": "N3", "exam_date": "2026-07-05", "language_knowledge": "40",
            "reading": "35", "listening": "30", "cefr": "B1", "registration_number": "12345",
            "evidence": (io.BytesIO(PDF), "score-report.pdf")}
    data.update(overrides)
    return client.post("/japanese/certifications", data=data,
                       content_type="multipart/form-data")


def test_student_enters_result_admin_verifies(app, client, login_as, make_user):
    student = login_as("student")
    response = submit(client)
    assert response.status_code == 302
    with app.app_context():
        cert = db.session.scalars(db.select(JlptCertification)).one()
        assert (cert.level, cert.total, cert.passed, cert.verified) == ("N3", 105, True, False)
        assert cert.section_scores == {"language_knowledge": 40, "reading": 35, "listening": 30}
        assert cert.cefr == "B1" and cert.exam_date == date(2026, 7, 5)
        assert services.verified_levels(student.id) == []
        cert_id = cert.id
    assert download(client, f"/japanese/certifications/{cert_id}/evidence") == (200, PDF)
    assert "Waiting for verification" in client.get("/japanese/certifications").get_data(
        as_text=True)

    admin = make_user("admin")
    admin_client = app.test_client()
    login(admin_client, admin.email)
    page = admin_client.get("/japanese/certifications/review").get_data(as_text=True)
    assert student.name in page and "score-report.pdf" in page
    assert download(admin_client, f"/japanese/certifications/{cert_id}/evidence") == (200, PDF)
    assert admin_client.post(f"/japanese/certifications/{cert_id}/verify").status_code == 302
    with app.app_context():
        cert = db.session.get(JlptCertification, cert_id)
        assert cert.verified and cert.verified_by_id == admin.id and cert.verified_at
        assert services.verified_levels(student.id) == ["N3"]
        assert services.profile_of(cert.user).jlpt_level == "N3"


def test_pass_follows_jlpt_rules(app):
    assert services.jlpt_passed("N3", {"language_knowledge": 60, "reading": 60,
                                       "listening": 18})  is False  # below a sectional minimum
    assert services.jlpt_passed("N2", {"language_knowledge": 30, "reading": 30,
                                       "listening": 30}) is True
    assert services.jlpt_passed("N5", {"language_knowledge_reading": 60, "listening": 19}) is False
    assert services.jlpt_passed("N5", {"language_knowledge_reading": 61, "listening": 19}) is True


def test_bad_input_is_reported_and_nothing_saved(app, client, login_as):
    login_as("student")
    response = submit(client, reading="", evidence=(io.BytesIO(b"not a pdf"), "x.pdf"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Reading" in text
    fake = submit(client, evidence=(io.BytesIO(b"not a pdf"), "x.pdf"))
    assert "not a real PDF" in fake.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(JlptCertification)).all() == []


def test_reject_needs_a_reason_and_others_cannot_see_evidence(app, client, login_as, make_user):
    login_as("student")
    submit(client)
    with app.app_context():
        cert_id = db.session.scalars(db.select(JlptCertification.id)).one()
    other = make_user("student")
    other_client = app.test_client()
    login(other_client, other.email)
    # 404, as for a result that does not exist: others are not told that it does.
    assert download(other_client, f"/japanese/certifications/{cert_id}/evidence")[0] == 404
    assert other_client.post(f"/japanese/certifications/{cert_id}/verify").status_code == 403
    admin = make_user("admin")
    admin_client = app.test_client()
    login(admin_client, admin.email)
    admin_client.post(f"/japanese/certifications/{cert_id}/reject", data={"reason": ""})
    with app.app_context():
        assert db.session.get(JlptCertification, cert_id).status == "pending"
    admin_client.post(f"/japanese/certifications/{cert_id}/reject",
                      data={"reason": "The scores do not match the report."})
    with app.app_context():
        cert = db.session.get(JlptCertification, cert_id)
        assert cert.status == "rejected" and not cert.verified
    assert "The scores do not match" in client.get("/japanese/certifications").get_data(
        as_text=True)
