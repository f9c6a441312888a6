"""Mass assignment: fields a form or JSON body does not offer (role=admin, user_id=,
score=, email=, status=...) are ignored, in profile, submission, quiz and API bodies."""

from __future__ import annotations

import io

from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.learning.models import LearningEvent, QuizAttempt, Submission
from lms.records.models import FinalResult
from tests.security.world import PNG

EXTRA = {"role": "admin", "user_id": "1", "id": "1", "score": "100", "email": "x@evil.example",
         "is_admin": "1", "must_change_password": "0", "active": "0", "status": "graded",
         "cohort_id": "1", "student_number": "HACKED", "late": "0", "grader_id": "1"}


def user_row(world_app, role: str) -> User:
    with world_app.app.app_context():
        user = db.session.get(User, world_app.world.users[role])
        db.session.expunge(user)
        return user


def test_profile_ignores_role_and_other_fields(world_app):
    before = user_row(world_app, "student")
    client = world_app.client("student")
    response = client.post("/auth/profile", data={**EXTRA, "name": "Renamed Student",
                                                  "timezone": "Asia/Tokyo", "locale": ""})
    assert response.status_code == 302
    after = user_row(world_app, "student")
    assert after.name == "Renamed Student" and after.timezone == "Asia/Tokyo"
    assert (after.role, after.email, after.id, after.student_number, after.cohort_id,
            after.active) == (before.role, before.email, before.id, before.student_number,
                              before.cohort_id, True)
    assert client.get("/people/").status_code == 403  # still a student


def test_submission_ignores_score_and_owner(world_app):
    ids = world_app.world.ids
    client = world_app.client("student")
    response = client.post(f"/learning/items/{ids['assignment_item']}/submissions", data={
        **EXTRA, "user_id": str(ids["other_student_id"]), "comment": "mine",
        "files": [(io.BytesIO(PNG), "shot.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with world_app.app.app_context():
        newest = db.session.scalars(select(Submission).order_by(Submission.id.desc())).first()
        assert newest.user_id == ids["student_id"] and newest.comment == "mine"
        assert newest.score is None and newest.status != "graded"


def test_quiz_submission_ignores_score(world_app):
    ids = world_app.world.ids
    client = world_app.client("student")
    started = client.post(f"/learning/items/{ids['quiz_item']}/quiz/start")
    attempt_id = int(started.location.rstrip("/").rsplit("/", 1)[1])
    response = client.post(f"/learning/quiz-attempts/{attempt_id}/submit",
                           data={**EXTRA, "q-q1": "b"})  # the wrong answer
    assert response.status_code == 302
    with world_app.app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.user_id == ids["student_id"] and attempt.score == 0


def test_api_event_is_the_token_users_whatever_the_body_says(world_app):
    ids = world_app.world.ids
    client = world_app.client("anonymous")
    response = client.post(f"/api/v1/items/{ids['page_item']}/events",
                           headers=world_app.bearer("student"),
                           json={"verb": "experienced", "user_id": ids["other_student_id"],
                                 "user": ids["other_student_id"], "role": "admin",
                                 "id": "5f3c2a40-2b4a-4d1e-9f57-111111111111"})
    assert response.status_code in (200, 201)
    with world_app.app.app_context():
        event = db.session.get(LearningEvent, response.get_json()["id"])
        assert event.user_id == ids["student_id"]
    other = client.post(f"/api/v1/items/{ids['page_item']}/events",
                        headers=world_app.bearer("student"),
                        json={"verb": "experienced",
                              "actor": {"mbox": "mailto:other.student@sec.example"}})
    assert other.status_code == 422


def test_api_result_correction_ignores_owner_and_course(world_app):
    ids = world_app.world.ids
    client = world_app.client("anonymous")
    url = f"/api/v1/results/{ids['final_result']}"
    current = client.get(url, headers=world_app.bearer("instructor")).get_json()["result"]
    response = client.patch(url, headers=world_app.bearer("instructor"), json={
        "score": 91, "reason": "remarked", "version": current["version"],
        "student": ids["other_student_id"], "user_id": ids["other_student_id"],
        "course": "OTH101", "course_id": 999, "id": 12345})
    assert response.status_code == 200, response.get_json()
    with world_app.app.app_context():
        result = db.session.get(FinalResult, ids["final_result"])
        assert (result.user_id, result.course_id) == (ids["student_id"], ids["course_pk"])
        assert float(result.score) == 91


def test_api_token_request_cannot_choose_a_role(world_app):
    client = world_app.client("anonymous")
    response = client.post("/api/v1/auth/token", json={
        "email": world_app.world.emails["student"], "password": "correct horse battery staple",
        "role": "admin", "user_id": world_app.world.users["admin"]})
    assert response.status_code == 201
    token = response.get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["user"]["role"] == "student"
    assert client.post("/api/v1/courses", headers={"Authorization": f"Bearer {token}"},
                       json={"code": "X1"}).status_code == 403
