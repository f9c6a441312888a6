from flask import Blueprint

bp = Blueprint("learning", __name__, url_prefix="/learning")

from lms.learning import models, views  # noqa: E402,F401
