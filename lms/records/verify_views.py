"""The public verification pages, /verify and /verify/<id>: anyone holding a document
(an employer, another university) checks its status and that their copy is the one
issued. No sign-in; nothing here changes data."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from lms.core.errors import LmsError
from lms.extensions import limiter
from lms.records import documents, verify_bp
from lms.records.forms import VerifyUploadForm
from lms.records.views import template_helpers

CHECK_LIMIT = "30 per minute"
verify_bp.context_processor(template_helpers)


@verify_bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(CHECK_LIMIT, methods=["POST"])
def lookup():
    """Find a document by the id printed on it, or by uploading the file itself."""
    doc_id = (request.args.get("id") or "").strip()
    if doc_id:
        return redirect(url_for("verify.document", doc_id=doc_id))
    form = VerifyUploadForm()
    not_found = False
    if form.validate_on_submit():
        found = documents.find_by_bytes(form.file.data.read())
        if found is not None:
            return redirect(url_for("verify.document", doc_id=found.id, checked="match"))
        not_found = True
    return render_template("records/verify.html", form=form, not_found=not_found), (
        404 if not_found else 200)


@verify_bp.route("/verify/<doc_id>", methods=["GET", "POST"])
@limiter.limit(CHECK_LIMIT, methods=["POST"])
def document(doc_id: str):
    try:
        doc = documents.get_document(doc_id)
    except LmsError:
        abort(404)
    form = VerifyUploadForm()
    check = "match" if request.args.get("checked") == "match" else None
    if form.validate_on_submit():
        check = "match" if documents.matches(doc, form.file.data.read()) else "mismatch"
    return render_template(
        "records/verify_document.html", doc=doc, form=form, check=check,
        status=documents.document_status(doc), successor=documents.successor(doc),
        signature_ok=documents.signature_valid(doc), url=documents.verification_url(doc.id))
