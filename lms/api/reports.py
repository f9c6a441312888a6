"""Completion reports and certificates: a report's figures as JSON, issuing a report (->
document id and verification URL), reading issued reports, issuing certificates (one, or
a cohort's), their Open Badges credential, and revoking them. Administrators, except that
a student may read their own certificate and credential."""

from __future__ import annotations

from flask import Response, g, jsonify, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
from lms.api.openapi import ERROR, LANG_TEXT, json_content, json_response
from lms.api.views import json_body
from lms.catalog.models import Course, Program
from lms.content.services import content_disposition
from lms.extensions import db
from lms.people.services import cohort_by_code
from lms.records import documents
from lms.reports import certificates, exports, issuing, params, present
from lms.reports.completion import build_report

MAX_PER_PAGE = 500


def report_json(doc, status: str | None = None) -> dict:
    return {
        "id": doc.id, "kind": doc.kind, "format": doc.params.get("format"),
        "language": doc.language, "title": doc.title, "scope": doc.subject_name,
        "issued_at": doc.issued_at.isoformat(),
        "issued_by": doc.issued_by.email if doc.issued_by else None,
        "sha256": doc.sha256, "size": doc.size, "filename": doc.filename,
        "content_type": doc.content_type,
        "status": status or documents.document_status(doc),
        "revocation_reason": doc.revocation.reason if doc.revocation else None,
        "parameters": {k: v for k, v in doc.params.items() if k != "figures"},
        "figures": doc.params.get("figures", {}),
        "verification_url": documents.verification_url(doc.id),
        "download_url": url_for("api.report_file", doc_id=doc.id, _external=True),
    }


def _report_or_404(doc_id: str):
    try:
        return issuing.get_report(doc_id)
    except Exception:  # noqa: BLE001 - any lookup failure is a 404 here
        raise ApiError(404, "not_found", _("There is no issued report with the id %(id)s.",
                                           id=doc_id[:40])) from None


def _text_params(body: dict) -> dict:
    return {k: ("" if body.get(k) is None else str(body.get(k))) for k in params.FIELDS}


@bp.get("/reports/completion")
@token_required("admin")
def completion_report():
    """The report's figures as JSON: summary, charts' data and one page of rows."""
    p = params.parse(request.args)
    lang = exports.check_language(request.args.get("lang") or "en")
    page = max(1, request.args.get("page", 1, type=int))
    per_page = min(max(1, request.args.get("per_page", 100, type=int)), MAX_PER_PAGE)
    with force_locale(lang):
        report = build_report(p)
        table = present.Table(report)
        rows, page, pages = report.page(page, per_page)
        summary = report.summary
        body = {
            "parameters": p.as_dict(), "language": lang,
            "generated_at": report.generated_at.isoformat(),
            "summary": {
                "students": summary.students, "enrolments": summary.enrolments,
                "completed": summary.completed, "completion_rate": summary.completion_rate,
                "average_percent": summary.average_percent,
                "average_score": summary.average_score, "hours": summary.hours,
                "statuses": dict(summary.statuses),
                "credits": {i.code: float(summary.credits.get(i.id, 0))
                            for i in report.institutions},
            },
            "charts": [{"id": c.id, "title": c.title, "description": c.description,
                        "headers": c.headers, "rows": c.rows}
                       for c in present.all_charts(report)],
            "page": page, "pages": pages, "per_page": per_page,
            "rows": [_row_json(report, table, r) for r in rows],
        }
    return jsonify(body)


def _row_json(report, table, row) -> dict:
    return {
        "student": {"id": row.user_id, "name": row.name, "name_ja": row.name_ja,
                    "student_number": row.number, "email": row.email, "cohort": row.cohort},
        "course": row.course.code, "done": row.done, "required": row.required,
        "percent": row.percent, "score": row.score, "hours": row.hours,
        "seconds": row.seconds,
        "credits": {i.code: float(row.credits.get(i.id, 0)) for i in report.institutions},
        "status": row.status,
        "last_activity": row.last_activity.isoformat() if row.last_activity else None,
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
    }


