"""The access matrix (tests/security/matrix.py) checked against the running app.

Every rule of ``app.url_map`` (each method but HEAD and OPTIONS) must have an entry, and
every entry must still be a route. Each entry is requested as each of the six visitors
of the fixture world; the answer must be of the expected class, and no answer may carry
a secret of the world (a title marked ZQX) to a visitor who may not read it.
"""

from __future__ import annotations

import pytest

from lms import create_app
from tests.conftest import base_config
from tests.security.matrix import BY_KEY, MATRIX
from tests.security.requester import leaked, outcome, send
from tests.security.world import ROLES

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def url_map_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - IGNORED_METHODS}


def test_every_route_has_an_entry(tmp_path):
    app = create_app(base_config("sqlite://", tmp_path))
    routes = url_map_routes(app)
    missing = sorted(routes - BY_KEY.keys(), key=lambda r: (r[1], r[0]))
    assert not missing, "\n".join(
        f"add an entry in tests/security/matrix.py for {rule} {method}"
        for method, rule in missing)
    stale = sorted(BY_KEY.keys() - routes)
    assert not stale, "\n".join(f"tests/security/matrix.py has an entry for {rule} {method}, "
                                "which is no longer a route" for method, rule in stale)


@pytest.mark.parametrize("entry", MATRIX, ids=lambda e: f"{e.method} {e.rule}")
def test_access(world_app, entry):
    problems = []
    for role, expected in zip(ROLES, entry.expect, strict=True):
        response = send(world_app, entry, role)
        got = outcome(response, entry.rule.startswith("/api/"))
        if got != expected:
            where = f" -> {response.location}" if response.location else ""
            problems.append(f"{role}: expected {expected}, got {got} "
                            f"({response.status_code}{where})")
        secrets = leaked(world_app, response, role)
        if secrets:
            problems.append(f"{role}: the answer ({response.status_code}) shows {secrets}")
        response.close()
        if entry.fresh:  # signing out ends every session of the user: sign in again later
            world_app.forget(role)
    assert not problems, f"{entry.method} {entry.rule}\n" + "\n".join(problems)


def test_an_instructor_cannot_take_another_courses_deck(world_app):
    """Linking SECDECK to their own course would take it from SEC101's students."""
    from lms.extensions import db
    from lms.japanese.models import Deck

    ids = world_app.world.ids
    client = world_app.client("other_instructor")
    response = client.post(f"/japanese/decks/{ids['deck']}/link",
                           data={"course": str(ids["other_course_pk"])})
    assert response.status_code == 403
    with world_app.app.app_context():
        assert db.session.get(Deck, ids["deck"]).course_id == ids["course_pk"]


def test_objects_that_do_not_exist_answer_like_hidden_ones(world_app):
    """404 for a missing id and for a hidden one alike: nothing tells them apart."""
    client = world_app.client("other_student")
    ids = world_app.world.ids
    for hidden, missing in [
        (f"/learning/items/{ids['page_item']}", "/learning/items/999999"),
        (f"/learning/quiz-attempts/{ids['attempt']}", "/learning/quiz-attempts/999999"),
        (f"/japanese/certifications/{ids['cert']}/evidence",
         "/japanese/certifications/999999/evidence"),
        (f"/japanese/decks/{ids['deck']}", "/japanese/decks/999999"),
        (f"/records/students/{ids['student_id']}", "/records/students/999999"),
        (f"/records/documents/{ids['document']}/download",
         "/records/documents/NOPE000000000000000000/download"),
    ]:
        first, second = client.get(hidden), client.get(missing)
        assert first.status_code == second.status_code == 404, hidden
        assert _page(first, hidden) == _page(second, missing), hidden


def _page(response, url: str) -> str:
    """The page without its own address (the language switcher returns to it) and its
    CSRF token (whose signature changes every second)."""
    import re

    text = response.get_data(as_text=True).replace(url, "URL")
    return re.sub(r'(csrf[-_]token"[^>]*(?:content|value)=")[^"]+', r"\1", text)
