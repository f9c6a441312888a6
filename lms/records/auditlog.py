"""Appending to the hash-chained audit log, and checking the chain.

Callers append inside their own transaction, after their changes are flushed and before
they commit, so a change and its audit row are committed together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text

from lms.core.db import utcnow
from lms.extensions import db
from lms.records.models import AuditLog

GENESIS = "0" * 64
_PG_LOCK = 5_130_417  # any constant: one advisory lock serialises appends on PostgreSQL


def _plain(value):
    """JSON-safe values that survive a round trip through JSON and JSONB unchanged."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal, date, float: as text, so no precision is lost


def content_hash(*, prev_hash: str, at: datetime, actor_id, actor: str, action: str,
                 entity: str, entity_id: str, data: dict) -> str:
    at = at.astimezone(UTC).replace(tzinfo=None)
    payload = json.dumps({
        "prev": prev_hash, "at": at.isoformat(timespec="microseconds"), "actor_id": actor_id,
        "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
        "data": data,
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _row_hash(row: AuditLog) -> str:
    return content_hash(prev_hash=row.prev_hash, at=row.at, actor_id=row.actor_id,
                        actor=row.actor, action=row.action, entity=row.entity,
                        entity_id=row.entity_id, data=row.data or {})


def append(actor, action: str, entity: str, entity_id, data: dict | None = None) -> AuditLog:
    """Add one audit row chained to the last one; the caller commits."""
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    last = db.session.scalar(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1))
    prev = last or GENESIS
    at = utcnow()
    actor_id = getattr(actor, "id", None)
    actor_label = getattr(actor, "email", None) or "system"
    clean = _plain(data or {})
    row = AuditLog(at=at, actor_id=actor_id, actor=actor_label, action=action, entity=entity,
                   entity_id=str(entity_id), data=clean, prev_hash=prev)
    row.hash = content_hash(prev_hash=prev, at=at, actor_id=actor_id, actor=actor_label,
                            action=action, entity=entity, entity_id=str(entity_id), data=clean)
    db.session.add(row)
    db.session.flush()
    return row


@dataclass
class ChainReport:
    rows: int
    broken: list[str]  # one line per problem, with the row id

    @property
    def ok(self) -> bool:
        return not self.broken


def verify_chain(batch: int = 1000) -> ChainReport:
    """Walk the log in order: every row's hash must match its content and its
    ``prev_hash`` the row before it. Reads in batches (the session holds rows weakly),
    so any size of log fits."""
    broken: list[str] = []
    expected_prev = GENESIS
    count = 0
    last_id = 0
    while True:
        rows = db.session.scalars(select(AuditLog).where(AuditLog.id > last_id)
                                  .order_by(AuditLog.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            count += 1
            if row.prev_hash != expected_prev:
                broken.append(f"row {row.id}: it follows {row.prev_hash[:12]}…, but the row "
                              f"before it has {expected_prev[:12]}… (a row is missing or "
                              "was replaced)")
            if _row_hash(row) != row.hash:
                broken.append(f"row {row.id}: its content does not match its hash (altered)")
            expected_prev = row.hash
            last_id = row.id
    return ChainReport(count, broken)


APPEND_ONLY_TABLES = ("audit_log", "issued_documents", "document_revocations",
                      "credit_records")


def missing_triggers() -> list[str]:
    """The append-only tables whose UPDATE/DELETE triggers are gone (a table rebuilt by a
    SQLite batch migration loses them, for instance); one line per problem."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        present = set(db.session.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        wanted = {f"trg_{t}_no_{a}": t for t in APPEND_ONLY_TABLES for a in ("update", "delete")}
    elif dialect == "postgresql":
        present = set(db.session.scalars(text(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace AND t.tgenabled <> 'D' "
            "AND NOT t.tgisinternal")))
        wanted = {f"trg_{t}_append_only": t for t in APPEND_ONLY_TABLES}
    else:
        return [f"append-only triggers are not known for {dialect}"]
    return [f"table {table}: trigger {name} is missing or disabled"
            for name, table in wanted.items() if name not in present]


def history(entity: str, entity_ids: list, limit: int = 200) -> list[AuditLog]:
    ids = [str(i) for i in entity_ids]
    if not ids:
        return []
    return db.session.scalars(select(AuditLog).where(
        AuditLog.entity == entity, AuditLog.entity_id.in_(ids))
        .order_by(AuditLog.id.desc()).limit(limit)).all()
