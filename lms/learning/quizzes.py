"""Quiz attempts: starting (within the attempt limit), the server-side time limit,
marking, the score that counts, and when feedback may be shown.

Attempts are kept by module and item key (like progress), so they carry over to a new
version of the module; each attempt is marked against the questions of the version it was
started on. Marking itself is ``authoring.quizfile.score_question``.

Which score counts (settings ``scoring``):

- ``best`` (default): each attempt is recorded with its own score; ItemProgress keeps
  the best one (``progress.record`` never lowers ``best_score``).
- ``last`` / ``average``: each submission is recorded with the *aggregate* (the last
  attempt's score, or the mean of all submitted attempts) as its score, so the event and
  ``last_score`` carry the number that counts. ItemProgress.best_score is still what
  counts for completion and the course score, and it never goes down: a pass, once
  reached, stays.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.authoring.models import Item
from lms.authoring.quizfile import score_question
from lms.authoring.services import effective_settings, item_overrides
from lms.core.db import utcnow
from lms.core.errors import Conflict, Forbidden, NotFound
from lms.extensions import db
from lms.learning import progress, trust
from lms.learning.models import QuizAttempt

# A submission that left the browser just before the limit may arrive a little after it.
GRACE = timedelta(seconds=30)


def quiz_settings(item: Item) -> dict:
    """The quiz's settings with the instructor's overrides and every default filled in."""
    settings = effective_settings(item, item_overrides(item.version.module))
    settings.setdefault("attempts", 0)
    settings.setdefault("time_limit", None)
    if settings.get("pass_score") is None:
        settings["pass_score"] = 60
    settings["feedback"] = settings.get("feedback") or "immediate"
    settings["scoring"] = settings.get("scoring") or "best"
    settings.setdefault("shuffle", False)
    return settings


def questions_of(item: Item) -> list[dict]:
    return list((item.content or {}).get("questions") or [])


def attempts_of(user_id: int, item: Item) -> list[QuizAttempt]:
    """The user's attempts at this quiz (any version of the module), oldest first."""
    return db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.module_id == item.version.module_id,
        QuizAttempt.item_key == item.key).order_by(QuizAttempt.number)).all()


def attempt_item(attempt: QuizAttempt) -> Item:
    """The item (of the version the attempt was started on) whose questions it answers."""
    item = db.session.get(Item, attempt.item_id)
    if item is None:
        raise NotFound(_("This quiz no longer exists."))
    return item


def expired(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """True when the attempt's time (plus the grace period) is over."""
    return attempt.deadline is not None and (now or utcnow()) > attempt.deadline + GRACE


def ran_out_of_time(attempt: QuizAttempt) -> bool:
    """A closed attempt that was closed because its time was up (its answers not scored)."""
    return (attempt.submitted_at is not None and attempt.deadline is not None
            and attempt.submitted_at > attempt.deadline + GRACE)


def seconds_left(attempt: QuizAttempt, now: datetime | None = None) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - (now or utcnow())).total_seconds()))


# --- the state of one learner on one quiz --------------------------------------------------


@dataclass
class QuizState:
    settings: dict
    attempts: list[QuizAttempt]
    open_attempt: QuizAttempt | None = None
    enrolled: bool = False
    counted_score: float | None = None
    feedback_open: bool = False
    questions: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def submitted(self) -> list[QuizAttempt]:
        return [a for a in self.attempts if a.submitted_at is not None]

    @property
    def used(self) -> int:
        return len(self.attempts)

    @property
    def remaining(self) -> int | None:
        limit = int(self.settings.get("attempts") or 0)
        return None if limit <= 0 else max(0, limit - self.used)

    @property
    def can_start(self) -> bool:
        return self.enrolled and self.open_attempt is None and self.remaining != 0

    @property
    def passed(self) -> bool | None:
        if self.counted_score is None:
            return None
        return self.counted_score >= float(self.settings["pass_score"])


