"""Assignments: handing in files (checked by size, type and content), late work,
resubmission, previews only for those allowed, playable builds, grading with a rubric."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.catalog.models import Enrollment
from lms.core.db import utcnow
from lms.extensions import db
from lms.learning.models import (
    ItemProgress,
    LearningEvent,
    Notification,
    Submission,
    SubmissionFile,
)
from tests.conftest import login
from tests.factories import make_course

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
RUBRIC = ("[{key: runs, title: {en: It runs, ja: 動作する}, points: 6}, "
          "{key: clean, title: {en: Clean code}, points: 4}]")


def build_zip(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def assignment_zip(settings: str) -> bytes:
    manifest = (
        "format: kakehashi-module/1\nkey: gd-loop\ntitle: {en: Loops}\nitems:\n"
        "  - key: make-a-loop\n    kind: assignment\n    title: {en: Make a loop}\n"
        f"    file: brief.md\n    settings: {settings}\n")
    return build_zip({"module.yaml": manifest,
                      "brief.md": "Make a **square** move across the screen.\n"})


@dataclass
class Setup:
    student: User
    teacher: User
    item_id: int


@pytest.fixture(autouse=True)
def outbox(app, tmp_path):
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    return tmp_path / "outbox"


@pytest.fixture
def make_assignment(app, make_user):
    def build(settings: str = None) -> Setup:
        settings = settings or (
            "{max_files: 2, max_file_mb: 1, allowed_types: [png, pdf, zip, txt], "
            f"due: '2030-12-31T23:59:00+09:00', rubric: {RUBRIC}}}")
        student = make_user("student")
        teacher = make_user("instructor")
        with app.app_context():
            course = make_course("GD101", instructors=[teacher.email])
            authoring.import_package(course, io.BytesIO(assignment_zip(settings)), "m.zip")
            catalog.enroll(course, [db.session.merge(student)], source="admin")
            item_id = db.session.scalar(select(Item.id).where(Item.key == "make-a-loop"))
        return Setup(student, teacher, item_id)

    return build


def signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def hand_in(client, item_id, files: list[tuple[bytes, str]], comment=""):
    return client.post(f"/learning/items/{item_id}/submissions", data={
        "files": [(io.BytesIO(data), name) for data, name in files], "comment": comment,
    }, content_type="multipart/form-data", follow_redirects=True)


def fetch(client, url):
    """GET a file route and close the response (its file handle) at once."""
    response = client.get(url)
    data = response.get_data()
    response.close()
    return response.status_code, response.headers, data


def media(app) -> Path:
    return Path(app.config["MEDIA_ROOT"])


def stored_files(app) -> list[str]:
    root = media(app) / "submissions"
    return sorted(p.relative_to(media(app)).as_posix() for p in root.rglob("*") if p.is_file()
                  ) if root.exists() else []


def test_handing_in_stores_the_files_and_shows_them(app, make_assignment):
    setup = make_assignment()
    client = signed_in(app, setup.student)
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "<strong>square</strong>" in page and 'type="file"' in page and "multiple" in page
    assert "It runs" in page and "You have not handed anything in yet." in page

    page = hand_in(client, setup.item_id, [(PNG, "猫の絵.PNG"), (PDF, "report.pdf")],
                   comment="First try").get_data(as_text=True)
    assert "Submission 1 was received." in page
    assert "猫の絵.PNG" in page and "report.pdf" in page and "First try" in page
    assert "Waiting for a grade" in page and "Late" not in page
    with app.app_context():
        submission = db.session.scalar(select(Submission))
        assert (submission.number, submission.late, submission.status) == (1, False, "submitted")
        names = [(f.filename, f.storage_path, f.content_type) for f in submission.files]
        assert names == [
            ("猫の絵.PNG", f"submissions/{submission.id}/1-file.png", "image/png"),
            ("report.pdf", f"submissions/{submission.id}/2-report.pdf", "application/pdf")]
        assert (media(app) / names[0][1]).read_bytes() == PNG
        progress = db.session.scalar(select(ItemProgress))
        assert progress.attempts == 1 and not progress.completed
    assert list((media(app) / "tmp").iterdir()) == []


def test_files_are_previewed_inline_sandboxed_and_downloaded_safely(app, make_assignment):
    setup = make_assignment()
    client = signed_in(app, setup.student)
    page = hand_in(client, setup.item_id, [(PNG, "猫; filename=evil.html.png"), (PDF, "report.pdf")]
                   ).get_data(as_text=True)
    image_url, pdf_url = re.findall(r'src="(/learning/submissions/\d+/files/\d+)"', page)[:2]
    assert f'<img class="preview" src="{image_url}"' in page
    assert f'<iframe class="content-frame" src="{pdf_url}"' in page

    status, headers, data = fetch(client, pdf_url)
    assert status == 200 and data == PDF
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Security-Policy"].startswith("sandbox;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"].startswith("inline;")

    _status, headers, data = fetch(client, image_url + "?download=1")
    assert data == PNG
    assert headers["Content-Type"] == "application/octet-stream"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "; filename=evil" not in disposition  # the student's name is never raw
    assert "filename*=UTF-8''%E7%8C%AB%3B%20filename%3Devil.html.png" in disposition


def test_videos_play_with_range_requests(app, make_assignment):
    setup = make_assignment("{allowed_types: [mp4]}")
    client = signed_in(app, setup.student)
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8
    page = hand_in(client, setup.item_id, [(video, "walk-cycle.mp4")]).get_data(as_text=True)
    url = re.search(r'<video class="video" controls preload="metadata" src="([^"]+)"',
                    page).group(1)
    response = client.get(url, headers={"Range": "bytes=0-11"})
    assert response.status_code == 206 and response.get_data() == video[:12]
    assert response.headers["Content-Type"] == "video/mp4"
    response.close()


def test_every_file_problem_is_listed_and_nothing_is_stored(app, make_assignment):
    setup = make_assignment()
    client = signed_in(app, setup.student)
    page = hand_in(client, setup.item_id, [
        (PNG + b"\x00" * (1024 * 1024), "huge.png"),   # over 1 MB
        (EXE, "setup.exe"),                             # type not accepted
        (EXE, "holiday.png"),                           # a program renamed .png
        (b"GIF89a" + b"\x00" * 20, "fake.pdf"),         # content is not a PDF
    ]).get_data(as_text=True)
    assert "Nothing was handed in: 5 problems were found." in page
    assert "at most 2 files are allowed per submission" in page
    assert "huge.png is larger than 1 MB" in page
    assert "setup.exe: files of this type cannot be handed in here" in page
    assert "holiday.png is a program (like an .exe), not a .png file" in page
    assert "fake.pdf is not really a PDF file" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
        assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 0
    assert stored_files(app) == []
    assert list((media(app) / "tmp").iterdir()) == []


def test_extensions_are_case_insensitive_and_empty_form_is_explained(app, make_assignment):
    setup = make_assignment()
    client = signed_in(app, setup.student)
    page = hand_in(client, setup.item_id, []).get_data(as_text=True)
    assert "Choose at least one file to hand in." in page
    page = hand_in(client, setup.item_id, [(PDF, "REPORT.PDF")]).get_data(as_text=True)
    assert "Submission 1 was received." in page


def test_late_work_is_flagged_and_resubmission_keeps_history(app, make_assignment):
    setup = make_assignment("{allowed_types: [pdf], due: '2020-01-31T23:59:00+09:00'}")
    client = signed_in(app, setup.student)
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "31 Jan 2020, 19:59 (Asia/Tashkent)" in page and "the deadline has passed" in page
    page = hand_in(client, setup.item_id, [(PDF, "v1.pdf")]).get_data(as_text=True)
    assert "after the deadline: it is marked late" in page and "Late" in page
    page = hand_in(client, setup.item_id, [(PDF, "v2.pdf")]).get_data(as_text=True)
    assert "Submission 2" in page and "Submission 1" in page
    with app.app_context():
        rows = db.session.scalars(select(Submission).order_by(Submission.number)).all()
        assert [(s.number, s.late) for s in rows] == [(1, True), (2, True)]
    teacher = signed_in(app, setup.teacher)
    queue = teacher.get("/learning/courses/GD101/grading").get_data(as_text=True)
    assert "2 submissions are waiting for a grade." in queue
    assert queue.count('class="badge late"') == 2 and "a newer submission exists" in queue


def test_resubmission_before_the_deadline_is_not_late(app, make_assignment):
    setup = make_assignment()
    client = signed_in(app, setup.student)
    hand_in(client, setup.item_id, [(PNG, "a.png")])
    hand_in(client, setup.item_id, [(PNG, "b.png")])
    with app.app_context():
        rows = db.session.scalars(select(Submission).order_by(Submission.number)).all()
        assert [(s.number, s.late) for s in rows] == [(1, False), (2, False)]
        assert db.session.scalar(select(ItemProgress.attempts)) == 2


def test_deadline_is_shown_in_the_viewers_zone_with_its_name(app, make_assignment):
    setup = make_assignment()
    client = signed_in(app, setup.student)
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "31 Dec 2030, 19:59 (Asia/Tashkent)" in page
    with app.app_context():
        db.session.get(User, setup.student.id).timezone = "Asia/Tokyo"
        db.session.commit()
    page = client.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "31 Dec 2030, 23:59 (Asia/Tokyo)" in page


def test_due_days_count_from_the_enrolment(app, make_assignment):
    setup = make_assignment("{due_days: 10}")
    with app.app_context():
        enrollment = db.session.scalar(select(Enrollment))
        enrollment.created_at = utcnow().replace(year=2030, month=3, day=1, hour=6, minute=0)
        db.session.commit()
    page = signed_in(app, setup.student).get(f"/learning/items/{setup.item_id}").get_data(
        as_text=True)
    assert "11 Mar 2030, 11:00 (Asia/Tashkent)" in page


def test_grading_with_a_rubric_reaches_the_students_page_progress_and_inbox(
        app, make_assignment, outbox):
    setup = make_assignment()
    student = signed_in(app, setup.student)
    hand_in(student, setup.item_id, [(PNG, "shot.png")])
    with app.app_context():
        submission_id = db.session.scalar(select(Submission.id))

    teacher = signed_in(app, setup.teacher)
    queue = teacher.get("/learning/courses/GD101/grading").get_data(as_text=True)
    assert "1 submission is waiting for a grade." in queue and setup.student.name in queue
    form = teacher.get(f"/learning/submissions/{submission_id}/grade").get_data(as_text=True)
    assert 'name="points-runs"' in form and 'max="6"' in form and "shot.png" in form

    bad = teacher.post(f"/learning/submissions/{submission_id}/grade",
                       data={"points-runs": "7", "points-clean": "", "feedback": "x"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "It runs: 7 is out of range; give points from 0 to 6." in text
    assert "Clean code: give points from 0 to 4." in text
    with app.app_context():
        assert db.session.get(Submission, submission_id).status == "submitted"

    done = teacher.post(f"/learning/submissions/{submission_id}/grade", data={
        "points-runs": "6", "points-clean": "2",
        "feedback": "**Good** work.\n\n<script>alert(1)</script>"}, follow_redirects=True)
    assert "was saved: 80/100" in done.get_data(as_text=True)

    page = student.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "80/100" in page and "<strong>Good</strong> work." in page
    assert "<script>alert(1)</script>" not in page
    assert "6 / 6" in page and "2 / 4" in page
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        assert submission.rubric_scores == {"runs": 6.0, "clean": 2.0}
        assert submission.graded_by_id == setup.teacher.id
        progress = db.session.scalar(select(ItemProgress))
        assert (progress.best_score, progress.passed, progress.completed) == (80.0, True, True)
        note = db.session.scalar(select(Notification).where(Notification.kind == "grade"))
        assert note.user_id == setup.student.id and note.data["score"] == 80.0
    mails = list(outbox.glob("*.eml"))
    assert len(mails) == 1
    mail = mails[0].read_text(encoding="utf-8")
    assert f"To: {setup.student.email}" in mail and "80/100" in mail

    # A regrade replaces the grade shown; the event log keeps both.
    teacher.post(f"/learning/submissions/{submission_id}/grade",
                 data={"points-runs": "5", "points-clean": "4", "feedback": "Better."})
    page = student.get(f"/learning/items/{setup.item_id}").get_data(as_text=True)
    assert "90/100" in page and "Better." in page and "80/100" not in page
    with app.app_context():
        scored = db.session.scalars(select(LearningEvent.result).where(
            LearningEvent.verb.endswith("/scored"))).all()
        assert sorted(r["score"]["scaled"] for r in scored) == [0.8, 0.9]
        kinds = db.session.scalars(select(Notification.kind).order_by(Notification.id)).all()
        # The only item of the course is done, so the course completed too.
        assert kinds == ["course_complete", "grade", "grade"]


def test_grading_without_a_rubric_takes_a_score(app, make_assignment):
    setup = make_assignment("{allowed_types: [pdf]}")
    hand_in(signed_in(app, setup.student), setup.item_id, [(PDF, "essay.pdf")])
    with app.app_context():
        submission_id = db.session.scalar(select(Submission.id))
    teacher = signed_in(app, setup.teacher)
    assert teacher.post(f"/learning/submissions/{submission_id}/grade",
                        data={"score": "120"}).status_code == 422
    teacher.post(f"/learning/submissions/{submission_id}/grade",
                 data={"score": "55", "feedback": "Short."})
    with app.app_context():
        submission = db.session.get(Submission, submission_id)
        assert (submission.score, submission.status) == (55.0, "graded")
        assert db.session.scalar(select(ItemProgress.passed)) is False


def test_only_the_student_and_course_staff_can_open_submissions(app, make_assignment,
                                                                make_user):
    setup = make_assignment()
    owner = signed_in(app, setup.student)
    hand_in(owner, setup.item_id, [(PNG, "mine.png")])
    with app.app_context():
        file = db.session.scalar(select(SubmissionFile))
        file_url = f"/learning/submissions/{file.submission_id}/files/{file.id}"
        submission_id = file.submission_id

    classmate = make_user("student")
    outsider = make_user("instructor")
    with app.app_context():
        course = catalog.course_by_code("GD101")
        catalog.enroll(course, [db.session.merge(classmate)], source="admin")
        make_course("GD999", instructors=[outsider.email])
    for user in (classmate, outsider):
        client = signed_in(app, user)
        assert client.get(file_url).status_code == 404
        assert client.get(file_url + "?download=1").status_code == 404
        assert client.get(f"/learning/submissions/{submission_id}/grade").status_code == 404
        assert client.get("/learning/courses/GD101/grading").status_code == 404
    page = signed_in(app, classmate).get(f"/learning/items/{setup.item_id}").get_data(
        as_text=True)
    assert "mine.png" not in page
    assert fetch(signed_in(app, setup.teacher), file_url)[2] == PNG
    assert fetch(signed_in(app, make_user("admin")), file_url)[2] == PNG
    assert app.test_client().get(file_url).status_code == 302  # signed out: sign in first


def test_a_zipped_webgl_build_plays_in_a_sandbox(app, make_assignment, make_user):
    setup = make_assignment()
    client = signed_in(app, setup.student)
    build = build_zip({"MyGame/index.html": "<!doctype html><script src=Build/game.js></script>",
                       "MyGame/Build/game.js": "console.log('hi')"})
    page = hand_in(client, setup.item_id, [(build, "game.zip")]).get_data(as_text=True)
    assert "Play in the sandbox" in page
    src = re.search(r'src="(/learning/builds/[^"]+/)"', page).group(1)
    frame = re.search(r'<iframe[^>]*src="/learning/builds/[^>]*>', page, re.S).group(0)
    assert 'sandbox="allow-scripts allow-pointer-lock"' in frame

    anonymous = app.test_client()  # the sandboxed frame sends no cookies
    status, headers, data = fetch(anonymous, src)
    assert status == 200 and b"Build/game.js" in data
    csp = headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts") and "allow-same-origin" not in csp
    _status, headers, data = fetch(anonymous, src + "Build/game.js")
    assert data == b"console.log('hi')"
    assert headers["Content-Type"].startswith("text/javascript")
    assert anonymous.get(src + "../index.html").status_code == 404
    assert anonymous.get(src.replace("/builds/", "/builds/x")).status_code == 404
    with app.app_context():
        sha = db.session.scalar(select(SubmissionFile.sha256))
    assert (media(app) / "submission-builds" / sha / "MyGame" / "index.html").is_file()

    # Access is checked on every request: a withdrawn student's link stops working.
    with app.app_context():
        db.session.scalar(select(Enrollment)).status = "withdrawn"
        db.session.get(User, setup.student.id).active = False
        db.session.commit()
    assert anonymous.get(src).status_code == 404


def test_students_cannot_grade_and_outsiders_cannot_hand_in(app, make_assignment, make_user):
    setup = make_assignment()
    stranger = signed_in(app, make_user("student"))
    response = stranger.post(f"/learning/items/{setup.item_id}/submissions",
                             data={"files": [(io.BytesIO(PNG), "x.png")]},
                             content_type="multipart/form-data")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_the_grading_queue_lists_ungraded_work_first_and_oldest_first(app, make_assignment,
                                                                     make_user):
    setup = make_assignment()
    second = make_user("student", name="Zarina Second")
    with app.app_context():
        catalog.enroll(catalog.course_by_code("GD101"), [db.session.merge(second)],
                       source="admin")
    hand_in(signed_in(app, setup.student), setup.item_id, [(PNG, "first.png")])
    hand_in(signed_in(app, second), setup.item_id, [(PNG, "second.png")])
    with app.app_context():
        first, later = db.session.scalars(select(Submission).order_by(Submission.id)).all()
        first.submitted_at = utcnow() - timedelta(days=2)
        later.submitted_at = utcnow() - timedelta(days=3)
        db.session.commit()
        first_id, later_id = first.id, later.id
    teacher = signed_in(app, setup.teacher)
    teacher.post(f"/learning/submissions/{later_id}/grade",
                 data={"points-runs": "3", "points-clean": "3"})
    queue = teacher.get("/learning/courses/GD101/grading").get_data(as_text=True)
    grade_links = re.findall(r"/learning/submissions/(\d+)/grade", queue)
    assert [int(i) for i in grade_links] == [first_id, later_id]
    assert "Regrade" in queue
