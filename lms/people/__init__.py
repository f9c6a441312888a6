from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")

from lms.people import views  # noqa: E402,F401