def counted_score(settings: dict, attempts: list[QuizAttempt]) -> float | None:
    """The score that counts under ``settings['scoring']``, from submitted attempts."""
    scores = [a.score or 0.0 for a in attempts if a.submitted_at is not None]
    if not scores:
        return None
    scoring = settings.get("scoring") or "best"
    if scoring == "last":
        return scores[-1]
    if scoring == "average":
        return round(sum(scores) / len(scores), 2)
    return max(scores)


def feedback_open(settings: dict, attempts: list[QuizAttempt], now: datetime | None = None
                  ) -> bool:
    """Immediate feedback: always. Deferred: once every attempt is used or the due date
    (if the quiz has one) has passed."""
    if settings.get("feedback", "immediate") != "deferred":
        return True
    limit = int(settings.get("attempts") or 0)
    if limit > 0 and len([a for a in attempts if a.submitted_at is not None]) >= limit:
        return True
    due = settings.get("due")
    if due:
        try:
            return (now or utcnow()) >= datetime.fromisoformat(due)
        except (TypeError, ValueError):
            return False
    return False


def quiz_state(user, item: Item, *, enrolled: bool) -> QuizState:
    settings = quiz_settings(item)
    attempts = attempts_of(user.id, item)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    return QuizState(
        settings=settings, attempts=attempts, open_attempt=open_attempt, enrolled=enrolled,
        counted_score=counted_score(settings, attempts),
        feedback_open=feedback_open(settings, attempts), questions=len(questions_of(item)),
    )


# --- starting ----------------------------------------------------------------------------


@dataclass
class Started:
    attempt: QuizAttempt
    resumed: bool
    closed: QuizAttempt | None = None  # an open attempt closed because its time was up


def start_attempt(user, item: Item, now: datetime | None = None) -> Started:
    """Start an attempt, or return the unfinished one to resume.

    An unfinished attempt whose time is up is closed first with a score of 0. Raises
    Forbidden when the attempt limit is used up, NotFound for a quiz without questions.
    """
    now = now or utcnow()
    if item.kind != "quiz" or not questions_of(item):
        raise NotFound(_("This quiz has no questions."))
    settings = quiz_settings(item)
    closed = None
    current = _open_attempt(user.id, item)
    if current is not None and expired(current, now):
        close_expired(user, current, now)
        closed, current = current, None
    if current is not None:
        return Started(current, True)
    limit = int(settings.get("attempts") or 0)
    used = _attempt_count(user.id, item)
    if limit > 0 and used >= limit:
        raise Forbidden(_(
            "You have used all %(limit)d attempts at this quiz, so you cannot start another. "
            "Your score is the one shown on the quiz page.", limit=limit))
    time_limit = settings.get("time_limit")
    attempt = QuizAttempt(
        user_id=user.id, item_id=item.id, module_id=item.version.module_id, item_key=item.key,
        number=used + 1, started_at=now,
        deadline=now + timedelta(seconds=int(time_limit)) if time_limit else None,
        answers={}, results={},
    )
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:
        # Two clicks on Start at once: the other request made attempt number used+1.
        db.session.rollback()
        current = _open_attempt(user.id, item)
        if current is None:
            raise Conflict(_("Another attempt was being started at the same moment. "
                             "Open the quiz again.")) from None
        return Started(current, True, closed)
    return Started(attempt, False, closed)


def _open_attempt(user_id: int, item: Item) -> QuizAttempt | None:
    return db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.module_id == item.version.module_id,
        QuizAttempt.item_key == item.key, QuizAttempt.submitted_at.is_(None))
        .order_by(QuizAttempt.number.desc()).limit(1))


def _attempt_count(user_id: int, item: Item) -> int:
    return db.session.scalar(select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.user_id == user_id, QuizAttempt.module_id == item.version.module_id,
        QuizAttempt.item_key == item.key)) or 0


# --- submitting ----------------------------------------------------------------------------


@dataclass
class Submitted:
    attempt: QuizAttempt
    in_time: bool  # False: the time was up, the answers were not scored
    counted_score: float | None = None
    passed: bool | None = None


def mark(questions: list[dict], responses: dict) -> tuple[dict[str, float], float]:
    """Per-question fractions and the score 0-100, weighted by each question's points."""
    results: dict[str, float] = {}
    earned = total = 0.0
    for question in questions:
        fraction = score_question(question, responses.get(question["key"]))
        results[question["key"]] = fraction
        points = float(question.get("points") or 1)
        earned += fraction * points
        total += points
    return results, round(earned / total * 100, 2) if total else 0.0


