"""xAPI statements out: valid 1.0.3 statements, stable IRIs, and LRS forwarding."""

import base64
import io
import json
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest
from sqlalchemy import select, update

from lms.authoring import services as authoring
from lms.authoring.models import Item, Module
from lms.catalog import services as catalog
from lms.core.db import utcnow
from lms.extensions import db
from lms.learning import xapi
from lms.learning.models import LearningEvent, XapiOutbox
from tests.factories import make_course, module_zip, record_progress

PLATFORM = "https://lms.jdu.example"

# --- a JSON Schema of an xAPI 1.0.3 Statement as an LRS returns it, from the spec -----
# (xAPI-Data.md, section 2.4). Formats are spelled out as patterns: jsonschema checks
# "format" only with optional packages.
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
IRI = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$"
TIMESTAMP = (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?"
             r"(Z|[+-]\d{2}:\d{2})$")
DURATION = r"^P(\d+(\.\d+)?D)?(T(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
LANGUAGE_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"  # RFC 5646, simplified

STATEMENT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "iri": {"type": "string", "pattern": IRI},
        "languageMap": {"type": "object", "minProperties": 1,
                        "propertyNames": {"pattern": LANGUAGE_TAG},
                        "additionalProperties": {"type": "string"}},
        "extensions": {"type": "object", "propertyNames": {"pattern": IRI}},
        "account": {"type": "object", "required": ["homePage", "name"],
                    "additionalProperties": False,
                    "properties": {"homePage": {"$ref": "#/$defs/iri"},
                                   "name": {"type": "string", "minLength": 1}}},
        "agent": {
            "type": "object",
            "properties": {
                "objectType": {"const": "Agent"}, "name": {"type": "string"},
                "mbox": {"type": "string", "pattern": r"^mailto:[^@\s]+@[^@\s]+$"},
                "mbox_sha1sum": {"type": "string", "pattern": r"^[0-9a-f]{40}$"},
                "openid": {"$ref": "#/$defs/iri"},
                "account": {"$ref": "#/$defs/account"},
            },
            "additionalProperties": False,
            # Exactly one Inverse Functional Identifier.
            "oneOf": [{"required": [ifi]} for ifi in ("mbox", "mbox_sha1sum", "openid",
                                                      "account")],
        },
        "activity": {
            "type": "object", "required": ["id"], "additionalProperties": False,
            "properties": {
                "objectType": {"const": "Activity"},
                "id": {"$ref": "#/$defs/iri"},
                "definition": {
                    "type": "object", "additionalProperties": False,
                    "properties": {"name": {"$ref": "#/$defs/languageMap"},
                                   "description": {"$ref": "#/$defs/languageMap"},
                                   "type": {"$ref": "#/$defs/iri"},
                                   "moreInfo": {"$ref": "#/$defs/iri"},
                                   "extensions": {"$ref": "#/$defs/extensions"}},
                },
            },
        },
        "activityList": {"type": "array", "items": {"$ref": "#/$defs/activity"}},
    },
    "type": "object",
    "required": ["id", "actor", "verb", "object", "timestamp", "stored", "version",
                 "authority"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": UUID},
        "actor": {"$ref": "#/$defs/agent"},
        "verb": {"type": "object", "required": ["id"], "additionalProperties": False,
                 "properties": {"id": {"$ref": "#/$defs/iri"},
                                "display": {"$ref": "#/$defs/languageMap"}}},
        "object": {"$ref": "#/$defs/activity"},
        "result": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "score": {"type": "object", "additionalProperties": False, "properties": {
                    "scaled": {"type": "number", "minimum": -1, "maximum": 1},
                    "raw": {"type": "number"}, "min": {"type": "number"},
                    "max": {"type": "number"}}},
                "success": {"type": "boolean"}, "completion": {"type": "boolean"},
                "response": {"type": "string"},
                "duration": {"type": "string", "pattern": DURATION},
                "extensions": {"$ref": "#/$defs/extensions"},
            },
        },
        "context": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "registration": {"type": "string", "pattern": UUID},
                "instructor": {"$ref": "#/$defs/agent"},
                "contextActivities": {
                    "type": "object", "additionalProperties": False,
                    "properties": {k: {"$ref": "#/$defs/activityList"}
                                   for k in ("parent", "grouping", "category", "other")}},
                "revision": {"type": "string"}, "platform": {"type": "string"},
                "language": {"type": "string", "pattern": LANGUAGE_TAG},
                "extensions": {"$ref": "#/$defs/extensions"},
            },
        },
        "timestamp": {"type": "string", "pattern": TIMESTAMP},
        "stored": {"type": "string", "pattern": TIMESTAMP},
        "version": {"type": "string", "pattern": r"^1\.0\.\d+$"},
        "authority": {"$ref": "#/$defs/agent"},
        "attachments": {"type": "array"},
    },
}


