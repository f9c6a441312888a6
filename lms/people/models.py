"""Cohorts: the groups of students who start together."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db


class Cohort(db.Model):
    __tablename__ = "cohorts"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    intake_year: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    students = relationship("User", back_populates="cohort", order_by="User.name")
