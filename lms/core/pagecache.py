"""A per-worker cache of the pages a student opens most (dashboard, course, lesson).

A page is kept under everything it was rendered from: the URL, the user, the language,
the session's CSRF token, and the two change stamps (lms/core/stamps.py) read before
rendering. Any write to the user's rows or to shared content moves a stamp, so the next
request misses and renders afresh; nothing stale is served after a write commits.
What moves with the clock alone (due dates, "due today" counts) is bounded by
PAGE_CACHE_SECONDS. Pages with flashed messages are never cached or served from cache.
PAGE_CACHE_SECONDS = 0 turns the cache off.
"""

from __future__ import annotations

import hashlib
import threading
from functools import wraps

from cachetools import TTLCache
from flask import current_app, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from lms.core import stamps
from lms.core.i18n import current_language

_EXTENSION = "kakehashi_page_cache"


class PageCache:
    def __init__(self, entries: int, seconds: float):
        self._pages: TTLCache = TTLCache(maxsize=entries, ttl=seconds)
        self._lock = threading.Lock()  # gthread workers share one cache
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
            else:
                self.hits += 1
            return page

    def put(self, key, page: bytes) -> None:
        with self._lock:
            self._pages[key] = page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def init_app(app) -> None:
    seconds = float(app.config.get("PAGE_CACHE_SECONDS", 0) or 0)
    app.extensions[_EXTENSION] = PageCache(
        int(app.config.get("PAGE_CACHE_ENTRIES", 2000)), seconds) if seconds > 0 else None


def cache_of(app) -> PageCache | None:
    return app.extensions.get(_EXTENSION)


def _key() -> tuple:
    csrf = session.get("csrf_token")
    if csrf is None:  # the page carries the session's token: make sure it exists first
        generate_csrf()
        csrf = session.get("csrf_token") or ""
    return (request.endpoint, request.full_path, current_user.id, current_language(),
            hashlib.blake2b(csrf.encode(), digest_size=8).digest(),
            *stamps.read(current_user.id))


def cached_page(view):
    """Serve the view's HTML from the cache while the user's and the shared stamps stand."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = cache_of(current_app)
        if (cache is None or request.method != "GET" or not current_user.is_authenticated
                or session.get("_flashes")):
            return view(*args, **kwargs)
        key = _key()
        page = cache.get(key)
        if page is not None:
            return current_app.response_class(page, mimetype="text/html")
        response = current_app.make_response(view(*args, **kwargs))
        if (response.status_code == 200 and response.mimetype == "text/html"
                and not response.direct_passthrough and not session.get("_flashes")):
            cache.put(key, response.get_data())
        return response

    return wrapper
