"""Security headers on every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request


def is_local_path(target: str | None) -> bool:
    """A path on this site, safe to redirect to: no scheme, no host, no protocol-relative
    or backslash tricks, and no control characters (browsers drop tabs and line breaks
    from a Location, so "/\t/evil.example" would become "//evil.example")."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)


def content_security_policy() -> str:
    frame_src = "'self'"
    if current_app.config.get("CONTENT_ORIGIN"):
        frame_src += " " + current_app.config["CONTENT_ORIGIN"]
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "font-src 'self'",
            "connect-src 'self'",
            f"frame-src {frame_src}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


def register(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        headers = response.headers
        # Untrusted content routes set their own sandboxing CSP; keep theirs.
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.blueprint != "content":  # sandboxed package pages frame each other
            headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if current_app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint and not request.endpoint.endswith("static"):
            # Pages show personal data: never let a shared cache keep them.
            headers.setdefault("Cache-Control", "no-store")
        return response
