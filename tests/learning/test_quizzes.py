"""Quizzes in the browser: attempts and their limit, the server-side time limit, marking
(Japanese answers normalised), feedback timing, which score counts, and who may see what."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.authoring import services as authoring
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.core.db import utcnow
from lms.extensions import db
from lms.learning.models import ItemProgress, LearningEvent, QuizAttempt
from tests.conftest import login
from tests.factories import make_course

QUIZ = """\
questions:
  - key: capital
    type: single
    prompt: {en: "Which city is the capital of Japan?", ja: "日本の首都はどこですか？"}
    choices: [{key: tokyo, text: Tokyo}, {key: osaka, text: Osaka}, {key: kyoto, text: Kyoto}]
    correct: tokyo
    explanation: {en: "Tokyo has been the capital since 1869."}
  - key: phases
    type: multiple
    points: 2
    prompt: Which are phases of the game loop?
    choices: [{key: input, text: Input}, {key: update, text: Update}, {key: print, text: Print the manual}]
    correct: [input, update]
  - key: neko
    type: short
    prompt: "Write *cat* in Japanese."
    accept: [ねこ, neko]
    kana_equivalent: true
  - key: loop
    type: short
    prompt: "Write *loop* in katakana."
    accept: [ループ]
  - key: order
    type: ordering
    prompt: Put the steps of one frame in order.
    items: [{key: input, text: Read input}, {key: update, text: Update the world}, {key: draw, text: Draw}]
  - key: engines
    type: matching
    prompt: Match each engine to its language.
    pairs:
      - {key: unity, left: Unity, right: "C#"}
      - {key: godot, left: Godot, right: GDScript}
"""
ONE_QUESTION = """\
questions:
  - key: capital
    type: single
    prompt: Which city is the capital of Japan?
    choices: [{key: tokyo, text: Tokyo}, {key: osaka, text: Osaka}]
    correct: tokyo
    explanation: {en: "Tokyo has been the capital since 1869."}
