"""A student's own courses and progress, recording learning events, and the xAPI
statement query."""

from __future__ import annotations

import hashlib

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.api import bp
from lms.api.auth import token_required
from lms.api.errors import ApiError
from lms.catalog import services as catalog
from lms.core.errors import Conflict, LmsError
from lms.learning import insights, progress, services, trust, xapi

XAPI_HEADER = {"X-Experience-API-Version": xapi.XAPI_VERSION}
MAX_BATCH = 100  # events in one request: one transaction, one commit


def item_ref(item) -> dict | None:
    if item is None:
        return None
    return {"id": item.id, "key": item.key, "title": item.title,
            "url": url_for("learning.item", item_id=item.id, _external=True)}


def progress_json(row) -> dict:
    """ItemProgress (or None: not started) as the API shows it."""
    return {
        "status": row.status if row else "not_started",
        "completed": bool(row and row.completed),
        "passed": row.passed if row else None,
        "best_score": row.best_score if row else None,
        "last_score": row.last_score if row else None,
        "attempts": row.attempts if row else 0,
        "time_spent": row.time_spent if row else 0,
        "resume": row.resume if row else None,
        "completed_at": row.completed_at.isoformat() if row and row.completed_at else None,
    }


@bp.get("/me/courses")
@token_required()
def my_courses():
    user = g.api_user
    courses = catalog.my_courses(user)
    summaries = services.progress_by_course(user, courses)
    scores = insights.course_scores(user, courses)
    return jsonify({"courses": [{
        "code": s.course.code,
        "title": s.course.title,
        "url": url_for("learning.course", code=s.course.code, _external=True),
        "items_done": s.done_required,
        "items_required": s.total_required,
        "percent": s.percent,
        "score": scores.get(s.course.id),
        "completed": s.completed,
        "next_item": item_ref(s.next_item),
    } for s in summaries]})


@bp.get("/me/progress")
@token_required()
def my_progress():
    code = request.args.get("course", "").strip()
    if not code:
        raise ApiError(422, "validation_failed",
                       _("Name the course: /api/v1/me/progress?course=CODE."))
    user = g.api_user
    try:
        course = catalog.course_by_code(code)
    except LmsError:
        course = None
    if course is None or catalog.enrollment_of(user, course) is None:
        # The same answer for a course that does not exist and one you are not in.
        raise ApiError(404, "not_found", _("You are not enrolled in a course with the code "
                                           "%(code)s.", code=code))
    states, summary = insights.student_progress(user, course)
    return jsonify({
        "course": {"code": course.code, "title": course.title},
        "summary": {"items_done": summary.done, "items_required": summary.required,
                    "percent": summary.percent, "score": summary.score},
        "modules": [{
            "key": module.key,
            "title": module.current_version.title if module.current_version else {},
            "version": module.current_version.number if module.current_version else None,
            "items": [{
                "id": s.item.id, "key": s.item.key, "kind": s.item.kind,
                "title": s.item.title, "required": bool(s.settings.get("required", True)),
                "url": url_for("learning.item", item_id=s.item.id, _external=True),
                **progress_json(s.progress),
            } for s in items],
        } for module, items in states],
    })


def _refuse_other_actor(actor, user) -> None:
    """An actor in the body may only name the token's user (it is ignored then)."""
    if actor is None:
        return
    base = xapi.platform_url()
    ok = False
    if isinstance(actor, dict):
        mbox = actor.get("mbox")
        account = actor.get("account")
        sha1 = actor.get("mbox_sha1sum")
        own_mbox = "mailto:" + user.email
        if isinstance(mbox, str) and mbox.strip().lower() == own_mbox:
            ok = True
        elif isinstance(sha1, str) and sha1.lower() == hashlib.sha1(  # noqa: S324 - xAPI's
                own_mbox.encode(), usedforsecurity=False).hexdigest():
            ok = True
        elif isinstance(account, dict) and str(account.get("name")) == str(user.id) and (
                account.get("homePage") in (None, base)):
            ok = True
    if not ok:
        raise ApiError(422, "validation_failed",
                       _("The actor is always the owner of the token; this statement names "
                         "someone else. Leave 'actor' out."),
                       [{"field": "actor", "message": _("Not the token's user.")}])


def _verb(body) -> str:
    verb = body.get("verb")
    if isinstance(verb, dict):
        verb = verb.get("id")
    if not isinstance(verb, str) or not verb:
        raise ApiError(422, "validation_failed",
                       _("'verb' is required: an object with an 'id' IRI, or a short name "
                         "such as completed."),
                       [{"field": "verb", "message": _("This field is required.")}])
    return verb


def _check_object(body, target) -> None:
    obj = body.get("object")
    if obj is None:
        return
    own = xapi.item_iri(xapi.platform_url(), target.course_code, target.module_key,
                        target.item_key)
    if not isinstance(obj, dict) or obj.get("id") != own:
        raise ApiError(422, "validation_failed",
                       _("'object' names another activity; this address records events of "
                         "%(iri)s. Leave 'object' out.", iri=own),
                       [{"field": "object", "message": own}])


def _result(body):
    result = body.get("result")
    if isinstance(result, dict) and isinstance(result.get("extensions"), dict):
        bad = [k for k in result["extensions"] if not xapi.is_iri(k)]
        if bad:
            raise ApiError(422, "validation_failed",
                           _("Result extension keys must be IRIs: %(keys)s.",
                             keys=", ".join(sorted(bad))),
                           [{"field": "result.extensions", "message": k} for k in bad])
    return result


