"""`flask japanese ...`: load the shipped decks."""

from __future__ import annotations

import click

from lms.japanese import bp, decks


@bp.cli.command("load-decks")
def load_decks_command():
    """Create or update the vocabulary and kanji decks shipped in lms/japanese/decks/."""
    for deck, report in decks.load_builtin_decks():
        click.echo(f"{deck.code}: {report.added} added, {report.updated} updated")


def load_demo_japanese() -> str:
    """For lms.demo: load the shipped decks and give the demo students JLPT levels and
    decks to review. Idempotent."""
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.extensions import db
    from lms.japanese import services
    from lms.japanese.models import DeckStudent

    loaded = decks.load_builtin_decks()
    levels = {"aziz.karimov@student.jdu.example": "N4", "gulnora.tosheva@student.jdu.example": "N5",
              "oybek.yoldoshev@student.jdu.example": "N5", "malika.nazarova@student.jdu.example": "N3",
              "tanaka.yui@student.jdu.example": "N1"}
    for email, level in levels.items():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            continue
        profile = services.ensure_profile(user)
        profile.jlpt_level = profile.jlpt_level or level
        for deck, _report in loaded:
            if db.session.get(DeckStudent, (deck.id, user.id)) is None:
                db.session.add(DeckStudent(deck_id=deck.id, user_id=user.id))
    db.session.commit()
    cards = sum(r.added + r.updated for _d, r in loaded)
    return f"Japanese: {len(loaded)} decks ({cards} cards), demo students' JLPT levels set."
