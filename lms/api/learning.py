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
from lms.api.openapi import ERROR, LANG_TEXT, json_response
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


# --- OpenAPI: this module's paths and the schemas only they use (merged in lms.api.openapi) ---

_NULLABLE_NUMBER = {"type": ["number", "null"]}
_PROGRESS_PROPERTIES = {
    "status": {"enum": ["not_started", "in_progress", "completed", "passed", "failed"]},
    "completed": {"type": "boolean"},
    "passed": {"type": ["boolean", "null"]},
    "best_score": {**_NULLABLE_NUMBER, "description": "0-100"},
    "last_score": {**_NULLABLE_NUMBER, "description": "0-100"},
    "attempts": {"type": "integer"},
    "time_spent": {"type": "integer", "description": "Seconds"},
    "resume": {"type": ["object", "null"],
               "description": "Where to resume, e.g. {\"position\": 42.5}"},
    "completed_at": {"type": ["string", "null"], "format": "date-time"},
}
_XAPI_RESPONSE_HEADERS = {"X-Experience-API-Version": {"schema": {"const": "1.0.3"},
                                              "description": "Always 1.0.3"}}

_OPENAPI_PATHS: dict = {
    "/me/courses": {
        "get": {
            "summary": "Your enrolled courses with a progress summary each",
            "tags": ["learning"],
            "responses": {"200": json_response("Your courses", "MyCourses"), "401": ERROR},
        }
    },
    "/me/progress": {
        "get": {
            "summary": "Your progress in one course, per module and item",
            "description": "404 when you are not enrolled in the course, whether or not it "
                           "exists.",
            "tags": ["learning"],
            "parameters": [{"name": "course", "in": "query", "required": True,
                            "schema": {"type": "string"}, "description": "Course code"}],
            "responses": {"200": json_response("Your progress", "MyProgress"), "401": ERROR,
                          "404": ERROR, "422": ERROR},
        }
    },
    "/items/{item_id}/events": {
        "post": {
            "summary": "Record a learning event (an xAPI-shaped statement) on an item, or a "
                       "batch of them",
            "description": "The actor is always the token's user: an 'actor' naming someone "
                           "else is refused (422). Send an 'id' (UUID) so that a retry is "
                           "recognised: a repeated id answers 200 with stored false and "
                           "changes nothing. The verb 'attempted' counts one attempt. An item "
                           "of an older module version records on the current one.\n\n"
                           "Batch: send a JSON array of up to 100 events (e.g. a player's "
                           "queued heartbeats) to record them in one transaction, in array "
                           "order. As an xAPI LRS does with a statement batch, it is all or "
                           "nothing: if any event is invalid, none is stored and the 422 "
                           "lists every invalid one in 'details' as {index (from 0), id, "
                           "message, details}; the message names the first. An id already "
                           "recorded for you is skipped (stored false), so a retried batch is "
                           "a no-op (200, recorded 0); an id of someone else's event refuses "
                           "the batch (409, the event named in 'details'). Two events of one "
                           "batch may not share an id.",
            "tags": ["learning"],
            "parameters": [{"name": "item_id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "oneOf": [{"$ref": "#/components/schemas/EventInput"},
                          {"type": "array", "minItems": 1, "maxItems": 100,
                           "items": {"$ref": "#/components/schemas/EventInput"}}]}}}},
            "responses": {
                "201": {"description": "Recorded (a batch: at least one event was new)",
                        "content": {"application/json": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/EventRecorded"},
                            {"$ref": "#/components/schemas/EventBatchRecorded"}]}}}},
                "200": {"description": "Every id was recorded before; nothing changed",
                        "content": {"application/json": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/EventRecorded"},
                            {"$ref": "#/components/schemas/EventBatchRecorded"}]}}}},
                "400": ERROR, "401": ERROR, "404": ERROR, "409": ERROR, "413": ERROR,
                "422": ERROR,
            },
        }
    },
    "/xapi/statements": {
        "get": {
            "summary": "xAPI 1.0.3 statements (a StatementResult), oldest stored first",
            "description": "Students get their own statements, instructors those of the "
                           "courses they teach, administrators all. Follow 'more' (a relative "
                           "URL, empty when there is nothing more) for the next page.",
            "tags": ["xapi"],
            "parameters": [
                {"name": "agent", "in": "query", "required": False,
                 "schema": {"type": "string"},
                 "description": "A JSON Agent ({\"mbox\": \"mailto:...\"} or {\"account\": "
                                "{...}}), a mailto: IRI, or an account name (user id)"},
                {"name": "verb", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "iri"}},
                {"name": "activity", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "iri"},
                 "description": "An item's activity IRI"},
                {"name": "since", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date-time"},
                 "description": "Stored after (exclusive)"},
                {"name": "until", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date-time"},
                 "description": "Stored at or before (inclusive)"},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 0, "maximum": 500, "default": 100},
                 "description": "0 means the maximum, 500"},
                {"name": "cursor", "in": "query", "required": False,
                 "schema": {"type": "string"}, "description": "Set by 'more'"},
            ],
            "responses": {
                "200": {**json_response("Statements", "StatementResult"),
                        "headers": _XAPI_RESPONSE_HEADERS},
                "401": ERROR, "422": ERROR,
            },
        }
    },
}

