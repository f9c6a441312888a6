"""Sign-in throttles, shared by the sign-in page and the API's token endpoint: failed
attempts counted per account and per address (Flask-Limiter; Redis when configured)."""

from __future__ import annotations

from flask import current_app, g, request

from lms.extensions import limiter


def _account_key() -> str:
    email = (request.form.get("email") or "").strip().lower()
    if not email and request.is_json:
        email = str((request.get_json(silent=True) or {}).get("email") or "").strip().lower()
    return "login-account:" + email[:254]


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def login_limits(view):
    """Throttle failed sign-ins per account and per address (pages and API alike)."""
    view = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
        key_func=_account_key,
        methods=["POST"],
        deduct_when=_login_failed,
        scope="login-account",
    )(view)
    return limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
        methods=["POST"],
        deduct_when=_login_failed,
        scope="login-address",
    )(view)
