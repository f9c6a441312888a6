"""Issuing a completion report: the report's bytes become an issued document of the
records feature (stored once, SHA-256, Ed25519 signature, who, when, parameters,
/verify/<id>), so downloading it again returns exactly the same bytes; and the list of
reports issued so far."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.catalog.models import Institution
from lms.core.errors import NotFound
from lms.extensions import db
from lms.records import documents
from lms.records.models import IssuedDocument
from lms.reports import exports, present
from lms.reports.certificates import bulk_statuses
from lms.reports.completion import build_report
from lms.reports.params import ReportParams

KIND = "completion_report"
TITLE_LANGUAGES = ("en", "ja", "uz", "ru")


def _issuer() -> Institution | None:
    """The institution reports are issued in the name of (REPORTS_ISSUER, default JDU)."""
    code = current_app.config.get("REPORTS_ISSUER", "JDU")
    return db.session.scalar(select(Institution).where(Institution.code == code))


def _scope_name(params: ReportParams) -> str:
    parts = [x for x in (
        params.programme.code if params.programme else None,
        params.cohort.code if params.cohort else None,
        params.course.code if params.course else None,
        f"{params.course.code}/{params.module.key}" if params.module else None,
        params.student.name if params.student else None) if x]
    return " · ".join(dict.fromkeys(parts)) or "—"


def issue_report(params: ReportParams, fmt: str, lang: str, actor) -> IssuedDocument:
    """Build the report, render it in ``fmt`` (pdf, csv, xlsx) labelled in ``lang``, and
    issue it. A PDF prints its own verification address and QR code."""
    fmt, lang = exports.check_format(fmt), exports.check_language(lang)
    doc_id = documents.new_document_id()
    with force_locale(lang):
        report = build_report(params)
    if fmt == "pdf":
        data = exports.pdf_bytes(report, lang, doc_id=doc_id,
                                 verify_url=documents.verification_url(doc_id))
    elif fmt == "xlsx":
        data = exports.xlsx_bytes(report, lang)
    else:
        data = exports.csv_bytes(report, lang)
    titles = {}
    for language in TITLE_LANGUAGES:
        with force_locale(language):
            titles[language] = present.title()
    issuer = _issuer()
    summary = report.summary
    spec = documents.DocumentSpec(
        kind=KIND, language=lang, title=titles, subject_name=_scope_name(params),
        issuer_name=dict(issuer.name) if issuer else {"en": "Kakehashi"},
        issuer_id=issuer.id if issuer else None, data=data,
        filename=exports.filename(report, fmt), content_type=exports.FORMATS[fmt][0],
        params={**params.as_dict(), "format": fmt, "language": lang,
                "generated_at": report.generated_at.isoformat(),
                "figures": {"enrolments": summary.enrolments, "students": summary.students,
                            "completed": summary.completed,
                            "average_percent": summary.average_percent,
                            "average_score": summary.average_score,
                            "hours": summary.hours,
                            "stalled": summary.statuses.get("stalled", 0)}})
    return documents.issue_document(spec, actor, doc_id=doc_id)


def get_report(doc_id: str) -> IssuedDocument:
    """An issued completion report; NotFound for any other id (other kinds included)."""
    try:
        doc = documents.get_document(doc_id)
    except NotFound:
        doc = None
    if doc is None or doc.kind != KIND:
        raise NotFound(_("There is no issued report with the id %(id)s.", id=doc_id[:40]))
    return doc


@dataclass
class IssuedFilters:
    scope: str = ""  # a programme, cohort, course or module code, or a student's name
    fmt: str = ""
    status: str = ""
    issued_by: str = ""  # e-mail
    date_from: date | None = None
    date_to: date | None = None


def issued_reports(filters: IssuedFilters, *, limit: int = 1000) -> list[
        tuple[IssuedDocument, str]]:
    """(document, status) of issued reports, newest first, matching the filters."""
    stmt = (select(IssuedDocument).where(IssuedDocument.kind == KIND)
            .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id).limit(limit))
    if filters.issued_by:
        stmt = stmt.where(IssuedDocument.issued_by_id.in_(select(User.id).where(
            User.email == filters.issued_by.strip().lower())))
    out = []
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    needle = filters.scope.strip().casefold()
    docs = db.session.scalars(stmt.options(selectinload(IssuedDocument.revocation),
                                           selectinload(IssuedDocument.issued_by))).all()
    statuses = bulk_statuses(docs)
    for doc in docs:
        day = doc.issued_at.astimezone(zone).date()
        if filters.date_from and day < filters.date_from:
            continue
        if filters.date_to and day > filters.date_to:
            continue
        if filters.fmt and doc.params.get("format") != filters.fmt:
            continue
        if needle and needle not in doc.subject_name.casefold() and not any(
                needle == str(doc.params.get(k) or "").casefold()
                for k in ("programme", "cohort", "course", "module")):
            continue
        status = statuses[doc.id]
        if filters.status and status != filters.status:
            continue
        out.append((doc, status))
    return out

