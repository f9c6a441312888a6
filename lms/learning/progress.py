"""Recording learner actions and deriving progress from them.

Every action is one append-only LearningEvent shaped as an xAPI statement; ItemProgress is
updated in the same transaction with one atomic upsert whose SQL never lowers a
completion, a pass or a best score, so concurrent updates cannot lose anything. A re-sent
event (same id) changes nothing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, null, select
from sqlalchemy.dialects import postgresql, sqlite

from lms.authoring.models import Item, ItemSetting, Module
from lms.authoring.services import effective_settings, item_overrides
from lms.core import stamps
from lms.core.db import utcnow
from lms.core.errors import Conflict, ValidationError
from lms.extensions import db
from lms.learning.models import CourseResult, ItemProgress, LearningEvent, Notification
from lms.learning.services import course_outline

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {name: ADL + name for name in (
    "experienced", "attempted", "progressed", "completed", "passed", "failed", "scored",
    "answered", "interacted", "launched", "initialized", "suspended", "resumed", "terminated",
)}
SCORED_KINDS = ("quiz", "assignment", "html5", "scorm")
_DURATION_RE = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")
MAX_DURATION = 24 * 3600  # one event never adds more than a day of study time


@dataclass
class Outcome:
    event: LearningEvent
    stored: bool  # False when the same event id was already recorded
    progress: ItemProgress | None
    course_completed: bool = False


def verb_iri(verb: str) -> str:
    if verb in VERBS:
        return VERBS[verb]
    if verb in VERBS.values():
        return verb
    raise ValidationError(_("Unknown verb '%(verb)s'. Use one of: %(verbs)s.", verb=verb,
                            verbs=", ".join(sorted(VERBS))))


def parse_duration(value: str | None) -> int:
    """Seconds in an ISO 8601 duration such as PT1M30S (xAPI result.duration)."""
    if not value:
        return 0
    match = _DURATION_RE.match(value)
    if not match or value in ("P", "PT"):
        raise ValidationError(_("'%(value)s' is not an ISO 8601 duration like PT1M30S.",
                                value=value))
    parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
    seconds = parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]
    return int(min(seconds, MAX_DURATION))


def clean_result(result: dict | None) -> dict | None:
    """Validate an xAPI result: score.scaled in 0..1, success/completion booleans,
    duration ISO 8601, response a short string. Unknown keys are refused."""
    if result is None:
        return None
    if not isinstance(result, dict):
        raise ValidationError(_("'result' must be an object."))
    allowed = {"score", "success", "completion", "duration", "response", "extensions"}
    unknown = set(result) - allowed
    if unknown:
        raise ValidationError(_("Unknown result field(s): %(fields)s.",
                                fields=", ".join(sorted(unknown))))
    clean: dict = {}
    score = result.get("score")
    if score is not None:
        if not isinstance(score, dict) or "scaled" not in score:
            raise ValidationError(_("'result.score' must be an object with 'scaled' (0 to 1)."))
        scaled = score["scaled"]
        if isinstance(scaled, bool) or not isinstance(scaled, int | float) or not 0 <= scaled <= 1:
            raise ValidationError(_("'result.score.scaled' must be a number from 0 to 1."))
        clean["score"] = {"scaled": float(scaled)}
        for name in ("raw", "min", "max"):
            if isinstance(score.get(name), int | float) and not isinstance(score[name], bool):
                clean["score"][name] = float(score[name])
    for flag in ("success", "completion"):
        if flag in result:
            if not isinstance(result[flag], bool):
                raise ValidationError(_("'result.%(field)s' must be true or false.", field=flag))
            clean[flag] = result[flag]
    if "duration" in result:
        if not isinstance(result["duration"], str):
            raise ValidationError(_("'result.duration' must be an ISO 8601 duration."))
        parse_duration(result["duration"])
        clean["duration"] = result["duration"]
    if "response" in result:
        clean["response"] = str(result["response"])[:2000]
    if isinstance(result.get("extensions"), dict):
        clean["extensions"] = result["extensions"]
    return clean


def record(user, item: Item, verb: str, *, result: dict | None = None,
           event_id: str | None = None, timestamp: datetime | None = None,
           resume: dict | None = None, attempt: bool = False) -> Outcome:
    """Record one action of ``user`` on ``item`` and update their progress atomically.

    ``result`` is an xAPI result (validated here). ``resume`` replaces the stored resume
    state (e.g. a video position). ``attempt`` counts one attempt. Returns the Outcome;
    a repeated ``event_id`` is a no-op (``stored`` False). Raises ValidationError for bad
    values and Conflict when the id belongs to someone else's event.
    """
    iri = verb_iri(verb)
    result = clean_result(result)
    if event_id is not None:
        try:
            event_id = str(uuid.UUID(str(event_id)))
        except ValueError as exc:
            raise ValidationError(_("'id' must be a UUID.")) from exc
    now = utcnow()
    if timestamp is None or timestamp > now + timedelta(minutes=5):
        timestamp = now
    version = item.version
    module = version.module
    event_values = dict(
        id=event_id or str(uuid.uuid4()), user_id=user.id, course_id=module.course_id,
        module_id=module.id, item_id=item.id, item_key=item.key, verb=iri, result=result,
        context={"module": module.key, "module_version": version.number,
                 "course": module.course.code},
        timestamp=timestamp, stored=now,
    )
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    events = LearningEvent.__table__
    inserted = db.session.execute(
        insert(events).values(**event_values).on_conflict_do_nothing(index_elements=["id"])
        .returning(events.c.id)
    ).first()
    if not inserted:
        db.session.rollback()
        existing = db.session.get(LearningEvent, event_values["id"])
        if existing is None or existing.user_id != user.id:
            raise Conflict(_("An event with this id exists already."))
        return Outcome(existing, False, _progress_row(user.id, module.id, item.key))

    settings = effective_settings(item, item_overrides(module))
    completed, passed, score = _derive(item, settings, iri, result)
    seconds = parse_duration((result or {}).get("duration"))
    table = ItemProgress.__table__
    row = dict(
        user_id=user.id, course_id=module.course_id, module_id=module.id, item_key=item.key,
        completed=completed, passed=passed, best_score=score, last_score=score,
        attempts=1 if attempt else 0, time_spent=seconds,
        resume=resume if resume is not None else null(), first_at=now, updated_at=now,
        completed_at=now if completed else None,
    )
    stmt = insert(table).values(**row)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "module_id", "item_key"],
        set_={
            "completed": table.c.completed | excluded.completed,
            "passed": case(
                (table.c.passed.is_(True), True),
                (excluded.passed.is_(None), table.c.passed),
                else_=excluded.passed),
            "best_score": case(
                (excluded.best_score.is_(None), table.c.best_score),
                (table.c.best_score.is_(None), excluded.best_score),
                (excluded.best_score > table.c.best_score, excluded.best_score),
                else_=table.c.best_score),
            "last_score": func.coalesce(excluded.last_score, table.c.last_score),
            "attempts": table.c.attempts + excluded.attempts,
            "time_spent": table.c.time_spent + excluded.time_spent,
            "resume": func.coalesce(excluded.resume, table.c.resume),
            "updated_at": excluded.updated_at,
            "completed_at": func.coalesce(table.c.completed_at, excluded.completed_at),
        },
    )
    db.session.execute(stmt)
    stamps.touch_user(user.id)  # Core statements: the ORM listener does not see them
    course_completed = False
    if completed:
        course_completed = _complete_course_if_done(user, module.course)
    _queue_for_lrs(event_values["id"])
    db.session.commit()
    event = db.session.get(LearningEvent, event_values["id"])
    return Outcome(event, True, _progress_row(user.id, module.id, item.key), course_completed)


def _derive(item: Item, settings: dict, iri: str, result: dict | None):
    """(completed, passed, score 0-100) that this event asserts; None = says nothing."""
    result = result or {}
    score = None
    if "score" in result:
        score = round(result["score"]["scaled"] * 100, 2)
    passed = result.get("success")
    if iri == VERBS["passed"]:
        passed = True
    elif iri == VERBS["failed"]:
        passed = False
    pass_score = settings.get("pass_score")
    if score is not None and pass_score is not None and item.kind in SCORED_KINDS:
        passed = score >= float(pass_score)
    if item.kind in SCORED_KINDS and (score is not None or passed is not None):
        # A scored item is complete when passed (or when it has no pass mark at all).
        completed = bool(passed) if passed is not None else score is not None
    else:
        completed = iri in (VERBS["completed"], VERBS["passed"]) or result.get("completion") is True
    if result.get("completion") is True and item.kind in ("scorm", "html5") and passed is None:
        completed = True
    return completed, passed, score


def _progress_row(user_id: int, module_id: int, key: str) -> ItemProgress | None:
    return db.session.scalar(select(ItemProgress).where(
        ItemProgress.user_id == user_id, ItemProgress.module_id == module_id,
        ItemProgress.item_key == key).execution_options(populate_existing=True))


def _queue_for_lrs(event_id: str) -> None:
    from flask import current_app

    if current_app.config.get("XAPI_LRS_URL"):
        from lms.learning.models import XapiOutbox

        db.session.add(XapiOutbox(event_id=event_id))


# --- completion -----------------------------------------------------------------


@dataclass
class ItemState:
    item: Item
    settings: dict
    progress: ItemProgress | None

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else "not_started"

    @property
    def done(self) -> bool:
        return bool(self.progress and self.progress.completed)


def course_states(user_id: int, course) -> list[tuple[Module, list[ItemState]]]:
    """Every module of the course (current versions) with each item's state: 3 queries."""
    outline = course_outline(course)
    progress = {(p.module_id, p.item_key): p for p in db.session.scalars(
        select(ItemProgress).where(ItemProgress.user_id == user_id,
                                   ItemProgress.course_id == course.id))}
    overrides: dict[int, dict] = {}
    for row in db.session.scalars(select(ItemSetting).join(Module).where(
            Module.course_id == course.id)):
        overrides.setdefault(row.module_id, {})[row.item_key] = row
    return [
        (entry.module, [ItemState(i, effective_settings(i, overrides.get(entry.module.id)),
                                  progress.get((entry.module.id, i.key))) for i in entry.items])
        for entry in outline
    ]


