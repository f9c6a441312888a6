"""Open Badges 3.0 credentials: build, sign and verify an OpenBadgeCredential.

The credential is a W3C Verifiable Credential 2.0 whose @context is the VC 2.0 and the
Open Badges 3.0.3 contexts, secured with a Data Integrity proof (DataIntegrityProof) made
with the platform's Ed25519 key (the records feature's signing key, kept outside the
database).

Cryptosuite: eddsa-jcs-2022 (W3C Data Integrity EdDSA Cryptosuites v1.0, section 3.3).
eddsa-rdfc-2022 would need RDF Dataset Canonicalization of the JSON-LD, which no
installed package does offline; JCS (RFC 8785, lms/reports/jcs.py) canonicalises the
JSON itself, needs no context documents at all, and is one of the two suites the
specification defines for Ed25519. Exactly as sections 3.3.1 (Create Proof), 3.3.5
(Proof Configuration) and 3.3.2 (Verify Proof) say:

    proof       = the proof options (type, cryptosuite, created, verificationMethod,
                  proofPurpose) and @context = the document's @context, PUBLISHED in
                  the proof (3.3.1 step 2)
    proofConfig = the proof without proofValue, as it stands (3.3.5: nothing added)
    hashData    = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document without proof))
    proofValue  = "z" + base58btc(Ed25519-sign(hashData))

A verifier takes the proof as published: if it carries @context, the document's
@context must start with it and the document is hashed with the proof's @context
(3.3.2 step 4); if it carries none, none is hashed in the configuration.

Before the fix the proof was signed over a configuration that included the document's
@context but published without it, so no verifier following the specification could
rebuild what was signed (Digital Bazaar's answered "Invalid signature"). ``verify``
rejects that form, and says so by name (``Verification.pre_fix``) so those credentials
can be listed and reissued (``flask lms report reissue-badges``), never rewritten.

The verification method is a did:key (the public key itself, multibase-encoded with the
ed25519-pub multicodec prefix), so anyone can check a credential offline with nothing but
the credential; the issuer's id is the same DID, so the key provably belongs to the
issuer. The same key is published as a Multikey controller document at
/reports/keys/multikey.json, as PEM at /records/keys/ed25519.pem and as a JWKS.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from lms.reports.jcs import CanonicalizationError, canonicalize

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
SCHEMA_ID = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
             "ob_v3p0_achievementcredential_schema.json")
SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
STATUS_TYPE = "1EdTechRevocationList"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub, as an unsigned varint
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


# --- base58btc multibase and did:key ---------------------------------------------------


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for ch in text:
        index = _ALPHABET.find(ch)
        if index < 0:
            raise ValueError(f"'{ch}' is not a base58btc character")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_multibase(key: Ed25519PublicKey) -> str:
    return "z" + base58btc(_ED25519_PUB + raw_public(key))


def did_key(key: Ed25519PublicKey) -> str:
    return "did:key:" + public_key_multibase(key)


def verification_method(key: Ed25519PublicKey) -> str:
    multibase = public_key_multibase(key)
    return f"did:key:{multibase}#{multibase}"


def public_key_from_multibase(multibase: str) -> Ed25519PublicKey:
    if not multibase.startswith("z"):
        raise ValueError("only base58btc multibase (z...) keys are understood")
    data = base58btc_decode(multibase[1:])
    if not data.startswith(_ED25519_PUB) or len(data) != 34:
        raise ValueError("not an Ed25519 public key (multicodec 0xed)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def public_key_from_did(method: str) -> Ed25519PublicKey:
    """The key of a did:key verification method (did:key:z6Mk...#z6Mk...)."""
    did = method.split("#", 1)[0]
    if not did.startswith("did:key:"):
        raise ValueError("the verification method is not a did:key")
    return public_key_from_multibase(did[len("did:key:"):])


def controller_document(key: Ed25519PublicKey) -> dict:
    """The did:key's DID document: a controller document with one Multikey, published
    at a stable address so the key can be read without resolving the DID."""
    did, method = did_key(key), verification_method(key)
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [{"id": method, "type": "Multikey", "controller": did,
                                "publicKeyMultibase": public_key_multibase(key)}],
        "assertionMethod": [method],
        "authentication": [method],
    }


# --- signing and verifying -------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class ProofError(ValueError):
    """The proof options are not an eddsa-jcs-2022 DataIntegrityProof's."""


