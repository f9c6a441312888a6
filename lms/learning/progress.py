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
from functools import cache
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, exists, func, null, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from lms.authoring.models import Item, ItemSetting, Module, ModuleVersion
from lms.authoring.services import effective_settings, item_overrides
from lms.catalog.models import Course, Enrollment, course_instructors
from lms.core import stamps
from lms.core.db import utcnow
from lms.core.errors import Conflict, NotFound, ValidationError
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


@dataclass(frozen=True)
class Target:
    """What recording an event on an item needs to know about it: the item of the
    module's current version, its effective settings and where it sits. The API loads
    it in one query (``lms.api.learning``); ``target_of`` builds it from an Item."""

    item_id: int
    item_key: str
    kind: str
    settings: dict  # effective settings (instructor overrides applied)
    module_id: int
    module_key: str
    version_number: int
    course_id: int
    course_code: str


@dataclass(frozen=True)
class EventInput:
    """One validated event: ``clean_event`` makes it."""

    id: str
    verb: str  # an ADL verb IRI
    result: dict | None
    timestamp: datetime | None
    resume: dict | None
    attempt: bool


@dataclass
class ProgressState:
    """An item_progress row as the write returned it (no second read after commit)."""

    completed: bool
    passed: bool | None
    best_score: float | None
    last_score: float | None
    attempts: int
    time_spent: int
    resume: dict | None
    completed_at: datetime | None

    status = property(ItemProgress.status.fget)  # one definition of the status words


@dataclass
class Outcome:
    event_id: str
    stored: bool  # False when the same event id was already recorded
    progress: ProgressState | ItemProgress | None
    course_completed: bool = False

    @property
    def event(self) -> LearningEvent | None:
        return db.session.get(LearningEvent, self.event_id)


@dataclass
class BatchOutcome:
    stored: list[bool]  # per event, in the order given: False for an id seen before
    progress: ProgressState | ItemProgress | None  # the item's progress after the batch
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


def clean_event(verb: str, *, result: dict | None = None, event_id: str | None = None,
                timestamp: datetime | None = None, resume: dict | None = None,
                attempt: bool = False) -> EventInput:
    """Validate one event's values (ValidationError with the reason); an event without an
    id gets a new one. A timestamp in the future (beyond 5 minutes of clock skew) is
    replaced by the time it is recorded."""
    iri = verb_iri(verb)
    result = clean_result(result)
    if event_id is not None:
        try:
            event_id = str(uuid.UUID(str(event_id)))
        except ValueError as exc:
            raise ValidationError(_("'id' must be a UUID.")) from exc
    return EventInput(event_id or str(uuid.uuid4()), iri, result, timestamp, resume, attempt)


def target_of(item: Item) -> Target:
    """The Target of an item that is loaded already (two small queries: the overrides of
    its module and, unless loaded, the course)."""
    version = item.version
    module = version.module
    return Target(item.id, item.key, item.kind, effective_settings(item, item_overrides(module)),
                  module.id, module.key, version.number, module.course_id, module.course.code)


def event_target(user, item_id: int) -> Target:
    """The Target for recording ``user``'s events on item ``item_id``, in one query: the
    item of its module's current version (an item of an older version records on it),
    settings overrides, and whether the user may open the course (catalog.can_view's
    rule: its students, its instructors, administrators). NotFound otherwise, with the
    same answer for an item that does not exist and one the user may not open."""
    access = user.role if user.role in ("admin", "student") else "instructor"
    row = db.session.execute(_target_query(access),
                             {"item_id": item_id, "user_id": user.id}).first()
    if row is None or not row.allowed:
        raise NotFound(_("There is no item %(id)d.", id=item_id))
    (cur_id, key, kind, required, weight, settings, number, module_id, module_key, course_id,
     code, o_required, o_weight, o_pass) = row[:14]
    if cur_id is None:
        raise NotFound(_("Item %(id)d is no longer in the course.", id=item_id))
    item = SimpleNamespace(key=key, required=required, weight=weight, settings=settings)
    override = SimpleNamespace(required=o_required, weight=o_weight, pass_score=o_pass)
    return Target(cur_id, key, kind, effective_settings(item, {key: override}), module_id,
                  module_key, number, course_id, code)


