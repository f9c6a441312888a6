"""Who may assert which outcome of which kind of item: the check every write into
progress passes through (``check``), and the provenance each result carries. Each item
kind states its own rule (``may`` and ``rule`` in its module, lms/authoring/kinds/).

A result is only as good as its weakest input, so the rules are strict:

- pages, videos and downloads: the learner's own client may say an item was viewed,
  progressed or completed, never a score or a pass;
- quizzes: only the server's marking of a real attempt;
- assignments: only an instructor's grade (handing work in is recorded by the server);
- SCORM and HTML5 builds: only through a launch, a token the platform issued when this
  student opened this item, bound to user, item and attempt; never the general events API.

Every stored outcome says who asserted it (its provenance). Provenances are ranked; a
result of a lower rank never replaces one of a higher rank, and an instructor's grade
replaces an earlier grade (a correction). A course decides which provenances its
assessments may rest on before a certificate or a credit record is issued
(``Course.trusted_provenance``; default: server-marked or instructor-graded).
"""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l

from lms.authoring import kinds
from lms.core.errors import Forbidden
from lms.core.provenance import (  # noqa: F401 - the vocabulary, used as trust.X
    ALL,
    COMPLETION,
    CONTENT_REPORTED,
    DEFAULT_TRUSTED,
    INSTRUCTOR,
    INSTRUCTOR_GRADED,
    LABELS,
    LAUNCH,
    LEARNER,
    LEARNER_REPORTED,
    PROGRESS,
    PROVENANCE_OF,
    RANK,
    RECOGNISED,
    REPLACING_RANK,
    SCORE,
    SELECTABLE,
    SERVER,
    SERVER_MARKED,
    SUCCESS,
    VIEWED,
    label,
    trusted,
)


def rule_for(kind: str):
    """The item kind (lms.authoring.kinds) whose ``may`` and ``rule`` apply; an unknown
    kind accepts nothing until it has a module of its own."""
    found = kinds.get(kind)
    if found is not None:
        return found
    return SimpleNamespace(may={}, rule=_l("This kind of item accepts no reported outcomes."))


def assertions(verb_name: str, result: dict | None) -> frozenset:
    """What an event says: a score, a pass or fail, a completion, or only progress."""
    result = result or {}
    said = {PROGRESS}
    if "score" in result or verb_name == "scored":
        said.add(SCORE)
    if "success" in result or verb_name in ("passed", "failed"):
        said.add(SUCCESS)
    if result.get("completion") is True or verb_name in ("completed", "passed"):
        said.add(COMPLETION)
    return frozenset(said)


def check(kind: str, channel: str, verb_name: str, result: dict | None) -> str:
    """The provenance of an event that ``channel`` may record on an item of ``kind``;
    Forbidden naming the rule when it may not."""
    rule = rule_for(kind)
    allowed = rule.may.get(channel)
    said = assertions(verb_name, result)
    if allowed is None or not said <= allowed:
        raise Forbidden(str(rule.rule), details=[{
            "rule": kind, "channel": channel,
            "refused": sorted(said - (allowed or frozenset()))}])
    return PROVENANCE_OF[channel]


def is_assessment(kind: str, settings: dict) -> bool:
    """An item whose outcome is a score (its kind's rule: quizzes and assignments always,
    HTML5 builds that report a score, SCORM activities with a pass mark): never complete
    without a score."""
    found = kinds.get(kind)
    return bool(found and found.assessment(settings))
