"""Academic records: a student's credit records and GPA, the degree audit, issuing
transcripts, and reading or correcting a final result (optimistic locking: 409)."""

from __future__ import annotations

from decimal import Decimal

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
from lms.api.openapi import ERROR, LANG_TEXT, json_content, json_response
from lms.api.views import json_body
from lms.catalog import reference
from lms.core.errors import LmsError
from lms.extensions import db
from lms.records import degree_audit, documents, results, services, transcripts
from lms.records.models import FinalResult


def _dec(value) -> str | None:
    return None if value is None else format(Decimal(value), "f")


def _student_or_404(user_id: int):
    try:
        return services.get_student(user_id)
    except LmsError:
        raise ApiError(404, "not_found", _("There is no student %(id)d.", id=user_id)) from None


def record_json(record, summary) -> dict:
    return {
        "id": record.id, "source": record.source, "course": record.course_code,
        "title": record.title, "category": record.category, "credits": _dec(record.credits),
        "hours": record.hours, "score": _dec(record.score), "grade": record.grade,
        "grade_labels": record.grade_labels or {}, "grade_points": _dec(record.grade_points),
        "passed": record.passed, "counts_in_gpa": record.counts_in_gpa, "term": record.term,
        "awarded_on": record.awarded_on.isoformat(), "origin": record.origin,
        "revision": record.revision, "supersedes": record.supersedes_id,
        "reason": record.reason, "result_id": record.result_id,
        "recorded_at": record.created_at.isoformat(),
        "equivalents": [{
            "institution": e.institution.code, "credits": _dec(e.credits),
            "hours": _dec(e.hours),
            "note": _("Equivalent by workload, for reading only; not a record."),
        } for e in summary.equivalences(record.credits)],
    }


@bp.get("/students/<int:user_id>/records")
@token_required()
def student_records(user_id: int):
    viewer = g.api_user
    student = _student_or_404(user_id)
    course_ids = None
    if not services.may_see_student(viewer, student):
        if viewer.role != "instructor":
            raise ApiError(404, "not_found", _("There is no student %(id)d.", id=user_id))
        course_ids = services.taught_course_ids(viewer)
    summaries = services.student_records(student, course_ids=course_ids)
    if course_ids is not None and not summaries:
        raise ApiError(404, "not_found", _("There is no student %(id)d.", id=user_id))
    return jsonify({
        "student": {"id": student.id, "name": student.name, "name_ja": student.name_ja,
                    "student_numbers": {s.institution.code: services.student_number(
                        student, s.institution) for s in summaries}},
        "partial": course_ids is not None,
        "institutions": [{
            "code": s.institution.code, "name": s.institution.name,
            "credit_hours": s.institution.credit_hours,
            "credits_earned": _dec(s.earned), "credits_attempted": _dec(s.attempted),
            "credits_transferred": _dec(s.transferred), "gpa": _dec(s.gpa),
            "terms": [{"term": t.term, "credits_attempted": _dec(t.attempted),
                       "credits_earned": _dec(t.earned), "gpa": _dec(t.gpa)} for t in s.terms],
            "records": [record_json(r, s) for r in s.records],
        } for s in summaries],
    })


@bp.get("/students/<int:user_id>/audit")
@token_required()
def student_audit(user_id: int):
    student = _student_or_404(user_id)
    if not services.may_see_student(g.api_user, student):
        raise ApiError(404, "not_found", _("There is no student %(id)d.", id=user_id))
    code = request.args.get("institution", "").strip()
    if not code:
        raise ApiError(422, "validation_failed",
                       _("Name the institution: ?institution=CODE (e.g. TUT)."))
    audit = degree_audit.audit_by_code(student, code)
    return jsonify({
        "student": student.id, "institution": audit.institution.code,
        "programme": audit.program.code if audit.program else None,
        "credits_earned": _dec(audit.earned), "credits_in_progress": _dec(audit.in_progress),
        "credits_transferred": _dec(audit.transferred), "transfer_cap": audit.transfer_cap,
        "gpa": _dec(audit.gpa), "jlpt_level": audit.jlpt,
        "expected_credits": _dec(audit.expected), "on_track": audit.on_track,
        "complete": audit.complete,
        "requirements": [{
            "kind": line.requirement.kind, "label": line.label, "status": line.status,
            "required": _dec(line.required) if isinstance(line.required, Decimal)
            else line.required,
            "done": _dec(line.done) if isinstance(line.done, Decimal) else line.done,
            "in_progress": _dec(line.in_progress), "missing": _dec(line.missing),
            "note": line.note or None,
        } for line in audit.lines],
    })


