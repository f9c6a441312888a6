"""The item kinds, one module each, listed by hand in ``KINDS`` (no discovery).

A kind module defines ``KIND``, an ``ItemKind``: its name and label, the module.yaml
fields and the reader that turns them into settings and content (None for kinds that
come only from other formats, like SCORM), the template that plays it, its xAPI activity
type, whether it is scored and when it is an assessment (never complete without a score),
how an event's result completes it, and who may assert what about it (lms.learning.trust
checks every event against ``may``). Adding a kind is one module and one line below
(docs/architecture.md, "Where does X go").
"""

from __future__ import annotations

from lms.authoring.kinds import asset, assignment, html5, page, quiz, scorm, video
from lms.authoring.kinds.base import ItemKind
from lms.authoring.kinds.fields import KindParts
from lms.authoring.yamlcheck import Fields, YamlFile

KINDS: tuple[ItemKind, ...] = (
    page.KIND,
    video.KIND,
    asset.KIND,
    quiz.KIND,
    assignment.KIND,
    html5.KIND,
    scorm.KIND,
)
COMMON_ITEM_FIELDS = ("key", "kind", "title", "required", "weight", "settings")
_BY_NAME: dict[str, ItemKind] = {k.name: k for k in KINDS}

__all__ = ["COMMON_ITEM_FIELDS", "KINDS", "ItemKind", "KindParts", "get", "names", "native",
           "read_kind", "scored"]


def get(name: str) -> ItemKind | None:
    return _BY_NAME.get(name)


def names() -> tuple[str, ...]:
    return tuple(_BY_NAME)


def native() -> tuple[str, ...]:
    """Kinds a module.yaml may name (they have a reader)."""
    return tuple(k.name for k in _BY_NAME.values() if k.read is not None)


def scored() -> tuple[str, ...]:
    return tuple(k.name for k in _BY_NAME.values() if k.scored)


def read_kind(doc: YamlFile, kind: str, item: Fields, settings: Fields) -> KindParts:
    """Read the fields and settings of a ``kind`` item (one of ``native()``)."""
    return _BY_NAME[kind].read(doc, item, settings)
