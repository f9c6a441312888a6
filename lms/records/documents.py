"""Issued documents: immutable, hashed, signed and publicly verifiable.

Generic on purpose: transcripts use it here, and completion reports and certificates
(another feature) call ``issue_document`` with their own kind and bytes. What a caller can
rely on:

- the bytes are stored once in the media store and never rewritten; the row (kind,
  parameters, SHA-256, Ed25519 signature, who, when) cannot be updated or deleted (database
  triggers);
- the id is random (144 bits), so a document's verification address cannot be guessed;
- the status is derived, never written: revoked (a revocation row with its reason),
  superseded (a newer document names this one), otherwise valid.

The signing key is an Ed25519 private key in a PEM file outside the database
(RECORDS_SIGNING_KEY, default ``instance/records_ed25519.pem``), created on first use.
The signature covers ``signed_payload(document)``: the id, kind, SHA-256 and issue time.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app, has_request_context, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.core.db import utcnow
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.storage import media_path, scratch_file
from lms.extensions import db
from lms.records import auditlog
from lms.records.models import DocumentRevocation, IssuedDocument
from lms.records.writing import rollback_on_error

VALID, SUPERSEDED, REVOKED = "valid", "superseded", "revoked"
PAYLOAD_FORMAT = "kakehashi-document/1"


# --- the signing key ---------------------------------------------------------------


def key_path() -> Path:
    configured = current_app.config.get("RECORDS_SIGNING_KEY")
    return Path(configured) if configured else Path(current_app.instance_path) / (
        "records_ed25519.pem")


def _private_key() -> Ed25519PrivateKey:
    """Load the key, creating it once (race-safe across workers: O_EXCL, mode 600)."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError(_("%(path)s is not an Ed25519 private key.", path=str(path)))
    return key


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def public_key_pem() -> bytes:
    return public_key().public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo)


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey | None = None) -> str:
    """The first 16 bytes of the SHA-256 of the raw public key, hex (as in the JWKS kid)."""
    return hashlib.sha256(_raw_public(key or public_key())).hexdigest()[:32]


def jwks() -> dict:
    key = public_key()
    x = base64.urlsafe_b64encode(_raw_public(key)).rstrip(b"=").decode()
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key_id(key),
                      "use": "sig", "alg": "EdDSA"}]}


def signed_payload(doc: IssuedDocument) -> bytes:
    issued = doc.issued_at.astimezone(UTC).replace(microsecond=0)
    return "\n".join([PAYLOAD_FORMAT, doc.id, doc.kind, doc.sha256,
                      issued.isoformat()]).encode()


def signature_valid(doc: IssuedDocument) -> bool:
    key = public_key()
    if doc.key_id != key_id(key):
        return False  # signed with a key this platform no longer holds
    try:
        key.verify(base64.b64decode(doc.signature), signed_payload(doc))
    except (InvalidSignature, ValueError):
        return False
    return True


# --- issuing ----------------------------------------------------------------------


def new_document_id() -> str:
    """144 random bits as 24 URL-safe characters that start with a letter or digit, so
    the id can be typed as a command-line argument (a leading ``-`` reads as an option)."""
    while True:
        doc_id = secrets.token_urlsafe(18)
        if doc_id[0].isalnum():
            return doc_id


def verification_url(doc_id: str) -> str:
    base = current_app.config.get("PLATFORM_URL")
    path = url_for("verify.document", doc_id=doc_id) if has_request_context() else (
        f"/verify/{doc_id}")
    if base:
        return str(base).rstrip("/") + path
    if has_request_context():
        return request.url_root.rstrip("/") + path
    return path


@dataclass
class DocumentSpec:
    """What ``issue_document`` stores; ``data`` are the final bytes."""

    kind: str
    language: str
    title: dict
    subject_name: str
    issuer_name: dict
    data: bytes
    filename: str
    content_type: str = "application/pdf"
    subject_id: int | None = None
    issuer_id: int | None = None
    params: dict | None = None
    supersedes: IssuedDocument | None = None


