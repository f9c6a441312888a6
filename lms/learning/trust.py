"""Who may assert which outcome of which kind of item: the one table every write into
progress passes through (``check``), and the provenance each result carries.

A result is only as good as its weakest input, so the table is strict:

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

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lms.core.errors import Forbidden
from lms.core.provenance import (  # noqa: F401 - the vocabulary, used as trust.X
    CONTENT_REPORTED,
    DEFAULT_TRUSTED,
    INSTRUCTOR_GRADED,
    LABELS,
    LEARNER_REPORTED,
    RANK,
    RECOGNISED,
    REPLACING_RANK,
    SELECTABLE,
    SERVER_MARKED,
    label,
    trusted,
)

# Channels: who is speaking when an event is recorded, and the provenance it gets.
LEARNER = "learner"  # the learner's own client: events API, heartbeats, "done" buttons
SERVER = "server"  # the platform's own marking or bookkeeping of a real action
INSTRUCTOR = "instructor"  # a grade given by a person who teaches the course
LAUNCH = "launch"  # content, through a launch bound to this learner, item and attempt
PROVENANCE_OF = {LEARNER: LEARNER_REPORTED, SERVER: SERVER_MARKED,
                 INSTRUCTOR: INSTRUCTOR_GRADED, LAUNCH: CONTENT_REPORTED}

# What an event can assert.
PROGRESS = "progress"  # seen, progressed, time spent, resume state, attempted
COMPLETION = "completion"
SCORE = "score"
SUCCESS = "success"
_ALL = frozenset({PROGRESS, COMPLETION, SCORE, SUCCESS})
_VIEWED = frozenset({PROGRESS, COMPLETION})


@dataclass(frozen=True)
class KindRule:
    """Who may assert what on one item kind; ``rule`` is the sentence the refusal says."""

    may: dict  # channel -> frozenset of assertions
    rule: object  # lazy string


RULES: dict[str, KindRule] = {
    "page": KindRule({LEARNER: _VIEWED}, _l(
        "A page's own reader may report that it was viewed or completed, never a score or "
        "a pass.")),
    "video": KindRule({LEARNER: _VIEWED}, _l(
        "A video's viewer may report what was watched and that it was completed, never a "
        "score or a pass.")),
    "asset": KindRule({LEARNER: _VIEWED}, _l(
        "A download may be reported as downloaded or completed, never a score or a pass.")),
    "quiz": KindRule({SERVER: _ALL}, _l(
        "A quiz result comes only from the server's marking of a submitted attempt: open "
        "the quiz and submit it.")),
    "assignment": KindRule({SERVER: frozenset({PROGRESS}), INSTRUCTOR: _ALL}, _l(
        "An assignment result comes only from an instructor's grade: hand the work in on "
        "its page.")),
    "html5": KindRule({LAUNCH: _ALL}, _l(
        "An interactive build reports only through its launch (the platform's player "
        "opened for this student and item), never through the events API.")),
    "scorm": KindRule({LAUNCH: _ALL}, _l(
        "A SCORM activity reports only through its launch (the platform's player opened "
        "for this student and item), never through the events API.")),
}


def rule_for(kind: str) -> KindRule:
    # An unknown kind accepts nothing: a new kind must state its rule here first.
    return RULES.get(kind, KindRule({}, _l("This kind of item accepts no reported "
                                           "outcomes.")))


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
    """An item whose outcome is a score: quizzes and assignments always, HTML5 builds that
    report a score, SCORM activities with a pass mark (the import turns the package's
    mastery or scaled passing score into ``pass_score``; an instructor may set one). An
    assessment is never complete without a score."""
    if kind in ("quiz", "assignment"):
        return True
    if kind == "html5":
        return bool(settings.get("reports_score"))
    if kind == "scorm":
        return settings.get("pass_score") is not None
    return False
