from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from lms.api import courses, japanese, learning, records, reports, views  # noqa: E402,F401
