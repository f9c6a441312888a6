"""What a course's instructors see of their students: the progress grid (and its CSV),
who has stalled, and the item analysis of a quiz; and a student's own progress for the API.

Every function here reads; none writes. Query counts do not grow with the number of
students shown: progress rows are loaded for a whole page of students at once.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, false, func, or_, select

from lms.auth.models import User
from lms.authoring.models import Item, ItemSetting, Module
from lms.authoring.quizfile import normalise_answer
from lms.authoring.services import effective_settings
from lms.catalog.models import Course, Enrollment
from lms.core.db import utcnow
from lms.core.errors import NotFound, ValidationError
from lms.core.i18n import pick
from lms.extensions import db
from lms.learning import trust
from lms.learning.models import ItemProgress, LearningEvent, QuizAttempt
from lms.learning.progress import ItemState, course_score, module_complete
from lms.learning.services import course_outline, current_item

GRID_PAGE_SIZE = 50
GRID_SORTS = ("name", "-name", "percent", "-percent")
STALLED_DEFAULT_DAYS = 7
STALLED_SHOWN = 50  # the longest silent first; the page says how many there are in all
CSV_BATCH = 200  # students per query while streaming the CSV


# --- the course's layout: current versions' items with their effective settings -----


@dataclass
class Column:
    module: Module
    item: Item
    settings: dict

    @property
    def required(self) -> bool:
        return bool(self.settings.get("required", True))


@dataclass
class Layout:
    """The course's current items in order, grouped by module (3 queries)."""

    modules: list[tuple[Module, list[Column]]]

    @property
    def columns(self) -> list[Column]:
        return [c for _m, cols in self.modules for c in cols]

    def required_condition(self):
        """SQL: an ItemProgress row is about one of the course's required current items."""
        parts = []
        for module, cols in self.modules:
            keys = [c.item.key for c in cols if c.required]
            if keys:
                parts.append(and_(ItemProgress.module_id == module.id,
                                  ItemProgress.item_key.in_(keys)))
        return or_(*parts) if parts else false()

    def states(self, progress: dict[tuple[int, str], ItemProgress]):
        """The shape ``progress.course_states`` returns, from already loaded rows."""
        return [(module, [ItemState(c.item, c.settings, progress.get((module.id, c.item.key)))
                          for c in cols]) for module, cols in self.modules]


def course_layout(course: Course) -> Layout:
    outline = course_outline(course)
    overrides: dict[int, dict] = {}
    for row in db.session.scalars(select(ItemSetting).join(Module).where(
            Module.course_id == course.id)):
        overrides.setdefault(row.module_id, {})[row.item_key] = row
    return Layout([(entry.module, [Column(entry.module, item, effective_settings(
        item, overrides.get(entry.module.id))) for item in entry.items]) for entry in outline])


@dataclass
class Summary:
    done: int  # required items done
    required: int
    percent: int  # 0-100, of required items done
    score: float | None  # course score so far (progress.course_score)


def summarise(states) -> Summary:
    items = [s for _m, group in states for s in group]
    required = [s for s in items if s.settings.get("required", True)]
    done = sum(1 for s in required if s.done)
    if required:
        percent = round(100 * done / len(required))
    else:  # nothing required: done when every module counts as complete
        percent = 100 if states and all(module_complete(g) for _m, g in states) else 0
    return Summary(done, len(required), percent, course_score(states))


# --- the progress grid -------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """The part of a student's item progress the grid shows (ItemState.progress)."""

    completed: bool
    passed: bool | None
    best_score: float | None
    provenance: str | None = None

    status = property(ItemProgress.status.fget)


@dataclass(frozen=True)
class Cell:
    """One grid cell, ready to print: the page shows thousands of them, so nothing is
    computed (or translated) per cell while the template renders."""

    status: str  # not_started, in_progress, ... (CSS class, with - for _)
    text: str  # what is seen: ✓ 85, ✓, …, ✗ 40, —, ∅
    label: str  # what a screen reader says: "Passed 85, server-marked"
    source: str = ""  # the provenance's short mark (SM, IG, CR, LR), seen under the text


