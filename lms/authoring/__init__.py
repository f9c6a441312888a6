from flask import Blueprint

bp = Blueprint("authoring", __name__, url_prefix="/authoring")

from lms.authoring import views  # noqa: E402,F401
