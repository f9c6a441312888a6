"""SCORM run-time and html5 score reports from sandboxed content.

- ``/content/<token>/__kakehashi__/scorm-api.js?item=<id>``: the API adapter with the
  launch's data, loaded by the SCO's own pages (the content blueprint's sandbox headers
  apply; the token is the credential, as for every content file).
- ``POST /learning/items/<id>/scorm``: Initialize/Commit/Terminate data relayed by the
  item page (static/js/content-host.js). JSON, CSRF header.
- ``POST /learning/items/<id>/report``: an html5 build's score or completion.
"""

from __future__ import annotations

from flask import abort, jsonify, make_response, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.authoring.models import Item
from lms.content import bp as content_bp
from lms.content import services as content
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.learning import bp, launches, scorm
from lms.learning.loaders import is_learner, viewable_item
from lms.learning.models import ScormAttempt

MAX_BODY_BYTES = 1024 * 1024


@content_bp.get("/<token>/" + scorm.API_SCRIPT_PATH)
def scorm_api(token: str):
    """The adapter for one launch of one SCO. Reading it changes nothing: the attempt
    is opened when the SCO calls Initialize."""
    version, user = content.resolve_token(token)
    item = db.session.get(Item, request.args.get("item", type=int) or 0)
    if item is None or item.version_id != version.id or item.kind != "scorm":
        abort(404)
    response = make_response(scorm.api_script(user, item))
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"  # it carries the learner's attempt
    return response


def _json_body() -> dict:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ValidationError(_("The data sent is too large."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(_("Send a JSON object."))
    return body


def _progress_json(progress_row) -> dict:
    if progress_row is None:
        return {"status": "not_started", "score": None}
    return {"status": progress_row.status, "score": progress_row.best_score}


@bp.post("/items/<int:item_id>/launch")
@login_required
def launch(item_id: int):
    """Open a launch of a SCORM or HTML5 item for the signed-in learner (JSON, CSRF
    header): {"token", "expires_at"}; for anyone else (a preview) {"preview": true}."""
    item = viewable_item(item_id)
    if item.kind not in launches.LAUNCH_KINDS:
        abort(404)
    if not is_learner(item):
        return jsonify({"preview": True})
    token, row = launches.open_launch(current_user, item)
    return jsonify({"token": token, "expires_at": row.expires_at.isoformat()}), 201


def _launch_of(item: Item):
    """The request's launch (header X-Kakehashi-Launch) of a learner; None in a preview."""
    if not is_learner(item):
        return None
    return launches.require_launch(current_user, item, request.headers.get(launches.HEADER))


@bp.post("/items/<int:item_id>/scorm")
@login_required
def scorm_call(item_id: int):
    """One Initialize, Commit or Terminate: {"id": uuid, "call": ..., "data": {...}}, sent
    with the launch's token."""
    item = viewable_item(item_id)
    if item.kind != "scorm":
        abort(404)
    body = _json_body()
    outcome = scorm.runtime_call(current_user, item, body.get("call"), body.get("data", {}),
                                 body.get("id"), launch=_launch_of(item))
    if not is_learner(item):
        return jsonify({"recorded": False, "preview": True})
    return jsonify({"recorded": outcome.recorded, "attempt": outcome.attempt,
                    **_progress_json(outcome.progress)})


@bp.post("/items/<int:item_id>/report")
@login_required
def html5_report(item_id: int):
    """An html5 build's report: {"id": uuid, "type": "score"|"complete"|"progress",
    "score": 0-100, "progress": 0-1}."""
    item = viewable_item(item_id)
    if item.kind != "html5":
        abort(404)
    body = _json_body()
    if not is_learner(item):
        return jsonify({"recorded": False, "preview": True})
    _launch_of(item)
    outcome = scorm.html5_report(current_user, item, body.get("type"), score=body.get("score"),
                                 value=body.get("progress"), report_id=body.get("id"))
    if outcome is None:
        return jsonify({"recorded": False, "ignored": True})
    return jsonify({"recorded": outcome.stored, **_progress_json(outcome.progress)})


@bp.app_template_global()
def scorm_attempt(item: Item) -> ScormAttempt | None:
    """The signed-in learner's latest attempt at a SCO (for the item page's note)."""
    if not current_user.is_authenticated:
        return None
    return scorm.latest_attempt(current_user.id, item)


@bp.app_template_global()
def scorm_resumable(attempt: ScormAttempt | None) -> bool:
    return scorm.resumable(attempt)
