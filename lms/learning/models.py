"""Learner activity: append-only events, the progress derived from them, attempts,
submissions, SCORM run-time data, notifications and course results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db


class LearningEvent(db.Model):
    """One learner action, shaped as an xAPI statement. Never updated or deleted.

    ``id`` is the statement id (a UUID, client-generated where the client retries), so a
    re-sent event is recognised and ignored.
    """

    __tablename__ = "learning_events"
    __cache_scope__ = "ignored"  # lms.core.stamps
    __table_args__ = (
        Index("ix_learning_events_user_course_stored", "user_id", "course_id", "stored"),
        Index("ix_learning_events_course_stored", "course_id", "stored"),
        # Who has stalled: the last event per student of a course, from the index alone.
        Index("ix_learning_events_course_user_timestamp", "course_id", "user_id", "timestamp"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    verb: Mapped[str] = mapped_column(String(200))  # an ADL verb IRI
    result: Mapped[dict | None] = mapped_column(JsonType)
    context: Mapped[dict] = mapped_column(JsonType, default=dict)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)  # when it happened
    stored: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when we got it
    # Who asserted it (lms.learning.trust): learner-reported, content-reported, ...
    provenance: Mapped[str | None] = mapped_column(String(20))


class ItemProgress(db.Model):
    """The current state of one student on one item, derived from events.

    Keyed by module and item key, not item id, so it carries over to new versions.
    Updated only with atomic SQL that never lowers a completion or a best score.
    """

    __tablename__ = "item_progress"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "item_key"),
        Index("ix_item_progress_user_course", "user_id", "course_id"),
        Index("ix_item_progress_course", "course_id", "module_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    completed: Mapped[bool] = mapped_column(default=False)  # monotonic: never back to False
    passed: Mapped[bool | None]  # None until something is scored against a pass mark
    best_score: Mapped[float | None]  # 0-100
    last_score: Mapped[float | None]
    attempts: Mapped[int] = mapped_column(default=0)
    time_spent: Mapped[int] = mapped_column(BigInteger, default=0)  # seconds
    resume: Mapped[dict | None] = mapped_column(JsonType)  # e.g. {"position": 42.5}
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who asserted the current outcome (score and pass, or completion): lms.learning.trust.
    # None on rows recorded before provenance was kept: trusted by nothing.
    provenance: Mapped[str | None] = mapped_column(String(20))

    @property
    def status(self) -> str:
        if self.passed is False and not self.completed:
            return "failed"
        if self.completed:
            return "passed" if self.passed else "completed"
        return "in_progress"


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("user_id", "module_id", "item_key", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # time limit, server side
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers: Mapped[dict] = mapped_column(JsonType, default=dict)
    results: Mapped[dict] = mapped_column(JsonType, default=dict)  # question key -> fraction
    score: Mapped[float | None]  # 0-100


class Submission(db.Model):
    """One hand-in of an assignment. A resubmission is a new row; grading fills it in."""

    __tablename__ = "submissions"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "item_key", "number"),
        Index("ix_submissions_course_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="submitted")  # submitted|graded
    score: Mapped[float | None]  # 0-100
    rubric_scores: Mapped[dict | None] = mapped_column(JsonType)  # criterion key -> points
    feedback: Mapped[str | None] = mapped_column(Text)
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
    graded_by = relationship("User", foreign_keys=[graded_by_id])
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionFile.id")


class SubmissionFile(db.Model):
    __tablename__ = "submission_files"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as the student named it
    storage_path: Mapped[str] = mapped_column(String(400))  # relative to the media root
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))

    submission: Mapped[Submission] = relationship(back_populates="files")


class ScormAttempt(db.Model):
    """SCORM run-time (cmi) data of one attempt at one SCO."""

    __tablename__ = "scorm_attempts"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("user_id", "module_id", "item_key", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    number: Mapped[int]
    cmi: Mapped[dict] = mapped_column(JsonType, default=dict)
    finished: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    __tablename__ = "notifications"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # grade|feedback|deadline|course_complete
    data: Mapped[dict] = mapped_column(JsonType, default=dict)  # for the message's wording
    link: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CourseResult(db.Model):
    """A student's completed course: the weighted score (0-100) over the scored items the
    records turn into credits, None when no item of the course has a score. Made when the
    course first completes and brought up to date when a scored outcome changes later (an
    instructor's regrade); the official record is the FinalResult made from it.

    ``evidence`` lists what the score rests on, one entry per assessment: {"key", "kind",
    "title", "score", "passed", "provenance", "weight"}; ``provenance`` is the weakest
    provenance among them (None: no assessment)."""

    __tablename__ = "course_results"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    score: Mapped[float | None]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    provenance: Mapped[str | None] = mapped_column(String(20))
    evidence: Mapped[list | None] = mapped_column(JsonType)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Launch(db.Model):
    """One opening of a SCORM or HTML5 item by a learner: the only credential through
    which content may report an outcome. The token itself is given to the page once;
    only its SHA-256 is kept. Bound to user and item, and to the SCORM attempt the first
    Initialize opens; short-lived, extended by use up to a hard limit."""

    __tablename__ = "launches"
    __cache_scope__ = "ignored"  # lms.core.stamps
    __table_args__ = (Index("ix_launches_user_item", "user_id", "item_key", "module_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int | None]  # the SCORM attempt it reports on, once initialised
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StudyClock(db.Model):
    """Up to when a learner's study time has been counted: a reported duration adds only
    the part of its interval after this point, so replayed or overlapping events (two
    tabs, two items at once) never count the same minute twice."""

    __tablename__ = "study_clocks"
    __cache_scope__ = "ignored"  # lms.core.stamps

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    counted_until: Mapped[datetime] = mapped_column(UTCDateTime)


class XapiOutbox(db.Model):
    """Statements waiting to be forwarded to an external LRS; survives restarts."""

    __tablename__ = "xapi_outbox"
    __cache_scope__ = "ignored"  # lms.core.stamps
    __table_args__ = (Index("ix_xapi_outbox_due", "sent_at", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(
        ForeignKey("learning_events.id", ondelete="CASCADE"), unique=True)
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
