"""Certificates of completion, per course and per programme.

A certificate is two issued documents of the records feature's document service (kind
"certificate"), each stored once, hashed, signed and verifiable at /verify/<id>:

- the PDF, in Japanese and English, with the name in both scripts and a QR code of its
  verification address;
- the Open Badges 3.0 credential (an OpenBadgeCredential, JSON-LD), whose ``id`` is its
  own verification address, signed with a Data Integrity proof (lms.reports.openbadges).

Each names the other in its parameters (and the PDF prints the credential's address, the
credential cites the PDF as evidence). Revoking a certificate revokes both, with the
reason; both verification pages then say so, and the credential appears, with the reason,
in the issuer's revocation list (its credentialStatus, type 1EdTechRevocationList).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.catalog.models import Course, CourseCredit, Institution, Program
from lms.core.db import utcnow
from lms.core.errors import Conflict, LmsError, NotFound, ValidationError
from lms.core.i18n import pick
from lms.extensions import db
from lms.learning import progress, trust
from lms.learning.models import CourseResult
from lms.people.models import Cohort
from lms.records import degree_audit, documents
from lms.records.models import DocumentRevocation, IssuedDocument, ProgramStudent
from lms.records.pdf import qr_data_uri, render_pdf
from lms.reports import openbadges

KIND = "certificate"
PDF_TYPE = "application/pdf"
CREDENTIAL_TYPE = "application/ld+json"
BULK_MAX = 500  # students per bulk request; the CLI takes any number in batches of this
TITLES = {
    "pdf": {"ja": "修了証明書", "en": "Certificate of Completion",
            "uz": "Tugatganlik toʻgʻrisida sertifikat", "ru": "Сертификат об окончании"},
    "credential": {"ja": "オープンバッジ（修了証明書）",
                   "en": "Open Badges credential: Certificate of Completion",
                   "uz": "Open Badges sertifikati (tugatganlik)",
                   "ru": "Open Badges: сертификат об окончании"},
}


# --- what is certified ---------------------------------------------------------------


@dataclass
class Achievement:
    scope: str  # course | programme
    code: str
    title: dict  # language -> title
    issuer: Institution
    completed_at: datetime
    hours: int | None = None
    score: float | None = None
    credits: list[tuple[Institution, Decimal]] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)  # a programme's
    # a course's assessments and what each rests on (progress.score_basis entries)
    evidence: list[dict] = field(default_factory=list)

    @property
    def params(self) -> dict:
        return {"scope": self.scope, self.scope: self.code}


def course_achievement(student: User, course: Course) -> Achievement:
    """The completed course, or ValidationError saying what is missing or which results
    it may not rest on: every scored assessment must carry a provenance the course
    trusts (progress.outcome_basis), checked on the progress as it is now."""
    result = db.session.scalar(select(CourseResult).where(
        CourseResult.user_id == student.id, CourseResult.course_id == course.id))
    basis = progress.outcome_basis(student.id, course)
    if result is None or not basis.complete:
        raise ValidationError(_("%(name)s has not completed %(code)s yet: a certificate "
                                "needs every required item of the course done.",
                                name=student.name, code=course.code),
                              details=[{"field": "course", "message": m}
                                       for m in basis.problems])
    if basis.problems:
        raise ValidationError(
            _("No certificate for %(name)s in %(code)s: it would rest on results the course "
              "does not accept. %(first)s", name=student.name, code=course.code,
              first=basis.problems[0]),
            details=[{"field": "course", "message": m} for m in basis.problems])
    credits = [(c.institution, Decimal(c.credits)) for c in db.session.scalars(
        select(CourseCredit).where(CourseCredit.course_id == course.id))]
    score = basis.score
    return Achievement("course", course.code, dict(course.title or {}), course.provider,
                       result.completed_at, hours=course.hours,
                       score=round(score, 1) if score is not None else None,
                       credits=sorted(credits, key=lambda c: c[0].code),
                       evidence=[e for e in basis.evidence if e["score"] is not None])


def programme_achievement(student: User, programme: Program) -> Achievement:
    """The completed programme: admitted, and the degree audit complete at every
    institution of the programme; else ValidationError listing what is missing."""
    membership = db.session.scalar(select(ProgramStudent).where(
        ProgramStudent.user_id == student.id, ProgramStudent.program_id == programme.id))
    if membership is None:
        raise ValidationError(_("%(name)s is not in the programme %(code)s.",
                                name=student.name, code=programme.code))
    institutions = sorted(programme.institutions, key=lambda i: (i.country != "UZ", i.code))
    missing = []
    for institution in institutions:
        audit = degree_audit.degree_audit(student, institution)
        if not audit.complete:
            missing += [f"{institution.code}: {line.label}" for line in audit.lines
                        if line.status != degree_audit.DONE] or [
                f"{institution.code}: {_('no requirements recorded')}"]
    if missing or not institutions:
        raise ValidationError(_("%(name)s has not completed the programme %(code)s yet.",
                                name=student.name, code=programme.code),
                              details=[{"field": "programme", "message": m} for m in missing])
    return Achievement("programme", programme.code, dict(programme.title or {}),
                       institutions[0], utcnow(), institutions=institutions)


# --- the certificate: two documents -------------------------------------------------------


@dataclass
class Certificate:
    pdf: IssuedDocument
    credential: IssuedDocument | None
    known_status: str | None = None  # set by lists that work statuses out in bulk

    @property
    def id(self) -> str:
        return self.pdf.id

    @property
    def status(self) -> str:
        if self.known_status is not None:
            return self.known_status
        return combined_status([documents.document_status(d)
                                for d in (self.pdf, self.credential) if d is not None])

    @property
    def revocation(self) -> DocumentRevocation | None:
        return self.pdf.revocation or (self.credential.revocation if self.credential else None)

    @property
    def scope(self) -> str:
        return self.pdf.params.get("scope", "course")

    @property
    def code(self) -> str:
        return self.pdf.params.get(self.scope, "")


def combined_status(statuses) -> str:
    """A certificate is revoked when either document is, superseded when either is."""
    for status in (documents.REVOKED, documents.SUPERSEDED):
        if status in statuses:
            return status
    return documents.VALID


def bulk_statuses(docs: list[IssuedDocument]) -> dict[str, str]:
    """document id -> valid | superseded | revoked for many documents in two queries (the
    records service's document_status asks two per document)."""
    ids = [d.id for d in docs]
    if not ids:
        return {}
    revoked = set(db.session.scalars(select(DocumentRevocation.document_id).where(
        DocumentRevocation.document_id.in_(ids))))
    replaced = set(db.session.scalars(select(IssuedDocument.supersedes_id).where(
        IssuedDocument.supersedes_id.in_(ids))))
    return {i: documents.REVOKED if i in revoked else documents.SUPERSEDED if i in replaced
            else documents.VALID for i in ids}


def _base() -> str:
    configured = current_app.config.get("PLATFORM_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return ""


def absolute(endpoint: str, **values) -> str:
    """A public URL of this platform (PLATFORM_URL, else the request's host)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return _base() + path


def get_certificate(doc_id: str) -> Certificate:
    """The certificate whose PDF or credential has this id; NotFound otherwise."""
    try:
        doc = documents.get_document(doc_id)
    except NotFound:
        doc = None
    if doc is None or doc.kind != KIND:
        raise NotFound(_("There is no certificate with the id %(id)s.", id=doc_id[:40]))
    if doc.content_type == CREDENTIAL_TYPE:
        pdf = db.session.get(IssuedDocument, doc.params.get("certificate") or "")
        if pdf is None:
            raise NotFound(_("There is no certificate with the id %(id)s.", id=doc_id[:40]))
        return Certificate(pdf, doc)
    credential_id = doc.params.get("credential")
    return Certificate(doc, db.session.get(IssuedDocument, credential_id)
                       if credential_id else None)


def current_certificate(student: User, scope: str, code: str) -> Certificate | None:
    """The student's valid certificate for this course or programme, if any."""
    rows = db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.kind == KIND, IssuedDocument.subject_id == student.id,
        IssuedDocument.content_type == PDF_TYPE)
        .order_by(IssuedDocument.issued_at.desc())).all()
    for doc in rows:
        if doc.params.get("scope") == scope and doc.params.get(scope) == code:
            certificate = get_certificate(doc.id)
            if certificate.status == documents.VALID:
                return certificate
    return None


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _phrases(lang: str, achievement: Achievement) -> dict:
    """The certificate's wording in one language (labels are extracted for translation
    here, where they are written)."""
    with force_locale(lang):
        course = achievement.scope == "course"
        return {
            "title": _("Certificate of Completion"),
            "certifies": _("This is to certify that the person named above has completed "
                           "the course below.") if course else _(
                "This is to certify that the person named above has completed the "
                "programme below."),
            "name": _("Name"), "what": _("Course") if course else _("Programme"),
            "code": _("Code"), "hours": _("Hours of study"), "credits": _("Credits"),
            "score": _("Score"), "completed": _("Completed on"),
            "issued": _("Date of issue"), "issuer": _("Issued by"),
            "institutions": _("Institutions"),
            "verify": _("Check this certificate at the address below (or scan the code): "
                        "the page shows whether it is valid or revoked."),
            "credential": _("Open Badges 3.0 credential"), "document": _("Document id"),
        }


