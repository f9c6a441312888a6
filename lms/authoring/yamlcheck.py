"""Reading hand-written YAML with line numbers, collecting every problem.

The package, quiz and course parsers read the node tree from ``yaml.compose`` (SafeLoader)
instead of ``yaml.safe_load``, so every problem can name its file and line, and nothing is
ever constructed from a tag. Readers never raise: they record a ``Problem`` and return
``None``, so a parser can go on and report everything wrong in one pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import yaml
from flask_babel import gettext as _
from flask_babel import ngettext
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lms.authoring.parsed import LANGUAGES
from lms.core.errors import Problem

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_YAML_BYTES = 1024 * 1024
MAX_TEXT_BYTES = 5 * 1024 * 1024
# Values the readers may visit, every alias (*name) expanded: about what a plain 1 MB file
# holds, so aliases cannot multiply the work ("billion laughs").
MAX_YAML_NODES = 200_000
_TAG = "tag:yaml.org,2002:"
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_constructor = yaml.constructor.SafeConstructor()


def line_of(node: Node) -> int:
    """The 1-based line where ``node`` starts."""
    return node.start_mark.line + 1


def read_text(
    root: Path, name: str, problems: list[Problem], max_bytes: int = MAX_TEXT_BYTES
) -> str | None:
    """Read the UTF-8 text file ``name`` (relative to ``root``), or record why not."""
    path = root / name
    if not path.is_file():
        problems.append(Problem(_("the file is missing"), name))
        return None
    if path.stat().st_size > max_bytes:
        problems.append(Problem(_("the file is too large; split it into smaller files"), name))
        return None
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problems.append(
            Problem(_("is not valid UTF-8 text; save the file as UTF-8"), file=name, line=line)
        )
        return None


class Fields:
    """The ``name: value`` entries of one YAML mapping, with their nodes."""

    def __init__(self, doc: YamlFile, node: MappingNode | None):
        self.doc = doc
        self.node = node
        self.entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value if node is not None else ():
            if not isinstance(key_node, ScalarNode):
                doc.problem(key_node, _("field names must be plain words"))
                continue
            name = key_node.value
            if name in self.entries:
                first = line_of(self.entries[name][0])
                doc.problem(
                    key_node,
                    _("'%(name)s' is given twice (also on line %(line)d)", name=name, line=first),
                )
                continue
            self.entries[name] = (key_node, value_node)

    def get(self, name: str) -> Node | None:
        """The value node of ``name``; ``None`` if absent or written as null."""
        entry = self.entries.get(name)
        if entry is None or entry[1].tag == _TAG + "null":
            return None
        return entry[1]

    def require(self, name: str) -> Node | None:
        """Like ``get``, but record a problem when the field is missing or empty."""
        value = self.get(name)
        if value is None:
            where = self.entries[name][0] if name in self.entries else self.node
            self.doc.problem(where, _("'%(name)s' is missing", name=name))
        return value

    def reject_unknown(self, known: Iterable[str], *, settings_of: str | None = None) -> None:
        """Record a problem for every field not in ``known`` (usually a typo)."""
        known = list(known)
        for name, (key_node, _value) in self.entries.items():
            if name in known:
                continue
            listed = ", ".join(known) or "-"
            if settings_of:
                msg = _(
                    "'%(name)s' is not a setting of %(kind)s items (settings: %(known)s)",
                    name=name,
                    kind=settings_of,
                    known=listed,
                )
            else:
                msg = _(
                    "'%(name)s' is not a known field here (fields: %(known)s)",
                    name=name,
                    known=listed,
                )
            self.doc.problem(key_node, msg)


class YamlFile:
    """One YAML file of a package; readers record problems with its name and lines.

    ``name`` is the POSIX path relative to ``root`` and becomes ``Problem.file``.
    """

    def __init__(self, root: Path, name: str, problems: list[Problem]):
        self.root = root
        self.name = name
        self.problems = problems

    def problem(self, node: Node | None, message: str) -> None:
        self.problems.append(Problem(message, self.name, line_of(node) if node else None))

    def load(self) -> Node | None:
        """Compose the file into nodes; ``None`` (and a problem) if unreadable or empty."""
        text = read_text(self.root, self.name, self.problems, MAX_YAML_BYTES)
        if text is None:
            return None
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            detail = err.problem or err.context or ""
            self.problems.append(
                Problem(
                    _("is not valid YAML: %(detail)s", detail=detail),
                    self.name,
                    mark.line + 1 if mark else None,
                )
            )
            return None
        except yaml.YAMLError as err:
            self.problems.append(Problem(_("is not valid YAML: %(detail)s", detail=err), self.name))
            return None
        except RecursionError:
            self.problems.append(Problem(_("is nested too deeply to be read"), self.name))
            return None
        if node is None:
            self.problems.append(Problem(_("the file is empty"), self.name))
        elif expanded_size(node, MAX_YAML_NODES) is None:
            self.problems.append(Problem(
                _("its aliases (*name) refer to themselves or expand to more than %(max)d "
                  "values; write the values out instead", max=MAX_YAML_NODES),
                self.name, line_of(node)))
            return None
        return node

    # -- readers: each returns ``default`` for a missing node and ``None`` on a problem --

    def fields(self, node: Node | None, label: str) -> Fields:
        """The entries of a mapping; an empty ``Fields`` if absent or not a mapping."""
        if node is None:
            return Fields(self, None)
        if not isinstance(node, MappingNode):
            self.problem(node, _("'%(label)s' must be a set of 'name: value' fields", label=label))
            return Fields(self, None)
        return Fields(self, node)

    def seq(self, node: Node | None, label: str, *, min_items: int = 0) -> list[Node]:
        """The items of a list; ``[]`` (and a problem) if not a list or too short."""
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, _("'%(label)s' must be a list", label=label))
            return []
        if len(node.value) < min_items:
            message = ngettext(
                "'%(label)s' needs at least %(num)d entry",
                "'%(label)s' needs at least %(num)d entries",
                min_items,
                label=label,
            )
            self.problem(node, message)
        return list(node.value)

    def text(self, node: Node | None, label: str, default: str | None = None) -> str | None:
        """Non-empty text, taken as written (``yes`` and ``1`` stay text), stripped."""
        if node is None:
            return default
        if not isinstance(node, ScalarNode):
            self.problem(node, _("'%(label)s' must be text", label=label))
            return None
        value = "" if node.tag == _TAG + "null" else node.value.strip()
        if not value:
            self.problem(node, _("'%(label)s' must not be empty", label=label))
            return None
        return value

    def key(self, node: Node | None, label: str) -> str | None:
        """A stable key: 1-64 of a-z 0-9 . _ -, starting with a letter or digit."""
        value = self.text(node, label)
        if value is not None and not KEY_RE.match(value):
            self.problem(
                node,
                _(
                    "'%(label)s' must be 1-64 lowercase letters, digits, '.', '_' or '-', "
                    "starting with a letter or digit (got '%(value)s')",
                    label=label,
                    value=value,
                ),
            )
            return None
        return value

    def choice(
        self, node: Node | None, label: str, options: Iterable[str], default: str | None = None
    ) -> str | None:
        options = tuple(options)
        value = self.text(node, label, default)
        if value is not None and value not in options:
            self.problem(
                node,
                _(
                    "'%(label)s' must be one of %(options)s",
                    label=label,
                    options=", ".join(options),
                ),
            )
            return None
        return value

    def flag(self, node: Node | None, label: str, default: bool | None = None) -> bool | None:
        if node is None:
            return default
        if not isinstance(node, ScalarNode) or node.tag != _TAG + "bool":
            self.problem(node, _("'%(label)s' must be true or false", label=label))
            return None
        return _constructor.construct_yaml_bool(node)

    def number(
        self,
        node: Node | None,
        label: str,
        default: float | None = None,
        *,
        lo: float,
        hi: float | None = None,
        lo_open: bool = False,
        whole: bool = False,
    ) -> float | None:
        """A finite number in ``lo..hi`` (``lo`` excluded if ``lo_open``); int if ``whole``."""
        if node is None:
            return default
        value: float | None = None
        if isinstance(node, ScalarNode) and node.tag == _TAG + "int":
            value = _constructor.construct_yaml_int(node)
        elif isinstance(node, ScalarNode) and node.tag == _TAG + "float" and not whole:
            value = _constructor.construct_yaml_float(node)
        in_range = (
            value is not None
            and math.isfinite(value)
            and (value > lo if lo_open else value >= lo)
            and (hi is None or value <= hi)
        )
        if not in_range:
            self.problem(node, _range_message(label, lo, hi, lo_open, whole))
            return None
        return value

    def lang_text(
        self, node: Node | None, label: str, default: dict | None = None
    ) -> dict[str, str] | None:
        """A language dict ``{en: ..., ja: ...}`` with 'en'; plain text means ``{en: text}``."""
        if node is None:
            return default
        if isinstance(node, ScalarNode):
            value = self.text(node, label)
            return None if value is None else {"en": value}
        return self._lang_map(node, label, lambda n: self.text(n, label), need_en=True)

    def lang_files(
        self, node: Node | None, label: str, exts: tuple[str, ...], *, need_en: bool
    ) -> dict[str, str] | None:
        """A language dict of package files, e.g. ``{en: subs.en.vtt, ja: subs.ja.vtt}``."""
        if node is None:
            return None
        if not isinstance(node, MappingNode):
            self.problem(
                node,
                _("'%(label)s' must map languages to files, e.g. {en: file.en.md}", label=label),
            )
            return None
        read = partial(self.package_file, label=label, exts=exts)
        return self._lang_map(node, label, read, need_en=need_en)

    def _lang_map(
        self, node: Node, label: str, read: Callable[[Node], str | None], *, need_en: bool
    ) -> dict[str, str] | None:
        fields = self.fields(node, label)
        if fields.node is None:
            return None
        result: dict[str, str] | None = {}
        for lang, (key_node, value_node) in fields.entries.items():
            value = read(value_node)
            if lang not in LANGUAGES:
                self.problem(
                    key_node,
                    _(
                        "'%(label)s' has unknown language '%(lang)s'; use %(langs)s",
                        label=label,
                        lang=lang,
                        langs=", ".join(LANGUAGES),
                    ),
                )
                result = None
            elif value is None:
                result = None
            elif result is not None:
                result[lang] = value
        if not fields.entries:
            self.problem(node, _("'%(label)s' must not be empty", label=label))
            return None
        if result is not None and need_en and "en" not in result:
            self.problem(
                node,
                _(
                    "'%(label)s' needs an English ('en') entry, shown when a translation is missing",
                    label=label,
                ),
            )
            return None
        return result

    def package_file(self, node: Node | None, label: str, exts: tuple[str, ...] = ()) -> str | None:
        """A file inside the package, as a clean relative POSIX path; it must exist."""
        raw = self.text(node, label)
        if raw is None:
            return None
        path = clean_relative_path(raw)
        # resolve() follows symlinks, which must not lead out of the package either
        if path is None or not (self.root / path).resolve().is_relative_to(self.root.resolve()):
            self.problem(
                node,
                _(
                    "'%(label)s' must be a path inside the package, written with '/' and "
                    "without '..' (got '%(path)s')",
                    label=label,
                    path=raw,
                ),
            )
            return None
        if exts and not path.lower().endswith(exts):
            self.problem(
                node,
                _(
                    "'%(label)s' must be a %(exts)s file (got '%(path)s')",
                    label=label,
                    exts=" / ".join(exts),
                    path=path,
                ),
            )
            return None
        if not (self.root / path).is_file():
            self.problem(
                node,
                _(
                    "'%(label)s' names '%(path)s', which is not a file in the package",
                    label=label,
                    path=path,
                ),
            )
            return None
        return path


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def expanded_size(root: Node, limit: int) -> int | None:
    """How many nodes a reader visits with every alias expanded, or ``None`` when that is
    more than ``limit`` or endless (an alias inside the node it refers to). Each distinct
    node is counted once, without recursion, so a bomb costs no more than its own size."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # on the path from the root to the node being counted
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, counted_children = stack.pop()
        key = id(node)
        if counted_children:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > limit:
                return None
            sizes[key] = size
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((node, True))
            for child in _children(node):
                if id(child) in open_nodes:
                    return None
                if id(child) not in sizes:
                    stack.append((child, False))
    return sizes[id(root)]


