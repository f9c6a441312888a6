"""xAPI 1.0.3 out: learning events rendered as statements, the statement query the API
serves, and forwarding to an external LRS through the database outbox.

Activity IRIs are built from stable keys (course code, module key, item key) under the
platform URL, so an item keeps its IRI across module versions.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import and_, false, func, or_, select

from lms.auth.models import User
from lms.authoring import kinds
from lms.authoring.models import Item, Module, ModuleVersion
from lms.catalog.models import Course, course_instructors
from lms.core.db import utcnow
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.learning.models import LearningEvent, XapiOutbox
from lms.learning.progress import VERBS

XAPI_VERSION = "1.0.3"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"
MODULE_TYPE = ADL_ACTIVITY + "module"
COURSE_TYPE = ADL_ACTIVITY + "course"
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(minutes=1)
_IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_VERB_NAMES = {iri: name for name, iri in VERBS.items()}


# --- IRIs --------------------------------------------------------------------------


def platform_url(*, required: bool = False) -> str:
    """The platform's base URL, the root of every IRI: PLATFORM_URL when configured
    (it should be, so IRIs never depend on the host name a request used), else the
    request's root. ``required``: raise when it is not configured (background work)."""
    configured = current_app.config.get("PLATFORM_URL")
    if configured:
        return str(configured).rstrip("/")
    if required or not has_request_context():
        raise ValidationError(_("Set PLATFORM_URL (for example https://lms.jdu.uz) so that "
                                "xAPI statements carry stable activity IRIs."))
    return request.url_root.rstrip("/")


def activity_type(kind: str) -> str:
    """The xAPI activity type of an item kind (its module in lms/authoring/kinds/)."""
    found = kinds.get(kind)
    return found.activity_type if found is not None else ADL_ACTIVITY + "lesson"


def _segment(value: str) -> str:
    return quote(str(value), safe="")


def course_iri(base: str, course_code: str) -> str:
    return f"{base}/xapi/activities/course/{_segment(course_code)}"


def module_iri(base: str, course_code: str, module_key: str) -> str:
    return f"{course_iri(base, course_code)}/module/{_segment(module_key)}"


def item_iri(base: str, course_code: str, module_key: str, item_key: str) -> str:
    return f"{module_iri(base, course_code, module_key)}/item/{_segment(item_key)}"


def parse_item_iri(base: str, iri: str) -> tuple[str, str, str] | None:
    """(course code, module key, item key) of one of our item IRIs, else None."""
    prefix = f"{base}/xapi/activities/course/"
    if not iri.startswith(prefix):
        return None
    parts = iri[len(prefix):].split("/")
    if len(parts) != 5 or parts[1] != "module" or parts[3] != "item":
        return None
    return unquote(parts[0]), unquote(parts[2]), unquote(parts[4])


def is_iri(value) -> bool:
    return isinstance(value, str) and bool(_IRI_RE.match(value))


def _when(value: datetime) -> str:
    # Full precision (xAPI asks for at least milliseconds): a client that passes the last
    # ``stored`` it saw as ``since`` must not get that statement again.
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def agent(base: str, user: User) -> dict:
    """An Agent identified by account (the user id), never by e-mail: statements are seen
    by the course's instructors and may leave the platform for an LRS."""
    return {"objectType": "Agent", "name": user.name,
            "account": {"homePage": base, "name": str(user.id)}}


def _language_map(texts: dict | None, fallback: str) -> dict:
    texts = {k: v for k, v in (texts or {}).items() if isinstance(v, str) and v}
    return texts or {"en": fallback}


# --- rendering ---------------------------------------------------------------------


def _event_query():
    return (select(LearningEvent, User, Item, ModuleVersion, Module, Course)
            .join(User, User.id == LearningEvent.user_id)
            .join(Item, Item.id == LearningEvent.item_id)
            .join(ModuleVersion, ModuleVersion.id == Item.version_id)
            .join(Module, Module.id == LearningEvent.module_id)
            .join(Course, Course.id == LearningEvent.course_id))