@bp.post("/reports")
@token_required("admin")
def issue_report():
    body = json_body()
    p = params.parse(_text_params(body))
    doc = issuing.issue_report(p, str(body.get("format") or "pdf"),
                               str(body.get("language") or "en"), g.api_user)
    return jsonify({"report": report_json(doc)}), 201


@bp.get("/reports")
@token_required("admin")
def list_reports():
    filters = issuing.IssuedFilters(scope=request.args.get("scope", "")[:100],
                                    fmt=request.args.get("format", "")[:10],
                                    status=request.args.get("status", "")[:20])
    return jsonify({"reports": [report_json(doc, status) for doc, status in
                                issuing.issued_reports(filters, limit=500)]})


@bp.get("/reports/<doc_id>")
@token_required("admin")
def get_report(doc_id: str):
    return jsonify({"report": report_json(_report_or_404(doc_id))})


@bp.get("/reports/<doc_id>/file")
@token_required("admin")
def report_file(doc_id: str):
    doc = _report_or_404(doc_id)
    response = Response(documents.document_bytes(doc), mimetype=doc.content_type)
    response.headers["Content-Disposition"] = content_disposition(doc.filename)
    response.headers["X-Content-SHA256"] = doc.sha256
    return response


# --- certificates ---------------------------------------------------------------------------


def certificate_json(certificate: certificates.Certificate) -> dict:
    pdf, credential = certificate.pdf, certificate.credential
    return {
        "id": pdf.id, "scope": certificate.scope, "code": certificate.code,
        "student": pdf.subject_id, "name": pdf.subject_name,
        "issued_at": pdf.issued_at.isoformat(), "status": certificate.status,
        "revocation_reason": certificate.revocation.reason if certificate.revocation
        else None,
        "supersedes": pdf.supersedes_id, "sha256": pdf.sha256,
        "verification_url": documents.verification_url(pdf.id),
        "credential": None if credential is None else {
            "id": credential.id, "sha256": credential.sha256,
            "verification_url": documents.verification_url(credential.id),
            "url": url_for("api.certificate_credential", doc_id=pdf.id, _external=True),
        },
    }


def _certificate_or_404(doc_id: str, *, manage: bool):
    try:
        certificate = certificates.get_certificate(doc_id)
    except Exception:  # noqa: BLE001
        certificate = None
    viewer = g.api_user
    if certificate is None or not (viewer.role == "admin" or (
            not manage and viewer.id == certificate.pdf.subject_id)):
        raise ApiError(404, "not_found", _("There is no certificate with the id %(id)s.",
                                           id=doc_id[:40]))
    return certificate


def _target(body: dict):
    course_code, programme_code = body.get("course"), body.get("programme")
    if bool(course_code) == bool(programme_code):
        raise ApiError(422, "validation_failed",
                       _("Give 'course' or 'programme' (one of them)."),
                       [{"field": "course", "message": _("Choose a course or a programme "
                                                         "(one of them).")}])
    model, code = (Course, course_code) if course_code else (Program, programme_code)
    row = db.session.scalar(db.select(model).where(model.code == str(code)))
    if row is None:
        field = "course" if course_code else "programme"
        raise ApiError(404, "not_found", _("There is no %(what)s with the code '%(code)s'.",
                                           what=field, code=str(code)[:40]))
    return row, bool(course_code)


@bp.post("/certificates")
@token_required("admin")
def issue_certificate():
    body = json_body()
    student = params.find_student(str(body.get("student") or ""))
    if student is None:
        raise ApiError(422, "validation_failed", _(
            "'student' must name a student (id, e-mail or student number)."),
            [{"field": "student", "message": _("This field is required.")}])
    target, is_course = _target(body)
    issue = certificates.issue_for_course if is_course else certificates.issue_for_programme
    certificate = issue(student, target, g.api_user, reissue=bool(body.get("reissue")))
    return jsonify({"certificate": certificate_json(certificate)}), 201


