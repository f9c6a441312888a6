"""Module packages (native format or SCORM) and course folders, read and validated.

A native package is a folder with ``module.yaml``, Markdown pages, quiz files and media;
docs/package-format.md describes it. Every parser here collects all the problems it finds,
each with file and line, and raises one ``PackageError`` listing them; nothing is stored
by these functions. ``normalise_answer`` and ``score_question`` (quiz marking) live in
``quizfile`` and are re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from yaml.nodes import Node

from lms.authoring import kinds
from lms.authoring.kinds import COMMON_ITEM_FIELDS, read_kind
from lms.authoring.parsed import ParsedItem, ParsedModule
from lms.authoring.quizfile import normalise_answer, score_question
from lms.authoring.yamlcheck import YamlFile, line_of
from lms.core.errors import PackageError, Problem

__all__ = [
    "ParsedCourse",
    "find_package_root",
    "normalise_answer",
    "parse_course",
    "parse_native",
    "parse_package",
    "score_question",
]

MODULE_FORMAT = "kakehashi-module/1"
COURSE_FORMAT = "kakehashi-course/1"
JLPT_LEVELS = ("N5", "N4", "N3", "N2", "N1")
TRACKS = ("game-development", "animation", "japanese")
INSTRUCTION_LANGUAGES = ("en", "ja", "uz")
MANIFESTS = ("module.yaml", "imsmanifest.xml")
_MODULE_FIELDS = ("format", "key", "title", "description", "jlpt_level", "items")
_COURSE_FIELDS = (
    "format", "code", "title", "description", "provider", "language", "hours", "credits",
    "track", "jlpt_level", "self_enroll", "instructors", "modules",
)  # fmt: skip
# Left in zips by macOS and Windows; ignored when looking for the package's top folder.
_SYSTEM_LITTER = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}
_COURSE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_INSTITUTION_RE = re.compile(r"^[A-Z][A-Z0-9_-]{0,15}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class ParsedCourse:
    """A course folder's ``course.yaml``, validated; ``module_dirs`` are package roots."""

    code: str
    title: dict[str, str]
    description: dict[str, str]
    provider: str
    language: str
    hours: float
    credits: dict[str, float]
    track: str
    jlpt_level: str | None = None
    self_enroll: bool = False
    instructors: list[str] = field(default_factory=list)
    module_dirs: list[Path] = field(default_factory=list)


def find_package_root(extracted: Path) -> Path:
    """The folder of an unpacked zip that holds module.yaml or imsmanifest.xml.

    That is ``extracted`` itself, or its only top-level folder when someone zipped the
    package folder rather than its contents (macOS/Windows litter is ignored). Otherwise
    ``extracted`` is returned and ``parse_package`` will say what is missing.
    """
    if any((extracted / name).is_file() for name in MANIFESTS):
        return extracted
    children = [child for child in extracted.iterdir() if child.name not in _SYSTEM_LITTER]
    if len(children) == 1 and children[0].is_dir():
        if any((children[0] / name).is_file() for name in MANIFESTS):
            return children[0]
    return extracted


def parse_package(root: Path) -> ParsedModule:
    """Parse the package at ``root``: native (module.yaml) or SCORM (imsmanifest.xml).

    Raises ``PackageError`` listing every problem found.
    """
    if (root / "module.yaml").is_file():
        return parse_native(root)
    if (root / "imsmanifest.xml").is_file():
        from lms.authoring.scorm import parse_scorm_manifest

        return parse_scorm_manifest(root)
    raise PackageError([Problem(_("no module.yaml or imsmanifest.xml at the top of the package"))])


