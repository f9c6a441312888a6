"""The reports pages (administrators): the completion report with its charts and exports,
issuing and the list of issued reports, certificates (one, a cohort, revoking); and the
public, signed-in-or-not addresses an Open Badges credential points to (the credential,
the revocation list, the issuer's key, the achievement).

Each view: parse the request, load the object (404 when it is not one of ours), check
access (administrators; decorators), call a service, render or redirect."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.authoring.models import Module
from lms.catalog.models import Course, Program
from lms.content.services import content_disposition
from lms.core.access import admin_required
from lms.core.db import utcnow
from lms.core.errors import LmsError, ValidationError
from lms.core.feedback import flash_problems
from lms.core.i18n import current_language, pick
from lms.extensions import db
from lms.learning import progress
from lms.people.models import Cohort
from lms.records import documents
from lms.reports import bp, certificates, exports, issuing, params, present
from lms.reports.completion import PAGE_SIZE, build_report
from lms.reports.forms import (
    BulkCertificateForm,
    CertificateFilterForm,
    CertificateForm,
    IssuedFilterForm,
    IssueReportForm,
    ReportFilterForm,
    RevokeCertificateForm,
)

SCOPE_KEYS = ("programme", "cohort", "course", "student")


@bp.context_processor
def _templates():
    return {"status_label": present.status_label}


def _choices(rows, blank: str = "—") -> list:
    lang = current_language()
    return [SelectChoice("", blank)] + [
        SelectChoice(r.code, f"{r.code} — {pick(r.title, lang)}" if hasattr(r, "title")
                     else f"{r.code} — {r.name}") for r in rows]


def _programmes():
    return db.session.scalars(select(Program).order_by(Program.code)).all()


def _cohorts():
    return db.session.scalars(select(Cohort).order_by(Cohort.code)).all()


def _courses():
    return db.session.scalars(select(Course).order_by(Course.code)).all()


def _status_choices(statuses=params.STATUSES) -> list:
    return [SelectChoice("", _("Any"))] + [SelectChoice(s, present.status_label(s))
                                          for s in statuses]


def _request_params() -> dict:
    args = request.args
    data = {k: args.get(k, "") for k in params.FIELDS}
    data["from"] = args.get("from") or args.get("date_from", "")
    data["to"] = args.get("to") or args.get("date_to", "")
    return data


def _filter_form(p: params.ReportParams | None, raw: dict) -> ReportFilterForm:
    form = ReportFilterForm(formdata=None, data={
        "programme": raw.get("programme", ""), "cohort": raw.get("cohort", ""),
        "course": raw.get("course", ""), "module": raw.get("module", ""),
        "student": raw.get("student", ""),
        "date_from": p.date_from if p else None, "date_to": p.date_to if p else None,
        "stalled_days": p.stalled_days if p else params.STALLED_DEFAULT_DAYS,
        "status": raw.get("status", ""), "sort": raw.get("sort", "")})
    form.programme.choices = _choices(_programmes())
    form.cohort.choices = _choices(_cohorts())
    form.course.choices = _choices(_courses())
    modules = []
    if p is not None and p.course is not None:
        modules = db.session.scalars(select(Module).where(Module.course_id == p.course.id)
                                     .order_by(Module.position, Module.id)).all()
    lang = current_language()
    form.module.choices = [SelectChoice("", _("Whole course"))] + [
        SelectChoice(m.key, f"{m.key} — {pick(m.current_version.title, lang)}"
                     if m.current_version else m.key) for m in modules]
    form.status.choices = _status_choices()
    return form


# --- the report page and its exports -------------------------------------------------------


@bp.get("/")
@admin_required
def index():
    raw = _request_params()
    report = p = None
    problems = None
    if any(raw.get(k) for k in SCOPE_KEYS):
        try:
            p = params.parse(raw)
        except LmsError as exc:
            problems = exc
        else:
            report = build_report(p)
    form = _filter_form(p, raw)
    context = {"form": form, "report": report, "params": p, "problems": problems}
    if report is not None:
        rows, page, pages = report.page(request.args.get("page", 1, type=int), PAGE_SIZE)
        table = present.Table(report)
        issue = IssueReportForm(formdata=None, data={"language": current_language()})
        issue.language.choices = _language_choices()
        context.update(
            rows=rows, page=page, pages=pages, table=table,
            cells=[table.text_map(r) for r in rows], charts=present.all_charts(report),
            summary=present.summary_lines(report), scope=present.scope_lines(report),
            issue=issue, hidden=p.as_dict())
    return render_template("reports/index.html", **context)


def _language_choices() -> list:
    return [SelectChoice(code, name) for code, name in
            current_app.config["LANGUAGES"].items()]


@bp.get("/export.<fmt>")
@admin_required
def export(fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    try:
        p = params.parse(_request_params())
        lang = exports.check_language(request.args.get("lang") or current_language())
        if fmt == "csv":  # streamed: rows are read, formatted and sent a batch at a time
            now = utcnow()
            name = exports.filename_of(p, now, fmt)
            response = Response(stream_with_context(exports.csv_stream(p, lang, now=now)),
                                mimetype="text/csv")
            response.headers["Content-Type"] = exports.FORMATS["csv"][0]
        elif fmt == "xlsx":  # rows written a batch at a time (openpyxl write-only)
            now = utcnow()
            name = exports.filename_of(p, now, fmt)
            response = Response(exports.xlsx_bytes(p, lang, now=now),
                                mimetype=exports.FORMATS[fmt][0])
        else:
            with force_locale(lang):
                report = build_report(p)
            name = exports.filename(report, fmt)
            response = Response(exports.pdf_bytes(report, lang),
                                mimetype=exports.FORMATS[fmt][0])
    except LmsError as exc:
        flash_problems(exc)
        return redirect(url_for("reports.index", **request.args.to_dict()))
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


@bp.post("/issue")
@admin_required
def issue():
    form = IssueReportForm()
    form.language.choices = _language_choices()
    back = {k: request.form.get(k) for k in params.FIELDS if request.form.get(k)}
    if not form.validate_on_submit():
        for message in form.first_errors():
            flash(message, "error")
        return redirect(url_for("reports.index", **back))
    try:
        p = params.parse(request.form)
        doc = issuing.issue_report(p, form.format.data, form.language.data, current_user)
    except LmsError as exc:
        flash_problems(exc)
        return redirect(url_for("reports.index", **back))
    flash(_("The report is issued. Its verification address: %(url)s",
            url=documents.verification_url(doc.id)), "success")
    return redirect(url_for("reports.issued", _anchor=f"doc-{doc.id}"))


@bp.get("/issued")
@admin_required
def issued():
    form = IssuedFilterForm(request.args)
    form.status.choices = [SelectChoice("", _("Any")), SelectChoice("valid", _("Valid")),
                           SelectChoice("revoked", _("Revoked"))]
    form.validate()
    filters = issuing.IssuedFilters(
        scope=form.scope.data or "", fmt=form.format.data or "",
        status=form.status.data or "", issued_by=form.issued_by.data or "",
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None)
    rows = issuing.issued_reports(filters)
    page = max(1, request.args.get("page", 1, type=int))
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    return render_template("reports/issued.html", form=form, page=page, pages=pages,
                           rows=rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE],
                           total=len(rows), args=request.args.to_dict())


# --- certificates -----------------------------------------------------------------------------


def _certificate(doc_id: str) -> certificates.Certificate:
    try:
        return certificates.get_certificate(doc_id)
    except LmsError:
        abort(404)


def _certificate_forms():
    single, bulk = CertificateForm(), BulkCertificateForm()
    programmes, courses = _choices(_programmes()), _choices(_courses())
    single.course.choices, single.programme.choices = courses, programmes
    bulk.course.choices, bulk.programme.choices = courses, programmes
    bulk.cohort.choices = _choices(_cohorts())
    return single, bulk


def _course_or_programme(course_code: str, programme_code: str):
    course = db.session.scalar(select(Course).where(Course.code == course_code)) \
        if course_code else None
    programme = db.session.scalar(select(Program).where(Program.code == programme_code)) \
        if programme_code else None
    return course, programme


@bp.get("/certificates")
@admin_required
def certificates_page():
    filters = CertificateFilterForm(request.args)
    filters.cohort.choices = _choices(_cohorts())
    filters.status.choices = [SelectChoice("", _("Any")), SelectChoice("valid", _("Valid")),
                              SelectChoice("superseded", _("Superseded")),
                              SelectChoice("revoked", _("Revoked"))]
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == filters.cohort.data)) \
        if filters.cohort.data else None
    rows = certificates.list_certificates(code=(filters.code.data or "").strip(),
                                          cohort=cohort, status=filters.status.data or "")
    single, bulk = _certificate_forms()
    return render_template("reports/certificates.html", rows=rows, filters=filters,
                           single=single, bulk=bulk, revoke=RevokeCertificateForm(),
                           check=_rests_on(request.args.get("check_student", "").strip(),
                                           request.args.get("check_course", "").strip()))


def _rests_on(student_key: str, course_code: str):
    """What a course certificate for this student would rest on: each assessment's score
    and who gave it, and whether the course accepts that (None when nothing was asked)."""
    if not student_key and not course_code:
        return None
    student = params.find_student(student_key) if student_key else None
    course, _programme = _course_or_programme(course_code, "")
    if student is None or course is None:
        return {"error": _("Give a student (id, e-mail or student number) and a course code.")}
    basis = progress.outcome_basis(student.id, course)
    return {"student": student, "course": course, "basis": basis}


@bp.post("/certificates")
@admin_required
def issue_certificate():
    single, _bulk = _certificate_forms()
    if not single.validate_on_submit():
        for message in single.first_errors():
            flash(message, "error")
        return redirect(url_for("reports.certificates_page"))
    course, programme = _course_or_programme(single.course.data, single.programme.data)
    student = params.find_student(single.student.data)
    try:
        if student is None:
            raise ValidationError(_("There is no student '%(key)s' (give an id, e-mail or student "
                             "number).", key=single.student.data))
        if (course is None) == (programme is None):
            raise ValidationError(_("Choose a course or a programme (one of them)."))
        certificate = (certificates.issue_for_course if course else
                       certificates.issue_for_programme)(
            student, course or programme, current_user, reissue=single.reissue.data)
    except LmsError as exc:
        flash_problems(exc)
    else:
        flash(_("Certificate issued. Its verification address: %(url)s",
                url=documents.verification_url(certificate.id)), "success")
    return redirect(url_for("reports.certificates_page"))


@bp.post("/certificates/bulk")
@admin_required
def bulk_certificates():
    _single, bulk = _certificate_forms()
    if not bulk.validate_on_submit():
        for message in bulk.first_errors():
            flash(message, "error")
        return redirect(url_for("reports.certificates_page"))
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == bulk.cohort.data)) \
        if bulk.cohort.data else None
    course, programme = _course_or_programme(bulk.course.data, bulk.programme.data)
    try:
        if cohort is None:
            raise ValidationError(_("Choose a cohort."))
        result = certificates.bulk_issue(cohort, current_user, course=course,
                                         programme=programme)
    except LmsError as exc:
        flash_problems(exc)
    else:
        flash(_("%(issued)d certificates issued; %(skipped)d students skipped.",
                issued=len(result.issued), skipped=len(result.skipped)), "success")
        for student, why in result.skipped[:20]:
            flash(f"{student.name}: {why}", "info")
    return redirect(url_for("reports.certificates_page"))


@bp.post("/certificates/<doc_id>/revoke")
@admin_required
def revoke_certificate(doc_id: str):
    certificate = _certificate(doc_id)
    form = RevokeCertificateForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for revoking; it is shown on the verification page."),
              "error")
    else:
        try:
            certificates.revoke_certificate(certificate, form.reason.data, current_user)
        except LmsError as exc:
            flash_problems(exc)
        else:
            flash(_("The certificate and its Open Badges credential are revoked; their "
                    "verification pages now say so."), "success")
    return redirect(url_for("reports.certificates_page"))


# --- public: what an Open Badges credential points to ----------------------------------------


def _public_json(data, *, max_age: int = 300, mimetype: str = "application/json"):
    response = jsonify(data) if not isinstance(data, bytes) else Response(data)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers read these anywhere
    return response


@bp.get("/credentials/<doc_id>")
def credential(doc_id: str):
    """A certificate's Open Badges credential, exactly as issued (its bytes)."""
    certificate = _certificate(doc_id)
    if certificate.credential is None:
        abort(404)
    return _public_json(documents.document_bytes(certificate.credential), max_age=60,
                        mimetype=certificates.CREDENTIAL_TYPE)


