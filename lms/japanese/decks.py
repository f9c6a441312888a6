"""Vocabulary and kanji decks: built-in decks, CSV/TSV import, review sessions with FSRS,
and the statistics on the dashboard.

Decks never change a grade: linking a deck to a course only shows it to that course's
students.
"""

from __future__ import annotations

import csv
import html
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import nh3
from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from lms.authoring.quizfile import normalise_answer
from lms.catalog.models import JLPT_LEVELS, Course, Enrollment
from lms.core.errors import Forbidden, NotFound, ValidationError
from lms.extensions import db
from lms.japanese import furigana, srs
from lms.japanese.models import (
    CardReview,
    Deck,
    DeckCard,
    DeckStudent,
    JapaneseProfile,
    StudyCard,
)

DECKS_DIR = Path(__file__).parent / "decks"
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
LEARN_AHEAD = timedelta(minutes=20)
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_KANA_RE = re.compile(r"^[\u3041-\u309F\u30A0-\u30FFー・〜～\s、,/()（）]*$")


# --- decks -----------------------------------------------------------------------------------


def deck_by_id(deck_id: int) -> Deck:
    deck = db.session.get(Deck, deck_id)
    if deck is None:
        raise NotFound(_("There is no such deck."))
    return deck


def visible_decks(user) -> list[Deck]:
    """Decks a user may study: every deck not tied to a course, and the decks of courses
    they are enrolled in (staff see all)."""
    stmt = select(Deck).order_by(Deck.jlpt_level.desc(), Deck.code)
    if user.role == "student":
        enrolled = select(Enrollment.course_id).where(Enrollment.user_id == user.id,
                                                      Enrollment.status != "withdrawn")
        stmt = stmt.where(or_(Deck.course_id.is_(None), Deck.course_id.in_(enrolled)))
    return db.session.scalars(stmt).all()


def can_study(user, deck: Deck) -> bool:
    return any(d.id == deck.id for d in visible_decks(user))


def card_counts(deck_ids: list[int]) -> dict[int, int]:
    if not deck_ids:
        return {}
    rows = db.session.execute(select(DeckCard.deck_id, func.count(DeckCard.id))
                              .where(DeckCard.deck_id.in_(deck_ids)).group_by(DeckCard.deck_id))
    return dict(rows.all())


def studying(user) -> set[int]:
    return set(db.session.scalars(select(DeckStudent.deck_id).where(
        DeckStudent.user_id == user.id)).all())


def start_deck(user, deck: Deck) -> None:
    """Add a deck to the user's reviews (idempotent)."""
    if not can_study(user, deck):
        raise Forbidden(_("This deck belongs to a course you are not enrolled in."))
    if db.session.get(DeckStudent, (deck.id, user.id)) is None:
        db.session.add(DeckStudent(deck_id=deck.id, user_id=user.id))
        db.session.commit()


def stop_deck(user, deck: Deck) -> None:
    row = db.session.get(DeckStudent, (deck.id, user.id))
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def link_deck(deck: Deck, course: Course | None, user) -> Deck:
    """Show a deck to a course's students (or unlink it). Grades are not affected."""
    from lms.catalog.services import can_manage

    if user.role != "admin" and (course is None or not can_manage(user, course)):
        raise Forbidden(_("Only the course's instructors and administrators may do this."))
    current = db.session.get(Course, deck.course_id) if deck.course_id else None
    if user.role != "admin" and current is not None and not can_manage(user, current):
        # The deck belongs to another course: moving it would take it from its students.
        raise Forbidden(_("Only the course's instructors and administrators may do this."))
    deck.course_id = course.id if course else None
    db.session.commit()
    return deck


def create_deck(code: str, title: str, *, level: str | None, kind: str, user) -> Deck:
    problems = []
    if not _CODE_RE.match(code or ""):
        problems.append({"field": "code", "message": _("Use 1-40 letters, digits, '.', '_' or '-'.")})
    elif db.session.scalar(select(Deck.id).where(Deck.code == code)):
        problems.append({"field": "code", "message": _("A deck with this code already exists.")})
    if not (title or "").strip():
        problems.append({"field": "title", "message": _("A title is required.")})
    if level and level not in JLPT_LEVELS:
        problems.append({"field": "jlpt_level",
                         "message": _("The JLPT level must be one of N5, N4, N3, N2, N1.")})
    if kind not in ("vocab", "kanji"):
        problems.append({"field": "kind", "message": _("A deck is vocabulary or kanji.")})
    if problems:
        raise ValidationError(_("The deck was not created."), details=problems)
    deck = Deck(code=code, title={"en": title.strip()}, jlpt_level=level or None, kind=kind,
                created_by_id=user.id if user else None)
    db.session.add(deck)
    db.session.commit()
    return deck


