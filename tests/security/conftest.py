"""Security fixtures: one world per test module (``world_app``), and signed-in clients.

The world is built once per module on a database of its own (a copy of the migrated
SQLite template, or the run's PostgreSQL schema emptied first), so the tests that read
it stay fast; tests that change it use the ordinary per-test ``app`` instead.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.extensions import db, limiter
from tests.conftest import CsrfClient, base_config, login
from tests.security.world import ROLES, World, build_world


@dataclass
class WorldApp:
    app: object
    world: World
    _clients: dict

    def client(self, role: str, *, fresh: bool = False) -> CsrfClient:
        """A client signed in as ``role`` (anonymous: signed in as nobody)."""
        if not fresh and role in self._clients:
            return self._clients[role]
        client = self.app.test_client()
        if role != "anonymous":
            response = login(client, self.world.emails[role])
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if not fresh:
            self._clients[role] = client
        return client

    def forget(self, role: str) -> None:
        self._clients.pop(role, None)

    def bearer(self, role: str) -> dict:
        if role == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.world.tokens[role]}"}

    def fresh_token(self, role: str) -> dict:
        """A token of its own (for the request that revokes it)."""
        from lms.auth import services as auth
        from lms.auth.models import User

        if role == "anonymous":
            return {}
        with self.app.app_context():
            user = db.session.get(User, self.world.users[role])
            token = auth.issue_api_token(user, "throwaway")[0]
        return {"Authorization": f"Bearer {token}"}

    def table_counts(self) -> dict[str, int]:
        """Rows per table (the xAPI forwarding queue is a queue, not data)."""
        with self.app.app_context(), db.engine.connect() as conn:
            return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                    for t in _data_tables()}

    def table_contents(self) -> dict[str, list[str]]:
        """Every row of every table, as sorted text: equal means nothing changed."""
        with self.app.app_context(), db.engine.connect() as conn:
            return {t: sorted(repr(tuple(row)) for row in
                              conn.execute(sa.text(f'SELECT * FROM "{t}"')))
                    for t in _data_tables()}


NOT_DATA = {"alembic_version", "xapi_outbox"}


def _data_tables() -> list[str]:
    return sorted(t for t in sa.inspect(db.engine).get_table_names() if t not in NOT_DATA)


def _configure(app, tmp) -> None:
    app.test_client_class = CsrfClient
    app.config["RECORDS_SIGNING_KEY"] = str(tmp / "keys" / "ed25519.pem")
    app.config["PLATFORM_URL"] = "https://lms.sec.example"
    app.config["MAIL_OUTBOX"] = str(tmp / "outbox")


@pytest.fixture(scope="module")
def world_app(migrated_database, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("security-world")
    kind, source = migrated_database
    if kind == "postgresql":
        source.empty()
        url = source.url
    else:
        target = tmp / "world.sqlite3"
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
    app = create_app(base_config(url, tmp))
    _configure(app, tmp)
    limiter.reset()
    world = build_world(app)
    yield WorldApp(app, world, {})
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=ROLES)
def role(request):
    return request.param
