"""A reading: Markdown (per language, optional furigana), completed by its reader."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.authoring.kinds.base import ADL_ACTIVITY, ItemKind
from lms.authoring.kinds.fields import KindParts, markdown
from lms.authoring.yamlcheck import Fields, YamlFile
from lms.core.provenance import LEARNER, VIEWED


def read(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry, texts = markdown(doc, item, required=True)
    settings.reject_unknown((), settings_of="page")
    return KindParts(entry, {}, {"markdown": texts})


KIND = ItemKind(
    name="page", label=_l("Reading"), activity_type=ADL_ACTIVITY + "lesson",
    may={LEARNER: VIEWED},
    rule=_l("A page's own reader may report that it was viewed or completed, never a score "
            "or a pass."),
    fields=("file", "files"), read=read)
