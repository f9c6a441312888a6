"""SCORM packages run to completion in the real player: sandboxed frame, injected API
adapter, postMessage bridge, server, and the course page showing the stored result."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import User
from lms.authoring.models import Item
from lms.authoring.services import import_package, zip_folder
from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning.models import ScormAttempt
from tests.conftest import PASSWORD, PROJECT_ROOT, SHARED_TESTDATA, shared_file
from tests.factories import make_course

GOLF = SHARED_TESTDATA / "scorm"
SPOT_THE_PRINCIPLE = PROJECT_ROOT / "courses" / "animation-principles" / "03-spot-the-principle"
# The answers of "Spot the principle", clip by clip (sco/spot.js).
SPOT_ANSWERS = ["Follow through", "Squash and stretch", "Timing", "Anticipation", "Arcs",
                "Slow in and slow out"]


@dataclass
class Launch:
    item_id: int
    course_code: str
    email: str
    title: str


def enrolled_student_with(app, make_user, package: bytes, filename: str) -> Launch:
    student = make_user("student")
    with app.app_context():
        course = make_course("SC201")
        catalog.enroll(course, [db.session.get(User, student.id)], source="admin")
        import_package(course, io.BytesIO(package), filename)
        item = db.session.scalars(select(Item).where(Item.kind == "scorm")).one()
        return Launch(item.id, course.code, student.email, item.title["en"])


def sign_in(page, email: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/learning/")


def collect_dialogs(page) -> list[str]:
    # The Golf samples alert() whenever an API call fails: there must be none.
    messages: list[str] = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return messages


def expect_course_row(page, launch: Launch, status: str, score: str) -> None:
    page.goto(f"/learning/courses/{launch.course_code}")
    row = page.locator("li.item", has_text=launch.title)
    expect(row.locator(".status-text")).to_have_text(status)
    expect(row).to_contain_text(f"score {score}")


def golf(name: str) -> bytes:
    return shared_file(GOLF / name).read_bytes()


def run_golf_to_the_end(page, frame_name: str) -> None:
    """Page through the Golf SCO with its own buttons, record a passing test result, exit.

    The knowledge check page runs in a frame inside the SCO and reports with
    parent.RecordTest(score). Every document of a sandboxed package has an opaque origin
    of its own, so that cross-frame call is refused by the browser; the test therefore
    calls RecordTest in the SCO's launch page itself, as the check page would have.
    """
    sco = page.frame_locator("iframe.content-frame")
    following = sco.locator("#butNext")
    expect(sco.locator("#contentFrame")).to_have_attribute("src", re.compile("Playing.html"))
    for _page in range(14):
        following.click()
    expect(following).to_be_disabled()
    expect(sco.locator("#contentFrame")).to_have_attribute("src", re.compile("assessment"))
    page.frame(name=frame_name).evaluate("RecordTest(100)")
    sco.locator("#butExit").click()


@pytest.mark.browser
def test_golf_scorm12_runs_to_completion(page, app, make_user):
    launch = enrolled_student_with(app, make_user, golf("RuntimeBasicCalls_SCORM12.zip"),
                                   "golf12.zip")
    dialogs = collect_dialogs(page)
    sign_in(page, launch.email)
    page.goto(f"/learning/items/{launch.item_id}")
    run_golf_to_the_end(page, "API")
    expect(page.locator("[data-content-host]")).to_have_attribute("data-saved", "terminate")
    expect(page.locator("[data-status-line]")).to_have_text("Passed — score 100.0")
    expect(page.get_by_test_id("item-status")).to_have_text("Passed")
    assert dialogs == []
    with app.app_context():
        attempt = db.session.scalars(select(ScormAttempt)).one()
        values = attempt.cmi["values"]
        assert attempt.finished
        assert values["cmi.core.lesson_status"] == "passed"
        assert values["cmi.core.lesson_location"] == "14"
        assert re.fullmatch(r"0000:00:\d\d", values["cmi.core.session_time"])
    expect_course_row(page, launch, "Passed", "100.0")


@pytest.mark.browser
def test_golf_scorm2004_runs_to_completion(page, app, make_user):
    launch = enrolled_student_with(
        app, make_user, golf("RuntimeBasicCalls_SCORM20043rdEdition.zip"), "golf2004.zip")
    dialogs = collect_dialogs(page)
    sign_in(page, launch.email)
    page.goto(f"/learning/items/{launch.item_id}")
    # The ADL discovery code in this package looks for API_1484_11 from window.parent
    # onwards (the platform page, another origin): found through the frame's name.
    run_golf_to_the_end(page, "API_1484_11")
    expect(page.locator("[data-content-host]")).to_have_attribute("data-saved", "terminate")
    expect(page.locator("[data-status-line]")).to_have_text("Passed — score 100.0")
    assert dialogs == []
    with app.app_context():
        attempt = db.session.scalars(select(ScormAttempt)).one()
        values = attempt.cmi["values"]
        assert attempt.finished
        assert values["cmi.completion_status"] == "completed"
        assert values["cmi.success_status"] == "passed"
        assert values["cmi.score.scaled"] == "1"
        assert values["adl.nav.request"] == "exitAll"
    expect_course_row(page, launch, "Passed", "100.0")


def wait_for_value(page, app, element: str, value: str, seconds: float = 5) -> None:
    for _try in range(int(seconds * 10)):
        with app.app_context():
            attempt = db.session.scalars(select(ScormAttempt)).first()
            if attempt is not None and attempt.cmi["values"].get(element) == value:
                return
        page.wait_for_timeout(100)
    raise AssertionError(f"{element} never became {value!r} on the server")


def answer(sco, choice: str, last: bool = False) -> None:
    sco.get_by_role("button", name=re.compile("^" + re.escape(choice))).click()
    sco.get_by_role("button", name="See my result" if last else "Next clip").click()


@pytest.mark.browser
def test_our_sample_sco_resumes_and_passes(page, app, make_user):
    launch = enrolled_student_with(app, make_user, zip_folder(SPOT_THE_PRINCIPLE).getvalue(),
                                   "spot.zip")
    dialogs = collect_dialogs(page)
    sign_in(page, launch.email)
    page.goto(f"/learning/items/{launch.item_id}")
    sco = page.frame_locator("iframe.content-frame")
    status = page.locator("[data-status-line]")
    # The SCO greets the learner by the name the adapter gives it ("Family, Given").
    expect(sco.locator("#hello")).to_contain_text("Welcome, Test Student")
    expect(sco.locator("#mastery")).to_have_text("80")
    for choice in SPOT_ANSWERS[:2]:
        answer(sco, choice)
    expect(sco.locator("#counter")).to_have_text("3 / 6")
    expect(status).to_have_text("Saved")
    # The SCO commits on every answer and move; leave once the last one is stored.
    wait_for_value(page, app, "cmi.core.lesson_location", "2")

    # Leaving the page and coming back continues at the third clip.
    page.goto(f"/learning/courses/{launch.course_code}")
    page.goto(f"/learning/items/{launch.item_id}")
    expect(page.get_by_test_id("scorm-resume")).to_contain_text("continues where you stopped")
    expect(sco.locator("#counter")).to_have_text("3 / 6")
    for position, choice in enumerate(SPOT_ANSWERS[2:], start=3):
        answer(sco, choice, last=position == 6)
    expect(sco.locator("#res-score")).to_have_text("100")
    expect(status).to_have_text("Passed — score 100.0")
    expect(page.locator("[data-content-host]")).to_have_attribute("data-saved", "terminate")
    assert dialogs == []
    with app.app_context():
        attempt = db.session.scalars(select(ScormAttempt)).one()
        assert attempt.finished and attempt.cmi["sessions"] == 2
    expect_course_row(page, launch, "Passed", "100.0")


@pytest.mark.browser
def test_instructor_preview_runs_the_sco_and_stores_nothing(page, app, make_user):
    instructor = make_user("instructor")
    with app.app_context():
        course = make_course("SC202", instructors=[instructor.email])
        import_package(course, zip_folder(SPOT_THE_PRINCIPLE), "spot.zip")
        item_id = db.session.scalars(select(Item.id).where(Item.kind == "scorm")).one()
    sign_in(page, instructor.email)
    page.goto(f"/learning/items/{item_id}")
    sco = page.frame_locator("iframe.content-frame")
    expect(page.get_by_text("Preview: the activity runs")).to_be_visible()
    answer(sco, SPOT_ANSWERS[0])
    expect(page.locator("[data-status-line]")).to_have_text("Preview: nothing is saved.")
    with app.app_context():
        assert db.session.scalars(select(ScormAttempt)).first() is None



@pytest.mark.browser
def test_golf_pages_inside_the_sco_frame_are_shown(page, app, make_user):
    launch = enrolled_student_with(app, make_user, golf("RuntimeBasicCalls_SCORM12.zip"),
                                   "golf12.zip")
    sign_in(page, launch.email)
    page.goto(f"/learning/items/{launch.item_id}")
    inner = page.frame_locator("iframe.content-frame").frame_locator("#contentFrame")
    expect(inner.locator("h1")).to_have_text("Play of the game", timeout=3000)


# The adapter's answers, call by call: [call, arguments, expected result, expected error].
CALLS_12 = [
    ["LMSGetValue", ["cmi.core.lesson_status"], "", "301"],
    ["LMSInitialize", ["x"], "false", "201"],
    ["LMSInitialize", [""], "true", "0"],
    ["LMSInitialize", [""], "false", "101"],
    ["LMSGetValue", ["cmi.core.lesson_status"], "not attempted", "0"],
    ["LMSGetValue", ["cmi.core.lesson_location"], "", "0"],
    ["LMSGetValue", ["cmi.core.score._children"], "raw,min,max", "0"],
    ["LMSGetValue", ["cmi.core.student_id._children"], "", "202"],
    ["LMSGetValue", ["cmi.core._count"], "", "203"],
    ["LMSGetValue", ["cmi.interactions._count"], "0", "0"],
    ["LMSGetValue", ["cmi._version"], "3.4", "0"],
    ["LMSGetValue", ["cmi.core.exit"], "", "404"],
    ["LMSGetValue", ["cmi.core.favourite"], "", "201"],
    ["LMSSetValue", ["cmi.core.student_name", "Mallory"], "false", "403"],
    ["LMSSetValue", ["cmi.core._children", "x"], "false", "402"],
    ["LMSSetValue", ["cmi.core.lesson_status", "not attempted"], "false", "405"],
    ["LMSSetValue", ["cmi.core.score.raw", "101"], "false", "405"],
    ["LMSSetValue", ["cmi.interactions.1.id", "q2"], "false", "201"],
    ["LMSSetValue", ["cmi.interactions.0.id", "q1"], "true", "0"],
    ["LMSSetValue", ["cmi.interactions.0.result", "correct"], "true", "0"],
    ["LMSGetValue", ["cmi.interactions._count"], "1", "0"],
    ["LMSGetValue", ["cmi.interactions.0.id"], "", "404"],
    ["LMSSetValue", ["cmi.core.score.raw", 85], "true", "0"],
    ["LMSGetValue", ["cmi.core.score.raw"], "85", "0"],
    ["LMSSetValue", ["cmi.core.lesson_status", "passed"], "true", "0"],
    ["LMSGetErrorString", ["403"], "Element is read only", "0"],
    ["LMSCommit", [""], "true", "0"],
    ["LMSSetValue", ["cmi.core.exit", ""], "true", "0"],
    ["LMSFinish", [""], "true", "0"],
    ["LMSGetValue", ["cmi.core.lesson_status"], "", "301"],
    ["LMSFinish", [""], "false", "301"],
]
CALLS_2004 = [
    ["GetValue", ["cmi.location"], "", "122"],
    ["Commit", [""], "false", "142"],
    ["Terminate", [""], "false", "112"],
    ["Initialize", [""], "true", "0"],
    ["Initialize", [""], "false", "103"],
    ["GetValue", ["cmi.location"], "", "403"],
    ["GetValue", ["cmi.completion_status"], "unknown", "0"],
    ["GetValue", ["cmi.entry"], "ab-initio", "0"],
    ["GetValue", ["cmi._version"], "1.0", "0"],
    ["GetValue", ["cmi.learner_id._children"], "", "301"],
    ["GetValue", ["cmi.exit"], "", "405"],
    ["GetValue", ["cmi.favourite"], "", "401"],
    ["GetValue", ["cmi.interactions.0.id"], "", "301"],
    ["GetValue", ["adl.nav.request_valid.continue"], "unknown", "0"],
    ["SetValue", ["cmi.learner_id", "x"], "false", "404"],
    ["SetValue", ["cmi.interactions._count", "1"], "false", "404"],
    ["SetValue", ["cmi.score.scaled", "2"], "false", "407"],
    ["SetValue", ["cmi.score.scaled", "high"], "false", "406"],
    ["SetValue", ["cmi.session_time", "00:01:00"], "false", "406"],
    ["SetValue", ["cmi.interactions.0.type", "choice"], "false", "408"],
    ["SetValue", ["cmi.interactions.0.id", "q1"], "true", "0"],
    ["SetValue", ["cmi.interactions.0.learner_response", "true"], "false", "408"],
    ["SetValue", ["cmi.interactions.0.type", "true-false"], "true", "0"],
    ["SetValue", ["cmi.interactions.0.learner_response", "maybe"], "false", "406"],
    ["SetValue", ["cmi.interactions.0.learner_response", "true"], "true", "0"],
    ["GetValue", ["cmi.interactions._count"], "1", "0"],
    ["GetValue", ["cmi.interactions.0.learner_response"], "true", "0"],
    ["SetValue", ["cmi.objectives.0.id", "obj-1"], "true", "0"],
    ["SetValue", ["cmi.objectives.0.id", "obj-2"], "false", "351"],
    ["SetValue", ["cmi.score.scaled", "0.9"], "true", "0"],
    ["SetValue", ["cmi.success_status", "passed"], "true", "0"],
    ["SetValue", ["cmi.completion_status", "completed"], "true", "0"],
    ["SetValue", ["cmi.session_time", "PT1M5.5S"], "true", "0"],
    ["GetErrorString", ["406"], "Data Model Element Type Mismatch", "0"],
    ["Commit", [""], "true", "0"],
    ["Terminate", [""], "true", "0"],
    ["Terminate", [""], "false", "113"],
    ["GetValue", ["cmi.location"], "", "123"],
    ["SetValue", ["cmi.location", "1"], "false", "133"],
    ["Commit", [""], "false", "143"],
    ["Initialize", [""], "false", "104"],
]
RUN_CALLS = """(calls) => calls.map(([name, args]) => {
  const api = window.API || window.API_1484_11;
  const result = api[name](...args);
  const error = api.LMSGetLastError ? api.LMSGetLastError() : api.GetLastError();
  return [name, args, result, error];
})"""


@pytest.mark.browser
@pytest.mark.parametrize(("version", "calls"), [("1.2", CALLS_12), ("2004", CALLS_2004)])
def test_adapter_answers_with_the_specified_errors(page, app, make_user, version, calls):
    from tests.learning.test_scorm_runtime import manifest_12, manifest_2004, scorm_zip

    manifest = manifest_12() if version == "1.2" else manifest_2004()
    launch = enrolled_student_with(app, make_user, scorm_zip(manifest), "api.zip")
    sign_in(page, launch.email)
    page.goto(f"/learning/items/{launch.item_id}")
    sco = page.frame(name="API" if version == "1.2" else "API_1484_11")
    sco.wait_for_load_state()
    answers = sco.evaluate(RUN_CALLS, calls)
    assert [[a[0], a[1], a[2], a[3]] for a in answers] == calls
    # What the SCO set reached the server, checked again there.
    expect(page.locator("[data-content-host]")).to_have_attribute("data-saved", "terminate")
    with app.app_context():
        attempt = db.session.scalars(select(ScormAttempt)).one()
        values = attempt.cmi["values"]
    if version == "1.2":
        assert values["cmi.core.lesson_status"] == "passed"
        assert values["cmi.interactions.0.result"] == "correct"
        expect_course_row(page, launch, "Passed", "85.0")
    else:
        assert values["cmi.interactions.0.learner_response"] == "true"
        assert values["cmi.objectives.0.id"] == "obj-1"
        assert attempt.cmi["seconds"] == 65.5
        expect_course_row(page, launch, "Passed", "90.0")
