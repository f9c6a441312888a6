from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

from lms.catalog import reference_views, views  # noqa: E402,F401
