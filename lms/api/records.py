"""Academic records: a student's credit records and GPA, the degree audit, issuing
transcripts, and reading or correcting a final result (optimistic locking: 409)."""

from __future__ import annotations

from decimal import Decimal

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
from lms.api.views import json_body
from lms.core.errors import LmsError
from lms.extensions import db
from lms.records import degree_audit, documents, requirements, results, services, transcripts
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
        institution = requirements.institution_by_code(code)
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