@bp.post("/students/<int:user_id>/transcripts")
@token_required("admin")
def issue_transcript(user_id: int):
    student = _student_or_404(user_id)
    body = json_body()
    kind = body.get("kind", "transcript")
    institution = None
    if kind == "transcript":
        code = body.get("institution")
        if not isinstance(code, str) or not code:
            raise ApiError(422, "validation_failed",
                           _("'institution' (a code such as TUT) is required for a "
                             "transcript."),
                           [{"field": "institution", "message": _("This field is required.")}])
        institution = reference.get_institution(code)
    doc = transcripts.issue(student, kind, g.api_user, institution)
    return jsonify(document_json(doc)), 201


def document_json(doc) -> dict:
    return {
        "id": doc.id, "kind": doc.kind, "language": doc.language,
        "subject": doc.subject_id, "issued_at": doc.issued_at.isoformat(),
        "sha256": doc.sha256, "status": documents.document_status(doc),
        "supersedes": doc.supersedes_id,
        "verification_url": documents.verification_url(doc.id),
        "download_url": url_for("records.download_document", doc_id=doc.id, _external=True),
    }


def _result_or_404(result_id: int, *, manage: bool) -> FinalResult:
    result = db.session.get(FinalResult, result_id)
    viewer = g.api_user
    allowed = result is not None and (
        services.may_manage_result(viewer, result.course)
        or (not manage and viewer.id == result.user_id))
    if not allowed:
        raise ApiError(404, "not_found", _("There is no result %(id)d.", id=result_id))
    return result


def result_json(result: FinalResult) -> dict:
    return {
        "id": result.id, "student": result.user_id, "course": result.course.code,
        "score": _dec(result.score), "term": result.term,
        "awarded_on": result.awarded_on.isoformat(), "source": result.source,
        "version": result.version, "finalised_at": result.finalised_at.isoformat(),
        "updated_at": result.updated_at.isoformat(),
        "records": [r.id for r in services.records_of_result(result)],
    }


@bp.get("/results/<int:result_id>")
@token_required()
def get_result(result_id: int):
    return jsonify({"result": result_json(_result_or_404(result_id, manage=False))})


@bp.patch("/results/<int:result_id>")
@token_required("instructor", "admin")
def correct_result(result_id: int):
    result = _result_or_404(result_id, manage=True)
    body = json_body()
    problems = [f for f in ("score", "reason", "version") if body.get(f) in (None, "")]
    if problems:
        raise ApiError(422, "validation_failed",
                       _("score, reason and version (the one you read) are required."),
                       [{"field": f, "message": _("This field is required.")}
                        for f in problems])
    if isinstance(body["version"], bool) or not isinstance(body["version"], int):
        raise ApiError(422, "validation_failed", _("'version' must be an integer."))
    results.correct_result(result, g.api_user, score=body["score"],
                            reason=str(body["reason"]), expected_version=body["version"])
    return jsonify({"result": result_json(result)})


# --- OpenAPI: this module's paths and the schemas only they use (merged in lms.api.openapi) ---

_DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$",
            "description": "A decimal as text, exactly as recorded"}
_NULLABLE_DECIMAL = {"oneOf": [_DECIMAL, {"type": "null"}]}
_STUDENT_PARAM = {"name": "user_id", "in": "path", "required": True,
                  "schema": {"type": "integer"}, "description": "The student's account id"}
_RESULT_PARAM = {"name": "result_id", "in": "path", "required": True,
                 "schema": {"type": "integer"}}

_OPENAPI_PATHS: dict = {
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
            "responses": {"200": json_response("The records", "StudentRecords"), "401": ERROR,
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
            "responses": {"200": json_response("The audit", "DegreeAudit"), "401": ERROR,
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
            "requestBody": {"required": True, "content": json_content("TranscriptRequest")},
            "responses": {"201": json_response("The issued document", "IssuedDocument"),
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
            "responses": {"200": json_response("The result", "FinalResultResponse"), "401": ERROR,
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
            "requestBody": {"required": True, "content": json_content("ResultCorrection")},
            "responses": {"200": json_response("The corrected result", "FinalResultResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "409": ERROR, "422": ERROR},
        },
    },
}

_OPENAPI_SCHEMAS: dict = {
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
}

OPENAPI = {"paths": _OPENAPI_PATHS, "schemas": _OPENAPI_SCHEMAS}
