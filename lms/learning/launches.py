"""Launches: the one credential through which SCORM and HTML5 content may report.

The item page's content bridge (static/js/content-host.js) asks for a launch when a
learner opens a SCORM or HTML5 item and sends its token with every report. A launch is
bound to the learner and the item (and, once the SCO initialises, to that SCORM
attempt), lives ``LAUNCH_SECONDS`` from its last use and never longer than
``LAUNCH_MAX_SECONDS`` in all. The token is shown once; only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete

from lms.authoring.models import Item
from lms.core.db import utcnow
from lms.core.errors import Conflict, Forbidden
from lms.extensions import db
from lms.learning.models import Launch

LAUNCH_KINDS = ("scorm", "html5")
LAUNCH_SECONDS = 2 * 3600
LAUNCH_MAX_SECONDS = 12 * 3600
HEADER = "X-Kakehashi-Launch"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(seconds=current_app.config.get("LAUNCH_SECONDS", LAUNCH_SECONDS))


def open_launch(user, item: Item) -> tuple[str, Launch]:
    """A new launch of ``item`` for ``user`` (an enrolled learner: the caller checks);
    returns the token, which is not kept, and the row. Expired launches of the user are
    cleared on the way."""
    if item.kind not in LAUNCH_KINDS:
        raise Forbidden(_("Only SCORM and interactive items are launched."))
    now = utcnow()
    db.session.execute(delete(Launch).where(Launch.user_id == user.id,
                                            Launch.expires_at < now))
    token = secrets.token_urlsafe(32)
    launch = Launch(token_hash=_hash(token), user_id=user.id, item_id=item.id,
                    module_id=item.version.module_id, item_key=item.key, created_at=now,
                    expires_at=now + _lifetime())
    db.session.add(launch)
    db.session.commit()
    return token, launch


def require_launch(user, item: Item, token: str | None) -> Launch:
    """The live launch of this user and this item that ``token`` names, extended by its
    use; Forbidden otherwise (a missing, unknown, expired or another's launch), with what
    to do."""
    launch = db.session.get(Launch, _hash(token)) if token else None
    now = utcnow()
    if (launch is None or launch.user_id != user.id or launch.item_key != item.key
            or launch.module_id != item.version.module_id):
        raise Forbidden(_("This activity reports only through its launch, and this request "
                          "has none for you and this item: reload the page to open it "
                          "again."))
    if launch.expires_at <= now:
        raise Forbidden(_("This launch of the activity has expired: reload the page to open "
                          "it again (what was saved so far is kept)."))
    hard_stop = launch.created_at + timedelta(
        seconds=current_app.config.get("LAUNCH_MAX_SECONDS", LAUNCH_MAX_SECONDS))
    launch.expires_at = min(now + _lifetime(), hard_stop)
    return launch


def bind_attempt(launch: Launch, attempt_number: int) -> None:
    """Tie the launch to the SCORM attempt its first Initialize opened; a later call of
    this launch on another attempt is refused."""
    if launch.attempt is None:
        launch.attempt = attempt_number
    elif launch.attempt != attempt_number:
        raise Conflict(_("This launch belongs to attempt %(launched)d, not attempt "
                         "%(attempt)d: reload the page to start the new attempt.",
                         launched=launch.attempt, attempt=attempt_number))
