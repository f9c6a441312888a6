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


# --- learning: a student's progress, learning events, xAPI statements ----------------

_CODE_PARAM = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
_NULLABLE_NUMBER = {"type": ["number", "null"]}
_PROGRESS_PROPERTIES = {
    "status": {"enum": ["not_started", "in_progress", "completed", "passed", "failed"]},
    "completed": {"type": "boolean"},
    "passed": {"type": ["boolean", "null"]},
    "best_score": {**_NULLABLE_NUMBER, "description": "0-100"},
    "last_score": {**_NULLABLE_NUMBER, "description": "0-100"},
    "attempts": {"type": "integer"},
    "time_spent": {"type": "integer", "description": "Seconds"},
    "resume": {"type": ["object", "null"],
               "description": "Where to resume, e.g. {\"position\": 42.5}"},
    "completed_at": {"type": ["string", "null"], "format": "date-time"},
}
_XAPI_HEADERS = {"X-Experience-API-Version": {"schema": {"const": "1.0.3"},
                                              "description": "Always 1.0.3"}}

PATHS.update({
    "/me/courses": {
        "get": {
            "summary": "Your enrolled courses with a progress summary each",
            "tags": ["learning"],
            "responses": {"200": _resp("Your courses", "MyCourses"), "401": ERROR},
        }
    },
    "/me/progress": {
        "get": {
            "summary": "Your progress in one course, per module and item",
            "description": "404 when you are not enrolled in the course, whether or not it "
                           "exists.",
            "tags": ["learning"],
            "parameters": [{"name": "course", "in": "query", "required": True,
                            "schema": {"type": "string"}, "description": "Course code"}],
            "responses": {"200": _resp("Your progress", "MyProgress"), "401": ERROR,
                          "404": ERROR, "422": ERROR},
        }
    },
    "/items/{item_id}/events": {
        "post": {
            "summary": "Record a learning event (an xAPI-shaped statement) on an item, or a "
                       "batch of them",
            "description": "The actor is always the token's user: an 'actor' naming someone "
                           "else is refused (422). Send an 'id' (UUID) so that a retry is "
                           "recognised: a repeated id answers 200 with stored false and "
                           "changes nothing. The verb 'attempted' counts one attempt. An item "
                           "of an older module version records on the current one.\n\n"
                           "Batch: send a JSON array of up to 100 events (e.g. a player's "
                           "queued heartbeats) to record them in one transaction, in array "
                           "order. As an xAPI LRS does with a statement batch, it is all or "
                           "nothing: if any event is invalid, none is stored and the 422 "
                           "lists every invalid one in 'details' as {index (from 0), id, "
                           "message, details}; the message names the first. An id already "
                           "recorded for you is skipped (stored false), so a retried batch is "
                           "a no-op (200, recorded 0); an id of someone else's event refuses "
                           "the batch (409, the event named in 'details'). Two events of one "
                           "batch may not share an id.",
            "tags": ["learning"],
            "parameters": [{"name": "item_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "oneOf": [{"$ref": "#/components/schemas/EventInput"},
                          {"type": "array", "minItems": 1, "maxItems": 100,
                           "items": {"$ref": "#/components/schemas/EventInput"}}]}}}},
            "responses": {
                "201": {"description": "Recorded (a batch: at least one event was new)",
                        "content": {"application/json": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/EventRecorded"},
                            {"$ref": "#/components/schemas/EventBatchRecorded"}]}}}},
                "200": {"description": "Every id was recorded before; nothing changed",
                        "content": {"application/json": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/EventRecorded"},
                            {"$ref": "#/components/schemas/EventBatchRecorded"}]}}}},
                "400": ERROR, "401": ERROR, "404": ERROR, "409": ERROR, "413": ERROR,
                "422": ERROR,
            },
        }
    },
    "/xapi/statements": {
        "get": {
            "summary": "xAPI 1.0.3 statements (a StatementResult), oldest stored first",
            "description": "Students get their own statements, instructors those of the "
                           "courses they teach, administrators all. Follow 'more' (a relative "
                           "URL, empty when there is nothing more) for the next page.",
            "tags": ["xapi"],
            "parameters": [
                {"name": "agent", "in": "query", "required": False,
                 "schema": {"type": "string"},
                 "description": "A JSON Agent ({\"mbox\": \"mailto:...\"} or {\"account\": "
                                "{...}}), a mailto: IRI, or an account name (user id)"},
                {"name": "verb", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "iri"}},
                {"name": "activity", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "iri"},
                 "description": "An item's activity IRI"},
                {"name": "since", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date-time"},
                 "description": "Stored after (exclusive)"},
                {"name": "until", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date-time"},
                 "description": "Stored at or before (inclusive)"},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 0, "maximum": 500, "default": 100},
                 "description": "0 means the maximum, 500"},
                {"name": "cursor", "in": "query", "required": False,
                 "schema": {"type": "string"}, "description": "Set by 'more'"},
            ],
            "responses": {
                "200": {**_resp("Statements", "StatementResult"), "headers": _XAPI_HEADERS},
                "401": ERROR, "422": ERROR,
            },
        }
    },
})

