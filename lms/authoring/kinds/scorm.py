"""A SCORM 1.2 or 2004 SCO: read from a SCORM package (lms/authoring/scorm.py), never
from a module.yaml; runs sandboxed and reports through its launch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.authoring.kinds.base import ADL_ACTIVITY, ItemKind, derive_scored
from lms.core.provenance import ALL, LAUNCH


def is_assessment(settings: dict) -> bool:
    # The import turns the package's mastery or scaled passing score into pass_score.
    return settings.get("pass_score") is not None


def derive(verb: str, result: dict, settings: dict):
    return derive_scored(verb, result, settings, assessment=is_assessment(settings),
                         completion_counts=True)


KIND = ItemKind(
    name="scorm", label=_l("SCORM activity"),
    activity_type=ADL_ACTIVITY + "lesson",  # a SCO, as ADL's SCORM profile types it
    may={LAUNCH: ALL},
    rule=_l("A SCORM activity reports only through its launch (the platform's player opened "
            "for this student and item), never through the events API."),
    scored=True, assessment=is_assessment, derive=derive)
