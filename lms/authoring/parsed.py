"""What a module package parses into, whatever its format (native or SCORM).

The parsers in ``packages.py`` (native) and ``scorm.py`` (SCORM 1.2/2004) return these
plain objects; ``authoring.services`` turns them into database rows. Nothing here
touches the database or Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("en", "ja", "uz", "ru")


@dataclass
class ParsedItem:
    key: str  # stable key: progress follows it across versions
    kind: str  # a name of lms.authoring.kinds.KINDS
    title: dict[str, str]  # language code -> text; "en" always present
    required: bool = True
    weight: float = 1.0
    settings: dict = field(default_factory=dict)  # validated, defaults filled in
    entry: str | None = None  # main file, a POSIX path relative to the package root
    content: dict = field(default_factory=dict)  # kind-specific parsed content
    line: int | None = None  # line of the item in its manifest, for messages


@dataclass
class ParsedModule:
    format: str  # "native", "scorm12" or "scorm2004"
    key: str
    title: dict[str, str]
    items: list[ParsedItem]
    description: dict[str, str] = field(default_factory=dict)
    jlpt_level: str | None = None
    warnings: list[str] = field(default_factory=list)
