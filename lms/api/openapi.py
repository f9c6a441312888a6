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

LANG_TEXT = {"type": "object", "additionalProperties": {"type": "string"},
             "description": "Language code (en, ja, uz, ru) to text"}

PATHS.update({
    "/courses": {
        "get": {
            "summary": "Search the catalogue (Japanese substrings included)",
            "tags": ["catalogue"],
            "parameters": [
                {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                for n in ("q", "track", "provider", "level", "language")
            ] + [
                {"name": "page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            ],
            "responses": {"200": _resp("Matching courses", "CourseList"), "401": ERROR},
        },
        "post": {
            "summary": "Create a course (administrators)",
            "tags": ["catalogue"],
            "requestBody": {"required": True, "content": _json("CourseInput")},
            "responses": {"201": _resp("The course", "CourseResponse"), "400": ERROR,
                          "401": ERROR, "403": ERROR, "409": ERROR, "422": ERROR},
        },
    },
    "/courses/{code}": {
        "get": {
            "summary": "A course, with its modules and items when you may open them",
            "tags": ["catalogue"],
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": _resp("The course", "CourseResponse"), "401": ERROR,
                          "404": ERROR},
        }
    },
    "/courses/{code}/modules": {
        "post": {
            "summary": "Upload a module package (native zip or SCORM 1.2/2004)",
            "description": "A package whose module key exists becomes its next version; "
                           "progress carries over by item key. 422 lists every problem "
                           "as {file, line, message}; nothing is stored then.",
            "tags": ["authoring"],
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["package"],
                "properties": {"package": {"type": "string", "format": "binary"}}}}}},
            "responses": {
                "201": _resp("A new module or version", "UploadResult"),
                "200": _resp("The same package was already current; nothing changed",
                             "UploadResult"),
                "401": ERROR, "403": ERROR, "404": ERROR, "413": ERROR, "422": ERROR,
            },
        }
    },
    "/courses/{code}/enrollments": {
        "post": {
            "summary": "Enrol students by e-mail or a whole cohort",
            "tags": ["catalogue"],
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": _json("EnrollmentInput")},
            "responses": {"200": _resp("Who was enrolled (already enrolled: left as is)",
                                       "EnrollmentResult"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "422": ERROR},
        }
    },
})

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
    "Course": {
        "type": "object",
        "required": ["code", "title", "provider", "hours", "credits", "language"],
        "properties": {
            "code": {"type": "string"}, "title": LANG_TEXT, "description": LANG_TEXT,
            "provider": {"type": "string"}, "language": {"type": "string"},
            "hours": {"type": "integer"},
            "credits": {"type": "object", "additionalProperties": {"type": "number"}},
            "track": {"type": ["string", "null"]}, "jlpt_level": {"type": ["string", "null"]},
            "self_enroll": {"type": "boolean"},
            "instructors": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string"},
            "modules": {"type": "array", "items": {"$ref": "#/components/schemas/ModuleOutline"}},
        },
    },
    "CourseInput": {
        "type": "object",
        "required": ["code", "title", "provider", "hours"],
        "properties": {
            "code": {"type": "string"}, "title": LANG_TEXT, "description": LANG_TEXT,
            "provider": {"type": "string"}, "hours": {"type": "number"},
            "credits": {"type": "object", "additionalProperties": {"type": "number"}},
            "language": {"enum": ["en", "ja", "uz"]}, "track": {"type": ["string", "null"]},
            "jlpt_level": {"type": ["string", "null"]}, "self_enroll": {"type": "boolean"},
            "instructors": {"type": "array", "items": {"type": "string", "format": "email"}},
        },
    },
    "CourseResponse": {"type": "object", "required": ["course"],
                       "properties": {"course": {"$ref": "#/components/schemas/Course"}}},
    "CourseList": {
        "type": "object", "required": ["courses", "page", "pages", "total"],
        "properties": {"courses": {"type": "array", "items": {"$ref": "#/components/schemas/Course"}},
                       "page": {"type": "integer"}, "pages": {"type": "integer"},
                       "total": {"type": "integer"}},
    },
    "Module": {
        "type": "object", "required": ["id", "key", "title"],
        "properties": {"id": {"type": "integer"}, "key": {"type": "string"},
                       "position": {"type": "integer"}, "title": LANG_TEXT},
    },
    "ModuleOutline": {
        "allOf": [{"$ref": "#/components/schemas/Module"}, {
            "type": "object", "properties": {
                "version": {"type": "integer"},
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}],
    },
    "Item": {
        "type": "object", "required": ["id", "key", "kind", "title", "url"],
        "properties": {
            "id": {"type": "integer"}, "key": {"type": "string"},
            "kind": {"enum": ["page", "video", "asset", "quiz", "assignment", "html5", "scorm"]},
            "title": LANG_TEXT, "required": {"type": "boolean"},
            "url": {"type": "string", "description": "The page a student opens"},
        },
    },
    "UploadResult": {
        "type": "object", "required": ["module", "version", "items", "warnings"],
        "properties": {
            "module": {"$ref": "#/components/schemas/Module"},
            "version": {"type": "integer"}, "created": {"type": "boolean"},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
            "warnings": {"type": "array", "items": {"type": "string"}},
        },
    },
    "EnrollmentInput": {
        "type": "object",
        "properties": {"students": {"type": "array", "items": {"type": "string"}},
                       "cohort": {"type": "string"}},
    },
    "EnrollmentResult": {
        "type": "object", "required": ["enrolled", "enrollments"],
        "properties": {"enrolled": {"type": "integer"}, "enrollments": {"type": "array", "items": {
            "type": "object", "properties": {"student": {"type": "string"},
                                             "term": {"type": "string"},
                                             "status": {"type": "string"}}}}},
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
