"""Transcripts and the diploma supplement: built from the records in force, rendered to
PDF in each institution's language, and issued as verifiable documents.

- A Japanese institution's transcript (成績証明書) is in Japanese: Japanese course titles
  and grade labels, the name in Japanese as stored (family name first, as Japanese
  institutions print it) with its reading.
- A Uzbek institution's transcript is in Uzbek and English: the name in Latin script as
  the student writes it.
- The diploma supplement (English and Japanese) names both institutions of the
  programme with the student's number at each and explains both grading scales.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Institution
from lms.core.db import utcnow
from lms.core.errors import ValidationError
from lms.core.i18n import pick
from lms.extensions import db
from lms.records import documents, scales, services
from lms.records.models import GradeScale, IssuedDocument
from lms.records.pdf import qr_data_uri, render_pdf

# The documents' official names in each language: printed as the title and kept with the
# issued document (so the verification page names it in the reader's language).
TITLES = {
    "transcript": {"ja": "成績証明書", "en": "Academic Transcript",
                   "uz": "Akademik maʼlumotnoma", "ru": "Академическая справка"},
    "diploma_supplement": {"ja": "ディプロマ・サプリメント",
                           "en": "Diploma Supplement", "uz": "Diplom ilovasi",
                           "ru": "Приложение к диплому"},
}
KINDS = tuple(TITLES)
ZONES = {"JP": "Asia/Tokyo", "UZ": "Asia/Tashkent"}


class Labels:
    """``_`` for a document in two languages: each label as 'first / second' (once when
    both read the same). Used as the template's ``_`` so labels are still extracted."""

    def __init__(self, languages: tuple[str, ...]):
        self.languages = languages

    def __call__(self, msgid: str, **variables) -> str:
        texts: list[str] = []
        for lang in self.languages:
            with force_locale(lang):
                text = _(msgid, **variables)
            if text not in texts:
                texts.append(text)
        return " / ".join(texts)


def term_label(term: str) -> str:
    """A term in the current language, e.g. 'Autumn 2026'."""
    match = services.TERM_RE.match(term or "")
    if not match:
        return term
    year = match.group(1)
    return _("Autumn %(year)s", year=year) if match.group(2) == "autumn" else _(
        "Spring %(year)s", year=year)


def _num(value) -> str:
    if value is None:
        return ""
    return format(Decimal(value).quantize(Decimal("0.1")) if Decimal(value) % 1 else
                  Decimal(value).quantize(Decimal(1)), "f")


def _gpa(value) -> str:
    return format(value, "f") if value is not None else "—"


def _issued_on(country: str) -> date:
    return utcnow().astimezone(ZoneInfo(ZONES.get(country, "UTC"))).date()


def _scales_used(records, institution: Institution, on: date) -> list[GradeScale]:
    """The scales that graded these records, newest first; the one in force today when
    none did, so a transcript always explains its grades."""
    ids = {r.scale_id for r in records if r.scale_id}
    used = db.session.scalars(select(GradeScale).where(GradeScale.id.in_(ids))).all() if ids \
        else []
    if not used:
        try:
            used = [scales.scale_for(institution, on)]
        except ValidationError:
            used = []
    return sorted(used, key=lambda s: s.valid_from, reverse=True)


def _band_rows(scale: GradeScale) -> list[dict]:
    rows, upper = [], Decimal(100)
    for band in sorted(scale.bands, key=lambda b: b.min_score, reverse=True):
        rows.append({"band": band, "low": _num(band.min_score), "high": _num(upper)})
        upper = band.min_score - Decimal("0.01") if band.min_score % 1 else band.min_score - 1
    return rows


def _records_by_term(records):
    grouped = defaultdict(list)
    for record in records:
        grouped[record.term].append(record)
    return [(term, grouped[term]) for term in sorted(grouped, key=services.term_sort_key)]


def transcript_context(student: User, institution: Institution, *, doc_id: str,
                       issued_on: date) -> dict:
    records = services.current_records(student.id, institution.id)
    summary = services.summarise(institution, records)
    program = services.programme_for(student, institution)
    url = documents.verification_url(doc_id)
    return {
        "student": student, "institution": institution, "program": program,
        "number": services.student_number(student, institution) or "—",
        "records": records, "by_term": _records_by_term(records), "summary": summary,
        "scales": [(s, _band_rows(s)) for s in _scales_used(records, institution, issued_on)],
        "issued_on": issued_on, "doc_id": doc_id, "verify_url": url, "qr": qr_data_uri(url),
        "num": _num, "gpa": _gpa, "pick": pick, "term_label": term_label,
    }


def document_language(institution: Institution) -> str:
    return "ja" if institution.country == "JP" else "uz+en"


def render_transcript(student: User, institution: Institution, *, doc_id: str,
                      issued_on: date | None = None) -> bytes:
    issued_on = issued_on or _issued_on(institution.country)
    context = transcript_context(student, institution, doc_id=doc_id, issued_on=issued_on)
    if document_language(institution) == "ja":
        with force_locale("ja"):
            context["issued_text"] = format_date(issued_on, "long")
        return render_pdf("records/pdf/transcript_ja.html", locale="ja",
                          title=TITLES["transcript"]["ja"],
                          name=student.name_ja or student.name, **context)
    with force_locale("uz"):
        issued_uz = format_date(issued_on, "long")
    with force_locale("en"):
        issued_en = format_date(issued_on, "long")
    context["issued_text"] = f"{issued_uz} / {issued_en}"
    return render_pdf("records/pdf/transcript_uz.html", locale="uz", _=Labels(("uz", "en")),
                      title=f"{TITLES['transcript']['uz']} / {TITLES['transcript']['en']}",
                      name=student.name, **context)


