"""One fixture world for the security tests, made through the services.

A course (SEC101) with a module holding an item of every native kind and a SCORM module;
an enrolled student with progress, a quiz attempt, an assignment submission (an image and
a playable build) that was graded (so a notification), a final result with its credit
records, a transfer with evidence, an issued transcript, a JLPT certification, a deck
linked to the course; another student who is not enrolled; the course's instructor; an
instructor of another course; an administrator. Plus a cohort, a programme with a
requirement, grade scales, a furigana override and API tokens for everyone.

Titles that only the course's people may see carry the marker ``ZQX``: a 403 or 404 page
must never show it (``World.secrets``).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from lms.auth import services as auth
from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item, Module
from lms.catalog import services as catalog
from lms.catalog.models import Institution, Program
from lms.content.services import content_token
from lms.extensions import db
from lms.japanese import decks
from lms.japanese import services as japanese
from lms.learning import assignments, quizzes
from lms.learning.models import CourseResult, Notification, SubmissionFile
from lms.people import services as people
from lms.records import requirements, results, scales, services, transcripts, transfers
from lms.records.models import GradeScale
from tests.conftest import PASSWORD
from tests.factories import ensure_reference_data, record_progress

ROLES = ("anonymous", "student", "other_student", "other_instructor", "instructor", "admin")
MARKER = "ZQX"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
PDF = b"%PDF-1.4\n% score report\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
QUIZ = """\
questions:
  - key: q1
    type: single
    prompt: {en: "Which is ZQX-answer?"}
    choices: [{key: a, text: "ZQX-choice-a"}, {key: b, text: "b"}]
    correct: [a]
"""
MODULE = """\
format: kakehashi-module/1
key: sec-module
title: {en: Module ZQX-module}
items:
  - {key: intro, kind: page, title: {en: Page ZQX-page}, file: pages/intro.md}
  - {key: clip, kind: video, title: {en: Video ZQX-video}, file: media/clip.webm}
  - {key: sheet, kind: asset, title: {en: Asset ZQX-asset}, file: downloads/sheet.pdf}
  - {key: check, kind: quiz, title: {en: Quiz ZQX-quiz}, file: quiz.yaml}
  - key: homework
    kind: assignment
    title: {en: Assignment ZQX-assignment}
    settings: {max_files: 3, allowed_types: [png, pdf, zip, txt]}
  - {key: game, kind: html5, title: {en: Game ZQX-game}, file: game/index.html}
"""
SCORM_MANIFEST = """<?xml version="1.0"?>
<manifest identifier="sec-scorm" version="1"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>SCORM ZQX-org</title>
    <item identifier="sco-one" identifierref="r1"><title>SCO ZQX-sco</title></item>
  </organization></organizations>
  <resources><resource identifier="r1" type="webcontent" adlcp:scormtype="sco"
    href="sco/index.html"><file href="sco/index.html"/></resource></resources>
