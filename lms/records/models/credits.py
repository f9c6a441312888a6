"""Finalised course results and the credit records made from them.

Credit records are append-only (database triggers refuse UPDATE and DELETE): a correction
is a new record that names the one it supersedes, with who, when and why.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db

SOURCES = ("course", "transfer", "recognition")


class FinalResult(db.Model):
    """A course result made official: by the instructor from the completed CourseResult,
    or imported by an administrator. ``version`` is the optimistic lock: an edit made
    from an older version is refused (409), never silently overwritten."""

    __tablename__ = "final_results"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    course_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_results.id", ondelete="SET NULL"))
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # 0-100, canonical
    term: Mapped[str] = mapped_column(String(20))
    awarded_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))  # course | import
    version: Mapped[int] = mapped_column(default=1)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    finalised_by = relationship("User", foreign_keys=[finalised_by_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])


class CreditRecord(db.Model):
    """Credits one institution awarded one student: native credits, native grade and
    grade points, as they were at the time. Converted values are never stored."""

    __tablename__ = "credit_records"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (
        UniqueConstraint("result_id", "institution_id", "revision"),
        Index("ix_credit_records_user_institution", "user_id", "institution_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    source: Mapped[str] = mapped_column(String(20))  # course | transfer | recognition
    result_id: Mapped[int | None] = mapped_column(ForeignKey("final_results.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    course_code: Mapped[str | None] = mapped_column(String(40))  # as printed
    title: Mapped[dict] = mapped_column(JsonType)  # language -> title, as printed
    category: Mapped[str | None] = mapped_column(String(40))  # requirement category
    credits: Mapped[Decimal] = mapped_column(Numeric(5, 1))  # native credits
    hours: Mapped[int | None]  # workload hours of the course
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    grade: Mapped[str] = mapped_column(String(10))
    grade_labels: Mapped[dict] = mapped_column(JsonType, default=dict)
    grade_points: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    passed: Mapped[bool]
    counts_in_gpa: Mapped[bool]
    scale_id: Mapped[int | None] = mapped_column(ForeignKey("grade_scales.id"))
    term: Mapped[str] = mapped_column(String(20))
    awarded_on: Mapped[date] = mapped_column(Date)
    origin: Mapped[str | None] = mapped_column(String(200))  # where transferred credits came from
    external_grade: Mapped[str | None] = mapped_column(String(40))
    evidence_note: Mapped[str | None] = mapped_column(Text)
    evidence_path: Mapped[str | None] = mapped_column(String(400))  # relative to media root
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"),
                                                      unique=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why this correction was made
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    institution = relationship("Institution")
    course = relationship("Course")
    result: Mapped[FinalResult | None] = relationship()
    scale = relationship("GradeScale")
    created_by = relationship("User", foreign_keys=[created_by_id])
    supersedes: Mapped[CreditRecord | None] = relationship(remote_side=[id])
