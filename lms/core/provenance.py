"""Provenance: who asserted an outcome, the vocabulary every feature shares.

A score, a completion, a grade or a record says who asserted it: the learner's own client
(learner-reported), content through its launch (content-reported), the platform's own
marking (server-marked), a teacher (instructor-graded) or the registrar (recognised).
Ranks order them, weakest first; ``lms.learning.trust`` says who may assert what on each
kind of item, and a course (``Course.trusted_provenance``) which of them its certificates
and credit records may rest on.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Provenance of a result, weakest first. The rank is what the progress upsert compares.
LEARNER_REPORTED = "learner-reported"
CONTENT_REPORTED = "content-reported"
SERVER_MARKED = "server-marked"
INSTRUCTOR_GRADED = "instructor-graded"
RECOGNISED = "recognised"
RANK = {LEARNER_REPORTED: 1, CONTENT_REPORTED: 2, SERVER_MARKED: 3, INSTRUCTOR_GRADED: 4,
        RECOGNISED: 5}
# From this rank up, a newer result of the same rank replaces the older one (a regrade is
# a correction); below it, results of one rank merge (best score, a pass never goes back).
REPLACING_RANK = RANK[INSTRUCTOR_GRADED]
LABELS = {
    LEARNER_REPORTED: _l("learner-reported"),
    CONTENT_REPORTED: _l("content-reported"),
    SERVER_MARKED: _l("server-marked"),
    INSTRUCTOR_GRADED: _l("instructor-graded"),
    RECOGNISED: _l("recognised"),
}
DEFAULT_TRUSTED = (SERVER_MARKED, INSTRUCTOR_GRADED)
# What a course may choose to accept for its assessments (learner-reported never).
SELECTABLE = (SERVER_MARKED, INSTRUCTOR_GRADED, CONTENT_REPORTED, RECOGNISED)


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
ALL = frozenset({PROGRESS, COMPLETION, SCORE, SUCCESS})
VIEWED = frozenset({PROGRESS, COMPLETION})


def label(provenance: str | None) -> str:
    return str(LABELS[provenance]) if provenance in LABELS else _("no score reported")


def trusted(course) -> tuple[str, ...]:
    chosen = getattr(course, "trusted_provenance", None)
    return tuple(chosen) if chosen else DEFAULT_TRUSTED
