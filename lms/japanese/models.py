"""Japanese: students' levels and furigana setting, reading overrides, JLPT certifications,
vocabulary decks and spaced-repetition state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import JsonType, UTCDateTime, utcnow
from lms.extensions import db

FURIGANA_MODES = ("above_level", "always", "never")
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


class JapaneseProfile(db.Model):
    """One row per user who has a Japanese setting (no row: defaults). Kept out of
    ``users`` so this feature owns its columns."""

    __tablename__ = "japanese_profiles"
    __cache_scope__ = "owner"  # lms.core.stamps

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    jlpt_level: Mapped[str | None] = mapped_column(String(2))  # N5..N1: the level they hold
    furigana: Mapped[str] = mapped_column(String(20), default="above_level")
    new_cards_per_day: Mapped[int] = mapped_column(default=20)
    streak_days: Mapped[int] = mapped_column(default=0)
    last_review_on: Mapped[date | None] = mapped_column(Date)  # in the student's zone
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FuriganaOverride(db.Model):
    """An administrator's correction: this spelling reads so (matched over whole words)."""

    __tablename__ = "furigana_overrides"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    surface: Mapped[str] = mapped_column(String(100), unique=True)
    reading: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(200))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class JlptCertification(db.Model):
    """A JLPT result a student reports with evidence (the score report); it counts once an
    administrator has verified it. The degree audit reads user_id, level, passed, verified."""

    __tablename__ = "jlpt_certifications"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (Index("ix_jlpt_certifications_user_level", "user_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(2))
    exam_date: Mapped[date] = mapped_column(Date)
    # {"language_knowledge": 45, "reading": 40, "listening": 38} (N1-N3) or
    # {"language_knowledge_reading": 90, "listening": 40} (N4, N5)
    section_scores: Mapped[dict] = mapped_column(JsonType, default=dict)
    total: Mapped[int]
    passed: Mapped[bool]
    cefr: Mapped[str | None] = mapped_column(String(2))  # as printed on the score report
    registration_number: Mapped[str | None] = mapped_column(String(40))
    evidence_path: Mapped[str] = mapped_column(String(400))  # under the media root
    evidence_name: Mapped[str] = mapped_column(String(255))
    verified: Mapped[bool] = mapped_column(default=False)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    @property
    def status(self) -> str:
        if self.verified:
            return "verified"
        return "rejected" if self.rejected_reason else "pending"


class Deck(db.Model):
    """A vocabulary or kanji deck. Linked to a course, its students see it there; it never
    changes a grade."""

    __tablename__ = "decks"
    __cache_scope__ = "shared"  # lms.core.stamps

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[dict] = mapped_column(JsonType)
    kind: Mapped[str] = mapped_column(String(10), default="vocab")  # vocab|kanji
    jlpt_level: Mapped[str | None] = mapped_column(String(2))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"),
                                                  index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course")
    cards: Mapped[list[DeckCard]] = relationship(
        back_populates="deck", order_by="DeckCard.position", cascade="all, delete-orphan")


class DeckCard(db.Model):
    __tablename__ = "deck_cards"
    __cache_scope__ = "shared"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("deck_id", "front", "reading"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    front: Mapped[str] = mapped_column(String(200))  # the word as written (kanji)
    reading: Mapped[str] = mapped_column(String(200), default="")  # kana
    meaning: Mapped[dict] = mapped_column(JsonType, default=dict)  # {"en": ..., "uz": ...}
    example: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(String(200), default="")

    deck: Mapped[Deck] = relationship(back_populates="cards")


class DeckStudent(db.Model):
    """A student studying a deck."""

    __tablename__ = "deck_students"
    __cache_scope__ = "owner"  # lms.core.stamps

    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StudyCard(db.Model):
    """One student's FSRS memory state for one card (made when the card is first shown)."""

    __tablename__ = "study_cards"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (UniqueConstraint("user_id", "card_id"),
                      Index("ix_study_cards_user_due", "user_id", "due"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("deck_cards.id", ondelete="CASCADE"),
                                         index=True)
    state: Mapped[int] = mapped_column(default=1)  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: Mapped[int | None]
    stability: Mapped[float | None]
    difficulty: Mapped[float | None]
    due: Mapped[datetime] = mapped_column(UTCDateTime)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reps: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    card: Mapped[DeckCard] = relationship()


class CardReview(db.Model):
    """One rating given in a review session (the FSRS review log)."""

    __tablename__ = "card_reviews"
    __cache_scope__ = "owner"  # lms.core.stamps
    __table_args__ = (Index("ix_card_reviews_user_time", "user_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    study_card_id: Mapped[int] = mapped_column(ForeignKey("study_cards.id", ondelete="CASCADE"),
                                               index=True)
    rating: Mapped[int]  # 1 Again, 2 Hard, 3 Good, 4 Easy
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None]
    typed_answer: Mapped[str | None] = mapped_column(String(200))
    typed_correct: Mapped[bool | None]
    due_after: Mapped[datetime] = mapped_column(UTCDateTime)
