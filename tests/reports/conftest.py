"""Reports fixtures: a signing key of the test's own, and a small school built through the
real services: a course of two modules, a cohort whose students are at different points
(one finished with records and credits, one half way, one stalled, one never started),
another cohort, and a programme."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.catalog.models import Institution, Program
from lms.extensions import db
from lms.learning import progress
from lms.learning.models import CourseResult, ItemProgress
from lms.people import services as people
from lms.records import results, scales, services
from tests.factories import ensure_reference_data, make_course, module_zip, record_progress

QUIZ = """questions:
  - key: q1
    type: single
    prompt: {en: 'Two plus two?'}
    choices: [{key: a, text: '4'}, {key: b, text: '5'}]
    correct: [a]
"""


@pytest.fixture(autouse=True)
def _signing_key(app, tmp_path):
    """Never touch instance/: each test signs with a key made in its own folder."""
    app.config["RECORDS_SIGNING_KEY"] = str(tmp_path / "keys" / "ed25519.pem")
    app.config["PLATFORM_URL"] = "https://lms.jdu.example"


@dataclass
class School:
    admin_id: int
    admin_email: str
    finished_id: int  # completed GD101 with a quiz score of 80 and 2 hours of study
    halfway_id: int  # the first module done, 30 minutes
    stalled_id: int  # one page done 20 days ago
    fresh_id: int  # enrolled, never started (enrolled 30 days ago)
    other_id: int  # another cohort, enrolled, completed module 1
    cohort: str
    other_cohort: str
    course: str


def item(key: str) -> Item:
    return db.session.scalar(select(Item).where(Item.key == key))


_STUDY_CLOCKS: dict[int, datetime] = {}


def act(user_id: int, key: str, verb: str, **kw):
    """One action of a student; a reported duration ends that much after the student's
    previous one, as real study does (the study clock counts overlapping time once)."""
    duration = progress.parse_duration((kw.get("result") or {}).get("duration"))
    if duration and "timestamp" not in kw:
        start = _STUDY_CLOCKS.get(user_id) or datetime.now(UTC) - timedelta(days=2)
        kw["timestamp"] = _STUDY_CLOCKS[user_id] = start + timedelta(seconds=duration)
    return record_progress(db.session.get(User, user_id), item(key), verb, **kw)


def age(user_id: int, days: int) -> None:
    """Move a student's activity ``days`` into the past."""
    when = datetime.now(UTC) - timedelta(days=days)
    db.session.execute(update(ItemProgress).where(ItemProgress.user_id == user_id).values(
        updated_at=when, first_at=when, completed_at=when))
    db.session.commit()


def build_school(app, make_user) -> School:
    _STUDY_CLOCKS.clear()
    admin = make_user("admin", email="admin@jdu.example", name="Dilnoza Rahimova")
    with app.app_context():
        ensure_reference_data()
        scales.seed_grade_scales(None)
        cohort = people.create_cohort("JDU-2026-GD-1", "Game Development 2026, group 1", 2026)
        other = people.create_cohort("JDU-2026-AN-1", "Animation 2026, group 1", 2026)
        cohort_id, other_id = cohort.id, other.id
    finished = make_user("student", name="Aziz Karimov", name_ja="カリモフ・アジズ",
                         name_kana="かりもふ あじず", student_number="JDU26001",
                         email="aziz@student.jdu.example", cohort_id=cohort_id)
    halfway = make_user("student", name="Malika Yusupova", name_ja="ユスポワ・マリカ",
                        student_number="JDU26002", email="malika@student.jdu.example",
                        cohort_id=cohort_id)
    stalled = make_user("student", name="=HYPERLINK(\"http://evil\")", student_number="JDU26003",
                        email="stalled@student.jdu.example", cohort_id=cohort_id)
    fresh = make_user("student", name="Oybek Yoʻldoshev", student_number="JDU26004",
                      email="oybek@student.jdu.example", cohort_id=cohort_id)
    outsider = make_user("student", name="Sevara Nazarova", student_number="JDU26005",
                         email="sevara@student.jdu.example", cohort_id=other_id)
    with app.app_context():
        course = make_course("GD101", title={"en": "Game Development Basics",
                                             "ja": "ゲーム開発の基礎", "uz": "Oʻyin asoslari"})
        authoring.import_package(course, io.BytesIO(module_zip(
            "m1", [("intro", "page", "Introduction"),
                   {"key": "check", "kind": "quiz", "title": "Check", "file": "check.yaml"}],
            title="Basics", extra_files={"check.yaml": QUIZ})), "m1.zip")
        authoring.import_package(course, io.BytesIO(module_zip(
            "m2", [("loop", "page", "The game loop"),
                   {"key": "extra", "kind": "page", "title": "Extra", "required": False}],
            title="Loops")), "m2.zip")
        students = [db.session.get(User, u.id) for u in (finished, halfway, stalled, fresh,
                                                         outsider)]
        catalog.enroll(course, students, source="admin", term="2026-autumn")
        # The finished student: everything, a quiz score of 80, two hours of study.
        act(finished.id, "intro", "progressed", result={"duration": "PT1H"})
        act(finished.id, "intro", "completed")
        act(finished.id, "check", "scored", result={"score": {"scaled": 0.8},
                                                     "duration": "PT30M"})
        act(finished.id, "loop", "completed", result={"duration": "PT30M"})
        result = db.session.scalar(select(CourseResult).where(
            CourseResult.user_id == finished.id))
        assert result is not None, "the course should have completed"
        results.finalise_result(result, None)
        # Half way: module 1 done (quiz 60), 30 minutes.
        act(halfway.id, "intro", "completed", result={"duration": "PT20M"})
        act(halfway.id, "check", "scored", result={"score": {"scaled": 0.6},
                                                    "duration": "PT10M"})
        # Stalled: one page, 20 days ago.
        act(stalled.id, "intro", "completed", result={"duration": "PT15M"})
        age(stalled.id, 20)
        # The other cohort's student: module 1.
        act(outsider.id, "intro", "completed")
        act(outsider.id, "check", "scored", result={"score": {"scaled": 1.0}})
        from lms.catalog.models import Enrollment

        db.session.execute(update(Enrollment).values(
            created_at=datetime.now(UTC) - timedelta(days=30)))
        program = Program(code="GAME", title={"en": "Game Development", "ja": "ゲーム開発学科",
                                              "uz": "Oʻyin ishlab chiqish"},
                          institutions=[db.session.scalar(select(Institution).where(
                              Institution.code == code)) for code in ("JDU", "TUT")])
        db.session.add(program)
        db.session.commit()
        for uid in (finished.id, halfway.id):
            services.admit_to_programme(db.session.get(User, uid), program,
                                        date(2026, 9, 1), None)
    return School(admin.id, admin.email, finished.id, halfway.id, stalled.id, fresh.id,
                  outsider.id, "JDU-2026-GD-1", "JDU-2026-AN-1", "GD101")


@pytest.fixture
def school(app, make_user) -> School:
    return build_school(app, make_user)


@pytest.fixture
def admin_client(client, school):
    from tests.conftest import login

    response = login(client, school.admin_email)
    assert response.status_code == 302
    return client
