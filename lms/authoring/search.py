"""Search over course content, not just titles: the visible text of every page, quiz and
assignment in the current version of each module, folded like catalogue search (NFKC,
case-folded) and matched as substrings (SQLite FTS5 trigram, PostgreSQL pg_trgm), so
Japanese, which has no spaces between words, is found by any part of a word.

The index is brought up to date lazily: a search first re-reads the modules whose current
version changed since they were indexed (one query when nothing changed).
"""

from __future__ import annotations

from sqlalchemy import delete, or_, select, text

from lms.authoring.models import CourseContentText, Item, Module
from lms.catalog.services import fold as _fold
from lms.core.markdown import plain_text
from lms.extensions import db


def module_text(module: Module) -> str:
    """The visible text of a module's current version (titles, pages, quiz questions)."""
    version = module.current_version
    if version is None:
        return ""
    parts = list((version.title or {}).values())
    items = db.session.scalars(select(Item).where(Item.version_id == version.id)).all()
    for item in items:
        parts.extend((item.title or {}).values())
        content = item.content or {}
        for source in (content.get("markdown") or {}).values():
            parts.append(plain_text(source))
        for question in content.get("questions") or []:
            for key in ("prompt", "explanation"):
                value = question.get(key)
                texts = value.values() if isinstance(value, dict) else [value or ""]
                parts.extend(plain_text(t) for t in texts if isinstance(t, str))
    return _fold("\n".join(p for p in parts if p))


def refresh_content_index() -> int:
    """Re-index modules whose current version changed; returns how many were."""
    stale = db.session.execute(
        select(Module.id, Module.course_id, Module.current_version_id)
        .outerjoin(CourseContentText, CourseContentText.module_id == Module.id)
        .where(or_(CourseContentText.module_id.is_(None),
                   CourseContentText.version_id.is_distinct_from(Module.current_version_id)))
    ).all()
    if not stale:
        return 0
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    for module_id, course_id, version_id in stale:
        module = db.session.get(Module, module_id)
        body = module_text(module)
        row = db.session.get(CourseContentText, module_id) or CourseContentText(
            module_id=module_id)
        row.course_id, row.version_id, row.text = course_id, version_id, body
        db.session.add(row)
        if sqlite:
            db.session.execute(text("DELETE FROM course_search_content WHERE rowid = :id"),
                               {"id": module_id})
            db.session.execute(text("INSERT INTO course_search_content(rowid, text) "
                                    "VALUES (:id, :body)"), {"id": module_id, "body": body})
    db.session.commit()
    return len(stale)


def content_match(query: str):
    """A subquery of course ids whose content contains every term of the folded query."""
    terms = query.split()
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite" and terms and all(len(t) >= 3 for t in terms):
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
        modules = (select(text("rowid")).select_from(text("course_search_content"))
                   .where(text("course_search_content MATCH :cmatch")).params(cmatch=match))
        return select(CourseContentText.course_id).where(CourseContentText.module_id.in_(modules))
    stmt = select(CourseContentText.course_id)
    for term in terms:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(CourseContentText.text.like(f"%{escaped}%", escape="\\"))
    return stmt


def matching_courses(query: str):
    """Course ids whose content matches the folded ``query``, the index brought up to date
    first: what catalogue search is given to look beyond titles
    (``catalog.services.search_courses(..., content=matching_courses)``)."""
    refresh_content_index()
    return content_match(query)


def forget_module(module_id: int) -> None:
    db.session.execute(delete(CourseContentText).where(CourseContentText.module_id == module_id))
