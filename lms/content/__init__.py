"""Serving uploaded package files (HTML5, SCORM, WebGL, media) sandboxed, by signed URL."""

from flask import Blueprint

bp = Blueprint("content", __name__, url_prefix="/content")

from lms.content import views  # noqa: E402,F401
