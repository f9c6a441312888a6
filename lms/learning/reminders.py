"""Reminders of approaching deadlines: the "deadline" notification and who gets it.

Kept out of the notifier (lms/learning/notify.py delivers any kind of notification and
knows no feature): this module reads assignments and asks the notifier to deliver.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core.db import utcnow
from lms.extensions import db
from lms.learning import assignments, notify
from lms.learning.models import Notification


def _deadline_text(data: dict, *, zone=None, locale=None) -> str:
    item, course = notify.titles(data)
    due = data.get("due")
    when = notify.format_deadline(datetime.fromisoformat(due), zone, locale) if due else ""
    return _("“%(item)s” (%(course)s) is due %(due)s and you have not submitted "
             "anything yet.", item=item, course=course, due=when)


NOTIFICATIONS = (
    notify.NotificationKind("deadline", lambda: _("A deadline is coming up"), _deadline_text),
)


def notify_due_soon(now: datetime | None = None, window: timedelta = timedelta(hours=48)) -> int:
    """Warn enrolled students about assignments due within ``window`` that they have not
    submitted anything for. Idempotent: one "deadline" notification per student, item and
    deadline (a moved deadline is announced again). Returns how many were sent."""
    now = now or utcnow()
    candidates = assignments.due_soon_without_submission(now, window)
    user_ids = {student.id for student, _item, _due in candidates}
    announced = {
        (n.user_id, n.data.get("module_id"), n.data.get("item_key"), n.data.get("due"))
        for n in db.session.scalars(select(Notification).where(
            Notification.kind == "deadline", Notification.user_id.in_(user_ids)))
    } if user_ids else set()
    sent = 0
    for student, item, due in candidates:
        data = assignments.notification_data(item) | {"due": due.isoformat()}
        key = (student.id, data["module_id"], data["item_key"], data["due"])
        if key in announced:
            continue
        notify.notify(student, "deadline", data, f"/learning/items/{item.id}")
        announced.add(key)
        sent += 1
    return sent
