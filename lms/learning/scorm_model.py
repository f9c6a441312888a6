"""The SCORM 1.2 and 2004 run-time data models, defined once.

Which elements exist, who may read or write them, what values they accept and which
error code each refusal carries. The server validates every value a SCO sends with
``check_set``; the same definitions are sent as JSON (``Model.as_json``) to the adapter
that runs inside the sandboxed SCO (static/js/scorm-api.js), so the browser and the
server can never disagree about what is valid.

Element paths use ``n`` for an array index (``cmi.interactions.n.id``). Values are
strings, as in the specifications. Patterns are written in the common subset of Python
and JavaScript regular expressions (``[0-9]`` rather than ``\\d``, which in Python also
matches non-ASCII digits) and always matched against the whole value.

Sources: SCORM 1.2 Run-Time Environment (ADL, 2001) section 3.4; SCORM 2004 4th Edition
Run-Time Environment (ADL, 2009) sections 3.1.7 (error codes) and 4.2 (data model).
Deliberate leniencies are commented where they are made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DECIMAL = r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
REAL = r"^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$"
INTEGER = r"^-?[0-9]+$"
TIME_12 = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,2})?$"
TIMESPAN_12 = r"^[0-9]{2,4}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,2})?$"
# ISO 8601 duration (SCORM 2004 timeinterval). More than two decimals of seconds are
# accepted: authoring tools send them and nothing is lost by keeping them.
DURATION = (r"^P(?=[0-9T])([0-9]+Y)?([0-9]+M)?([0-9]+D)?"
            r"(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?$")
TIMESTAMP = (r"^(19[7-9][0-9]|20[0-2][0-9]|203[0-8])(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])"
             r"(T([01][0-9]|2[0-3])(:[0-5][0-9](:[0-5][0-9](\.[0-9]{1,2})?)?)?"
             r"(Z|[-+]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?)?)?$")
LANGUAGE = r"^$|^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"
NAV_REQUEST = (r"^(continue|previous|exit|exitAll|abandon|abandonAll|suspendAll|_none_|"
               r"\{target=[^{}]+\}(choice|jump))$")
KEYWORDS = ("_children", "_count", "_version")
_INDEX = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Model:
    """One version's data model. ``elements`` maps a path to (access, type name);
    access is "r", "w" or "rw". ``codes`` maps a kind of refusal to the error code."""

    version: str
    version_value: str  # what cmi._version returns
    elements: dict[str, tuple[str, str]]
    children: dict[str, str]
    arrays: tuple[str, ...]
    types: dict[str, dict]
    codes: dict[str, str]
    strict: bool  # SCORM 2004: dependencies (408), unique objective ids, "not initialized"
    responses: dict[str, dict] = field(default_factory=dict)  # learner_response by type
    patterns: dict[str, dict] = field(default_factory=dict)  # correct_responses by type

    def as_json(self) -> dict:
        return {
            "version": self.version, "versionValue": self.version_value,
            "elements": {path: list(spec) for path, spec in self.elements.items()},
            "children": self.children, "arrays": list(self.arrays), "types": self.types,
            "codes": self.codes, "strict": self.strict, "responses": self.responses,
            "patterns": self.patterns,
        }


def _score(lo=None, hi=None, blank=False) -> dict:
    spec: dict = {"re": DECIMAL}
    if lo is not None:
        spec["lo"] = lo
    if hi is not None:
        spec["hi"] = hi
    if blank:
        spec["blank"] = True
    return spec


SCORM12 = Model(
    version="1.2",
    version_value="3.4",
    elements={
        "cmi.core.student_id": ("r", "identifier"),
        "cmi.core.student_name": ("r", "string255"),
        "cmi.core.lesson_location": ("rw", "string255"),
        "cmi.core.credit": ("r", "string255"),
        "cmi.core.lesson_status": ("rw", "lesson_status"),
        "cmi.core.entry": ("r", "string255"),
        "cmi.core.score.raw": ("rw", "score"),
        "cmi.core.score.max": ("rw", "score"),
        "cmi.core.score.min": ("rw", "score"),
        "cmi.core.total_time": ("r", "timespan"),
        "cmi.core.lesson_mode": ("r", "string255"),
        "cmi.core.exit": ("w", "exit"),
        "cmi.core.session_time": ("w", "timespan"),
        "cmi.suspend_data": ("rw", "suspend_data"),
        "cmi.launch_data": ("r", "string4096"),
        "cmi.comments": ("rw", "string4096"),
        "cmi.comments_from_lms": ("r", "string4096"),
        "cmi.objectives.n.id": ("rw", "identifier"),
        "cmi.objectives.n.score.raw": ("rw", "score"),
        "cmi.objectives.n.score.max": ("rw", "score"),
        "cmi.objectives.n.score.min": ("rw", "score"),
        "cmi.objectives.n.status": ("rw", "objective_status"),
        "cmi.student_data.mastery_score": ("r", "string255"),
        "cmi.student_data.max_time_allowed": ("r", "string255"),
        "cmi.student_data.time_limit_action": ("r", "string255"),
        "cmi.student_preference.audio": ("rw", "audio"),
        "cmi.student_preference.language": ("rw", "string255"),
        "cmi.student_preference.speed": ("rw", "speed"),
        "cmi.student_preference.text": ("rw", "text"),
        "cmi.interactions.n.id": ("w", "identifier"),
        "cmi.interactions.n.objectives.n.id": ("w", "identifier"),
        "cmi.interactions.n.time": ("w", "time"),
        "cmi.interactions.n.type": ("w", "interaction_type"),
        "cmi.interactions.n.correct_responses.n.pattern": ("w", "feedback"),
        "cmi.interactions.n.weighting": ("w", "decimal"),
        "cmi.interactions.n.student_response": ("w", "feedback"),
        "cmi.interactions.n.result": ("w", "result"),
        "cmi.interactions.n.latency": ("w", "timespan"),
    },
    children={
        "cmi.core": "student_id,student_name,lesson_location,credit,lesson_status,entry,"
                    "score,total_time,lesson_mode,exit,session_time",
        "cmi.core.score": "raw,min,max",
        "cmi.objectives": "id,score,status",
        "cmi.objectives.n.score": "raw,min,max",
        "cmi.student_data": "mastery_score,max_time_allowed,time_limit_action",
        "cmi.student_preference": "audio,language,speed,text",
        "cmi.interactions": "id,objectives,time,type,correct_responses,weighting,"
                            "student_response,result,latency",
    },
    arrays=("cmi.objectives", "cmi.interactions", "cmi.interactions.n.objectives",
            "cmi.interactions.n.correct_responses"),
    types={
        "identifier": {"re": r"^\S{1,255}$"},
        "string255": {"max": 255},
        "string4096": {"max": 4096},
        # CMIString4096 in the specification; Articulate, Captivate and iSpring write
        # more in their 1.2 mode, so the 2004 limit applies (the LMS may store more).
        "suspend_data": {"max": 64000},
        "feedback": {"max": 255},
        # A SCO may not set "not attempted" (1.2 conformance test: 405).
        "lesson_status": {"enum": ["passed", "completed", "failed", "incomplete", "browsed"]},
        "objective_status": {"enum": ["passed", "completed", "failed", "incomplete",
                                      "browsed", "not attempted"]},
        "exit": {"enum": ["time-out", "suspend", "logout", ""]},
        "score": _score(0, 100, blank=True),
        "decimal": _score(),
        "timespan": {"re": TIMESPAN_12},
        "time": {"re": TIME_12},
        "audio": {"re": INTEGER, "lo": -1, "hi": 100},
        "speed": {"re": INTEGER, "lo": -100, "hi": 100},
        "text": {"re": INTEGER, "lo": -1, "hi": 1},
        "interaction_type": {"enum": ["true-false", "choice", "fill-in", "matching",
                                      "performance", "sequencing", "likert", "numeric"]},
        "result": {"enum": ["correct", "wrong", "unanticipated", "neutral"], "re": DECIMAL},
    },
    codes={
        "general": "101", "unknown": "201", "argument": "201", "no_children": "202",
        "no_count": "203", "not_initialized": "301", "set_keyword": "402",
        "read_only": "403", "write_only": "404", "type": "405", "range": "405",
        "get_index": "201", "set_index": "201", "get_empty": "201", "set_empty": "201",
        "init_again": "101", "init_after_terminate": "101",
        "terminate_before_init": "301", "terminate_after_terminate": "301",
        "get_before_init": "301", "get_after_terminate": "301",
        "set_before_init": "301", "set_after_terminate": "301",
        "commit_before_init": "301", "commit_after_terminate": "301",
    },
    strict=False,
)

_LONG_ID = {"re": r"^\S[\s\S]*$", "max": 4000}
_REAL = {"re": REAL}
_FREE_RESPONSE = {"max": 4000}

SCORM2004 = Model(
    version="2004",
    version_value="1.0",
    elements={
        "cmi.comments_from_learner.n.comment": ("rw", "localized4000"),
        "cmi.comments_from_learner.n.location": ("rw", "string250"),
        "cmi.comments_from_learner.n.timestamp": ("rw", "time"),
        "cmi.comments_from_lms.n.comment": ("r", "localized4000"),
        "cmi.comments_from_lms.n.location": ("r", "string250"),
        "cmi.comments_from_lms.n.timestamp": ("r", "time"),
        "cmi.completion_status": ("rw", "completion"),
        "cmi.completion_threshold": ("r", "real01"),
        "cmi.credit": ("r", "string250"),
        "cmi.entry": ("r", "string250"),
        "cmi.exit": ("w", "exit"),
        "cmi.interactions.n.id": ("rw", "long_id"),
        "cmi.interactions.n.type": ("rw", "interaction_type"),
        "cmi.interactions.n.objectives.n.id": ("rw", "long_id"),
        "cmi.interactions.n.timestamp": ("rw", "time"),
        "cmi.interactions.n.correct_responses.n.pattern": ("rw", "pattern"),
        "cmi.interactions.n.weighting": ("rw", "real"),
        "cmi.interactions.n.learner_response": ("rw", "response"),
        "cmi.interactions.n.result": ("rw", "result"),
        "cmi.interactions.n.latency": ("rw", "interval"),
        "cmi.interactions.n.description": ("rw", "localized250"),
        "cmi.launch_data": ("r", "string4000"),
        "cmi.learner_id": ("r", "long_id"),
        "cmi.learner_name": ("r", "localized250"),
        "cmi.learner_preference.audio_level": ("rw", "non_negative"),
        "cmi.learner_preference.language": ("rw", "language"),
        "cmi.learner_preference.delivery_speed": ("rw", "non_negative"),
        "cmi.learner_preference.audio_captioning": ("rw", "captioning"),
        "cmi.location": ("rw", "string1000"),
        "cmi.max_time_allowed": ("r", "interval"),
        "cmi.mode": ("r", "string250"),
        "cmi.objectives.n.id": ("rw", "long_id"),
        "cmi.objectives.n.score.scaled": ("rw", "scaled"),
        "cmi.objectives.n.score.raw": ("rw", "real"),
        "cmi.objectives.n.score.min": ("rw", "real"),
        "cmi.objectives.n.score.max": ("rw", "real"),
        "cmi.objectives.n.success_status": ("rw", "success"),
        "cmi.objectives.n.completion_status": ("rw", "completion"),
        "cmi.objectives.n.progress_measure": ("rw", "real01"),
        "cmi.objectives.n.description": ("rw", "localized250"),
        "cmi.progress_measure": ("rw", "real01"),
        "cmi.scaled_passing_score": ("r", "scaled"),
        "cmi.score.scaled": ("rw", "scaled"),
        "cmi.score.raw": ("rw", "real"),
        "cmi.score.min": ("rw", "real"),
        "cmi.score.max": ("rw", "real"),
        "cmi.session_time": ("w", "interval"),
        "cmi.success_status": ("rw", "success"),
        "cmi.suspend_data": ("rw", "string64000"),
        "cmi.time_limit_action": ("r", "string250"),
        "cmi.total_time": ("r", "interval"),
        "adl.nav.request": ("rw", "nav_request"),
        "adl.nav.request_valid.continue": ("r", "string250"),
        "adl.nav.request_valid.previous": ("r", "string250"),
    },
    children={
        "cmi.comments_from_learner": "comment,location,timestamp",
        "cmi.comments_from_lms": "comment,location,timestamp",
        "cmi.interactions": "id,type,objectives,timestamp,correct_responses,weighting,"
                            "learner_response,result,latency,description",
        "cmi.learner_preference": "audio_level,language,delivery_speed,audio_captioning",
        "cmi.objectives": "id,score,success_status,completion_status,progress_measure,"
                          "description",
        "cmi.objectives.n.score": "scaled,raw,min,max",
        "cmi.score": "scaled,raw,min,max",
    },
    arrays=("cmi.comments_from_learner", "cmi.comments_from_lms", "cmi.interactions",
            "cmi.interactions.n.objectives", "cmi.interactions.n.correct_responses",
            "cmi.objectives"),
    types={
        "long_id": _LONG_ID,
        "string250": {"max": 250},
        "string1000": {"max": 1000},
        "string4000": {"max": 4000},
        "string64000": {"max": 64000},
        # localized_string_type: the SPM plus room for a {lang=...} delimiter.
        "localized250": {"max": 250 + 32},
        "localized4000": {"max": 4000 + 32},
        "completion": {"enum": ["completed", "incomplete", "not attempted", "unknown"]},
        "success": {"enum": ["passed", "failed", "unknown"]},
        "exit": {"enum": ["time-out", "suspend", "logout", "normal", ""]},
        "interaction_type": {"enum": ["true-false", "choice", "fill-in", "long-fill-in",
                                      "likert", "matching", "performance", "sequencing",
                                      "numeric", "other"]},
        "result": {"enum": ["correct", "incorrect", "unanticipated", "neutral"], "re": REAL},
        "real": _REAL,
        "real01": {"re": REAL, "lo": 0, "hi": 1},
        "scaled": {"re": REAL, "lo": -1, "hi": 1},
        "non_negative": {"re": REAL, "lo": 0},
        "captioning": {"enum": ["-1", "0", "1"]},
        "language": {"re": LANGUAGE, "max": 250},
        "time": {"re": TIMESTAMP},
        "interval": {"re": DURATION},
        "nav_request": {"re": NAV_REQUEST},
        # Depend on the interaction's type: see ``responses`` and ``patterns``.
        "response": _FREE_RESPONSE,
        "pattern": _FREE_RESPONSE,
    },
    codes={
        "general": "101", "unknown": "401", "argument": "201", "no_children": "301",
        "no_count": "301", "not_initialized": "403", "set_keyword": "404",
        "read_only": "404", "write_only": "405", "type": "406", "range": "407",
        "dependency": "408", "set_failure": "351",
        "get_index": "301", "set_index": "351", "get_empty": "301", "set_empty": "351",
        "init_again": "103", "init_after_terminate": "104",
        "terminate_before_init": "112", "terminate_after_terminate": "113",
        "get_before_init": "122", "get_after_terminate": "123",
        "set_before_init": "132", "set_after_terminate": "133",
        "commit_before_init": "142", "commit_after_terminate": "143",
    },
    strict=True,
    # Only the formats that are unambiguous are checked; the others are bounded strings.
    responses={"true-false": {"enum": ["true", "false"]}, "numeric": _REAL},
    patterns={"true-false": {"enum": ["true", "false"]},
              "numeric": {"re": r"^([-+]?[0-9.eE+-]+)?(\[:\]([-+]?[0-9.eE+-]+)?)?$"}},
)

MODELS = {"1.2": SCORM12, "2004": SCORM2004}


class Refused(Exception):
    """A value the data model does not accept. ``kind`` is a key of ``Model.codes``."""

    def __init__(self, kind: str, element: str, reason: str):
        super().__init__(reason)
        self.kind, self.element, self.reason = kind, element, reason


def normalise(name: str) -> str:
    """``cmi.interactions.3.objectives.0.id`` -> ``cmi.interactions.n.objectives.n.id``."""
    return ".".join("n" if _INDEX.match(part) else part for part in name.split("."))


def count(values: dict[str, str], prefix: str) -> int:
    """How many entries the array at concrete ``prefix`` (``cmi.interactions``) holds."""
    start = prefix + "."
    highest = -1
    for key in values:
        if key.startswith(start):
            head = key[len(start):].split(".", 1)[0]
            if _INDEX.match(head):
                highest = max(highest, int(head))
    return highest + 1


def check_value(spec: dict, value: str) -> str | None:
    """None when ``value`` fits ``spec``, else the kind of refusal ("type" or "range")."""
    if not isinstance(value, str):
        return "type"
    if spec.get("blank") and value == "":
        return None
    if "max" in spec and len(value) > spec["max"]:
        return "type"
    if "enum" in spec and value in spec["enum"]:
        return None
    if "re" in spec:
        if not re.fullmatch(spec["re"], value):
            return "type"
    elif "enum" in spec:
        return "type"
    if "lo" in spec or "hi" in spec:
        number = float(value)
        if number < spec.get("lo", float("-inf")) or number > spec.get("hi", float("inf")):
            return "range"
    return None


def _indices(name: str) -> list[tuple[str, int]]:
    """Each array along ``name`` with its index: [("cmi.interactions", 3), ...]."""
    parts = name.split(".")
    found = []
    for position, part in enumerate(parts):
        if position and _INDEX.match(part):
            found.append((".".join(parts[:position]), int(part)))
    return found


def check_set(model: Model, values: dict[str, str], name: str, value) -> None:
    """Raise Refused unless a SCO may set ``name`` to ``value`` given the ``values``
    already set in this attempt (arrays grow one entry at a time; in 2004 an
    interaction's or objective's other fields need its id, responses need its type)."""
    if not isinstance(name, str) or name == "":
        raise Refused("set_empty", str(name), "no element named")
    last = name.rsplit(".", 1)[-1]
    shape = normalise(name)
    if last in KEYWORDS:
        container = shape.rsplit(".", 1)[0]
        known = (container in model.children or container in model.arrays
                 or name == "cmi._version")
        raise Refused("set_keyword" if known else "unknown", name, "keywords are read-only")
    if name.startswith("adl.nav.request_valid."):
        raise Refused("read_only", name, "read-only element")
    spec = model.elements.get(shape)
    if spec is None:
        raise Refused("unknown", name, "not an element of the SCORM data model")
    access, type_name = spec
    if "w" not in access:
        raise Refused("read_only", name, "read-only element")
    for array, index in _indices(name):
        if index > count(values, array):
            raise Refused("set_index", name, "array indices must be set in order")
    if not isinstance(value, str):
        raise Refused("type", name, "values are strings")
    type_spec = model.types[type_name]
    if model.strict:
        _check_dependencies(model, values, name)
        if type_name in ("response", "pattern"):
            interaction = ".".join(name.split(".")[:3])
            kind = values.get(interaction + ".type", "")
            table = model.responses if type_name == "response" else model.patterns
            type_spec = table.get(kind, type_spec)
    problem = check_value(type_spec, value)
    if problem:
        raise Refused(problem, name, "value out of range" if problem == "range"
                      else "value of the wrong type")
    if model.strict and last == "id" and shape in ("cmi.objectives.n.id",
                                                   "cmi.interactions.n.objectives.n.id"):
        _check_unique_id(values, name, value)


def _check_dependencies(model: Model, values: dict[str, str], name: str) -> None:
    parts = name.split(".")
    if len(parts) >= 4 and parts[1] in ("interactions", "objectives") and parts[3] != "id":
        if f"cmi.{parts[1]}.{parts[2]}.id" not in values:
            raise Refused("dependency", name, f"set cmi.{parts[1]}.{parts[2]}.id first")
    if parts[1:2] == ["interactions"] and len(parts) > 3 and parts[3] in (
            "learner_response", "correct_responses"):
        if f"cmi.interactions.{parts[2]}.type" not in values:
            raise Refused("dependency", name, f"set cmi.interactions.{parts[2]}.type first")


def _check_unique_id(values: dict[str, str], name: str, value: str) -> None:
    current = values.get(name)
    if current is not None and current != value:
        raise Refused("set_failure", name, "an objective's id cannot change")
    array = name.rsplit(".", 2)[0]
    for index in range(count(values, array)):
        other = f"{array}.{index}.id"
        if other != name and values.get(other) == value:
            raise Refused("set_failure", name, "objective ids must be unique")


def check_batch(model: Model, values: dict[str, str], changes: dict) -> tuple[dict, list]:
    """Apply ``changes`` in order to a copy of ``values``. Returns (new values, refusals);
    every element is checked, so the refusals list all that is wrong at once."""
    merged = dict(values)
    refused: list[Refused] = []
    for name, value in changes.items():
        try:
            check_set(model, merged, name, value)
        except Refused as exc:
            refused.append(exc)
        else:
            merged[name] = value
    return merged, refused
