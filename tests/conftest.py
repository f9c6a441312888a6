"""Fixtures: app, client, runner, login_as(role), factories, and the test databases.

Each test gets an empty, migrated database: on SQLite a copy of a template file made
once per run; on PostgreSQL (TEST_DATABASE_URL) a schema of its own per run, emptied
before each test. Nothing is read from the developer's environment but TEST_DATABASE_URL.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from lms import create_app
from lms.extensions import db, limiter

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_TESTDATA = PROJECT_ROOT.parent / "shared" / "testdata"
TEST_SECRET = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD = "correct horse battery staple"  # noqa: S105
_counter = itertools.count(1)
# .ci/run sets CI=true after installing what the suite needs (Chromium, poppler, the
# shared test data beside the project): there a missing prerequisite fails, never skips.
IN_CI = os.environ.get("CI") == "true"


def unavailable(reason: str):
    """A prerequisite is missing: skip with the reason on a developer's machine, fail in CI."""
    if IN_CI:
        pytest.fail("needed in CI: " + reason)
    pytest.skip(reason)


def missing(condition: bool, reason: str):
    """A skipif marker that never skips in CI (the test then runs and fails loudly)."""
    return pytest.mark.skipif(condition and not IN_CI, reason=reason)


def shared_file(path: Path) -> Path:
    """A file of ../shared/testdata, or skip (fail in CI) when it is not there."""
    if not path.exists():
        unavailable(f"{path} is missing: the shared test data is not available")
    return path


def base_config(database_url: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "RATELIMIT_STORAGE_URI": "memory://",
        # Cheap hashing keeps the suite fast; production uses the defaults in auth.services.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
    }


def _migrate(url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()


class PostgresDatabase:
    def __init__(self, admin_url: str, schema: str):
        self.admin_url = admin_url
        self.schema = schema
        sep = "&" if "?" in admin_url else "?"
        self.url = f"{admin_url}{sep}options=-csearch_path%3D{schema}"

    def create(self):
        engine = sa.create_engine(self.admin_url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        engine.dispose()

    def drop(self):
        engine = sa.create_engine(self.admin_url)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        engine.dispose()

    def empty(self):
        engine = sa.create_engine(self.url)
        with engine.begin() as conn:
            tables = conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> "
                "'alembic_version'"), {"s": self.schema}).scalars().all()
            if tables:
                names = ", ".join(f'"{self.schema}"."{t}"' for t in tables)
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        engine.dispose()


def postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A migrated database made once per run (per xdist worker)."""
    tmp = tmp_path_factory.mktemp("db")
    admin_url = postgres_admin_url()
    if admin_url:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        pg = PostgresDatabase(admin_url, f"test_{worker}_{uuid.uuid4().hex[:8]}")
        pg.create()
        _migrate(pg.url, tmp)
        yield ("postgresql", pg)
        pg.drop()
    else:
        template = tmp / "template.sqlite3"
        _migrate(f"sqlite:///{template}", tmp)
        yield ("sqlite", template)


@pytest.fixture
def database_url(migrated_database, tmp_path):
    kind, source = migrated_database
    if kind == "postgresql":
        source.empty()
        return source.url
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form POST, as a browser does.

    Pass ``csrf=False`` to send none (to test that the server refuses).
    """

    def open(self, *args, **kwargs):
        csrf = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET").upper()
        data = kwargs.get("data")
        if data is None and "json" not in kwargs:
            data = {}
        if csrf and method in ("POST", "PUT", "PATCH", "DELETE") and isinstance(data, dict):
            if "csrf_token" not in data and "json" not in kwargs:
                kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", uuid.uuid4().hex)
        app = self.application
        serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
        return serializer.dumps(raw)


@pytest.fixture
def app(database_url, tmp_path):
    application = create_app(base_config(database_url, tmp_path))
    application.test_client_class = CsrfClient
    limiter.reset()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """make_user(role="student", **fields) -> User, with the password PASSWORD."""
    from lms.auth import services

    def factory(role: str = "student", **fields):
        n = next(_counter)
        fields.setdefault("email", f"{role}{n}@test.example")
        fields.setdefault("name", f"Test {role.title()} {n}")
        password = fields.pop("password", PASSWORD)
        with app.app_context():
            user = services.create_user(
                fields.pop("email"), fields.pop("name"), role, password, **fields
            )
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


def login(client, email: str, password: str = PASSWORD, follow_redirects=False):
    return client.post("/auth/login", data={"email": email, "password": password},
                       follow_redirects=follow_redirects)


@pytest.fixture
def login_as(client, make_user):
    """login_as(role, **fields) -> the signed-in User (the client carries the session)."""

    def do_login(role: str = "student", **fields):
        user = make_user(role, **fields)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do_login


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)
