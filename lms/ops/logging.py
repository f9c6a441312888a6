"""Structured request logs: one JSON line per request, each with a request id.

The line is written to standard error (gunicorn and systemd collect it) by the
``lms.requests`` logger::

    {"time": "2026-04-01T09:00:00.123Z", "request_id": "9f1c...", "method": "POST",
     "path": "/api/v1/items/7/events", "status": 201, "duration_ms": 12.4,
     "user_id": 42, "remote_addr": "127.0.0.1"}

The request id comes from the header a trusted proxy sets (``REQUEST_ID_HEADER``,
default ``X-Request-ID``; nginx: ``proxy_set_header X-Request-ID $request_id;``) when it
looks like an id, and is generated otherwise; it is echoed in the response's
``X-Request-ID`` and kept in ``g.request_id`` for anything else that logs. Set
``REQUEST_ID_HEADER`` to an empty value when no proxy sets it. ``REQUEST_LOG = False``
turns the lines off.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, request, request_finished, request_started
from flask_login import AnonymousUserMixin
from sqlalchemy import inspect

logger = logging.getLogger("lms.requests")
RESPONSE_HEADER = "X-Request-ID"
# What a proxy's id looks like (nginx: 32 hex digits; others: a UUID). Anything else,
# CR/LF included, is replaced: it would forge or break log lines.
_VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def install_request_log(app: Flask) -> None:
    """Log every request of ``app`` as one JSON line; give each a request id."""
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)
    if not any(getattr(h, "_lms_request_log", False) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._lms_request_log = True
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # the line is complete; the root logger would repeat it


def _started(sender: Flask, **extra) -> None:
    g._request_started = time.perf_counter()
    g.request_id = _incoming_id(sender) or uuid.uuid4().hex


def _incoming_id(app: Flask) -> str | None:
    header = app.config.get("REQUEST_ID_HEADER", "X-Request-ID")
    if not header:
        return None
    value = request.headers.get(header, "")
    return value if _VALID_ID.match(value) else None


def _finished(sender: Flask, response, **extra) -> None:
    try:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[RESPONSE_HEADER] = request_id
        if not sender.config.get("REQUEST_LOG", True):
            return
        started = g.get("_request_started")
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user_id": _user_id(),
            "remote_addr": request.remote_addr,
        }
        logger.info(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    except Exception:  # noqa: BLE001 - a log line must never break a response
        logger.debug("request log line failed", exc_info=True)


def _user_id() -> int | None:
    """The signed-in (or token) user's id, read without a query: only a user this request
    already loaded counts, so a static file or a database outage costs nothing."""
    for user in (g.get("api_user"), g.get("_login_user")):
        if user is None or isinstance(user, AnonymousUserMixin):
            continue
        try:
            identity = inspect(user).identity  # from the identity map, never a SELECT
        except Exception:  # noqa: BLE001 - not a mapped object
            identity = None
        if identity:
            return identity[0]
    return None
