"""Role checks used by views. Access is checked in one place per view."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

ROLES = ("student", "instructor", "admin")


def role_required(*roles: str):
    """Signed-in users with one of ``roles`` pass; others get 403 (anonymous: login)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required("admin")
