"""Progress from events: idempotent, monotonic, and safe under concurrency."""

import io
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.authoring import services as authoring
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.learning import progress
from lms.learning.models import CourseResult, ItemProgress, LearningEvent
from tests.factories import make_course, module_zip, record_progress


@pytest.fixture
def course_items(app, make_user):
    """A course with a page, a video and a quiz; an enrolled student. Returns ids."""
    student = make_user("student")
    with app.app_context():
        course = make_course("GD101")
        authoring.import_package(course, io.BytesIO(module_zip("m1", [
            ("intro", "page", "Intro"),
            {"key": "clip", "kind": "video", "title": "Clip", "file": "media/clip.webm",
             "required": False},
            ("check", "quiz", "Check"),
        ])), "m1.zip")
        catalog.enroll(course, [db.session.merge(student)], source="admin")
        items = {i.key: i.id for i in db.session.scalars(select(Item))}
    return student, items


def record(app, user, item_id, verb, **kw):
    with app.app_context():
        return record_progress(db.session.merge(user), db.session.get(Item, item_id), verb, **kw)


def state(app, user, key):
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(ItemProgress.user_id == user.id,
                                                           ItemProgress.item_key == key))
        return None if row is None else (row.completed, row.passed, row.best_score,
                                         row.attempts, row.status)


def test_resent_event_is_a_no_op(app, course_items):
    student, items = course_items
    event_id = str(uuid.uuid4())
    first = record(app, student, items["check"], "scored", event_id=event_id, attempt=True,
                   result={"score": {"scaled": 0.5}})
    again = record(app, student, items["check"], "scored", event_id=event_id, attempt=True,
                   result={"score": {"scaled": 0.5}})
    assert first.stored and not again.stored
    assert state(app, student, "check")[3] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 1


def test_scores_never_go_down_and_a_pass_stays(app, course_items):
    student, items = course_items
    record(app, student, items["check"], "scored", attempt=True, result={"score": {"scaled": 0.4}})
    assert state(app, student, "check")[:3] == (False, False, 40.0)
    assert state(app, student, "check")[4] == "failed"
    record(app, student, items["check"], "scored", attempt=True, result={"score": {"scaled": 0.9}})
    record(app, student, items["check"], "scored", attempt=True, result={"score": {"scaled": 0.2}})
    completed, passed, best, attempts, status = state(app, student, "check")
    assert (completed, passed, best, attempts, status) == (True, True, 90.0, 3, "passed")


def test_course_completes_with_a_weighted_result(app, course_items):
    student, items = course_items
    record(app, student, items["intro"], "experienced", result={"completion": True})
    outcome = record(app, student, items["check"], "scored", result={"score": {"scaled": 0.8}})
    assert outcome.course_completed
    with app.app_context():
        result = db.session.scalar(select(CourseResult))
        # Only scored items make the score: the quiz's 80. The page and the optional
        # video count neither 100 nor 0 (a done page used to count 100).
        assert result.score == pytest.approx(80.0)
        assert result.provenance == "server-marked"
        assert [(e["key"], e["score"], e["provenance"]) for e in result.evidence] == [
            ("check", 80.0, "server-marked")]


def test_bad_results_are_refused_with_reasons(app, course_items):
    student, items = course_items
    for bad, words in [({"score": {"scaled": 1.5}}, "from 0 to 1"),
                       ({"success": "yes"}, "true or false"),
                       ({"duration": "90 seconds"}, "ISO 8601"),
                       ({"grade": "A"}, "Unknown result field")]:
        with pytest.raises(ValidationError) as info:
            record(app, student, items["check"], "scored", result=bad)
        assert words in info.value.message
    with pytest.raises(ValidationError):
        record(app, student, items["check"], "danced")


def test_time_spent_adds_up(app, course_items):
    student, items = course_items
    start = datetime.now(UTC) - timedelta(minutes=10)
    record(app, student, items["clip"], "progressed", result={"duration": "PT1M30S"},
           resume={"position": 42.5}, timestamp=start)
    record(app, student, items["clip"], "progressed", result={"duration": "PT30S"},
           timestamp=start + timedelta(minutes=1))
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(ItemProgress.item_key == "clip"))
        assert row.time_spent == 120 and row.resume == {"position": 42.5}


def test_replayed_or_overlapping_time_is_counted_once(app, course_items):
    """Study time is wall-clock time: the same minutes reported again (a replay with new
    ids), from a second tab, or on another item at the same time add nothing."""
    student, items = course_items
    end = datetime.now(UTC) - timedelta(minutes=5)
    record(app, student, items["clip"], "progressed", result={"duration": "PT10M"},
           timestamp=end)
    for _ in range(3):  # the same ten minutes, replayed with fresh ids
        record(app, student, items["clip"], "progressed", result={"duration": "PT10M"},
               timestamp=end)
    # another item, the same ten minutes and two more: only the two count
    record(app, student, items["intro"], "progressed", result={"duration": "PT12M"},
           timestamp=end + timedelta(minutes=2))
    with app.app_context():
        spent = dict(db.session.execute(select(ItemProgress.item_key,
                                               ItemProgress.time_spent)).all())
    assert spent == {"clip": 600, "intro": 120}


def test_events_less_than_a_second_apart_add_up_to_the_time_that_passed(app, course_items):
    """Forty heartbeats a quarter second apart, each claiming 15 s: 10 s passed, so 10 s
    count (not 600 claimed, and not 0 lost to rounding each one down)."""
    student, items = course_items
    start = datetime.now(UTC) - timedelta(minutes=5)
    for n in range(1, 41):
        record(app, student, items["clip"], "progressed", result={"duration": "PT15S"},
               timestamp=start + timedelta(seconds=n / 4))
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(ItemProgress.item_key == "clip"))
        assert row.time_spent == 15 + 9  # the first claim's 15 s, then 9.75 s in whole seconds


def test_fifty_concurrent_updates_lose_nothing(app, course_items):
    """50 threads, each its own connection, score the same quiz at once; exactly one of
    them carries the top score and the pass. Nothing may be lost."""
    student, items = course_items
    scores = [i / 100 for i in range(1, 51)]  # 0.01 .. 0.50: all below the pass mark
    scores[17] = 0.95  # one passing attempt, in the middle of the crowd
    barrier = threading.Barrier(len(scores))
    errors = []

    def work(scaled):
        try:
            barrier.wait()
            record(app, student, items["check"], "scored", attempt=True,
                   result={"score": {"scaled": scaled}})
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in scores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    completed, passed, best, attempts, status = state(app, student, "check")
    assert (completed, passed, best, attempts) == (True, True, 95.0, 50)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 50


def test_concurrent_batches_lose_nothing(app, course_items):
    """10 threads each record a batch of 5 scored attempts on the same quiz at once: every
    attempt counts, the best score and the pass survive, whatever the commit order."""
    student, items = course_items
    batches = [[i * 5 + j for j in range(5)] for i in range(10)]  # scores 0..49
    batches[6][2] = 97  # the one pass
    barrier = threading.Barrier(len(batches))
    errors = []

    def work(scores):
        try:
            with app.app_context():
                target = progress.target_of(db.session.get(Item, items["check"]))
                events = [progress.clean_event("scored", attempt=True,
                                               result={"score": {"scaled": s / 100}})
                          for s in scores]
                barrier.wait()
                outcome = progress.record_events(student.id, target, events, channel="server")
                assert outcome.stored == [True] * 5
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    completed, passed, best, attempts, status = state(app, student, "check")
    assert (completed, passed, best, attempts, status) == (True, True, 97.0, 50, "passed")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 50