def issue_transcript(student: User, institution: Institution, actor) -> IssuedDocument:
    """Render and issue ``institution``'s transcript of ``student``; it supersedes the
    previous valid one of the same institution and language."""
    if student.role != "student":
        raise ValidationError(_("%(email)s is not a student.", email=student.email))
    language = document_language(institution)
    doc_id = documents.new_document_id()
    issued_on = _issued_on(institution.country)
    data = render_transcript(student, institution, doc_id=doc_id, issued_on=issued_on)
    number = services.student_number(student, institution) or str(student.id)
    spec = documents.DocumentSpec(
        kind="transcript", language=language, title=TITLES["transcript"],
        subject_id=student.id,
        subject_name=(student.name_ja or student.name) if language == "ja" else student.name,
        issuer_id=institution.id, issuer_name=dict(institution.name or {}), data=data,
        filename=f"transcript-{institution.code}-{number}-{issued_on.isoformat()}.pdf",
        params={"institution": institution.code, "language": language},
        supersedes=documents.latest_valid("transcript", student.id, institution.id, language))
    return documents.issue_document(spec, actor, doc_id=doc_id)


# --- the diploma supplement ------------------------------------------------------------


def supplement_institutions(student: User) -> list[Institution]:
    memberships = services.programmes_of(student)
    if memberships:
        return sorted(memberships[0].program.institutions, key=lambda i: i.country != "UZ")
    return sorted(services.student_institutions(student), key=lambda i: i.country != "UZ")


def supplement_context(student: User, *, doc_id: str, issued_on: date) -> dict:
    institutions = supplement_institutions(student)
    if not institutions:
        raise ValidationError(_("%(name)s has no programme and no records yet: there is "
                                "nothing to put in a diploma supplement.", name=student.name))
    memberships = services.programmes_of(student)
    program = memberships[0].program if memberships else None
    sections, courses = [], {}
    for institution in institutions:
        records = services.current_records(student.id, institution.id)
        summary = services.summarise(institution, records)
        total = None
        if program is not None:
            from lms.records.degree_audit import requirements_of

            total = next((r.credits for r in requirements_of(program, institution)
                          if r.kind == "total"), None)
        sections.append({
            "institution": institution, "summary": summary, "required": total,
            "number": services.student_number(student, institution) or "—",
            "scales": [(s, _band_rows(s)) for s in _scales_used(records, institution,
                                                                   issued_on)],
            "transfers": [r for r in records if r.source != "course"],
        })
        for record in records:
            if record.source == "course":
                row = courses.setdefault(record.course_code, {"record": record, "by": {}})
                row["by"][institution.id] = record
    url = documents.verification_url(doc_id)
    ordered = sorted(courses.values(), key=lambda c: (services.term_sort_key(c["record"].term),
                                                       c["record"].course_code or ""))
    jp = next((i for i in institutions if i.country == "JP"), None)
    uz = next((i for i in institutions if i.country == "UZ"), None)
    return {
        "student": student, "program": program, "institutions": institutions,
        "sections": sections, "courses": ordered, "issued_on": issued_on, "doc_id": doc_id,
        "verify_url": url, "qr": qr_data_uri(url), "num": _num, "gpa": _gpa, "pick": pick,
        "term_label": term_label, "jp": jp, "uz": uz,
        "ratio": services.equivalent_credits(1, jp.credit_hours, uz.credit_hours)
        if jp and uz else None,
    }


def render_supplement(student: User, *, doc_id: str, issued_on: date | None = None) -> bytes:
    issued_on = issued_on or _issued_on("UZ")
    context = supplement_context(student, doc_id=doc_id, issued_on=issued_on)
    with force_locale("en"):
        issued_en = format_date(issued_on, "long")
    with force_locale("ja"):
        issued_ja = format_date(issued_on, "long")
    title = TITLES["diploma_supplement"]
    return render_pdf("records/pdf/supplement.html", locale="en", _=Labels(("en", "ja")),
                      title=f"{title['en']} / {title['ja']}",
                      issued_text=f"{issued_en} / {issued_ja}", **context)


def issue_diploma_supplement(student: User, actor) -> IssuedDocument:
    """Render and issue the bilingual (English/Japanese) diploma supplement; issued by
    the programme's Uzbek institution, naming both."""
    if student.role != "student":
        raise ValidationError(_("%(email)s is not a student.", email=student.email))
    doc_id = documents.new_document_id()
    issued_on = _issued_on("UZ")
    data = render_supplement(student, doc_id=doc_id, issued_on=issued_on)
    institutions = supplement_institutions(student)
    issuer = institutions[0]
    names = {lang: " — ".join(pick(i.name, lang) for i in institutions)
             for lang in ("en", "ja", "uz")}
    spec = documents.DocumentSpec(
        kind="diploma_supplement", language="en+ja", title=TITLES["diploma_supplement"],
        subject_id=student.id, subject_name=student.name, issuer_id=issuer.id,
        issuer_name=names, data=data,
        filename=f"diploma-supplement-{student.student_number or student.id}-"
                 f"{issued_on.isoformat()}.pdf",
        params={"institutions": [i.code for i in institutions], "language": "en+ja"},
        supersedes=documents.latest_valid("diploma_supplement", student.id, issuer.id,
                                          "en+ja"))
    return documents.issue_document(spec, actor, doc_id=doc_id)


def issue(student: User, kind: str, actor, institution: Institution | None = None
          ) -> IssuedDocument:
    """One entry point for the pages, the API and the CLI."""
    if kind == "diploma_supplement":
        return issue_diploma_supplement(student, actor)
    if kind != "transcript":
        raise ValidationError(_("Choose a transcript or a diploma supplement."))
    if institution is None:
        raise ValidationError(_("Choose the institution whose transcript to issue."))
    return issue_transcript(student, institution, actor)
