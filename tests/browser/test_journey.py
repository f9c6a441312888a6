"""A whole student journey in Chromium, with the instructor grading in between."""

import io
import re
import zipfile

from playwright.sync_api import expect

from lms.authoring import services as authoring
from lms.catalog import services as catalog
from lms.extensions import db
from tests.conftest import PASSWORD, PROJECT_ROOT
from tests.factories import make_course

VIDEO = PROJECT_ROOT / "courses/animation-principles/01-squash-and-stretch/media/bouncing-ball.webm"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")

MODULE = """\
format: kakehashi-module/1
key: journey
title: {en: The bouncing ball}
items:
  - key: read
    kind: page
    title: Read about the ball
    file: read.md
  - key: watch
    kind: video
    title: Watch the ball
    file: ball.webm
    settings: {complete_at: 0.9}
  - key: check
    kind: quiz
    title: Check yourself
    file: quiz.yaml
    settings: {pass_score: 100}
  - key: animate
    kind: assignment
    title: Animate a ball
    file: brief.md
    settings: {allowed_types: [png], pass_score: 60}
"""
QUIZ = """\
questions:
  - key: q1
    type: single
    prompt: What makes a ball look soft?
    choices: [{key: a, text: Squash and stretch}, {key: b, text: A darker colour}]
    correct: [a]
"""


def build_course(app, student, teacher):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("module.yaml", MODULE)
        archive.writestr("read.md", "# The ball\n\nA ball squashes when it lands.\n")
        archive.writestr("ball.webm", VIDEO.read_bytes())
        archive.writestr("quiz.yaml", QUIZ)
        archive.writestr("brief.md", "Animate a bouncing ball; hand in one frame as PNG.\n")
    buffer.seek(0)
    with app.app_context():
        course = make_course("AN101", title={"en": "2D animation"}, instructors=[teacher.email])
        authoring.import_package(course, buffer, "journey.zip")
        catalog.enroll(course, [db.session.merge(student)], source="admin")


def wait_until(page, predicate, timeout=15.0):
    """Poll a Python predicate (page.wait_for_function would need eval, which our CSP forbids)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def sign_in(page, email):
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_whole_journey(app, page, make_user, tmp_path):
    student = make_user("student", email="malika@jdu.example", name="Malika Nazarova")
    teacher = make_user("instructor", email="takahashi@nmu.example.jp", name="Takahashi Yui")
    build_course(app, student, teacher)

    sign_in(page, student.email)
    page.get_by_role("link", name="2D animation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2D animation")

    # Read a page.
    page.get_by_role("link", name="Read about the ball").click()
    expect(page.get_by_text("A ball squashes when it lands.")).to_be_visible()
    page.get_by_role("button", name="I have read this — continue").click()

    # Watch part of the video; after a reload it resumes there.
    expect(page.get_by_role("heading", level=1)).to_have_text("Watch the ball")
    video = page.locator("video")
    video.evaluate("v => new Promise(r => v.readyState >= 1 ? r() : v.addEventListener('loadedmetadata', r))")
    video.evaluate("v => { v.muted = true; return v.play(); }")
    wait_until(page, lambda: video.evaluate("v => v.currentTime") > 2)
    video.evaluate("v => v.pause()")
    wait_until(page, lambda: video.evaluate("v => v.paused"))
    saved = video.evaluate("v => v.kakehashiSave(false)")
    assert saved == {"recorded": True, "completed": False}, saved
    page.reload()
    expect(page.get_by_test_id("resume-note")).to_be_visible()
    video = page.locator("video")
    wait_until(page, lambda: video.evaluate("v => v.currentTime") > 1.5)

    # Fail the quiz, then pass it.
    page.get_by_role("link", name="Check yourself →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check yourself")
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("A darker colour").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_test_id("attempt-score")).to_contain_text("Score: 0%")
    expect(page.get_by_test_id("attempt-score")).to_contain_text("Below the pass score")
    page.get_by_role("link", name="Check yourself").first.click()
    page.get_by_role("button", name="Start attempt 2").click()
    page.get_by_label("Squash and stretch").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_test_id("attempt-score")).to_contain_text("Score: 100%")
    expect(page.get_by_test_id("attempt-score")).to_contain_text("Pass")

    # Submit the assignment.
    frame = tmp_path / "frame.png"
    frame.write_bytes(PNG)
    page.goto("/learning/courses/AN101")
    page.get_by_role("link", name="Animate a ball").click()
    page.get_by_label("Files").set_input_files(str(frame))
    page.get_by_role("button", name="Hand in").click()
    expect(page.get_by_text("Waiting for a grade")).to_be_visible()
    sign_out(page)

    # The instructor grades it.
    sign_in(page, teacher.email)
    page.goto("/learning/courses/AN101/grading")
    page.get_by_role("link", name="Grade").click()
    page.get_by_label("Score").fill("88")
    page.get_by_label("Feedback").fill("Lovely squash on landing.")
    page.get_by_role("button", name="Save the grade").click()
    sign_out(page)

    # The student sees the grade, the feedback, and the completed course.
    sign_in(page, student.email)
    page.goto("/learning/courses/AN101")
    page.get_by_role("link", name="Animate a ball").click()
    expect(page.get_by_test_id("grade")).to_contain_text("88/100")
    expect(page.get_by_test_id("feedback")).to_contain_text("Lovely squash on landing.")
    page.goto("/learning/courses/AN101")
    # The video was only partly watched: finish it, then the course completes.
    page.get_by_role("link", name="Watch the ball").click()
    video = page.locator("video")
    # Let the player first seek to where the student stopped, then watch from the start.
    wait_until(page, lambda: video.evaluate("v => v.dataset.resumed === 'yes'"))
    video.evaluate(
        "v => new Promise(r => { v.muted = true; v.playbackRate = 2; v.currentTime = 0;"
        " v.addEventListener('ended', r); v.play(); })")
    played = video.evaluate(
        "v => [v.duration, Array.from({length: v.played.length},"
        " (_, i) => [v.played.start(i), v.played.end(i)])]")
    # The 'ended' handler saves too; the answer to our own save shows the stored state.
    result = video.evaluate("v => v.kakehashiSave(false)")
    assert result and result["completed"], (result, played)
    page.goto("/learning/courses/AN101")
    expect(page.get_by_text("Course completed")).to_be_visible()
    for title in ("Read about the ball", "Watch the ball", "Check yourself", "Animate a ball"):
        expect(page.locator("li.item", has_text=title)).to_have_attribute(
            "data-status", re.compile("completed|passed"))
