"""A student's records: their own "My records" page, and the administrators' page for
one student (transfers, corrections, programme, numbers, documents). Plus the published
verification key. Access is checked once per view, in ``_student``/``_document``."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.auth.models import User
from lms.catalog.models import Institution, Program
from lms.content.services import content_disposition
from lms.core.access import admin_required
from lms.core.errors import LmsError
from lms.core.feedback import flash_problems
from lms.core.i18n import pick
from lms.extensions import db
from lms.people import services as people
from lms.records import (
    auditlog,
    bp,
    degree_audit,
    documents,
    results,
    services,
    transcripts,
    transfers,
)
from lms.records.forms import (
    CorrectRecordForm,
    FinaliseForm,
    IssueDocumentForm,
    ProgrammeForm,
    RevokeForm,
    StudentNumberForm,
    TransferForm,
)


def _student(user_id: int) -> User:
    """Load the student and check access: the student themself and administrators; 404
    for everyone else (no telling whether the student exists)."""
    try:
        student = services.get_student(user_id)
    except LmsError:
        abort(404)
    if not services.may_see_student(current_user, student):
        abort(404)
    return student


def _institution_choices(institutions=None):
    rows = institutions if institutions is not None else db.session.scalars(
        select(Institution).order_by(Institution.code)).all()
    return [SelectChoice(str(i.id), f"{i.code} — {pick(i.name)}") for i in rows]


def _chosen_institution(value) -> Institution | None:
    return db.session.get(Institution, int(value)) if value and str(value).isdigit() else None


def _page_data(student: User) -> dict:
    docs = documents.documents_of(student.id)
    return {
        "student": student,
        "summaries": services.student_records(student),
        "audits": degree_audit.audits_for(student),
        "history": services.superseded_records(student.id),
        "documents": [(d, documents.document_status(d)) for d in docs],
        "programmes": services.programmes_of(student),
        "numbers": {i.id: services.student_number(student, i)
                    for i in services.student_institutions(student)},
    }


@bp.get("/")
@login_required
def index():
    if current_user.role == "admin":
        return redirect(url_for("records.admin_index"))
    if current_user.role == "instructor":
        return redirect(url_for("records.teaching"))
    return render_template("records/my_records.html", **_page_data(current_user))


@bp.get("/admin/students")
@admin_required
def students():
    query = request.args.get("q", "")[:100]
    pagination = people.list_users(query, "student", request.args.get("page", 1, type=int))
    return render_template("records/students.html", pagination=pagination, q=query)


@bp.get("/students/<int:user_id>")
@login_required
def student_page(user_id: int):
    student = _student(user_id)
    if current_user.role != "admin":
        return redirect(url_for("records.index"))
    transfer = TransferForm()
    institutions = services.student_institutions(student) or db.session.scalars(
        select(Institution).order_by(Institution.code)).all()
    transfer.institution.choices = _institution_choices(institutions)
    issue = IssueDocumentForm()
    issue.institution.choices = _institution_choices(institutions)
    programme = ProgrammeForm()
    programme.program.choices = [SelectChoice(str(p.id), f"{p.code} — {pick(p.title)}") for p
                                 in db.session.scalars(select(Program).order_by(Program.code))]
    number = StudentNumberForm()
    number.institution.choices = _institution_choices()
    data = _page_data(student)
    log = auditlog.history("student", [student.id]) + auditlog.history(
        "credit_record", [r.id for s in data["summaries"] for r in s.records]
        + [r.id for r in data["history"]])
    return render_template("records/student.html", transfer=transfer, issue=issue,
                           programme=programme, number_form=number, revoke=RevokeForm(),
                           awaiting=results.awaiting_finalisation(student),
                           finalise_form=FinaliseForm(),
                           log=sorted(log, key=lambda row: row.id, reverse=True)[:50], **data)


def _back(student: User, anchor: str | None = None):
    return redirect(url_for("records.student_page", user_id=student.id, _anchor=anchor))


@bp.post("/students/<int:user_id>/transfers")
@admin_required
def add_transfer(user_id: int):
    student = _student(user_id)
    form = TransferForm()
    if not form.validate_on_submit():
        for message in form.first_errors():
            flash(message, "error")
        return _back(student, "transfer")
    institution = _chosen_institution(form.institution.data)
    if institution is None:
        flash(_("Choose the institution that records the credits."), "error")
        return _back(student, "transfer")
    upload = form.evidence_file.data
    fields = transfers.TransferFields(
        source=form.source.data,
        title={"en": form.title_en.data, "ja": form.title_ja.data, "uz": form.title_uz.data},
        credits=form.credits.data, origin=form.origin.data, term=form.term.data.strip(),
        awarded_on=form.awarded_on.data, category=form.category.data,
        course_code=form.course_code.data, external_grade=form.external_grade.data,
        evidence_note=form.evidence_note.data,
        evidence_file=upload.read() if upload else None,
        evidence_name=upload.filename if upload else None)
    try:
        record = transfers.add_transfer(student, institution, fields, current_user)
    except LmsError as exc:
        flash_problems(exc)
    else:
        flash(_("%(credits)s credits recorded at %(inst)s.",
                credits=services.plain_number(record.credits),
                inst=institution.code), "success")
    return _back(student, "records")


@bp.route("/entries/<int:record_id>/correct", methods=["GET", "POST"])
@admin_required
def correct_record(record_id: int):
    try:
        record = services.get_record(record_id)
    except LmsError:
        abort(404)
    student = _student(record.user_id)
    form = CorrectRecordForm(data={"credits": record.credits, "term": record.term,
                                   "category": record.category or "",
                                   "awarded_on": record.awarded_on}
                             if request.method == "GET" else None)
    newer = services.replacement_of(record)
    if form.validate_on_submit():
        changes = transfers.RecordChanges(credits=form.credits.data, term=form.term.data,
                                         category=form.category.data,
                                         awarded_on=form.awarded_on.data)
        try:
            transfers.correct_record(record, current_user, reason=form.reason.data,
                                    changes=changes)
        except LmsError as exc:
            flash_problems(exc)
        else:
            flash(_("The record was corrected; the earlier version stays in its history."),
                  "success")
            return _back(student, "records")
    return render_template("records/correct_record.html", form=form, record=record,
                           student=student, newer=newer)


@bp.post("/students/<int:user_id>/programme")
@admin_required
def set_programme(user_id: int):
    student = _student(user_id)
    form = ProgrammeForm()
    program = db.session.get(Program, int(form.program.data)) if (
        form.program.data or "").isdigit() else None
    if not form.validate_on_submit() or program is None:
        flash(_("Choose a programme and the admission date."), "error")
        return _back(student, "programme")
    try:
        services.admit_to_programme(student, program, form.admitted_on.data, current_user)
    except LmsError as exc:
        flash_problems(exc)
    else:
        flash(_("%(name)s is in %(prog)s.", name=student.name, prog=program.code), "success")
    return _back(student, "programme")


@bp.post("/students/<int:user_id>/numbers")
@admin_required
def set_number(user_id: int):
    student = _student(user_id)
    form = StudentNumberForm()
    institution = _chosen_institution(form.institution.data)
    if not form.validate_on_submit() or institution is None:
        flash(_("Choose the institution and give the number."), "error")
        return _back(student, "programme")
    try:
        services.set_student_number(student, institution, form.number.data, current_user)
    except LmsError as exc:
        flash_problems(exc)
    else:
        flash(_("Student number saved."), "success")
    return _back(student, "programme")


@bp.post("/students/<int:user_id>/documents")
@admin_required
def issue_document(user_id: int):
    student = _student(user_id)
    form = IssueDocumentForm()
    if not form.validate_on_submit():
        flash(_("Choose the document to issue."), "error")
        return _back(student, "documents")
    try:
        doc = transcripts.issue(student, form.kind.data, current_user,
                                _chosen_institution(form.institution.data))
    except LmsError as exc:
        flash_problems(exc)
    else:
        flash(_("Issued. Its verification address: %(url)s",
                url=documents.verification_url(doc.id)), "success")
    return _back(student, "documents")


def _document(doc_id: str):
    """Load an issued document for its subject or an administrator; 404 for others."""
    try:
        doc = documents.get_document(doc_id)
    except LmsError:
        abort(404)
    if not (current_user.role == "admin" or current_user.id == doc.subject_id):
        abort(404)
    return doc


@bp.get("/documents/<doc_id>/download")
@login_required
def download_document(doc_id: str):
    doc = _document(doc_id)
    return _attachment(documents.stored_path(doc), doc.content_type, doc.filename)


@bp.post("/documents/<doc_id>/revoke")
@admin_required
def revoke_document(doc_id: str):
    doc = _document(doc_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for revoking; it is shown on the verification page."),
              "error")
    else:
        try:
            documents.revoke_document(doc, form.reason.data, current_user)
        except LmsError as exc:
            flash_problems(exc)
        else:
            flash(_("The document is revoked; its verification page now says so."),
                  "success")
    if doc.subject_id:
        return redirect(url_for("records.student_page", user_id=doc.subject_id,
                                _anchor="documents"))
    return redirect(url_for("verify.document", doc_id=doc.id))


@bp.get("/entries/<int:record_id>/evidence")
@login_required
def evidence(record_id: int):
    try:
        record = services.get_record(record_id)
    except LmsError:
        abort(404)
    _student(record.user_id)
    try:
        path, mimetype = transfers.evidence_file(record)
    except LmsError:
        abort(404)
    return _attachment(path, mimetype, record.evidence_name or path.name)


def _attachment(path, mimetype: str, filename: str):
    """A download named as uploaded: the name only ever in RFC 5987 form, so quotes, line
    breaks or direction overrides in it cannot shape the header."""
    response = send_file(path, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response


# --- the published key -------------------------------------------------------------


@bp.get("/keys/ed25519.pem")
def public_key():
    response = Response(documents.public_key_pem(), mimetype="application/x-pem-file")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/keys/jwks.json")
def jwks():
    response = jsonify(documents.jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# --- template helpers (records and verification pages only) ----------------------------


def _num(value) -> str:
    """A decimal without trailing zeros beyond one place: 2, 2.5, 89.5."""
    from decimal import Decimal

    if value is None:
        return "—"
    value = Decimal(value)
    return format(value.quantize(Decimal(1)) if value % 1 == 0 else value.normalize(), "f")


def _gpa(value) -> str:
    return format(value, "f") if value is not None else "—"


def _status_text(status: str) -> str:
    return {"done": _("Done"), "in_progress": _("In progress"), "missing": _("Missing"),
            "valid": _("Valid"), "superseded": _("Superseded by a newer document"),
            "revoked": _("Revoked")}.get(status, status)


def _source_text(source: str) -> str:
    return {"course": _("Course"), "transfer": _("Transfer"),
            "recognition": _("Recognition")}.get(source, source)


def _kind_text(kind: str) -> str:
    return {"transcript": _("Transcript"), "diploma_supplement": _("Diploma supplement"),
            "completion_report": _("Completion report"),
            "certificate": _("Certificate")}.get(kind, kind)


def template_helpers() -> dict:
    return {"num": _num, "gpa_text": _gpa, "status_text": _status_text,
            "source_text": _source_text, "kind_text": _kind_text,
            "term_label": transcripts.term_label,
            "status_mark": {"done": "✓", "in_progress": "◐", "missing": "✗", "valid": "✓",
                            "superseded": "↻", "revoked": "✗"}}


bp.context_processor(template_helpers)
