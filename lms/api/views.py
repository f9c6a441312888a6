"""JSON API v1: tokens and the current user. Features add their endpoints here."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
from lms.api.openapi import openapi_document
from lms.auth import services as auth_services
from lms.auth.throttle import login_limits
from lms.extensions import csrf

csrf.exempt(bp)  # token-authenticated only: the API never reads the session cookie


def user_json(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "name_ja": user.name_ja,
        "name_kana": user.name_kana,
        "role": user.role,
        "locale": user.locale,
        "timezone": user.timezone,
        "student_number": user.student_number,
        "cohort": user.cohort.code if user.cohort else None,
    }


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", _("Send a JSON object with Content-Type: application/json."))
    return body


@bp.post("/auth/token")
@login_limits
def create_token():
    body = json_body()
    email, password = body.get("email"), body.get("password")
    missing = [f for f in ("email", "password") if not isinstance(body.get(f), str) or not body[f]]
    if missing:
        raise ApiError(422, "validation_failed", _("email and password are required."),
                       [{"field": f, "message": _("This field is required.")} for f in missing])
    user = auth_services.authenticate(email, password)
    if user is None:
        g.login_failed = True
        raise ApiError(401, "invalid_credentials", _("The e-mail or password is not correct."))
    name = body.get("name") if isinstance(body.get("name"), str) else "api"
    token, record = auth_services.issue_api_token(user, name)
    return jsonify({"token": token, "token_type": "Bearer",
                    "expires_at": record.expires_at.isoformat()}), 201


@bp.delete("/auth/token")
@token_required()
def revoke_token():
    auth_services.revoke_api_token(g.api_token)
    return "", 204


@bp.get("/me")
@token_required()
def me():
    return jsonify({"user": user_json(g.api_user)})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
