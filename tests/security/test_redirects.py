"""Open redirects: sign-in ``next``, the language switcher's ``next`` and notification
links only ever send the browser to a path on this site."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.core.db import utcnow
from lms.extensions import db
from lms.learning.models import Notification
from tests.conftest import login

HOSTILE = [
    "https://evil.example/", "//evil.example/", "///evil.example/", "/\\evil.example/",
    "\\\\evil.example/", "/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example",
    " //evil.example/", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>", "http:evil.example", "evil.example",
    "\x00//evil.example", "/\x7f/evil.example", "https:/evil.example",
]
# Percent-encoded characters stay encoded in the Location: a path here, not a header.
LOCAL = ["/catalog/?q=game", "/learning/", "/records/", "/%2F%2Fevil.example",
         "/%0d%0aSet-Cookie:x=1"]


def lands_on_this_site(location: str) -> bool:
    """What a browser would do with the Location: stay on this site."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in location):
        return False  # browsers drop such characters: the rest decides, so refuse them
    if location.startswith("http://localhost/"):
        location = location[len("http://localhost"):]
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_next_stays_on_this_site(client, make_user, target):
    user = make_user("student")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": user.email, "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert lands_on_this_site(response.location), repr(response.location)
    assert response.location == "/learning/"


@pytest.mark.parametrize("target", LOCAL)
def test_sign_in_next_keeps_local_paths(client, make_user, target):
    user = make_user("student")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": user.email, "password": "correct horse battery staple"})
    assert response.location == target


@pytest.mark.parametrize("target", HOSTILE)
@pytest.mark.parametrize("signed_in", [False, True])
def test_language_switcher_next_stays_on_this_site(client, make_user, target, signed_in):
    if signed_in:
        login(client, make_user("student").email)
    response = client.post("/auth/language", data={"lang": "ja", "next": target})
    assert response.status_code == 302
    assert lands_on_this_site(response.location), repr(response.location)


def test_language_switcher_keeps_the_page(client):
    response = client.post("/auth/language", data={"lang": "ja", "next": "/catalog/?q=x"})
    assert response.location == "/catalog/?q=x"


# (PostgreSQL stores no NUL in text: the link with one cannot be saved to begin with)
@pytest.mark.parametrize("link", [h for h in HOSTILE if "\x00" not in h] + ["/learning/items/1"])
def test_notification_links_stay_on_this_site(app, client, login_as, link):
    user = login_as("student")
    with app.app_context():
        row = Notification(user_id=user.id, kind="grade", data={}, link=link,
                           created_at=utcnow())
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    response = client.get(f"/learning/notifications/{row_id}")
    assert response.status_code == 302
    assert lands_on_this_site(response.location), repr(response.location)
    if link in HOSTILE:
        assert response.location == "/learning/notifications"
    with app.app_context():
        assert db.session.scalar(select(Notification.read_at).where(
            Notification.id == row_id)) is not None