"""
ALL_RIGHT = {
    "q-capital": "tokyo", "q-phases": ["input", "update"], "q-neko": "ネコ", "q-loop": "ループ",
    "q-order-1": "input", "q-order-2": "update", "q-order-3": "draw",
    "q-engines-unity": "unity", "q-engines-godot": "godot",
}


def quiz_zip(settings: str = "{}", quiz: str = QUIZ) -> bytes:
    manifest = (
        "format: kakehashi-module/1\nkey: jp-basics\ntitle: {en: Basics}\nitems:\n"
        "  - key: check\n    kind: quiz\n    title: {en: Check yourself, ja: 確認テスト}\n"
        f"    file: quizzes/check.yaml\n    settings: {settings}\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.yaml", manifest)
        archive.writestr("quizzes/check.yaml", quiz)
    return buffer.getvalue()


@dataclass
class QuizSetup:
    student: object
    teacher: object
    item_id: int


@pytest.fixture
def make_quiz(app, make_user):
    def build(settings: str = "{}", quiz: str = QUIZ) -> QuizSetup:
        student = make_user("student")
        teacher = make_user("instructor")
        with app.app_context():
            course = make_course("JP101", instructors=[teacher.email])
            authoring.import_package(course, io.BytesIO(quiz_zip(settings, quiz)), "m.zip")
            catalog.enroll(course, [db.session.merge(student)], source="admin")
            item_id = db.session.scalar(select(Item.id).where(Item.key == "check"))
        return QuizSetup(student, teacher, item_id)

    return build


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def start(client, item_id):
    response = client.post(f"/learning/items/{item_id}/quiz/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/quiz-attempts/(\d+)", response.headers["Location"])
    return int(match.group(1)) if match else None


def submit(client, attempt_id, answers):
    return client.post(f"/learning/quiz-attempts/{attempt_id}/submit", data=answers,
                       follow_redirects=True)


def progress_row(app, user):
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(ItemProgress.user_id == user.id))
        return None if row is None else (row.best_score, row.last_score, row.passed,
                                         row.completed, row.attempts)


def test_an_attempt_shows_every_question_type_and_marks_it(app, make_quiz):
    setup = make_quiz("{pass_score: 70}")
    client = signed_in(app, setup.student)
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "6 questions" in page and "Pass score: 70%" in page and "Start the quiz" in page

    attempt_id = start(client, setup.item_id)
    html = client.get(f"/learning/quiz-attempts/{attempt_id}").get_data(as_text=True)
    assert 'type="radio" name="q-capital" value="tokyo"' in html
    assert 'type="checkbox" name="q-phases" value="update"' in html
    # Short answers: Japanese input method, no browser autocomplete.
    neko = re.search(r'<input type="text" id="answer-neko"[^>]*>', html, re.S).group(0)
    assert 'lang="ja"' in neko and 'autocomplete="off"' in neko
    assert html.count('name="q-order-') == 3 and 'name="q-engines-godot"' in html
    assert "<em>cat</em>" in html  # prompts are Markdown

    review = submit(client, attempt_id, ALL_RIGHT).get_data(as_text=True)
    assert "Your answers were submitted." in review
    assert "Score: 100%" in review and "Tokyo has been the capital since 1869." in review
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.score == 100.0 and attempt.submitted_at is not None
        assert attempt.results == {"capital": 1.0, "phases": 1.0, "neko": 1.0, "loop": 1.0,
                                   "order": 1.0, "engines": 1.0}
    assert progress_row(app, setup.student) == (100.0, 100.0, True, True, 1)
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "Your score: 100%" in page and "Passed" in page


def test_points_weight_the_score_and_matching_gives_partial_credit(app, make_quiz):
    setup = make_quiz()
    client = signed_in(app, setup.student)
    attempt_id = start(client, setup.item_id)
    answers = dict(ALL_RIGHT, **{"q-phases": ["input"], "q-engines-godot": "unity"})
    review = submit(client, attempt_id, answers).get_data(as_text=True)
    # 7 points in all: phases (2 points) wrong, matching half right (0.5 of 1): 4.5 / 7
    assert "Score: 64.29%" in review
    assert "Partly right (50%)" in review and "Wrong" in review


@pytest.mark.parametrize("typed, right", [
    ("ねこ", True),
    ("ネコ", True),            # katakana = hiragana: the question sets kana_equivalent
    ("ﾈｺ", True),              # half-width katakana
    ("　ねこ。", True),         # ideographic space and a full stop around it
    ("ＮＥＫＯ", True),         # full-width Latin, any case
    ("いぬ", False),
])
def test_japanese_short_answers_are_normalised(app, make_quiz, typed, right):
    setup = make_quiz()
    client = signed_in(app, setup.student)
    attempt_id = start(client, setup.item_id)
    submit(client, attempt_id, {"q-neko": typed})
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).results["neko"] == (1.0 if right else 0.0)


def test_katakana_question_does_not_accept_hiragana(app, make_quiz):
    setup = make_quiz()
    client = signed_in(app, setup.student)
    attempt_id = start(client, setup.item_id)
    submit(client, attempt_id, {"q-loop": "るーぷ", "q-neko": "ｎｅｋｏ"})
    with app.app_context():
        results = db.session.get(QuizAttempt, attempt_id).results
    assert results["loop"] == 0.0 and results["neko"] == 1.0


def test_the_attempt_limit_is_kept(app, make_quiz):
    setup = make_quiz("{attempts: 2}")
    client = signed_in(app, setup.student)
    for _ in range(2):
        submit(client, start(client, setup.item_id), {"q-capital": "osaka"})
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "You have used all 2 attempts." in page and "Start attempt" not in page
    response = client.post(f"/learning/items/{setup.item_id}/quiz/start", follow_redirects=True)
    assert "You have used all 2 attempts at this quiz" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 2


def test_an_unfinished_attempt_is_resumed_not_restarted(app, make_quiz):
    setup = make_quiz("{attempts: 3}")
    client = signed_in(app, setup.student)
    first = start(client, setup.item_id)
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "Resume attempt 1" in page
    assert start(client, setup.item_id) == first
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_the_time_limit_is_enforced_by_the_server(app, make_quiz):
    setup = make_quiz("{time_limit: 600}")
    client = signed_in(app, setup.student)
    attempt_id = start(client, setup.item_id)
    html = client.get(f"/learning/quiz-attempts/{attempt_id}").get_data(as_text=True)
    assert 'data-seconds-left="' in html and "Time left:" in html and "js/quiz.js" in html
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.deadline - attempt.started_at == timedelta(seconds=600)
        attempt.deadline = utcnow() - timedelta(minutes=2)  # the browser kept it open too long
        db.session.commit()
    review = submit(client, attempt_id, ALL_RIGHT).get_data(as_text=True)
    assert "arrived after the time limit" in review and "were not scored" in review
    assert "Time ran out" in review and "Score: 0%" in review
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.score == 0.0 and attempt.results == {}
        assert attempt.submitted_at is not None
    assert progress_row(app, setup.student)[:3] == (0.0, 0.0, False)
    # Closed: submitting again changes nothing.
    again = submit(client, attempt_id, ALL_RIGHT).get_data(as_text=True)
    assert "already submitted" in again
    assert progress_row(app, setup.student)[4] == 1


def test_answers_within_the_grace_period_are_scored(app, make_quiz):
    setup = make_quiz("{time_limit: 60}", ONE_QUESTION)
    client = signed_in(app, setup.student)
    attempt_id = start(client, setup.item_id)
    with app.app_context():
        db.session.get(QuizAttempt, attempt_id).deadline = utcnow() - timedelta(seconds=10)
        db.session.commit()
    submit(client, attempt_id, {"q-capital": "tokyo"})
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).score == 100.0


def test_an_expired_open_attempt_is_closed_when_the_student_comes_back(app, make_quiz):
    setup = make_quiz("{time_limit: 60, attempts: 2}", ONE_QUESTION)
    client = signed_in(app, setup.student)
    first = start(client, setup.item_id)
    with app.app_context():
        db.session.get(QuizAttempt, first).deadline = utcnow() - timedelta(hours=1)
        db.session.commit()
    response = client.post(f"/learning/items/{setup.item_id}/quiz/start", follow_redirects=True)
    assert "ran out of time and was closed with a score of 0" in response.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.number)).all()
        assert [(a.number, a.score, a.submitted_at is not None) for a in rows] == [
            (1, 0.0, True), (2, None, False)]


def test_deferred_feedback_shows_only_the_score_until_the_last_attempt(app, make_quiz):
    setup = make_quiz("{attempts: 2, feedback: deferred}", ONE_QUESTION)
    client = signed_in(app, setup.student)
    first = start(client, setup.item_id)
    review = submit(client, first, {"q-capital": "osaka"}).get_data(as_text=True)
    assert "Score: 0%" in review
    assert "Feedback after your last attempt" in review
    assert "Tokyo has been the capital" not in review and "Correct answer" not in review
    second = start(client, setup.item_id)
    review = submit(client, second, {"q-capital": "tokyo"}).get_data(as_text=True)
    assert "Tokyo has been the capital since 1869." in review and "Correct answer" in review
    # ... and the first attempt's review opens up too.
    assert "Tokyo has been the capital" in client.get(
        f"/learning/quiz-attempts/{first}/review").get_data(as_text=True)


@pytest.mark.parametrize("scoring, counted, best, last", [
    ("best", 100.0, 100.0, 0.0),
    ("last", 0.0, 100.0, 0.0),       # best_score never goes down; last_score is the aggregate
    ("average", 50.0, 100.0, 50.0),
])
def test_which_score_counts(app, make_quiz, scoring, counted, best, last):
    setup = make_quiz(f"{{scoring: {scoring}}}", ONE_QUESTION)
    client = signed_in(app, setup.student)
    submit(client, start(client, setup.item_id), {"q-capital": "tokyo"})
    review = submit(client, start(client, setup.item_id), {"q-capital": "osaka"}
                    ).get_data(as_text=True)
    assert "Score that counts" in review and f"{counted:g}%" in review
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert f"Your score: {counted:g}%" in page
    assert progress_row(app, setup.student)[:2] == (best, last)
    with app.app_context():
        events = db.session.scalars(select(LearningEvent).order_by(LearningEvent.stored)).all()
        assert [e.result["score"]["scaled"] for e in events][-1] == pytest.approx(last / 100)


def test_shuffled_choices_keep_their_order_within_an_attempt(app, make_quiz):
    setup = make_quiz("{shuffle: true}")
    client = signed_in(app, setup.student)
    attempt_id = start(client, setup.item_id)

    def order():
        html = client.get(f"/learning/quiz-attempts/{attempt_id}").get_data(as_text=True)
        return re.findall(r'name="q-(\w+)" value="(\w+)"', html)

    first = order()
    assert first == order() and len(first) == 6


def test_nobody_else_sees_an_attempt_but_instructors_do(app, make_quiz, make_user):
    setup = make_quiz()
    owner = signed_in(app, setup.student)
    attempt_id = start(owner, setup.item_id)
    submit(owner, attempt_id, {"q-capital": "tokyo"})

    other = make_user("student")
    with app.app_context():
        course = catalog.course_by_code("JP101")
        catalog.enroll(course, [db.session.merge(other)], source="admin")
    intruder = signed_in(app, other)
    for url in (f"/learning/quiz-attempts/{attempt_id}",
                f"/learning/quiz-attempts/{attempt_id}/review"):
        assert intruder.get(url).status_code == 404
    assert intruder.post(f"/learning/quiz-attempts/{attempt_id}/submit",
                         data=ALL_RIGHT).status_code == 404

    teacher = signed_in(app, setup.teacher)
    page = teacher.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "Attempts by student" in page and setup.student.name in page
    review = teacher.get(f"/learning/quiz-attempts/{attempt_id}/review").get_data(as_text=True)
    assert setup.student.name in review and "Correct answer" in review
    # Instructors are not enrolled: they cannot take the quiz (no progress of their own).
    response = teacher.post(f"/learning/items/{setup.item_id}/quiz/start", follow_redirects=True)
    assert "Only students enrolled in this course can take the quiz." in response.get_data(
        as_text=True)


def test_submitting_without_csrf_is_refused(app, make_quiz):
    setup = make_quiz(quiz=ONE_QUESTION)
    client = signed_in(app, setup.student)
    attempt_id = start(client, setup.item_id)
    response = client.post(f"/learning/quiz-attempts/{attempt_id}/submit",
                           data={"q-capital": "tokyo"}, csrf=False)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).submitted_at is None
