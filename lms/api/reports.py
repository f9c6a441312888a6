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
