"""Grade scales: dated tables an administrator adds, never code.

A scale applies to one institution, or (institution left empty) to every institution of a
country; the one in force on the day a grade is awarded is used, and the grade, its labels
and its grade points are copied onto the credit record, so later edits to a scale never
change a grade already awarded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db


class GradeScale(db.Model):
    __tablename__ = "grade_scales"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. UZ-19-2018
    country: Mapped[str] = mapped_column(String(2))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    name: Mapped[dict] = mapped_column(JsonType)  # language -> name
    basis: Mapped[dict] = mapped_column(JsonType, default=dict)  # legal basis, per language
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # last day in force; None: open
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    institution = relationship("Institution")
    bands: Mapped[list[GradeBand]] = relationship(
        back_populates="scale", cascade="all, delete-orphan",
        order_by="GradeBand.min_score.desc()")


class GradeBand(db.Model):
    """Scores from ``min_score`` up to the next band's minimum earn ``grade``."""

    __tablename__ = "grade_bands"
    __cache_scope__ = "shared"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("scale_id", "min_score"),
                      UniqueConstraint("scale_id", "grade"))

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("grade_scales.id", ondelete="CASCADE"))
    min_score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    grade: Mapped[str] = mapped_column(String(10))  # S, A, ... or 5, 4, ...
    points: Mapped[Decimal] = mapped_column(Numeric(4, 2))  # grade points in the GPA
    passing: Mapped[bool]
    labels: Mapped[dict] = mapped_column(JsonType, default=dict)  # language -> 秀, aʼlo ...

    scale: Mapped[GradeScale] = relationship(back_populates="bands")
