"""Certificates: the bilingual PDF, the Open Badges 3.0 credential (valid against 1EdTech's
schema, signed, verifiable offline, broken by one changed character), revocation,
reissue, bulk issue for a cohort, and a programme certificate."""

import copy
import hashlib
import io
import json

import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, update

from lms.auth.models import User
from lms.catalog import services as catalog
from lms.catalog.models import Course, Institution, Program
from lms.core.errors import Conflict, ValidationError
from lms.extensions import db
from lms.learning.models import ItemProgress
from lms.people.services import cohort_by_code
from lms.records import documents, requirements
from lms.reports import certificates, jcs, openbadges
from tests.conftest import SHARED_TESTDATA, missing
from tests.reports.pdfs import check_fonts, flat, needs_poppler, render_first_page, text_of

OB = SHARED_TESTDATA / "openbadges"
needs_testdata = missing(not OB.is_dir(), "../shared/testdata/openbadges is absent")


def course(code="GD101") -> Course:
    return db.session.scalar(select(Course).where(Course.code == code))


def issue(school, **kw) -> certificates.Certificate:
    return certificates.issue_for_course(db.session.get(User, school.finished_id), course(),
                                         None, **kw)


def stored_credential(certificate) -> dict:
    return json.loads(documents.document_bytes(certificate.credential))


