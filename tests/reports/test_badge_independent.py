"""Open Badges credentials checked by someone else's code: the W3C specification's own
eddsa-jcs-2022 test vector (Data Integrity EdDSA Cryptosuites v1.0, appendix B.3)
reproduced bit for bit, and Digital Bazaar's implementation
(@digitalbazaar/eddsa-jcs-2022-cryptosuite with jsonld-signatures, run by Node from
tests/reports/badgeverifier, offline) verifying a certificate exactly as the platform
serves it, and refusing it once one field changes. Our own verifier must agree each time.

Before the fix the proof was signed over a configuration with the document's @context
but published without it: Digital Bazaar's verifier said "Invalid signature".
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Course
from lms.extensions import db
from lms.reports import certificates, openbadges
from lms.reports.jcs import canonicalize
from tests.conftest import PROJECT_ROOT, SHARED_TESTDATA, shared_file, unavailable

VERIFIER = PROJECT_ROOT / "tests" / "reports" / "badgeverifier"
CONTEXTS = SHARED_TESTDATA / "openbadges" / "contexts"

# --- the specification's test vector (appendix B.3, "Representation: eddsa-jcs-2022") ---

SPEC_SECRET_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"  # Example 29
SPEC_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SPEC_CONTEXT = ["https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2"]
SPEC_CREDENTIAL = {  # Example 30: Credential without Proof
    "@context": SPEC_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
SPEC_CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
SPEC_METHOD = f"did:key:{SPEC_PUBLIC_KEY}#{SPEC_PUBLIC_KEY}"
SPEC_DOCUMENT_HASH = "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
SPEC_CANONICAL_PROOF_CONFIG = (  # Example 34
    '{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/'
    'examples/v2"],"created":"2023-02-24T23:36:38Z","cryptosuite":"eddsa-jcs-2022",'
    '"proofPurpose":"assertionMethod","type":"DataIntegrityProof","verificationMethod":'
    f'"{SPEC_METHOD}"}}')
SPEC_PROOF_CONFIG_HASH = "66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db"
SPEC_SIGNATURE_HEX = ("407cd12654b33d718ecbb99179a1506daaa849450bf3fc523cce3e1c96f8b803"
                      "51da3f253d725c6f00b07c9e5448d50b3ef78012b9ab54255116d069c6dd2808")
SPEC_PROOF_VALUE = ("z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFu"
                    "UfjoJdcnTMuVor51aX")
SPEC_SIGNED_PROOF = {  # the proof of Example 39: Signed Credential
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-jcs-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": SPEC_METHOD,
    "proofPurpose": "assertionMethod",
    "@context": SPEC_CONTEXT,
    "proofValue": SPEC_PROOF_VALUE,
}


def spec_private_key() -> Ed25519PrivateKey:
    secret = openbadges.base58btc_decode(SPEC_SECRET_KEY[1:])
    assert secret[:2] == b"\x80\x26" and len(secret) == 34  # multicodec ed25519-priv
    return Ed25519PrivateKey.from_private_bytes(secret[2:])


def sign_pre_fix(document: dict, private_key: Ed25519PrivateKey, created: datetime) -> dict:
    """Test-only: a credential signed as the platform did before the fix, i.e. over a
    proof configuration with the document's @context, published without it."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
             "created": openbadges.timestamp(created),
             "verificationMethod": openbadges.verification_method(private_key.public_key()),
             "proofPurpose": "assertionMethod"}
    config = {**proof, "@context": unsecured["@context"]}
    data = hashlib.sha256(canonicalize(config)).digest() + hashlib.sha256(
        canonicalize(unsecured)).digest()
    proof["proofValue"] = "z" + openbadges.base58btc(private_key.sign(data))
    return {**unsecured, "proof": [proof]}


