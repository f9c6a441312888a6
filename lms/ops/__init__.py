"""Operations: health probes, structured request logs, backups and restores.

``/healthz`` answers while the process is up (no database); ``/readyz`` answers 200 only
when the database is reachable within a second and its schema is at the migrations' head.
No URL prefix: load balancers and orchestrators expect these two paths at the root.
"""

from flask import Blueprint

bp = Blueprint("ops", __name__)

from lms.ops import views  # noqa: E402,F401
