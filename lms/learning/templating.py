"""Template helpers for the item player: file URLs, Markdown, languages."""

from __future__ import annotations

import mimetypes
import posixpath

from flask import Flask, g
from flask_babel import get_locale, get_translations
from flask_login import current_user

from lms.authoring import kinds
from lms.core.markdown import render_markdown

VIDEO_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".webm": "video/webm",
               ".ogv": "video/ogg", ".mov": "video/quicktime"}


def item_file_url(version, path: str, download: bool = False) -> str:
    """A URL for a file of the version's package, signed for the viewer."""
    from lms.content.services import content_url

    url = content_url(version, path, current_user)
    return url + ("&" if "?" in url else "?") + "download=1" if download else url


def item_markdown(version, text: str, base: str | None = None):
    """Markdown rendered safely; relative links and images point into the package,
    resolved from the folder of ``base`` (the Markdown file's own path)."""
    folder = posixpath.dirname(base or "")

    def resolve(path: str):
        target = posixpath.normpath(posixpath.join(folder, path))
        if target.startswith("../") or target == "..":
            return None  # outside the package: leave it as written (it will not load)
        return item_file_url(version, target)

    from lms.japanese.services import viewer_furigana

    return render_markdown(text or "", resolve_url=resolve, furigana=viewer_furigana(text))


def item_language(texts: dict | None) -> str:
    """The language actually shown from a language dict (for the lang attribute)."""
    locale = str(get_locale() or "en")
    texts = texts or {}
    for lang in (locale, "en"):
        if texts.get(lang):
            return lang
    return next((k for k, v in texts.items() if v), locale)


def video_type(path: str) -> str:
    ext = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return VIDEO_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "video/mp4"


def unread_notifications() -> int:
    """How many notifications the signed-in user has not read (one query per request)."""
    from flask import g

    from lms.learning.notify import unread_count

    if not current_user.is_authenticated:
        return 0
    if "_unread" not in g:
        g._unread = unread_count(current_user)
    return g._unread


def _translations():
    """Flask-Babel's translations for the page, looked up once per locale per request
    rather than through four context lookups per string (a course page translates a few
    hundred). Keyed by the locale object Flask-Babel holds, so ``force_locale`` (a PDF in
    another language) still switches."""
    state = getattr(g, "_flask_babel", None) if g else None
    locale = getattr(state, "babel_locale", None)
    memo = getattr(state, "kakehashi_translations", None)
    if locale is not None and memo is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    state = getattr(g, "_flask_babel", None) if g else None
    if state is not None and getattr(state, "babel_locale", None) is not None:
        state.kakehashi_translations = (state.babel_locale, translations)
    return translations


def item_kind_label(kind: str) -> str:
    found = kinds.get(kind)
    return str(found.label) if found is not None else kind


def item_template(kind: str) -> str:
    found = kinds.get(kind)
    if found is None:
        raise LookupError(f"no item kind {kind!r} in lms.authoring.kinds.KINDS")
    return found.template_name


def register(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    from lms.learning import insights, trust

    app.jinja_env.globals.update(item_file_url=item_file_url, item_markdown=item_markdown,
                                 item_language=item_language, video_type=video_type,
                                 unread_notifications=unread_notifications,
                                 item_kind_label=item_kind_label, item_template=item_template,
                                 provenance_label=trust.label,
                                 trusted_choices=trust.SELECTABLE,
                                 trusted_defaults=trust.DEFAULT_TRUSTED,
                                 source_marks=insights.source_marks)
