"""HTTP caching and compression.

Static files are fingerprinted: ``url_for('static', filename=...)`` adds ``?v=<hash of
the file>``, and a request carrying the current hash is answered as immutable for a
year, so browsers never ask again until the file changes (a new hash, a new URL). A
request without it (or with an old hash) gets ``no-cache``: it revalidates by ETag and
gets 304 when nothing changed.

Responses are compressed (brotli, zstd or gzip, as the browser accepts) by
Flask-Compress: CSS, JavaScript, JSON, CSV, SVG, XML and plain text. HTML pages are
not: they carry the CSRF token and personal data next to text an attacker can choose
(a search term, a course code in a 404), which is what BREACH needs to read secrets
from compressed sizes.
"""

from __future__ import annotations

import hashlib
import os
import threading

from flask import Flask, request
from flask_compress import Compress

COMPRESSED = ["text/css", "text/javascript", "application/javascript", "application/json",
              "application/ld+json", "text/csv", "text/plain", "image/svg+xml",
              "application/xml", "text/xml", "application/manifest+json"]
YEAR = 365 * 24 * 3600

compress = Compress()


class Fingerprints:
    """Content hashes of static files, recomputed when a file's mtime or size changes."""

    def __init__(self, folder: str):
        self.folder = folder
        self._known: dict[str, tuple[float, int, str]] = {}
        self._lock = threading.Lock()

    def of(self, filename: str) -> str | None:
        path = os.path.join(self.folder, filename)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        with self._lock:
            known = self._known.get(filename)
        if known and known[:2] == (stat.st_mtime, stat.st_size):
            return known[2]
        digest = hashlib.blake2b(digest_size=6)
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
        value = digest.hexdigest()
        with self._lock:
            self._known[filename] = (stat.st_mtime, stat.st_size, value)
        return value


def register(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED)
    compress.init_app(app)
    fingerprints = Fingerprints(app.static_folder)

    @app.url_defaults
    def _fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = fingerprints.of(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _static_caching(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        if response.direct_passthrough and response.mimetype in COMPRESSED:
            # Read the (small) file here and close it: Flask-Compress would read the
            # file wrapper for compressing but never close it.
            wrapper = response.response
            response.direct_passthrough = False
            try:
                response.set_data(b"".join(wrapper))
            finally:
                getattr(wrapper, "close", lambda: None)()
        version = request.args.get("v")
        filename = (request.view_args or {}).get("filename")
        if version and filename and version == fingerprints.of(filename):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response
