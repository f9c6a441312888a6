"""The student's daily view."""

from __future__ import annotations

from flask import render_template
from flask_login import login_required

from lms.learning import bp


@bp.get("/")
@login_required
def dashboard():
    return render_template("learning/dashboard.html")