def test_spec_vector_eddsa_jcs_2022_reproduced_bit_for_bit():
    key = spec_private_key()
    assert openbadges.public_key_multibase(key.public_key()) == SPEC_PUBLIC_KEY
    assert hashlib.sha256(canonicalize(SPEC_CREDENTIAL)).hexdigest() == SPEC_DOCUMENT_HASH
    signed = openbadges.sign(SPEC_CREDENTIAL, key, SPEC_CREATED)
    (proof,) = signed["proof"]
    assert proof == SPEC_SIGNED_PROOF  # the proof carries the document's @context
    assert {k: v for k, v in signed.items() if k != "proof"} == SPEC_CREDENTIAL
    config = openbadges.proof_configuration(proof)
    assert config.decode() == SPEC_CANONICAL_PROOF_CONFIG
    assert hashlib.sha256(config).hexdigest() == SPEC_PROOF_CONFIG_HASH
    assert openbadges.base58btc_decode(proof["proofValue"][1:]).hex() == SPEC_SIGNATURE_HEX
    # The spec's signed credential verifies with our verifier (its issuer is not a
    # did:key, so the key is given).
    spec_signed = {**SPEC_CREDENTIAL, "proof": SPEC_SIGNED_PROOF}
    assert openbadges.verify(spec_signed, key.public_key()).valid
    # The same signature published without the proof's @context is exactly our pre-fix
    # form: not valid any more, and named as such.
    stripped = copy.deepcopy(spec_signed)
    del stripped["proof"]["@context"]
    result = openbadges.verify(stripped, key.public_key())
    assert not result.valid and result.pre_fix
    assert "pre-fix proof configuration" in result.reason and "reissue" in result.reason
    assert sign_pre_fix(SPEC_CREDENTIAL, key, SPEC_CREATED)["proof"][0] == {
        k: v for k, v in SPEC_SIGNED_PROOF.items() if k != "@context"}


def test_proof_context_must_be_a_prefix_of_the_documents():
    key = spec_private_key()
    signed = openbadges.sign(SPEC_CREDENTIAL, key, SPEC_CREATED)
    # 3.3.2 step 4: the document's @context may go on after the proof's...
    longer = copy.deepcopy(signed)
    longer["@context"] = [*SPEC_CONTEXT, "https://w3id.org/security/data-integrity/v2"]
    assert openbadges.verify(longer, key.public_key()).valid
    # ...but must start with it, in the same order.
    swapped = copy.deepcopy(signed)
    swapped["@context"] = list(reversed(SPEC_CONTEXT))
    result = openbadges.verify(swapped, key.public_key())
    assert not result.valid and not result.pre_fix and "@context" in result.reason
    # A proof of another type or cryptosuite is not checked as this one.
    other = copy.deepcopy(signed)
    other["proof"][0]["type"] = "Ed25519Signature2020"
    assert not openbadges.verify(other, key.public_key()).valid


# --- the independent verifier (Node) ---------------------------------------------------


