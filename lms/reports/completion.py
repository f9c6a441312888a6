"""Completion reports: one row per enrolment in scope, with completion, score, time spent,
credits earned, last activity and status, plus the summary and the chart data.

Set-based on purpose (a course report covers 10,000 students x 40 items): a fixed number
of queries whatever the number of students, never one per student:

1. the scope's courses (one query; none when a course is chosen);
2. their current layout: modules, items and instructors' overrides (three queries);
3. one aggregate over enrolments LEFT JOIN item_progress, grouped by enrolment, walking
   the enrolments' (course_id, user_id) index into item_progress's (user_id, course_id)
   index, so nothing is sorted. Required, scored and weighted items are told apart by a
   CASE on the module id and small key lists built from the layout; for a one-course
   report every module's done count travels in a bit field of one integer sum;
4. enrolments never started since before the stalled cutoff; 5. the students' names,
   numbers and cohorts; 6. course completions; 7. credits earned; 8. the institutions.

Figures follow the learning feature's definitions (lms.learning.insights/progress):
"done" is a completed required item of the current module versions, the score is the
weighted mean of the items that have a score (pages, videos and downloads count for
nothing; no score is invented), so a report and the instructor's progress grid agree.
"""

from __future__ import annotations

import gc
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    BindParameter,
    Float,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    tuple_,
    type_coerce,
)

from lms.auth.models import User
from lms.authoring.models import ItemSetting, Module
from lms.authoring.services import effective_settings
from lms.catalog.models import Course, CourseCredit, Enrollment, Institution
from lms.core.db import utcnow
from lms.extensions import db
from lms.learning.insights import Column, Layout
from lms.learning.models import CourseResult, ItemProgress
from lms.learning.progress import SCORED_KINDS
from lms.learning.services import outline_options
from lms.people.models import Cohort
from lms.records.models import CreditRecord, ProgramStudent
from lms.records.services import not_superseded
from lms.reports.params import ReportParams

PAGE_SIZE = 50
OR_CHAIN_MAX = 24  # modules: beyond this the layout is matched with a tuple IN list
SCORE_BINS = 10
AGGREGATE_BATCH = 2000  # enrolment rows fetched at a time


# --- the layout of the courses in scope ---------------------------------------------


@dataclass
class CourseShape:
    """A course's current items as the report counts them (one module when filtered)."""

    course: Course
    layout: Layout
    modules: list[tuple[Module, int]]  # each module with its number of required items
    required: int
    total_weight: float


def course_shapes(courses: list[Course], module: Module | None = None
                  ) -> dict[int, CourseShape]:
    """Every course's layout in three queries, however many courses."""
    if not courses:
        return {}
    ids = [c.id for c in courses]
    stmt = (select(Module).where(Module.course_id.in_(ids),
                                 Module.current_version_id.is_not(None))
            .options(*outline_options()).order_by(Module.course_id, Module.position,
                                                  Module.id))
    if module is not None:
        stmt = stmt.where(Module.id == module.id)
    modules = db.session.scalars(stmt).all()
    overrides: dict[int, dict] = defaultdict(dict)
    if modules:
        for row in db.session.scalars(select(ItemSetting).where(
                ItemSetting.module_id.in_([m.id for m in modules]))):
            overrides[row.module_id][row.item_key] = row
    by_course: dict[int, list] = defaultdict(list)
    for m in modules:
        by_course[m.course_id].append((m, [Column(m, item, effective_settings(
            item, overrides.get(m.id))) for item in m.current_version.items]))
    shapes = {}
    for course in courses:
        layout = Layout(by_course.get(course.id, []))
        shapes[course.id] = CourseShape(
            course, layout, [(m, sum(1 for c in cols if c.required))
                             for m, cols in layout.modules],
            sum(1 for c in layout.columns if c.required),
            sum(float(c.settings.get("weight", 1) or 0) for c in layout.columns
                if float(c.settings.get("weight", 1) or 0) > 0))
    return shapes


