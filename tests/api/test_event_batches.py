"""Recording learning events in batches (a JSON array), and the cost of one event."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select

from lms.auth.models import User
from lms.authoring.models import Item
from lms.extensions import db
from lms.learning.models import CourseResult, ItemProgress, LearningEvent
from tests.api.test_learning_api import post_event, token_for
from tests.api.test_openapi import _check, document
from tests.factories import record_progress

PATH = "/items/{item_id}/events"


def events_stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LearningEvent))


def progress_of(app, user, key):
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(
            ItemProgress.user_id == user.id, ItemProgress.item_key == key))
        return None if row is None else (row.completed, row.passed, row.best_score,
                                          row.last_score, row.attempts, row.time_spent,
                                          row.resume)


_CLOCK = [datetime.now(UTC) - timedelta(days=1)]


def heartbeat(seconds=15, position=None, **extra):
    """A client's heartbeat: its duration ends at its timestamp, and each one comes that
    much later than the one before, as a real player sends them (study time is counted
    by wall clock: overlapping durations count once)."""
    _CLOCK[0] += timedelta(seconds=seconds)
    body = {"id": str(uuid.uuid4()), "verb": "progressed", "timestamp": _CLOCK[0].isoformat(),
            "result": {"duration": f"PT{seconds}S"}, **extra}
    if position is not None:
        body["resume"] = {"position": position}
    return body


def test_a_batch_is_stored_in_one_go_and_a_retry_changes_nothing(app, client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    spec = document(client)
    batch = [heartbeat(15, 10.0), heartbeat(15, 25.0), heartbeat(30),
             {"id": str(uuid.uuid4()), "verb": "completed"}]
    first = post_event(client, headers, items["intro"], batch)
    assert first.status_code == 201, first.get_json()
    _check(spec, PATH, "post", first)
    body = first.get_json()
    assert body["recorded"] == 4
    assert body["events"] == [{"id": e["id"], "stored": True} for e in batch]
    assert body["progress"]["time_spent"] == 60
    assert body["progress"]["resume"] == {"position": 25.0}  # the latest one sent
    assert body["progress"]["status"] == "completed"
    assert events_stored(app) == 4
    again = post_event(client, headers, items["intro"], batch)
    assert again.status_code == 200
    _check(spec, PATH, "post", again)
    assert again.get_json()["recorded"] == 0
    assert [e["stored"] for e in again.get_json()["events"]] == [False] * 4
    assert events_stored(app) == 4
    assert progress_of(app, people["aziz"], "intro")[5] == 60  # time not counted twice


def test_a_batch_with_some_events_seen_before_stores_only_the_new_ones(app, client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    old = heartbeat(20)
    post_event(client, headers, items["intro"], old)
    response = post_event(client, headers, items["intro"], [old, heartbeat(40)])
    assert response.status_code == 201
    assert [e["stored"] for e in response.get_json()["events"]] == [False, True]
    assert response.get_json()["recorded"] == 1
    assert progress_of(app, people["aziz"], "intro")[5] == 60


def test_one_bad_event_refuses_the_batch_and_says_which_and_why(app, client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    spec = document(client)
    bad = {"id": str(uuid.uuid4()), "verb": "scored", "result": {"score": {"scaled": 7}}}
    response = post_event(client, headers, items["check"], [heartbeat(), bad, heartbeat()])
    assert response.status_code == 422
    _check(spec, PATH, "post", response)
    error = response.get_json()["error"]
    assert "Nothing was stored" in error["message"]
    assert "Event 1 (counting from 0)" in error["message"]
    assert "from 0 to 1" in error["message"]
    assert error["details"] == [{"index": 1, "id": bad["id"], "message": error["details"][0][
        "message"], "details": []}]
    assert events_stored(app) == 0 and progress_of(app, people["aziz"], "check") is None


def test_every_bad_event_is_listed(client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    response = post_event(client, headers, items["intro"], [
        {"verb": "danced"}, heartbeat(), "not an object", {"verb": "completed",
                                                           "id": "not-a-uuid"}])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "3 events of the batch are invalid" in error["message"]
    assert [d["index"] for d in error["details"]] == [0, 2, 3]
    assert "Unknown verb" in error["details"][0]["message"]
    assert "JSON object" in error["details"][1]["message"]
    assert "UUID" in error["details"][2]["message"]


def test_two_events_of_a_batch_cannot_share_an_id(app, client, world):
    people, items = world
    same = heartbeat()
    response = post_event(client, token_for(client, people["aziz"]), items["intro"],
                          [same, heartbeat(), dict(same)])
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["index"] == 2
    assert "Event 0 has the same id" in response.get_json()["error"]["details"][0]["message"]
    assert events_stored(app) == 0


def test_someone_elses_id_in_a_batch_refuses_it(app, client, world):
    people, items = world
    theirs = heartbeat()
    post_event(client, token_for(client, people["bekzod"]), items["intro"], theirs)
    response = post_event(client, token_for(client, people["aziz"]), items["intro"],
                          [heartbeat(), theirs])
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert "event 1" in error["message"] and error["details"][0]["index"] == 1
    assert events_stored(app) == 1 and progress_of(app, people["aziz"], "intro") is None


def test_empty_and_oversized_batches_are_refused(client, world):
    people, items = world
    headers = token_for(client, people["aziz"])
    empty = post_event(client, headers, items["intro"], [])
    assert empty.status_code == 422 and "empty" in empty.get_json()["error"]["message"]
    big = post_event(client, headers, items["intro"], [heartbeat() for _ in range(101)])
    assert big.status_code == 413 and "100" in big.get_json()["error"]["message"]


def test_a_batch_ends_where_the_same_events_one_by_one_end(app, client, world):
    """Completion, attempts, time and resume state fold exactly as sequential events do."""
    people, items = world
    events = [heartbeat(60, 10.0), {"verb": "attempted"}, {"verb": "completed"},
              heartbeat(30, 42.0), {"verb": "progressed", "resume": {"page": 3}}]
    one_by_one = token_for(client, people["bekzod"])
    for body in events:
        body = dict(body, id=str(uuid.uuid4()))
        assert post_event(client, one_by_one, items["intro"], body).status_code == 201
    batched = post_event(client, token_for(client, people["aziz"]), items["intro"],
                         [dict(e, id=str(uuid.uuid4())) for e in events])
    assert batched.status_code == 201
    expected = progress_of(app, people["bekzod"], "intro")
    assert expected == (True, None, None, None, 1, 90, {"page": 3})
    assert progress_of(app, people["aziz"], "intro") == expected
    assert batched.get_json()["progress"]["status"] == "completed"


def test_a_batch_that_completes_the_course_makes_the_result(app, client, world):
    people, items = world
    with app.app_context():  # the quiz, passed through the server's marking
        record_progress(db.session.get(User, people["aziz"].id),
                        db.session.get(Item, items["check"]), "scored",
                        result={"score": {"scaled": 0.6}, "success": True})
    response = post_event(client, token_for(client, people["aziz"]), items["intro"], [
        heartbeat(), {"verb": "completed"}, {"verb": "completed"}])
    assert response.status_code == 201
    assert response.get_json()["progress"]["course_completed"] is True
    with app.app_context():
        result = db.session.scalar(select(CourseResult))
        assert result.score == 60.0 and result.provenance == "server-marked"


def test_one_event_costs_a_small_constant_number_of_queries(app, client, world):
    """Token and user, item and access, event, study clock (read and move), progress,
    page stamp: nothing read back."""
    people, items = world
    headers = token_for(client, people["aziz"])
    post_event(client, headers, items["intro"], heartbeat())  # first use dates the token
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        single = post_event(client, headers, items["intro"], heartbeat(position=3.0))
        count_single = len(statements)
        statements.clear()
        batch = post_event(client, headers, items["intro"], [heartbeat() for _ in range(20)])
        count_batch = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert single.status_code == batch.status_code == 201
    assert single.get_json()["progress"]["resume"] == {"position": 3.0}
    assert count_single <= 7, count_single
    assert count_batch == count_single  # 20 events: the same statements