@dataclass
class GridRow:
    user: User
    states: list[ItemState]  # one per layout column, in order
    summary: Summary
    cells: list[Cell] = field(default_factory=list)  # one per state

    @property
    def score_text(self) -> str:
        return "—" if self.summary.score is None else f"{self.summary.score:g}"


@dataclass
class Grid:
    course: Course
    layout: Layout
    rows: list[GridRow]
    sort: str
    page: int
    pages: int
    total: int  # students enrolled
    per_page: int = GRID_PAGE_SIZE

    @property
    def page_links(self) -> list[int | None]:
        """Pages to link to: the first, the last and two either side of this one; None
        where pages are left out."""
        shown = sorted({1, self.pages, *range(max(1, self.page - 2),
                                              min(self.pages, self.page + 2) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


def _enrolled(course: Course):
    return and_(Enrollment.user_id == User.id, Enrollment.course_id == course.id,
                Enrollment.status != "withdrawn")


def _done_counts(course: Course, layout: Layout):
    """Per student: how many required current items are completed (a subquery)."""
    return (select(ItemProgress.user_id, func.count().label("done"))
            .where(ItemProgress.course_id == course.id, ItemProgress.completed.is_(True),
                   layout.required_condition())
            .group_by(ItemProgress.user_id).subquery())


def _student_page(course: Course, layout: Layout, sort: str, offset: int, limit: int):
    stmt = select(User).join(Enrollment, _enrolled(course))
    if sort in ("name", "-name"):  # no need to count anyone's progress
        direction = "asc" if sort == "name" else "desc"
        order = (getattr(User.name, direction)(), getattr(User.id, direction)())
    else:
        done = _done_counts(course, layout)
        done_value = func.coalesce(done.c.done, 0)
        stmt = stmt.outerjoin(done, done.c.user_id == User.id)
        order = ((done_value.asc() if sort == "percent" else done_value.desc()),
                 User.name.asc(), User.id.asc())
    return db.session.scalars(stmt.order_by(*order).offset(offset).limit(limit)).all()


def _rows_for(course: Course, layout: Layout, users: list[User],
              cells: bool = False) -> list[GridRow]:
    """Progress of these students in one query, then everything in memory. ``cells``:
    also each cell's printable text (for the page)."""
    progress: dict[int, dict] = {u.id: {} for u in users}
    if users:
        # Only what a cell and the summary show: no ORM objects for a page of thousands.
        for user_id, module_id, key, *mark in db.session.execute(select(
                ItemProgress.user_id, ItemProgress.module_id, ItemProgress.item_key,
                ItemProgress.completed, ItemProgress.passed, ItemProgress.best_score,
                ItemProgress.provenance).where(
                ItemProgress.user_id.in_([u.id for u in users]),
                ItemProgress.course_id == course.id)):
            progress[user_id][(module_id, key)] = Mark(*mark)
    labels = status_labels() if cells else {}
    made: dict[tuple, Cell] = {}  # a page has a few dozen different cells, not thousands
    rows = []
    for user in users:
        states = layout.states(progress[user.id])
        flat = [s for _m, group in states for s in group]
        row_cells = []
        if cells:
            for state in flat:
                key = (state.status, state.score, state.assessment,
                       state.progress.provenance if state.progress else None)
                cell = made.get(key)
                if cell is None:
                    cell = made[key] = _cell(state, labels)
                row_cells.append(cell)
        rows.append(GridRow(user, flat, summarise(states), row_cells))
    return rows


def _cell(state: ItemState, labels: dict[str, str]) -> Cell:
    status = state.status
    text = cell_text(state)
    score = state.score
    label = labels.get(status, status)
    if score is not None and status != "not_started":
        label = f"{label} {score:g}"
    source = ""
    if no_score_reported(state):
        label = f"{label}, {labels['no_score']}"
    elif state.progress is not None and state.progress.provenance and (
            score is not None or state.done):
        label = f"{label}, {trust.label(state.progress.provenance)}"
        source = labels["source:" + state.progress.provenance]
    return Cell(status.replace("_", "-"), text, label, source)


def no_score_reported(state: ItemState) -> bool:
    """An assessment the student has worked on that has no score: it does not count as
    passed and is left out of the course score."""
    return state.assessment and state.progress is not None and state.score is None


def progress_grid(course: Course, *, sort: str = "name", page: int = 1,
                  per_page: int = GRID_PAGE_SIZE) -> Grid:
    """One page of the students × current items grid, sorted by ``sort`` (one of
    GRID_SORTS; anything else means "name"). Six queries whatever the page size."""
    sort = sort if sort in GRID_SORTS else "name"
    layout = course_layout(course)
    total = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.course_id == course.id, Enrollment.status != "withdrawn")) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    users = _student_page(course, layout, sort, (page - 1) * per_page, per_page)
    return Grid(course, layout, _rows_for(course, layout, users, cells=True), sort, page,
                pages, total, per_page)


def grid_rows_all(course: Course, layout: Layout, sort: str = "name"):
    """Every student's row, CSV_BATCH students per query pair, for streaming."""
    sort = sort if sort in GRID_SORTS else "name"
    offset = 0
    while True:
        users = _student_page(course, layout, sort, offset, CSV_BATCH)
        yield from _rows_for(course, layout, users)
        if len(users) < CSV_BATCH:
            return
        offset += CSV_BATCH


def cell_text(state: ItemState) -> str:
    """A cell as text that does not rely on colour: ✓ 85, ✓, … , ✗ 40, —."""
    status = state.status
    score = state.score
    if no_score_reported(state):
        return "∅"
    symbol = {"passed": "✓", "completed": "✓", "in_progress": "…", "failed": "✗"}.get(status, "—")
    if score is not None and status != "not_started":
        return f"{symbol} {score:g}"
    return symbol


def status_labels() -> dict[str, str]:
    """Every status word in the viewer's language (translate once, not once per cell),
    with the provenance marks and "no score reported"."""
    return {"not_started": _("Not started"), "in_progress": _("In progress"),
            "completed": _("Completed"), "passed": _("Passed"), "failed": _("Failed"),
            "no_score": _("no score reported"),
            **{"source:" + name: mark for name, mark in source_marks().items()}}


def source_marks() -> dict[str, str]:
    """The short mark of each provenance, as the grid and its legend show it."""
    return {trust.SERVER_MARKED: _("SM"), trust.INSTRUCTOR_GRADED: _("IG"),
            trust.CONTENT_REPORTED: _("CR"), trust.LEARNER_REPORTED: _("LR"),
            trust.RECOGNISED: _("RE")}


def status_label(status: str) -> str:
    return status_labels().get(status, status)


def _csv_safe(value) -> str:
    """Text that spreadsheet programs show as text: a leading = + - @ (or tab/CR, which
    some of them strip first) would start a formula, so it gets a single quote."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def progress_csv_rows(course: Course, sort: str = "name"):
    """Rows (lists of str) of the progress CSV: a header, then one per student.

    Item cells are the status word, then the best score when there is one."""
    layout = course_layout(course)
    header = [_("Student"), _("E-mail"), _("Student number"), _("Required done (%)"),
              _("Course score")]
    header += [f"{pick(m.current_version.title) if m.current_version else m.key} / "
               f"{pick(c.item.title)}" for m, cols in layout.modules for c in cols]
    yield [_csv_safe(v) for v in header]
    labels = status_labels()
    for row in grid_rows_all(course, layout, sort):
        cells = [row.user.name, row.user.email, row.user.student_number or "",
                 row.summary.percent,
                 "" if row.summary.score is None else f"{row.summary.score:g}"]
        for state in row.states:
            cells.append(_cell(state, labels).label)
        yield [_csv_safe(v) for v in cells]


# --- who has stalled ----------------------------------------------------------------


@dataclass
class StalledStudent:
    user: User
    last_activity: datetime | None  # None: never started
    percent: int


@dataclass
class Stalled:
    students: list[StalledStudent]  # the first ``limit``, longest silent first
    total: int  # how many have stalled in all
    days: int

    def __iter__(self):
        return iter(self.students)

    def __len__(self) -> int:
        return len(self.students)


def stalled_students(course: Course, days: int = STALLED_DEFAULT_DAYS,
                     now: datetime | None = None, layout: Layout | None = None,
                     limit: int = STALLED_SHOWN) -> Stalled:
    """Enrolled students whose last event in the course happened more than ``days`` days
    ago, or who never started; the longest silent first (never started before them),
    at most ``limit`` of them, and how many there are in all. Two queries, given the
    course's ``layout`` (else three more to load it): the last event per student comes
    from the index on learning_events (course_id, user_id, timestamp) alone."""
    if days < 1 or days > 365:
        raise ValidationError(_("Give a number of days from 1 to 365."))
    cutoff = (now or utcnow()) - timedelta(days=days)
    layout = layout or course_layout(course)
    required = sum(1 for c in layout.columns if c.required)
    # Per enrolled student, one seek to the end of their range of the index.
    last_event = (select(func.max(LearningEvent.timestamp))
                  .where(LearningEvent.course_id == course.id,
                         LearningEvent.user_id == Enrollment.user_id)
                  .correlate(Enrollment).scalar_subquery())
    # MATERIALIZED: computed once per student, not again for the filter and the sort.
    last = (select(Enrollment.user_id, last_event.label("last"))
            .where(Enrollment.course_id == course.id, Enrollment.status != "withdrawn")
            .cte("last_activity").prefix_with("MATERIALIZED"))
    rows = db.session.execute(
        select(User, last.c.last, func.count().over().label("total"))
        .join(last, last.c.user_id == User.id)
        .where(or_(last.c.last.is_(None), last.c.last < cutoff))
        .order_by(case((last.c.last.is_(None), 0), else_=1), last.c.last.asc(), User.name,
                  User.id)
        .limit(limit)).all()
    done: Counter = Counter()
    if rows and required:
        # By student (index user_id, course_id); which rows count is decided here, as an
        # OR over the modules in SQL would send SQLite through the whole course.
        wanted = {(c.module.id, c.item.key) for c in layout.columns if c.required}
        for user_id, module_id, key in db.session.execute(
                select(ItemProgress.user_id, ItemProgress.module_id, ItemProgress.item_key)
                .where(ItemProgress.user_id.in_([user.id for user, _l, _t in rows]),
                       ItemProgress.course_id == course.id,
                       ItemProgress.completed.is_(True))):
            if (module_id, key) in wanted:
                done[user_id] += 1
    students = [StalledStudent(user, last_at, round(100 * done.get(user.id, 0) / required)
                               if required else 0) for user, last_at, _total in rows]
    return Stalled(students, rows[0].total if rows else 0, days)


# --- quiz item analysis -------------------------------------------------------------


@dataclass
class QuestionStats:
    key: str
    prompt: dict  # language -> text
    type: str | None
    answered: int = 0
    fully_correct: int = 0
    fraction_sum: float = 0.0
    wrong: Counter = field(default_factory=Counter)
    in_quiz: bool = True  # False: only in attempts at an older version

    @property
    def percent_correct(self) -> float | None:
        return round(100 * self.fully_correct / self.answered, 1) if self.answered else None

    @property
    def average(self) -> float | None:
        return round(self.fraction_sum / self.answered, 3) if self.answered else None

    def common_wrong(self, n: int = 3) -> list[tuple[str, int]]:
        return sorted(self.wrong.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


@dataclass
class QuizAnalysis:
    course: Course
    item: Item  # the quiz as it is now (or the given one if it was removed)
    questions: list[QuestionStats]
    attempts: int  # submitted attempts
    students: int


def quiz_item(course: Course, item_id: int) -> Item:
    """The quiz ``item_id`` of ``course``; NotFound otherwise (also for other kinds)."""
    item = db.session.get(Item, item_id)
    if item is None or item.kind != "quiz" or item.version.module.course_id != course.id:
        raise NotFound(_("This course has no quiz with the id %(id)d.", id=item_id))
    return item


def quiz_analysis(course: Course, item: Item) -> QuizAnalysis:
    """Per question of the quiz, over every submitted attempt of every version (attempts
    follow the item key): attempts that answered it, how many were fully right, the
    average fraction of its points, and the most common wrong answers."""
    item = current_item(item) or item
    module = item.version.module
    questions = [q for q in (item.content or {}).get("questions", []) if q.get("key")]
    by_key = {q["key"]: q for q in questions}
    stats = {q["key"]: QuestionStats(q["key"], q.get("prompt") or {}, q.get("type"))
             for q in questions}
    attempts = db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.answers, QuizAttempt.results)
        .where(QuizAttempt.module_id == module.id, QuizAttempt.item_key == item.key,
               QuizAttempt.submitted_at.is_not(None))).all()
    for _user_id, answers, results in attempts:
        answers = answers if isinstance(answers, dict) else {}
        for key, fraction in (results if isinstance(results, dict) else {}).items():
            try:
                fraction = min(max(float(fraction), 0.0), 1.0)
            except (TypeError, ValueError):
                continue
            entry = stats.get(key)
            if entry is None:
                entry = stats[key] = QuestionStats(key, {}, None, in_quiz=False)
            entry.answered += 1
            entry.fraction_sum += fraction
            if fraction >= 1.0 - 1e-9:
                entry.fully_correct += 1
            else:
                entry.wrong[answer_label(by_key.get(key), answers.get(key))] += 1
    ordered = [stats[q["key"]] for q in questions]
    ordered += sorted((s for s in stats.values() if not s.in_quiz), key=lambda s: s.key)
    return QuizAnalysis(course, item, ordered, len(attempts),
                        len({row[0] for row in attempts}))


def answer_label(question: dict | None, response) -> str:
    """A learner's response as a teacher reads it: choice texts instead of keys, short
    answers normalised as they are marked (so ＴＯＫＹＯ and tokyo count together)."""
    if response in (None, "", [], {}):
        return _("(no answer)")
    qtype = (question or {}).get("type")
    if qtype in ("single", "multiple") and isinstance(response, str | list):
        texts = {c["key"]: pick(c.get("text")) for c in question.get("choices", [])}
        keys = [response] if isinstance(response, str) else response
        order = list(texts)
        keys = sorted((str(k) for k in keys),
                      key=lambda k: order.index(k) if k in order else len(order))
        return ", ".join(texts.get(k, k) for k in keys)
    if qtype == "short" and isinstance(response, str):
        return normalise_answer(response, kana_equivalent=bool(question.get("kana_equivalent")),
                                case_sensitive=bool(question.get("case_sensitive")))
    if qtype == "ordering" and isinstance(response, list):
        texts = {i["key"]: pick(i.get("text")) for i in question.get("items", [])}
        return " → ".join(texts.get(str(k), str(k)) for k in response)
    if qtype == "matching" and isinstance(response, dict):
        pairs = {p["key"]: p for p in question.get("pairs", [])}
        parts = []
        for left_key in sorted(response, key=lambda k: list(pairs).index(k)
                               if k in pairs else len(pairs)):
            left = pick(pairs[left_key]["left"]) if left_key in pairs else str(left_key)
            chosen = pairs.get(response[left_key])
            right = pick(chosen["right"]) if chosen else str(response[left_key])
            parts.append(f"{left} → {right}")
        return "; ".join(parts)
    if isinstance(response, str):
        return unicodedata.normalize("NFKC", response).strip()
    return json.dumps(response, ensure_ascii=False, sort_keys=True)


# --- a student's own progress (the JSON API) ----------------------------------------


def student_progress(user, course: Course):
    """(states, Summary) of ``user`` in ``course``: course_states' shape, 4 queries."""
    layout = course_layout(course)
    progress = {(p.module_id, p.item_key): p for p in db.session.scalars(
        select(ItemProgress).where(ItemProgress.user_id == user.id,
                                   ItemProgress.course_id == course.id))}
    states = layout.states(progress)
    return states, summarise(states)


def course_scores(user, courses: list[Course]) -> dict[int, float | None]:
    """Course id -> the course score so far: three queries per course (a student has a
    handful), one for all of the progress."""
    if not courses:
        return {}
    ids = [c.id for c in courses]
    outline = {c.id: course_layout(c) for c in courses}
    progress: dict[int, dict] = {i: {} for i in ids}
    for row in db.session.scalars(select(ItemProgress).where(
            ItemProgress.user_id == user.id, ItemProgress.course_id.in_(ids))):
        progress[row.course_id][(row.module_id, row.item_key)] = row
    return {c.id: course_score(outline[c.id].states(progress[c.id])) for c in courses}
