"""Japanese services: levels and furigana settings, the viewer's furigana, the override
table, the JLPT track and certifications.

Decks and reviews are in ``decks``; search over course text in ``search``; names and
dates the Japanese way in ``names``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.catalog.models import JLPT_LEVELS, Course, Enrollment, Track
from lms.core import storage
from lms.core.errors import Forbidden, NotFound, ValidationError
from lms.core.markdown import render_markdown
from lms.extensions import db
from lms.japanese import furigana
from lms.japanese.models import (
    CEFR_LEVELS,
    FURIGANA_MODES,
    FuriganaOverride,
    JapaneseProfile,
    JlptCertification,
)

KANJI_LEVELS_FILE = Path(__file__).parent / "data" / "kanji_jlpt.tsv"
LEVEL_NUMBER = {"N5": 5, "N4": 4, "N3": 3, "N2": 2, "N1": 1}
EVIDENCE_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                  ".jpeg": "image/jpeg"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
_READING_RE = re.compile(r"^[\u3041-\u309F\u30A0-\u30FFー・\s]+$")
_EXPLICIT_RE = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")


# --- kanji levels -------------------------------------------------------------------


@lru_cache(maxsize=1)
def kanji_levels() -> dict[str, int]:
    """kanji -> 5 (N5) .. 1 (N1), from the shipped list (docs/japanese.md)."""
    levels = {}
    for line in KANJI_LEVELS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kanji, _tab, level = line.partition("\t")
            if level.strip() in LEVEL_NUMBER:
                levels[kanji] = LEVEL_NUMBER[level.strip()]
    return levels


def kanji_level(ch: str) -> int:
    """5 for an N5 kanji .. 1 for N1; 0 for a kanji beyond the list (harder than N1)."""
    return kanji_levels().get(ch, 0)


def known_at(ch: str, level: str | None) -> bool:
    """Is this kanji at or below the holder of ``level`` (N4 knows N5 and N4 kanji)?"""
    if level not in LEVEL_NUMBER or not furigana.has_kanji(ch):
        return False
    grade = kanji_level(ch)
    return grade != 0 and grade >= LEVEL_NUMBER[level]


# --- the viewer's furigana --------------------------------------------------------------


@dataclass
class FuriganaView:
    """What the Markdown renderer needs to add automatic furigana for one viewer."""

    mode: str = "always"  # above_level | always | never
    level: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    version: str = ""

    @property
    def cache_key(self) -> str:
        shown = self.level if self.mode == "above_level" else ""
        return f"fg:{self.mode}:{shown}:{self.version}"

    def words(self, text: str):
        return furigana.analyse(text, self.overrides, self.version)

    def spans(self, text: str):
        if self.mode == "never":
            return []
        return furigana.ruby_spans(text, self.overrides, self.version)

    def shows(self, base: str) -> bool:
        """Whether a reading over ``base`` is shown: never / always / only when a kanji in
        it is above the viewer's level (readings over kana-only text are kept: they are
        the author's gloss, not furigana)."""
        if self.mode == "never":
            return False
        if self.mode == "always" or self.level not in LEVEL_NUMBER:
            return True
        kanji = [ch for ch in base if furigana.has_kanji(ch)]
        return not kanji or any(not known_at(ch, self.level) for ch in kanji)


def _override_state() -> tuple[str, dict[str, str]]:
    """(version, table). The version is read from the database once per request; the
    table is reloaded only when it changes."""
    if has_request_context() and "_fg_overrides" in g:
        return g._fg_overrides
    row = db.session.execute(select(func.count(FuriganaOverride.id),
                                    func.max(FuriganaOverride.updated_at),
                                    func.max(FuriganaOverride.id))).one()
    state = _override_table(f"{row[0]}.{row[1]}.{row[2]}")
    if has_request_context():
        g._fg_overrides = state
    return state


_tables: dict[str, tuple[str, dict[str, str]]] = {}


def _override_table(stamp: str) -> tuple[str, dict[str, str]]:
    engine = str(db.engine.url)
    key = engine + stamp
    if key not in _tables:
        rows = db.session.execute(select(FuriganaOverride.surface, FuriganaOverride.reading))
        table = {s: furigana.to_hiragana(r) for s, r in rows}
        version = ":" + hashlib.sha256(key.encode()).hexdigest()[:16] if table else ""
        if len(_tables) > 64:
            _tables.clear()
        _tables[key] = (version, table)
    return _tables[key]