def _event_input(body: dict, user, target) -> progress.EventInput:
    """One event of the request body, validated (ApiError or ValidationError says why)."""
    _refuse_other_actor(body.get("actor"), user)
    verb = _verb(body)
    _check_object(body, target)
    result = _result(body)
    timestamp = body.get("timestamp")
    if timestamp is not None:
        if not isinstance(timestamp, str):
            raise ApiError(422, "validation_failed",
                           _("'timestamp' must be an ISO 8601 date-time such as "
                             "2026-04-01T09:00:00Z."))
        timestamp = xapi.parse_timestamp(timestamp, "timestamp")
    resume = body.get("resume")
    if resume is not None and not isinstance(resume, dict):
        raise ApiError(422, "validation_failed", _("'resume' must be an object, e.g. "
                                                   "{\"position\": 42.5}."))
    return progress.clean_event(
        verb, result=result, event_id=body.get("id"), timestamp=timestamp, resume=resume,
        attempt=progress.verb_iri(verb) == progress.VERBS["attempted"], client_time=True)


def _progress_body(target, outcome) -> dict:
    return {"item_id": target.item_id, "key": target.item_key,
            **progress_json(outcome.progress), "course_completed": outcome.course_completed}


@bp.post("/items/<int:item_id>/events")
@token_required()
def record_event(item_id: int):
    """One event (a JSON object) or a batch (a JSON array) on one item."""
    user = g.api_user
    target = progress.event_target(user, item_id)  # NotFound -> 404
    body = request.get_json(silent=True)
    if isinstance(body, list):
        return _record_batch(user, target, body)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request",
                       _("Send a JSON object (one event) or an array of events with "
                         "Content-Type: application/json."))
    event = _event_input(body, user, target)
    outcome = progress.record_events(user.id, target, [event], channel=trust.LEARNER)
    return jsonify({"id": event.id, "stored": outcome.stored[0],
                    "progress": _progress_body(target, outcome)}), (
        201 if outcome.stored[0] else 200)


def _record_batch(user, target, bodies: list):
    """All or nothing, as an xAPI LRS treats a statement batch: every event is checked
    first; if any is invalid, nothing is stored and the answer names each bad one by its
    position in the array (counting from 0)."""
    if not bodies:
        raise ApiError(422, "validation_failed", _("The batch is empty: send at least one "
                                                   "event."))
    if len(bodies) > MAX_BATCH:
        raise ApiError(413, "too_large", _("Send at most %(n)d events in one batch.",
                                           n=MAX_BATCH))
    events, problems, seen = [], [], {}
    for index, body in enumerate(bodies):
        try:
            if not isinstance(body, dict):
                raise ApiError(422, "validation_failed", _("Each event must be a JSON object."))
            event = _event_input(body, user, target)
            if event.id in seen:
                raise ApiError(422, "validation_failed",
                               _("Event %(index)d has the same id: each event of a batch "
                                 "needs its own id.", index=seen[event.id]))
            seen[event.id] = index
            events.append(event)
        except (ApiError, LmsError) as exc:
            own_id = body.get("id") if isinstance(body, dict) else None
            problems.append({"index": index, "id": own_id if isinstance(own_id, str) else None,
                             "message": exc.message, "details": exc.details})
    if problems:
        first = problems[0]
        raise ApiError(422, "validation_failed", ngettext(
            "Nothing was stored: %(num)d event of the batch is invalid. Event %(index)d "
            "(counting from 0): %(reason)s",
            "Nothing was stored: %(num)d events of the batch are invalid. The first, event "
            "%(index)d (counting from 0): %(reason)s",
            len(problems), index=first["index"], reason=first["message"]), problems)
    try:
        outcome = progress.record_events(user.id, target, events,
                                         channel=trust.LEARNER)
    except Conflict as exc:
        raise ApiError(409, "conflict", _(
            "Nothing was stored: the id of event %(index)d (counting from 0) belongs to an "
            "event recorded before for someone else. Give it a new id.",
            index=exc.details[0]["index"]), exc.details) from exc
    recorded = sum(outcome.stored)
    return jsonify({
        "recorded": recorded,
        "events": [{"id": e.id, "stored": stored}
                   for e, stored in zip(events, outcome.stored, strict=True)],
        "progress": _progress_body(target, outcome),
    }), 201 if recorded else 200


@bp.get("/xapi/statements")
@token_required()
def xapi_statements():
    args = request.args
    query = xapi.StatementQuery(
        agent=args.get("agent") or None, verb=args.get("verb") or None,
        activity=args.get("activity") or None,
        since=xapi.parse_timestamp(args["since"], "since") if args.get("since") else None,
        until=xapi.parse_timestamp(args["until"], "until") if args.get("until") else None,
        limit=xapi.parse_limit(args.get("limit")), cursor=args.get("cursor") or None,
    )
    page = xapi.query_statements(g.api_user, query)
    more = ""
    if page.next_cursor:
        params = {k: v for k, v in args.items() if k != "cursor" and v}
        more = url_for("api.xapi_statements", **params, cursor=page.next_cursor)
    response = jsonify({"statements": page.statements, "more": more})
    response.headers.update(XAPI_HEADER)
    return response
