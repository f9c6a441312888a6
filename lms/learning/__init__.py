from flask import Blueprint

bp = Blueprint("learning", __name__, url_prefix="/learning")

# One views module per activity, so each stays small; all share this blueprint.
from lms.learning import (  # noqa: E402,F401
    assignment_views,
    insight_views,
    models,
    quiz_views,
    scorm_views,
    views,
)