_XSD_DATETIME = re.compile(
    r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")


def proof_configuration(options: dict) -> bytes:
    """Section 3.3.5: the JCS bytes of the proof options (without proofValue), taken as
    they are; the caller has already put @context into them (3.3.1 step 2) or received
    them so (3.3.2)."""
    config = {k: v for k, v in options.items() if k != "proofValue"}
    if config.get("type") != PROOF_TYPE or config.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"the proof is not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    created = config.get("created")
    if created is not None and not (isinstance(created, str)
                                    and _XSD_DATETIME.fullmatch(created)):
        raise ProofError("the proof's created is not an XML Schema dateTime")
    return canonicalize(config)


def hash_data(unsecured: dict, canonical_config: bytes) -> bytes:
    """Section 3.3.4: SHA-256 of the proof configuration, then of the JCS document."""
    return (hashlib.sha256(canonical_config).digest()
            + hashlib.sha256(canonicalize(unsecured)).digest())


def _pre_fix_hash_data(unsecured: dict, proof: dict) -> bytes:
    """What credentials issued before the fix were signed over: the document's
    @context added to a configuration whose proof was then published without it. Only
    for recognising those credentials; nothing is signed this way any more."""
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = unsecured.get("@context")
    return (hashlib.sha256(canonicalize(config)).digest()
            + hashlib.sha256(canonicalize(unsecured)).digest())


def sign(document: dict, private_key: Ed25519PrivateKey, created: datetime) -> dict:
    """The document with a DataIntegrityProof (eddsa-jcs-2022) added, as a proof set of
    one (the Open Badges schema wants ``proof`` as an array). The proof carries the
    document's @context (section 3.3.1 step 2), which is what it is signed with."""
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": timestamp(created),
        "verificationMethod": verification_method(private_key.public_key()),
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    signature = private_key.sign(hash_data(unsecured, proof_configuration(proof)))
    proof["proofValue"] = "z" + base58btc(signature)
    return {**unsecured, "proof": [proof]}


PRE_FIX_REASON = ("signed with the pre-fix proof configuration (the proof's @context "
                  "left out): superseded, reissue")


@dataclass
class Verification:
    valid: bool
    reason: str  # why not, in English (a developer's message), or "ok"
    verification_method: str | None = None
    # Not valid, but a proof made before the fix that does check out under the old
    # configuration: the credential is genuine and must be reissued, not trusted.
    pre_fix: bool = False


def _as_list(context) -> list:
    return context if isinstance(context, list) else [context]


def _check_proof(document: dict, proof: dict, public_key: Ed25519PublicKey | None
                 ) -> Verification:
    """Section 3.3.2 for one proof of the document."""
    method = proof.get("verificationMethod")
    if proof.get("proofPurpose") != "assertionMethod":
        return Verification(False, "not a proof for assertionMethod", method)
    if not isinstance(method, str):
        return Verification(False, "the proof names no verification method")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return Verification(False, "the proofValue is not base58btc multibase", method)
    unsecured = {k: v for k, v in document.items() if k != "proof"}  # step 1
    options = {k: v for k, v in proof.items() if k != "proofValue"}  # step 2
    if "@context" in options:  # step 4
        context = _as_list(options["@context"])
        mine = _as_list(document.get("@context"))
        if mine[:len(context)] != context:
            return Verification(False, "the document's @context does not start with the "
                                "proof's @context", method)
        unsecured["@context"] = options["@context"]
    try:
        key = public_key or public_key_from_did(method)
        if public_key is None:
            issuer = document.get("issuer")
            issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
            if issuer_id != method.split("#", 1)[0]:
                return Verification(False, "the signing key is not the issuer's DID", method)
        signature = base58btc_decode(value[1:])
        data = hash_data(unsecured, proof_configuration(options))  # steps 5-7
    except (ValueError, CanonicalizationError) as exc:
        return Verification(False, f"the proof cannot be checked: {exc}", method)
    try:
        key.verify(signature, data)  # step 8
    except InvalidSignature:
        pass
    else:
        return Verification(True, "ok", method)
    if "@context" not in options:
        try:
            key.verify(signature, _pre_fix_hash_data(unsecured, options))
        except (InvalidSignature, CanonicalizationError):
            pass
        else:
            return Verification(False, PRE_FIX_REASON, method, pre_fix=True)
    return Verification(False, "the signature does not verify", method)


def verify(document: dict, public_key: Ed25519PublicKey | None = None) -> Verification:
    """Check the credential's eddsa-jcs-2022 proofs, offline, as section 3.3.2 says:
    valid only if every one verifies. A credential signed before the fix is not valid;
    its result has ``pre_fix`` set and says "superseded, reissue".

    With ``public_key`` the proof must be made with that key (e.g. the platform's, read
    from its PEM); without, the key comes from the did:key verification method, and the
    issuer must be that same DID (else anyone could sign a credential naming any
    issuer)."""
    if not isinstance(document, dict):
        return Verification(False, "not a JSON object")
    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs] if isinstance(proofs, dict) \
        else []
    proofs = [p for p in proofs if isinstance(p, dict) and p.get("cryptosuite") == CRYPTOSUITE]
    if not proofs:
        return Verification(False, f"no {CRYPTOSUITE} proof")
    results = [_check_proof(document, proof, public_key) for proof in proofs]
    for result in results:
        if not result.valid and not result.pre_fix:
            return result
    return next((r for r in results if r.pre_fix), results[0])


def identity_hash(email: str, salt: str) -> str:
    """An IdentityHash: 'sha256$' and the hex SHA-256 of the e-mail and the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
