"""What each native item kind reads from its module.yaml entry: files, settings, content.

``read_kind`` is called by ``packages.parse_native`` once the common item fields are read.
Settings come back complete, defaults filled in; unknown settings are problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from yaml.nodes import Node

from lms.authoring.quizfile import parse_quiz_file
from lms.authoring.yamlcheck import Fields, YamlFile, read_text
from lms.core.errors import Problem

NATIVE_KINDS = ("page", "video", "asset", "quiz", "assignment", "html5")
COMMON_ITEM_FIELDS = ("key", "kind", "title", "required", "weight", "settings")
KIND_FIELDS = {
    "page": ("file", "files"),
    "video": ("file", "captions"),
    "asset": ("file", "description"),
    "quiz": ("file",),
    "assignment": ("file", "files"),
    "html5": ("file",),
}
VIDEO_EXTENSIONS = (".mp4", ".webm", ".ogv", ".m4v")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")
DEFAULT_ALLOWED_TYPES = ["pdf", "png", "jpg", "jpeg", "gif", "webp", "mp4", "webm", "zip", "txt"]
_EXTENSION_RE = re.compile(r"^[a-z0-9]{1,16}$")


@dataclass
class KindParts:
    """The kind-specific part of a ParsedItem."""

    entry: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] = field(default_factory=dict)


def read_kind(doc: YamlFile, kind: str, item: Fields, settings: Fields) -> KindParts:
    """Read the fields and settings of a ``kind`` item (one of NATIVE_KINDS)."""
    return _READERS[kind](doc, item, settings)


def _page(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry, markdown = _markdown(doc, item, required=True)
    settings.reject_unknown((), settings_of="page")
    return KindParts(entry, {}, {"markdown": markdown})


def _video(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry = doc.package_file(item.require("file"), "file", VIDEO_EXTENSIONS)
    captions = doc.lang_files(item.get("captions"), "captions", (".vtt",), need_en=False) or {}
    for name in captions.values():
        text = read_text(doc.root, name, doc.problems)
        if text is not None and not text.startswith("WEBVTT"):
            message = _("is not WebVTT: it must start with WEBVTT (convert .srt captions first)")
            doc.problems.append(Problem(message, name, 1))
    values = {
        "complete_at": doc.number(
            settings.get("complete_at"), "complete_at", 0.9, lo=0, hi=1, lo_open=True
        ),
        "poster": doc.package_file(settings.get("poster"), "poster", IMAGE_EXTENSIONS),
    }
    settings.reject_unknown(values, settings_of="video")
    return KindParts(entry, values, {"captions": captions})


def _asset(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry = doc.package_file(item.require("file"), "file")
    description = doc.lang_text(item.get("description"), "description")
    content: dict[str, Any] = {"size": (doc.root / entry).stat().st_size if entry else 0}
    if description:
        content["description"] = description
    settings.reject_unknown((), settings_of="asset")
    return KindParts(entry, {}, content)


def _quiz(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry = doc.package_file(item.require("file"), "file", (".yaml", ".yml"))
    questions = parse_quiz_file(doc.root, entry, doc.problems) if entry else []
    values = {
        "attempts": doc.number(settings.get("attempts"), "attempts", 0, lo=0, whole=True),
        "time_limit": doc.number(
            settings.get("time_limit"), "time_limit", None, lo=0, lo_open=True, whole=True
        ),
        "pass_score": _pass_score(doc, settings),
        "feedback": doc.choice(
            settings.get("feedback"), "feedback", ("immediate", "deferred"), "immediate"
        ),
        "scoring": doc.choice(
            settings.get("scoring"), "scoring", ("best", "last", "average"), "best"
        ),
        "shuffle": doc.flag(settings.get("shuffle"), "shuffle", False),
    }
    settings.reject_unknown(values, settings_of="quiz")
    return KindParts(entry, values, {"questions": questions})


def _assignment(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry, markdown = _markdown(doc, item, required=False)
    due_node, due_days_node = settings.get("due"), settings.get("due_days")
    if due_node is not None and due_days_node is not None:
        doc.problem(due_days_node, _("give either 'due' or 'due_days', not both"))
    values = {
        "max_files": doc.number(settings.get("max_files"), "max_files", 5, lo=1, hi=20, whole=True),
        "max_file_mb": doc.number(
            settings.get("max_file_mb"), "max_file_mb", 50, lo=1, hi=2048, whole=True
        ),
        "allowed_types": _allowed_types(doc, settings.get("allowed_types")),
        "due": _due(doc, due_node),
        "due_days": doc.number(due_days_node, "due_days", None, lo=0, lo_open=True, whole=True),
        "pass_score": _pass_score(doc, settings),
    }
    rubric = _rubric(doc, settings.get("rubric"))
    settings.reject_unknown([*values, "rubric"], settings_of="assignment")
    return KindParts(entry, values, {"markdown": markdown, "rubric": rubric})


def _html5(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry = doc.package_file(item.require("file"), "file", (".html", ".htm"))
    values = {
        "width": doc.number(settings.get("width"), "width", 960, lo=1, hi=10_000, whole=True),
        "height": doc.number(settings.get("height"), "height", 600, lo=1, hi=10_000, whole=True),
        "reports_score": doc.flag(settings.get("reports_score"), "reports_score", False),
        "pass_score": _pass_score(doc, settings),
    }
    settings.reject_unknown(values, settings_of="html5")
    return KindParts(entry, values, {})


_READERS: dict[str, Callable[[YamlFile, Fields, Fields], KindParts]] = {
    "page": _page,
    "video": _video,
    "asset": _asset,
    "quiz": _quiz,
    "assignment": _assignment,
    "html5": _html5,
}


def _markdown(doc: YamlFile, item: Fields, *, required: bool) -> tuple[str | None, dict[str, str]]:
    """Markdown from ``file`` (stored as 'en') or ``files`` (per language, 'en' needed)."""
    file_node, files_node = item.get("file"), item.get("files")
    if file_node is not None and files_node is not None:
        doc.problem(files_node, _("give either 'file' or 'files', not both"))
        return None, {}
    if files_node is not None:
        files = doc.lang_files(files_node, "files", (".md",), need_en=True) or {}
    elif file_node is not None:
        path = doc.package_file(file_node, "file", (".md",))
        files = {"en": path} if path else {}
    else:
        if required:
            doc.problem(item.node, _("'file' or 'files' is missing"))
        return None, {}
    markdown = {}
    for lang, path in files.items():
        text = read_text(doc.root, path, doc.problems)
        if text is not None:
            markdown[lang] = text
    return files.get("en"), markdown


def _pass_score(doc: YamlFile, settings: Fields) -> float | None:
    return doc.number(settings.get("pass_score"), "pass_score", 60, lo=0, hi=100)


def _due(doc: YamlFile, node: Node | None) -> str | None:
    """An ISO 8601 date and time with its UTC offset, returned in ISO form."""
    raw = doc.text(node, "due")
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        doc.problem(
            node,
            _("'due' must be a date and time with its UTC offset, e.g. 2025-07-31T23:59:00+09:00"),
        )
        return None
    return value.isoformat()


def _allowed_types(doc: YamlFile, node: Node | None) -> list[str] | None:
    if node is None:
        return list(DEFAULT_ALLOWED_TYPES)
    types: list[str] = []
    for entry in doc.seq(node, "allowed_types", min_items=1):
        value = doc.text(entry, "allowed_types")
        if value is not None and not _EXTENSION_RE.match(value):
            doc.problem(
                entry,
                _(
                    "'allowed_types' lists file extensions in lowercase without the dot, "
                    "e.g. pdf (got '%(value)s')",
                    value=value,
                ),
            )
        elif value is not None and value not in types:
            types.append(value)
    return types


def _rubric(doc: YamlFile, node: Node | None) -> list[dict[str, Any]]:
    """Rubric criteria ``{key, title, points}`` with unique keys."""
    criteria: list[dict[str, Any]] = []
    seen: dict[str, Node] = {}
    for entry in doc.seq(node, "rubric", min_items=1):
        fields = doc.fields(entry, "rubric")
        if fields.node is None:
            continue
        key = doc.key(fields.require("key"), "key")
        if key is not None and key in seen:
            doc.problem(
                entry,
                _(
                    "rubric key '%(key)s' is already used on line %(line)d",
                    key=key,
                    line=seen[key].start_mark.line + 1,
                ),
            )
        elif key is not None:
            seen[key] = entry
        title = doc.lang_text(fields.require("title"), "title")
        points = doc.number(fields.require("points"), "points", None, lo=0, lo_open=True)
        fields.reject_unknown(("key", "title", "points"))
        criteria.append(
            {"key": key, "title": title, "points": None if points is None else float(points)}
        )
    return criteria
