"""Notifications: an in-app row for every event a learner should hear about, plus an e-mail.

``notify`` stores a Notification and sends an e-mail in the recipient's language: through
SMTP when ``MAIL_SERVER`` is configured, otherwise as an ``.eml`` file in the outbox folder
(``MAIL_OUTBOX``, default ``instance/outbox/``) so development and tests can read what
would have been sent. A failing mail server never loses the in-app notification.

The text of a notification is built when it is shown (``notification_text``), from its
kind and data, so it appears in the reader's current language.
"""

from __future__ import annotations

import os
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, has_request_context, request
from flask_babel import force_locale, get_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.core import stamps
from lms.core.db import utcnow
from lms.core.i18n import pick
from lms.core.security import is_local_path
from lms.extensions import db
from lms.learning.models import Notification

# --- deadlines as text (shared with the assignment pages) -------------------------------


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_deadline(when: datetime, zone: str | None = None, locale: str | None = None) -> str:
    """``when`` in the zone ``zone`` with the zone named: "31 Dec 2026, 23:59 (Asia/Tashkent)".

    Without ``zone``/``locale`` the viewer's (Flask-Babel's) zone and language are used.
    """
    if zone is None:
        zone = str(get_timezone() or "") if has_request_context() else None
    tz = zone_of(zone)
    locale = locale or str(get_locale() or "en")
    pattern = "y年M月d日 H:mm" if locale.startswith("ja") else "d MMM y, HH:mm"
    text = babel_format_datetime(when, pattern, tzinfo=tz, locale=locale)
    return f"{text} ({tz.key})"


# --- messages ----------------------------------------------------------------------------


def score_text(value) -> str:
    """A score as notifications print it: 85, 85.5, or — for none."""
    if value is None:
        return "—"
    number = float(value)
    return f"{number:g}" if number == int(number) else f"{number:.2f}".rstrip("0")


@dataclass(frozen=True)
class NotificationKind:
    """One kind of notification: its name (stored with each row), the e-mail subject, and
    the sentence that tells the reader what happened, built when it is shown from the
    row's ``data`` (titles as language dicts, scores, ISO times) in the reader's language
    and time zone. The feature that sends it defines it; the app factory lists them all
    (lms/__init__.py: _register_hooks -> ``register_kinds``)."""

    name: str
    subject: Callable[[], str]
    text: Callable[..., str]  # text(data, zone=..., locale=...) -> str


_KINDS = "learning.notification_kinds"


def register_kinds(app, kinds) -> None:
    app.extensions[_KINDS] = {kind.name: kind for kind in kinds}


def kinds() -> dict[str, NotificationKind]:
    return current_app.extensions.get(_KINDS, {})


def titles(data: dict) -> tuple[str, str]:
    """(item, course) as a notification names them, in the current language."""
    data = data or {}
    return (pick(data.get("item_title")) or data.get("item_key", ""),
            pick(data.get("course_title")) or data.get("course", ""))


def notification_text(kind: str, data: dict, *, zone: str | None = None,
                      locale: str | None = None) -> str:
    """The sentence that tells the reader what happened, in the current language."""
    found = kinds().get(kind)
    if found is not None:
        return found.text(data or {}, zone=zone, locale=locale)
    course = titles(data)[1]
    return _("Something changed in %(course)s.", course=course or "Kakehashi")


def _subject(kind: str) -> str:
    found = kinds().get(kind)
    return found.subject() if found is not None else _("Kakehashi notification")


# --- notify ------------------------------------------------------------------------------


def notify(user, kind: str, data: dict, link: str | None) -> Notification:
    """Store a notification for ``user`` and e-mail it to them.

    ``data`` holds what the message needs (titles as language dicts, scores, ISO times);
    ``link`` is a path inside the platform (``/learning/...``). Commits. The e-mail is best
    effort: a failure is logged and the notification stays.
    """
    if kind not in kinds():
        raise ValueError(f"unknown notification kind {kind!r}")
    row = Notification(user_id=user.id, kind=kind, data=dict(data or {}), link=link,
                       created_at=utcnow())
    db.session.add(row)
    db.session.commit()
    try:
        send_email(user, kind, row.data, link)
    except Exception:  # mail is best effort; the in-app row is what counts
        current_app.logger.exception("could not e-mail notification %s to user %s",
                                     row.id, user.id)
    return row


def _absolute(link: str | None) -> str | None:
    if not link:
        return None
    origin = current_app.config.get("PLATFORM_ORIGIN")
    if origin:
        return origin.rstrip("/") + link
    if has_request_context():
        return request.host_url.rstrip("/") + link
    return link


def build_email(user, kind: str, data: dict, link: str | None) -> EmailMessage:
    """The e-mail for one notification, written in the user's language and time zone."""
    locale = user.locale or "en"
    with force_locale(locale):
        text = notification_text(kind, data, zone=user.timezone, locale=locale)
        subject = _subject(kind)
        lines = [_("Hello %(name)s,", name=user.name), "", text, ""]
        url = _absolute(link)
        if url:
            lines += [_("Open it here: %(url)s", url=url), ""]
        lines += ["—", _("Kakehashi — a bridge between Japan Digital University and its "
                         "Japanese partners.")]
    message = EmailMessage()
    message["Subject"] = f"[Kakehashi] {subject}"
    message["From"] = current_app.config.get("MAIL_DEFAULT_SENDER",
                                             "Kakehashi <no-reply@kakehashi.invalid>")
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="kakehashi.invalid")
    message.set_content("\n".join(lines))  # UTF-8: Japanese names and text arrive intact
    return message


def send_email(user, kind: str, data: dict, link: str | None) -> Path | None:
    """Send by SMTP (``MAIL_SERVER``) or write into the outbox; returns the .eml path then."""
    if not user.email:
        return None
    message = build_email(user, kind, data, link)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        port = int(config.get("MAIL_PORT", 25))
        smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], port, timeout=20) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
        return None
    outbox = Path(config.get("MAIL_OUTBOX", os.path.join(current_app.instance_path, "outbox")))
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{kind}-{uuid.uuid4().hex[:12]}.eml"
    path.write_bytes(bytes(message))
    return path


# --- reading and marking -----------------------------------------------------------------


def notifications_of(user, limit: int = 200) -> list[Notification]:
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_all_read(user) -> int:
    """Mark every unread notification of ``user`` read; returns how many changed."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    stamps.touch_user(user.id)
    db.session.commit()
    return result.rowcount or 0


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()


def safe_link(link: str | None) -> str | None:
    """Only paths inside the platform are followed (never another site)."""
    return link if is_local_path(link) else None
