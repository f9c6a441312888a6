"""An assignment: work handed in as files, graded by an instructor (with a rubric)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.authoring.kinds.base import ADL_ACTIVITY, ItemKind, always
from lms.authoring.kinds.fields import KindParts, allowed_types, due, markdown, pass_score, rubric
from lms.authoring.yamlcheck import Fields, YamlFile
from lms.core.provenance import ALL, INSTRUCTOR, PROGRESS, SERVER


def read(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry, texts = markdown(doc, item, required=False)
    due_node, due_days_node = settings.get("due"), settings.get("due_days")
    if due_node is not None and due_days_node is not None:
        doc.problem(due_days_node, _("give either 'due' or 'due_days', not both"))
    values = {
        "max_files": doc.number(settings.get("max_files"), "max_files", 5, lo=1, hi=20, whole=True),
        "max_file_mb": doc.number(
            settings.get("max_file_mb"), "max_file_mb", 50, lo=1, hi=2048, whole=True
        ),
        "allowed_types": allowed_types(doc, settings.get("allowed_types")),
        "due": due(doc, due_node),
        "due_days": doc.number(due_days_node, "due_days", None, lo=0, lo_open=True, whole=True),
        "pass_score": pass_score(doc, settings),
    }
    criteria = rubric(doc, settings.get("rubric"))
    settings.reject_unknown([*values, "rubric"], settings_of="assignment")
    return KindParts(entry, values, {"markdown": texts, "rubric": criteria})


KIND = ItemKind(
    name="assignment", label=_l("Assignment"), activity_type=ADL_ACTIVITY + "performance",
    may={SERVER: frozenset({PROGRESS}), INSTRUCTOR: ALL},
    rule=_l("An assignment result comes only from an instructor's grade: hand the work in on "
            "its page."),
    fields=("file", "files"), read=read, scored=True, assessment=always)