@pytest.fixture
def badge_verifier():
    """run(credential) -> the verifier's JSON answer; skips (fails in CI) when Node, the
    installed packages or the shared context files are missing."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed (Debian: nodejs npm)")
    if not (VERIFIER / "node_modules" / "@digitalbazaar" / "eddsa-jcs-2022-cryptosuite").is_dir():
        unavailable(f"{VERIFIER}/node_modules is missing: run `make install-test`")
    for name in ("credentials-v2.jsonld", "data-integrity-v1.jsonld", "ob-v3p0-3.0.3.json"):
        shared_file(CONTEXTS / name)

    def run(credential: dict | bytes) -> dict:
        data = credential if isinstance(credential, bytes) else json.dumps(
            credential, ensure_ascii=False).encode()
        done = subprocess.run([node, str(VERIFIER / "verify.mjs"), str(CONTEXTS)],  # noqa: S603
                              input=data, capture_output=True, timeout=60, check=False)
        assert done.returncode in (0, 1), done.stderr.decode()
        answer = json.loads(done.stdout)
        assert answer["verified"] is (done.returncode == 0)
        return answer

    return run


def test_independent_verifier_accepts_the_spec_vector_and_refuses_the_pre_fix_form(
        badge_verifier):
    spec_signed = {**SPEC_CREDENTIAL, "proof": SPEC_SIGNED_PROOF}
    answer = badge_verifier(spec_signed)
    assert answer["verified"], answer
    assert answer["verificationMethod"] == SPEC_METHOD
    stripped = copy.deepcopy(spec_signed)
    del stripped["proof"]["@context"]
    answer = badge_verifier(stripped)
    assert not answer["verified"] and "Invalid signature" in answer["error"]


def test_independent_verifier_fetches_nothing(badge_verifier):
    spec_signed = copy.deepcopy({**SPEC_CREDENTIAL, "proof": SPEC_SIGNED_PROOF})
    spec_signed["proof"]["verificationMethod"] = "https://vc.example/issuers/5678#key-1"
    answer = badge_verifier(spec_signed)
    assert not answer["verified"]
    assert "network access refused" in answer["error"], answer


def _issue_through_the_page(admin_client, school) -> str:
    """Issue the finished student's GD101 certificate as an administrator does, on the
    certificates page; the id of its Open Badges credential."""
    response = admin_client.post("/reports/certificates", data={
        "student": "JDU26001", "course": school.course}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Certificate issued" in html, re.findall(r'class="flash[^"]*">([^<]*)', html)
    with admin_client.application.app_context():
        certificate = certificates.current_certificate(
            db.session.get(User, school.finished_id), "course", school.course)
        return certificate.credential.id


def _served(app, credential_id: str) -> bytes:
    """The credential as anyone downloads it: its public address, no login."""
    response = app.test_client().get(f"/reports/credentials/{credential_id}")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    return response.data


def test_issued_certificate_verifies_independently_and_one_changed_field_does_not(
        app, school, admin_client, badge_verifier):
    data = _served(app, _issue_through_the_page(admin_client, school))
    credential = json.loads(data)
    (proof,) = credential["proof"]
    assert proof["@context"] == credential["@context"]
    answer = badge_verifier(data)  # the bytes exactly as served
    assert answer["verified"], answer
    assert answer["verificationMethod"] == proof["verificationMethod"]
    assert answer["controller"] == credential["issuer"]["id"]  # the key is the issuer's
    # Read as JSON-LD with the three local contexts, every property is defined; the only
    # undefined names are 1EdTech's two type names, used as 1EdTech's own complete example
    # uses them (no context defines them; JCS signs the JSON, so this is not a defect).
    assert answer["jsonld"] == {"ok": True, "error": None, "undefined": [
        "1EdTechJsonSchemaValidator2019", "1EdTechRevocationList"]}
    assert openbadges.verify(credential).valid
    for path, value in ((("credentialSubject", "achievement", "name"), "Game Design Basics"),
                        (("name",), "Certificate of completion: something else"),
                        (("credentialSubject", "creditsEarned"), 3.0),
                        (("validFrom",), "2020-01-01T00:00:00Z")):
        changed = copy.deepcopy(credential)
        target = changed
        for step in path[:-1]:
            target = target[step]
        assert target[path[-1]] != value
        target[path[-1]] = value
        answer = badge_verifier(changed)
        assert not answer["verified"] and "Invalid signature" in answer["error"], path
        ours = openbadges.verify(changed)
        assert not ours.valid and not ours.pre_fix, path


def test_a_pre_fix_credential_is_refused_by_both_and_named_by_ours(
        app, school, admin_client, badge_verifier, monkeypatch):
    monkeypatch.setattr(openbadges, "sign", sign_pre_fix)  # how it was issued before the fix
    data = _served(app, _issue_through_the_page(admin_client, school))
    monkeypatch.undo()
    credential = json.loads(data)
    assert "@context" not in credential["proof"][0]
    answer = badge_verifier(data)
    assert not answer["verified"] and "Invalid signature" in answer["error"]
    ours = openbadges.verify(credential)
    assert not ours.valid and ours.pre_fix
    assert ours.reason == openbadges.PRE_FIX_REASON
    # Reissued through the platform, the new credential passes both.
    with app.test_request_context():
        student = db.session.get(User, school.finished_id)
        course = db.session.scalar(select(Course).where(Course.code == school.course))
        new = certificates.issue_for_course(student, course, None, reissue=True)
        new_id = new.credential.id
    fresh = _served(app, new_id)
    assert badge_verifier(fresh)["verified"]
    assert openbadges.verify(json.loads(fresh)).valid
