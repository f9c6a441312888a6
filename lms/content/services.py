"""Signed content URLs and the rules for serving a package's files.

Uploaded HTML, SCORM and WebGL content runs in a sandboxed iframe (an opaque origin), so
the browser sends no SameSite=Lax cookie with the requests it makes for its scripts,
images and data. Access therefore comes from the URL itself:
``/content/<token>/<path>``, where the token is a timed signature of
``[version_id, user_id]``. Keeping the token in the path (not the query) means relative
URLs inside a package (``Build/game.wasm.gz``, ``../css/site.css``) keep working.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from lms.auth.models import User
from lms.authoring.models import Item, ModuleVersion
from lms.authoring.services import package_root
from lms.catalog.services import can_view
from lms.core.errors import NotFound
from lms.extensions import db

# app.extensions key: functions (token, version, path, served) -> a response or None that
# may serve a package page differently (SCORM pages get the API adapter); registered by the
# app factory, so content needs to know no feature above it.
PAGE_FILTERS = "content.page_filters"

TOKEN_SALT = "kakehashi-content"  # noqa: S105 - a salt, not a secret
DEFAULT_TOKEN_MAX_AGE = 12 * 3600
URL_PREFIX = "/content"

OCTET_STREAM = "application/octet-stream"
# Only these extensions are served as what they are; anything else is a download.
# Text types carry no charset on purpose where the file may declare its own
# (<meta charset="Shift_JIS"> in an old HTML page must keep working).
CONTENT_TYPES = {
    "html": "text/html", "htm": "text/html",
    "js": "text/javascript", "mjs": "text/javascript",
    "css": "text/css",
    "json": "application/json",
    "wasm": "application/wasm",
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "avif": "image/avif", "ico": "image/x-icon",
    "svg": "image/svg+xml",
    "mp4": "video/mp4", "webm": "video/webm", "ogv": "video/ogg", "m4v": "video/mp4",
    "mov": "video/quicktime",
    "mp3": "audio/mpeg", "ogg": "audio/ogg", "oga": "audio/ogg", "wav": "audio/wav",
    "m4a": "audio/mp4",
    "vtt": "text/vtt; charset=utf-8",
    "pdf": "application/pdf",
    "txt": "text/plain", "md": "text/plain; charset=utf-8",
    "xml": "application/xml", "xsd": "application/xml",
    "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
    "glb": "model/gltf-binary", "gltf": "model/gltf+json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    **dict.fromkeys(
        ("data", "bin", "unityweb", "blend", "unitypackage", "psd", "fbx", "obj", "kra",
         "aseprite"),
        OCTET_STREAM,
    ),
}  # fmt: skip
# Pre-compressed files (Unity/Godot WebGL builds): sent as-is with this Content-Encoding.
CONTENT_ENCODINGS = {"gz": "gzip", "br": "br"}
_FALLBACK_NAME_RE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class ServedFile:
    """How one package file is sent: its type, encoding and whether it is a download."""

    path: Path
    content_type: str
    encoding: str | None = None  # "gzip" or "br" for pre-compressed files
    attachment: bool = False


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def _not_found() -> NotFound:
    # One message for a bad token, lost access and a missing file alike: a 404 must not
    # tell a prober which of them was wrong.
    return NotFound(_("This content is not available. Open it again from its course page: "
                      "content links expire after a while."))


def content_token(version_id: int, user_id: int) -> str:
    """A URL-safe token that lets ``user_id`` load the files of module version
    ``version_id`` for ``CONTENT_TOKEN_MAX_AGE`` seconds (while they may view the course)."""
    return _serializer().dumps([int(version_id), int(user_id)])


def content_url(version: ModuleVersion, path: str, user) -> str:
    """The URL that serves ``path`` (relative to the package top) of ``version`` to ``user``.

    Absolute on ``CONTENT_ORIGIN`` when that is configured, else root-relative. Path
    segments are percent-encoded; a ``?query`` or ``#fragment`` in ``path`` (SCORM launch
    entries can carry parameters) is kept.
    """
    cut = min((i for i in (path.find("?"), path.find("#")) if i >= 0), default=len(path))
    file_part, rest = path[:cut], path[cut:]
    segments = "/".join(quote(part, safe="") for part in file_part.lstrip("/").split("/"))
    # '%' stays: the query is passed on as the package wrote it, already encoded.
    rest = quote(rest, safe="?#=&/%:;,+@!$'()*~")
    script_root = request.script_root if has_request_context() else ""
    url = f"{script_root}{URL_PREFIX}/{content_token(version.id, user.id)}/{segments}{rest}"
    origin = current_app.config.get("CONTENT_ORIGIN")
    return origin.rstrip("/") + url if origin else url


def resolve_token(token: str) -> tuple[ModuleVersion, User]:
    """The version and user a token was made for.

    Raises NotFound when the token is forged or expired, when the version or user no
    longer exists, when the account is deactivated, or when the user may no longer view
    the course (``catalog.services.can_view``).
    """
    max_age = current_app.config.get("CONTENT_TOKEN_MAX_AGE", DEFAULT_TOKEN_MAX_AGE)
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature
        raise _not_found() from None
    if (not isinstance(payload, list) or len(payload) != 2
            or not all(type(value) is int for value in payload)):
        raise _not_found()
    version = db.session.get(ModuleVersion, payload[0])
    user = db.session.get(User, payload[1])
    if version is None or user is None or not user.active:
        raise _not_found()
    if not can_view(user, version.module.course):
        raise _not_found()
    return version, user


def package_file(version: ModuleVersion, path: str) -> Path:
    """The file at ``path`` inside the version's package, or NotFound.

    Refuses ``..``, ``.``, empty segments, backslashes, anything that resolves (through
    symbolic links) outside the package, folders, and quiz files (they hold the answers).
    """
    if not path or "\\" in path or "\x00" in path:
        raise _not_found()
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise _not_found()
    try:
        root = package_root(version).resolve(strict=True)
        candidate = root.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        raise _not_found() from None
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise _not_found()
    if candidate.relative_to(root).as_posix() in _private_files(version):
        raise _not_found()
    return candidate


def _private_files(version: ModuleVersion) -> set[str]:
    entries = db.session.scalars(
        select(Item.entry).where(Item.version_id == version.id, Item.kind == "quiz"))
    return {entry for entry in entries if entry}


def describe_file(path: Path, *, download: bool = False) -> ServedFile:
    """Decide how ``path`` is sent: its Content-Type from the allowlist (anything else is
    an ``application/octet-stream`` attachment), and for ``name.<known>.gz``/``.br`` the
    inner type with ``Content-Encoding``. A download sends the stored bytes as they are."""
    name = path.name.lower()
    stem, _dot, extension = name.rpartition(".")
    if download:
        return ServedFile(path, CONTENT_TYPES.get(extension, OCTET_STREAM), None, True)
    if extension in CONTENT_ENCODINGS and "." in stem:
        inner = stem.rpartition(".")[2]
        if inner in CONTENT_TYPES:
            return ServedFile(path, CONTENT_TYPES[inner], CONTENT_ENCODINGS[extension])
    if extension in CONTENT_TYPES and stem:
        return ServedFile(path, CONTENT_TYPES[extension])
    return ServedFile(path, OCTET_STREAM, None, True)


def content_disposition(filename: str) -> str:
    """An ``attachment`` Content-Disposition value naming ``filename`` safely.

    The quoted ``filename`` is an ASCII fallback holding only letters, digits, '.', '_'
    and '-'; the real name goes in ``filename*`` percent-encoded (RFC 5987/6266), so
    quotes, semicolons or line breaks in a name can never shape the header.
    """
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_name = "".join(c for c in decomposed if not unicodedata.combining(c))
    fallback = _FALLBACK_NAME_RE.sub("_", ascii_name)[-150:].strip(".") or "download"
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
