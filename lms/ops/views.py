"""/healthz and /readyz: answers for machines (load balancers, orchestrators, monitors).

Both are JSON, never cached, and need no sign-in. Their words are for operators, not
students, so they are not translated (like the command line).
"""

from __future__ import annotations

from flask import current_app, jsonify

from lms.extensions import db
from lms.ops import bp, health


def _no_store(response, status: int = 200):
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """The process is up and serving. Touches nothing else (no database)."""
    return _no_store(jsonify({"status": "ok"}))


@bp.get("/readyz")
def readyz():
    """200 when the database answers within a second and is at the migrations' head;
    503 naming the check that failed otherwise."""
    checks = health.readiness(current_app._get_current_object(), db.engine)
    failed = [name for name, check in checks.items() if not check.ok]
    body = {"status": "unavailable" if failed else "ready", "failed": failed,
            "checks": {name: check.as_dict() for name, check in checks.items()}}
    response = _no_store(jsonify(body), 503 if failed else 200)
    if failed:
        response.headers["Retry-After"] = "5"
    return response
