"""What a student sees: their courses, a course's outline, an item to open."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from cachetools import LRUCache
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.authoring.models import Item, Module, ModuleVersion
from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.extensions import db

_OUTLINES = "kakehashi_version_outlines"
_OUTLINES_LOCK = threading.Lock()


@dataclass(frozen=True)
class OutlineItem:
    """An item as outlines and progress summaries show it: the columns they read, without
    the page text or quiz questions. A published version's items never change, so these
    are kept per version id for the life of the worker (``version_items``). Read only."""

    id: int
    version_id: int
    key: str
    kind: str
    position: int
    title: dict
    required: bool
    weight: float
    settings: dict
    entry: str | None


_OUTLINE_COLUMNS = (Item.id, Item.version_id, Item.key, Item.kind, Item.position, Item.title,
                    Item.required, Item.weight, Item.settings, Item.entry)


def version_items(version_ids) -> dict[int, tuple[OutlineItem, ...]]:
    """The items of each version in order; one query for the versions not yet kept."""
    cache = current_app.extensions.get(_OUTLINES)
    if cache is None:
        cache = current_app.extensions.setdefault(_OUTLINES, LRUCache(maxsize=20000))
    wanted = list(dict.fromkeys(version_ids))
    with _OUTLINES_LOCK:
        found = {v: cache[v] for v in wanted if v in cache}
    missing = [v for v in wanted if v not in found]
    if missing:
        loaded: dict[int, list[OutlineItem]] = {v: [] for v in missing}
        for row in db.session.execute(select(*_OUTLINE_COLUMNS).where(
                Item.version_id.in_(missing)).order_by(Item.version_id, Item.position)):
            loaded[row.version_id].append(OutlineItem(*row))
        with _OUTLINES_LOCK:
            for version_id, items in loaded.items():
                found[version_id] = cache[version_id] = tuple(items)
    return found


@dataclass
class OutlineModule:
    module: Module
    version: ModuleVersion
    items: list[OutlineItem]


def current_modules(course_ids: list[int]) -> list[Module]:
    """The courses' modules that have a published version, in course order, each with its
    current version (its large JSON columns left unloaded)."""
    return db.session.scalars(
        select(Module).where(Module.course_id.in_(course_ids),
                             Module.current_version_id.is_not(None))
        .options(_current_version())
        .order_by(Module.course_id, Module.position, Module.id)).all()


def _current_version():
    """A module's current version without its large JSON columns (upload warnings and
    the change list), which outlines never show."""
    return (joinedload(Module.current_version).defer(ModuleVersion.warnings)
            .defer(ModuleVersion.changes))


def course_outline(course: Course) -> list[OutlineModule]:
    """The course's modules in order, each with its current version's items (1 query, and
    one more for versions this worker has not seen yet)."""
    modules = current_modules([course.id])
    items = version_items(m.current_version_id for m in modules)
    return [OutlineModule(m, m.current_version, list(items[m.current_version_id]))
            for m in modules]


def outline_options():
    """Load a module's current version and its items for lists and outlines, leaving out
    the large JSON columns (page text, quiz questions, upload warnings) that lists never
    show: they are loaded on first use for the one item a page opens."""
    return (_current_version().selectinload(ModuleVersion.items).defer(Item.content),)


def current_item(item: Item) -> Item | None:
    """The item with the same key in the module's current version (None if it was removed)."""
    module = item.version.module
    if module.current_version_id == item.version_id:
        return item
    return db.session.scalar(select(Item).where(
        Item.version_id == module.current_version_id, Item.key == item.key))


def neighbours(item: Item) -> tuple[Item | None, Item | None]:
    """Previous and next item across the course's modules, for the player's navigation."""
    flat = [i for entry in course_outline(item.version.module.course) for i in entry.items]
    ids = [i.id for i in flat]
    if item.id not in ids:
        return None, None
    index = ids.index(item.id)
    return (flat[index - 1] if index > 0 else None,
            flat[index + 1] if index + 1 < len(flat) else None)


# --- summaries with a constant number of queries ------------------------------------


@dataclass
class CourseSummary:
    course: Course
    total_required: int
    done_required: int
    next_item: OutlineItem | None
    completed: bool

    @property
    def percent(self) -> int:
        if not self.total_required:
            return 100 if self.completed else 0
        return round(100 * self.done_required / self.total_required)


def progress_by_course(user, courses: list[Course]) -> list[CourseSummary]:
    """Progress summaries for ``courses``; the query count does not grow with their number."""
    from lms.authoring.models import ItemSetting
    from lms.authoring.services import effective_settings
    from lms.learning.models import CourseResult, ItemProgress

    if not courses:
        return []
    ids = [c.id for c in courses]
    modules = current_modules(ids)
    items = version_items(m.current_version_id for m in modules)
    overrides: dict[int, dict] = {}
    for row in db.session.scalars(select(ItemSetting).where(
            ItemSetting.module_id.in_([m.id for m in modules] or [0]))):
        overrides.setdefault(row.module_id, {})[row.item_key] = row
    done = {(module_id, key) for module_id, key in db.session.execute(
        select(ItemProgress.module_id, ItemProgress.item_key).where(
            ItemProgress.user_id == user.id, ItemProgress.course_id.in_(ids),
            ItemProgress.completed.is_(True)))}
    finished = set(db.session.scalars(select(CourseResult.course_id).where(
        CourseResult.user_id == user.id, CourseResult.course_id.in_(ids))))
    by_course: dict[int, list[Module]] = {}
    for module in modules:
        by_course.setdefault(module.course_id, []).append(module)
    summaries = []
    for course in courses:
        total = count = 0
        next_item = None
        for module in by_course.get(course.id, []):
            for item in items[module.current_version_id]:
                settings = effective_settings(item, overrides.get(module.id))
                is_done = (module.id, item.key) in done
                if settings.get("required", True):
                    total += 1
                    count += is_done
                if not is_done and next_item is None:
                    next_item = item
        summaries.append(CourseSummary(course, total, count, next_item, course.id in finished))
    return summaries


def summary_from_states(course: Course, states, user) -> CourseSummary:
    """A CourseSummary from already loaded item states (progress.course_states)."""
    from lms.learning.models import CourseResult

    total = count = 0
    next_item = None
    for _module, items in states:
        for state in items:
            if state.settings.get("required", True):
                total += 1
                count += state.done
            if not state.done and next_item is None:
                next_item = state.item
    finished = db.session.scalar(select(CourseResult.id).where(
        CourseResult.user_id == user.id, CourseResult.course_id == course.id)) is not None
    return CourseSummary(course, total, count, next_item, finished)


def is_learner(user, item) -> bool:
    """Only an enrolled student's actions on an item are recorded; anyone else (staff,
    previewing) leaves no trace."""
    return user.role == "student" and catalog.enrollment_of(
        user, item.version.module.course) is not None

