"""Accounts and API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __cache_scope__ = "custom"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="student")
    name: Mapped[str] = mapped_column(String(200))  # Latin script, as the person writes it
    name_ja: Mapped[str | None] = mapped_column(String(200))  # kanji or katakana
    name_kana: Mapped[str | None] = mapped_column(String(200))  # reading, for sorting
    student_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tashkent")
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"), index=True)
    # Bumped on logout and password change: every cookie carrying an older value dies.
    session_version: Mapped[int] = mapped_column(default=1)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort = relationship("Cohort", back_populates="students")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def page_cache_scopes(self) -> set[str]:
        """A user's own pages change with them; staff names also show on students' pages
        (lms.core.stamps, scope "custom")."""
        from lms.core.stamps import SHARED, user_scope

        return {user_scope(self.id)} if self.role == "student" else {user_scope(self.id),
                                                                      SHARED}

    def get_id(self) -> str:  # Flask-Login: the session carries id and session version
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __cache_scope__ = "ignored"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
