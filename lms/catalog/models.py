"""Institutions, programmes, tracks, courses and enrolments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db

JLPT_LEVELS = ("N5", "N4", "N3", "N2", "N1")
COURSE_LANGUAGES = ("en", "ja", "uz")


class Institution(db.Model):
    __tablename__ = "institutions"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[dict] = mapped_column(JsonType)  # language -> name
    country: Mapped[str] = mapped_column(String(2))
    credit_hours: Mapped[int]  # study hours per native credit (JP 45, UZ 30)


program_institutions = Table(
    "program_institutions",
    db.metadata,
    Column("program_id", ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institutions.id"), primary_key=True),
)


class Program(db.Model):
    __tablename__ = "programs"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[dict] = mapped_column(JsonType)
    institutions: Mapped[list[Institution]] = relationship(secondary=program_institutions)


class Track(db.Model):
    __tablename__ = "tracks"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[dict] = mapped_column(JsonType)


course_instructors = Table(
    "course_instructors",
    db.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Course(db.Model):
    __tablename__ = "courses"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[dict] = mapped_column(JsonType)
    description: Mapped[dict] = mapped_column(JsonType, default=dict)
    provider_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))  # language of instruction
    hours: Mapped[int]  # workload hours: the bridge between credit systems
    jlpt_level: Mapped[str | None] = mapped_column(String(2))
    self_enroll: Mapped[bool] = mapped_column(default=False)
    published: Mapped[bool] = mapped_column(default=True)
    # Every title and description, NFKC-folded: what catalogue search matches against
    # (SQLite FTS5 trigram / PostgreSQL pg_trgm; see the migration).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The provenances its assessments may rest on for a certificate or a credit record
    # (lms.learning.trust); None: server-marked or instructor-graded only.
    trusted_provenance: Mapped[list | None] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    provider: Mapped[Institution] = relationship()
    track: Mapped[Track | None] = relationship()
    credits: Mapped[list[CourseCredit]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseCredit.id"
    )
    instructors = relationship("User", secondary=course_instructors, order_by="User.name")
    modules = relationship("Module", back_populates="course", order_by="Module.position",
                           cascade="all, delete-orphan")


class CourseCredit(db.Model):
    """The native credits one institution awards for a course."""

    __tablename__ = "course_credits"
    __cache_scope__ = "shared"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("course_id", "institution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    credits: Mapped[Decimal] = mapped_column(Numeric(5, 1))

    course: Mapped[Course] = relationship(back_populates="credits")
    institution: Mapped[Institution] = relationship()


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (
        UniqueConstraint("course_id", "user_id"),
        Index("ix_enrollments_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(20))  # e.g. 2026-autumn
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|withdrawn|completed
    source: Mapped[str] = mapped_column(String(20))  # admin|cohort|self|instructor|api
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    user = relationship("User")
