"""Change stamps: one counter per user and one for everything shared (courses, modules,
settings, cohorts...), bumped in the same transaction as the write, so a page rendered
under the stamps it read can be reused until one of them moves (lms/core/pagecache.py).

Every ORM write is classified after each flush by the scope its model declares
(``__cache_scope__``, required on every model; tests/core/test_architecture.py checks):

- ``OWNER``: the row is seen by one user only (the ``user_id`` column, or the column
  ``__cache_owner__`` names): it bumps that user's stamp;
- ``SHARED``: seen by others (courses, modules, settings, a discussion post someone
  wrote for everyone): it bumps the shared stamp;
- ``IGNORED``: shown on no cached page (event logs, outboxes, tokens, documents);
- ``CUSTOM``: the model's ``page_cache_scopes()`` says (the User: its own stamp, and
  the shared one for staff, whose names show on students' pages).

Core statements that bypass the ORM (the progress upserts) call ``touch_user`` themselves.
Each scope is bumped at most once per transaction: the bump becomes visible together
with the write at commit, which is all a reader needs.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import BigInteger, String, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from lms.extensions import db

SHARED = "shared"
# What a model declares as ``__cache_scope__``.
OWNER, IGNORED, CUSTOM = "owner", "ignored", "custom"
SCOPES = (OWNER, SHARED, IGNORED, CUSTOM)
_DONE = "page_stamps_done"


class PageStamp(db.Model):
    __tablename__ = "page_stamps"
    __cache_scope__ = IGNORED

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)  # "shared", "user:<id>"
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def load_with_stamps(User, user_id: int):  # noqa: N803 - the model class is passed in
    """The ``User`` (the model the auth feature passes in) with the id, reading the
    stamps in the same query (they are kept for this request's ``read``): the signed-in
    user and the page cache key cost one round trip."""
    table = PageStamp.__table__
    shared = select(table.c.value).where(table.c.scope == SHARED).scalar_subquery()
    mine = select(table.c.value).where(table.c.scope == user_scope(user_id)).scalar_subquery()
    row = db.session.execute(select(User, shared, mine).where(User.id == user_id)).first()
    if row is None:
        return None
    if has_request_context():
        g.page_stamps = (user_id, (row[1] or 0, row[2] or 0))
    return row[0]


def read(user_id: int) -> tuple[int, int]:
    """(shared stamp, this user's stamp) in one query; 0 for a scope never bumped."""
    known = g.get("page_stamps") if has_request_context() else None
    if known and known[0] == user_id:
        return known[1]
    scopes = {SHARED: 0, user_scope(user_id): 0}
    for scope, value in db.session.execute(
            select(PageStamp.scope, PageStamp.value).where(PageStamp.scope.in_(scopes))):
        scopes[scope] = value
    return scopes[SHARED], scopes[user_scope(user_id)]


def touch_user(user_id: int, session: Session | None = None) -> None:
    """Bump a user's stamp in the current transaction (for writes made with Core)."""
    _bump(session or db.session(), {user_scope(user_id)})


def touch_shared(session: Session | None = None) -> None:
    _bump(session or db.session(), {SHARED})


def _bump(session: Session, scopes: set[str]) -> None:
    done = session.info.setdefault(_DONE, set())
    todo = sorted(scopes - done)  # one order everywhere: no lock-order deadlocks
    if not todo:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PageStamp.__table__).values([{"scope": s, "value": 1} for s in todo])
    statement = statement.on_conflict_do_update(
        index_elements=["scope"], set_={"value": PageStamp.__table__.c.value + 1})
    connection.execute(statement)
    done.update(todo)
    if has_request_context():
        g.pop("page_stamps", None)  # what was read before this write is out of date


def _scopes_of(instance) -> set[str]:
    declared = getattr(type(instance), "__cache_scope__", SHARED)  # undeclared: the safe one
    if declared == IGNORED:
        return set()
    if declared == CUSTOM:
        return set(instance.page_cache_scopes())
    if declared == OWNER:
        owner = getattr(instance, getattr(type(instance), "__cache_owner__", "user_id"), None)
        if isinstance(owner, int):
            return {user_scope(owner)}
    return {SHARED}


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    # (session.dirty builds a new set on every access: read it once, not per instance)
    changed = [i for i in session.dirty if session.is_modified(i)]
    scopes: set[str] = set()
    for instance in (*session.new, *changed, *session.deleted):
        scopes |= _scopes_of(instance)
    if scopes:
        _bump(session, scopes)


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction):
    # Any end, a savepoint's too: a rolled-back savepoint may have taken a bump with it,
    # and bumping again later in the same transaction costs one more increment.
    session.info.pop(_DONE, None)
