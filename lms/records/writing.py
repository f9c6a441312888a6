"""The one rule every records service follows when it fails part-way."""

from __future__ import annotations

import functools

from lms.extensions import db


def rollback_on_error(func):
    """A service that fails part-way leaves nothing behind in the session: whatever it
    flushed is rolled back before the error reaches the caller (a page, the API, the CLI),
    so a later commit in the same request cannot write half a change."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise

    return wrapper
