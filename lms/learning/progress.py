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
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, exists, func, null, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from lms.authoring import kinds
from lms.authoring.models import Item, ItemSetting, Module, ModuleVersion
from lms.authoring.services import effective_settings, item_overrides
from lms.catalog.models import Course, Enrollment, course_instructors
from lms.core import stamps
from lms.core.db import utcnow
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.extensions import db
from lms.learning import notify, trust
from lms.learning.models import (
    CourseResult,
    ItemProgress,
    LearningEvent,
    Notification,
    StudyClock,
)
from lms.learning.services import course_outline

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {name: ADL + name for name in (
    "experienced", "attempted", "progressed", "completed", "passed", "failed", "scored",
    "answered", "interacted", "launched", "initialized", "suspended", "resumed", "terminated",
)}
SCORED_KINDS = kinds.scored()  # the kinds whose outcome can be a score
_VERB_NAMES = {iri: name for name, iri in VERBS.items()}
_DURATION_RE = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")
MAX_DURATION = 24 * 3600  # one event never adds more than a day of study time
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of ours a client's clock may run
MAX_EVENT_AGE = timedelta(days=30)  # older timestamps are refused (EVENT_MAX_AGE_DAYS)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
    assessment: bool = False  # trust.is_assessment: never complete without a score


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
    provenance: str | None = None

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
                attempt: bool = False, client_time: bool = False) -> EventInput:
    """Validate one event's values (ValidationError with the reason); an event without an
    id gets a new one. ``client_time``: the timestamp comes from a client, so one more
    than 5 minutes ahead of the server's clock, or older than EVENT_MAX_AGE_DAYS (30), is
    refused (``check_timestamp``); it is never silently rewritten."""
    iri = verb_iri(verb)
    result = clean_result(result)
    if event_id is not None:
        try:
            event_id = str(uuid.UUID(str(event_id)))
        except ValueError as exc:
            raise ValidationError(_("'id' must be a UUID.")) from exc
    if timestamp is not None and client_time:
        check_timestamp(timestamp)
    return EventInput(event_id or str(uuid.uuid4()), iri, result, timestamp, resume, attempt)


def check_timestamp(timestamp: datetime, now: datetime | None = None) -> None:
    """ValidationError when a client's timestamp is in the future (beyond the allowed
    clock skew) or implausibly old."""
    from flask import current_app

    now = now or utcnow()
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=UTC)
    if timestamp > now + CLOCK_SKEW:
        raise ValidationError(_(
            "'timestamp' %(when)s is in the future (the server's time is %(now)s UTC): "
            "check the device's clock.", when=timestamp.isoformat(),
            now=now.replace(microsecond=0).isoformat()))
    days = current_app.config.get("EVENT_MAX_AGE_DAYS") or MAX_EVENT_AGE.days
    if timestamp < now - timedelta(days=days):
        raise ValidationError(_(
            "'timestamp' %(when)s is more than %(days)d days old: events that old are not "
            "accepted; ask an instructor to record it.", when=timestamp.isoformat(),
            days=days))


def target_of(item: Item) -> Target:
    """The Target of an item that is loaded already (two small queries: the overrides of
    its module and, unless loaded, the course)."""
    version = item.version
    module = version.module
    settings = effective_settings(item, item_overrides(module))
    return Target(item.id, item.key, item.kind, settings, module.id, module.key,
                  version.number, module.course_id, module.course.code,
                  trust.is_assessment(item.kind, settings))


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
    effective = effective_settings(item, {key: override})
    return Target(cur_id, key, kind, effective, module_id, module_key, number, course_id,
                  code, trust.is_assessment(kind, effective))


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


def record(user, item: Item, verb: str, *, channel: str, result: dict | None = None,
           event_id: str | None = None, timestamp: datetime | None = None,
           resume: dict | None = None, attempt: bool = False) -> Outcome:
    """Record one action of ``user`` on ``item`` and update their progress atomically.

    ``channel`` says who is speaking (``trust.LEARNER``, ``SERVER``, ``INSTRUCTOR``,
    ``LAUNCH``); what it may assert on this kind of item is ``trust.check``'s rule, and
    the outcome carries the matching provenance. ``result`` is an xAPI result (validated
    here). ``resume`` replaces the stored resume state (e.g. a video position).
    ``attempt`` counts one attempt. Returns the Outcome; a repeated ``event_id`` is a
    no-op (``stored`` False). Raises ValidationError for bad values, Forbidden when the
    channel may not assert this, and Conflict when the id belongs to someone else's
    event.
    """
    event = clean_event(verb, result=result, event_id=event_id, timestamp=timestamp,
                        resume=resume, attempt=attempt)
    outcome = record_events(user.id, target_of(item), [event], channel=channel)
    return Outcome(event.id, outcome.stored[0], outcome.progress, outcome.course_completed)