# --- import ------------------------------------------------------------------------------------


@dataclass
class RowError:
    line: int
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "message": self.message}


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


HEADER_NAMES = {"front", "back", "reading", "tags", "example", "meaning_uz", "meaning_en",
                "meaning", "word", "kana"}


def _clean(value: str) -> str:
    """Anki fields may hold HTML (<br>, &nbsp;): plain text, NFC, trimmed."""
    value = nh3.clean(value.replace("<br>", " ").replace("<br/>", " ").replace("<br />", " "),
                      tags=set())
    value = html.unescape(value).replace("\xa0", " ")
    return " ".join(unicodedata.normalize("NFC", value).split())


DEFAULT_COLUMNS = ["front", "back", "reading", "tags", "example", "meaning_uz"]
_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_HEADER_ALIASES = {"word": "front", "kana": "reading", "meaning": "back", "meaning_en": "back"}


def parse_deck_file(data: bytes, filename: str = "") -> tuple[list[dict], list[RowError]]:
    """Rows of a CSV or TSV (Anki "Notes in plain text" export or a spreadsheet):
    columns front, back, then optionally reading, tags, example; or a header row naming
    them (front, back, reading, tags, example, meaning_uz). Anki's ``#separator:`` and
    other ``#`` lines are understood. Every problem is reported with its line."""
    lines = _deck_text(data).splitlines()
    body_start, delimiter = _anki_directives(lines, filename)
    body = lines[body_start:]
    if delimiter is None:
        delimiter = _sniffed_delimiter(body)
    reader = csv.reader(io.StringIO("\n".join(body)), delimiter=delimiter)
    columns = DEFAULT_COLUMNS
    rows, errors, seen = [], [], {}
    for index, record in enumerate(reader):
        line = body_start + index + 1
        if not any(cell.strip() for cell in record):
            continue
        header = _header_columns(record) if index == 0 else None
        if header is not None:
            columns = header
            continue
        if len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            errors.append(RowError(line, _("More than %(n)d rows; split the file.",
                                            n=MAX_IMPORT_ROWS)))
            break
        if len(record) > len(columns):
            errors.append(RowError(line, _("%(n)d columns; expected at most %(max)d (front, "
                                            "back, reading, tags, example).",
                                            n=len(record), max=len(columns))))
            continue
        row = {name: _clean(value) for name, value in zip(columns, record, strict=False)}
        problems = _row_problems(row, seen)
        if problems:
            errors.append(RowError(line, "; ".join(problems)))
            continue
        seen[(row.get("front"), row.get("reading", ""))] = line
        rows.append({"line": line, **row})
    if not rows and not errors:
        errors.append(RowError(1, _("The file has no cards.")))
    return rows, errors


def _deck_text(data: bytes) -> str:
    """The file as text; too large or not UTF-8 is refused with what to do instead."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is larger than 2 MB; split it into several decks."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The file is not UTF-8 text. In Anki choose 'Notes in Plain "
                                "Text'; in Excel save as 'CSV UTF-8'.")) from exc


def _anki_directives(lines: list[str], filename: str) -> tuple[int, str | None]:
    """Anki's leading ``#`` lines: where the rows start, and the delimiter (from
    ``#separator:``, else tab for .tsv/.txt files, else None: not known yet)."""
    delimiter = "\t" if filename.lower().endswith((".tsv", ".txt")) else None
    body_start = 0
    for number, line in enumerate(lines):
        if not line.startswith("#"):
            break
        body_start = number + 1
        key, _sep, value = line[1:].partition(":")
        if key.strip().lower() == "separator":
            delimiter = _SEPARATORS.get(value.strip().lower(), delimiter)
    return body_start, delimiter


def _sniffed_delimiter(body: list[str]) -> str:
    """Tab if the first non-blank line has one, else comma."""
    first = next((line for line in body if line.strip()), "")
    return "\t" if "\t" in first else ","


