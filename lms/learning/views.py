"""The student's daily view: dashboard, course outline, and the item player."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.catalog import services as catalog
from lms.core.errors import ValidationError
from lms.core.forms import LmsForm
from lms.core.pagecache import cached_page
from lms.extensions import db
from lms.learning import bp, progress, services, trust
from lms.learning.loaders import is_learner, viewable_item
from lms.learning.models import ItemProgress

MAX_SECONDS_PER_EVENT = 600  # a heartbeat never claims more than ten minutes of study


@bp.get("/")
@login_required
@cached_page
def dashboard():
    summaries, teaching = [], []
    if current_user.role == "student":
        summaries = services.progress_by_course(current_user, catalog.my_courses(current_user))
    elif current_user.role == "instructor":
        teaching = catalog.taught_courses(current_user)
    return render_template("learning/dashboard.html", summaries=summaries, teaching=teaching)


@bp.get("/courses/<code>")
@login_required
@cached_page
def course(code: str):
    course = catalog.course_by_code(code)
    if not catalog.can_view(current_user, course):
        # Not enrolled: the catalogue page explains the course and how to join it.
        return redirect(url_for("catalog.course", code=code))
    states = progress.course_states(current_user.id, course)
    manager = current_user.role != "student" and catalog.can_manage(current_user, course)
    return render_template("learning/course.html", course=course, states=states,
                           summary=services.summary_from_states(course, states, current_user),
                           module_complete=progress.module_complete, can_manage=manager)


@bp.get("/items/<int:item_id>")
@login_required
@cached_page
def item(item_id: int):
    item = viewable_item(item_id)
    current = services.current_item(item)
    if current is None:
        abort(404)
    if current.id != item.id:  # an old version's link: open the same item as it is now
        return redirect(url_for("learning.item", item_id=current.id))
    module = item.version.module
    state = db.session.scalar(select(ItemProgress).where(
        ItemProgress.user_id == current_user.id, ItemProgress.module_id == module.id,
        ItemProgress.item_key == item.key))
    previous, following = services.neighbours(item)
    return render_template("learning/item.html", item=item, version=item.version,
                           module=module, course=module.course, state=state,
                           learner=is_learner(item), form=LmsForm(),
                           previous=previous, following=following)


@bp.post("/items/<int:item_id>/done")
@login_required
def mark_done(item_id: int):
    """'I have read this': completes a page (the button works without JavaScript)."""
    item = viewable_item(item_id)
    if item.kind != "page":
        abort(404)
    if LmsForm().validate_on_submit() and is_learner(item):
        progress.record(current_user, item, "experienced", channel=trust.LEARNER,
                        result={"completion": True})
    following = services.neighbours(item)[1]
    target = url_for("learning.item", item_id=following.id) if following else url_for(
        "learning.course", code=item.version.module.course.code)
    return redirect(target)


@bp.post("/items/<int:item_id>/download")
@login_required
def download(item_id: int):
    """Record the download of an asset, then send the browser to the file."""
    from lms.learning.templating import item_file_url

    item = viewable_item(item_id)
    if item.kind != "asset" or not item.entry:
        abort(404)
    if LmsForm().validate_on_submit() and is_learner(item):
        progress.record(current_user, item, "experienced", channel=trust.LEARNER,
                        result={"completion": True})
    return redirect(item_file_url(item.version, item.entry, download=True), code=303)


@bp.post("/items/<int:item_id>/heartbeat")
@login_required
def heartbeat(item_id: int):
    """Progress from the page's script (video position, time spent). JSON, CSRF header.

    Body: {"id": uuid, "position": seconds, "watched": 0..1, "seconds": study time since
    the last heartbeat}. A video completes when ``watched`` reaches its complete_at.
    """
    item = viewable_item(item_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(_("Send a JSON object."))
    if not is_learner(item):
        return jsonify({"recorded": False}), 200
    position = _number(body.get("position"), 0, 24 * 3600, "position")
    watched = _number(body.get("watched"), 0, 1, "watched")
    seconds = int(_number(body.get("seconds"), 0, MAX_SECONDS_PER_EVENT, "seconds") or 0)
    result = {"duration": f"PT{seconds}S"} if seconds else None
    complete_at = float((item.settings or {}).get("complete_at", 0.9))
    if item.kind == "video" and watched is not None and watched >= complete_at:
        result = {**(result or {}), "completion": True}
        verb = "completed"
    else:
        verb = "progressed"
    outcome = progress.record(
        current_user, item, verb, channel=trust.LEARNER, result=result, event_id=body.get("id"),
        resume={"position": position} if position is not None else None)
    return jsonify({"recorded": outcome.stored,
                    "completed": bool(outcome.progress and outcome.progress.completed)})


def _number(value, low: float, high: float, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValidationError(_("'%(name)s' must be a number from %(low)s to %(high)s.",
                                name=name, low=low, high=high))
    return float(value)
