"""Readiness checks: is the database answering, and is its schema at the migrations' head.

The database check runs in a helper thread so that a server that accepts the connection
and then says nothing (a blackholed host, a hung primary) cannot hold the probe longer
than its budget. At most one such thread per app is ever waiting: while it is, the next
probe fails at once instead of starting another.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

from flask import Flask, current_app
from sqlalchemy.engine import Engine

READY_BUDGET = 1.0  # seconds: the database must answer within this


@dataclass
class Check:
    ok: bool
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"ok": self.ok, **({"detail": self.detail} if self.detail else {}), **self.extra}


@lru_cache(maxsize=8)
def script_heads(directory: str) -> tuple[str, ...]:
    """The head revision(s) of the migration scripts (read once per process)."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory(directory).get_heads()))


def migrations_directory(app: Flask | None = None) -> str:
    app = app or current_app
    return str(app.extensions["migrate"].directory)


def _probe(engine: Engine, out: dict) -> None:
    """Runs in the helper thread: connect, SELECT 1, read alembic_version."""
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                # The server gives up too: no query of ours outlives the probe.
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(READY_BUDGET * 1000)}")
            conn.exec_driver_sql("SELECT 1")
            out["db_ms"] = round((time.perf_counter() - started) * 1000, 1)
            try:
                rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
                out["versions"] = tuple(sorted(r[0] for r in rows))
            except Exception as exc:  # noqa: BLE001 - reported as the migrations check
                out["version_error"] = exc
            conn.rollback()
    except Exception as exc:  # noqa: BLE001 - reported as the database check
        out["db_error"] = exc


def readiness(app: Flask, engine: Engine, budget: float = READY_BUDGET) -> dict[str, Check]:
    """{"database": Check, "migrations": Check}; never takes much longer than ``budget``."""
    state = app.extensions.setdefault("ops", {})
    lock = state.setdefault("ready_lock", threading.Lock())
    if not lock.acquire(blocking=False):
        return {"database": Check(False, "the previous check is still waiting for the "
                                         "database"),
                "migrations": Check(False, "not checked: the database did not answer")}
    out: dict = {}

    def run():
        try:
            _probe(engine, out)
        finally:
            lock.release()

    thread = threading.Thread(target=run, name="readyz-probe", daemon=True)
    thread.start()
    thread.join(budget)
    if thread.is_alive():
        app.logger.warning("readyz: the database did not answer within %.1f s", budget)
        return {"database": Check(False, f"no answer within {budget:g} s"),
                "migrations": Check(False, "not checked: the database did not answer")}
    if "db_error" in out:
        exc = out["db_error"]
        app.logger.warning("readyz: database unreachable: %s", exc)
        # The class name only: driver messages can name hosts and users.
        return {"database": Check(False, f"unreachable ({type(exc).__name__})"),
                "migrations": Check(False, "not checked: the database did not answer")}
    database = Check(True, extra={"ms": out.get("db_ms")})
    heads = script_heads(migrations_directory(app))
    if "version_error" in out:
        app.logger.warning("readyz: no migration state: %s", out["version_error"])
        return {"database": database,
                "migrations": Check(False, "no alembic_version table: run flask db upgrade",
                                    {"expected": list(heads)})}
    versions = out.get("versions", ())
    if versions != heads:
        return {"database": database,
                "migrations": Check(False, "the database is not at the migrations' head",
                                    {"current": list(versions), "expected": list(heads)})}
    return {"database": database, "migrations": Check(True, extra={"current": list(versions)})}
