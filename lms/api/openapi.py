"""The OpenAPI 3.1 document. A test compares it with the URL map, so it cannot drift."""

from __future__ import annotations

from flask import url_for

ERROR = {"$ref": "#/components/responses/Error"}


def _json(schema_ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}


def _resp(description: str, schema_ref: str) -> dict:
    return {"description": description, "content": _json(schema_ref)}


PATHS: dict = {
    "/auth/token": {
        "post": {
            "summary": "Exchange e-mail and password for a bearer token",
            "security": [],
            "tags": ["auth"],
            "requestBody": {"required": True, "content": _json("TokenRequest")},
            "responses": {
                "201": _resp("A new token; shown once", "Token"),
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
            "responses": {"200": _resp("The user", "MeResponse"), "401": ERROR},
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

SCHEMAS: dict = {
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


def openapi_document() -> dict:
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
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": {
                "Error": {"description": "An error", "content": _json("Error")},
            },
        },
    }