@cache
def _target_query(access: str):
    """event_target's statement, built once per kind of access (building a statement
    costs more CPU than running it)."""
    asked, current = aliased(Item), aliased(Item)
    current_version = aliased(ModuleVersion)
    if access == "admin":
        allowed = true()
    elif access == "student":
        allowed = exists().where(Enrollment.course_id == Module.course_id,
                                 Enrollment.user_id == bindparam("user_id"),
                                 Enrollment.status != "withdrawn")
    else:
        allowed = exists().where(course_instructors.c.course_id == Module.course_id,
                                 course_instructors.c.user_id == bindparam("user_id"))
    return (
        select(current.id, current.key, current.kind, current.required, current.weight,
               current.settings, current_version.number, Module.id, Module.key,
               Module.course_id, Course.code, ItemSetting.required, ItemSetting.weight,
               ItemSetting.pass_score, allowed.label("allowed"))
        .select_from(asked)
        .join(ModuleVersion, ModuleVersion.id == asked.version_id)
        .join(Module, Module.id == ModuleVersion.module_id)
        .join(Course, Course.id == Module.course_id)
        .outerjoin(current_version, current_version.id == Module.current_version_id)
        .outerjoin(current, and_(current.version_id == Module.current_version_id,
                                 current.key == asked.key))
        .outerjoin(ItemSetting, and_(ItemSetting.module_id == Module.id,
                                     ItemSetting.item_key == asked.key))
        .where(asked.id == bindparam("item_id")))


def record(user, item: Item, verb: str, *, result: dict | None = None,
           event_id: str | None = None, timestamp: datetime | None = None,
           resume: dict | None = None, attempt: bool = False) -> Outcome:
    """Record one action of ``user`` on ``item`` and update their progress atomically.

    ``result`` is an xAPI result (validated here). ``resume`` replaces the stored resume
    state (e.g. a video position). ``attempt`` counts one attempt. Returns the Outcome;
    a repeated ``event_id`` is a no-op (``stored`` False). Raises ValidationError for bad
    values and Conflict when the id belongs to someone else's event.
    """
    event = clean_event(verb, result=result, event_id=event_id, timestamp=timestamp,
                        resume=resume, attempt=attempt)
    outcome = record_events(user.id, target_of(item), [event])
    return Outcome(event.id, outcome.stored[0], outcome.progress, outcome.course_completed)


def record_events(user_id: int, target: Target, events: list[EventInput]) -> BatchOutcome:
    """Record ``events`` (validated by ``clean_event``, in the order they happened) of one
    user on one item in one transaction, and commit.

    Ids recorded before are skipped (their ``stored`` is False): a retried batch changes
    nothing. If none is new the transaction is rolled back, as a retry must leave no
    trace. The new events update the item's progress with one upsert whose result is
    exactly that of applying them one by one. Raises Conflict (nothing stored) when an
    id belongs to another user's event; ``details`` names it by its position.
    """
    ids = [e.id for e in events]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("Each event of a batch needs its own id."))
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LearningEvent.__table__
    context = {"module": target.module_key, "module_version": target.version_number,
               "course": target.course_code}
    rows = [dict(id=e.id, user_id=user_id, course_id=target.course_id,
                 module_id=target.module_id, item_id=target.item_id, item_key=target.item_key,
                 verb=e.verb, result=e.result, context=context,
                 timestamp=e.timestamp if e.timestamp is not None
                 and e.timestamp <= now + timedelta(minutes=5) else now,
                 stored=now) for e in events]
    if len(rows) == 1:
        new_ids = set(db.session.scalars(_event_insert(dialect), rows[0]))
    else:
        new_ids = set(db.session.scalars(
            insert(table).values(rows).on_conflict_do_nothing(index_elements=["id"])
            .returning(table.c.id)))
    stored = [e.id in new_ids for e in events]
    if not all(stored):
        owners = dict(db.session.execute(select(table.c.id, table.c.user_id).where(
            table.c.id.in_([i for i in ids if i not in new_ids]))).all())
        others = [n for n, e in enumerate(events) if owners.get(e.id, user_id) != user_id]
        if others:
            db.session.rollback()
            raise Conflict(_("An event with this id exists already."),
                           details=[{"index": n, "id": events[n].id} for n in others])
    if not new_ids:
        db.session.rollback()
        return BatchOutcome(stored, _progress_state(user_id, target.module_id,
                                                    target.item_key))

    progress, newly_completed = _update_progress(
        dialect, user_id, target, [e for e, new in zip(events, stored, strict=True) if new], now)
    # After the upsert, before the completion check: the stamp row is locked until
    # commit, so two transactions of one user finish one after the other and the later
    # completion check sees the earlier one's progress (PostgreSQL; SQLite has one writer).
    stamps.touch_user(user_id)  # Core statements: the ORM listener does not see them
    course_completed = False
    if newly_completed:
        course = db.session.get(Course, target.course_id)
        course_completed = _complete_course_if_done(user_id, course)
    _queue_for_lrs(insert, [i for i in ids if i in new_ids])
    db.session.commit()
    return BatchOutcome(stored, progress, course_completed)


