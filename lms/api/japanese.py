"""Japanese: automatic furigana for a text (instructors and administrators)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
from lms.api.openapi import ERROR, json_content, json_response
from lms.api.views import json_body
from lms.japanese import services

MAX_TEXT_CHARS = 100_000


@bp.post("/japanese/furigana")
@token_required("instructor", "admin")
def japanese_furigana():
    body = json_body()
    text = body.get("text")
    if not isinstance(text, str):
        raise ApiError(422, "validation_failed", _("'text' is required: a string."),
                       [{"field": "text", "message": _("This field is required.")}])
    if len(text) > MAX_TEXT_CHARS:
        raise ApiError(413, "too_large", _("Send at most %(n)d characters at a time.",
                                           n=MAX_TEXT_CHARS))
    return jsonify(services.analyse_text(text))


# --- OpenAPI: this module's paths and the schemas only they use (merged in lms.api.openapi) ---

_OPENAPI_PATHS: dict = {
    "/japanese/furigana": {
        "post": {
            "summary": "Automatic furigana for a text (instructors and administrators)",
            "description": "Readings from SudachiPy corrected by counter and context rules, "
                           "the shipped glossary and the administrators' reading table; "
                           "explicit {漢字|かんじ} markup in the text wins. `html` is the text "
                           "rendered as Markdown with every reading shown as <ruby>; "
                           "`tokens` covers the whole text, readings in hiragana.",
            "tags": ["japanese"],
            "requestBody": {"required": True, "content": json_content("FuriganaRequest")},
            "responses": {"200": json_response("The text with readings", "FuriganaResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "413": ERROR,
                          "422": ERROR},
        }
    },
}

_OPENAPI_SCHEMAS: dict = {
    "FuriganaRequest": {
        "type": "object", "required": ["text"],
        "properties": {"text": {"type": "string", "maxLength": MAX_TEXT_CHARS,
                                "description": "Lesson text (Markdown), e.g. 一人で食べる。"}},
    },
    "FuriganaResponse": {
        "type": "object", "required": ["html", "tokens"],
        "properties": {
            "html": {"type": "string", "description": "Sanitised HTML with <ruby> over kanji"},
            "tokens": {"type": "array", "items": {
                "type": "object", "required": ["surface", "reading"],
                "properties": {"surface": {"type": "string"},
                               "reading": {"type": "string",
                                           "description": "Hiragana (symbols and Latin "
                                                          "text as written)"}}}},
        },
    },
}

OPENAPI = {"paths": _OPENAPI_PATHS, "schemas": _OPENAPI_SCHEMAS}