def _date_text(lang: str, value: date) -> str:
    if lang == "ja":
        return f"{value.year}年{value.month}月{value.day}日"
    with force_locale(lang):
        return format_date(value, "long")


def render_certificate(student: User, achievement: Achievement, *, doc_id: str,
                       credential_id: str, issued_at: datetime) -> bytes:
    zone = _zone()
    completed, issued = (achievement.completed_at.astimezone(zone).date(),
                         issued_at.astimezone(zone).date())
    verify_url = documents.verification_url(doc_id)
    context = {
        "student": student, "achievement": achievement, "pick": pick,
        "ja": _phrases("ja", achievement), "en": _phrases("en", achievement),
        "completed": {lang: _date_text(lang, completed) for lang in ("ja", "en")},
        "issued": {lang: _date_text(lang, issued) for lang in ("ja", "en")},
        "doc_id": doc_id, "verify_url": verify_url, "qr": qr_data_uri(verify_url),
        "credential_url": documents.verification_url(credential_id),
        "num": lambda v: format(Decimal(v).normalize(), "f"),
    }
    return render_pdf("reports/pdf/certificate.html", locale="ja",
                      stylesheet="reports/pdf/certificate.css", **context)


def build_credential(student: User, achievement: Achievement, *, credential_id: str,
                     certificate_id: str, issued_at: datetime) -> dict:
    """The unsigned OpenBadgeCredential (English texts; the PDF has the Japanese)."""
    key = documents.public_key()
    en = "en"
    title = pick(achievement.title, en)
    issuer = {
        "id": openbadges.did_key(key), "type": ["Profile"],
        "name": pick(achievement.issuer.name, en),
        "url": _base() or None,
        "otherIdentifier": [{"type": "IdentifierEntry", "identifier": achievement.issuer.code,
                             "identifierType": "identifier"}],
    }
    issuer = {k: v for k, v in issuer.items() if v}
    with force_locale(en):
        if achievement.scope == "course":
            name = _("Certificate of completion: %(title)s", title=title)
            description = _("Completion of the course %(code)s, %(title)s (%(hours)d hours "
                            "of study), provided by %(provider)s.", code=achievement.code,
                            title=title, hours=achievement.hours or 0,
                            provider=pick(achievement.issuer.name, en))
            narrative = _("Complete every required item of the course %(code)s on the "
                          "Kakehashi platform: readings, videos, quizzes and assignments, "
                          "each to its pass mark.", code=achievement.code)
        else:
            name = _("Certificate of completion: %(title)s", title=title)
            description = _("Completion of the programme %(code)s, %(title)s, at %(list)s.",
                            code=achievement.code, title=title, list=", ".join(
                                pick(i.name, en) for i in achievement.institutions))
            narrative = _("Meet every degree requirement of the programme %(code)s at each "
                          "of its institutions (credits, required courses, Japanese "
                          "level), as the degree audit records.", code=achievement.code)
    salt = secrets.token_hex(8)
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityHash": openbadges.identity_hash(
            student.email, salt), "identityType": "emailAddress", "hashed": True,
            "salt": salt}],
        "achievement": {
            "id": absolute("reports.achievement", scope=achievement.scope,
                           code=achievement.code),
            "type": ["Achievement"],
            "achievementType": "Course" if achievement.scope == "course" else "LearningProgram",
            "name": title, "description": description, "criteria": {"narrative": narrative},
            "humanCode": achievement.code, "inLanguage": en, "creator": issuer,
        },
        "activityEndDate": openbadges.timestamp(achievement.completed_at),
    }
    earned = [c for inst, c in achievement.credits if inst.id == achievement.issuer.id]
    if earned:
        subject["creditsEarned"] = float(earned[0])
    return {
        "@context": [openbadges.VC_CONTEXT, openbadges.OB_CONTEXT],
        "id": documents.verification_url(credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "description": description,
        "issuer": issuer,
        "validFrom": openbadges.timestamp(issued_at),
        "awardedDate": openbadges.timestamp(issued_at),
        "credentialSubject": subject,
        "evidence": [{"id": documents.verification_url(certificate_id), "type": ["Evidence"],
                      "name": TITLES["pdf"]["en"] + " (PDF)"}] + _outcome_evidence(achievement),
        "credentialSchema": [{"id": openbadges.SCHEMA_ID, "type": openbadges.SCHEMA_TYPE}],
        "credentialStatus": {"id": absolute("reports.revocation_list"),
                             "type": openbadges.STATUS_TYPE},
    }


KIND_NAMES = {"quiz": "quiz", "assignment": "assignment", "html5": "interactive build",
              "scorm": "SCORM activity"}


def _outcome_evidence(achievement: Achievement) -> list[dict]:
    """One Evidence entry per assessment the certificate rests on: its kind, its score and
    who gave it (server-marked, instructor-graded, ...), so a verifier sees what was
    checked. The credential is public: item titles (course content) are left out."""
    out = []
    with force_locale("en"):
        for number, entry in enumerate(achievement.evidence, start=1):
            out.append({"type": ["Evidence"],
                        "name": _("Assessment %(n)d: %(kind)s", n=number,
                                  kind=KIND_NAMES.get(entry["kind"], entry["kind"])),
                        "genre": _("Assessment result"),
                        "description": _("Score %(score)s of 100, %(source)s.",
                                         score=f"{entry['score']:g}",
                                         source=trust.label(entry["provenance"]))})
    return out


def credential_bytes(credential: dict) -> bytes:
    """How a credential is stored and served: UTF-8 JSON, two-space indent (the proof
    signs the JCS form, so the layout of the file does not matter to it)."""
    return (json.dumps(credential, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def issue_certificate(student: User, achievement: Achievement, actor, *,
                      reissue: bool = False) -> Certificate:
    """Issue the PDF and the signed credential. A valid certificate for the same course
    or programme is a Conflict unless ``reissue``: then the new one supersedes it."""
    if student.role != "student":
        raise ValidationError(_("%(email)s is not a student.", email=student.email))
    previous = current_certificate(student, achievement.scope, achievement.code)
    if previous is not None and not reissue:
        raise Conflict(_("%(name)s already has a valid certificate for %(code)s (%(id)s). "
                         "Reissue to replace it.", name=student.name, code=achievement.code,
                         id=previous.id))
    certificate_id, credential_id = documents.new_document_id(), documents.new_document_id()
    issued_at = utcnow().replace(microsecond=0)
    credential = openbadges.sign(build_credential(
        student, achievement, credential_id=credential_id, certificate_id=certificate_id,
        issued_at=issued_at), documents._private_key(), issued_at)  # the platform's one key
    pdf = render_certificate(student, achievement, doc_id=certificate_id,
                             credential_id=credential_id, issued_at=issued_at)
    number = student.student_number or str(student.id)
    names = " / ".join(n for n in (student.name, student.name_ja) if n)
    common = {**achievement.params, "completed_on": achievement.completed_at.astimezone(
        _zone()).date().isoformat()}
    credential_doc = documents.issue_document(documents.DocumentSpec(
        kind=KIND, language="en", title=TITLES["credential"], subject_id=student.id,
        subject_name=names, issuer_id=achievement.issuer.id,
        issuer_name=dict(achievement.issuer.name or {}), data=credential_bytes(credential),
        filename=f"certificate-{achievement.code}-{number}.json",
        content_type=CREDENTIAL_TYPE, params={**common, "certificate": certificate_id},
        supersedes=previous.credential if previous else None), actor, doc_id=credential_id)
    try:
        pdf_doc = documents.issue_document(documents.DocumentSpec(
            kind=KIND, language="ja+en", title=TITLES["pdf"], subject_id=student.id,
            subject_name=names, issuer_id=achievement.issuer.id,
            issuer_name=dict(achievement.issuer.name or {}), data=pdf,
            filename=f"certificate-{achievement.code}-{number}.pdf", content_type=PDF_TYPE,
            params={**common, "credential": credential_id, "score": achievement.score},
            supersedes=previous.pdf if previous else None), actor, doc_id=certificate_id)
    except Exception:
        # The credential must not stay valid without its certificate.
        documents.revoke_document(credential_doc, "The certificate PDF could not be issued; "
                                  "this credential was withdrawn at once.", actor)
        raise
    return Certificate(pdf_doc, credential_doc)


def issue_for_course(student: User, course: Course, actor, *, reissue: bool = False
                     ) -> Certificate:
    return issue_certificate(student, course_achievement(student, course), actor,
                             reissue=reissue)


def issue_for_programme(student: User, programme: Program, actor, *, reissue: bool = False
                        ) -> Certificate:
    return issue_certificate(student, programme_achievement(student, programme), actor,
                             reissue=reissue)


@dataclass
class BulkResult:
    issued: list[Certificate] = field(default_factory=list)
    skipped: list[tuple[User, str]] = field(default_factory=list)  # (student, why)


def bulk_issue(cohort: Cohort, actor, *, course: Course | None = None,
               programme: Program | None = None, limit: int | None = BULK_MAX) -> BulkResult:
    """A certificate for every active student of the cohort who completed the course (or
    programme) and has no valid one yet; the others are listed with the reason."""
    if (course is None) == (programme is None):
        raise ValidationError(_("Choose a course or a programme (one of them)."))
    students = [s for s in cohort.students if s.role == "student" and s.active]
    if limit is not None and len(students) > limit:
        raise ValidationError(_("The cohort has %(n)d students; issue for at most %(max)d at "
                                "once here, or use the command line (flask lms report "
                                "certificates).", n=len(students), max=limit))
    out = BulkResult()
    for student in students:
        try:
            out.issued.append(issue_for_course(student, course, actor) if course is not None
                              else issue_for_programme(student, programme, actor))
        except LmsError as exc:
            out.skipped.append((student, exc.message))
    return out


def revoke_certificate(certificate: Certificate, reason: str, actor) -> Certificate:
    """Revoke the PDF and the credential with the same reason (either may already be)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for revoking; it is shown on the "
                                "verification page."))
    if certificate.status == documents.REVOKED and all(
            d.revocation is not None for d in (certificate.pdf, certificate.credential) if d):
        raise Conflict(_("This certificate was already revoked."))
    for doc in (certificate.credential, certificate.pdf):
        if doc is not None and doc.revocation is None:
            documents.revoke_document(doc, reason, actor)
    return get_certificate(certificate.pdf.id)


# --- lists and the revocation list ------------------------------------------------------


def list_certificates(*, code: str = "", cohort: Cohort | None = None, status: str = "",
                      limit: int = 500) -> list[Certificate]:
    stmt = (select(IssuedDocument).where(IssuedDocument.kind == KIND,
                                         IssuedDocument.content_type == PDF_TYPE)
            .order_by(IssuedDocument.issued_at.desc(), IssuedDocument.id).limit(limit))
    if cohort is not None:
        stmt = stmt.where(IssuedDocument.subject_id.in_(
            select(User.id).where(User.cohort_id == cohort.id)))
    docs = [d for d in db.session.scalars(stmt.options(
        selectinload(IssuedDocument.revocation))).all()
        if not code or code in (d.params.get("course"), d.params.get("programme"))]
    credential_ids = [d.params.get("credential") for d in docs if d.params.get("credential")]
    credentials = {d.id: d for d in db.session.scalars(select(IssuedDocument).where(
        IssuedDocument.id.in_(credential_ids)).options(
        selectinload(IssuedDocument.revocation)))} if credential_ids else {}
    statuses = bulk_statuses(docs + list(credentials.values()))
    out = []
    for doc in docs:
        credential = credentials.get(doc.params.get("credential"))
        certificate = Certificate(doc, credential, combined_status(
            [statuses[d.id] for d in (doc, credential) if d is not None]))
        if status and certificate.status != status:
            continue
        out.append(certificate)
    return out


def revocation_list() -> dict:
    """The 1EdTech revocation list that every credential's credentialStatus names: the
    id of each revoked credential with the reason."""
    revoked = db.session.execute(
        select(IssuedDocument, DocumentRevocation)
        .join(DocumentRevocation, DocumentRevocation.document_id == IssuedDocument.id)
        .where(IssuedDocument.kind == KIND)
        .order_by(DocumentRevocation.revoked_at, IssuedDocument.id)).all()
    entries: dict[str, str] = {}
    for doc, revocation in revoked:
        credential_id = doc.id if doc.content_type == CREDENTIAL_TYPE else doc.params.get(
            "credential")
        if credential_id:
            entries.setdefault(documents.verification_url(credential_id), revocation.reason)
    return {
        "id": absolute("reports.revocation_list"),
        "issuer": openbadges.did_key(documents.public_key()),
        "revokedCredentials": [{"id": cid, "revocationReason": reason}
                               for cid, reason in entries.items()],
    }


def credential_of(certificate: Certificate) -> dict:
    if certificate.credential is None:
        raise NotFound(_("This certificate has no Open Badges credential."))
    return json.loads(documents.document_bytes(certificate.credential))
