"""What an item kind is (``ItemKind``) and the completion rules kinds share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"
_ADL = "http://adlnet.gov/expapi/verbs/"
COMPLETED, PASSED, FAILED = _ADL + "completed", _ADL + "passed", _ADL + "failed"


def never(settings: dict) -> bool:
    return False


def always(settings: dict) -> bool:
    return True


def derive_viewed(verb: str, result: dict, settings: dict):
    """An unscored kind: complete when the event says completed (or passed); no pass, no
    score. Returns (completed, passed, score)."""
    return (verb in (COMPLETED, PASSED) or result.get("completion") is True), None, None


def derive_scored(verb: str, result: dict, settings: dict, *, assessment: bool,
                  completion_counts: bool = False):
    """A scored kind: the score (0-100) from result.score.scaled; passed from the pass mark
    when there is one, else from success or the verb. No score is invented: an assessment
    is complete only with a score that passes (or any score where there is no pass mark);
    a pass or a completion it reports without a score completes nothing. A scored kind
    that is not an assessment completes by its score or pass, or (``completion_counts``:
    SCORM and HTML5 content) by reporting completion."""
    score = round(result["score"]["scaled"] * 100, 2) if "score" in result else None
    passed = result.get("success")
    if verb == PASSED:
        passed = True
    elif verb == FAILED:
        passed = False
    pass_score = settings.get("pass_score")
    if score is not None and pass_score is not None:
        passed = score >= float(pass_score)
    if assessment:
        if score is None:
            return False, (False if passed is False else None), None
        return (bool(passed) if passed is not None else True), passed, score
    if score is not None or passed is not None:
        completed = bool(passed) if passed is not None else score is not None
    else:
        completed = verb in (COMPLETED, PASSED) or result.get("completion") is True
    if completion_counts and result.get("completion") is True and passed is None:
        completed = True
    return completed, passed, score


@dataclass(frozen=True)
class ItemKind:
    """One kind of item; see lms/authoring/kinds/__init__.py."""

    name: str
    label: object  # lazy string: what a learner sees ("Quiz")
    activity_type: str  # xAPI activity type IRI
    may: dict  # channel (lms.core.provenance) -> frozenset of what it may assert
    rule: object  # lazy string: the rule a refused event is told
    fields: tuple[str, ...] = ()  # module.yaml fields besides the common ones
    read: Callable | None = None  # (doc, item fields, settings) -> KindParts; None: not native
    scored: bool = False
    assessment: Callable[[dict], bool] = never  # (effective settings) -> an assessment?
    derive: Callable | None = None  # (verb IRI, result, settings) -> (completed, passed, score)
    template: str | None = None  # default "learning/items/<name>.html"

    @property
    def template_name(self) -> str:
        return self.template or f"learning/items/{self.name}.html"

    def outcome(self, verb: str, result: dict | None, settings: dict):
        """(completed, passed, score 0-100) that an event asserts; None = says nothing."""
        result = result or {}
        if self.derive is not None:
            return self.derive(verb, result, settings)
        if self.scored:
            return derive_scored(verb, result, settings,
                                 assessment=self.assessment(settings))
        return derive_viewed(verb, result, settings)
