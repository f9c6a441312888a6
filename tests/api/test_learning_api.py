"""The learning API: my courses and progress, recording events, xAPI statements."""

import io
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item, Module
from lms.catalog import services as catalog
from lms.extensions import db
from tests.api.test_openapi import _check, document
from tests.conftest import PASSWORD
from tests.factories import module_zip, record_progress
from tests.learning.test_xapi import assert_valid_statement

BASE = "http://localhost"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def token_for(client, user) -> dict:
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
                        ).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def post_event(client, headers, item_id, body):
    return client.post(f"/api/v1/items/{item_id}/events", json=body, headers=headers)


def mark_quiz(client, user, item_id, verb, result=None) -> str:
    """A quiz outcome as the server's marking records it (the API may not): the event id."""
    with client.application.app_context():
        return record_progress(db.session.get(User, user.id), db.session.get(Item, item_id),
                               verb, result=result, attempt=verb == "attempted").event_id


def test_record_an_event_then_a_retry_changes_nothing(app, client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    spec = document(client)
    event_id = str(uuid.uuid4())
    when = (datetime.now(UTC) - timedelta(hours=2)).astimezone(timezone(timedelta(hours=5)))
    body = {"id": event_id, "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted"},
            "result": {"duration": "PT5M"}, "timestamp": when.isoformat()}
    first = post_event(client, headers, items["intro"], body)
    assert first.status_code == 201, first.get_json()
    _check(spec, "/items/{item_id}/events", "post", first)
    data = first.get_json()
    assert data["id"] == event_id and data["stored"] is True
    assert data["progress"]["status"] == "in_progress" and data["progress"]["best_score"] is None
    assert data["progress"]["attempts"] == 1 and data["progress"]["time_spent"] == 300
    again = post_event(client, headers, items["intro"], body)
    assert again.status_code == 200
    _check(spec, "/items/{item_id}/events", "post", again)
    assert again.get_json()["stored"] is False
    assert again.get_json()["progress"]["attempts"] == 1  # not counted twice


