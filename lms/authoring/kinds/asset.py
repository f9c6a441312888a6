"""A download (.blend, .unitypackage, .psd ...), completed when it is downloaded."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.authoring.kinds.base import ADL_ACTIVITY, ItemKind
from lms.authoring.kinds.fields import KindParts
from lms.authoring.yamlcheck import Fields, YamlFile
from lms.core.provenance import LEARNER, VIEWED


def read(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry = doc.package_file(item.require("file"), "file")
    description = doc.lang_text(item.get("description"), "description")
    content: dict[str, Any] = {"size": (doc.root / entry).stat().st_size if entry else 0}
    if description:
        content["description"] = description
    settings.reject_unknown((), settings_of="asset")
    return KindParts(entry, {}, content)


KIND = ItemKind(
    name="asset", label=_l("Download"), activity_type=ADL_ACTIVITY + "file",
    may={LEARNER: VIEWED},
    rule=_l("A download may be reported as downloaded or completed, never a score or a "
            "pass."),
    fields=("file", "description"), read=read)
