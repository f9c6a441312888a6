"""JSON API v1: tokens and the current user. Features add their endpoints here."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
from lms.api.openapi import ERROR, json_content, json_response, openapi_document
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


# --- OpenAPI: this module's paths and the schemas only they use (merged in lms.api.openapi) ---

_OPENAPI_PATHS: dict = {
    "/auth/token": {
        "post": {
            "summary": "Exchange e-mail and password for a bearer token",
            "security": [],
            "tags": ["auth"],
            "requestBody": {"required": True, "content": json_content("TokenRequest")},
            "responses": {
                "201": json_response("A new token; shown once", "Token"),
                "400": ERROR, "401": ERROR, "422": ERROR, "429": ERROR,
            },
        },
        "delete": {
            "summary": "Revoke the token used for this request",
            "tags": ["auth"],
            "responses": {"204": {"description": "Revoked"}, "401": ERROR},
        },
    },
    "/me": {
        "get": {
            "summary": "The signed-in user",
            "tags": ["auth"],
            "responses": {"200": json_response("The user", "MeResponse"), "401": ERROR},
        }
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "tags": ["meta"],
            "responses": {"200": {"description": "OpenAPI 3.1 document",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }
    },
}

_OPENAPI_SCHEMAS: dict = {
    "TokenRequest": {
        "type": "object",
        "required": ["email", "password"],
        "properties": {
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string"},
            "name": {"type": "string", "description": "A label for the token"},
        },
    },
    "Token": {
        "type": "object",
        "required": ["token", "token_type", "expires_at"],
        "properties": {
            "token": {"type": "string"},
            "token_type": {"const": "Bearer"},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "User": {
        "type": "object",
        "required": ["id", "email", "name", "role"],
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "name_ja": {"type": ["string", "null"]},
            "name_kana": {"type": ["string", "null"]},
            "role": {"enum": ["student", "instructor", "admin"]},
            "locale": {"type": ["string", "null"]},
            "timezone": {"type": "string"},
            "student_number": {"type": ["string", "null"]},
            "cohort": {"type": ["string", "null"]},
        },
    },
    "MeResponse": {
        "type": "object",
        "required": ["user"],
        "properties": {"user": {"$ref": "#/components/schemas/User"}},
    },
}

OPENAPI = {"paths": _OPENAPI_PATHS, "schemas": _OPENAPI_SCHEMAS}
