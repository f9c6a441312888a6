"""Bearer-token authentication for the JSON API (no cookies: CSRF cannot apply)."""

from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from lms.api.errors import ApiError
from lms.auth import services as auth_services


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_required(*roles: str):
    """Load the token's user into ``g.api_user``; 401 without a valid token, 403 for roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            found = auth_services.user_for_api_token(bearer_token() or "")
            if found is None:
                raise ApiError(401, "unauthorized",
                               _("A valid bearer token is required (POST /api/v1/auth/token)."))
            g.api_user, g.api_token = found
            if roles and g.api_user.role not in roles:
                raise ApiError(403, "forbidden", _("Your role may not do this."))
            return view(*args, **kwargs)

        return wrapped

    return decorator
