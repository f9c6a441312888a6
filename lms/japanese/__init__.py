"""Japanese: furigana, JLPT levels and certifications, vocabulary decks with FSRS."""

from flask import Blueprint

bp = Blueprint("japanese", __name__, url_prefix="/japanese")

from lms.japanese import cli, models, views  # noqa: E402,F401