def render_statement(base: str, event: LearningEvent, user: User, item: Item,
                     version: ModuleVersion, module: Module, course: Course) -> dict:
    """The event as an xAPI 1.0.3 Statement (with ``stored`` and ``authority``, as an
    LRS returns it)."""
    verb_name = _VERB_NAMES.get(event.verb, event.verb.rstrip("/").rsplit("/", 1)[-1])
    module_activity = {
        "objectType": "Activity", "id": module_iri(base, course.code, module.key),
        "definition": {"name": _language_map(version.title, module.key), "type": MODULE_TYPE},
    }
    course_activity = {
        "objectType": "Activity", "id": course_iri(base, course.code),
        "definition": {"name": _language_map(course.title, course.code), "type": COURSE_TYPE},
    }
    statement = {
        "id": event.id,
        "actor": agent(base, user),
        "verb": {"id": event.verb, "display": {"en-US": verb_name}},
        "object": {
            "objectType": "Activity",
            "id": item_iri(base, course.code, module.key, event.item_key),
            "definition": {
                "name": _language_map(item.title, event.item_key),
                "type": activity_type(item.kind),
            },
        },
        "context": {
            "platform": "Kakehashi",
            "contextActivities": {"parent": [module_activity], "grouping": [course_activity]},
            "extensions": {
                f"{base}/xapi/extensions/module-version":
                    (event.context or {}).get("module_version", version.number),
            },
        },
        "timestamp": _when(event.timestamp),
        "stored": _when(event.stored),
        "version": XAPI_VERSION,
        "authority": {"objectType": "Agent", "name": "Kakehashi",
                      "account": {"homePage": base, "name": "kakehashi"}},
    }
    if event.result:
        result = dict(event.result)
        if "extensions" in result:
            # xAPI wants IRI keys; anything else recorded is kept out of the statement.
            result["extensions"] = {k: v for k, v in (result["extensions"] or {}).items()
                                    if is_iri(k)}
            if not result["extensions"]:
                del result["extensions"]
        statement["result"] = result
    return statement


# --- the statement query (GET /api/v1/xapi/statements) -------------------------------


@dataclass
class StatementQuery:
    agent: str | None = None  # JSON Agent, "mailto:...", or an account name (user id)
    verb: str | None = None
    activity: str | None = None
    since: datetime | None = None  # stored, exclusive
    until: datetime | None = None  # stored, inclusive
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass
class StatementPage:
    statements: list[dict]
    next_cursor: str | None


def parse_timestamp(value: str, name: str) -> datetime:
    """An ISO 8601 date-time with a zone (Z or +05:00) as aware UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError(_("'%(name)s' must be an ISO 8601 date-time such as "
                                "2026-04-01T09:00:00Z.", name=name)) from exc
    if parsed.tzinfo is None:
        raise ValidationError(_("'%(name)s' needs a time zone, e.g. Z or +05:00.", name=name))
    return parsed.astimezone(UTC)


def parse_limit(value: str | None) -> int:
    if value in (None, ""):
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError as exc:
        raise ValidationError(_("'limit' must be a whole number from 0 to %(max)d.",
                                max=MAX_LIMIT)) from exc
    if limit < 0:
        raise ValidationError(_("'limit' must be a whole number from 0 to %(max)d.",
                                max=MAX_LIMIT))
    return MAX_LIMIT if limit == 0 or limit > MAX_LIMIT else limit  # 0: the server's maximum


def encode_cursor(stored: datetime, event_id: str) -> str:
    raw = json.dumps([stored.astimezone(UTC).isoformat(), event_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stored, event_id = json.loads(raw)
        return datetime.fromisoformat(stored).astimezone(UTC), str(event_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValidationError(_("The 'cursor' is not valid; start again without it.")) from exc


def _agent_user_id(base: str, value: str) -> int | None:
    """The user an agent filter names, or None when it names nobody we know."""
    value = value.strip()
    mbox = account = None
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError as exc:
            raise ValidationError(_("'agent' must be a JSON Agent object, a mailto: IRI or "
                                    "an account name.")) from exc
        if not isinstance(data, dict):
            raise ValidationError(_("'agent' must be a JSON Agent object, a mailto: IRI or "
                                    "an account name."))
        mbox = data.get("mbox")
        if isinstance(data.get("account"), dict):
            acc = data["account"]
            if acc.get("homePage") not in (None, base):
                return None
            account = acc.get("name")
    elif value.startswith("mailto:"):
        mbox = value
    else:
        account = value
    if isinstance(mbox, str) and mbox.startswith("mailto:"):
        return db.session.scalar(select(User.id).where(User.email == mbox[7:].strip().lower()))
    if isinstance(account, str) and account.isdigit():
        return int(account)
    return None


def visible_events(viewer):
    """SQL condition: the events ``viewer`` may read. Students their own; instructors
    every student's in the courses they teach; administrators all."""
    if viewer.role == "admin":
        return None
    if viewer.role == "instructor":
        return LearningEvent.course_id.in_(select(course_instructors.c.course_id).where(
            course_instructors.c.user_id == viewer.id))
    return LearningEvent.user_id == viewer.id


