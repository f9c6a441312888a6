from datetime import timedelta

import pytest

from lms.auth.models import ApiToken
from lms.core.db import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD


def get_token(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_token_then_me(client, make_user):
    user = make_user("student", name="Gulnora Tosheva", name_ja="トシェワ・グルノラ")
    response = get_token(client, user.email)
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["token"].startswith("kk_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["user"]["name_ja"] == "トシェワ・グルノラ"
    assert "password_hash" not in me.get_json()["user"]


def test_token_is_stored_hashed(app, client, make_user):
    user = make_user("student")
    token = get_token(client, user.email).get_json()["token"]
    with app.app_context():
        stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64


def test_bad_credentials_are_a_json_error(client, make_user):
    user = make_user("student")
    response = get_token(client, user.email, "wrong password!!")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_missing_fields_are_listed(client):
    response = client.post("/api/v1/auth/token", json={"email": ""})
    assert response.status_code == 422
    fields = {d["field"] for d in response.get_json()["error"]["details"]}
    assert fields == {"email", "password"}


def test_non_json_body_is_refused(client):
    response = client.post("/api/v1/auth/token", data="email=x", csrf=False,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc"])
def test_me_without_a_valid_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_revoked_token_stops_working(client, make_user):
    user = make_user("student")
    token = get_token(client, user.email).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_expired_token_stops_working(app, client, make_user):
    user = make_user("student")
    token = get_token(client, user.email).get_json()["token"]
    with app.app_context():
        record = db.session.scalars(db.select(ApiToken)).one()
        record.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_endpoint_is_throttled_per_account(client, make_user):
    user = make_user("student")
    for _ in range(10):
        assert get_token(client, user.email, "wrong password!!").status_code == 401
    response = get_token(client, user.email, "wrong password!!")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_api_does_not_accept_the_session_cookie(client, login_as):
    login_as("student")
    assert client.get("/api/v1/me").status_code == 401


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