def course_score(states) -> float | None:
    """Weighted score 0-100 over items with weight > 0: a scored item counts its best
    score, an unscored one 100 when done and 0 when not."""
    total = weights = 0.0
    for _module, items in states:
        for s in items:
            weight = float(s.settings.get("weight", 1) or 0)
            if weight <= 0:
                continue
            if s.item.kind in SCORED_KINDS and s.progress and s.progress.best_score is not None:
                value = s.progress.best_score
            else:
                value = 100.0 if s.done else 0.0
            total += weight * value
            weights += weight
    return round(total / weights, 2) if weights else None


def module_complete(items: list[ItemState]) -> bool:
    required = [s for s in items if s.settings.get("required", True)]
    return bool(items) and all(s.done for s in required)


def _complete_course_if_done(user, course) -> bool:
    states = course_states(user.id, course)
    if not states or not all(module_complete(items) for _m, items in states):
        return False
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    score = course_score(states)
    results = CourseResult.__table__
    created = db.session.execute(insert(results).values(
        user_id=user.id, course_id=course.id, score=score if score is not None else 100.0,
        completed_at=utcnow()).on_conflict_do_nothing(index_elements=["user_id", "course_id"])
        .returning(results.c.id)
    ).first()
    if created:
        db.session.add(Notification(user_id=user.id, kind="course_complete",
                                    data={"course": course.code, "score": score},
                                    link=f"/learning/courses/{course.code}"))
    return created is not None
