"""Loading an item with its access check, the one way every learning view does it: an
item the viewer may not open answers 404, exactly as one that does not exist."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.authoring.models import Item, Module, ModuleVersion
from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning import services


def viewable_item(item_id: int, kind: str | None = None, *, current: bool = False) -> Item:
    """Item ``item_id`` (of ``kind``, when given) if the signed-in user may open its
    course (its students, instructors, administrators); 404 otherwise. ``current``: the
    same item in its module's current version instead (404 if it was removed), for the
    views that act on it (start a quiz, hand work in)."""
    item = db.session.scalar(select(Item).where(Item.id == item_id).options(
        joinedload(Item.version).joinedload(ModuleVersion.module).joinedload(Module.course)))
    if item is None or (kind is not None and item.kind != kind):
        abort(404)
    if not catalog.can_view(current_user, item.version.module.course):
        abort(404)
    if current:
        item = services.current_item(item)
        if item is None:
            abort(404)
    return item


def is_learner(item: Item) -> bool:
    """Whether the signed-in user's actions on the item are recorded
    (``services.is_learner``); instructors previewing leave no trace."""
    return services.is_learner(current_user, item)
