"""Locale and time-zone selection, and template helpers for languages."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user


def supported_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The user's setting, then the choice made while signed out, then Accept-Language."""
    languages = supported_languages()
    if not has_request_context():  # CLI and background work: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def current_language() -> str:
    """The language of the page being rendered: 'en', 'ja', 'uz' or 'ru'."""
    return str(get_locale() or "en").split("_")[0]


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def pick(texts: dict | None, locale: str | None = None) -> str:
    """Choose the best text from a language dict: the locale, then English, then any."""
    if not texts:
        return ""
    locale = locale or str(get_locale() or "en")
    for lang in (locale, "en"):
        if texts.get(lang):
            return texts[lang]
    return next((v for v in texts.values() if v), "")


def display_name(user) -> str:
    """The name to show: the Japanese form in the Japanese UI when there is one."""
    if str(get_locale() or "en") == "ja" and getattr(user, "name_ja", None):
        return user.name_ja
    return user.name


def role_label(role: str) -> str:
    labels = {"student": _("Student"), "instructor": _("Instructor"), "admin": _("Administrator")}
    return labels.get(role, role)


def when(value, format: str = "medium") -> str:
    """A UTC timestamp in the viewer's time zone, the zone named: '27 Nov 2026, 04:17
    (Asia/Tashkent)'. Students and instructors live in different zones."""
    from flask_babel import format_datetime, get_timezone

    if value is None:
        return ""
    return f"{format_datetime(value, format)} ({get_timezone().zone})"


def register(app: Flask) -> None:
    app.jinja_env.filters["pick"] = pick
    app.jinja_env.filters["when"] = when
    app.jinja_env.globals.update(display_name=display_name, role_label=role_label)

    @app.context_processor
    def _languages():
        locale = str(get_locale() or "en")
        g.locale = locale
        return {
            "languages": current_app.config["LANGUAGES"],
            "current_locale": locale,
        }
