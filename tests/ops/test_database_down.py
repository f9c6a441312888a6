"""When the database is down: a friendly 503 page (JSON for the API), never a traceback."""

from __future__ import annotations

import pytest

from lms import create_app
from lms.extensions import db
from tests.conftest import CsrfClient, base_config

UNREACHABLE = {
    "sqlite": "sqlite:///{tmp}/no/such/folder/kakehashi.sqlite3",
    "postgresql": "postgresql://kakehashi@127.0.0.1:1/kakehashi",  # nothing listens on port 1
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request, tmp_path):
    app = create_app(base_config(UNREACHABLE[request.param].format(tmp=tmp_path), tmp_path))
    app.test_client_class = CsrfClient
    yield app
    with app.app_context():
        db.engine.dispose()


def signed_in(app):
    """A client carrying a signed session of user 1, made while the database was up."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
    return client


def test_a_page_answers_503_with_a_friendly_page(down_app):
    response = signed_in(down_app).get("/learning/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.mimetype == "text/html"
    assert "Temporarily unavailable" in html
    assert "Try again in a minute" in html
    for leak in ("Traceback", "OperationalError", "sqlalche.me", "127.0.0.1", "SELECT"):
        assert leak not in html


def test_the_page_is_in_the_reader_s_language(down_app):
    response = signed_in(down_app).get("/learning/", headers={"Accept-Language": "ja"})
    assert response.status_code == 503
    assert '<html lang="ja">' in response.get_data(as_text=True)
    assert "Temporarily unavailable" not in response.get_data(as_text=True)


def test_the_api_answers_503_json(down_app):
    response = down_app.test_client().get("/api/v1/me/courses",
                                          headers={"Authorization": "Bearer kk_whatever"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert body["error"]["code"] == "unavailable"
    assert body["error"]["message"] == ("The service is briefly unavailable. "
                                        "Try again in a minute.")
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_form_post_answers_503_too(down_app):
    client = down_app.test_client()
    response = client.post("/auth/login", data={"email": "a@test.example", "password": "x" * 12})
    assert response.status_code == 503


def test_probes_tell_apart_up_and_ready(down_app):
    client = down_app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "database" in ready.get_json()["failed"]