SCHEMAS.update({
    "ItemRef": {
        "type": "object", "required": ["id", "key", "title", "url"],
        "properties": {"id": {"type": "integer"}, "key": {"type": "string"},
                       "title": LANG_TEXT, "url": {"type": "string"}},
    },
    "MyCourses": {
        "type": "object", "required": ["courses"],
        "properties": {"courses": {"type": "array", "items": {
            "type": "object",
            "required": ["code", "title", "items_done", "items_required", "percent", "score",
                         "completed", "next_item"],
            "properties": {
                "code": {"type": "string"}, "title": LANG_TEXT, "url": {"type": "string"},
                "items_done": {"type": "integer", "description": "Required items done"},
                "items_required": {"type": "integer"},
                "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                "score": {**_NULLABLE_NUMBER, "description": "Course score so far, 0-100"},
                "completed": {"type": "boolean"},
                "next_item": {"oneOf": [{"$ref": "#/components/schemas/ItemRef"},
                                        {"type": "null"}]},
            }}}},
    },
    "ItemProgress": {
        "type": "object",
        "required": ["id", "key", "kind", "title", "status", "best_score", "attempts",
                     "time_spent", "resume"],
        "properties": {"id": {"type": "integer"}, "key": {"type": "string"},
                       "kind": {"type": "string"}, "title": LANG_TEXT,
                       "required": {"type": "boolean"}, "url": {"type": "string"},
                       **_PROGRESS_PROPERTIES},
    },
    "MyProgress": {
        "type": "object", "required": ["course", "summary", "modules"],
        "properties": {
            "course": {"type": "object", "required": ["code", "title"],
                       "properties": {"code": {"type": "string"}, "title": LANG_TEXT}},
            "summary": {"type": "object",
                        "required": ["items_done", "items_required", "percent", "score"],
                        "properties": {"items_done": {"type": "integer"},
                                       "items_required": {"type": "integer"},
                                       "percent": {"type": "integer"},
                                       "score": _NULLABLE_NUMBER}},
            "modules": {"type": "array", "items": {
                "type": "object", "required": ["key", "title", "items"],
                "properties": {"key": {"type": "string"}, "title": LANG_TEXT,
                               "version": {"type": ["integer", "null"]},
                               "items": {"type": "array", "items": {
                                   "$ref": "#/components/schemas/ItemProgress"}}}}},
        },
    },
    "EventInput": {
        "type": "object", "required": ["verb"],
        "properties": {
            "id": {"type": "string", "format": "uuid",
                   "description": "Recommended: makes retries safe"},
            "verb": {"oneOf": [
                {"type": "string", "description": "A short name such as completed, or an "
                                                  "ADL verb IRI"},
                {"type": "object", "required": ["id"],
                 "properties": {"id": {"type": "string", "format": "iri"},
                                "display": LANG_TEXT}}]},
            "result": {"type": "object", "description": "xAPI result", "properties": {
                "score": {"type": "object", "required": ["scaled"], "properties": {
                    "scaled": {"type": "number", "minimum": 0, "maximum": 1},
                    "raw": {"type": "number"}, "min": {"type": "number"},
                    "max": {"type": "number"}}},
                "success": {"type": "boolean"}, "completion": {"type": "boolean"},
                "duration": {"type": "string", "description": "ISO 8601, e.g. PT1M30S"},
                "response": {"type": "string"},
                "extensions": {"type": "object", "description": "Keys are IRIs"}},
                "additionalProperties": False},
            "timestamp": {"type": "string", "format": "date-time",
                          "description": "When it happened, with a time zone"},
            "resume": {"type": "object", "description": "Replaces the stored resume state"},
            "actor": {"type": "object", "description": "Optional; must be you"},
            "object": {"type": "object", "description": "Optional; must be this item"},
        },
    },
    "EventRecorded": {
        "type": "object", "required": ["id", "stored", "progress"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "stored": {"type": "boolean", "description": "False: a repeated id"},
            "progress": {"type": "object", "required": ["item_id", "key", "status"],
                         "properties": {"item_id": {"type": "integer"},
                                        "key": {"type": "string"},
                                        "course_completed": {"type": "boolean"},
                                        **_PROGRESS_PROPERTIES}},
        },
    },
    "EventBatchRecorded": {
        "type": "object", "required": ["recorded", "events", "progress"],
        "properties": {
            "recorded": {"type": "integer", "description": "Events stored by this request"},
            "events": {"type": "array", "description": "One per event sent, in order",
                       "items": {"type": "object", "required": ["id", "stored"],
                                 "properties": {"id": {"type": "string", "format": "uuid"},
                                                "stored": {"type": "boolean",
                                                           "description": "False: a "
                                                                          "repeated id"}}}},
            "progress": {"type": "object", "required": ["item_id", "key", "status"],
                         "description": "The item's progress after the whole batch",
                         "properties": {"item_id": {"type": "integer"},
                                        "key": {"type": "string"},
                                        "course_completed": {"type": "boolean"},
                                        **_PROGRESS_PROPERTIES}},
        },
    },
    "XapiAgent": {
        "type": "object", "required": ["objectType", "account"],
        "properties": {"objectType": {"const": "Agent"}, "name": {"type": "string"},
                       "account": {"type": "object", "required": ["homePage", "name"],
                                   "properties": {"homePage": {"type": "string"},
                                                  "name": {"type": "string"}}}},
    },
    "XapiActivity": {
        "type": "object", "required": ["objectType", "id"],
        "properties": {"objectType": {"const": "Activity"},
                       "id": {"type": "string", "format": "iri"},
                       "definition": {"type": "object", "properties": {
                           "name": {"type": "object",
                                    "additionalProperties": {"type": "string"}},
                           "type": {"type": "string", "format": "iri"}}}},
    },
    "XapiStatement": {
        "type": "object",
        "required": ["id", "actor", "verb", "object", "timestamp", "stored", "version",
                     "authority"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "actor": {"$ref": "#/components/schemas/XapiAgent"},
            "verb": {"type": "object", "required": ["id", "display"],
                     "properties": {"id": {"type": "string", "format": "iri"},
                                    "display": {"type": "object",
                                                "additionalProperties": {"type": "string"}}}},
            "object": {"$ref": "#/components/schemas/XapiActivity"},
            "result": {"type": "object"},
            "context": {"type": "object", "properties": {
                "platform": {"type": "string"},
                "contextActivities": {"type": "object", "properties": {
                    "parent": {"type": "array",
                               "items": {"$ref": "#/components/schemas/XapiActivity"}},
                    "grouping": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/XapiActivity"}}}},
                "extensions": {"type": "object"}}},
            "timestamp": {"type": "string", "format": "date-time"},
            "stored": {"type": "string", "format": "date-time"},
            "version": {"const": "1.0.3"},
            "authority": {"$ref": "#/components/schemas/XapiAgent"},
        },
    },
    "StatementResult": {
        "type": "object", "required": ["statements", "more"],
        "properties": {"statements": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/XapiStatement"}},
                       "more": {"type": "string",
                                "description": "Relative URL of the next page, or empty"}},
    },
})


# --- records: credit records, degree audit, transcripts, results -------------------------

_DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$",
            "description": "A decimal as text, exactly as recorded"}
_NULLABLE_DECIMAL = {"oneOf": [_DECIMAL, {"type": "null"}]}
_STUDENT_PARAM = {"name": "user_id", "in": "path", "required": True,
                  "schema": {"type": "integer"}, "description": "The student's account id"}
_RESULT_PARAM = {"name": "result_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}

PATHS.update({
    "/students/{user_id}/records": {
        "get": {
            "summary": "A student's credit records per institution, with GPA per term and "
                       "cumulative",
            "description": "Students see their own, administrators everyone's. An "
                           "instructor sees only the records of the courses they teach "
                           "(partial: true). Anyone else gets 404. Converted credits appear "
                           "only as labelled equivalents.",
            "tags": ["records"],
            "parameters": [_STUDENT_PARAM],
            "responses": {"200": _resp("The records", "StudentRecords"), "401": ERROR,
                          "404": ERROR},
        }
    },
    "/students/{user_id}/audit": {
        "get": {
            "summary": "The degree audit of a student at one institution",
            "description": "Each requirement of the student's programme (credits in total "
                           "and by category, required courses, minimum JLPT level) as done, "
                           "in_progress or missing. The student and administrators only.",
            "tags": ["records"],
            "parameters": [_STUDENT_PARAM,
                           {"name": "institution", "in": "query", "required": True,
                            "schema": {"type": "string"}, "description": "Institution code"}],
            "responses": {"200": _resp("The audit", "DegreeAudit"), "401": ERROR,
                          "404": ERROR, "422": ERROR},
        }
    },
    "/students/{user_id}/transcripts": {
        "post": {
            "summary": "Issue a transcript or diploma supplement (administrators)",
            "description": "Renders the PDF, stores it immutably with its SHA-256 and an "
                           "Ed25519 signature, and answers with the document id and its "
                           "public verification URL. It supersedes the previous valid "
                           "document of the same kind, institution and language.",
            "tags": ["records"],
            "parameters": [_STUDENT_PARAM],
            "requestBody": {"required": True, "content": _json("TranscriptRequest")},
            "responses": {"201": _resp("The issued document", "IssuedDocument"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "422": ERROR},
        }
    },
    "/results/{result_id}": {
        "get": {
            "summary": "A final course result",
            "description": "The course's instructors, administrators and the student.",
            "tags": ["records"],
            "parameters": [_RESULT_PARAM],
            "responses": {"200": _resp("The result", "FinalResultResponse"), "401": ERROR,
                          "404": ERROR},
        },
        "patch": {
            "summary": "Correct a final result's score (instructors of the course, "
                       "administrators)",
            "description": "Send the version you read: if someone saved in between, the "
                           "answer is 409 and nothing changes. Every institution's record of "
                           "the result is superseded by a new one with your reason.",
            "tags": ["records"],
            "parameters": [_RESULT_PARAM],
            "requestBody": {"required": True, "content": _json("ResultCorrection")},
            "responses": {"200": _resp("The corrected result", "FinalResultResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "409": ERROR, "422": ERROR},
        },
    },
})

SCHEMAS.update({
    "CreditRecord": {
        "type": "object",
        "required": ["id", "source", "title", "credits", "grade", "passed", "term",
                     "revision", "equivalents"],
        "properties": {
            "id": {"type": "integer"},
            "source": {"enum": ["course", "transfer", "recognition"]},
            "course": {"type": ["string", "null"]}, "title": LANG_TEXT,
            "category": {"type": ["string", "null"]}, "credits": _DECIMAL,
            "hours": {"type": ["integer", "null"]}, "score": _NULLABLE_DECIMAL,
            "grade": {"type": "string"}, "grade_labels": LANG_TEXT,
            "grade_points": _NULLABLE_DECIMAL, "passed": {"type": "boolean"},
            "counts_in_gpa": {"type": "boolean"}, "term": {"type": "string"},
            "awarded_on": {"type": "string", "format": "date"},
            "origin": {"type": ["string", "null"]}, "revision": {"type": "integer"},
            "supersedes": {"type": ["integer", "null"]},
            "reason": {"type": ["string", "null"]},
            "result_id": {"type": ["integer", "null"]},
            "recorded_at": {"type": "string", "format": "date-time"},
            "equivalents": {"type": "array", "items": {
                "type": "object", "required": ["institution", "credits", "note"],
                "properties": {"institution": {"type": "string"}, "credits": _DECIMAL,
                               "hours": _DECIMAL, "note": {"type": "string"}}}},
        },
    },
    "StudentRecords": {
        "type": "object", "required": ["student", "partial", "institutions"],
        "properties": {
            "student": {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "name_ja": {"type": ["string", "null"]},
                "student_numbers": {"type": "object", "additionalProperties": {
                    "type": ["string", "null"]}}}},
            "partial": {"type": "boolean",
                        "description": "True: only the courses you teach are included"},
            "institutions": {"type": "array", "items": {
                "type": "object",
                "required": ["code", "credits_earned", "gpa", "terms", "records"],
                "properties": {
                    "code": {"type": "string"}, "name": LANG_TEXT,
                    "credit_hours": {"type": "integer"}, "credits_earned": _DECIMAL,
                    "credits_attempted": _DECIMAL, "credits_transferred": _DECIMAL,
                    "gpa": _NULLABLE_DECIMAL,
                    "terms": {"type": "array", "items": {
                        "type": "object", "required": ["term", "gpa"],
                        "properties": {"term": {"type": "string"},
                                       "credits_attempted": _DECIMAL,
                                       "credits_earned": _DECIMAL,
                                       "gpa": _NULLABLE_DECIMAL}}},
                    "records": {"type": "array",
                                "items": {"$ref": "#/components/schemas/CreditRecord"}},
                }}},
        },
    },
    "DegreeAudit": {
        "type": "object",
        "required": ["student", "institution", "programme", "credits_earned", "requirements",
                     "on_track", "complete"],
        "properties": {
            "student": {"type": "integer"}, "institution": {"type": "string"},
            "programme": {"type": ["string", "null"]}, "credits_earned": _DECIMAL,
            "credits_in_progress": _DECIMAL, "credits_transferred": _DECIMAL,
            "transfer_cap": {"type": ["integer", "null"]}, "gpa": _NULLABLE_DECIMAL,
            "jlpt_level": {"type": ["string", "null"]},
            "expected_credits": _NULLABLE_DECIMAL, "on_track": {"type": "boolean"},
            "complete": {"type": "boolean"},
            "requirements": {"type": "array", "items": {
                "type": "object", "required": ["kind", "label", "status", "required"],
                "properties": {
                    "kind": {"enum": ["total", "category", "course", "jlpt"]},
                    "label": {"type": "string"},
                    "status": {"enum": ["done", "in_progress", "missing"]},
                    "required": {"type": "string"},
                    "done": {"type": ["string", "null"]},
                    "in_progress": _NULLABLE_DECIMAL, "missing": _NULLABLE_DECIMAL,
                    "note": {"type": ["string", "null"]}}}},
        },
    },
    "TranscriptRequest": {
        "type": "object",
        "properties": {
            "kind": {"enum": ["transcript", "diploma_supplement"], "default": "transcript"},
            "institution": {"type": "string",
                            "description": "Institution code; required for a transcript"},
        },
    },
    "IssuedDocument": {
        "type": "object",
        "required": ["id", "kind", "sha256", "status", "verification_url", "issued_at"],
        "properties": {
            "id": {"type": "string", "description": "Random, 144 bits"},
            "kind": {"type": "string"}, "language": {"type": "string"},
            "subject": {"type": ["integer", "null"]},
            "issued_at": {"type": "string", "format": "date-time"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "status": {"enum": ["valid", "superseded", "revoked"]},
            "supersedes": {"type": ["string", "null"]},
            "verification_url": {"type": "string"}, "download_url": {"type": "string"},
        },
    },
    "FinalResult": {
        "type": "object",
        "required": ["id", "student", "course", "score", "term", "version", "records"],
        "properties": {
            "id": {"type": "integer"}, "student": {"type": "integer"},
            "course": {"type": "string"}, "score": _DECIMAL, "term": {"type": "string"},
            "awarded_on": {"type": "string", "format": "date"},
            "source": {"enum": ["course", "import"]},
            "version": {"type": "integer", "description": "Send it back when correcting"},
            "finalised_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "records": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "FinalResultResponse": {"type": "object", "required": ["result"],
                            "properties": {"result": {"$ref": "#/components/schemas/FinalResult"}}},
    "ResultCorrection": {
        "type": "object", "required": ["score", "reason", "version"],
        "properties": {"score": {"type": ["number", "string"], "description": "0-100"},
                       "reason": {"type": "string"},
                       "version": {"type": "integer",
                                   "description": "The version you read; 409 if stale"}},
    },
})

# --- japanese: furigana -----------------------------------------------------------------

PATHS.update({
    "/japanese/furigana": {
        "post": {
            "summary": "Automatic furigana for a text (instructors and administrators)",
            "description": "Readings from SudachiPy corrected by counter and context rules, "
                           "the shipped glossary and the administrators' reading table; "
                           "explicit {漢字|かんじ} markup in the text wins. `html` is the text "
                           "rendered as Markdown with every reading shown as <ruby>; "
                           "`tokens` covers the whole text, readings in hiragana.",
            "tags": ["japanese"],
            "requestBody": {"required": True, "content": _json("FuriganaRequest")},
            "responses": {"200": _resp("The text with readings", "FuriganaResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "413": ERROR,
                          "422": ERROR},
        }
    },
})

SCHEMAS.update({
    "FuriganaRequest": {
        "type": "object", "required": ["text"],
        "properties": {"text": {"type": "string", "maxLength": 100000,
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
})


# --- reports: completion reports and certificates (lms/api/reports.py) ------------------

_DOC_PARAM = {"name": "doc_id", "in": "path", "required": True,
              "schema": {"type": "string", "maxLength": 40}}
_REPORT_QUERY = [
    {"name": n, "in": "query", "required": False, "schema": {"type": "string"},
     "description": d} for n, d in (
        ("programme", "Programme code"), ("cohort", "Cohort code"), ("course", "Course code"),
        ("module", "Module key (with course)"), ("student", "Student id, e-mail or number"),
        ("from", "First day, YYYY-MM-DD"), ("to", "Last day, YYYY-MM-DD"),
        ("stalled_days", "Days without activity that count as stalled (default 7)"),
        ("status", "completed, in_progress, stalled or not_started"),
        ("sort", "name, course, percent, score, time, last or status; '-' first: descending"),
        ("lang", "Labels in this language (en, ja, uz, ru)"))]

PATHS.update({
    "/reports/completion": {
        "get": {
            "summary": "A completion report's figures (administrators)",
            "description": "Completion, scores, time spent, credits earned and status per "
                           "enrolment in scope (a programme, cohort, course or module, "
                           "student; dates), with the summary and the charts' data. At "
                           "least one of programme, cohort, course or student.",
            "tags": ["reports"],
            "parameters": _REPORT_QUERY + [
                {"name": "page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
            "responses": {"200": _resp("The report", "CompletionReport"), "401": ERROR,
                          "403": ERROR, "422": ERROR},
        }
    },
    "/reports": {
        "post": {
            "summary": "Issue a completion report (administrators)",
            "description": "Renders the report (pdf, xlsx or csv, labels in `language`) and "
                           "issues it as an immutable document: stored bytes, SHA-256, "
                           "Ed25519 signature, who, when, parameters. Returns its id and "
                           "verification URL; its file never changes.",
            "tags": ["reports"],
            "requestBody": {"required": True, "content": _json("ReportRequest")},
            "responses": {"201": _resp("The issued report", "IssuedReportResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR},
        },
        "get": {
            "summary": "Reports issued so far, newest first (administrators)",
            "tags": ["reports"],
            "parameters": [{"name": n, "in": "query", "required": False,
                            "schema": {"type": "string"}} for n in ("scope", "format",
                                                                    "status")],
            "responses": {"200": _resp("Issued reports", "IssuedReportList"), "401": ERROR,
                          "403": ERROR},
        },
    },
    "/reports/{doc_id}": {
        "get": {
            "summary": "An issued report (administrators)",
            "tags": ["reports"], "parameters": [_DOC_PARAM],
            "responses": {"200": _resp("The issued report", "IssuedReportResponse"),
                          "401": ERROR, "403": ERROR, "404": ERROR},
        }
    },
    "/reports/{doc_id}/file": {
        "get": {
            "summary": "An issued report's file, byte for byte as issued (administrators)",
            "tags": ["reports"], "parameters": [_DOC_PARAM],
            "responses": {"200": {"description": "The file (PDF, XLSX or CSV); header "
                                                 "X-Content-SHA256 is its SHA-256",
                                  "content": {"application/octet-stream": {"schema": {
                                      "type": "string", "format": "binary"}}}},
                          "401": ERROR, "403": ERROR, "404": ERROR},
        }
    },
    "/certificates": {
        "post": {
            "summary": "Issue a certificate of completion for a student (administrators)",
            "description": "A course the student completed, or a programme whose degree "
                           "audit is complete at every institution. Makes a bilingual PDF "
                           "(QR code to its verification page) and a signed Open Badges "
                           "3.0 credential. 409 when a valid one exists (send reissue).",
            "tags": ["certificates"],
            "requestBody": {"required": True, "content": _json("CertificateRequest")},
            "responses": {"201": _resp("The certificate", "CertificateResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "409": ERROR, "422": ERROR},
        }
    },
    "/certificates/bulk": {
        "post": {
            "summary": "Issue certificates for a cohort (administrators)",
            "description": "Every active student of the cohort who completed the course "
                           "(or programme) and has no valid certificate for it; the others "
                           "are listed with the reason.",
            "tags": ["certificates"],
            "requestBody": {"required": True, "content": _json("BulkCertificateRequest")},
            "responses": {"200": _resp("Issued and skipped", "BulkCertificateResult"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "422": ERROR},
        }
    },
    "/certificates/{doc_id}": {
        "get": {
            "summary": "A certificate and its status (administrators; the student)",
            "tags": ["certificates"], "parameters": [_DOC_PARAM],
            "responses": {"200": _resp("The certificate", "CertificateResponse"),
                          "401": ERROR, "404": ERROR},
        }
    },
    "/certificates/{doc_id}/credential": {
        "get": {
            "summary": "The certificate's Open Badges 3.0 credential, as issued",
            "description": "An OpenBadgeCredential (JSON-LD) with a DataIntegrityProof "
                           "(eddsa-jcs-2022) by the platform's key (did:key); valid "
                           "against 1EdTech's AchievementCredential schema.",
            "tags": ["certificates"], "parameters": [_DOC_PARAM],
            "responses": {"200": {"description": "The signed credential",
                                  "content": {"application/ld+json": {"schema": {
                                      "type": "object"}}}},
                          "401": ERROR, "404": ERROR},
        }
    },
    "/certificates/{doc_id}/revoke": {
        "post": {
            "summary": "Revoke a certificate and its credential (administrators)",
            "tags": ["certificates"], "parameters": [_DOC_PARAM],
            "requestBody": {"required": True, "content": _json("RevokeRequest")},
            "responses": {"200": _resp("The certificate, revoked", "CertificateResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "409": ERROR, "422": ERROR},
        }
    },
})

_NULLABLE_NUM = {"type": ["number", "null"]}
_CREDITS = {"type": "object", "additionalProperties": {"type": "number"},
            "description": "Institution code to credits earned"}

SCHEMAS.update({
    "ReportRequest": {
        "type": "object",
        "properties": {
            **{n: {"type": "string"} for n in ("programme", "cohort", "course", "module",
                                               "from", "to", "status", "sort")},
            "student": {"type": ["string", "integer"],
                        "description": "Student id, e-mail or student number"},
            "stalled_days": {"type": ["integer", "string"]},
            "format": {"enum": ["pdf", "xlsx", "csv"], "default": "pdf"},
            "language": {"type": "string", "default": "en",
                         "description": "Labels in en, ja, uz or ru"},
        },
    },
    "IssuedReport": {
        "type": "object",
        "required": ["id", "kind", "format", "language", "issued_at", "sha256", "status",
                     "verification_url", "download_url", "parameters"],
        "properties": {
            "id": {"type": "string"}, "kind": {"const": "completion_report"},
            "format": {"enum": ["pdf", "xlsx", "csv"]}, "language": {"type": "string"},
            "title": LANG_TEXT, "scope": {"type": "string"},
            "issued_at": {"type": "string", "format": "date-time"},
            "issued_by": {"type": ["string", "null"]},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "size": {"type": "integer"}, "filename": {"type": "string"},
            "content_type": {"type": "string"},
            "status": {"enum": ["valid", "superseded", "revoked"]},
            "revocation_reason": {"type": ["string", "null"]},
            "parameters": {"type": "object"}, "figures": {"type": "object"},
            "verification_url": {"type": "string"}, "download_url": {"type": "string"},
        },
    },
    "IssuedReportResponse": {"type": "object", "required": ["report"], "properties": {
        "report": {"$ref": "#/components/schemas/IssuedReport"}}},
    "IssuedReportList": {"type": "object", "required": ["reports"], "properties": {
        "reports": {"type": "array", "items": {"$ref": "#/components/schemas/IssuedReport"}}}},
    "CompletionReport": {
        "type": "object",
        "required": ["parameters", "summary", "charts", "rows", "page", "pages"],
        "properties": {
            "parameters": {"type": "object"}, "language": {"type": "string"},
            "generated_at": {"type": "string", "format": "date-time"},
            "summary": {"type": "object", "required": ["students", "enrolments", "completed"],
                        "properties": {
                            "students": {"type": "integer"}, "enrolments": {"type": "integer"},
                            "completed": {"type": "integer"},
                            "completion_rate": {"type": "integer"},
                            "average_percent": {"type": "integer"},
                            "average_score": _NULLABLE_NUM, "hours": {"type": "number"},
                            "statuses": {"type": "object",
                                         "additionalProperties": {"type": "integer"}},
                            "credits": _CREDITS}},
            "charts": {"type": "array", "items": {
                "type": "object", "required": ["id", "title", "description", "headers",
                                               "rows"],
                "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                               "description": {"type": "string"},
                               "headers": {"type": "array", "items": {"type": "string"}},
                               "rows": {"type": "array", "items": {
                                   "type": "array", "items": {"type": "string"}}}}}},
            "page": {"type": "integer"}, "pages": {"type": "integer"},
            "per_page": {"type": "integer"},
            "rows": {"type": "array", "items": {
                "type": "object",
                "required": ["student", "course", "done", "required", "percent", "status"],
                "properties": {
                    "student": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"},
                        "name_ja": {"type": ["string", "null"]},
                        "student_number": {"type": ["string", "null"]},
                        "email": {"type": "string"}, "cohort": {"type": ["string", "null"]}}},
                    "course": {"type": "string"}, "done": {"type": "integer"},
                    "required": {"type": "integer"},
                    "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                    "score": _NULLABLE_NUM, "hours": {"type": "number"},
                    "seconds": {"type": "integer"}, "credits": _CREDITS,
                    "status": {"enum": ["completed", "in_progress", "stalled",
                                        "not_started"]},
                    "last_activity": {"type": ["string", "null"], "format": "date-time"},
                    "completed_at": {"type": ["string", "null"], "format": "date-time"}}}},
        },
    },
    "CertificateRequest": {
        "type": "object", "required": ["student"],
        "properties": {
            "student": {"type": ["string", "integer"],
                        "description": "Student id, e-mail or student number"},
            "course": {"type": "string", "description": "Course code (or programme)"},
            "programme": {"type": "string", "description": "Programme code (or course)"},
            "reissue": {"type": "boolean", "default": False,
                        "description": "Replace a valid certificate (it is superseded)"},
        },
    },
    "BulkCertificateRequest": {
        "type": "object", "required": ["cohort"],
        "properties": {"cohort": {"type": "string"}, "course": {"type": "string"},
                       "programme": {"type": "string"}},
    },
    "RevokeRequest": {"type": "object", "required": ["reason"],
                      "properties": {"reason": {"type": "string", "minLength": 1,
                                                "description": "Shown on the verification "
                                                               "page"}}},
    "Certificate": {
        "type": "object",
        "required": ["id", "scope", "code", "status", "verification_url", "credential"],
        "properties": {
            "id": {"type": "string"}, "scope": {"enum": ["course", "programme"]},
            "code": {"type": "string"}, "student": {"type": ["integer", "null"]},
            "name": {"type": "string"}, "issued_at": {"type": "string", "format": "date-time"},
            "status": {"enum": ["valid", "superseded", "revoked"]},
            "revocation_reason": {"type": ["string", "null"]},
            "supersedes": {"type": ["string", "null"]},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "verification_url": {"type": "string"},
            "credential": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["id", "verification_url", "url"],
                "properties": {"id": {"type": "string"}, "sha256": {"type": "string"},
                               "verification_url": {"type": "string"},
                               "url": {"type": "string"}}}]},
        },
    },
    "CertificateResponse": {"type": "object", "required": ["certificate"], "properties": {
        "certificate": {"$ref": "#/components/schemas/Certificate"}}},
    "BulkCertificateResult": {
        "type": "object", "required": ["issued", "skipped"],
        "properties": {
            "issued": {"type": "array", "items": {"$ref": "#/components/schemas/Certificate"}},
            "skipped": {"type": "array", "items": {
                "type": "object", "required": ["student", "reason"],
                "properties": {"student": {"type": "integer"}, "email": {"type": "string"},
                               "reason": {"type": "string"}}}},
        },
    },
})


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
