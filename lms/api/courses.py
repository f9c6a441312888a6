"""Catalogue, module upload and enrolment endpoints."""

from __future__ import annotations

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
from lms.api.openapi import ERROR, LANG_TEXT, json_content, json_response
from lms.api.views import json_body
from lms.authoring import search
from lms.authoring import services as authoring
from lms.catalog import services as catalog
from lms.learning import services as learning
from lms.people import services as people


def course_json(course, *, outline: bool = False, user=None) -> dict:
    data = {
        "code": course.code,
        "title": course.title,
        "description": course.description or {},
        "provider": course.provider.code,
        "language": course.language,
        "hours": course.hours,
        "credits": {c.institution.code: float(c.credits) for c in course.credits},
        "track": course.track.code if course.track else None,
        "jlpt_level": course.jlpt_level,
        "self_enroll": course.self_enroll,
        "instructors": [u.email for u in course.instructors],
        "url": url_for("catalog.course", code=course.code, _external=True),
    }
    if outline:
        data["modules"] = [
            {**module_json(entry.module), "version": entry.version.number,
             "items": [item_json(i) for i in entry.items]}
            for entry in learning.course_outline(course)
        ] if user is not None and catalog.can_view(user, course) else []
    return data


def module_json(module) -> dict:
    version = module.current_version
    return {"id": module.id, "key": module.key, "position": module.position,
            "title": version.title if version else {}}


def item_json(item) -> dict:
    return {"id": item.id, "key": item.key, "kind": item.kind, "title": item.title,
            "required": item.required,
            "url": url_for("learning.item", item_id=item.id, _external=True)}


def _course_or_404(code: str):
    course = catalog.course_by_code(code)  # raises NotFound -> JSON 404
    if not course.published and not catalog.can_manage(g.api_user, course):
        raise ApiError(404, "not_found", _("There is no course with the code %(code)s.",
                                           code=code))
    return course


@bp.get("/courses")
@token_required()
def list_courses():
    filters = catalog.CourseFilters(
        q=request.args.get("q", "")[:100], track=request.args.get("track"),
        provider=request.args.get("provider"), level=request.args.get("level"),
        language=request.args.get("language"))
    page = request.args.get("page", 1, type=int)
    per_page = min(max(request.args.get("per_page", 24, type=int), 1), 100)
    results = catalog.search_courses(filters, page, per_page, content=search.matching_courses)
    return jsonify({"courses": [course_json(c) for c in results.items], "page": results.page,
                    "pages": results.pages, "total": results.total})


@bp.get("/courses/<code>")
@token_required()
def get_course(code: str):
    course = _course_or_404(code)
    return jsonify({"course": course_json(course, outline=True, user=g.api_user)})


@bp.post("/courses")
@token_required("admin")
def create_course():
    body = json_body()
    title = body.get("title")
    fields = catalog.CourseFields(
        code=str(body.get("code") or ""),
        title=title if isinstance(title, dict) else {"en": title} if isinstance(title, str) else {},
        description=body.get("description") if isinstance(body.get("description"), dict) else {},
        provider=str(body.get("provider") or ""),
        hours=body.get("hours"),
        credits=body.get("credits") if isinstance(body.get("credits"), dict) else {},
        language=str(body.get("language") or "en"),
        track=body.get("track"), jlpt_level=body.get("jlpt_level"),
        self_enroll=bool(body.get("self_enroll", False)),
        instructors=[str(e) for e in body.get("instructors") or []],
    )
    course = catalog.save_course(fields)
    return jsonify({"course": course_json(course)}), 201


@bp.post("/courses/<code>/modules")
@token_required("instructor", "admin")
def upload_module(code: str):
    course = _course_or_404(code)
    if not catalog.can_manage(g.api_user, course):
        raise ApiError(403, "forbidden", _("Only this course's instructors and administrators "
                                           "may upload modules."))
    package = request.files.get("package")
    if package is None or not package.filename:
        raise ApiError(422, "validation_failed",
                       _("Send the zip as the multipart form field 'package'."),
                       [{"file": None, "line": None, "message": _("The field 'package' is missing.")}])
    result = authoring.import_package(course, package.stream, package.filename, g.api_user)
    body = {
        "module": module_json(result.module),
        "version": result.version.number,
        "created": result.created,
        "items": [item_json(i) for i in result.version.items],
        "warnings": result.warnings,
    }
    return jsonify(body), 201 if result.created else 200


@bp.post("/courses/<code>/enrollments")
@token_required("instructor", "admin")
def enroll_students(code: str):
    course = _course_or_404(code)
    if not catalog.can_manage(g.api_user, course):
        raise ApiError(403, "forbidden", _("Only this course's instructors and administrators "
                                           "may enrol students."))
    body = json_body()
    emails, cohort_code = body.get("students") or [], body.get("cohort")
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise ApiError(422, "validation_failed", _("'students' must be a list of e-mails."))
    source = "admin" if g.api_user.role == "admin" else "instructor"
    added = []
    if cohort_code:
        cohort = people.cohort_by_code(str(cohort_code))
        if cohort is None:
            raise ApiError(422, "validation_failed",
                           _("There is no cohort with the code %(code)s.", code=cohort_code))
        added += catalog.enroll_cohort(course, cohort)
    if emails or not cohort_code:
        added += catalog.enroll_by_emails(course, emails, source=source)
    return jsonify({"enrolled": len(added),
                    "enrollments": [{"student": e.user.email, "term": e.term,
                                     "status": e.status} for e in added]}), 200


# --- OpenAPI: this module's paths and the schemas only they use (merged in lms.api.openapi) ---

_OPENAPI_PATHS: dict = {
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
            "responses": {"200": json_response("Matching courses", "CourseList"), "401": ERROR},
        },
        "post": {
            "summary": "Create a course (administrators)",
            "tags": ["catalogue"],
            "requestBody": {"required": True, "content": json_content("CourseInput")},
            "responses": {"201": json_response("The course", "CourseResponse"), "400": ERROR,
                          "401": ERROR, "403": ERROR, "409": ERROR, "422": ERROR},
        },
    },
    "/courses/{code}": {
        "get": {
            "summary": "A course, with its modules and items when you may open them",
            "tags": ["catalogue"],
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": json_response("The course", "CourseResponse"), "401": ERROR,
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
                "201": json_response("A new module or version", "UploadResult"),
                "200": json_response("The same package was already current; nothing changed",
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
            "requestBody": {"required": True, "content": json_content("EnrollmentInput")},
            "responses": {"200": json_response("Who was enrolled (already enrolled: left as is)",
                                       "EnrollmentResult"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "422": ERROR},
        }
    },
}

_OPENAPI_SCHEMAS: dict = {
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
        "properties": {"courses": {"type": "array",
                                   "items": {"$ref": "#/components/schemas/Course"}},
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
}

OPENAPI = {"paths": _OPENAPI_PATHS, "schemas": _OPENAPI_SCHEMAS}
