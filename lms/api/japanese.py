"""Japanese: automatic furigana for a text (instructors and administrators)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
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