def submit_attempt(user, attempt: QuizAttempt, responses: dict,
                   now: datetime | None = None) -> Submitted:
    """Mark and close the attempt, and record the score that counts in progress.

    After the deadline plus GRACE the answers are not scored: the attempt is closed with
    a score of 0 (``in_time`` False). A second submission of the same attempt raises
    Conflict. Only the attempt's owner may submit (Forbidden otherwise).
    """
    now = now or utcnow()
    if attempt.user_id != user.id:
        raise Forbidden(_("Only the student who started this attempt can submit it."))
    item = attempt_item(attempt)
    if expired(attempt, now):
        close_expired(user, attempt, now, responses)
        return Submitted(attempt, False, *_counted(user, item))
    clean = _clean_responses(questions_of(item), responses)
    results, score = mark(questions_of(item), clean)
    _close(attempt, now, clean, results, score)
    counted, passed = _record(user, item, attempt)
    return Submitted(attempt, True, counted, passed)


def close_expired(user, attempt: QuizAttempt, now: datetime | None = None,
                  responses: dict | None = None) -> None:
    """Close an attempt whose time is up with a score of 0 (answers kept, not scored)."""
    item = attempt_item(attempt)
    clean = _clean_responses(questions_of(item), responses or {})
    _close(attempt, now or utcnow(), clean, {}, 0.0)
    _record(user, item, attempt)


def _close(attempt, now, answers, results, score) -> None:
    # Conditional UPDATE: of two simultaneous submissions only one closes the attempt, so
    # progress is recorded once.
    changed = db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                  QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=now, answers=answers, results=results, score=score)
    ).rowcount
    db.session.commit()
    db.session.refresh(attempt)
    if not changed:
        raise Conflict(_("This attempt was already submitted. Your result is below."))


def _counted(user, item) -> tuple[float | None, bool | None]:
    settings = quiz_settings(item)
    score = counted_score(settings, attempts_of(user.id, item))
    return score, None if score is None else score >= float(settings["pass_score"])


def _record(user, item: Item, attempt: QuizAttempt) -> tuple[float | None, bool | None]:
    settings = quiz_settings(item)
    if settings["scoring"] in ("last", "average"):
        score, passed = _counted(user, item)
    else:
        score = attempt.score or 0.0
        passed = score >= float(settings["pass_score"])
    progress.record(user, item, "scored", channel=trust.SERVER, attempt=True, result={
        "score": {"scaled": min(1.0, max(0.0, (score or 0.0) / 100))},
        "success": bool(passed), "completion": bool(passed)})
    return _counted(user, item)


def _clean_responses(questions: list[dict], responses: dict) -> dict:
    """Keep only answers to this quiz's questions, in JSON-safe shapes and sizes."""
    clean: dict = {}
    for question in questions:
        value = (responses or {}).get(question["key"])
        if value is None:
            continue
        if isinstance(value, str):
            clean[question["key"]] = value[:1000]
        elif isinstance(value, list | tuple):
            clean[question["key"]] = [str(v)[:200] for v in value][:100]
        elif isinstance(value, dict):
            clean[question["key"]] = {str(k)[:200]: str(v)[:200]
                                      for k, v in list(value.items())[:100]}
    return clean


# --- presenting ----------------------------------------------------------------------------


def presented_questions(attempt: QuizAttempt, questions: list[dict], shuffle: bool
                        ) -> list[dict]:
    """The questions as this attempt shows them: with ``shuffle`` the questions and their
    choices in an order fixed by the attempt id (a reload shows the same order). Ordering
    items and matching answers are always shuffled: the file lists them in the right order.
    """
    rng = random.Random(f"quiz-attempt-{attempt.id}")  # noqa: S311 - not security related
    shown = list(questions)
    if shuffle:
        rng.shuffle(shown)
    out = []
    for question in shown:
        view = dict(question)
        if question["type"] in ("single", "multiple"):
            view["choices"] = _shuffled(rng, question["choices"]) if shuffle else list(
                question["choices"])
        elif question["type"] == "ordering":
            view["options"] = _shuffled(rng, question["items"], avoid_identity=True)
            view["positions"] = list(range(1, len(question["items"]) + 1))
        elif question["type"] == "matching":
            view["lefts"] = _shuffled(rng, question["pairs"]) if shuffle else list(
                question["pairs"])
            view["rights"] = _shuffled(rng, question["pairs"], avoid_identity=True)
        elif question["type"] == "short":
            view["answer_lang"] = answer_language(question)
        out.append(view)
    return out


