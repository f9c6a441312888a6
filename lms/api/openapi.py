"""The OpenAPI 3.1 document, merged from the fragments of the API modules.

Each module of lms/api that defines routes ends with ``OPENAPI = {"paths": ...,
"schemas": ...}``: its own paths and the component schemas only it uses. This module
keeps what they share (info, servers, the security scheme, the error body, the helpers
below) and merges the fragments of the modules listed in ``_fragments``. A test compares
the document with the URL map, so it cannot drift.
"""

from __future__ import annotations

from functools import cache

from flask import url_for

ERROR = {"$ref": "#/components/responses/Error"}

LANG_TEXT = {"type": "object", "additionalProperties": {"type": "string"},
             "description": "Language code (en, ja, uz, ru) to text"}

SHARED_SCHEMAS: dict = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": ["array", "object"]},
                },
            }
        },
    },
}


def json_content(schema_name: str) -> dict:
    """A JSON body whose schema is the component schema ``schema_name``."""
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def json_response(description: str, schema_name: str) -> dict:
    return {"description": description, "content": json_content(schema_name)}


class FragmentConflict(Exception):
    """Two fragments claim the same path or schema, or a fragment has an unknown key."""


def merge_fragments(fragments: list[tuple[str, dict]]) -> tuple[dict, dict]:
    """Merge ``(owner, fragment)`` pairs into ``(paths, schemas)``, shared schemas included.

    A path or schema name defined twice raises ``FragmentConflict`` naming both owners:
    one would otherwise silently replace the other in the served document.
    """
    paths: dict = {}
    schemas: dict = dict(SHARED_SCHEMAS)
    path_owner: dict[str, str] = {}
    schema_owner = dict.fromkeys(SHARED_SCHEMAS, __name__)
    for owner, fragment in fragments:
        unknown = set(fragment) - {"paths", "schemas"}
        if unknown:
            raise FragmentConflict(f"OpenAPI fragment of {owner}: unknown key(s) "
                                   f"{', '.join(sorted(unknown))}; use 'paths' and 'schemas'.")
        for kind, merged, owners in (("path", paths, path_owner),
                                     ("schema", schemas, schema_owner)):
            for name, value in fragment.get(kind + "s", {}).items():
                if name in owners:
                    raise FragmentConflict(f"OpenAPI {kind} {name!r} is defined by both "
                                           f"{owners[name]} and {owner}.")
                owners[name] = owner
                merged[name] = value
    return paths, schemas


@cache
def _merged() -> tuple[dict, dict]:
    # Imported here, not at the top: each of these modules imports its helpers from this one.
    from lms.api import courses, japanese, learning, records, reports, views

    return merge_fragments([(module.__name__, module.OPENAPI) for module in (
        views, courses, learning, records, japanese, reports)])


def openapi_document() -> dict:
    paths, schemas = _merged()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kakehashi API",
            "version": "1",
            "description": "JSON API of the Kakehashi learning platform. Authenticate with "
            "`POST /auth/token`, then send `Authorization: Bearer <token>`.",
        },
        "servers": [{"url": url_for("api.openapi").rsplit("/openapi.json", 1)[0]}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "responses": {
                "Error": {"description": "An error", "content": json_content("Error")},
            },
        },
    }
