"""Spaced repetition with FSRS (the ``fsrs`` package): our rows in, the library's scheduling out.

Nothing here decides an interval: ``schedule`` hands the stored memory state to
``fsrs.Scheduler.review_card`` and copies back what it returns, so due dates are exactly
the library's for the same ratings and review times.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from fsrs import Card, Rating, Scheduler, State

RATINGS = {1: Rating.Again, 2: Rating.Hard, 3: Rating.Good, 4: Rating.Easy}


def scheduler() -> Scheduler:
    """The scheduler with this installation's settings (JAPANESE_FSRS_RETENTION, default
    0.9; JAPANESE_FSRS_FUZZING, default on: spreads reviews of cards learnt together)."""
    config = current_app.config
    return Scheduler(desired_retention=float(config.get("JAPANESE_FSRS_RETENTION", 0.9)),
                     enable_fuzzing=bool(config.get("JAPANESE_FSRS_FUZZING", True)))


def to_fsrs(row) -> Card:
    return Card(card_id=row.id or 1, state=State(row.state), step=row.step,
                stability=row.stability, difficulty=row.difficulty, due=row.due,
                last_review=row.last_review)


def schedule(row, rating: int, when: datetime) -> None:
    """Apply one rating (1 Again .. 4 Easy) given at ``when`` to a StudyCard row."""
    card, _log = scheduler().review_card(to_fsrs(row), RATINGS[rating], when)
    row.state, row.step = int(card.state), card.step
    row.stability, row.difficulty = card.stability, card.difficulty
    row.due, row.last_review = card.due, card.last_review
    row.reps = (row.reps or 0) + 1
    if rating == 1 and row.state == int(State.Relearning):
        row.lapses = (row.lapses or 0) + 1


def retrievability(row, when: datetime) -> float | None:
    if row.stability is None:
        return None
    return scheduler().get_card_retrievability(to_fsrs(row), when)