def verb_name(iri: str) -> str:
    return _VERB_NAMES.get(iri, iri.rstrip("/").rsplit("/", 1)[-1])


def record_events(user_id: int, target: Target, events: list[EventInput], *,
                  channel: str) -> BatchOutcome:
    """Record ``events`` (validated by ``clean_event``, in the order they happened) of one
    user on one item in one transaction, and commit.

    Every event is checked first against ``trust.check`` for ``channel``: if any asserts
    what that channel may not (a score from the learner's client, anything on a quiz but
    the server's marking), Forbidden is raised and nothing is stored. Ids recorded before
    are skipped (their ``stored`` is False): a retried batch changes nothing. If none is
    new the transaction is rolled back, as a retry must leave no trace. The new events
    update the item's progress with one upsert whose result is exactly that of applying
    them one by one. Raises Conflict (nothing stored) when an id belongs to another
    user's event; ``details`` names it by its position.
    """
    ids = [e.id for e in events]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("Each event of a batch needs its own id."))
    provenance = _provenance_of(target, events, channel)
    now = utcnow()
    dialect = db.session.get_bind().dialect.name
    new_ids = _insert_events(dialect, user_id, target, events, provenance, now)
    stored = [e.id in new_ids for e in events]
    _refuse_others_ids(user_id, events, stored)
    if not new_ids:
        db.session.rollback()
        return BatchOutcome(stored, _progress_state(user_id, target.module_id,
                                                    target.item_key))
    fresh = [e for e, new in zip(events, stored, strict=True) if new]
    seconds = _study_seconds(dialect, user_id, fresh, now)
    progress, newly_completed = _update_progress(dialect, user_id, target, fresh, now,
                                                 provenance, seconds)
    # After the upsert, before the completion check: the stamp row is locked until
    # commit, so two transactions of one user finish one after the other and the later
    # completion check sees the earlier one's progress (PostgreSQL; SQLite has one writer).
    stamps.touch_user(user_id)  # Core statements: the ORM listener does not see them
    course_completed = False
    if newly_completed or _rescores(fresh):
        course_completed = refresh_course_result(user_id,
                                                 db.session.get(Course, target.course_id))
    _queue_for_lrs(_insert_for(dialect), [e.id for e in fresh])
    db.session.commit()
    return BatchOutcome(stored, progress, course_completed)


