"""An interactive build (WebGL, canvas): sandboxed, reports through its launch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.authoring.kinds.base import ADL_ACTIVITY, ItemKind, derive_scored
from lms.authoring.kinds.fields import KindParts, pass_score
from lms.authoring.yamlcheck import Fields, YamlFile
from lms.core.provenance import ALL, LAUNCH


def read(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry = doc.package_file(item.require("file"), "file", (".html", ".htm"))
    values = {
        "width": doc.number(settings.get("width"), "width", 960, lo=1, hi=10_000, whole=True),
        "height": doc.number(settings.get("height"), "height", 600, lo=1, hi=10_000, whole=True),
        "reports_score": doc.flag(settings.get("reports_score"), "reports_score", False),
        "pass_score": pass_score(doc, settings),
    }
    settings.reject_unknown(values, settings_of="html5")
    return KindParts(entry, values, {})


def is_assessment(settings: dict) -> bool:
    return bool(settings.get("reports_score"))


def derive(verb: str, result: dict, settings: dict):
    return derive_scored(verb, result, settings, assessment=is_assessment(settings),
                         completion_counts=True)


KIND = ItemKind(
    name="html5", label=_l("Interactive"), activity_type=ADL_ACTIVITY + "interaction",
    may={LAUNCH: ALL},
    rule=_l("An interactive build reports only through its launch (the platform's player "
            "opened for this student and item), never through the events API."),
    fields=("file",), read=read, scored=True, assessment=is_assessment, derive=derive)
