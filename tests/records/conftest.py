"""Records fixtures: a signing key of the test's own, and a small dual-degree world."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item, Module
from lms.catalog import services as catalog
from lms.catalog.models import Institution, Program
from lms.extensions import db
from lms.learning.models import CourseResult
from lms.records import requirements, results, scales, services
from tests.factories import ensure_reference_data, module_zip, record_progress


@pytest.fixture(autouse=True)
def _signing_key(app, tmp_path):
    """Never touch instance/: each test signs with a key made in its own folder."""
    app.config["RECORDS_SIGNING_KEY"] = str(tmp_path / "keys" / "ed25519.pem")
    app.config["PLATFORM_URL"] = "https://lms.jdu.example"


@dataclass
class World:
    student_id: int
    other_student_id: int
    instructor_id: int
    admin_id: int
    program_id: int


def completed(user_id: int, course, score: float, when: datetime | None = None
              ) -> CourseResult:
    """A course result as learning records it when a course completes: the course's exam
    (a quiz with no pass mark, added once) marked by the server with ``score``, which
    completes the course; ``when`` moves the completion to that time."""
    exam = db.session.scalar(select(Item).join(Module, Module.current_version_id ==
                                               Item.version_id)
                             .where(Module.course_id == course.id, Item.key == "exam"))
    if exam is None:
        authoring.import_package(course, io.BytesIO(module_zip(
            "records-exam", [{"key": "exam", "kind": "quiz", "title": "Exam",
                              "settings": {"pass_score": 0}}])), "exam.zip")
        exam = db.session.scalar(select(Item).join(Module, Module.current_version_id ==
                                                   Item.version_id)
                                 .where(Module.course_id == course.id, Item.key == "exam"))
    student = db.session.get(User, user_id)
    if catalog.enrollment_of(student, course) is None:
        catalog.enroll(course, [student], source="admin")
    record_progress(student, exam, "scored", result={"score": {"scaled": float(score) / 100}})
    row = db.session.scalar(select(CourseResult).where(CourseResult.user_id == user_id,
                                                       CourseResult.course_id == course.id))
    row.completed_at = when or datetime(2026, 12, 20, 6, 0, tzinfo=UTC)
    db.session.commit()
    return row


def institution(code: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == code))


@pytest.fixture
def world(app, make_user) -> World:
    """JDU (UZ, 30 h) and TUT (JP, 45 h) with the standard scales; programme GAME with
    requirements at both; a student with a Japanese name admitted in September 2026."""
    student = make_user("student", name="Aziz Karimov", name_ja="カリモフ・アジズ",
                        name_kana="かりもふ あじず", student_number="JDU26001")
    other = make_user("student", name="Oybek Yoʻldoshev", student_number="JDU26003")
    instructor = make_user("instructor")
    admin = make_user("admin")
    with app.app_context():
        ensure_reference_data()
        scales.seed_grade_scales(None)
        program = Program(code="GAME", title={"en": "Game Development", "ja": "ゲーム開発学科",
                                              "uz": "Oʻyin ishlab chiqish"},
                          institutions=[institution("JDU"), institution("TUT")])
        db.session.add(program)
        db.session.commit()
        me = db.session.merge(student)
        services.admit_to_programme(me, program, date(2026, 9, 1), None)
        services.set_student_number(me, institution("TUT"), "TUT26-0001", None)
        for code, kind, value in (("JDU", "total", 240), ("TUT", "total", 124),
                                  ("TUT", "category", ("game-development", 4)),
                                  ("TUT", "jlpt", "N2")):
            requirements.add_requirement(
                program, institution(code), kind, None,
                credits=value if kind == "total" else value[1] if kind == "category" else None,
                category=value[0] if kind == "category" else None,
                jlpt_level=value if kind == "jlpt" else None)
        return World(student.id, other.id, instructor.id, admin.id, program.id)


def course_with(code: str, *, jdu=3, tut=2, hours=90, instructors=(), title=None,
                track="game-development"):
    """A course awarding ``jdu`` and ``tut`` credits (0: none at that institution)."""
    credits = {k: v for k, v in (("JDU", jdu), ("TUT", tut)) if v}
    ensure_reference_data()
    return catalog.save_course(catalog.CourseFields(
        code=code, title=title or {"en": f"Course {code}", "ja": f"科目{code}",
                                   "uz": f"Kurs {code}"},
        provider="TUT", hours=hours, credits=credits, track=track,
        instructors=list(instructors)))


def enrol(course, user_id: int, term: str = "2026-autumn"):
    user = db.session.get(User, user_id)
    catalog.enroll(course, [user], source="admin", term=term)


def finalise(user_id: int, course, score, actor=None, term="2026-autumn"):
    """Enrol, complete and finalise: the usual path of a course result."""
    enrol(course, user_id, term)
    return results.finalise_result(completed(user_id, course, score), actor)


def dec(value) -> Decimal:
    return Decimal(str(value))