def _shuffled(rng: random.Random, entries: list, avoid_identity: bool = False) -> list:
    result = list(entries)
    rng.shuffle(result)
    if avoid_identity and len(result) > 1 and result == list(entries):
        result = result[1:] + result[:1]  # never show the answer as the starting order
    return result


def answer_language(question: dict) -> str:
    """The language a short answer is typed in ("ja" when an accepted answer has kana or
    kanji), so the browser offers the right keyboard and input method."""
    for answer in question.get("accept") or []:
        if any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
               for ch in answer):
            return "ja"
    return "en"


def review_rows(attempt: QuizAttempt, questions: list[dict], shuffle: bool) -> list[dict]:
    """Each question with the learner's response, its mark, the right answer, explanation."""
    rows = []
    by_key = {q["key"]: q for q in questions}
    for view in presented_questions(attempt, questions, shuffle):
        question = by_key[view["key"]]
        response = (attempt.answers or {}).get(question["key"])
        fraction = (attempt.results or {}).get(question["key"])
        rows.append({
            "question": view,
            "given": _describe_response(question, response),
            "correct": _describe_correct(question),
            "fraction": fraction,
            "points": float(question.get("points") or 1),
        })
    return rows


def _texts(entries: list[dict], keys, field_name: str = "text") -> list[dict]:
    by_key = {e["key"]: e for e in entries}
    return [by_key[k][field_name] for k in keys if k in by_key]


def _describe_response(question: dict, response) -> list:
    """What the learner answered, as language dicts or plain strings, for display."""
    qtype = question["type"]
    if response in (None, "", [], {}):
        return []
    if qtype in ("single", "multiple"):
        keys = response if isinstance(response, list) else [response]
        return _texts(question["choices"], keys)
    if qtype == "short":
        return [str(response)]
    if qtype == "ordering":
        return _texts(question["items"], response if isinstance(response, list) else [])
    if qtype == "matching" and isinstance(response, dict):
        rights = {p["key"]: p["right"] for p in question["pairs"]}
        return [{"left": p["left"], "right": rights.get(response.get(p["key"]))}
                for p in question["pairs"]]
    return []


def _describe_correct(question: dict) -> list:
    qtype = question["type"]
    if qtype in ("single", "multiple"):
        return _texts(question["choices"], question["correct"])
    if qtype == "short":
        return list(question["accept"])
    if qtype == "ordering":
        return [i["text"] for i in question["items"]]
    if qtype == "matching":
        return [{"left": p["left"], "right": p["right"]} for p in question["pairs"]]
    return []


# --- instructors ------------------------------------------------------------------------------


@dataclass
class StudentAttempts:
    student: User
    attempts: list[QuizAttempt]
    counted_score: float | None


def attempts_by_student(item: Item) -> list[StudentAttempts]:
    """Every learner's attempts at this quiz, for its instructors."""
    settings = quiz_settings(item)
    rows = db.session.execute(
        select(QuizAttempt, User).join(User, User.id == QuizAttempt.user_id).where(
            QuizAttempt.module_id == item.version.module_id, QuizAttempt.item_key == item.key)
        .order_by(User.name, User.id, QuizAttempt.number)).all()
    grouped: dict[int, StudentAttempts] = {}
    for attempt, user in rows:
        entry = grouped.setdefault(user.id, StudentAttempts(user, [], None))
        entry.attempts.append(attempt)
    for entry in grouped.values():
        entry.counted_score = counted_score(settings, entry.attempts)
    return list(grouped.values())