def assert_valid_statement(statement: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(STATEMENT_SCHEMA)
    jsonschema.validate(statement, STATEMENT_SCHEMA, cls=jsonschema.Draft202012Validator)


@pytest.fixture
def lrs_app(app):
    app.config.update(PLATFORM_URL=PLATFORM)
    return app


@pytest.fixture
def course_items(lrs_app, make_user):
    student = make_user("student", name="Gulnora Tosheva")
    with lrs_app.app_context():
        course = make_course("GD101")
        authoring.import_package(course, io.BytesIO(module_zip("m1", [
            ("intro", "page", "Intro"), ("check", "quiz", "Check"),
            {"key": "play", "kind": "html5", "title": "Play"},
        ], title="Loops")), "m1.zip")
        catalog.enroll(course, [db.session.merge(student)], source="admin")
        items = {i.key: i.id for i in db.session.scalars(select(Item))}
    return student, items


def record(app, user, item_id, verb, **kw):
    with app.app_context():
        return record_progress(db.session.merge(user), db.session.get(Item, item_id), verb,
                               **kw).event.id


def statements_of(app, viewer_role="admin"):
    class Viewer:
        role, id = viewer_role, 0

    with app.test_request_context():
        return xapi.query_statements(Viewer(), xapi.StatementQuery(limit=500)).statements


def test_statements_are_valid_xapi_1_0_3(lrs_app, course_items):
    student, items = course_items
    record(lrs_app, student, items["intro"], "experienced", result={"duration": "PT2M"})
    record(lrs_app, student, items["check"], "scored", result={
        "score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10}, "success": True,
        "response": "a", "extensions": {"https://x.example/ext/hint-used": True,
                                        "not-an-iri": 1}})
    record(lrs_app, student, items["play"], "completed", result={"completion": True})
    statements = statements_of(lrs_app)
    assert len(statements) == 3
    for statement in statements:
        assert_valid_statement(statement)
    intro, quiz, play = statements
    assert intro["actor"] == {"objectType": "Agent", "name": "Gulnora Tosheva",
                              "account": {"homePage": PLATFORM, "name": str(student.id)}}
    assert "mbox" not in json.dumps(statements)  # no e-mail addresses leave in statements
    assert intro["verb"] == {"id": "http://adlnet.gov/expapi/verbs/experienced",
                             "display": {"en-US": "experienced"}}
    assert quiz["object"] == {
        "objectType": "Activity",
        "id": f"{PLATFORM}/xapi/activities/course/GD101/module/m1/item/check",
        "definition": {"name": {"en": "Check"},
                       "type": "http://adlnet.gov/expapi/activities/assessment"}}
    assert intro["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert play["object"]["definition"]["type"] == (
        "http://adlnet.gov/expapi/activities/interaction")
    assert quiz["result"]["score"] == {"scaled": 0.8, "raw": 8.0, "min": 0.0, "max": 10.0}
    assert quiz["result"]["extensions"] == {"https://x.example/ext/hint-used": True}
    context = quiz["context"]
    assert context["contextActivities"]["parent"][0]["id"] == (
        f"{PLATFORM}/xapi/activities/course/GD101/module/m1")
    assert context["contextActivities"]["parent"][0]["definition"]["type"] == (
        "http://adlnet.gov/expapi/activities/module")
    assert context["contextActivities"]["grouping"][0]["id"] == (
        f"{PLATFORM}/xapi/activities/course/GD101")
    assert context["extensions"] == {f"{PLATFORM}/xapi/extensions/module-version": 1}
    assert quiz["version"] == "1.0.3" and quiz["timestamp"].endswith("Z")


def test_an_item_keeps_its_iri_in_a_new_module_version(lrs_app, course_items):
    student, items = course_items
    record(lrs_app, student, items["check"], "attempted")
    with lrs_app.app_context():
        course = catalog.course_by_code("GD101")
        authoring.import_package(course, io.BytesIO(module_zip("m1", [
            ("check", "quiz", "Check, revised"), ("intro", "page", "Intro")],
            title="Loops")), "m1-v2.zip")
        module = db.session.scalar(select(Module))
        new_check = db.session.scalar(select(Item).where(
            Item.version_id == module.current_version_id, Item.key == "check")).id
    assert new_check != items["check"]
    record(lrs_app, student, new_check, "attempted")
    old, new = statements_of(lrs_app)
    assert old["object"]["id"] == new["object"]["id"]
    assert new["object"]["definition"]["name"] == {"en": "Check, revised"}
    assert [s["context"]["extensions"][f"{PLATFORM}/xapi/extensions/module-version"]
            for s in (old, new)] == [1, 2]


def test_item_iris_round_trip():
    iri = xapi.item_iri(PLATFORM, "JP-N5", "unit 1", "q/1")
    assert iri == f"{PLATFORM}/xapi/activities/course/JP-N5/module/unit%201/item/q%2F1"
    assert xapi.parse_item_iri(PLATFORM, iri) == ("JP-N5", "unit 1", "q/1")
    assert xapi.parse_item_iri(PLATFORM, "https://elsewhere.example/x") is None


# --- forwarding -------------------------------------------------------------------


class FakeLrs:
    """A real HTTP server on 127.0.0.1 answering POST /xapi/statements with the given
    statuses in turn (then 200), recording what arrived."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests = []
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = lrs.statuses.pop(0) if lrs.statuses else 200
                lrs.requests.append({"path": self.path,
                                     "headers": {k.lower(): v for k, v in self.headers.items()},
                                     "body": body, "status": status})
                payload = json.dumps([s["id"] for s in body]).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xapi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)

    def accepted_ids(self):
        return [s["id"] for r in self.requests if r["status"] in (200, 204) for s in r["body"]]


@pytest.fixture
def lrs():
    servers = []

    def start(statuses=()):
        servers.append(FakeLrs(statuses))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def configure_lrs(app, url):
    app.config.update(XAPI_LRS_URL=url, XAPI_LRS_USERNAME="kakehashi",
                      XAPI_LRS_PASSWORD="s3cret pass")


def outbox(app):
    with app.app_context():
        return [(r.tries, r.sent_at is not None, r.last_error, r.next_try_at)
                for r in db.session.scalars(select(XapiOutbox).order_by(XapiOutbox.id))]


def test_no_outbox_without_an_lrs(lrs_app, course_items):
    student, items = course_items
    record(lrs_app, student, items["intro"], "completed")
    assert outbox(lrs_app) == []


def test_forwarding_retries_after_a_failure_and_never_sends_twice(lrs_app, course_items, lrs):
    student, items = course_items
    server = lrs([500])  # the LRS fails once, then accepts
    configure_lrs(lrs_app, server.url)
    ids = [record(lrs_app, student, items["intro"], "completed"),
           record(lrs_app, student, items["check"], "scored",
                  result={"score": {"scaled": 0.9}})]
    assert [row[:2] for row in outbox(lrs_app)] == [(0, False), (0, False)]
    now = utcnow()
    with lrs_app.app_context():
        first = xapi.forward_pending(now=now)
    assert (first.sent, first.failed) == (0, 2) and "HTTP 500" in first.errors[0]
    rows = outbox(lrs_app)
    assert [row[:3] for row in rows] == [(1, False, first.errors[0])] * 2
    assert all(row[3] == now + timedelta(minutes=1) for row in rows)  # waits before a retry

    with lrs_app.app_context():  # not due yet: nothing is sent
        assert xapi.forward_pending(now=now + timedelta(seconds=30)).sent == 0
    assert len(server.requests) == 1

    with lrs_app.app_context():
        second = xapi.forward_pending(now=now + timedelta(minutes=2))
    assert (second.sent, second.failed) == (2, 0)
    assert [row[:3] for row in outbox(lrs_app)] == [(1, True, None)] * 2

    with lrs_app.app_context():  # everything went: nothing more to send
        assert xapi.forward_pending(now=now + timedelta(hours=5)).sent == 0
    assert len(server.requests) == 2

    request = server.requests[1]
    assert request["path"] == "/xapi/statements"
    assert request["headers"]["x-experience-api-version"] == "1.0.3"
    assert request["headers"]["authorization"] == "Basic " + base64.b64encode(
        b"kakehashi:s3cret pass").decode()
    assert [s["id"] for s in request["body"]] == ids
    assert request["body"][1]["result"]["score"]["scaled"] == 0.9
    assert request["body"][1]["object"]["id"].endswith("/module/m1/item/check")
    for statement in request["body"]:  # the LRS sets these two itself
        assert "stored" not in statement and "authority" not in statement
        assert_valid_statement({**statement, "stored": statement["timestamp"],
                                "authority": {"objectType": "Agent", "account": {
                                    "homePage": PLATFORM, "name": "lrs"}}})
    assert server.accepted_ids() == ids  # each statement accepted exactly once


def test_forwarding_sends_batches(lrs_app, course_items, lrs):
    student, items = course_items
    server = lrs()
    configure_lrs(lrs_app, server.url + "/")
    ids = [record(lrs_app, student, items["intro"], "experienced") for _ in range(5)]
    with lrs_app.app_context():
        report = xapi.forward_pending(limit=4, batch_size=3)
    assert report.sent == 4
    assert [len(r["body"]) for r in server.requests] == [3, 1]
    with lrs_app.app_context():
        assert xapi.forward_pending(batch_size=3).sent == 1
    assert [s["id"] for r in server.requests for s in r["body"]] == ids


def test_backoff_grows_and_is_capped_at_an_hour(lrs_app, course_items):
    student, items = course_items
    configure_lrs(lrs_app, "http://lrs.invalid/xapi")
    record(lrs_app, student, items["intro"], "completed")
    calls = []

    def failing_post(url, data, headers):
        calls.append(url)
        return 503

    now = utcnow()
    waits = []
    for _ in range(9):
        with lrs_app.app_context():
            xapi.forward_pending(now=now, post=failing_post)
        tries, sent, error, next_try = outbox(lrs_app)[0]
        waits.append(next_try - now)
        now = next_try
    assert calls == ["http://lrs.invalid/xapi/statements"] * 9
    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert (tries, sent, error) == (9, False, "HTTP 503 from http://lrs.invalid/xapi/statements")


def test_an_unreachable_lrs_is_a_failure_not_a_crash(lrs_app, course_items, lrs):
    student, items = course_items
    server = lrs()
    url = server.url
    server.stop()  # nobody listens there any more
    configure_lrs(lrs_app, url)
    record(lrs_app, student, items["intro"], "completed")
    with lrs_app.app_context():
        report = xapi.forward_pending()
    assert (report.sent, report.failed) == (0, 1)
    tries, sent, error, _next = outbox(lrs_app)[0]
    assert tries == 1 and not sent and "URLError" in error


def test_cli_forwards_and_explains_missing_settings(lrs_app, course_items, lrs, runner):
    import lms.learning.cli  # noqa: F401 - registers `lms xapi-forward` on the lms group

    student, items = course_items
    result = runner.invoke(args=["lms", "xapi-forward"])
    assert result.exit_code != 0 and "XAPI_LRS_URL" in result.output
    server = lrs([503])
    configure_lrs(lrs_app, server.url)
    event_id = record(lrs_app, student, items["intro"], "completed")
    result = runner.invoke(args=["lms", "xapi-forward"])
    assert result.exit_code == 1  # visible to cron: the LRS took nothing
    assert "Sent 0, failed 1" in result.output and "HTTP 503" in result.output
    with lrs_app.app_context():  # pretend the back-off has passed
        db.session.execute(update(XapiOutbox).values(next_try_at=utcnow()))
        db.session.commit()
    result = runner.invoke(args=["lms", "xapi-forward"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0" in result.output
    assert server.accepted_ids() == [event_id]
    lrs_app.config["PLATFORM_URL"] = None
    record(lrs_app, student, items["intro"], "completed")
    result = runner.invoke(args=["lms", "xapi-forward"])
    assert result.exit_code != 0 and "PLATFORM_URL" in result.output


def test_outbox_rows_survive_in_the_database(lrs_app, course_items):
    """Queued in the same transaction as the event: a restart loses nothing."""
    student, items = course_items
    configure_lrs(lrs_app, "http://lrs.invalid/xapi")
    event_id = record(lrs_app, student, items["intro"], "completed")
    with lrs_app.app_context():
        db.session.remove()
        db.engine.dispose()
        row = db.session.scalar(select(XapiOutbox))
        assert row.event_id == event_id and row.sent_at is None
        assert db.session.get(LearningEvent, event_id) is not None
        assert uuid.UUID(event_id)
