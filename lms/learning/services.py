"""What a student sees: their courses, a course's outline, an item to open."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.authoring.models import Item, Module, ModuleVersion
from lms.catalog.models import Course
from lms.extensions import db


@dataclass
class OutlineModule:
    module: Module
    version: ModuleVersion
    items: list[Item]


def course_outline(course: Course) -> list[OutlineModule]:
    """The course's modules in order, each with its current version's items (2 queries)."""
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id, Module.current_version_id.is_not(None))
        .options(selectinload(Module.current_version).selectinload(ModuleVersion.items))
        .order_by(Module.position, Module.id)).all()
    return [OutlineModule(m, m.current_version, list(m.current_version.items)) for m in modules]


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
