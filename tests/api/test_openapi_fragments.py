"""Each API module documents its own routes; the merge refuses a path or schema twice."""

import re
import sys

import pytest

from lms.api import courses, views
from lms.api.openapi import FragmentConflict, merge_fragments

API_PREFIX = "/api/v1"


def _api_routes(app):
    """(OpenAPI path, lower-case methods, view function) for every route under /api/v1."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len(API_PREFIX):])
        methods = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
        yield path, methods, app.view_functions[rule.endpoint]


def test_every_api_route_is_in_the_document_and_in_its_own_modules_fragment(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    routes = list(_api_routes(app))
    assert len(routes) >= 20  # the prefix filter found the API, not nothing
    for path, methods, view in routes:
        assert methods <= set(spec["paths"].get(path, {})), f"{path}: {methods} not documented"
        owner = sys.modules[view.__module__]
        fragment_paths = getattr(owner, "OPENAPI", {}).get("paths", {})
        assert methods <= set(fragment_paths.get(path, {})), (
            f"{path} is routed in {owner.__name__} but not documented in its OPENAPI")


def test_a_path_defined_twice_is_refused_naming_both_modules():
    planted = {"paths": {"/courses": {"get": {"summary": "Shadow", "responses": {}}}}}
    with pytest.raises(FragmentConflict,
                       match=r"path '/courses' is defined by both lms\.api\.courses and planted"):
        merge_fragments([(courses.__name__, courses.OPENAPI), ("planted", planted)])


def test_a_schema_defined_twice_is_refused_the_shared_error_body_included():
    with pytest.raises(FragmentConflict, match=r"schema 'User' .* lms\.api\.views and planted"):
        merge_fragments([(views.__name__, views.OPENAPI),
                         ("planted", {"schemas": {"User": {"type": "object"}}})])
    with pytest.raises(FragmentConflict, match=r"schema 'Error' .* lms\.api\.openapi and planted"):
        merge_fragments([("planted", {"schemas": {"Error": {"type": "object"}}})])


def test_a_misspelt_fragment_key_is_refused_rather_than_dropped():
    with pytest.raises(FragmentConflict, match=r"planted: unknown key\(s\) schema;"):
        merge_fragments([("planted", {"schema": {"Thing": {"type": "object"}}})])


def test_distinct_fragments_merge_with_the_shared_schemas():
    paths, schemas = merge_fragments([(courses.__name__, courses.OPENAPI),
                                      (views.__name__, views.OPENAPI)])
    assert set(paths) == set(courses.OPENAPI["paths"]) | set(views.OPENAPI["paths"])
    assert set(schemas) == ({"Error"} | set(courses.OPENAPI["schemas"])
                            | set(views.OPENAPI["schemas"]))
