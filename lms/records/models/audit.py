"""The audit log: every change to results, records, scales and issued documents.

Each row carries the SHA-256 of its content and of the row before it, so removing or
altering a row breaks the chain (`flask --app app lms records verify-chain`). Database
triggers refuse UPDATE and DELETE. ``prev_hash`` is unique: two writers can never both
chain onto the same row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __cache_scope__ = "ignored"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No foreign key: the log outlives accounts, and must never be touched by a cascade.
    actor_id: Mapped[int | None]
    actor: Mapped[str] = mapped_column(String(254))  # e-mail (or "system") at the time
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JsonType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
