"""Issued documents (transcripts, diploma supplements, and the completion reports and
certificates of other features): immutable snapshots of bytes with their SHA-256 and an
Ed25519 signature. Database triggers refuse UPDATE and DELETE on both tables: a
revocation is a row of its own, and a newer document names the one it supersedes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db


class IssuedDocument(db.Model):
    __tablename__ = "issued_documents"
    __cache_scope__ = "ignored"  # lms.core.stamps

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # random, 144 bits
    kind: Mapped[str] = mapped_column(String(40))  # transcript, diploma_supplement, ...
    language: Mapped[str] = mapped_column(String(16))  # "ja", "uz+en" ...
    title: Mapped[dict] = mapped_column(JsonType)  # the document's name, per language
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject_name: Mapped[str] = mapped_column(String(200))  # as printed
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    issuer_name: Mapped[dict] = mapped_column(JsonType)  # language -> name, as printed
    params: Mapped[dict] = mapped_column(JsonType, default=dict)  # what was asked for
    storage_path: Mapped[str] = mapped_column(String(400))  # relative to the media root
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    signature: Mapped[str] = mapped_column(String(128))  # base64 Ed25519
    key_id: Mapped[str] = mapped_column(String(64))
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("issued_documents.id"),
                                                      unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subject = relationship("User", foreign_keys=[subject_id])
    issuer = relationship("Institution")
    issued_by = relationship("User", foreign_keys=[issued_by_id])
    revocation: Mapped[DocumentRevocation | None] = relationship(
        back_populates="document", uselist=False)


class DocumentRevocation(db.Model):
    __tablename__ = "document_revocations"
    __cache_scope__ = "ignored"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("issued_documents.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[IssuedDocument] = relationship(back_populates="revocation")
    revoked_by = relationship("User")