@bp.post("/certificates/bulk")
@token_required("admin")
def bulk_certificates():
    body = json_body()
    cohort = cohort_by_code(str(body.get("cohort") or ""))
    if cohort is None:
        raise ApiError(422, "validation_failed", _("'cohort' must be a cohort's code."),
                       [{"field": "cohort", "message": _("This field is required.")}])
    target, is_course = _target(body)
    result = certificates.bulk_issue(cohort, g.api_user,
                                     course=target if is_course else None,
                                     programme=None if is_course else target)
    return jsonify({
        "issued": [certificate_json(c) for c in result.issued],
        "skipped": [{"student": s.id, "email": s.email, "reason": why}
                    for s, why in result.skipped],
    })


@bp.get("/certificates/<doc_id>")
@token_required()
def get_certificate(doc_id: str):
    return jsonify({"certificate": certificate_json(_certificate_or_404(doc_id,
                                                                        manage=False))})


@bp.get("/certificates/<doc_id>/credential")
@token_required()
def certificate_credential(doc_id: str):
    """The Open Badges credential exactly as issued (signed JSON-LD)."""
    certificate = _certificate_or_404(doc_id, manage=False)
    if certificate.credential is None:
        raise ApiError(404, "not_found", _("This certificate has no Open Badges credential."))
    return Response(documents.document_bytes(certificate.credential),
                    mimetype=certificates.CREDENTIAL_TYPE)


@bp.post("/certificates/<doc_id>/revoke")
@token_required("admin")
def revoke_certificate(doc_id: str):
    certificate = _certificate_or_404(doc_id, manage=True)
    body = json_body()
    certificate = certificates.revoke_certificate(certificate, str(body.get("reason") or ""),
                                                  g.api_user)
    return jsonify({"certificate": certificate_json(certificate)})


# --- OpenAPI: this module's paths and the schemas only they use (merged in lms.api.openapi) ---

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

_NULLABLE_NUM = {"type": ["number", "null"]}
_CREDITS = {"type": "object", "additionalProperties": {"type": "number"},
            "description": "Institution code to credits earned"}

_OPENAPI_PATHS: dict = {
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
            "responses": {"200": json_response("The report", "CompletionReport"), "401": ERROR,
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
            "requestBody": {"required": True, "content": json_content("ReportRequest")},
            "responses": {"201": json_response("The issued report", "IssuedReportResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR},
        },
        "get": {
            "summary": "Reports issued so far, newest first (administrators)",
            "tags": ["reports"],
            "parameters": [{"name": n, "in": "query", "required": False,
                            "schema": {"type": "string"}} for n in ("scope", "format",
                                                                    "status")],
            "responses": {"200": json_response("Issued reports", "IssuedReportList"), "401": ERROR,
                          "403": ERROR},
        },
    },
    "/reports/{doc_id}": {
        "get": {
            "summary": "An issued report (administrators)",
            "tags": ["reports"], "parameters": [_DOC_PARAM],
            "responses": {"200": json_response("The issued report", "IssuedReportResponse"),
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
            "requestBody": {"required": True, "content": json_content("CertificateRequest")},
            "responses": {"201": json_response("The certificate", "CertificateResponse"),
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
            "requestBody": {"required": True, "content": json_content("BulkCertificateRequest")},
            "responses": {"200": json_response("Issued and skipped", "BulkCertificateResult"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "422": ERROR},
        }
    },
    "/certificates/{doc_id}": {
        "get": {
            "summary": "A certificate and its status (administrators; the student)",
            "tags": ["certificates"], "parameters": [_DOC_PARAM],
            "responses": {"200": json_response("The certificate", "CertificateResponse"),
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
            "requestBody": {"required": True, "content": json_content("RevokeRequest")},
            "responses": {"200": json_response("The certificate, revoked", "CertificateResponse"),
                          "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                          "409": ERROR, "422": ERROR},
        }
    },
}

_OPENAPI_SCHEMAS: dict = {
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
}

OPENAPI = {"paths": _OPENAPI_PATHS, "schemas": _OPENAPI_SCHEMAS}