</manifest>"""


def zip_bytes(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def module_package() -> bytes:
    return zip_bytes({
        "module.yaml": MODULE,
        "pages/intro.md": "# Intro ZQX-body\n\nText.\n",
        "media/clip.webm": b"\x1aE\xdf\xa3" + b"\0" * 64,
        "downloads/sheet.pdf": PDF,
        "quiz.yaml": QUIZ,
        "game/index.html": "<!doctype html><title>g</title><p>game</p>",
    })


def scorm_package() -> bytes:
    return zip_bytes({"imsmanifest.xml": SCORM_MANIFEST,
                      "sco/index.html": "<!doctype html><title>SCO</title><p>SCO</p>"})


def build_zip() -> bytes:
    return zip_bytes({"index.html": "<!doctype html><title>build</title><p>play</p>",
                      "main.js": "console.log(1)"})


@dataclass
class World:
    users: dict[str, int]  # role -> user id (not "anonymous")
    emails: dict[str, str]
    ids: dict[str, object] = field(default_factory=dict)  # name -> id / code / token
    tokens: dict[str, str] = field(default_factory=dict)  # role -> API bearer token
    secrets: tuple[str, ...] = ()

    def user_id(self, role: str) -> int:
        return self.users[role]


def _user(role: str, email: str, name: str, **fields) -> User:
    return auth.create_user(email, name, role, PASSWORD, **fields)


def institution(code: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == code))


def build_world(app) -> World:
    """Create the world (inside no context; one is opened here)."""
    with app.test_request_context("/"):
        return _build(app)


def _build(app) -> World:
    ensure_reference_data()
    scales.seed_grade_scales(None)
    cohort = people.create_cohort("C26SEC", "Cohort ZQX-cohort", 2026)
    admin = _user("admin", "admin@sec.example", "Admin Person")
    instructor = _user("instructor", "teacher@sec.example", "Teacher Person")
    other_instructor = _user("instructor", "other.teacher@sec.example", "Other Teacher")
    student = _user("student", "student@sec.example", "Student Person", cohort_id=cohort.id,
                    student_number="SEC0001")
    other_student = _user("student", "other.student@sec.example", "Other Student")
    users = {"admin": admin, "instructor": instructor, "other_instructor": other_instructor,
             "student": student, "other_student": other_student}

    course = catalog.save_course(catalog.CourseFields(
        code="SEC101", title={"en": "Security course"}, description={"en": "Public text"},
        provider="TUT", hours=90, credits={"JDU": 3, "TUT": 2}, track="game-development",
        instructors=[instructor.email]))
    other_course = catalog.save_course(catalog.CourseFields(
        code="OTH101", title={"en": "Other course"}, provider="TUT", hours=45,
        credits={"TUT": 1}, instructors=[other_instructor.email]))
    authoring.import_package(course, io.BytesIO(module_package()), "module.zip", instructor)
    authoring.import_package(course, io.BytesIO(scorm_package()), "scorm.zip", instructor)
    catalog.enroll(course, [student], source="admin", term="2026-autumn")

    module = db.session.scalar(select(Module).where(Module.course_id == course.id,
                                                    Module.key == "sec-module"))
    version = module.current_version
    items = {item.kind: item for item in version.items}
    scorm_item = db.session.scalar(select(Item).where(Item.kind == "scorm"))
    items["scorm"] = scorm_item

    record_progress(student, items["page"], "experienced", result={"completion": True})
    started = quizzes.start_attempt(student, items["quiz"])
    quizzes.submit_attempt(student, started.attempt, {"q1": "a"})
    submission = assignments.submit(
        student, items["assignment"],
        [FileStorage(io.BytesIO(PNG), filename="shot.png"),
         FileStorage(io.BytesIO(build_zip()), filename="build.zip")],
        comment="My comment ZQX-comment")
    assignments.grade(submission, instructor, score=80, feedback="Feedback ZQX-feedback")
    files = db.session.scalars(select(SubmissionFile).where(
        SubmissionFile.submission_id == submission.id).order_by(SubmissionFile.id)).all()
    image_file, build_file = files[0], files[1]
    notification = db.session.scalar(select(Notification).where(
        Notification.user_id == student.id))

    program = Program(code="SECPROG", title={"en": "Programme"},
                      institutions=[institution("JDU"), institution("TUT")])
    db.session.add(program)
    db.session.commit()
    services.admit_to_programme(student, program, date(2026, 9, 1), None)
    requirement = requirements.add_requirement(program, institution("TUT"), "total", None,
                                               credits=124)
    # The student finishes the course, each item through the channel that reports it for
    # real; the course accepts its content's scores (the SCO and the build report them).
    catalog.set_trusted_provenance(course, ["server-marked", "instructor-graded",
                                            "content-reported"])
    for module_item in db.session.scalars(select(Item).join(Module.current_version).where(
            Module.course_id == course.id, Item.version_id == Module.current_version_id)):
        if module_item.kind in ("quiz", "html5", "scorm"):
            record_progress(student, module_item, "scored",
                            result={"score": {"scaled": 0.86}, "success": True})
        elif module_item.kind in ("video", "asset"):
            record_progress(student, module_item, "completed")
    course_result = db.session.scalar(select(CourseResult).where(
        CourseResult.user_id == student.id, CourseResult.course_id == course.id))
    assert course_result is not None, "the world's student should have completed SEC101"
    final = results.finalise_result(course_result, instructor, score=86,
                                    reason="ZQX-reason: the world's fixed score")
    record = services.records_of_result(final)[0]
    transfer = transfers.add_transfer(student, institution("TUT"), transfers.TransferFields(
        source="recognition", title={"en": "Transfer ZQX-transfer"}, credits=Decimal(2),
        origin="Tashkent Centre", term="2026-spring", awarded_on=date(2026, 6, 30),
        evidence_note="Note ZQX-note", evidence_file=PDF, evidence_name="evidence.pdf"), admin)
    document = transcripts.issue(student, "transcript", admin, institution("TUT"))

    cert = japanese.submit_certification(
        student, japanese.CertificationFields(
            level="N4", exam_date=date(2026, 7, 5),
            scores={"language_knowledge_reading": 80, "listening": 30},
            registration_number="ZQX-REG-1"),
        io.BytesIO(PDF), "score-report.pdf")
    deck = decks.create_deck("SECDECK", "Deck ZQX-deck", level="N5", kind="vocab",
                             user=instructor)
    decks.import_cards(deck, "front,back,reading\n山,mountain ZQX-card,やま\n".encode(),
                       "cards.csv")
    decks.link_deck(deck, course, instructor)
    decks.start_deck(student, deck)
    override = japanese.save_override("架橋", "かきょう", admin, "note")

    from lms.reports import certificates, issuing, params

    certificate = certificates.issue_for_course(student, course, admin)
    report = issuing.issue_report(params.parse({"course": course.code}), "csv", "en", admin)

    scale = db.session.scalars(select(GradeScale).order_by(GradeScale.id)).first()
    tokens = {role: auth.issue_api_token(user, "security")[0] for role, user in users.items()}
    world = World(
        users={role: user.id for role, user in users.items()},
        emails={role: user.email for role, user in users.items()},
        tokens=tokens,
        secrets=("ZQX-module", "ZQX-page", "ZQX-video", "ZQX-asset", "ZQX-quiz",
                 "ZQX-assignment", "ZQX-game", "ZQX-sco", "ZQX-comment", "ZQX-feedback",
                 "ZQX-transfer", "ZQX-note", "ZQX-REG-1", "ZQX-deck", "ZQX-card",
                 "ZQX-answer", "ZQX-choice-a", "ZQX-body"),
    )
    ids = world.ids
    ids.update({
        "course": course.code, "other_course": other_course.code, "course_pk": course.id,
        "other_course_pk": other_course.id,
        "module": module.id, "version": version.id, "scorm_version": scorm_item.version_id,
        "item_key": items["page"].key,
        **{f"{kind}_item": item.id for kind, item in items.items()},
        "attempt": started.attempt.id, "submission": submission.id,
        "image_file": image_file.id, "build_file": build_file.id,
        "notification": notification.id, "cert": cert.id, "deck": deck.id,
        "card": deck.cards[0].id, "override": override.id, "student_id": student.id,
        "other_student_id": other_student.id, "instructor_id": instructor.id,
        "final_result": final.id, "credit_record": record.id, "transfer_record": transfer.id,
        "course_result": course_result.id, "document": document.id,
        "requirement": requirement.id, "scale": scale.id, "cohort": cohort.code,
        "program": program.code, "institution": "TUT", "track": "game-development",
        "tut_id": institution("TUT").id, "certificate": certificate.id, "report": report.id,
    })
    # Per-viewer credentials in URLs: a content token and a build token for each user.
    for role, user in users.items():
        ids[f"content_token:{role}"] = content_token(version.id, user.id)
        ids[f"scorm_token:{role}"] = content_token(scorm_item.version_id, user.id)
        ids[f"build_token:{role}"] = assignments.build_token(build_file, user)
    return world