_OPENAPI_SCHEMAS: dict = {
    "ItemRef": {
        "type": "object", "required": ["id", "key", "title", "url"],
        "properties": {"id": {"type": "integer"}, "key": {"type": "string"},
                       "title": LANG_TEXT, "url": {"type": "string"}},
    },
    "MyCourses": {
        "type": "object", "required": ["courses"],
        "properties": {"courses": {"type": "array", "items": {
            "type": "object",
            "required": ["code", "title", "items_done", "items_required", "percent", "score",
                         "completed", "next_item"],
            "properties": {
                "code": {"type": "string"}, "title": LANG_TEXT, "url": {"type": "string"},
                "items_done": {"type": "integer", "description": "Required items done"},
                "items_required": {"type": "integer"},
                "percent": {"type": "integer", "minimum": 0, "maximum": 100},
                "score": {**_NULLABLE_NUMBER, "description": "Course score so far, 0-100"},
                "completed": {"type": "boolean"},
                "next_item": {"oneOf": [{"$ref": "#/components/schemas/ItemRef"},
                                        {"type": "null"}]},
            }}}},
    },
    "ItemProgress": {
        "type": "object",
        "required": ["id", "key", "kind", "title", "status", "best_score", "attempts",
                     "time_spent", "resume"],
        "properties": {"id": {"type": "integer"}, "key": {"type": "string"},
                       "kind": {"type": "string"}, "title": LANG_TEXT,
                       "required": {"type": "boolean"}, "url": {"type": "string"},
                       **_PROGRESS_PROPERTIES},
    },
    "MyProgress": {
        "type": "object", "required": ["course", "summary", "modules"],
        "properties": {
            "course": {"type": "object", "required": ["code", "title"],
                       "properties": {"code": {"type": "string"}, "title": LANG_TEXT}},
            "summary": {"type": "object",
                        "required": ["items_done", "items_required", "percent", "score"],
                        "properties": {"items_done": {"type": "integer"},
                                       "items_required": {"type": "integer"},
                                       "percent": {"type": "integer"},
                                       "score": _NULLABLE_NUMBER}},
            "modules": {"type": "array", "items": {
                "type": "object", "required": ["key", "title", "items"],
                "properties": {"key": {"type": "string"}, "title": LANG_TEXT,
                               "version": {"type": ["integer", "null"]},
                               "items": {"type": "array", "items": {
                                   "$ref": "#/components/schemas/ItemProgress"}}}}},
        },
    },
    "EventInput": {
        "type": "object", "required": ["verb"],
        "properties": {
            "id": {"type": "string", "format": "uuid",
                   "description": "Recommended: makes retries safe"},
            "verb": {"oneOf": [
                {"type": "string", "description": "A short name such as completed, or an "
                                                  "ADL verb IRI"},
                {"type": "object", "required": ["id"],
                 "properties": {"id": {"type": "string", "format": "iri"},
                                "display": LANG_TEXT}}]},
            "result": {"type": "object", "description": "xAPI result", "properties": {
                "score": {"type": "object", "required": ["scaled"], "properties": {
                    "scaled": {"type": "number", "minimum": 0, "maximum": 1},
                    "raw": {"type": "number"}, "min": {"type": "number"},
                    "max": {"type": "number"}}},
                "success": {"type": "boolean"}, "completion": {"type": "boolean"},
                "duration": {"type": "string", "description": "ISO 8601, e.g. PT1M30S"},
                "response": {"type": "string"},
                "extensions": {"type": "object", "description": "Keys are IRIs"}},
                "additionalProperties": False},
            "timestamp": {"type": "string", "format": "date-time",
                          "description": "When it happened, with a time zone"},
            "resume": {"type": "object", "description": "Replaces the stored resume state"},
            "actor": {"type": "object", "description": "Optional; must be you"},
            "object": {"type": "object", "description": "Optional; must be this item"},
        },
    },
    "EventRecorded": {
        "type": "object", "required": ["id", "stored", "progress"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "stored": {"type": "boolean", "description": "False: a repeated id"},
            "progress": {"type": "object", "required": ["item_id", "key", "status"],
                         "properties": {"item_id": {"type": "integer"},
                                        "key": {"type": "string"},
                                        "course_completed": {"type": "boolean"},
                                        **_PROGRESS_PROPERTIES}},
        },
    },
    "EventBatchRecorded": {
        "type": "object", "required": ["recorded", "events", "progress"],
        "properties": {
            "recorded": {"type": "integer", "description": "Events stored by this request"},
            "events": {"type": "array", "description": "One per event sent, in order",
                       "items": {"type": "object", "required": ["id", "stored"],
                                 "properties": {"id": {"type": "string", "format": "uuid"},
                                                "stored": {"type": "boolean",
                                                           "description": "False: a "
                                                                          "repeated id"}}}},
            "progress": {"type": "object", "required": ["item_id", "key", "status"],
                         "description": "The item's progress after the whole batch",
                         "properties": {"item_id": {"type": "integer"},
                                        "key": {"type": "string"},
                                        "course_completed": {"type": "boolean"},
                                        **_PROGRESS_PROPERTIES}},
        },
    },
    "XapiAgent": {
        "type": "object", "required": ["objectType", "account"],
        "properties": {"objectType": {"const": "Agent"}, "name": {"type": "string"},
                       "account": {"type": "object", "required": ["homePage", "name"],
                                   "properties": {"homePage": {"type": "string"},
                                                  "name": {"type": "string"}}}},
    },
    "XapiActivity": {
        "type": "object", "required": ["objectType", "id"],
        "properties": {"objectType": {"const": "Activity"},
                       "id": {"type": "string", "format": "iri"},
                       "definition": {"type": "object", "properties": {
                           "name": {"type": "object",
                                    "additionalProperties": {"type": "string"}},
                           "type": {"type": "string", "format": "iri"}}}},
    },
    "XapiStatement": {
        "type": "object",
        "required": ["id", "actor", "verb", "object", "timestamp", "stored", "version",
                     "authority"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "actor": {"$ref": "#/components/schemas/XapiAgent"},
            "verb": {"type": "object", "required": ["id", "display"],
                     "properties": {"id": {"type": "string", "format": "iri"},
                                    "display": {"type": "object",
                                                "additionalProperties": {"type": "string"}}}},
            "object": {"$ref": "#/components/schemas/XapiActivity"},
            "result": {"type": "object"},
            "context": {"type": "object", "properties": {
                "platform": {"type": "string"},
                "contextActivities": {"type": "object", "properties": {
                    "parent": {"type": "array",
                               "items": {"$ref": "#/components/schemas/XapiActivity"}},
                    "grouping": {"type": "array",
                                 "items": {"$ref": "#/components/schemas/XapiActivity"}}}},
                "extensions": {"type": "object"}}},
            "timestamp": {"type": "string", "format": "date-time"},
            "stored": {"type": "string", "format": "date-time"},
            "version": {"const": "1.0.3"},
            "authority": {"$ref": "#/components/schemas/XapiAgent"},
        },
    },
    "StatementResult": {
        "type": "object", "required": ["statements", "more"],
        "properties": {"statements": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/XapiStatement"}},
                       "more": {"type": "string",
                                "description": "Relative URL of the next page, or empty"}},
    },
}

OPENAPI = {"paths": _OPENAPI_PATHS, "schemas": _OPENAPI_SCHEMAS}