def query_statements(viewer, query: StatementQuery) -> StatementPage:
    """Statements the viewer may see, filtered, ordered by ``stored`` (then id), at most
    ``query.limit``; ``next_cursor`` continues after the last one. One query."""
    base = platform_url()
    stmt = _event_query()
    visible = visible_events(viewer)
    if visible is not None:
        stmt = stmt.where(visible)
    if query.agent:
        user_id = _agent_user_id(base, query.agent)
        stmt = stmt.where(LearningEvent.user_id == user_id if user_id is not None else false())
    if query.verb:
        verb = VERBS.get(query.verb, query.verb)
        stmt = stmt.where(LearningEvent.verb == verb)
    if query.activity:
        parsed = parse_item_iri(base, query.activity)
        if parsed is None:
            stmt = stmt.where(false())
        else:
            code, module_key, item_key = parsed
            stmt = stmt.where(Course.code == code, Module.key == module_key,
                              LearningEvent.item_key == item_key)
    if query.since:
        stmt = stmt.where(LearningEvent.stored > query.since)
    if query.until:
        stmt = stmt.where(LearningEvent.stored <= query.until)
    if query.cursor:
        after_stored, after_id = decode_cursor(query.cursor)
        stmt = stmt.where(or_(LearningEvent.stored > after_stored,
                              and_(LearningEvent.stored == after_stored,
                                   LearningEvent.id > after_id)))
    limit = min(max(query.limit, 1), MAX_LIMIT)
    rows = db.session.execute(
        stmt.order_by(LearningEvent.stored, LearningEvent.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    statements = [render_statement(base, *row) for row in rows]
    cursor = encode_cursor(rows[-1][0].stored, rows[-1][0].id) if more else None
    return StatementPage(statements, cursor)


# --- forwarding to an external LRS --------------------------------------------------

Post = Callable[[str, bytes, dict], int]


@dataclass
class ForwardReport:
    sent: int = 0  # statements the LRS accepted
    failed: int = 0  # statements to try again later
    errors: list[str] = field(default_factory=list)


def http_post(url: str, data: bytes, headers: dict, timeout: float = 30) -> int:
    """POST with urllib; the HTTP status (errors included). Network failures raise OSError."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"the LRS URL must be http(s): {url}")
    # The scheme is checked above: no file: or other surprises.
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310 # nosec B310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 # nosec B310
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        try:
            exc.read()
        finally:
            exc.close()
        return exc.code


def backoff(tries: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failure, never more than an hour."""
    return min(FIRST_BACKOFF * (2 ** max(tries - 1, 0)), MAX_BACKOFF)


def _lrs_headers() -> dict:
    config = current_app.config
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": XAPI_VERSION}
    username = config.get("XAPI_LRS_USERNAME")
    if username:
        secret = f"{username}:{config.get('XAPI_LRS_PASSWORD') or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(secret).decode()
    return headers


def forward_pending(limit: int = 100, now: datetime | None = None, post: Post | None = None,
                    batch_size: int = 50) -> ForwardReport:
    """Send due outbox rows (at most ``limit``) to ``<XAPI_LRS_URL>/statements``,
    ``batch_size`` statements per POST. A batch the LRS answers with 200 or 204 is marked
    sent and never sent again; any other answer or a network error leaves it for later:
    ``tries`` + 1, ``next_try_at`` after an exponential back-off capped at one hour,
    ``last_error`` says what happened. Each batch is committed before the next, and on
    PostgreSQL locked with SKIP LOCKED, so two forwarders never send the same row."""
    lrs = current_app.config.get("XAPI_LRS_URL")
    if not lrs:
        raise ValidationError(_("Set XAPI_LRS_URL (and XAPI_LRS_USERNAME / "
                                "XAPI_LRS_PASSWORD) to forward statements to an LRS."))
    base = platform_url(required=True)
    url = str(lrs).rstrip("/") + "/statements"
    post = post or http_post
    headers = _lrs_headers()
    report = ForwardReport()
    while report.sent + report.failed < limit:
        moment = now or utcnow()
        size = min(batch_size, limit - report.sent - report.failed)
        rows = db.session.execute(
            _event_query().add_columns(XapiOutbox)
            .join(XapiOutbox, XapiOutbox.event_id == LearningEvent.id)
            .where(XapiOutbox.sent_at.is_(None), XapiOutbox.next_try_at <= moment)
            .order_by(XapiOutbox.next_try_at, XapiOutbox.id).limit(size)
            .with_for_update(of=XapiOutbox, skip_locked=True)).all()
        if not rows:
            break
        statements = []
        for row in rows:
            statement = render_statement(base, *row[:6])
            # The LRS sets these itself from its own clock and our credentials.
            statement.pop("stored")
            statement.pop("authority")
            statements.append(statement)
        body = json.dumps(statements, ensure_ascii=False).encode("utf-8")
        error = None
        try:
            status = post(url, body, headers)
            if status not in (200, 204):
                error = f"HTTP {status} from {url}"
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        outbox = [row[6] for row in rows]
        if error is None:
            for entry in outbox:
                entry.sent_at, entry.last_error = moment, None
            report.sent += len(outbox)
        else:
            for entry in outbox:
                entry.tries += 1
                entry.next_try_at = moment + backoff(entry.tries)
                entry.last_error = error[:500]
            report.failed += len(outbox)
            report.errors.append(error)
        db.session.commit()
    return report


def pending_count(now: datetime | None = None) -> int:
    """Outbox rows due now (not sent, not waiting for a retry)."""
    return db.session.scalar(select(func.count()).select_from(XapiOutbox).where(
        XapiOutbox.sent_at.is_(None), XapiOutbox.next_try_at <= (now or utcnow()))) or 0
