"""Completion reports and certificates of completion.

Reports read: completion, scores, time spent, credits earned and who has stalled, by
programme, cohort, course, module, student and dates; shown as a page with charts and
exported as CSV, XLSX and PDF. Issuing a report or a certificate stores it through the
records feature's issued-document service (immutable bytes, SHA-256, Ed25519 signature,
/verify/<id>): this feature owns no tables.
"""

from flask import Blueprint

# The blueprint's own static folder holds the report page's stylesheet (CSP: 'self').
bp = Blueprint("reports", __name__, url_prefix="/reports", static_folder="static",
               static_url_path="/static")

from lms.reports import views  # noqa: E402,F401