def _update_progress(dialect: str, user_id: int, target: Target, events: list[EventInput],
                     now):
    """One upsert of the item's progress row for ``events`` (all new, in order); returns
    (ProgressState after it, whether it completed the item just now).

    The events are folded first with the same rules the SQL applies to the stored row,
    so one statement gives what one statement per event would: completion and pass never
    go back, the best score is the highest, the last score and resume state are the
    latest given, attempts and time add up."""
    completed, passed, best, last, attempts, seconds, resume = False, None, None, None, 0, 0, None
    for event in events:
        done, did_pass, score = _derive(target.kind, target.settings, event.verb, event.result)
        completed = completed or done
        if passed is not True and did_pass is not None:
            passed = did_pass
        if score is not None:
            best = score if best is None else max(best, score)
            last = score
        attempts += 1 if event.attempt else 0
        seconds += parse_duration((event.result or {}).get("duration"))
        resume = event.resume if event.resume is not None else resume
    params = dict(
        user_id=user_id, course_id=target.course_id, module_id=target.module_id,
        item_key=target.item_key, completed=completed, passed=passed, best_score=best,
        last_score=last, attempts=attempts, time_spent=seconds, first_at=now, updated_at=now,
        completed_at=now if completed else None)
    if resume is not None:
        params["resume"] = resume
    row = db.session.execute(_progress_upsert(dialect, resume is not None), params).one()
    state = ProgressState(*row)
    # completed_at keeps the first completion's time: ours only if this completed it.
    return state, completed and state.completed_at == now


@cache
def _event_insert(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LearningEvent.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)


@cache
def _progress_upsert(dialect: str, with_resume: bool):
    """The progress upsert, built once: its SQL never lowers a completion, a pass or a
    best score, whatever order concurrent transactions commit in."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ItemProgress.__table__
    # Without a resume state: SQL NULL (keep the stored one), not a JSON null.
    stmt = insert(table) if with_resume else insert(table).values(resume=null())
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
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
    ).returning(*_STATE_COLUMNS)


_STATE_COLUMNS = [ItemProgress.__table__.c[name] for name in (
    "completed", "passed", "best_score", "last_score", "attempts", "time_spent", "resume",
    "completed_at")]


def _derive(kind: str, settings: dict, iri: str, result: dict | None):
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
    if score is not None and pass_score is not None and kind in SCORED_KINDS:
        passed = score >= float(pass_score)
    if kind in SCORED_KINDS and (score is not None or passed is not None):
        # A scored item is complete when passed (or when it has no pass mark at all).
        completed = bool(passed) if passed is not None else score is not None
    else:
        completed = iri in (VERBS["completed"], VERBS["passed"]) or result.get("completion") is True
    if result.get("completion") is True and kind in ("scorm", "html5") and passed is None:
        completed = True
    return completed, passed, score


def _progress_state(user_id: int, module_id: int, key: str) -> ProgressState | None:
    row = db.session.execute(select(*_STATE_COLUMNS).where(
        ItemProgress.user_id == user_id, ItemProgress.module_id == module_id,
        ItemProgress.item_key == key)).first()
    return ProgressState(*row) if row else None


def _queue_for_lrs(insert, event_ids: list[str]) -> None:
    from flask import current_app

    if event_ids and current_app.config.get("XAPI_LRS_URL"):
        from lms.learning.models import XapiOutbox

        outbox = XapiOutbox.__table__
        db.session.execute(insert(outbox).values([{"event_id": i} for i in event_ids]))


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


def _complete_course_if_done(user_id: int, course) -> bool:
    states = course_states(user_id, course)
    if not states or not all(module_complete(items) for _m, items in states):
        return False
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    score = course_score(states)
    results = CourseResult.__table__
    created = db.session.execute(insert(results).values(
        user_id=user_id, course_id=course.id, score=score if score is not None else 100.0,
        completed_at=utcnow()).on_conflict_do_nothing(index_elements=["user_id", "course_id"])
        .returning(results.c.id)
    ).first()
    if created:
        db.session.add(Notification(user_id=user_id, kind="course_complete",
                                    data={"course": course.code, "score": score},
                                    link=f"/learning/courses/{course.code}"))
    return created is not None