def clean_relative_path(raw: str) -> str | None:
    """``raw`` as a clean relative POSIX path, or ``None`` if it could leave its folder."""
    if "\\" in raw or raw.startswith("/") or _DRIVE_RE.match(raw):
        return None
    parts = [part for part in raw.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _range_message(label: str, lo: float, hi: float | None, lo_open: bool, whole: bool) -> str:
    if hi is not None and lo_open:
        return _(
            "'%(label)s' must be a number greater than %(lo)s and at most %(hi)s",
            label=label,
            lo=lo,
            hi=hi,
        )
    if hi is not None and whole:
        return _(
            "'%(label)s' must be a whole number from %(lo)s to %(hi)s", label=label, lo=lo, hi=hi
        )
    if hi is not None:
        return _("'%(label)s' must be a number from %(lo)s to %(hi)s", label=label, lo=lo, hi=hi)
    if lo_open and whole:
        return _("'%(label)s' must be a whole number greater than %(lo)s", label=label, lo=lo)
    if lo_open:
        return _("'%(label)s' must be a number greater than %(lo)s", label=label, lo=lo)
    if whole:
        return _("'%(label)s' must be a whole number of %(lo)s or more", label=label, lo=lo)
    return _("'%(label)s' must be a number of %(lo)s or more", label=label, lo=lo)