def issue_document(spec: DocumentSpec, actor, *, doc_id: str | None = None) -> IssuedDocument:
    """Store, hash, sign and record one document; commits. ``doc_id`` lets the caller
    print the verification address inside the document before issuing it (take one from
    ``new_document_id``)."""
    if not spec.data:
        raise ValidationError(_("A document needs content."))
    if spec.supersedes is not None and document_status(spec.supersedes) == REVOKED:
        spec.supersedes = None  # a revoked document stays revoked, not superseded
    doc_id = doc_id or new_document_id()
    digest = hashlib.sha256(spec.data).hexdigest()
    relative = f"documents/{doc_id[:2]}/{doc_id}{Path(spec.filename).suffix or '.bin'}"
    target = media_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    with scratch_file(".part") as tmp:
        tmp.write_bytes(spec.data)
        os.chmod(tmp, 0o444)  # read-only on disk too
        os.replace(tmp, target)
    key = _private_key()
    doc = IssuedDocument(
        id=doc_id, kind=spec.kind, language=spec.language, title=spec.title,
        subject_id=spec.subject_id, subject_name=spec.subject_name[:200],
        issuer_id=spec.issuer_id, issuer_name=spec.issuer_name, params=spec.params or {},
        storage_path=relative, filename=spec.filename[:200], content_type=spec.content_type,
        size=len(spec.data), sha256=digest, signature="", key_id=key_id(key.public_key()),
        supersedes_id=spec.supersedes.id if spec.supersedes else None,
        issued_by_id=getattr(actor, "id", None), issued_at=utcnow().replace(microsecond=0))
    doc.signature = base64.b64encode(key.sign(signed_payload(doc))).decode()
    db.session.add(doc)
    try:
        db.session.flush()
        auditlog.append(actor, "document.issue", "issued_document", doc.id, {
            "kind": doc.kind, "subject": doc.subject_id, "issuer": doc.issuer_id,
            "sha256": digest, "supersedes": doc.supersedes_id, "params": doc.params})
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        target.unlink(missing_ok=True)
        raise Conflict(_("Another document replaced that one a moment ago; reload and issue "
                         "again if still needed.")) from exc
    except Exception:
        db.session.rollback()
        target.unlink(missing_ok=True)
        raise
    return doc


def latest_valid(kind: str, subject_id: int, issuer_id: int | None, language: str
                 ) -> IssuedDocument | None:
    """The newest valid document of this kind, subject, issuer and language: what a new
    one supersedes."""
    rows = db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.kind == kind, IssuedDocument.subject_id == subject_id,
        IssuedDocument.issuer_id == issuer_id if issuer_id is not None
        else IssuedDocument.issuer_id.is_(None), IssuedDocument.language == language)
        .order_by(IssuedDocument.issued_at.desc())).all()
    return next((d for d in rows if document_status(d) == VALID), None)


# --- reading, status, revocation, verification -------------------------------------


def get_document(doc_id: str) -> IssuedDocument:
    doc = db.session.get(IssuedDocument, doc_id) if doc_id and len(doc_id) <= 40 else None
    if doc is None:
        raise NotFound(_("There is no document with this id. Check the address printed on "
                         "the document."))
    return doc


def successor(doc: IssuedDocument) -> IssuedDocument | None:
    return db.session.scalar(select(IssuedDocument).where(
        IssuedDocument.supersedes_id == doc.id))


def document_status(doc: IssuedDocument) -> str:
    if doc.revocation is not None:
        return REVOKED
    return SUPERSEDED if successor(doc) is not None else VALID


@rollback_on_error
def revoke_document(doc: IssuedDocument, reason: str, actor) -> DocumentRevocation:
    """Revoke: a row with the reason. The document stays, and its verification page says
    it was revoked, when and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for revoking; it is shown on the "
                                "verification page."))
    if doc.revocation is not None:
        raise Conflict(_("This document was already revoked on %(date)s.",
                         date=doc.revocation.revoked_at.date().isoformat()))
    row = DocumentRevocation(document_id=doc.id, reason=reason[:2000],
                             revoked_by_id=getattr(actor, "id", None))
    db.session.add(row)
    try:
        db.session.flush()
        auditlog.append(actor, "document.revoke", "issued_document", doc.id,
                        {"reason": row.reason})
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("This document was revoked a moment ago by someone else.")) from exc
    db.session.refresh(doc)
    return row


def stored_path(doc: IssuedDocument) -> Path:
    return media_path(doc.storage_path)


def document_bytes(doc: IssuedDocument) -> bytes:
    return stored_path(doc).read_bytes()


def stored_copy_intact(doc: IssuedDocument) -> bool:
    try:
        return hashlib.sha256(document_bytes(doc)).hexdigest() == doc.sha256
    except OSError:
        return False


def matches(doc: IssuedDocument, data: bytes) -> bool:
    """Whether ``data`` is exactly the issued document (one changed byte is not)."""
    return secrets.compare_digest(hashlib.sha256(data).hexdigest(), doc.sha256)


def find_by_bytes(data: bytes) -> IssuedDocument | None:
    return db.session.scalar(select(IssuedDocument).where(
        IssuedDocument.sha256 == hashlib.sha256(data).hexdigest()))


def documents_of(subject_id: int) -> list[IssuedDocument]:
    return db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.subject_id == subject_id).order_by(IssuedDocument.issued_at.desc())
    ).all()


def verify_stored_documents(batch: int = 200) -> list[str]:
    """Re-hash every stored file; one line per document whose bytes changed or vanished."""
    problems, last = [], ""
    while True:
        rows = db.session.scalars(select(IssuedDocument).where(IssuedDocument.id > last)
                                  .order_by(IssuedDocument.id).limit(batch)).all()
        if not rows:
            return problems
        for doc in rows:
            if not stored_copy_intact(doc):
                problems.append(f"document {doc.id}: the stored file does not match its "
                                "SHA-256 (changed or missing)")
            if not signature_valid(doc):
                problems.append(f"document {doc.id}: the signature does not verify with "
                                "the current key")
            last = doc.id
