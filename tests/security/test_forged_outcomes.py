"""The forged-outcome attack, kept: a student with an API token claims results for every
item of the demo courses (every item kind x every verb x a single event, a batch and an
xAPI-shaped statement). Every claim must be refused with a 4xx, and nothing may follow
from them: no event, no progress, no course result, no certificate.

Written against the platform before lms/learning/trust.py existed, where every one of
these calls answered 201, the course completed with 100 and a certificate was issued.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from lms import demo
from lms.auth.models import User
from lms.authoring.models import Item, Module
from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.learning import assignments
from lms.learning.models import CourseResult, ItemProgress, LearningEvent
from lms.learning.progress import VERBS
from lms.learning.xapi import item_iri
from lms.reports import certificates
from tests.conftest import PASSWORD

BASE = "http://localhost"
FORGED = {"score": {"scaled": 1.0, "raw": 100, "min": 0, "max": 100}, "success": True,
          "completion": True, "duration": "PT5M"}
ASSESSMENTS = ("quiz", "assignment", "html5", "scorm")


@pytest.fixture
def demo_world(app, make_user):
    """The demo courses as `make run` loads them, and a fresh student enrolled in all."""
    student = make_user("student", name="Mallory Student")
    with app.app_context():
        demo.load_demo()
        courses = db.session.scalars(select(Course).order_by(Course.code)).all()
        for course in courses:
            catalog.enroll(course, [db.session.get(User, student.id)], source="admin")
        items = []
        for course in courses:
            for module in db.session.scalars(select(Module).where(
                    Module.course_id == course.id)):
                for item in module.current_version.items:
                    items.append((item.id, item.kind, course.code, module.key, item.key))
        codes = [c.code for c in courses]
    return student, items, codes


def token_for(client, user) -> dict:
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
                        ).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def forged_bodies(student, item, verb):
    """The shapes one claim can take: a single event, a batch, an xAPI statement."""
    item_id, kind, code, module_key, key = item
    single = {"verb": verb, "result": dict(FORGED)}
    statement = {
        "actor": {"objectType": "Agent", "account": {"homePage": BASE, "name": str(student.id)}},
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": item_iri(BASE, code, module_key, key)},
        "result": dict(FORGED),
        "timestamp": datetime.now(UTC).isoformat(),
    }
    shapes = [("single", single), ("batch", [single, dict(single)]), ("xapi", statement)]
    if kind in ASSESSMENTS or verb in ("passed", "failed", "scored"):
        # No result at all: the verb alone asserts a pass, or the kind accepts nothing
        # from the learner's client.
        shapes.append(("bare", {"verb": verb}))
    return shapes


def counts(student_id: int) -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(LearningEvent).where(
            LearningEvent.user_id == student_id)),
        db.session.scalar(select(func.count()).select_from(ItemProgress).where(
            ItemProgress.user_id == student_id)),
        db.session.scalar(select(func.count()).select_from(CourseResult).where(
            CourseResult.user_id == student_id)),
    )


def test_forged_outcomes_fail_on_every_item_kind_verb_and_path(app, client, demo_world):
    student, items, codes = demo_world
    headers = token_for(client, student)
    kinds = {kind for _i, kind, *_rest in items}
    assert kinds >= {"page", "video", "asset", "quiz", "assignment", "html5", "scorm"}
    accepted = []
    for item in items:
        for verb in VERBS:
            for path, body in forged_bodies(student, item, verb):
                response = client.post(f"/api/v1/items/{item[0]}/events", json=body,
                                       headers=headers)
                if not 400 <= response.status_code < 500:
                    accepted.append((item[1], item[4], verb, path, response.status_code))
    assert accepted == [], f"{len(accepted)} forged claims were accepted: {accepted[:10]}"
    with app.app_context():
        assert counts(student.id) == (0, 0, 0)
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        for code in codes:
            course = db.session.scalar(select(Course).where(Course.code == code))
            with pytest.raises(ValidationError):
                certificates.issue_for_course(db.session.get(User, student.id), course, admin)


def test_the_refusal_names_the_rule(client, demo_world):
    student, items, _codes = demo_world
    headers = token_for(client, student)
    by_kind = {kind: item_id for item_id, kind, *_rest in items}
    words = {"page": "never a score", "video": "never a score", "asset": "never a score",
             "quiz": "server's marking", "assignment": "instructor's grade",
             "html5": "through its launch", "scorm": "through its launch"}
    for kind, expected in words.items():
        response = client.post(f"/api/v1/items/{by_kind[kind]}/events",
                               json={"verb": "passed", "result": dict(FORGED)}, headers=headers)
        assert response.status_code == 403, kind
        assert expected in response.get_json()["error"]["message"], kind


def test_what_the_learner_may_report_does_not_complete_a_course(app, client, demo_world):
    """Every page, video and download reported complete (which the learner may say): the
    assessments are still open, so no course completes and no certificate is issued."""
    student, items, codes = demo_world
    headers = token_for(client, student)
    for item_id, kind, *_rest in items:
        if kind in ("page", "video", "asset"):
            response = client.post(f"/api/v1/items/{item_id}/events",
                                   json={"verb": "completed"}, headers=headers)
            assert response.status_code == 201, (kind, response.get_json())
            assert response.get_json()["progress"]["course_completed"] is False
    with app.app_context():
        assert counts(student.id)[2] == 0
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        course = db.session.scalar(select(Course).where(Course.code == codes[0]))
        with pytest.raises(ValidationError):
            certificates.issue_for_course(db.session.get(User, student.id), course, admin)


def test_an_instructors_grade_stands_against_a_forged_pass(app, client, demo_world):
    student, items, _codes = demo_world
    assignment_id = next(i for i, kind, *_rest in items if kind == "assignment")
    with app.app_context():
        item = db.session.get(Item, assignment_id)
        key = item.key
        course = item.version.module.course
        instructor = course.instructors[0]
        submission = assignments.submit(
            db.session.get(User, student.id), item,
            [FileStorage(io.BytesIO(b"%PDF-1.4 my design note"), filename="note.pdf")])
        rubric = assignments.rubric_of(item)
        points = {c["key"]: float(c["points"]) * 0.2 for c in rubric} if rubric else None
        assignments.grade(submission, instructor, score=None if rubric else 20,
                          rubric_points=points, feedback="Start again.")
    response = client.post(f"/api/v1/items/{assignment_id}/events",
                           json={"verb": "passed", "result": dict(FORGED)},
                           headers=token_for(client, student))
    assert response.status_code == 403
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(
            ItemProgress.user_id == student.id, ItemProgress.item_key == key))
        assert (row.best_score, row.passed, row.completed) == (20.0, False, False)
        assert row.provenance == "instructor-graded"