def schema_validator():
    schema = json.loads((OB / "ob_v3p0_achievementcredential_schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft201909Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@needs_poppler
def test_certificate_pdf_in_japanese_and_english(app, school, tmp_path, monkeypatch):
    seen = []
    real_qr = certificates.qr_data_uri
    monkeypatch.setattr(certificates, "qr_data_uri", lambda text: seen.append(text) or
                        real_qr(text))
    with app.test_request_context():
        certificate = issue(school)
        data = documents.document_bytes(certificate.pdf)
        pdf_id, credential_id = certificate.pdf.id, certificate.credential.id
    text = text_of(data, tmp_path)
    words = flat(text)
    for expected in ("修了証明書", "Certificate of Completion", "カリモフ・アジズ", "Aziz Karimov",
                     "ゲーム開発の基礎", "Game Development Basics", "GD101", "東京工芸技術大学",
                     "上記の者は、下記のコースを修了したことを証明します。", "修了日", "発行日",
                     "JDU 3 · TUT 2", "80.0"):
        assert expected in words, expected
    # The QR code carries the verification address, which is also printed.
    assert seen == [f"https://lms.jdu.example/verify/{pdf_id}"]
    assert f"https://lms.jdu.example/verify/{pdf_id}" in words
    assert f"https://lms.jdu.example/verify/{credential_id}" in words
    check_fonts(data, tmp_path, text)
    render_first_page(data, tmp_path)


@needs_testdata
def test_credential_is_a_real_open_badge_valid_against_the_schema(app, school):
    with app.test_request_context():
        certificate = issue(school)
        credential = stored_credential(certificate)
        did = openbadges.did_key(documents.public_key())
        credential_url = documents.verification_url(certificate.credential.id)
    errors = sorted(schema_validator().iter_errors(credential), key=str)
    assert not errors, [e.message for e in errors]
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert set(credential["type"]) == {"VerifiableCredential", "OpenBadgeCredential"}
    assert credential["id"] == credential_url
    assert credential["issuer"]["id"] == did and credential["issuer"]["type"] == ["Profile"]
    assert credential["issuer"]["name"] == "Tokyo University of Technology"
    assert credential["validFrom"].endswith("Z")
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    identity = subject["identifier"][0]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    assert identity["identityHash"] == "sha256$" + hashlib.sha256(
        ("aziz@student.jdu.example" + identity["salt"]).encode()).hexdigest()
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Game Development Basics"
    assert achievement["criteria"]["narrative"] and achievement["description"]
    assert achievement["id"] == "https://lms.jdu.example/reports/achievements/course/GD101"
    assert credential["credentialSchema"] == [{
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
              "ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019"}]
    assert credential["credentialStatus"]["type"] == "1EdTechRevocationList"
    # The evidence: the PDF, then each assessment it rests on with who gave its score.
    assert [e.get("name") for e in credential["evidence"]][1:] == ["Assessment 1: quiz"]
    assert credential["evidence"][1]["description"] == "Score 80 of 100, server-marked."
    (proof,) = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["verificationMethod"] == f"{did}#{did.split(':')[-1]}"
    assert proof["proofPurpose"] == "assertionMethod"


@needs_testdata
def test_the_specifications_own_example_is_valid_too(app):
    """Our validator setup accepts 1EdTech's complete example (so it checks the real thing)."""
    example = json.loads((OB / "ob_v3p0_spec_complete_openbadgecredential.json").read_text())
    assert not list(schema_validator().iter_errors(example))


def _independent_check(credential: dict, public_key) -> None:
    """eddsa-jcs-2022 verification written out again, without lms.reports: JSON with
    sorted keys and no spaces is JCS for this credential's values once whole floats are
    written as integers (as ECMAScript writes 2.0)."""

    def whole(value):
        if isinstance(value, dict):
            return {k: whole(v) for k, v in value.items()}
        if isinstance(value, list):
            return [whole(v) for v in value]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def canon(value) -> bytes:
        return json.dumps(whole(value), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()

    proof = dict(credential["proof"][0])
    value = proof.pop("proofValue")
    document = {k: v for k, v in credential.items() if k != "proof"}
    config = {**proof, "@context": credential["@context"]}
    data = hashlib.sha256(canon(config)).digest() + hashlib.sha256(canon(document)).digest()
    public_key.verify(openbadges.base58btc_decode(value[1:]), data)  # raises if wrong


def test_signature_verifies_offline_and_one_changed_character_breaks_it(app, school,
                                                                        client):
    with app.test_request_context():
        credential = stored_credential(issue(school))
    pem = client.get("/records/keys/ed25519.pem")
    assert pem.status_code == 200
    key = serialization.load_pem_public_key(pem.data)
    assert openbadges.verify(credential, key).valid  # with the published key
    assert openbadges.verify(credential).valid  # with nothing but the credential (did:key)
    assert openbadges.public_key_from_did(credential["issuer"]["id"]).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw) == key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    _independent_check(credential, key)
    # Layout does not matter (JCS): re-serialised with other spacing and key order
    reordered = json.loads(json.dumps(credential, indent=None, sort_keys=True))
    assert openbadges.verify(reordered, key).valid
    # One changed character anywhere breaks it.
    text = json.dumps(credential, ensure_ascii=False)
    for old, new in (("Game Development Basics", "Game Development Basica"),
                     ('"creditsEarned": 2.0', '"creditsEarned": 3.0'),
                     ("AchievementSubject", "AchievementSubjecT")):
        changed = json.loads(text.replace(old, new, 1))
        assert changed != credential
        assert not openbadges.verify(changed, key).valid, old
        assert not openbadges.verify(changed).valid, old
    tampered = copy.deepcopy(credential)
    value = tampered["proof"][0]["proofValue"]
    tampered["proof"][0]["proofValue"] = value[:-1] + ("1" if value[-1] != "1" else "2")
    assert not openbadges.verify(tampered, key).valid
    # A credential re-signed with someone else's key and naming our issuer fails.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from lms.reports.openbadges import sign

    forged = sign({k: v for k, v in credential.items() if k != "proof"},
                  Ed25519PrivateKey.generate(), openbadges_created())
    assert not openbadges.verify(forged).valid  # its did:key is not the issuer's
    assert not openbadges.verify(forged, key).valid


def openbadges_created():
    from datetime import UTC, datetime

    return datetime(2026, 11, 27, tzinfo=UTC)


def test_cli_verifies_a_credential_file_offline(app, school, runner, tmp_path):
    with app.test_request_context():
        certificate = issue(school)
        data = documents.document_bytes(certificate.credential)
        pem = documents.public_key_pem()
    (tmp_path / "cred.json").write_bytes(data)
    (tmp_path / "key.pem").write_bytes(pem)
    ok = runner.invoke(args=["lms", "report", "verify-credential", str(tmp_path / "cred.json"),
                             "--key", str(tmp_path / "key.pem")])
    assert ok.exit_code == 0, ok.output
    assert "Valid" in ok.output
    (tmp_path / "bad.json").write_bytes(data.replace(b"Basics", b"Basicz", 1))
    bad = runner.invoke(args=["lms", "report", "verify-credential", str(tmp_path / "bad.json")])
    assert bad.exit_code == 1 and "NOT VALID" in bad.output


def test_jcs_follows_rfc_8785():
    # RFC 8785 section 3.2.2 / appendix: numbers as ECMAScript writes them
    for value, expected in ((333333333.33333329, "333333333.3333333"), (1e30, "1e+30"),
                            (4.50, "4.5"), (2e-3, "0.002"), (0.000000000000000000000000001,
                                                            "1e-27"), (-0.0, "0"),
                            (1e21, "1e+21"), (1e20, "100000000000000000000"),
                            (123456789012345680000.0, "123456789012345680000"),
                            (0.000001, "0.000001"), (1e-7, "1e-7"), (5e-324, "5e-324"),
                            (1.7976931348623157e308, "1.7976931348623157e+308"),
                            (9007199254740992, "9007199254740992"), (100, "100"),
                            (-1.5, "-1.5"), (0.1, "0.1")):
        assert jcs.number(value) == expected, (value, jcs.number(value))
    example = {"numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
               "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
               "literals": [None, True, False]}
    assert jcs.canonicalize(example) == (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}').encode()
    # member names sort by UTF-16 code units (the emoji's surrogates before U+FB33)
    names = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6,
             "\u00f6": 7}
    assert list(json.loads(jcs.canonicalize(names))) == [
        "\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    with pytest.raises(jcs.CanonicalizationError):
        jcs.canonicalize({"x": float("nan")})


def test_revoking_says_so_on_both_verification_pages_and_in_the_status_list(
        app, school, admin_client):
    with app.test_request_context():
        certificate = issue(school)
        pdf_id, credential_id = certificate.pdf.id, certificate.credential.id
        credential_url = documents.verification_url(credential_id)
    listed = admin_client.get("/reports/certificates")
    assert pdf_id in listed.get_data(as_text=True)
    before = admin_client.get("/reports/credentials/revocations").get_json()
    assert before["revokedCredentials"] == []
    response = admin_client.post(f"/reports/certificates/{pdf_id}/revoke",
                                 data={"reason": "Issued to the wrong student by mistake"},
                                 follow_redirects=True)
    assert "are revoked" in response.get_data(as_text=True)
    for doc_id in (pdf_id, credential_id):
        page = admin_client.get(f"/verify/{doc_id}").get_data(as_text=True)
        assert "Revoked" in page and "Issued to the wrong student by mistake" in page
    after = admin_client.get("/reports/credentials/revocations").get_json()
    assert after["revokedCredentials"] == [{
        "id": credential_url, "revocationReason": "Issued to the wrong student by mistake"}]
    with app.app_context():
        assert certificates.get_certificate(credential_id).status == "revoked"
        with pytest.raises(Conflict):
            certificates.revoke_certificate(certificates.get_certificate(pdf_id), "again",
                                            None)


def test_a_second_certificate_conflicts_unless_reissued_then_supersedes(app, school):
    with app.test_request_context():
        first = issue(school)
        with pytest.raises(Conflict, match="already has a valid certificate"):
            issue(school)
        second = issue(school, reissue=True)
        assert second.pdf.supersedes_id == first.pdf.id
        assert second.credential.supersedes_id == first.credential.id
        assert certificates.get_certificate(first.pdf.id).status == "superseded"
        assert second.status == "valid"


def test_no_certificate_before_the_course_is_completed(app, school):
    with app.test_request_context():
        with pytest.raises(ValidationError, match="has not completed GD101"):
            certificates.issue_for_course(db.session.get(User, school.halfway_id), course(),
                                          None)


def test_no_certificate_on_a_result_the_course_does_not_trust(app, school, admin_client):
    """A score from a source the course does not accept (here: the quiz's row as if it
    came from content) refuses the certificate, names the item and the rule; the page
    lists what the certificate would rest on."""
    with app.test_request_context():
        db.session.execute(update(ItemProgress).where(
            ItemProgress.user_id == school.finished_id, ItemProgress.item_key == "check")
            .values(provenance="content-reported"))
        db.session.commit()
        with pytest.raises(ValidationError) as info:
            certificates.issue_for_course(db.session.get(User, school.finished_id), course(),
                                          None)
        assert "Check: the score 80 is content-reported; GD101 accepts only server-marked, " \
            "instructor-graded." in info.value.message
    page = admin_client.get("/reports/certificates?check_student=JDU26001&check_course=GD101")
    html = page.get_data(as_text=True)
    assert "refused: some results come from sources the course does not accept" in html
    assert "content-reported" in html
    # An administrator accepts content-reported scores for this course: issued.
    with app.test_request_context():
        catalog.set_trusted_provenance(course(), ["server-marked", "instructor-graded",
                                                  "content-reported"])
        certificates.issue_for_course(db.session.get(User, school.finished_id), course(), None)


def test_bulk_issue_for_a_cohort(app, school, admin_client):
    response = admin_client.post("/reports/certificates/bulk",
                                 data={"cohort": school.cohort, "course": school.course},
                                 follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "1 certificates issued; 3 students skipped." in html
    assert "has not completed GD101" in html
    with app.app_context():
        issued = certificates.list_certificates(code="GD101")
        assert [c.pdf.subject_id for c in issued] == [school.finished_id]
        again = certificates.bulk_issue(cohort_by_code(school.cohort), None, course=course())
        assert again.issued == [] and len(again.skipped) == 4  # already has one: skipped


def test_programme_certificate(app, school):
    with app.test_request_context():
        program = db.session.scalar(select(Program).where(Program.code == "GAME"))
        jdu, tut = (db.session.scalar(select(Institution).where(Institution.code == c))
                    for c in ("JDU", "TUT"))
        requirements.add_requirement(program, jdu, "total", None, credits=3)
        requirements.add_requirement(program, tut, "total", None, credits=2)
        certificate = certificates.issue_for_programme(
            db.session.get(User, school.finished_id), program, None)
        credential = stored_credential(certificate)
        assert certificate.scope == "programme" and certificate.code == "GAME"
        assert credential["issuer"]["name"] == "Japan Digital University"
        assert credential["credentialSubject"]["achievement"]["achievementType"] == \
            "LearningProgram"
        assert openbadges.verify(credential).valid
        with pytest.raises(ValidationError) as exc:
            certificates.issue_for_programme(db.session.get(User, school.halfway_id),
                                             program, None)
        assert any("Credits in total" in d["message"] for d in exc.value.details)


def test_public_addresses_a_credential_points_to(app, school, client):
    with app.test_request_context():
        certificate = issue(school)
        data = documents.document_bytes(certificate.credential)
        pdf_id, credential_id = certificate.pdf.id, certificate.credential.id
        raw = openbadges.raw_public(documents.public_key())
    for doc_id in (pdf_id, credential_id):  # either id finds the credential
        response = client.get(f"/reports/credentials/{doc_id}")
        assert response.status_code == 200 and response.data == data
        assert response.mimetype == "application/ld+json"
    assert client.get("/reports/credentials/nope").status_code == 404
    multikey = client.get("/reports/keys/multikey.json").get_json()
    method = multikey["verificationMethod"][0]
    assert method["type"] == "Multikey" and method["controller"] == multikey["id"]
    assert openbadges.public_key_from_multibase(method["publicKeyMultibase"]).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw) == raw
    assert multikey["assertionMethod"] == [method["id"]]
    achievement = client.get("/reports/achievements/course/GD101").get_json()
    assert achievement["type"] == ["Achievement"] and achievement["humanCode"] == "GD101"
    assert client.get("/reports/achievements/course/NOPE").status_code == 404
    # The credential file checks out on its own verification page (the upload check).
    page = client.post(f"/verify/{credential_id}", data={"file": (io.BytesIO(data),
                                                                  "badge.json")},
                       content_type="multipart/form-data")
    assert "The file matches" in page.get_data(as_text=True)
