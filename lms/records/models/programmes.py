"""Who studies in which programme, their number at each institution, and what each
programme requires for each institution's degree."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db

REQUIREMENT_KINDS = ("total", "category", "course", "jlpt")


class ProgramStudent(db.Model):
    __tablename__ = "program_students"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("user_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    admitted_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    program = relationship("Program")


class StudentNumber(db.Model):
    """A student's number at one institution (each institution numbers its own students)."""

    __tablename__ = "student_numbers"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("user_id", "institution_id"),
                      UniqueConstraint("institution_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    number: Mapped[str] = mapped_column(String(40))

    institution = relationship("Institution")


class Requirement(db.Model):
    """One line of a programme's degree requirements at one institution.

    total: ``credits`` in all; category: ``credits`` whose category (a course's track code,
    or what a transfer names) is ``category``; course: ``course`` passed; jlpt: a verified
    JLPT certificate at ``jlpt_level`` or above.
    """

    __tablename__ = "program_requirements"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"),
                                            index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    credits: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    jlpt_level: Mapped[str | None] = mapped_column(String(2))
    label: Mapped[dict] = mapped_column(JsonType, default=dict)  # optional wording
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program = relationship("Program")
    institution = relationship("Institution")
    course = relationship("Course")