def test_short_verb_names_and_resume(client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    response = post_event(client, headers, items["intro"],
                          {"verb": "progressed", "resume": {"position": 12.5}})
    assert response.status_code == 201
    assert response.get_json()["progress"]["resume"] == {"position": 12.5}
    assert response.get_json()["progress"]["status"] == "in_progress"


def test_the_actor_is_always_the_token_owner(client, world):
    people, items = world
    aziz, bekzod = people["aziz"], people["bekzod"]
    headers = token_for(client, aziz)
    for other in ({"mbox": f"mailto:{bekzod.email}"},
                  {"account": {"homePage": BASE, "name": str(bekzod.id)}},
                  "Bekzod"):
        response = post_event(client, headers, items["intro"],
                              {"actor": other, "verb": "completed"})
        assert response.status_code == 422
        assert "someone else" in response.get_json()["error"]["message"]
    for own in ({"objectType": "Agent", "mbox": f"mailto:{aziz.email.upper()}"},
                {"account": {"homePage": BASE, "name": str(aziz.id)}}):
        response = post_event(client, headers, items["intro"],
                              {"actor": own, "verb": "completed"})
        assert response.status_code == 201


@pytest.mark.parametrize("body, words", [
    ({}, "'verb' is required"),
    ({"verb": "danced"}, "Unknown verb"),
    ({"verb": "scored", "result": {"score": {"scaled": 2}}}, "from 0 to 1"),
    ({"verb": "scored", "result": {"extensions": {"hint": 1}}}, "must be IRIs"),
    ({"verb": "completed", "timestamp": "2026-04-01T09:00:00"}, "time zone"),
    ({"verb": "completed", "timestamp": "yesterday"}, "ISO 8601"),
    ({"verb": "completed", "id": "not-a-uuid"}, "UUID"),
    ({"verb": "completed", "resume": [1]}, "'resume' must be an object"),
    ({"verb": "completed", "object": {"id": "http://elsewhere.example/a"}}, "another activity"),
])
def test_bad_events_are_422_with_a_reason(client, world, body, words):
    people, items = world
    spec = document(client)
    response = post_event(client, token_for(client, people["aziz"]), items["check"], body)
    assert response.status_code == 422
    _check(spec, "/items/{item_id}/events", "post", response)
    assert words in response.get_json()["error"]["message"]


def test_someone_elses_event_id_is_a_conflict(client, world):
    people, items = world
    event_id = str(uuid.uuid4())
    post_event(client, token_for(client, people["aziz"]), items["intro"],
               {"id": event_id, "verb": "completed"})
    response = post_event(client, token_for(client, people["bekzod"]), items["intro"],
                          {"id": event_id, "verb": "completed"})
    assert response.status_code == 409


def test_items_you_cannot_open_are_404_like_missing_ones(client, world):
    people, items = world
    headers = token_for(client, people["outsider"])
    hidden = post_event(client, headers, items["intro"], {"verb": "completed"})
    missing = post_event(client, headers, 999999, {"verb": "completed"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["error"]["message"].replace(str(items["intro"]), "N") == (
        missing.get_json()["error"]["message"].replace("999999", "N"))


def test_an_old_versions_item_records_on_the_current_one(app, client, world):
    people, items = world
    with app.app_context():
        course = catalog.course_by_code("GD101")
        authoring.import_package(course, io.BytesIO(module_zip("loops", [
            ("intro", "page", "Introduction v2"), ("check", "quiz", "Check")],
            title="Loops")), "loops2.zip")
        module = db.session.scalar(select(Module).where(Module.key == "loops"))
        current = db.session.scalar(select(Item.id).where(
            Item.version_id == module.current_version_id, Item.key == "intro"))
    response = post_event(client, token_for(client, people["aziz"]), items["intro"],
                          {"verb": "completed"})
    assert response.status_code == 201
    assert response.get_json()["progress"]["item_id"] == current


def test_my_courses_summarise_progress(client, world):
    people, items = world
    headers = token_for(client, people["bekzod"])
    post_event(client, headers, items["intro"], {"verb": "completed"})
    mark_quiz(client, people["bekzod"], items["check"], "scored",
              {"score": {"scaled": 0.5}})
    response = client.get("/api/v1/me/courses", headers=headers)
    assert response.status_code == 200
    _check(document(client), "/me/courses", "get", response)
    courses = {c["code"]: c for c in response.get_json()["courses"]}
    assert set(courses) == {"GD101", "AN101"}
    gd = courses["GD101"]
    assert (gd["items_done"], gd["items_required"], gd["percent"]) == (1, 2, 50)
    assert gd["score"] == 50.0  # the only scored item: check 50 (a page scores nothing)
    assert gd["completed"] is False
    assert gd["next_item"]["id"] == items["check"] and gd["next_item"]["title"] == {"en": "Check"}
    assert gd["next_item"]["url"].endswith(f"/learning/items/{items['check']}")
    mark_quiz(client, people["bekzod"], items["check"], "scored",
              {"score": {"scaled": 0.9}})
    gd = {c["code"]: c for c in client.get("/api/v1/me/courses", headers=headers
                                           ).get_json()["courses"]}["GD101"]
    assert gd["completed"] is True and gd["percent"] == 100
    assert gd["next_item"]["title"] == {"en": "Extra"}  # only the optional item is left
    outsider = client.get("/api/v1/me/courses", headers=token_for(client, people["outsider"]))
    assert outsider.get_json() == {"courses": []}


def test_my_progress_per_item(client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    mark_quiz(client, people["aziz"], items["check"], "attempted",
              {"score": {"scaled": 0.3}})
    post_event(client, headers, items["intro"], {"verb": "progressed",
                                                 "resume": {"scroll": 0.4},
                                                 "result": {"duration": "PT1M"}})
    response = client.get("/api/v1/me/progress?course=GD101", headers=headers)
    assert response.status_code == 200
    _check(document(client), "/me/progress", "get", response)
    body = response.get_json()
    assert body["summary"] == {"items_done": 0, "items_required": 2, "percent": 0,
                               "score": 30.0}  # from the one scored item
    (module,) = body["modules"]
    assert module["key"] == "loops" and module["title"] == {"en": "Loops"}
    by_key = {i["key"]: i for i in module["items"]}
    assert [i["key"] for i in module["items"]] == ["intro", "check", "extra"]
    assert by_key["intro"]["status"] == "in_progress"
    assert by_key["intro"]["time_spent"] == 60 and by_key["intro"]["resume"] == {"scroll": 0.4}
    assert by_key["check"]["status"] == "failed" and by_key["check"]["best_score"] == 30.0
    assert by_key["check"]["attempts"] == 1
    assert by_key["extra"]["status"] == "not_started" and by_key["extra"]["required"] is False


def test_my_progress_does_not_reveal_other_courses(client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    spec = document(client)
    not_mine = client.get("/api/v1/me/progress?course=AN101", headers=headers)
    no_such = client.get("/api/v1/me/progress?course=XX999", headers=headers)
    assert not_mine.status_code == no_such.status_code == 404
    _check(spec, "/me/progress", "get", not_mine)
    assert not_mine.get_json()["error"]["message"].replace("AN101", "X") == (
        no_such.get_json()["error"]["message"].replace("XX999", "X"))
    missing = client.get("/api/v1/me/progress", headers=headers)
    assert missing.status_code == 422 and "course=CODE" in missing.get_json()["error"]["message"]


# --- xAPI statements ----------------------------------------------------------------


@pytest.fixture
def statements_world(client, world):
    """Events: Aziz 2 in GD101, Bekzod 1 in GD101 and 1 in AN101."""
    people, items = world
    with client.application.app_context():
        an_item = db.session.scalar(select(Item.id).where(Item.key == "keys"))
    ids = {}
    aziz = token_for(client, people["aziz"])
    bekzod = token_for(client, people["bekzod"])
    for name, headers, item_id, verb in [("a1", aziz, items["intro"], "completed"),
                                         ("a2", None, items["check"], "attempted"),
                                         ("b1", bekzod, items["intro"], "completed"),
                                         ("b2", bekzod, an_item, "experienced")]:
        if headers is None:  # a quiz: only the server records it
            ids[name] = mark_quiz(client, people["aziz"], item_id, verb)
            continue
        ids[name] = post_event(client, headers, item_id, {"verb": verb}).get_json()["id"]
    return people, items, ids


def get_statements(client, user, query=""):
    response = client.get(f"/api/v1/xapi/statements{query}", headers=token_for(client, user))
    assert response.status_code == 200, response.get_json()
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    return response


def ids_seen(client, user, query=""):
    return [s["id"] for s in get_statements(client, user, query).get_json()["statements"]]


def test_who_sees_which_statements(client, statements_world):
    people, items, ids = statements_world
    assert ids_seen(client, people["aziz"]) == [ids["a1"], ids["a2"]]
    assert ids_seen(client, people["bekzod"]) == [ids["b1"], ids["b2"]]
    assert ids_seen(client, people["sato"]) == [ids["a1"], ids["a2"], ids["b1"]]
    assert ids_seen(client, people["ito"]) == [ids["b2"]]
    assert ids_seen(client, people["admin"]) == [ids["a1"], ids["a2"], ids["b1"], ids["b2"]]
    assert ids_seen(client, people["outsider"]) == []
    # Asking for someone else's statements finds nothing, whether or not they exist.
    assert ids_seen(client, people["aziz"],
                    f"?agent={quote('mailto:' + people['bekzod'].email)}") == []


def test_statements_are_valid_and_match_the_document(client, statements_world):
    people, items, ids = statements_world
    response = get_statements(client, people["admin"])
    _check(document(client), "/xapi/statements", "get", response)
    body = response.get_json()
    assert body["more"] == ""
    for statement in body["statements"]:
        assert_valid_statement(statement)
    first = body["statements"][0]
    assert first["actor"]["account"] == {"homePage": BASE, "name": str(people["aziz"].id)}
    assert first["object"]["id"] == f"{BASE}/xapi/activities/course/GD101/module/loops/item/intro"


def test_statement_filters(client, statements_world):
    people, items, ids = statements_world
    admin, bekzod = people["admin"], people["bekzod"]
    assert ids_seen(client, admin, f"?agent={quote('mailto:' + bekzod.email)}") == [
        ids["b1"], ids["b2"]]
    assert ids_seen(client, admin, f"?agent={bekzod.id}") == [ids["b1"], ids["b2"]]
    agent = quote(json.dumps({"objectType": "Agent",
                              "account": {"homePage": BASE, "name": str(people["aziz"].id)}}))
    assert ids_seen(client, admin, f"?agent={agent}") == [ids["a1"], ids["a2"]]
    assert ids_seen(client, admin, f"?verb={quote(COMPLETED)}") == [ids["a1"], ids["b1"]]
    intro = quote(f"{BASE}/xapi/activities/course/GD101/module/loops/item/intro")
    assert ids_seen(client, admin, f"?activity={intro}") == [ids["a1"], ids["b1"]]
    assert ids_seen(client, admin, f"?activity={intro}&agent={bekzod.id}") == [ids["b1"]]
    stored = {s["id"]: s["stored"] for s in
              get_statements(client, admin).get_json()["statements"]}
    since = quote(stored[ids["a2"]])
    assert ids_seen(client, admin, f"?since={since}") == [ids["b1"], ids["b2"]]  # exclusive
    assert ids_seen(client, admin, f"?until={since}") == [ids["a1"], ids["a2"]]  # inclusive
    assert ids_seen(client, admin, "?agent=nobody@nowhere") == []


def test_statements_page_with_more(client, statements_world):
    people, items, ids = statements_world
    seen, url, pages = [], "/api/v1/xapi/statements?limit=3", 0
    headers = token_for(client, people["admin"])
    while url:
        response = client.get(url, headers=headers)
        body = response.get_json()
        seen += [s["id"] for s in body["statements"]]
        url, pages = body["more"], pages + 1
        assert url == "" or url.startswith("/api/v1/xapi/statements?")
    assert pages == 2 and seen == [ids["a1"], ids["a2"], ids["b1"], ids["b2"]]


@pytest.mark.parametrize("query, words", [("?since=yesterday", "ISO 8601"),
                                          ("?limit=-1", "whole number"),
                                          ("?cursor=%%%", "cursor")])
def test_bad_statement_queries_say_why(client, world, query, words):
    people, items = world
    response = client.get(f"/api/v1/xapi/statements{query}",
                          headers=token_for(client, people["admin"]))
    assert response.status_code == 422
    _check(document(client), "/xapi/statements", "get", response)
    assert words in response.get_json()["error"]["message"]


def test_endpoints_need_a_token(client, world):
    people, items = world
    for method, url in [("get", "/api/v1/me/courses"), ("get", "/api/v1/me/progress?course=X"),
                        ("post", f"/api/v1/items/{items['intro']}/events"),
                        ("get", "/api/v1/xapi/statements")]:
        response = getattr(client, method)(url, json={} if method == "post" else None)
        assert response.status_code == 401, url
