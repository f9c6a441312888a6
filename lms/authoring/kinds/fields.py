"""What the item kinds' readers share: the result of reading one item (KindParts) and the
helpers for the fields several kinds have (Markdown files, pass score, deadline, allowed
file types, rubric). Each kind's own reader is in its module (lms/authoring/kinds/*.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from yaml.nodes import Node

from lms.authoring.yamlcheck import Fields, YamlFile, read_text

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


def markdown(doc: YamlFile, item: Fields, *, required: bool) -> tuple[str | None, dict[str, str]]:
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


def pass_score(doc: YamlFile, settings: Fields) -> float | None:
    return doc.number(settings.get("pass_score"), "pass_score", 60, lo=0, hi=100)


def due(doc: YamlFile, node: Node | None) -> str | None:
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


def allowed_types(doc: YamlFile, node: Node | None) -> list[str] | None:
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


def rubric(doc: YamlFile, node: Node | None) -> list[dict[str, Any]]:
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
