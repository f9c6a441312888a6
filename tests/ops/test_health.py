"""/healthz answers without the database; /readyz checks the database and migrations."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from lms import create_app
from lms.extensions import db
from lms.ops import health
from tests.conftest import base_config


def _heads(app):
    return list(health.script_heads(health.migrations_directory(app)))


@pytest.fixture
def revision(app):
    """set(value) rewrites alembic_version; the real revision is put back afterwards
    (on PostgreSQL the table outlives the test)."""
    with app.app_context():
        original = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def set_revision(value: str):
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": value})
            db.session.commit()

    yield set_revision
    set_revision(original)


def test_healthz_is_up_without_touching_the_database(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path}/missing/dir/x.sqlite3", tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_when_the_database_answers_and_is_at_head(client, app):
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ready" and body["failed"] == []
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"] == {"ok": True, "current": _heads(app)}


def test_not_ready_when_migrations_are_behind(client, app, revision):
    script = ScriptDirectory(health.migrations_directory(app))
    head = script.get_revision(_heads(app)[0])
    revision(head.down_revision)
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["failed"] == ["migrations"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["current"] == [head.down_revision]
    assert body["checks"]["migrations"]["expected"] == _heads(app)
    assert "Retry-After" in response.headers


def test_not_ready_when_the_database_is_at_an_unknown_revision(client, revision):
    revision("ffffffffffff")
    body = client.get("/readyz").get_json()
    assert body["failed"] == ["migrations"]
    assert body["checks"]["migrations"]["current"] == ["ffffffffffff"]


def test_not_ready_without_migrations(tmp_path):
    # An empty database: reachable, but never migrated.
    app = create_app(base_config(f"sqlite:///{tmp_path}/empty.sqlite3", tmp_path))
    response = app.test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["failed"] == ["migrations"]
    assert "flask db upgrade" in body["checks"]["migrations"]["detail"]


@pytest.mark.parametrize("url", [
    "sqlite:///{tmp}/no/such/folder/x.sqlite3",
    "postgresql://kakehashi@127.0.0.1:1/nothing",  # nothing listens on port 1
])
def test_not_ready_when_the_database_is_unreachable(tmp_path, url):
    app = create_app(base_config(url.format(tmp=tmp_path), tmp_path))
    response = app.test_client().get("/readyz")
    body = response.get_json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["failed"] == ["database", "migrations"]
    assert body["checks"]["database"]["detail"].startswith("unreachable")
    assert "127.0.0.1" not in response.get_data(as_text=True)  # no connection details


def test_a_silent_database_costs_the_probe_one_second_at_most(tmp_path):
    """A server that accepts the connection and never answers (a hung host)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    app = create_app(base_config(f"postgresql://kakehashi@127.0.0.1:{port}/x", tmp_path))
    client = app.test_client()
    try:
        started = time.monotonic()
        body = client.get("/readyz").get_json()
        elapsed = time.monotonic() - started
        assert body["failed"] == ["database", "migrations"]
        assert body["checks"]["database"]["detail"] == "no answer within 1 s"
        assert elapsed < 1.8
        # While that probe still waits, the next one fails at once instead of piling up.
        started = time.monotonic()
        body = client.get("/readyz").get_json()
        assert time.monotonic() - started < 0.5
        assert "still waiting" in body["checks"]["database"]["detail"]
    finally:
        listener.close()  # the waiting connection is refused; its thread ends
        for thread in threading.enumerate():
            if thread.name == "readyz-probe":
                thread.join(10)
        with app.app_context():
            db.engine.dispose()
