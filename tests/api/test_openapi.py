"""The OpenAPI document matches the routes, and responses match the document."""

import re

import jsonschema
from openapi_spec_validator import validate

from tests.conftest import PASSWORD

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_valid_openapi_3_1(client):
    spec = document(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_api_route_is_documented_and_nothing_else(app, client):
    spec = document(client)
    documented = {(path, method) for path, ops in spec["paths"].items()
                  for method in ops if method in HTTP_METHODS}
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routed.add((path, method.lower()))
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations with no route"


def _schema_for(spec, path, method, status):
    response = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


def _check(spec, path, method, response):
    schema = _schema_for(spec, path, method, response.status_code)
    resolver_schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    jsonschema.validate(response.get_json(), resolver_schema,
                        cls=jsonschema.Draft202012Validator)


def test_responses_match_their_schemas(client, make_user):
    spec = document(client)
    user = make_user("instructor")
    ok = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    _check(spec, "/auth/token", "post", ok)
    bad = client.post("/api/v1/auth/token", json={"email": user.email, "password": "nope nope"})
    _check(spec, "/auth/token", "post", bad)
    me = client.get("/api/v1/me", headers={"Authorization": "Bearer " + ok.get_json()["token"]})
    _check(spec, "/me", "get", me)
    _check(spec, "/me", "get", client.get("/api/v1/me"))