def _header_columns(record: list[str]) -> list[str] | None:
    """The column names if the first record is a header row (it names front), else None."""
    lowered = [c.strip().lower() for c in record]
    if "front" in lowered and set(lowered) <= HEADER_NAMES | {""}:
        return [_HEADER_ALIASES.get(c, c) for c in lowered]
    return None


def _row_problems(row: dict, seen: dict) -> list[str]:
    """What is wrong with one card, in the order the messages are shown; ``seen`` maps
    (front, reading) to the line of the cards accepted so far."""
    problems = []
    if not row.get("front"):
        problems.append(_("the front (the word) is empty"))
    elif len(row["front"]) > 200:
        problems.append(_("the front is longer than 200 characters"))
    if not row.get("back"):
        problems.append(_("the back (the meaning) is empty"))
    elif len(row["back"]) > 500:
        problems.append(_("the back is longer than 500 characters"))
    reading = row.get("reading", "")
    if reading and not _KANA_RE.match(reading):
        problems.append(_("the reading '%(reading)s' is not kana", reading=reading))
    if len(row.get("tags", "")) > 200:
        problems.append(_("the tags are longer than 200 characters"))
    key = (row.get("front"), reading)
    if row.get("front") and key in seen:
        problems.append(_("the same word and reading as line %(line)d", line=seen[key]))
    return problems


def import_cards(deck: Deck, data: bytes, filename: str = "") -> ImportReport:
    """Add the file's cards to a deck, all or none: with any row error nothing is saved and
    every error is reported with its line. A word already in the deck is updated."""
    rows, errors = parse_deck_file(data, filename)
    report = ImportReport(errors=errors)
    if errors:
        raise ValidationError(
            _("Nothing was imported: %(count)d row(s) have problems.", count=len(errors)),
            details=[e.as_dict() for e in errors])
    existing = {(c.front, c.reading): c for c in deck.cards}
    position = max((c.position for c in deck.cards), default=0)
    for row in rows:
        meaning = {"en": row["back"]}
        if row.get("meaning_uz"):
            meaning["uz"] = row["meaning_uz"]
        card = existing.get((row["front"], row.get("reading", "")))
        if card is None:
            position += 1
            card = DeckCard(deck=deck, position=position, front=row["front"],
                            reading=row.get("reading", ""))
            db.session.add(card)
            report.added += 1
        else:
            report.updated += 1
        card.meaning, card.example = meaning, row.get("example", "")
        card.tags = row.get("tags", "")
    db.session.commit()
    return report


def load_builtin_decks() -> list[tuple[Deck, ImportReport]]:
    """Create or update the decks shipped in lms/japanese/decks/ (idempotent). Each file
    starts with '#deck:', '#title:', '#level:' and '#kind:' lines."""
    done = []
    for path in sorted(DECKS_DIR.glob("*.tsv")):
        meta = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            key, _sep, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
        deck = db.session.scalar(select(Deck).where(Deck.code == meta["deck"]))
        if deck is None:
            deck = Deck(code=meta["deck"], title={}, kind=meta.get("kind", "vocab"))
            db.session.add(deck)
        deck.title = {k[6:]: v for k, v in meta.items() if k.startswith("title_")}
        deck.jlpt_level = meta.get("level") or None
        deck.kind = meta.get("kind", "vocab")
        if meta.get("course"):
            course = db.session.scalar(select(Course).where(Course.code == meta["course"]))
            deck.course_id = course.id if course else deck.course_id
        db.session.flush()
        done.append((deck, import_cards(deck, path.read_bytes(), path.name)))
    return done


# --- review ----------------------------------------------------------------------------------


def _zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone or "Asia/Tashkent")
    except Exception:  # an unknown zone name: the institution's
        return ZoneInfo("Asia/Tashkent")


def _day_bounds(user, now: datetime) -> tuple[date, datetime, datetime]:
    local = now.astimezone(_zone(user))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.date(), start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _deck_filter(user, deck: Deck | None):
    subscribed = select(DeckStudent.deck_id).where(DeckStudent.user_id == user.id)
    return DeckCard.deck_id == deck.id if deck is not None else DeckCard.deck_id.in_(subscribed)


