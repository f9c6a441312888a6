"""CSRF: every state-changing route of the pages refuses a request without a token, and
one carrying another session's token, with 400 and nothing changed. The JSON API is
exempt (bearer tokens, never cookies), and refuses a session cookie without its token."""

from __future__ import annotations

import pytest

from tests.security.matrix import MATRIX, Entry
from tests.security.requester import resolve, url_for_entry
from tests.security.world import ROLES

PAGE_WRITES = [entry for entry in MATRIX
               if entry.method in ("POST", "PUT", "PATCH", "DELETE")
               and not entry.rule.startswith("/api/")]
ALLOWED = ("ok", "422")


def acting_role(entry: Entry) -> str:
    """The most privileged visitor the route lets through (admin where it can); a student
    where it lets nobody through (the token is checked before the view runs)."""
    for role in reversed(ROLES):
        if entry.expect[ROLES.index(role)] in ALLOWED:
            return role
    return "student"


def forged_request(world_app, entry: Entry, role: str, token: str | None):
    """The entry's request with ``token`` (None: no token at all) instead of the client's."""
    client = world_app.client(role, fresh=entry.fresh)
    url = url_for_entry(world_app, entry, role)
    if entry.json is not None:
        headers = {"X-CSRFToken": token} if token else {}
        return client, client.open(url, method=entry.method, json=entry.json,
                                   headers=headers)
    data = {k: resolve(world_app, v, role) for k, v in (entry.form or {}).items()}
    if token:
        data["csrf_token"] = token
    return client, client.open(url, method=entry.method, data=data, csrf=False)


@pytest.mark.parametrize("entry", PAGE_WRITES, ids=lambda e: f"{e.method} {e.rule}")
def test_writes_without_a_valid_csrf_token_are_refused(world_app, entry):
    role = acting_role(entry)
    before = world_app.table_contents()
    another_session = world_app.client("student" if role != "student" else "admin",
                                       fresh=True).csrf_token()
    for token in (None, another_session, "not-a-token"):
        client, response = forged_request(world_app, entry, role, token)
        assert response.status_code == 400, (role, token, response.status_code)
        if role != "anonymous":  # still signed in: the refused request did nothing
            assert client.get("/auth/profile").status_code == 200
    assert world_app.table_contents() == before


# Requests that do change something with a valid token: proof that the refusals above
# refused something that mattered.
EFFECTIVE = [
    ("student", "/auth/profile", {"name": "Changed Name", "timezone": "Asia/Tokyo",
                                  "locale": ""}, "users"),
    ("admin", "/people/cohorts", {"code": "NEWCOHORT", "name": "New cohort"}, "cohorts"),
    ("admin", "/japanese/overrides", {"surface": "東京都", "reading": "とうきょうと"},
     "furigana_overrides"),
    ("student", "/learning/notifications/read", {}, "notifications"),
]


@pytest.mark.parametrize(("role", "url", "form", "table"), EFFECTIVE,
                         ids=[e[1] for e in EFFECTIVE])
def test_the_same_request_with_its_token_changes_data(world_app, role, url, form, table):
    client = world_app.client(role)
    before = world_app.table_contents()
    other = world_app.client("other_student", fresh=True).csrf_token()
    assert client.post(url, data=form, csrf=False).status_code == 400
    assert client.post(url, data={**form, "csrf_token": other}, csrf=False).status_code == 400
    assert world_app.table_contents() == before
    assert client.post(url, data=form).status_code in (200, 302)
    assert world_app.table_contents()[table] != before[table]


def test_logout_needs_the_token(world_app):
    client = world_app.client("student", fresh=True)
    assert client.post("/auth/logout", csrf=False).status_code == 400
    assert client.get("/learning/").status_code == 200  # still signed in
    world_app.forget("student")


def test_the_api_ignores_session_cookies(world_app):
    """A browser session is no credential for the API, so CSRF cannot reach it."""
    client = world_app.client("admin")
    response = client.post("/api/v1/courses", json={"code": "CSRF1", "title": "x",
                                                    "provider": "TUT", "hours": 10})
    assert response.status_code == 401
    assert client.get("/api/v1/me").status_code == 401
