"""Names and dates the Japanese way, and sorting people by the reading of their name."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, get_locale, get_timezone
from sqlalchemy import case, func

from lms.auth.models import User
from lms.japanese.furigana import to_hiragana


def _japanese_ui() -> bool:
    return str(get_locale() or "en") == "ja"


def jp_date(value: date | datetime | None) -> str:
    """A date as the viewer's language writes it: 2026年11月26日 in the Japanese UI (a
    timestamp is taken in the viewer's zone first), '26 November 2026' in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(get_timezone()).date() if value.tzinfo else value.date()
    if _japanese_ui():
        return f"{value.year}年{value.month}月{value.day}日"
    return format_date(value, "long")


def person_name(user) -> str:
    """A person's name for the viewer: in the Japanese UI the Japanese form, which is
    written family name first (佐藤 健二, カリモフ・アジズ); elsewhere the Latin name as
    the person writes it."""
    if user is None:
        return ""
    if _japanese_ui() and getattr(user, "name_ja", None):
        return user.name_ja
    return user.name


def reading_key(user) -> tuple:
    """Sort key: people with a stored reading first, in gojūon order of the reading
    (katakana and hiragana alike), then the rest by their Latin name."""
    kana = getattr(user, "name_kana", None)
    if kana:
        return (0, to_hiragana(kana.replace(" ", "").replace("・", "")), user.name.casefold())
    return (1, (user.name or "").casefold(), "")


def sort_by_reading(users) -> list:
    return sorted(users, key=reading_key)


def reading_order() -> tuple:
    """ORDER BY clauses for ``select(User)`` that sort by name_kana where stored, then by
    name: use as ``stmt.order_by(*reading_order())`` (people list)."""
    return (case((User.name_kana.is_(None), 1), (User.name_kana == "", 1), else_=0),
            func.coalesce(User.name_kana, ""), User.name)
