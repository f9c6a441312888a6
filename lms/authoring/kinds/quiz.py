"""A quiz (questions in a YAML file), marked by the server."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.authoring.kinds.base import ADL_ACTIVITY, ItemKind, always
from lms.authoring.kinds.fields import KindParts, pass_score
from lms.authoring.quizfile import parse_quiz_file
from lms.authoring.yamlcheck import Fields, YamlFile
from lms.core.provenance import ALL, SERVER


def read(doc: YamlFile, item: Fields, settings: Fields) -> KindParts:
    entry = doc.package_file(item.require("file"), "file", (".yaml", ".yml"))
    questions = parse_quiz_file(doc.root, entry, doc.problems) if entry else []
    values = {
        "attempts": doc.number(settings.get("attempts"), "attempts", 0, lo=0, whole=True),
        "time_limit": doc.number(
            settings.get("time_limit"), "time_limit", None, lo=0, lo_open=True, whole=True
        ),
        "pass_score": pass_score(doc, settings),
        "feedback": doc.choice(
            settings.get("feedback"), "feedback", ("immediate", "deferred"), "immediate"
        ),
        "scoring": doc.choice(
            settings.get("scoring"), "scoring", ("best", "last", "average"), "best"
        ),
        "shuffle": doc.flag(settings.get("shuffle"), "shuffle", False),
    }
    settings.reject_unknown(values, settings_of="quiz")
    return KindParts(entry, values, {"questions": questions})


KIND = ItemKind(
    name="quiz", label=_l("Quiz"), activity_type=ADL_ACTIVITY + "assessment",
    may={SERVER: ALL},
    rule=_l("A quiz result comes only from the server's marking of a submitted attempt: open "
            "the quiz and submit it."),
    fields=("file",), read=read, scored=True, assessment=always)
