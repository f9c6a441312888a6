"""``/content/<token>/<path>``: a package's files, sandboxed, for the holder of the token.

No ``login_required``: a sandboxed frame sends no cookies with its sub-requests, so the
signed token in the path is the credential (see ``content.services``).
"""

from __future__ import annotations

from flask import current_app, request, send_file

from lms.content import bp, services

SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads " \
          "allow-pointer-lock"
# Never allow-same-origin: the content must not share the platform's origin. Unity and
# Godot builds need eval and WebAssembly compilation; both stay inside the sandbox.
SOURCES = "default-src 'self' 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval' data: blob:"
CACHE_OK = "private, max-age=3600"


def content_security_policy() -> str:
    """The CSP sent with every content response.

    No ``frame-ancestors`` (and no X-Frame-Options, see lms.core.security): a package's
    own pages frame each other, and inside the sandbox their parent has an opaque origin
    that no ancestor list can name. Framing content is harmless: it runs sandboxed, sees
    no cookies and can act for nobody; its URL token is its only credential.
    """
    return f"{SANDBOX}; {SOURCES}"


@bp.get("/<token>/<path:path>", merge_slashes=False)
def serve(token: str, path: str):
    """Send one package file (GET and HEAD; Range requests answer 206 for video)."""
    version, _user = services.resolve_token(token)
    file_path = services.package_file(version, path)
    download = request.args.get("download") == "1"
    served = services.describe_file(file_path, download=download)
    # Page filters other features plug in (listed in lms/__init__.py: _register_hooks):
    # SCORM pages get the run-time API adapter's <script> (lms/learning/scorm.py).
    for page_filter in current_app.extensions.get(services.PAGE_FILTERS, ()):
        if (page := page_filter(token, version, path, served)) is not None:
            return page
    response = send_file(file_path, mimetype=served.content_type, conditional=True, etag=True)
    # Exactly our type: send_file would add "; charset=utf-8" to every text type, which
    # would override an HTML page's own <meta charset>.
    response.headers["Content-Type"] = served.content_type
    if served.encoding:
        response.headers["Content-Encoding"] = served.encoding
        response.vary.add("Accept-Encoding")
    # send_file names every file (inline) in its own way; only downloads get a name, ours.
    response.headers.pop("Content-Disposition", None)
    if served.attachment:
        response.headers["Content-Disposition"] = services.content_disposition(file_path.name)
    return response


@bp.after_request
def _sandbox_headers(response):
    # Runs for error pages of this blueprint too (a 404 page is sandboxed like the rest).
    # Set, not setdefault: lms.core.security only fills in what is still missing.
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy()
    headers["X-Content-Type-Options"] = "nosniff"
    # A sandboxed frame has an opaque origin ("null"), so to the browser every file it
    # loads from its own package is cross-origin: CORP same-site would block its <script>
    # and <img> loads (ERR_BLOCKED_BY_RESPONSE.NotSameSite) and, without CORS, fetch()
    # and XHR (how Unity loads .data and .wasm) fail. Both are safe to open here: the
    # token in the URL is the only credential, never a cookie, and credentialed CORS
    # requests stay refused ('*' excludes them).
    headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Referrer-Policy"] = "no-referrer"
    if response.status_code < 400:
        if headers.get("Cache-Control") != "no-store":  # state-carrying responses stay fresh
            headers["Cache-Control"] = CACHE_OK
        headers.pop("Expires", None)
    else:
        # A 404 (expired link, access not yet granted) must not be remembered for an hour.
        headers["Cache-Control"] = "no-store"
    return response
