"""A video (with WebVTT captions), completed when enough of it was watched."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.authoring.kinds.base import ADL_ACTIVITY, ItemKind
from lms.authoring.kinds.fields import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, KindParts
from lms.authoring.yamlcheck import Fields, YamlFile, read_text
from lms.core.errors import Problem
from lms.core.provenance import LEARNER, VIEWED


def read(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
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


KIND = ItemKind(
    name="video", label=_l("Video"), activity_type=ADL_ACTIVITY + "media",
    may={LEARNER: VIEWED},
    rule=_l("A video's viewer may report what was watched and that it was completed, never "
            "a score or a pass."),
    fields=("file", "captions"), read=read)