def parse_native(root: Path) -> ParsedModule:
    """Parse and validate ``root/module.yaml`` and every file it names.

    Returns a ParsedModule with ``format == "native"``, items in display order, settings
    complete with defaults and content read (Markdown text, quiz questions, sizes).
    Raises ``PackageError`` with every problem, each with its file (relative to ``root``)
    and line where known, sorted by file (module.yaml first) and line.
    """
    problems: list[Problem] = []
    doc = YamlFile(root, "module.yaml", problems)
    top = doc.load()
    if top is None:
        raise PackageError(problems)
    fields = doc.fields(top, "module.yaml")
    _check_format(doc, fields.require("format"), MODULE_FORMAT)
    key = doc.key(fields.require("key"), "key")
    title = doc.lang_text(fields.require("title"), "title")
    description = doc.lang_text(fields.get("description"), "description", {})
    jlpt_level = doc.choice(fields.get("jlpt_level"), "jlpt_level", JLPT_LEVELS)
    fields.reject_unknown(_MODULE_FIELDS)
    items = []
    seen: dict[str, int] = {}
    for node in doc.seq(fields.require("items"), "items", min_items=1):
        item = _item(doc, node, seen)
        if item is not None:
            items.append(item)
    _raise_if_any(problems, "module.yaml")
    return ParsedModule(
        format="native",
        key=key or "",
        title=title or {},
        items=items,
        description=description or {},
        jlpt_level=jlpt_level,
    )


def parse_course(folder: Path) -> ParsedCourse:
    """Parse and validate ``folder/course.yaml`` (a course in ``courses/<slug>/``).

    The modules it lists must be sub-folders holding module.yaml or imsmanifest.xml; they
    are returned as paths, in order, but not parsed (call ``parse_package`` on each).
    Raises ``PackageError`` with every problem; files are named relative to ``folder``.
    """
    problems: list[Problem] = []
    doc = YamlFile(folder, "course.yaml", problems)
    top = doc.load()
    if top is None:
        raise PackageError(problems)
    fields = doc.fields(top, "course.yaml")
    _check_format(doc, fields.require("format"), COURSE_FORMAT)
    code_node = fields.require("code")
    code = doc.text(code_node, "code")
    if code is not None and not _COURSE_CODE_RE.match(code):
        doc.problem(code_node, _("'code' must be letters, digits, '.', '_' or '-', like GD101"))
    course = ParsedCourse(
        code=code or "",
        title=doc.lang_text(fields.require("title"), "title") or {},
        description=doc.lang_text(fields.get("description"), "description", {}) or {},
        provider=_institution(doc, fields.require("provider"), "provider") or "",
        language=doc.choice(fields.require("language"), "language", INSTRUCTION_LANGUAGES) or "",
        hours=float(doc.number(fields.require("hours"), "hours", lo=0, lo_open=True) or 0),
        credits=_credits(doc, fields.require("credits")),
        track=doc.choice(fields.require("track"), "track", TRACKS) or "",
        jlpt_level=doc.choice(fields.get("jlpt_level"), "jlpt_level", JLPT_LEVELS),
        self_enroll=bool(doc.flag(fields.get("self_enroll"), "self_enroll", False)),
        instructors=_instructors(doc, fields.get("instructors")),
        module_dirs=_module_dirs(doc, folder, fields.require("modules")),
    )
    fields.reject_unknown(_COURSE_FIELDS)
    _raise_if_any(problems, "course.yaml")
    return course


def _item(doc: YamlFile, node: Node, seen: dict[str, int]) -> ParsedItem | None:
    fields = doc.fields(node, "item")
    if fields.node is None:
        return None
    key = doc.key(fields.require("key"), "key")
    if key is not None and key in seen:
        doc.problem(
            node, _("item key '%(key)s' is already used on line %(line)d", key=key, line=seen[key])
        )
    elif key is not None:
        seen[key] = line_of(node)
    kind = _kind(doc, fields.require("kind"))
    title = doc.lang_text(fields.require("title"), "title")
    required = doc.flag(fields.get("required"), "required", True)
    weight = doc.number(fields.get("weight"), "weight", 1, lo=0)
    settings = doc.fields(fields.get("settings"), "settings")
    if kind is None:
        every_field = {name for k in kinds.KINDS for name in k.fields}
        fields.reject_unknown([*COMMON_ITEM_FIELDS, *sorted(every_field)])
        return None
    parts = read_kind(doc, kind, fields, settings)
    fields.reject_unknown(COMMON_ITEM_FIELDS + kinds.get(kind).fields)
    if key is None or title is None or required is None or weight is None:
        return None
    return ParsedItem(
        key=key,
        kind=kind,
        title=title,
        required=required,
        weight=float(weight),
        settings=parts.settings,
        entry=parts.entry,
        content=parts.content,
        line=line_of(node),
    )