def profile_of(user) -> JapaneseProfile | None:
    """The user's Japanese settings (None: the defaults), looked up once per request."""
    cache = g.setdefault("_jp_profiles", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = db.session.get(JapaneseProfile, user.id)
    return cache[user.id]


def furigana_view(user=None, *, mode: str | None = None) -> FuriganaView:
    """The furigana a user sees (their setting and level), or a given ``mode``."""
    version, table = _override_state()
    if mode is not None or user is None or not getattr(user, "is_authenticated", False):
        return FuriganaView(mode or "always", None, table, version)
    profile = profile_of(user)
    return FuriganaView(profile.furigana if profile else "above_level",
                        profile.jlpt_level if profile else None, table, version)


def render_with_furigana(text: str, user=None, **kwargs):
    """Markdown with the viewer's furigana (used for lesson pages, quizzes and PDFs)."""
    view = furigana_view(user) if furigana.has_kanji(text or "") else None
    return render_markdown(text or "", furigana=view, **kwargs)


def analyse_text(text: str) -> dict:
    """The furigana API: ``{"html", "tokens"}`` for a text, every reading shown, explicit
    ``{base|reading}`` markup winning over the analyser."""
    text = unicodedata.normalize("NFC", text or "")
    view = furigana_view(mode="always")
    html = str(render_markdown(text, furigana=view))
    tokens, position = [], 0
    for match in _EXPLICIT_RE.finditer(text):
        if match.start() > position:
            tokens.extend(furigana.tokens(view.words(text[position:match.start()])))
        tokens.append({"surface": match.group(1).strip(),
                       "reading": furigana.to_hiragana(match.group(2).strip())})
        position = match.end()
    if position < len(text):
        tokens.extend(furigana.tokens(view.words(text[position:])))
    return {"html": html, "tokens": tokens}


# --- settings ---------------------------------------------------------------------------


def save_settings(user, *, jlpt_level: str | None, furigana_mode: str,
                  new_cards_per_day: int | None = None) -> JapaneseProfile:
    problems = []
    if jlpt_level and jlpt_level not in JLPT_LEVELS:
        problems.append({"field": "jlpt_level",
                         "message": _("The JLPT level must be one of N5, N4, N3, N2, N1.")})
    if furigana_mode not in FURIGANA_MODES:
        problems.append({"field": "furigana",
                         "message": _("Furigana must be one of: always, never, above my level.")})
    if new_cards_per_day is not None and not 0 <= new_cards_per_day <= 200:
        problems.append({"field": "new_cards_per_day",
                         "message": _("New cards per day must be between 0 and 200.")})
    if problems:
        raise ValidationError(_("The settings were not saved."), details=problems)
    profile = db.session.get(JapaneseProfile, user.id) or JapaneseProfile(user_id=user.id)
    profile.jlpt_level = jlpt_level or None
    profile.furigana = furigana_mode
    if new_cards_per_day is not None:
        profile.new_cards_per_day = new_cards_per_day
    db.session.add(profile)
    db.session.commit()
    if has_request_context():
        g.pop("_jp_profiles", None)
    return profile


def ensure_profile(user) -> JapaneseProfile:
    profile = db.session.get(JapaneseProfile, user.id)
    if profile is None:
        profile = JapaneseProfile(user_id=user.id, furigana="above_level")
        db.session.add(profile)
        db.session.flush()
    return profile


# --- overrides --------------------------------------------------------------------------


def list_overrides() -> list[FuriganaOverride]:
    return db.session.scalars(select(FuriganaOverride).order_by(FuriganaOverride.surface)).all()


def save_override(surface: str, reading: str, user, note: str | None = None
                  ) -> FuriganaOverride:
    """Create or update the reading of a spelling. The reading is kana; the spelling is
    matched over whole consecutive words, so it fixes every page that uses it."""
    surface = unicodedata.normalize("NFC", (surface or "").strip())
    reading = unicodedata.normalize("NFKC", (reading or "").strip())
    problems = []
    if not surface or len(surface) > 100 or not furigana.has_kanji(surface):
        problems.append({"field": "surface",
                         "message": _("Give the word as written, with at least one kanji "
                                      "(up to 100 characters).")})
    if not reading or len(reading) > 200 or not _READING_RE.match(reading):
        problems.append({"field": "reading",
                         "message": _("Give the reading in hiragana or katakana.")})
    if problems:
        raise ValidationError(_("The reading was not saved."), details=problems)
    row = db.session.scalar(select(FuriganaOverride).where(FuriganaOverride.surface == surface))
    row = row or FuriganaOverride(surface=surface)
    row.reading = furigana.to_hiragana(reading)
    row.note = (note or "").strip()[:200] or None
    row.updated_by_id = user.id if user else None
    row.updated_at = datetime.now(UTC)
    db.session.add(row)
    db.session.commit()
    if has_request_context():
        g.pop("_fg_overrides", None)
    return row


def delete_override(override_id: int) -> None:
    row = db.session.get(FuriganaOverride, override_id)
    if row is None:
        raise NotFound(_("There is no such reading."))
    db.session.delete(row)
    db.session.commit()
    if has_request_context():
        g.pop("_fg_overrides", None)


# --- the JLPT track ----------------------------------------------------------------------


@dataclass
class TrackLevel:
    level: str
    courses: list
    held: bool  # the student holds this level (setting or verified certificate)


def japanese_track(user) -> list[TrackLevel]:
    """The Japanese track as a path: N5 -> N1, each level with its published courses (the
    'japanese' track's courses and any course marked with a JLPT level)."""
    courses = db.session.scalars(
        select(Course).outerjoin(Track, Course.track_id == Track.id)
        .where(Course.published.is_(True), Course.jlpt_level.is_not(None))
        .options(selectinload(Course.provider)).order_by(Course.code)).all()
    held = held_level(user) if user is not None else None
    out = []
    for level in JLPT_LEVELS:
        out.append(TrackLevel(level, [c for c in courses if c.jlpt_level == level],
                              held is not None and LEVEL_NUMBER[level] >= LEVEL_NUMBER[held]))
    return out


def held_level(user) -> str | None:
    """The highest level a user holds: a verified passed certificate or their setting."""
    levels = set(db.session.scalars(select(JlptCertification.level).where(
        JlptCertification.user_id == user.id, JlptCertification.verified.is_(True),
        JlptCertification.passed.is_(True))).all())
    profile = profile_of(user)
    if profile and profile.jlpt_level:
        levels.add(profile.jlpt_level)
    return min(levels, key=lambda lv: LEVEL_NUMBER[lv]) if levels else None


def enrolled_levels(user) -> dict[int, str]:
    rows = db.session.execute(select(Enrollment.course_id, Enrollment.status).where(
        Enrollment.user_id == user.id)).all()
    return {course_id: status for course_id, status in rows}


# --- certifications ---------------------------------------------------------------------

# Sections and maxima of the JLPT score report, and the pass marks (overall and per section).
SECTIONS = {
    "N1": (("language_knowledge", 60), ("reading", 60), ("listening", 60)),
    "N2": (("language_knowledge", 60), ("reading", 60), ("listening", 60)),
    "N3": (("language_knowledge", 60), ("reading", 60), ("listening", 60)),
    "N4": (("language_knowledge_reading", 120), ("listening", 60)),
    "N5": (("language_knowledge_reading", 120), ("listening", 60)),
}
PASS_MARK = {"N1": 100, "N2": 90, "N3": 95, "N4": 90, "N5": 80}
SECTION_MINIMUM = {"language_knowledge": 19, "reading": 19, "listening": 19,
                   "language_knowledge_reading": 38}


def section_labels() -> dict[str, str]:
    return {"language_knowledge": _("Language knowledge (vocabulary, grammar)"),
            "reading": _("Reading"), "listening": _("Listening"),
            "language_knowledge_reading": _("Language knowledge (vocabulary, grammar) and "
                                            "reading")}


def jlpt_passed(level: str, scores: dict[str, int]) -> bool:
    """JLPT's rule: the total reaches the level's pass mark and no section is below its
    minimum."""
    total = sum(scores.values())
    return total >= PASS_MARK[level] and all(
        scores.get(name, 0) >= SECTION_MINIMUM[name] for name, _max in SECTIONS[level])


@dataclass
class CertificationFields:
    level: str
    exam_date: date | None
    scores: dict[str, int | None]
    cefr: str | None = None
    registration_number: str | None = None


def submit_certification(user, fields: CertificationFields, evidence, filename: str
                         ) -> JlptCertification:
    """A student records a JLPT result with its score report (PDF or image); the total and
    pass follow from the section scores by JLPT's rules. It counts once verified."""
    problems = []
    if fields.level not in SECTIONS:
        problems.append({"field": "level",
                         "message": _("The JLPT level must be one of N5, N4, N3, N2, N1.")})
    scores = {}
    for name, maximum in SECTIONS.get(fields.level, ()):
        value = fields.scores.get(name)
        if value is None or not 0 <= int(value) <= maximum:
            problems.append({"field": name, "message": _(
                "%(section)s must be a score from 0 to %(max)d.",
                section=section_labels()[name], max=maximum)})
        else:
            scores[name] = int(value)
    today = datetime.now(UTC).date()
    if fields.exam_date is None or fields.exam_date > today or fields.exam_date.year < 2010:
        problems.append({"field": "exam_date", "message": _(
            "Give the exam date from the score report (the current JLPT began in 2010).")})
    if fields.cefr and fields.cefr not in CEFR_LEVELS:
        problems.append({"field": "cefr", "message": _("CEFR levels are A1 to C2.")})
    suffix = Path(filename or "").suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        problems.append({"field": "evidence", "message": _(
            "Attach the score report as a PDF, PNG or JPEG file.")})
    if problems:
        raise ValidationError(_("The result was not saved: %(count)d problem(s).",
                                count=len(problems)), details=problems)
    data = evidence.read(EVIDENCE_MAX_BYTES + 1)
    if not data or len(data) > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The score report must be a file of at most 10 MB."),
                              details=[{"field": "evidence", "message": _("Too large or empty.")}])
    if not _looks_like(data, suffix):
        raise ValidationError(_("The file is not a real %(type)s.", type=suffix[1:].upper()),
                              details=[{"field": "evidence", "message": _("Wrong file type.")}])
    digest = hashlib.sha256(data).hexdigest()
    relative = f"jlpt/{user.id}/{digest}{suffix}"
    path = storage.media_path(*relative.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    cert = JlptCertification(
        user_id=user.id, level=fields.level, exam_date=fields.exam_date, section_scores=scores,
        total=sum(scores.values()), passed=jlpt_passed(fields.level, scores),
        cefr=fields.cefr or None, registration_number=(fields.registration_number or "")[:40]
        or None, evidence_path=relative, evidence_name=Path(filename).name[:255],
        verified=False)
    db.session.add(cert)
    db.session.commit()
    return cert


def _looks_like(data: bytes, suffix: str) -> bool:
    if suffix == ".pdf":
        return data.startswith(b"%PDF-")
    if suffix == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    return data.startswith(b"\xff\xd8\xff")


def certification(cert_id: int) -> JlptCertification:
    cert = db.session.get(JlptCertification, cert_id)
    if cert is None:
        raise NotFound(_("There is no such JLPT result."))
    return cert


def evidence_file(cert: JlptCertification, user) -> Path:
    if user.id != cert.user_id and user.role != "admin":
        raise Forbidden(_("Only the student and administrators may see this score report."))
    return storage.media_path(*cert.evidence_path.split("/"))


def verify_certification(cert: JlptCertification, admin) -> JlptCertification:
    """An administrator confirms the result against the score report. A passed level
    becomes the student's JLPT level if it is higher than the one they have."""
    if admin.role != "admin":
        raise Forbidden(_("Only administrators verify JLPT results."))
    cert.verified, cert.rejected_reason = True, None
    cert.verified_by_id, cert.verified_at = admin.id, datetime.now(UTC)
    if cert.passed:
        profile = ensure_profile(cert.user)
        if profile.jlpt_level is None or (
                LEVEL_NUMBER[cert.level] < LEVEL_NUMBER[profile.jlpt_level]):
            profile.jlpt_level = cert.level
    db.session.commit()
    return cert


def reject_certification(cert: JlptCertification, admin, reason: str) -> JlptCertification:
    if admin.role != "admin":
        raise Forbidden(_("Only administrators verify JLPT results."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the result is rejected, so the student can fix it."),
                              details=[{"field": "reason", "message": _("Required.")}])
    cert.verified, cert.verified_by_id, cert.verified_at = False, admin.id, datetime.now(UTC)
    cert.rejected_reason = reason[:500]
    db.session.commit()
    return cert


def certifications_of(user) -> list[JlptCertification]:
    return db.session.scalars(select(JlptCertification).where(
        JlptCertification.user_id == user.id).order_by(JlptCertification.exam_date.desc())).all()


def pending_certifications() -> list[JlptCertification]:
    return db.session.scalars(
        select(JlptCertification).where(JlptCertification.verified.is_(False),
                                        JlptCertification.rejected_reason.is_(None))
        .options(selectinload(JlptCertification.user))
        .order_by(JlptCertification.created_at)).all()


def verified_levels(user_id: int) -> list[str]:
    """Levels a student has passed, verified (for the degree audit), hardest first."""
    levels = db.session.scalars(select(JlptCertification.level).where(
        JlptCertification.user_id == user_id, JlptCertification.passed.is_(True),
        JlptCertification.verified.is_(True)).distinct()).all()
    return sorted(levels, key=lambda lv: LEVEL_NUMBER[lv])


def viewer_furigana(text: str) -> FuriganaView | None:
    """The signed-in viewer's furigana for a text, or None when there is nothing to read
    (no kanji: no query is made) or nobody is signed in."""
    from flask_login import current_user

    if not furigana.has_kanji(text or "") or not current_user or not (
            current_user.is_authenticated):
        return None
    return furigana_view(current_user)