def new_cards_left(user, now: datetime) -> int:
    profile = db.session.get(JapaneseProfile, user.id)
    limit = profile.new_cards_per_day if profile else 20
    _day, start, end = _day_bounds(user, now)
    introduced = db.session.scalar(select(func.count(StudyCard.id)).where(
        StudyCard.user_id == user.id, StudyCard.created_at >= start, StudyCard.created_at < end))
    return max(0, limit - (introduced or 0))


@dataclass
class NextCard:
    card: DeckCard
    study: StudyCard | None  # None: a new card
    due_count: int
    new_left: int


def next_card(user, deck: Deck | None = None, now: datetime | None = None) -> NextCard | None:
    """The next card to review: the most overdue card first, then a new card (within the
    daily limit), then a card in its learning steps that is due within 20 minutes."""
    now = now or datetime.now(UTC)
    base = (select(StudyCard).join(DeckCard, DeckCard.id == StudyCard.card_id)
            .where(StudyCard.user_id == user.id, _deck_filter(user, deck)))
    due = db.session.scalars(base.where(StudyCard.due <= now).order_by(StudyCard.due)
                             .limit(1)).first()
    due_count = db.session.scalar(select(func.count()).select_from(
        base.where(StudyCard.due <= now).subquery()))
    left = new_cards_left(user, now)
    if due is not None:
        return NextCard(due.card, due, due_count, left)
    if left:
        seen = select(StudyCard.card_id).where(StudyCard.user_id == user.id)
        new = db.session.scalars(select(DeckCard).where(
            _deck_filter(user, deck), DeckCard.id.not_in(seen))
            .order_by(DeckCard.deck_id, DeckCard.position).limit(1)).first()
        if new is not None:
            return NextCard(new, None, 0, left)
    ahead = db.session.scalars(base.where(StudyCard.due <= now + LEARN_AHEAD,
                                          StudyCard.state != 2)
                               .order_by(StudyCard.due).limit(1)).first()
    if ahead is not None:
        return NextCard(ahead.card, ahead, 0, left)
    return None


def typed_answer_correct(card: DeckCard, typed: str) -> bool:
    """A typed answer counts if it is the reading or the word, after NFKC (full and
    half width alike) and with katakana and hiragana treated as the same."""
    answer = normalise_answer(typed or "", kana_equivalent=True, case_sensitive=False)
    if not answer:
        return False
    accepted = {normalise_answer(v, kana_equivalent=True, case_sensitive=False)
                for v in (card.reading, card.front) if v}
    for reading in re.split(r"[、,/・]", card.reading or ""):
        if reading.strip():
            accepted.add(normalise_answer(reading, kana_equivalent=True, case_sensitive=False))
    return answer in accepted


def review_card(user, card: DeckCard, rating: int, *, typed: str | None = None,
                duration_ms: int | None = None, now: datetime | None = None) -> StudyCard:
    """Record one rating (1 Again, 2 Hard, 3 Good, 4 Easy) and schedule the card with FSRS.
    The card must be in a deck the user studies."""
    if rating not in srs.RATINGS:
        raise ValidationError(_("The rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)."))
    if db.session.get(DeckStudent, (card.deck_id, user.id)) is None:
        raise Forbidden(_("Add this deck to your reviews first."))
    now = now or datetime.now(UTC)
    study = db.session.scalar(select(StudyCard).where(StudyCard.user_id == user.id,
                                                      StudyCard.card_id == card.id))
    if study is None:
        study = StudyCard(user_id=user.id, card_id=card.id, state=1, step=0, due=now,
                          reps=0, lapses=0, created_at=now)
        db.session.add(study)
        db.session.flush()
    srs.schedule(study, rating, now)
    correct = typed_answer_correct(card, typed) if typed else None
    db.session.add(CardReview(user_id=user.id, study_card_id=study.id, rating=rating,
                              reviewed_at=now, duration_ms=duration_ms,
                              typed_answer=(typed or None) and typed[:200],
                              typed_correct=correct, due_after=study.due))
    _update_streak(user, now)
    db.session.commit()
    return study