@bp.get("/credentials/revocations")
def revocation_list():
    """The revocation list named by every credential's credentialStatus."""
    return _public_json(certificates.revocation_list(), max_age=60)


@bp.get("/keys/multikey.json")
def multikey():
    """The platform's signing key as a Multikey controller document (its did:key)."""
    from lms.reports import openbadges

    return _public_json(openbadges.controller_document(documents.public_key()),
                        max_age=3600, mimetype="application/did+ld+json")


@bp.get("/achievements/<scope>/<code>")
def achievement(scope: str, code: str):
    """The Achievement a credential names: the course or programme, in English."""
    model = {"course": Course, "programme": Program}.get(scope)
    row = db.session.scalar(select(model).where(model.code == code)) if model else None
    if row is None or (scope == "course" and not row.published):
        abort(404)
    return _public_json({
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": certificates.absolute("reports.achievement", scope=scope, code=code),
        "type": ["Achievement"], "humanCode": row.code, "name": pick(row.title, "en"),
        "achievementType": "Course" if scope == "course" else "LearningProgram",
    })


@bp.get("/documents/<doc_id>/download")
@admin_required
def download(doc_id: str):
    """An issued report's stored bytes (administrators); identical on every download."""
    try:
        doc = issuing.get_report(doc_id)
    except LmsError:
        abort(404)
    response = Response(documents.document_bytes(doc), mimetype=doc.content_type)
    response.headers["Content-Disposition"] = content_disposition(doc.filename)
    return response
