"""POST /api/v1/japanese/furigana: instructors and administrators, documented."""

from tests.api.test_openapi import _check, document
from tests.conftest import PASSWORD


def token(client, user) -> dict:
    response = client.post("/api/v1/auth/token", json={"email": user.email,
                                                        "password": PASSWORD})
    return {"Authorization": "Bearer " + response.get_json()["token"]}


def test_furigana_api_returns_html_and_hiragana_tokens(client, make_user):
    spec = document(client)
    headers = token(client, make_user("instructor"))
    response = client.post("/api/v1/japanese/furigana", headers=headers,
                           json={"text": "今日は一人で{上手|うわて}な人と食べる。"})
    assert response.status_code == 200
    _check(spec, "/japanese/furigana", "post", response)
    body = response.get_json()
    assert "<ruby>今日<rp>(</rp><rt>きょう</rt>" in body["html"]
    assert "<ruby>食<rp>(</rp><rt>た</rt><rp>)</rp></ruby>べる" in body["html"]
    assert "<rt>うわて</rt>" in body["html"]  # explicit markup wins
    tokens = body["tokens"]
    assert "".join(t["surface"] for t in tokens) == "今日は一人で上手な人と食べる。"
    assert {"surface": "一人", "reading": "ひとり"} in tokens
    assert {"surface": "上手", "reading": "うわて"} in tokens
    for t in tokens:
        assert not any("\u30a1" <= ch <= "\u30f6" for ch in t["reading"]), t


def test_furigana_api_roles_and_errors(client, make_user):
    spec = document(client)
    student = token(client, make_user("student"))
    refused = client.post("/api/v1/japanese/furigana", headers=student, json={"text": "山"})
    assert refused.status_code == 403
    _check(spec, "/japanese/furigana", "post", refused)
    anonymous = client.post("/api/v1/japanese/furigana", json={"text": "山"})
    assert anonymous.status_code == 401
    admin = token(client, make_user("admin"))
    bad = client.post("/api/v1/japanese/furigana", headers=admin, json={"text": 3})
    assert bad.status_code == 422
    _check(spec, "/japanese/furigana", "post", bad)
    ok = client.post("/api/v1/japanese/furigana", headers=admin, json={"text": ""})
    assert ok.status_code == 200 and ok.get_json()["tokens"] == []


def test_the_operation_is_in_the_openapi_document(client):
    spec = document(client)
    operation = spec["paths"]["/japanese/furigana"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "FuriganaRequest")