def _update_streak(user, now: datetime) -> None:
    profile = db.session.get(JapaneseProfile, user.id)
    if profile is None:
        profile = JapaneseProfile(user_id=user.id, furigana="above_level", streak_days=0)
        db.session.add(profile)
    today, _start, _end = _day_bounds(user, now)
    if profile.last_review_on == today:
        return
    if profile.last_review_on == today - timedelta(days=1):
        profile.streak_days = (profile.streak_days or 0) + 1
    else:
        profile.streak_days = 1
    profile.last_review_on = today


# --- statistics -----------------------------------------------------------------------------


@dataclass
class DeckStats:
    due_today: int
    new_available: int
    retention: float | None  # share of reviews in 30 days not answered Again
    reviews_30d: int
    streak: int
    decks: int


def dashboard_stats(user, now: datetime | None = None) -> DeckStats:
    """Due today, retention and streak in one query (the dashboard counts its queries)."""
    now = now or datetime.now(UTC)
    today, start, end = _day_bounds(user, now)
    subscribed = select(DeckStudent.deck_id).where(DeckStudent.user_id == user.id)
    due = (select(func.count(StudyCard.id)).join(DeckCard, DeckCard.id == StudyCard.card_id)
           .where(StudyCard.user_id == user.id, StudyCard.due < end,
                  DeckCard.deck_id.in_(subscribed)).scalar_subquery())
    unseen = (select(func.count(DeckCard.id)).where(
        DeckCard.deck_id.in_(subscribed),
        DeckCard.id.not_in(select(StudyCard.card_id).where(StudyCard.user_id == user.id)))
        .scalar_subquery())
    introduced = (select(func.count(StudyCard.id)).where(
        StudyCard.user_id == user.id, StudyCard.created_at >= start,
        StudyCard.created_at < end).scalar_subquery())
    since = now - timedelta(days=30)
    reviews = (select(func.count(CardReview.id)).where(
        CardReview.user_id == user.id, CardReview.reviewed_at >= since).scalar_subquery())
    remembered = (select(func.coalesce(func.sum(case((CardReview.rating > 1, 1), else_=0)), 0))
                  .where(CardReview.user_id == user.id, CardReview.reviewed_at >= since)
                  .scalar_subquery())
    decks = select(func.count()).select_from(subscribed.subquery()).scalar_subquery()
    def setting(column):
        return select(column).where(JapaneseProfile.user_id == user.id).scalar_subquery()

    row = db.session.execute(select(
        due, unseen, introduced, reviews, remembered, decks,
        setting(JapaneseProfile.streak_days), setting(JapaneseProfile.last_review_on),
        setting(JapaneseProfile.new_cards_per_day))).one()
    (due_n, unseen_n, introduced_n, reviews_n, remembered_n, decks_n, streak, last_on,
     per_day) = row
    per_day = 20 if per_day is None else per_day
    new_available = min(unseen_n or 0, max(0, per_day - (introduced_n or 0)))
    streak = streak or 0
    if last_on is None or last_on < today - timedelta(days=1):
        streak = 0  # a day without reviews ended the streak
    return DeckStats(due_n or 0, new_available, (remembered_n / reviews_n) if reviews_n else None,
                     reviews_n or 0, streak, decks_n or 0)


def front_ruby(card: DeckCard) -> list[tuple[str, str | None]]:
    """The word split for ruby from its own reading (食べる/たべる -> 食(た)べる)."""
    reading = re.split(r"[、,/・]", card.reading or "")[0].strip()
    if not reading or not furigana.has_kanji(card.front):
        return [(card.front, None)]
    return furigana.align(card.front, furigana.to_hiragana(reading))


def card_json(card: DeckCard, study: StudyCard | None, view) -> dict:
    """A card as the review page shows it; ``view`` (a FuriganaView) reads the example."""
    from markupsafe import escape

    from lms.core.i18n import pick

    front_html = "".join(
        f"<ruby>{escape(t)}<rp>(</rp><rt>{escape(r)}</rt><rp>)</rp></ruby>" if r else str(escape(t))
        for t, r in front_ruby(card))
    from lms.core.markdown import render_markdown

    example_html = str(render_markdown(card.example, furigana=view)) if card.example else ""
    return {
        "id": card.id, "front": card.front, "front_html": front_html, "reading": card.reading,
        "meaning": pick(card.meaning), "meanings": card.meaning, "example_html": example_html,
        "tags": card.tags, "new": study is None,
        "state": study.state if study else None,
        "due": study.due.isoformat() if study else None,
    }