def _by_module(classes: dict[tuple[int, str], object], exprs: dict, default):
    """SQL: ``exprs[classes[(module id, item key)]]`` for the progress row, else
    ``default``.

    Up to OR_CHAIN_MAX modules this dispatches on the module id first (one integer
    comparison, then a small IN list per row); beyond that it matches (module id, key)
    pairs with one IN list per class."""
    if not classes:
        return default
    p = ItemProgress
    groups: dict[int, dict[object, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (module_id, key), cls in classes.items():
        groups[module_id][cls].append(key)
    # PostgreSQL hashes a long IN list of keys but compares a row IN list one pair at a
    # time (a programme report: thousands of pairs for every progress row, 90 s instead
    # of 2), so there it always dispatches on the module id.
    if len(groups) <= OR_CHAIN_MAX or db.session.get_bind().dialect.name == "postgresql":
        whens = {module_id: case(*[(p.item_key.in_(sorted(keys)), exprs[cls])
                                   for cls, keys in sorted(by_cls.items(), key=repr)],
                                 else_=default)
                 for module_id, by_cls in sorted(groups.items())}
        return case(whens, value=p.module_id, else_=default)
    pairs: dict[object, list] = defaultdict(list)
    for module_id, by_cls in groups.items():
        for cls, keys in by_cls.items():
            pairs[cls].extend((module_id, k) for k in keys)
    return case(*[(tuple_(p.module_id, p.item_key).in_(sorted(items)), exprs[cls])
                  for cls, items in sorted(pairs.items(), key=repr)], else_=default)


# --- rows -----------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    user_id: int
    name: str
    name_ja: str | None
    email: str
    number: str | None
    cohort: str | None
    course: Course
    done: int
    required: int
    percent: int
    score: float | None  # weighted score so far, 0-100, one decimal
    seconds: int
    credits: dict[int, Decimal]  # institution id -> credits earned
    last_raw: object  # the database's value of the last activity (see last_activity)
    completed_at: datetime | None
    final_score: float | None  # the course result's score when the course completed
    status: str  # completed | in_progress | stalled | not_started
    module_done: list | tuple = ()  # one-course reports: done per module, in layout order
    provenance: str | None = None  # what the course result rests on: its weakest provenance

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)

    @property
    def last_activity(self) -> datetime | None:
        return _timestamp(self.last_raw)


def _timestamp(raw) -> datetime | None:
    """A UTC datetime from what the aggregate returned for max(updated_at): a string on
    SQLite, a datetime on PostgreSQL. Converted only for rows that are shown, because a
    report has thousands of rows and a page fifty."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)


@dataclass
class Summary:
    students: int
    enrolments: int
    completed: int
    completion_rate: int  # % of enrolments completed
    average_percent: int
    average_score: float | None
    hours: float
    credits: dict[int, Decimal]
    statuses: Counter


@dataclass
class ModuleProgress:
    label: dict  # language -> title
    code: str  # module key or course code
    required: int
    average_percent: int
    completed: int  # students who did every required item (or completed the course)
    enrolments: int


@dataclass
class Report:
    params: ReportParams
    rows: list[Row]  # sorted; the status filter applied
    shapes: dict[int, CourseShape]
    institutions: list[Institution]  # one credits column each
    summary: Summary
    completions: list[datetime]  # course completions in scope (the chart over time)
    progress: list[ModuleProgress]  # by module (one course) or by course
    reference: datetime  # "now" for stalled: the end of the range, or the time it ran
    generated_at: datetime

    @property
    def by_module(self) -> bool:
        return self.params.course is not None

    def page(self, number: int, per_page: int = PAGE_SIZE) -> tuple[list[Row], int, int]:
        pages = max(1, math.ceil(len(self.rows) / per_page))
        number = min(max(number, 1), pages)
        start = (number - 1) * per_page
        return self.rows[start:start + per_page], number, pages


def _scope_users(params: ReportParams):
    """A subquery of the user ids the scope allows, or None for "any" (course only)."""
    conditions = []
    if params.cohort is not None:
        conditions.append(User.cohort_id == params.cohort.id)
    if params.programme is not None:
        conditions.append(User.id.in_(select(ProgramStudent.user_id).where(
            ProgramStudent.program_id == params.programme.id)))
    if params.student is not None:
        conditions.append(User.id == params.student.id)
    if not conditions:
        return None
    return select(User.id).where(*conditions)


def scope_courses(params: ReportParams, users) -> list[Course]:
    if params.course is not None:
        return [params.course]
    ids = select(Enrollment.course_id).where(Enrollment.status != "withdrawn")
    if users is not None:
        ids = ids.where(Enrollment.user_id.in_(users))
    return list(db.session.scalars(select(Course).where(Course.id.in_(ids.distinct()))
                                   .order_by(Course.code)))


def _aggregate(params: ReportParams, shapes: dict[int, CourseShape], users,
               cutoff: datetime):
    """The query of one row per enrolment: (course id, user id, weighted score sum,
    sum of the weights that have a score, seconds, last activity (raw), 1 if that is before ``cutoff``, done); and the bit
    fields ``done`` packs per module (a one-course report: the module chart needs them;
    the total is their sum), or [] when it is one number."""
    p = ItemProgress
    counted = p.completed.is_(True)  # completed within the dates
    completed_by_end = p.completed.is_(True)
    if params.start is not None:
        counted = and_(counted, p.completed_at >= params.start)
    if params.end is not None:
        counted = and_(counted, p.completed_at < params.end)
        completed_by_end = and_(completed_by_end, p.completed_at < params.end)
    done_flag = case((counted, 1), else_=0)
    # The score is progress.course_score's: the weighted mean of the items that have a
    # score (scored kinds with weight > 0); nothing is counted for an item without one.
    weighted: dict[tuple[int, str], float] = {}  # pair -> weight, scored kinds only
    required: dict[tuple[int, str], str] = {}
    for shape in shapes.values():
        for column in shape.layout.columns:
            pair = (column.module.id, column.item.key)
            weight = float(column.settings.get("weight", 1) or 0)
            if weight > 0 and column.item.kind in SCORED_KINDS:
                weighted[pair] = weight
            if column.required:
                required[pair] = "done"
    has_score = p.best_score.is_not(None)
    values = {w: p.best_score * w if w != 1 else p.best_score for w in set(weighted.values())}
    weights = {w: case((has_score, w), else_=0.0) for w in set(weighted.values())}
    columns = [
        Enrollment.course_id, Enrollment.user_id,
        func.sum(_by_module(weighted, values, cast(null(), Float))),
        func.sum(_by_module(weighted, weights, 0.0)),
        func.sum(p.time_spent),
        # raw (no datetime made per row: see Row.last_activity), and whether it is older
        # than the stalled cutoff, compared in SQL
        type_coerce(func.max(p.updated_at), String),
        case((func.max(p.updated_at) < cutoff, 1), else_=0),
    ]
    packing: list[tuple[int, int]] = []  # (shift, mask) per module, in layout order
    if params.course is not None and len(shapes) == 1:
        packing, packed = _packed_module_counts(next(iter(shapes.values())), counted)
        if packing:
            columns.append(func.sum(packed))
    if not packing:
        columns.append(func.sum(_by_module(required, {"done": done_flag}, 0)))
    join = and_(p.user_id == Enrollment.user_id, p.course_id == Enrollment.course_id)
    if params.module is not None:
        join = and_(join, p.module_id == params.module.id)
    if params.end is not None:  # progress begun after the end date does not count
        join = and_(join, p.first_at < params.end)
    stmt = (select(*columns).select_from(Enrollment).outerjoin(p, join)
            .where(*_enrolment_scope(shapes, users))
            .group_by(Enrollment.course_id, Enrollment.user_id))
    return stmt, packing


def _idle_since(shapes, users, cutoff: datetime):
    """The query of (course id, user id) of enrolments made before ``cutoff`` with no
    progress at all: never started for longer than the stalled days (a short query of
    its own, so the big aggregate carries no per-row enrolment date)."""
    p = ItemProgress
    started = select(p.id).where(p.user_id == Enrollment.user_id,
                                 p.course_id == Enrollment.course_id)
    return select(Enrollment.course_id, Enrollment.user_id).where(
        *_enrolment_scope(shapes, users), Enrollment.created_at < cutoff,
        ~started.exists())


def _packed_module_counts(shape: CourseShape, counted):
    """One SQL sum that carries every module's count of done required items, each in a
    bit field of its own (a module of n required items needs n.bit_length() bits, and a
    count never exceeds n, so the fields never carry into each other). One CASE per
    progress row instead of one per module: the per-module chart costs almost nothing.
    Returns ([], None) when the fields do not fit in 62 bits."""
    p = ItemProgress
    packing, whens, shift = [], {}, 0
    for module, required in shape.modules:
        bits = max(1, required.bit_length())
        packing.append((shift, (1 << bits) - 1))
        keys = sorted(c.item.key for m, cols in shape.layout.modules if m.id == module.id
                      for c in cols if c.required)
        if keys:
            whens[module.id] = case((and_(p.item_key.in_(keys), counted), literal(1 << shift)),
                                    else_=0)
        shift += bits
    if shift > 62 or not whens:
        return [], None
    return packing, case(whens, value=p.module_id, else_=0)


def _enrolment_scope(shapes, users) -> list:
    conditions = [Enrollment.course_id.in_(list(shapes)), Enrollment.status != "withdrawn"]
    if users is not None:
        conditions.append(Enrollment.user_id.in_(users))
    return conditions


def _people(shapes, users) -> dict[int, tuple]:
    """user id -> (name, name_ja, email, student number, cohort code) of everyone with
    an enrolment in scope (one query)."""
    enrolled = select(Enrollment.user_id).where(*_enrolment_scope(shapes, users))
    stmt = (select(User.id, User.name, User.name_ja, User.email, User.student_number,
                   Cohort.code).outerjoin(Cohort, Cohort.id == User.cohort_id)
            .where(User.id.in_(enrolled)))
    return {row[0]: row[1:] for row in db.session.connection().execute(stmt)}


def _results(params: ReportParams, course_ids: list[int], users):
    """The query of the course completions: user, course, score, completed at."""
    stmt = select(CourseResult.user_id, CourseResult.course_id, CourseResult.score,
                  CourseResult.completed_at, CourseResult.provenance).where(CourseResult.course_id.in_(course_ids))
    if users is not None:
        stmt = stmt.where(CourseResult.user_id.in_(users))
    if params.start is not None:
        stmt = stmt.where(CourseResult.completed_at >= params.start)
    if params.end is not None:
        stmt = stmt.where(CourseResult.completed_at < params.end)
    return stmt


def _credits(params: ReportParams, course_ids: list[int], users):
    """The query of the credits of passed course records in force, awarded within the
    dates: user, course, institution, credits."""
    stmt = (select(CreditRecord.user_id, CreditRecord.course_id, CreditRecord.institution_id,
                   func.sum(CreditRecord.credits))
            .where(CreditRecord.passed.is_(True), CreditRecord.source == "course",
                   not_superseded())
            .group_by(CreditRecord.user_id, CreditRecord.course_id,
                      CreditRecord.institution_id))
    if not isinstance(users, BindParameter):
        # A batch of students is read by student (their records index); the courses
        # out of scope it brings are never looked up.
        stmt = stmt.where(CreditRecord.course_id.in_(course_ids))
    if users is not None:
        stmt = stmt.where(CreditRecord.user_id.in_(users))
    if params.date_from is not None:
        stmt = stmt.where(CreditRecord.awarded_on >= params.date_from)
    if params.date_to is not None:
        stmt = stmt.where(CreditRecord.awarded_on <= params.date_to)
    return stmt


def credit_institutions(course_ids: list[int]) -> list[Institution]:
    if not course_ids:
        return []
    return list(db.session.scalars(select(Institution).where(Institution.id.in_(
        select(CourseCredit.institution_id).where(CourseCredit.course_id.in_(course_ids))))
        .order_by(Institution.code)))


def _sort_key(sort: str):
    field_name = sort.lstrip("-")
    keys = {
        "name": lambda r: (r.name.casefold(), r.user_id, r.course.code),
        "course": lambda r: (r.course.code, r.name.casefold(), r.user_id),
        "percent": lambda r: (r.percent, r.name.casefold(), r.user_id, r.course.code),
        "score": lambda r: (-1.0 if r.score is None else r.score, r.name.casefold(),
                            r.user_id, r.course.code),
        "time": lambda r: (r.seconds, r.name.casefold(), r.user_id, r.course.code),
        # raw values sort as times: ISO strings (SQLite) or datetimes (PostgreSQL)
        "last": lambda r: (r.last_raw is not None, r.last_raw or 0,
                           r.name.casefold(), r.user_id, r.course.code),
        "status": lambda r: (("completed", "in_progress", "not_started", "stalled")
                             .index(r.status), r.name.casefold(), r.user_id),
    }
    return keys.get(field_name, keys["name"])


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a report's rows are made.

    Tens of thousands of new tuples and rows trigger full collections that walk every
    object of the process (the app, SQLAlchemy, WeasyPrint: ~150,000), which cost more
    than the rows themselves (measured: median 375 ms -> 270 ms for 10,000 students).
    Rows and tuples form no cycles, so nothing is kept that a collection would free; the
    collector resumes (and catches up) as soon as the report is built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_report(params: ReportParams, *, now: datetime | None = None) -> Report:
    """The whole report: every row sorted as asked, the summary and the chart data.
    Nine queries whatever the number of students."""
    with _collector_paused():
        return _build(params, now)


@dataclass
class _Frame:
    """What every row of a report shares: the time it ran, the stalled cutoff, the scope
    (a subquery of user ids, or None), the courses and their layout."""

    generated: datetime
    reference: datetime
    cutoff: datetime
    users: object
    courses: list[Course]
    shapes: dict[int, CourseShape]

    @property
    def course_ids(self) -> list[int]:
        return [c.id for c in self.courses]


def _frame(params: ReportParams, now: datetime | None) -> _Frame:
    generated = now or utcnow()
    reference = min(params.end, generated) if params.end is not None else generated
    users = _scope_users(params)
    courses = scope_courses(params, users)
    return _Frame(generated, reference, reference - timedelta(days=params.stalled_days),
                  users, courses, course_shapes(courses, params.module))


@dataclass
class _Queries:
    """A report's four queries per set of students, made once (a streamed report runs
    them once per batch, the batch's ids bound to ``users``)."""

    idle: object
    results: object
    credits: object
    aggregate: object
    packing: list[tuple[int, int]]


def _queries(params: ReportParams, frame: _Frame, users) -> _Queries:
    ids = frame.course_ids
    aggregate, packing = _aggregate(params, frame.shapes, users, frame.cutoff)
    return _Queries(_idle_since(frame.shapes, users, frame.cutoff),
                    _results(params, ids, users), _credits(params, ids, users), aggregate,
                    packing)


def _rows(params: ReportParams, frame: _Frame, queries: _Queries, people: dict,
          binds: dict | None = None) -> tuple[list[Row], dict]:
    """The rows of the enrolments the queries select (with ``binds``), unsorted, the
    status filter applied; and the course completions, (user id, course id) -> (score,
    completed at)."""
    shapes = frame.shapes
    run = db.session.connection().execute
    idle = {(course_id, user_id) for course_id, user_id in run(queries.idle, binds)}
    results = {(u, c): (score, at, source)
               for u, c, score, at, source in run(queries.results, binds)}
    credits: dict[tuple, dict] = defaultdict(dict)
    for user_id, course_id, institution_id, amount in run(queries.credits, binds):
        credits[(user_id, course_id)][institution_id] = Decimal(amount)
    # Core, not ORM, execution: plain rows, no ORM loading step for 10,000 of them; read
    # in batches as the report's rows are made (never all of them twice in memory)
    aggregate = run(queries.aggregate, binds,
                    execution_options={"yield_per": AGGREGATE_BATCH})
    packing = queries.packing
    module_only = params.module is not None
    no_credits: dict = {}
    rows = []
    append = rows.append
    per_module = bool(packing)
    for course_id, user_id, weighted, scored_weight, seconds, last, quiet, packed in aggregate:
        person = people.get(user_id)
        if person is None:
            continue
        shape = shapes[course_id]
        required = shape.required
        if per_module:
            packed = int(packed or 0)
            done_cols = [(packed >> shift) & mask for shift, mask in packing]
            done = sum(done_cols)
        else:
            done = int(packed or 0)
        percent = round(100 * done / required) if required else 0
        result = None if module_only else results.get((user_id, course_id))
        if result is not None:
            status = "completed"
            if not required:
                percent = 100
        elif module_only and required and done >= required:
            status = "completed"
        elif last is None:
            status = "stalled" if (course_id, user_id) in idle else "not_started"
        else:
            status = "stalled" if quiet else "in_progress"
        append(Row(
            user_id, person[0], person[1], person[2], person[3], person[4], shape.course,
            done, required, percent,
            round(float(weighted) / float(scored_weight), 1) if scored_weight else None,
            int(seconds or 0), credits.get((user_id, course_id), no_credits), last,
            result[1] if result else None,
            round(float(result[0]), 1) if result and result[0] is not None else None, status,
            done_cols if per_module else (), result[2] if result else None))
    if params.status:
        rows = [r for r in rows if r.status == params.status]
    return rows, results


def _build(params: ReportParams, now: datetime | None) -> Report:
    frame = _frame(params, now)
    packing: list = []
    rows: list[Row] = []
    results: dict = {}
    if frame.courses:
        queries = _queries(params, frame, frame.users)
        packing = queries.packing
        rows, results = _rows(params, frame, queries, _people(frame.shapes, frame.users))
    rows.sort(key=_sort_key(params.sort), reverse=params.sort.startswith("-"))
    institutions = credit_institutions(frame.course_ids)
    kept = {(r.user_id, r.course.id) for r in rows} if params.status else None
    completions = sorted(at for key, (_s, at, _p) in results.items()
                         if kept is None or key in kept)
    return Report(params, rows, frame.shapes, institutions, summarise(rows, institutions),
                  completions, progress_of(rows, frame.shapes, params, bool(packing)),
                  frame.reference, frame.generated)


ROW_BATCH = 1000  # students whose rows are made at a time when rows are streamed


def stream_report(params: ReportParams, *, now: datetime | None = None
                  ) -> tuple[Report, Iterator[list[Row]]]:
    """The report without its rows (what labels an export: scope, courses, credit
    columns; no summary), and its rows in batches, in the report's order: what an export
    writes as it goes, so memory stays flat however many students are in scope.

    Sorted by name (the default), the students are put in order first (one small
    query), then their rows are made ROW_BATCH students at a time (four queries per
    batch): a student's rows are never split between batches, so the order is the
    whole report's. Any other order needs every row first: the whole report is built
    and its rows come as one batch."""
    if params.sort.lstrip("-") != "name":
        report = build_report(params, now=now)
        frame_only = replace(report, rows=[], completions=[], progress=[],
                             summary=summarise([], report.institutions))
        return frame_only, iter([report.rows])
    frame = _frame(params, now)
    institutions = credit_institutions(frame.course_ids)
    empty = Report(params, [], frame.shapes, institutions, summarise([], institutions), [],
                   [], frame.reference, frame.generated)
    return empty, _batches(params, frame)


def _batches(params: ReportParams, frame: _Frame) -> Iterator[list[Row]]:
    if not frame.courses:
        return
    descending = params.sort.startswith("-")
    people = _people(frame.shapes, frame.users)
    order = sorted(people, key=lambda uid: (people[uid][0].casefold(), uid),
                   reverse=descending)
    key = _sort_key(params.sort)
    queries = _queries(params, frame, bindparam("batch", expanding=True))
    for start in range(0, len(order), ROW_BATCH):
        with _collector_paused():
            rows, _results = _rows(params, frame, queries, people,
                                   {"batch": order[start:start + ROW_BATCH]})
        rows.sort(key=key, reverse=descending)
        yield rows


class Tally:
    """The summary of rows added a batch at a time (in the report's order, so every sum
    is the one the whole list gives)."""

    def __init__(self, institutions: list[Institution]):
        self.statuses: Counter = Counter()
        self.users: set[int] = set()
        self.rows = self.percent = self.seconds = self.scored = 0
        self.score = 0
        self.credits = {i.id: Decimal(0) for i in institutions}

    def add(self, rows: list[Row]) -> None:
        for r in rows:
            self.rows += 1
            self.users.add(r.user_id)
            self.statuses[r.status] += 1
            self.percent += r.percent
            self.seconds += r.seconds
            if r.score is not None:
                self.score += r.score
                self.scored += 1
            for institution_id, amount in r.credits.items():
                self.credits[institution_id] = self.credits.get(institution_id,
                                                                Decimal(0)) + amount

    def summary(self) -> Summary:
        n, done = self.rows, self.statuses["completed"]
        return Summary(
            students=len(self.users), enrolments=n, completed=done,
            completion_rate=round(100 * done / n) if n else 0,
            average_percent=round(self.percent / n) if n else 0,
            average_score=round(self.score / self.scored, 1) if self.scored else None,
            hours=round(self.seconds / 3600, 1), credits=self.credits,
            statuses=self.statuses)


def summarise(rows: list[Row], institutions: list[Institution]) -> Summary:
    tally = Tally(institutions)
    tally.add(rows)
    return tally.summary()


def progress_of(rows: list[Row], shapes: dict[int, CourseShape], params: ReportParams,
                per_module: bool) -> list[ModuleProgress]:
    """Progress by module for a one-course report, else by course."""
    if per_module:
        shape = next(iter(shapes.values()))
        totals = [0] * len(shape.modules)
        finished = [0] * len(shape.modules)
        needed = [required for _m, required in shape.modules]
        for r in rows:
            for i, d in enumerate(r.module_done):
                totals[i] += d
                if needed[i] and d >= needed[i]:
                    finished[i] += 1
        out = []
        for i, (module, required) in enumerate(shape.modules):
            title = module.current_version.title if module.current_version else {}
            out.append(ModuleProgress(
                title or {"en": module.key}, module.key, required,
                round(100 * totals[i] / (required * len(rows))) if rows and required else 0,
                finished[i], len(rows)))
        return out
    grouped: dict[int, list[Row]] = defaultdict(list)
    for r in rows:
        grouped[r.course.id].append(r)
    return [ModuleProgress(
        shapes[cid].course.title, shapes[cid].course.code, shapes[cid].required,
        round(sum(r.percent for r in group) / len(group)),
        sum(1 for r in group if r.status == "completed"), len(group))
        for cid, group in sorted(grouped.items(), key=lambda kv: shapes[kv[0]].course.code)]


# --- chart data ------------------------------------------------------------------------


def score_bins(rows: list[Row]) -> list[tuple[int, int, int]]:
    """(low, high, count) for 0-9, 10-19, ..., 90-100."""
    counts = [0] * SCORE_BINS
    for r in rows:
        if r.score is not None:
            counts[min(int(r.score // 10), SCORE_BINS - 1)] += 1
    return [(10 * i, 10 * i + 9 if i < SCORE_BINS - 1 else 100, n)
            for i, n in enumerate(counts)]


def completion_series(report: Report) -> tuple[str, list[tuple[date, int, int]]]:
    """('day'|'week'|'month', [(period start, completions, cumulative)]) over the range
    (or from the first completion to the reference time)."""
    zone = report.params.zone
    days = [at.astimezone(zone).date() for at in report.completions]
    first = report.params.date_from or (min(days) if days else None)
    last = report.params.date_to or report.reference.astimezone(zone).date()
    if first is None or first > last:
        return "day", []
    span = (last - first).days
    unit = "day" if span <= 62 else "week" if span <= 731 else "month"

    def start_of(d: date) -> date:
        if unit == "week":
            return d - timedelta(days=d.weekday())
        if unit == "month":
            return d.replace(day=1)
        return d

    counts = Counter(start_of(d) for d in days)
    series, cumulative, period = [], 0, start_of(first)
    while period <= last:
        cumulative += counts.get(period, 0)
        series.append((period, counts.get(period, 0), cumulative))
        if unit == "day":
            period += timedelta(days=1)
        elif unit == "week":
            period += timedelta(days=7)
        else:
            period = (period.replace(day=28) + timedelta(days=4)).replace(day=1)
    return unit, series