def _insert_for(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _provenance_of(target: Target, events: list[EventInput], channel: str) -> str | None:
    """The provenance of the batch: every event checked against the kind's rule first
    (Forbidden, nothing stored, when one asserts what the channel may not)."""
    provenance = None
    for event in events:
        provenance = trust.check(target.kind, channel, verb_name(event.verb), event.result)
    return provenance


def _insert_events(dialect: str, user_id: int, target: Target, events: list[EventInput],
                   provenance: str | None, now) -> set[str]:
    """Insert the events whose ids are new; the set of those ids."""
    table = LearningEvent.__table__
    context = {"module": target.module_key, "module_version": target.version_number,
               "course": target.course_code}
    rows = [dict(id=e.id, user_id=user_id, course_id=target.course_id,
                 module_id=target.module_id, item_id=target.item_id, item_key=target.item_key,
                 verb=e.verb, result=e.result, context=context,
                 timestamp=e.timestamp if e.timestamp is not None else now,
                 stored=now, provenance=provenance) for e in events]
    if len(rows) == 1:
        return set(db.session.scalars(_event_insert(dialect), rows[0]))
    return set(db.session.scalars(
        _insert_for(dialect)(table).values(rows).on_conflict_do_nothing(index_elements=["id"])
        .returning(table.c.id)))


def _refuse_others_ids(user_id: int, events: list[EventInput], stored: list[bool]) -> None:
    """Conflict (and nothing stored) when an id seen before belongs to another user."""
    seen = [e.id for e, new in zip(events, stored, strict=True) if not new]
    if not seen:
        return
    table = LearningEvent.__table__
    owners = dict(db.session.execute(select(table.c.id, table.c.user_id).where(
        table.c.id.in_(seen))).all())
    others = [n for n, e in enumerate(events) if owners.get(e.id, user_id) != user_id]
    if others:
        db.session.rollback()
        raise Conflict(_("An event with this id exists already."),
                       details=[{"index": n, "id": events[n].id} for n in others])


def _rescores(events: list[EventInput]) -> bool:
    """Whether any event asserts a score or a pass (the course result may change)."""
    return any(trust.assertions(verb_name(e.verb), e.result) & {trust.SCORE, trust.SUCCESS}
               for e in events)


def _study_seconds(dialect: str, user_id: int, events: list[EventInput], now) -> int:
    """The study time ``events`` add: each reported duration is the interval that ends at
    its timestamp, and only the part of it after the learner's study clock counts (then
    the clock moves to its end). Replaying an event, or reporting the same minutes from
    two tabs or two items, adds nothing. The clock row is locked until commit."""
    spans = []
    for event in events:
        seconds = parse_duration((event.result or {}).get("duration"))
        if seconds:
            end = min(event.timestamp or now, now)
            spans.append((end - timedelta(seconds=seconds), end))
    if not spans:
        return 0
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    clocks = StudyClock.__table__
    # A no-op update takes the row lock and returns the clock as it was.
    until = db.session.execute(
        insert(clocks).values(user_id=user_id, counted_until=_EPOCH)
        .on_conflict_do_update(index_elements=["user_id"],
                               set_={"counted_until": clocks.c.counted_until})
        .returning(clocks.c.counted_until)).scalar_one()
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    added = 0.0
    for start, end in spans:
        if end > until:
            added += (end - max(start, until)).total_seconds()
            until = end
    # Whole seconds are counted; the fraction left over stays behind the clock for the
    # next event to claim, so events less than a second apart are not lost to rounding.
    whole = int(added)
    until -= timedelta(seconds=added - whole)
    db.session.execute(update(clocks).where(clocks.c.user_id == user_id)
                       .values(counted_until=until))
    return whole


def _update_progress(dialect: str, user_id: int, target: Target, events: list[EventInput],
                     now, provenance: str | None, seconds: int):
    """One upsert of the item's progress row for ``events`` (all new, in order, all of
    one ``provenance``); returns (ProgressState after it, whether it completed the item
    just now).

    The events are folded first (``_fold``) with the same rules the SQL applies to the
    stored row, so one statement gives what one statement per event would. Against the
    stored row, the outcome of a higher provenance replaces a lower one, a lower one
    leaves it alone, and an instructor's grade replaces an earlier grade
    (``trust.REPLACING_RANK``). ``seconds`` is the study time the study clock allows."""
    fold = _fold(target, events, trust.RANK.get(provenance, 0) >= trust.REPLACING_RANK)
    params = dict(
        user_id=user_id, course_id=target.course_id, module_id=target.module_id,
        item_key=target.item_key, completed=fold.completed, passed=fold.passed,
        best_score=fold.best, last_score=fold.last, attempts=fold.attempts,
        time_spent=seconds, first_at=now, updated_at=now,
        completed_at=now if fold.completed else None,
        provenance=provenance if fold.asserted else None)
    if fold.resume is not None:
        params["resume"] = fold.resume
    row = db.session.execute(_progress_upsert(dialect, fold.resume is not None), params).one()
    state = ProgressState(*row)
    # completed_at keeps the first completion's time: ours only if this completed it.
    return state, fold.completed and state.completed and state.completed_at == now


@dataclass
class _Fold:
    completed: bool = False
    passed: bool | None = None
    best: float | None = None
    last: float | None = None
    attempts: int = 0
    resume: dict | None = None
    asserted: bool = False  # any event said a completion, a pass or a score


def _fold(target: Target, events: list[EventInput], replacing: bool) -> _Fold:
    """The events of one batch folded into one update, applying them in order: completion
    and pass never go back and the best score is the highest, unless ``replacing`` (an
    instructor's grade: the newest wins); the last score and resume state are the latest
    given; attempts add up."""
    out = _Fold()
    for event in events:
        done, did_pass, score = _derive(target.kind, target.settings, event.verb,
                                        event.result, target.assessment)
        out.asserted = out.asserted or done or did_pass is not None or score is not None
        out.completed = (done if replacing and did_pass is not None
                         else out.completed or done)
        if score is not None:
            out.best = score if out.best is None or replacing else max(out.best, score)
            out.last = score
        if did_pass is not None and (out.passed is not True or replacing):
            out.passed = did_pass
        out.attempts += 1 if event.attempt else 0
        out.resume = event.resume if event.resume is not None else out.resume
    return out


@cache
def _event_insert(dialect: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LearningEvent.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)


@cache
def _progress_upsert(dialect: str, with_resume: bool):
    """The progress upsert, built once. Within one provenance its SQL never lowers a
    completion, a pass or a best score, whatever order concurrent transactions commit
    in; a higher provenance's outcome replaces a lower one's (and from
    ``trust.REPLACING_RANK`` up, the newest of that rank wins); a lower one changes no
    outcome. Events that assert no outcome carry no provenance (NULL) and touch only
    attempts, time, resume state."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ItemProgress.__table__
    # Without a resume state: SQL NULL (keep the stored one), not a JSON null.
    stmt = insert(table) if with_resume else insert(table).values(resume=null())
    excluded = stmt.excluded
    new_rank = case(trust.RANK, value=excluded.provenance, else_=0)
    old_rank = case(trust.RANK, value=table.c.provenance, else_=0)
    takes_over = and_(excluded.provenance.is_not(None), or_(
        new_rank > old_rank, and_(new_rank == old_rank, new_rank >= trust.REPLACING_RANK)))
    same = new_rank == old_rank
    return stmt.on_conflict_do_update(
        index_elements=["user_id", "module_id", "item_key"],
        set_={
            "completed": case(
                (takes_over, excluded.completed),
                (same, table.c.completed | excluded.completed),
                else_=table.c.completed),
            "passed": case(
                (takes_over, excluded.passed),
                (~same, table.c.passed),
                (table.c.passed.is_(True), True),
                (excluded.passed.is_(None), table.c.passed),
                else_=excluded.passed),
            "best_score": case(
                (takes_over, func.coalesce(excluded.best_score, table.c.best_score)),
                (~same, table.c.best_score),
                (excluded.best_score.is_(None), table.c.best_score),
                (table.c.best_score.is_(None), excluded.best_score),
                (excluded.best_score > table.c.best_score, excluded.best_score),
                else_=table.c.best_score),
            "last_score": case(
                (or_(takes_over, same), func.coalesce(excluded.last_score,
                                                      table.c.last_score)),
                else_=table.c.last_score),
            "provenance": case((takes_over, excluded.provenance), else_=table.c.provenance),
            "attempts": table.c.attempts + excluded.attempts,
            "time_spent": table.c.time_spent + excluded.time_spent,
            "resume": func.coalesce(excluded.resume, table.c.resume),
            "updated_at": excluded.updated_at,
            "completed_at": case(
                (and_(takes_over, excluded.completed.is_(False)), null()),
                else_=func.coalesce(table.c.completed_at, excluded.completed_at)),
        },
    ).returning(*_STATE_COLUMNS)


_STATE_COLUMNS = [ItemProgress.__table__.c[name] for name in (
    "completed", "passed", "best_score", "last_score", "attempts", "time_spent", "resume",
    "completed_at", "provenance")]


def _derive(kind: str, settings: dict, iri: str, result: dict | None,
            assessment: bool = False):
    """(completed, passed, score 0-100) that this event asserts, by its item kind's rule
    (``ItemKind.outcome``: no score is invented for an assessment); None = says nothing."""
    found = kinds.get(kind)
    if found is None:
        return False, None, None
    return found.outcome(iri, result, settings)


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
    def assessment(self) -> bool:
        return trust.is_assessment(self.item.kind, self.settings)

    @property
    def done(self) -> bool:
        """Completed; an assessment only with a score (rows recorded before that rule
        may say completed without one: they do not count)."""
        return bool(self.progress and self.progress.completed and (
            not self.assessment or self.progress.best_score is not None))

    @property
    def score(self) -> float | None:
        return self.progress.best_score if self.progress else None


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


def _weight(state) -> float:
    return float(state.settings.get("weight", 1) or 0)


def course_score(states) -> float | None:
    """Weighted score 0-100 over the items that have a score (weight > 0); None when none
    has. Nothing is invented: an item without a score (a page, or an assessment that
    reported none) is left out, not counted as 100 or 0; ``score_basis`` says which."""
    total = weights = 0.0
    for _module, items in states:
        for s in items:
            weight = _weight(s)
            if weight <= 0 or s.score is None or s.item.kind not in SCORED_KINDS:
                continue
            total += weight * s.score
            weights += weight
    return round(total / weights, 2) if weights else None


@dataclass
class ScoreBasis:
    """What a course score rests on: the scored items, and the assessments that have no
    score yet ("no score reported")."""

    scored: int
    unscored: list  # ItemState of assessments (weight > 0) without a score
    evidence: list[dict]  # one entry per assessment, as CourseResult.evidence keeps it
    weakest: str | None  # the lowest provenance among the scored assessments


def score_basis(states) -> ScoreBasis:
    scored, unscored, evidence, weakest = 0, [], [], None
    for _module, items in states:
        for s in items:
            if not s.assessment:
                continue
            provenance = s.progress.provenance if s.progress else None
            if s.score is not None and s.item.kind in SCORED_KINDS and _weight(s) > 0:
                scored += 1
            elif _weight(s) > 0:
                unscored.append(s)
            evidence.append({
                "key": s.item.key, "kind": s.item.kind, "title": dict(s.item.title or {}),
                "score": s.score, "passed": s.progress.passed if s.progress else None,
                "provenance": provenance if s.score is not None else None,
                "weight": _weight(s), "required": bool(s.settings.get("required", True))})
            if s.score is not None and (weakest is None or trust.RANK.get(provenance, 0)
                                        < trust.RANK.get(weakest, 0)):
                weakest = provenance or "unknown"
    return ScoreBasis(scored, unscored, evidence, weakest)


def module_complete(items: list[ItemState]) -> bool:
    required = [s for s in items if s.settings.get("required", True)]
    return bool(items) and all(s.done for s in required)


def course_complete(states) -> bool:
    return bool(states) and all(module_complete(items) for _m, items in states)


def refresh_course_result(user_id: int, course) -> bool:
    """Make the student's CourseResult when the course is complete (every required item
    done, every required assessment with a passing score), or bring its score, evidence
    and provenance up to date when a scored outcome changed after completion (a regrade).
    Returns True when the course completed just now."""
    states = course_states(user_id, course)
    if not course_complete(states):
        return False
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    score = course_score(states)
    basis = score_basis(states)
    now = utcnow()
    results = CourseResult.__table__
    values = dict(user_id=user_id, course_id=course.id, score=score, completed_at=now,
                  provenance=basis.weakest, evidence=basis.evidence, updated_at=now)
    stmt = insert(results).values(**values)
    row = db.session.execute(stmt.on_conflict_do_update(
        index_elements=["user_id", "course_id"],
        set_={"score": stmt.excluded.score, "provenance": stmt.excluded.provenance,
              "evidence": stmt.excluded.evidence, "updated_at": stmt.excluded.updated_at})
        .returning(results.c.completed_at)).one()
    created = row.completed_at == now
    if created:
        db.session.add(Notification(user_id=user_id, kind="course_complete",
                                    data={"course": course.code, "score": score},
                                    link=f"/learning/courses/{course.code}"))
    return created


# --- what a certificate or a credit record may rest on ----------------------------------


@dataclass
class OutcomeBasis:
    """A student's course as it stands now, checked against the course's trusted
    provenances: ``problems`` says, per assessment, why it may not be relied on (an
    empty list: a certificate or a credit record may be issued)."""

    complete: bool
    score: float | None
    evidence: list[dict]
    trusted: tuple[str, ...]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return self.complete and not self.problems


def outcome_basis(user_id: int, course) -> OutcomeBasis:
    """What the student's result in ``course`` rests on, from the progress as it is now
    (not the CourseResult, which may be older). Every scored assessment must carry a
    provenance the course trusts (``Course.trusted_provenance``; default server-marked or
    instructor-graded); a required one must have a passing score for the course to be
    complete at all."""
    from lms.core.i18n import pick

    states = course_states(user_id, course)
    basis = score_basis(states)
    allowed = trust.trusted(course)
    names = ", ".join(trust.label(p) for p in allowed)
    problems = []
    for entry in basis.evidence:
        if entry["weight"] <= 0 and not entry["required"]:
            continue  # counts for nothing
        if entry["score"] is None:
            if entry["required"]:
                problems.append(_("%(item)s: no score reported; a required assessment needs "
                                  "a passing score.", item=pick(entry["title"]) or entry["key"]))
            continue
        if entry["provenance"] not in allowed:
            source = (trust.label(entry["provenance"]) if entry["provenance"] else
                      _("recorded before provenance was kept"))
            problems.append(_("%(item)s: the score %(score)s is %(source)s; %(code)s accepts "
                              "only %(allowed)s.", item=pick(entry["title"]) or entry["key"],
                              score=f"{entry['score']:g}", source=source, code=course.code,
                              allowed=names))
    return OutcomeBasis(course_complete(states), course_score(states), basis.evidence,
                        allowed, problems)


# --- the notification it sends (listed in lms/__init__.py: _register_hooks) ------------------


def _course_complete_text(data: dict, *, zone=None, locale=None) -> str:
    course = notify.titles(data)[1]
    if data.get("score") is None:
        return _("You completed the course %(course)s.", course=course)
    return _("You completed the course %(course)s with a score of %(score)s/100.",
             course=course, score=notify.score_text(data.get("score")))


NOTIFICATIONS = (
    notify.NotificationKind("course_complete", lambda: _("Course completed"),
                            _course_complete_text),
)