def _kind(doc: YamlFile, node: Node | None) -> str | None:
    value = doc.text(node, "kind")
    if value == "scorm":
        doc.problem(
            node,
            _(
                "'kind' scorm comes only from SCORM packages; upload the SCORM zip "
                "(with its imsmanifest.xml) as a module of its own"
            ),
        )
        return None
    if value is not None and value not in kinds.native():
        doc.problem(node, _("'kind' must be one of %(kinds)s", kinds=", ".join(kinds.native())))
        return None
    return value


def _check_format(doc: YamlFile, node: Node | None, expected: str) -> None:
    value = doc.text(node, "format")
    if value is not None and value != expected:
        doc.problem(
            node,
            _("'format' must be %(expected)s (got '%(value)s')", expected=expected, value=value),
        )


def _institution(doc: YamlFile, node: Node | None, label: str) -> str | None:
    value = doc.text(node, label)
    if value is not None and not _INSTITUTION_RE.match(value):
        doc.problem(
            node,
            _("'%(label)s' must be an institution code from catalog.yaml, like TUT", label=label),
        )
        return None
    return value


def _credits(doc: YamlFile, node: Node | None) -> dict[str, float]:
    fields = doc.fields(node, "credits")
    if node is not None and fields.node is not None and not fields.entries:
        doc.problem(node, _("'credits' must give the credits for at least one institution"))
    credits: dict[str, float] = {}
    for code, (key_node, value_node) in fields.entries.items():
        if not _INSTITUTION_RE.match(code):
            doc.problem(
                key_node,
                _("'credits' keys must be institution codes, like TUT (got '%(code)s')", code=code),
            )
        value = doc.number(value_node, "credits", lo=0)
        if value is not None:
            credits[code] = float(value)
    return credits


def _instructors(doc: YamlFile, node: Node | None) -> list[str]:
    emails: list[str] = []
    for entry in doc.seq(node, "instructors"):
        email = doc.text(entry, "instructors")
        if email is not None and not _EMAIL_RE.match(email):
            doc.problem(
                entry, _("'instructors' lists e-mail addresses (got '%(value)s')", value=email)
            )
        elif email is not None:
            emails.append(email)
    return emails


def _module_dirs(doc: YamlFile, folder: Path, node: Node | None) -> list[Path]:
    dirs: list[Path] = []
    for entry in doc.seq(node, "modules", min_items=1):
        name = doc.text(entry, "modules")
        if name is None:
            continue
        if "/" in name or "\\" in name or name in (".", ".."):
            doc.problem(entry, _("'modules' lists folder names next to course.yaml, like 01-intro"))
        elif folder / name in dirs:
            doc.problem(entry, _("module folder '%(name)s' is listed twice", name=name))
        elif not any((folder / name / manifest).is_file() for manifest in MANIFESTS):
            doc.problem(
                entry,
                _(
                    "module folder '%(name)s' does not exist or has no module.yaml or "
                    "imsmanifest.xml",
                    name=name,
                ),
            )
        else:
            dirs.append(folder / name)
    return dirs


def _raise_if_any(problems: list[Problem], main_file: str) -> None:
    if problems:
        problems.sort(key=lambda p: (p.file != main_file, p.file or "", p.line or 0))
        raise PackageError(problems)
