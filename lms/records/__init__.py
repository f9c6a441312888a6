"""Dual-degree academic records: grade scales, results and credit records, transfers,
GPA, degree audit, transcripts and verifiable issued documents, HEMIS export.

Two blueprints: ``records`` under /records, and ``verify`` for the public verification
page at /verify/<id> (its address is printed on every issued document, so it is short and
outside /records).
"""

from flask import Blueprint

bp = Blueprint("records", __name__, url_prefix="/records")
verify_bp = Blueprint("verify", __name__, url_prefix="")

# One views module per audience, so each stays small; all share these blueprints.
from lms.records import (  # noqa: E402,F401
    admin_views,
    models,
    result_views,
    verify_views,
    views,
)
