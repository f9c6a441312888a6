"""SCORM run-time on the server: the data model, attempts, progress, and the adapter's
script injected into the SCO's pages; html5 score reports."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item, ModuleVersion
from lms.catalog import services as catalog
from lms.content.services import content_url
from lms.extensions import db
from lms.learning import progress
from lms.learning.models import CourseResult, ItemProgress, Launch, LearningEvent, ScormAttempt
from lms.learning.scorm import insert_script, timespan_12
from lms.learning.scorm_model import SCORM12, SCORM2004, Refused, check_set
from tests.conftest import login
from tests.factories import make_course, module_zip

SCO_HTML = ("<!doctype html>\n<html lang=en>\n<HEAD data-x=\"1\">\n<meta charset=utf-8>"
            "<title>SCO</title></HEAD><body><p>SCO</p></body></html>")


def manifest_12(mastery: int | None = None) -> str:
    mastery_xml = f"<adlcp:masteryscore>{mastery}</adlcp:masteryscore>" if mastery else ""
    return f"""<?xml version="1.0"?>
<manifest identifier="runtime-12" version="1"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Runtime</title>
    <item identifier="sco-one" identifierref="r1"><title>The SCO</title>{mastery_xml}
      <adlcp:datafromlms>level=2</adlcp:datafromlms></item>
  </organization></organizations>
  <resources><resource identifier="r1" type="webcontent" adlcp:scormtype="sco"
    href="sco/index.html"><file href="sco/index.html"/></resource></resources>
</manifest>"""


def manifest_2004(threshold: float | None = None, passing: float | None = None) -> str:
    extra = ""
    if threshold is not None:
        extra += f"<adlcp:completionThreshold>{threshold}</adlcp:completionThreshold>"
    if passing is not None:
        extra += (
            "<imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID='p' "
            f"satisfiedByMeasure='true'><imsss:minNormalizedMeasure>{passing}"
            "</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives>"
            "</imsss:sequencing>")
    return f"""<?xml version="1.0"?>
<manifest identifier="runtime-2004" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Runtime</title>
    <item identifier="sco-one" identifierref="r1"><title>The SCO</title>{extra}</item>
  </organization></organizations>
  <resources><resource identifier="r1" type="webcontent" adlcp:scormType="sco"
    href="sco/index.html"><file href="sco/index.html"/></resource></resources>
</manifest>"""


def scorm_zip(manifest: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.writestr("sco/index.html", SCO_HTML)
        archive.writestr("sco/other.html", "<html><head><title>2</title></head></html>")
    return buffer.getvalue()


@dataclass
class Setup:
    item_id: int
    student: User
    outsider: User
    instructor: User


@pytest.fixture
def build(app, make_user):
    """build(manifest) -> Setup: a course, its instructor, an enrolled student, a student
    of another course, and one imported SCORM package."""

    def factory(manifest: str, code: str = "SC101") -> Setup:
        instructor = make_user("instructor")
        student = make_user("student")
        outsider = make_user("student")
        with app.app_context():
            course = make_course(code, instructors=[instructor.email])
            catalog.enroll(course, [db.session.get(User, student.id)], source="admin")
            authoring.import_package(course, io.BytesIO(scorm_zip(manifest)), "sco.zip",
                                     db.session.get(User, instructor.id))
            item_id = db.session.scalar(select(Item.id).where(Item.kind == "scorm"))
        return Setup(item_id, student, outsider, instructor)

    return factory


def open_launch(client, item_id: int) -> str | None:
    """What the item page's content bridge does when it opens: ask for a launch."""
    response = client.post(f"/learning/items/{item_id}/launch", json={},
                           headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.json.get("token")


def call(client, item_id: int, name: str, data: dict | None = None, call_id: str | None = None,
         launch: str | None = None):
    """One run-time call as the page relays it. An Initialize opens the page anew (a new
    launch, as a reload does); the other calls go with the page's launch."""
    launches = client.__dict__.setdefault("scorm_launches", {})
    if launch is None:
        if name == "initialize" or item_id not in launches:
            launches[item_id] = open_launch(client, item_id)
        launch = launches[item_id]
    headers = {"X-CSRFToken": client.csrf_token()}
    if launch:
        headers["X-Kakehashi-Launch"] = launch
    return client.post(f"/learning/items/{item_id}/scorm",
                       json={"id": call_id or str(uuid.uuid4()), "call": name, "data": data or {}},
                       headers=headers)


def progress_of(app, setup: Setup):
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(
            ItemProgress.user_id == setup.student.id))
        return None if row is None else (row.status, row.best_score, row.attempts,
                                         row.time_spent)


def attempts(app, user_id: int) -> list[tuple[int, bool, dict]]:
    with app.app_context():
        return [(a.number, a.finished, a.cmi) for a in db.session.scalars(
            select(ScormAttempt).where(ScormAttempt.user_id == user_id)
            .order_by(ScormAttempt.number))]


def script_url(app, setup: Setup, user_id: int | None = None) -> str:
    """The adapter URL as the SCO's served page names it."""
    with app.app_context():
        item = db.session.get(Item, setup.item_id)
        url = content_url(item.version, "sco/index.html",
                          db.session.get(User, user_id or setup.student.id))
        token = url.split("/")[2]
    return f"/content/{token}/__kakehashi__/scorm-api.js?item={setup.item_id}"


def boot(app, setup: Setup, user_id: int | None = None) -> dict:
    """The launch data a fresh client (no cookies) gets from the adapter's script."""
    response = app.test_client().get(script_url(app, setup, user_id))
    assert response.status_code == 200
    first_line = response.get_data(as_text=True).split("\n", 1)[0]
    match = re.fullmatch(r"window\.__kakehashiScorm = (\{.*\});", first_line)
    assert match, first_line[:200]
    return json.loads(match.group(1))


# --- the data model ---------------------------------------------------------------------


def refusal(model, name, value, values=None) -> str | None:
    try:
        check_set(model, dict(values or {}), name, value)
    except Refused as exc:
        return model.codes[exc.kind]
    return None


@pytest.mark.parametrize(("name", "value"), [
    ("cmi.core.lesson_status", "passed"),
    ("cmi.core.lesson_status", "browsed"),
    ("cmi.core.score.raw", "85.5"),
    ("cmi.core.score.raw", ""),
    ("cmi.core.session_time", "0000:01:30.5"),
    ("cmi.core.session_time", "12:00:00"),
    ("cmi.core.exit", "suspend"),
    ("cmi.core.exit", ""),
    ("cmi.core.lesson_location", "page-3"),
    ("cmi.suspend_data", "x" * 4096),
    ("cmi.objectives.0.id", "obj_1"),
    ("cmi.objectives.0.status", "not attempted"),
    ("cmi.interactions.0.id", "q1"),
    ("cmi.interactions.0.result", "wrong"),
    ("cmi.interactions.0.result", "0.5"),
    ("cmi.interactions.0.time", "23:59:59"),
    ("cmi.student_preference.audio", "-1"),
])
def test_scorm12_accepts_valid_values(name, value):
    assert refusal(SCORM12, name, value) is None


@pytest.mark.parametrize(("name", "value", "code"), [
    ("cmi.core.lesson_status", "not attempted", "405"),  # the LMS's value, not the SCO's
    ("cmi.core.lesson_status", "done", "405"),
    ("cmi.core.score.raw", "101", "405"),
    ("cmi.core.score.raw", "eighty", "405"),
    ("cmi.core.session_time", "1:30", "405"),
    ("cmi.core.session_time", "PT1M30S", "405"),
    ("cmi.core.exit", "normal", "405"),
    ("cmi.interactions.0.time", "25:00:00", "405"),
    ("cmi.student_preference.text", "2", "405"),
    ("cmi.core.lesson_location", "x" * 256, "405"),
    ("cmi.core.student_name", "Someone Else", "403"),
    ("cmi.core.total_time", "0001:00:00", "403"),
    ("cmi.launch_data", "x", "403"),
    ("cmi.core._children", "x", "402"),
    ("cmi.interactions._count", "3", "402"),
    ("cmi.core.favourite_colour", "blue", "201"),
    ("cmi.interactions.1.id", "q2", "201"),  # index 0 must come first
])
def test_scorm12_refuses_with_the_specified_error(name, value, code):
    assert refusal(SCORM12, name, value) == code


@pytest.mark.parametrize(("name", "value", "values"), [
    ("cmi.completion_status", "completed", {}),
    ("cmi.success_status", "failed", {}),
    ("cmi.score.scaled", "-0.5", {}),
    ("cmi.score.scaled", "1", {}),
    ("cmi.score.raw", "250", {}),
    ("cmi.progress_measure", "0.75", {}),
    ("cmi.session_time", "PT1H2M3.25S", {}),
    ("cmi.session_time", "P1DT2H", {}),
    ("cmi.location", "x" * 1000, {}),
    ("cmi.exit", "normal", {}),
    ("cmi.learner_preference.language", "ja-JP", {}),
    ("adl.nav.request", "exitAll", {}),
    ("adl.nav.request", "{target=sco-2}choice", {}),
    ("cmi.interactions.0.id", "urn:kakehashi:q1", {}),
    ("cmi.interactions.0.type", "true-false", {"cmi.interactions.0.id": "q1"}),
    ("cmi.interactions.0.learner_response", "true",
     {"cmi.interactions.0.id": "q1", "cmi.interactions.0.type": "true-false"}),
    ("cmi.interactions.0.timestamp", "2024-05-01T10:20:30Z", {"cmi.interactions.0.id": "q1"}),
    ("cmi.interactions.0.result", "incorrect", {"cmi.interactions.0.id": "q1"}),
    ("cmi.comments_from_learner.0.comment", "{lang=ja}むずかしい", {}),
])
def test_scorm2004_accepts_valid_values(name, value, values):
    assert refusal(SCORM2004, name, value, values) is None


@pytest.mark.parametrize(("name", "value", "values", "code"), [
    ("cmi.score.scaled", "1.5", {}, "407"),
    ("cmi.progress_measure", "-0.1", {}, "407"),
    ("cmi.learner_preference.audio_level", "-1", {}, "407"),
    ("cmi.session_time", "PT", {}, "406"),
    ("cmi.session_time", "P1H", {}, "406"),
    ("cmi.session_time", "0000:01:00", {}, "406"),
    ("cmi.completion_status", "done", {}, "406"),
    ("cmi.exit", "suspended", {}, "406"),
    ("cmi.location", "x" * 1001, {}, "406"),
    ("cmi.score.raw", "high", {}, "406"),
    ("cmi.interactions.0.type", "choice", {}, "408"),  # needs the interaction's id first
    ("cmi.interactions.0.learner_response", "a", {"cmi.interactions.0.id": "q1"}, "408"),
    ("cmi.interactions.0.learner_response", "maybe",
     {"cmi.interactions.0.id": "q1", "cmi.interactions.0.type": "true-false"}, "406"),
    ("cmi.interactions.0.timestamp", "2024-13-01", {"cmi.interactions.0.id": "q1"}, "406"),
    ("cmi.objectives.0.id", "other", {"cmi.objectives.0.id": "first"}, "351"),
    ("cmi.objectives.1.id", "first", {"cmi.objectives.0.id": "first"}, "351"),
    ("cmi.interactions.2.id", "q3", {"cmi.interactions.0.id": "q1"}, "351"),
    ("cmi.learner_id", "someone", {}, "404"),
    ("cmi.completion_threshold", "0", {}, "404"),
    ("cmi.interactions._count", "1", {}, "404"),
    ("cmi._version", "2.0", {}, "404"),
    ("adl.nav.request_valid.continue", "true", {}, "404"),
    ("cmi.core.lesson_status", "passed", {}, "401"),  # a 1.2 element in a 2004 SCO
])
def test_scorm2004_refuses_with_the_specified_error(name, value, values, code):
    assert refusal(SCORM2004, name, value, values) == code


def test_times_are_written_in_scorm_formats():
    assert timespan_12(0) == "0000:00:00.00"
    assert timespan_12(3723.5) == "0001:02:03.50"


# --- attempts, progress -----------------------------------------------------------------


def sign_in(client, user):
    assert login(client, user.email).status_code == 302


def test_scorm12_status_and_score_reach_progress(app, client, build):
    setup = build(manifest_12())
    sign_in(client, setup.student)
    assert call(client, setup.item_id, "initialize").json["recorded"] is True
    response = call(client, setup.item_id, "commit", {"cmi.core.lesson_status": "completed"})
    assert response.json["status"] == "completed"
    response = call(client, setup.item_id, "terminate", {
        "cmi.core.score.raw": "15", "cmi.core.score.min": "0", "cmi.core.score.max": "20",
        "cmi.core.lesson_status": "passed", "cmi.core.session_time": "0000:01:30.00",
        "cmi.core.exit": ""})
    assert response.status_code == 200
    assert response.json == {"recorded": True, "attempt": 1, "status": "passed", "score": 75.0}
    assert progress_of(app, setup) == ("passed", 75.0, 1, 90)


def test_scorm12_mastery_score_decides_pass_or_fail(app, client, build):
    setup = build(manifest_12(mastery=80))
    sign_in(client, setup.student)
    call(client, setup.item_id, "initialize")
    # The SCO says passed, but 70 is under the mastery score: the LMS records failed.
    call(client, setup.item_id, "commit", {"cmi.core.score.raw": "70",
                                          "cmi.core.lesson_status": "passed"})
    assert progress_of(app, setup)[:2] == ("failed", 70.0)
    assert attempts(app, setup.student.id)[0][2]["values"]["cmi.core.lesson_status"] == "failed"
    # An interim score while incomplete decides nothing yet.
    call(client, setup.item_id, "commit", {"cmi.core.score.raw": "95",
                                          "cmi.core.lesson_status": "incomplete"})
    assert progress_of(app, setup)[:2] == ("failed", 70.0)
    call(client, setup.item_id, "terminate", {"cmi.core.lesson_status": "completed"})
    assert progress_of(app, setup)[:2] == ("passed", 95.0)


def test_scorm2004_scaled_passing_score_decides_success(app, client, build):
    setup = build(manifest_2004(passing=0.6))
    sign_in(client, setup.student)
    call(client, setup.item_id, "initialize")
    call(client, setup.item_id, "commit", {"cmi.score.scaled": "0.5",
                                          "cmi.success_status": "passed",
                                          "cmi.completion_status": "completed"})
    assert progress_of(app, setup)[:2] == ("failed", 50.0)
    response = call(client, setup.item_id, "terminate", {
        "cmi.score.scaled": "0.8", "cmi.session_time": "PT2M", "cmi.exit": "normal"})
    assert response.json["status"] == "passed"
    assert progress_of(app, setup) == ("passed", 80.0, 1, 120)


def test_scorm2004_completion_threshold_uses_progress_measure(app, client, build):
    setup = build(manifest_2004(threshold=0.8))
    sign_in(client, setup.student)
    call(client, setup.item_id, "initialize")
    call(client, setup.item_id, "commit", {"cmi.completion_status": "completed",
                                          "cmi.progress_measure": "0.5"})
    assert progress_of(app, setup)[0] == "in_progress"
    call(client, setup.item_id, "commit", {"cmi.progress_measure": "0.9"})
    assert progress_of(app, setup)[0] == "completed"
    # The adapter gets the threshold so that GetValue can apply the same rule.
    assert boot(app, setup)["cmi"]["cmi.completion_threshold"] == "0.8"


def test_suspend_then_resume_carries_location_and_suspend_data(app, client, build):
    setup = build(manifest_12())
    sign_in(client, setup.student)
    first = boot(app, setup)
    assert first["version"] == "1.2" and first["item"] == setup.item_id
    assert first["cmi"]["cmi.core.entry"] == "ab-initio"
    assert first["cmi"]["cmi.core.lesson_status"] == "not attempted"
    assert first["cmi"]["cmi.launch_data"] == "level=2"
    assert first["cmi"]["cmi.core.student_id"] == str(setup.student.id)
    family, given = setup.student.name.rsplit(" ", 1)[1], setup.student.name.rsplit(" ", 1)[0]
    assert first["cmi"]["cmi.core.student_name"] == f"{family}, {given}"
    call(client, setup.item_id, "initialize")
    call(client, setup.item_id, "commit", {"cmi.core.lesson_location": "page-3",
                                          "cmi.suspend_data": "v1|01-"})
    call(client, setup.item_id, "terminate", {"cmi.core.exit": "suspend",
                                             "cmi.core.session_time": "00:00:10"})
    assert attempts(app, setup.student.id)[0][:2] == (1, False)

    second = boot(app, setup)["cmi"]
    assert second["cmi.core.entry"] == "resume"
    assert second["cmi.core.lesson_location"] == "page-3"
    assert second["cmi.suspend_data"] == "v1|01-"
    assert second["cmi.core.total_time"] == "0000:00:10.00"
    assert "cmi.core.exit" not in second and "cmi.core.session_time" not in second
    # The resumed session is the same attempt.
    assert call(client, setup.item_id, "initialize").json["attempt"] == 1
    assert progress_of(app, setup)[2] == 1


def test_a_session_left_without_terminate_resumes_from_its_last_commit(app, client, build):
    # Leaving the page usually loses the Terminate sent while it unloads.
    setup = build(manifest_12())
    sign_in(client, setup.student)
    call(client, setup.item_id, "initialize")
    call(client, setup.item_id, "commit", {"cmi.core.lesson_location": "4",
                                          "cmi.suspend_data": "state"})
    again = boot(app, setup)["cmi"]
    assert (again["cmi.core.entry"], again["cmi.core.lesson_location"]) == ("resume", "4")
    assert call(client, setup.item_id, "initialize").json["attempt"] == 1
    with app.app_context():
        verbs = db.session.scalars(select(LearningEvent.verb))
        assert sorted(v.rsplit("/", 1)[1] for v in verbs) == [
            "initialized", "progressed", "resumed"]


def test_a_normal_exit_ends_the_attempt_and_the_next_launch_starts_another(app, client, build):
    setup = build(manifest_2004())
    sign_in(client, setup.student)
    call(client, setup.item_id, "initialize")
    call(client, setup.item_id, "terminate", {"cmi.location": "5", "cmi.exit": "normal"})
    assert attempts(app, setup.student.id)[0][:2] == (1, True)

    fresh = boot(app, setup)["cmi"]
    assert fresh["cmi.entry"] == "ab-initio"
    assert "cmi.location" not in fresh
    assert fresh["cmi.completion_status"] == "unknown"
    assert call(client, setup.item_id, "initialize").json["attempt"] == 2
    assert [a[:2] for a in attempts(app, setup.student.id)] == [(1, True), (2, False)]
    assert progress_of(app, setup)[2] == 2


def test_loading_the_adapter_creates_nothing(app, build):
    setup = build(manifest_12())
    boot(app, setup)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScormAttempt)) == 0
        assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 0


def test_a_retried_call_is_stored_once(app, client, build):
    setup = build(manifest_12())
    sign_in(client, setup.student)
    call(client, setup.item_id, "initialize")
    call_id = str(uuid.uuid4())
    data = {"cmi.core.lesson_status": "completed", "cmi.core.session_time": "00:01:00",
            "cmi.core.exit": ""}
    first = call(client, setup.item_id, "terminate", data, call_id)
    again = call(client, setup.item_id, "terminate", data, call_id)
    assert first.json["recorded"] is True and again.json["recorded"] is False
    assert again.json["status"] == "completed"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LearningEvent).where(
            LearningEvent.id == call_id)) == 1
    assert progress_of(app, setup) == ("completed", None, 1, 60)
    assert len(attempts(app, setup.student.id)) == 1


def test_bad_and_read_only_elements_are_refused_with_a_list(app, client, build):
    setup = build(manifest_12())
    sign_in(client, setup.student)
    call(client, setup.item_id, "initialize")
    response = call(client, setup.item_id, "commit", {
        "cmi.core.lesson_location": "fine", "cmi.core.student_name": "Mallory",
        "cmi.core.score.raw": "1000", "cmi.core.unknown": "x"})
    assert response.status_code == 422
    error = response.json["error"]
    assert {d["element"] for d in error["details"]} == {
        "cmi.core.student_name", "cmi.core.score.raw", "cmi.core.unknown"}
    assert "cmi.core.student_name" in error["message"]
    # Nothing of the refused call was kept, not even its valid element.
    assert "cmi.core.lesson_location" not in attempts(app, setup.student.id)[0][2]["values"]


def test_commit_before_initialize_is_a_conflict(client, build):
    setup = build(manifest_12())
    sign_in(client, setup.student)
    response = call(client, setup.item_id, "commit", {"cmi.core.lesson_location": "1"})
    assert response.status_code == 409


def test_another_students_item_is_not_found(app, client, build):
    setup = build(manifest_12())
    sign_in(client, setup.outsider)
    assert client.post(f"/learning/items/{setup.item_id}/launch", json={},
                       headers={"X-CSRFToken": client.csrf_token()}).status_code == 404
    assert call(client, setup.item_id, "initialize", launch="").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScormAttempt)) == 0


# --- launches: the only way content reports ------------------------------------------------


def test_content_reports_only_through_the_students_own_launch(app, client, build, make_user):
    """Without a launch, with a made-up one, with another student's, or with one for
    another item, a SCO's report is refused and nothing is stored."""
    setup = build(manifest_12())
    other = make_user("student")
    with app.app_context():
        course = db.session.get(Item, setup.item_id).version.module.course
        catalog.enroll(course, [db.session.merge(other)], source="admin")
    sign_in(client, other)
    others_launch = open_launch(client, setup.item_id)
    client.post("/auth/logout", headers={"X-CSRFToken": client.csrf_token()})
    sign_in(client, setup.student)
    passed = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "100"}
    for launch in ("", "made-up-token", others_launch):
        response = call(client, setup.item_id, "initialize", launch=launch)
        assert response.status_code == 403, launch
        assert "launch" in response.json["error"]["message"]
    assert progress_of(app, setup) is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScormAttempt)) == 0
        assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 0
    # Its own launch works, and what it reports is content-reported.
    own = open_launch(client, setup.item_id)
    assert call(client, setup.item_id, "initialize", launch=own).status_code == 200
    assert call(client, setup.item_id, "terminate", passed, launch=own).json["score"] == 100.0
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(
            ItemProgress.user_id == setup.student.id))
        assert row.provenance == "content-reported"


def test_a_launch_expires_and_belongs_to_one_attempt(app, client, build):
    setup = build(manifest_12())
    sign_in(client, setup.student)
    first = open_launch(client, setup.item_id)
    assert call(client, setup.item_id, "initialize", launch=first).status_code == 200
    assert call(client, setup.item_id, "terminate", {"cmi.core.exit": ""},
                launch=first).status_code == 200
    # The attempt ended; a new Initialize through the same launch would be attempt 2.
    response = call(client, setup.item_id, "initialize", launch=first)
    assert response.status_code == 409
    assert "attempt 1" in response.json["error"]["message"]
    # A launch past its lifetime is refused with what to do.
    second = open_launch(client, setup.item_id)
    with app.app_context():
        for row in db.session.scalars(select(Launch)):
            row.expires_at = row.created_at - timedelta(seconds=1)
        db.session.commit()
    response = call(client, setup.item_id, "initialize", launch=second)
    assert response.status_code == 403
    assert "expired" in response.json["error"]["message"]
    assert [a[0] for a in attempts(app, setup.student.id)] == [1]


def test_instructor_preview_runs_but_stores_nothing(app, client, build):
    setup = build(manifest_12())
    sign_in(client, setup.instructor)
    assert call(client, setup.item_id, "initialize").json == {"recorded": False, "preview": True}
    assert call(client, setup.item_id, "commit", {"cmi.core.lesson_status": "passed"}).json[
        "recorded"] is False
    # Invalid data is still refused, so a preview shows what a student would meet.
    assert call(client, setup.item_id, "commit", {"cmi.core.credit": "credit"}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScormAttempt)) == 0
        assert db.session.scalar(select(func.count()).select_from(LearningEvent)) == 0
    assert boot(app, setup, setup.instructor.id)["cmi"]["cmi.core.credit"] == "no-credit"


def test_json_endpoint_needs_the_csrf_header(client, build):
    setup = build(manifest_12())
    sign_in(client, setup.student)
    response = client.post(f"/learning/items/{setup.item_id}/scorm",
                           json={"id": str(uuid.uuid4()), "call": "initialize", "data": {}})
    assert response.status_code == 400


# --- the adapter's script in served pages -----------------------------------------------


def fetch(client, url):
    response = client.get(url)
    body = response.get_data()
    response.close()
    return response, body


def test_served_sco_pages_load_the_adapter_first(app, build):
    setup = build(manifest_12())
    with app.app_context():
        item = db.session.get(Item, setup.item_id)
        student = db.session.get(User, setup.student.id)
        url = content_url(item.version, item.entry, student)
        other = content_url(item.version, "sco/other.html", student)
    anonymous = app.test_client()  # the sandboxed frame sends no cookies
    response, body = fetch(anonymous, url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html"
    assert "sandbox allow-scripts" in response.headers["Content-Security-Policy"]
    assert "allow-same-origin" not in response.headers["Content-Security-Policy"]
    match = re.search(rb'<HEAD data-x="1"><script src="([^"]+)"></script>\n<meta charset', body)
    assert match, body[:300]
    src = match.group(1).decode().replace("&amp;", "&")
    assert src.startswith("/content/" + url.split("/")[2] + "/__kakehashi__/scorm-api.js?item=")
    # Every page of the package gets it (the SCO may move between pages).
    assert b"__kakehashi__/scorm-api.js" in fetch(anonymous, other)[1]

    script, text = fetch(anonymous, src)
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["Cache-Control"] == "no-store"
    assert "sandbox allow-scripts" in script.headers["Content-Security-Policy"]
    assert "allow-same-origin" not in script.headers["Content-Security-Policy"]
    assert text.startswith(b"window.__kakehashiScorm = {")
    assert b"LMSInitialize" in text and b"API_1484_11" in text


def test_adapter_url_refuses_a_bad_token_or_another_item(app, build):
    setup = build(manifest_12())
    anonymous = app.test_client()
    good = script_url(app, setup)
    assert fetch(anonymous, good.replace("/content/", "/content/x"))[0].status_code == 404
    assert fetch(anonymous, good.split("?")[0] + "?item=999999")[0].status_code == 404


def test_html5_pages_are_served_unchanged(app, make_user):
    student = make_user("student")
    with app.app_context():
        course = make_course("H5101")
        catalog.enroll(course, [db.session.get(User, student.id)], source="admin")
        authoring.import_package(course, io.BytesIO(module_zip("h5", [
            {"key": "game", "kind": "html5", "title": "Game"}])), "h5.zip")
        version = db.session.scalar(select(ModuleVersion))
        url = content_url(version, "game/index.html", db.session.get(User, student.id))
    response, body = fetch(app.test_client(), url)
    assert response.status_code == 200
    assert body == b"<!doctype html><title>x</title><p>game</p>"


@pytest.mark.parametrize(("page", "expected"), [
    (b"<html><head><title>t</title>", b"<html><head>TAG<title>t</title>"),
    (b"\xef\xbb\xbf<!DOCTYPE html><HTML><HEAD lang='en'>x",
     b"\xef\xbb\xbf<!DOCTYPE html><HTML><HEAD lang='en'>TAGx"),
    (b"<!-- <head> in a comment --><head>x", b"<!-- <head> in a comment --><head>TAGx"),
    (b"<!doctype html><html lang=ja><header>h</header>",
     b"<!doctype html><html lang=ja>TAG<header>h</header>"),
    (b"<?xml version='1.0'?>\n<!DOCTYPE html>\n<p>no head", b"<?xml version='1.0'?>\n<!DOCTYPE html>\nTAG<p>no head"),
    (b"<body><head>late</head>", b"TAG<body><head>late</head>"),
])
def test_insert_script_places_the_tag_first_in_head(page, expected):
    tag = b'<script src="/s.js?item=1&amp;x=&quot;"></script>'
    assert insert_script(page, '/s.js?item=1&x="') == expected.replace(b"TAG", tag)


def test_insert_script_keeps_utf16_pages_utf16():
    page = "\ufeff<html><head><title>日本</title>".encode("utf-16-le")
    result = insert_script(b"\xff\xfe" + page[2:], "/s.js")
    assert result.decode("utf-16") == '<html><head><script src="/s.js"></script><title>日本</title>'


# --- html5 reports ----------------------------------------------------------------------


def report(client, item_id, **body):
    body.setdefault("id", str(uuid.uuid4()))
    launches = client.__dict__.setdefault("scorm_launches", {})
    if item_id not in launches:
        launches[item_id] = open_launch(client, item_id)
    headers = {"X-CSRFToken": client.csrf_token()}
    if launches[item_id]:
        headers["X-Kakehashi-Launch"] = launches[item_id]
    return client.post(f"/learning/items/{item_id}/report", json=body, headers=headers)


def test_html5_score_and_completion_are_recorded(app, client, make_user):
    student = make_user("student")
    files = {"game/index.html": "<!doctype html><title>g</title>",
             "module.yaml": ("format: kakehashi-module/1\nkey: h5\ntitle: {en: H5}\nitems:\n"
                             "  - key: game\n    kind: html5\n    title: Game\n"
                             "    file: game/index.html\n    settings: {reports_score: true}\n")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with app.app_context():
        course = make_course("H5103")
        catalog.enroll(course, [db.session.get(User, student.id)], source="admin")
        authoring.import_package(course, io.BytesIO(buffer.getvalue()), "h5.zip")
        item_id = db.session.scalar(select(Item.id).where(Item.kind == "html5"))
    sign_in(client, student)
    assert report(client, item_id, type="score", score=101).status_code == 422
    assert report(client, item_id, type="dance").status_code == 422
    assert report(client, item_id, type="score", score=85).json == {
        "recorded": True, "status": "passed", "score": 85.0}
    assert report(client, item_id, type="complete").json["status"] == "passed"
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(ItemProgress.user_id == student.id))
        assert (row.completed, row.passed, row.best_score) == (True, True, 85.0)


def test_html5_score_is_ignored_when_the_item_reports_none(app, client, make_user):
    student = make_user("student")
    with app.app_context():
        course = make_course("H5104")
        catalog.enroll(course, [db.session.get(User, student.id)], source="admin")
        authoring.import_package(course, io.BytesIO(module_zip("h5", [
            {"key": "game", "kind": "html5", "title": "Game"}])), "h5.zip")
        item_id = db.session.scalar(select(Item.id).where(Item.kind == "html5"))
    sign_in(client, student)
    assert report(client, item_id, type="score", score=85).json == {"recorded": False,
                                                                     "ignored": True}
    assert report(client, item_id, type="complete").json["status"] == "completed"


# --- no score is invented -------------------------------------------------------------------


def test_an_assessment_that_reports_no_score_is_not_passed_and_not_counted(
        app, client, build):
    """A SCORM 2004 assessment (it has a passing score) that says completed and passed
    but never reports a score: not passed, not complete, no course result, and the
    course score leaves it out instead of counting it as 100."""
    setup = build(manifest_2004(passing=0.8))
    sign_in(client, setup.student)
    call(client, setup.item_id, "initialize")
    response = call(client, setup.item_id, "terminate", {
        "cmi.completion_status": "completed", "cmi.success_status": "passed",
        "cmi.exit": "normal"})
    assert response.status_code == 200
    assert response.json["status"] != "passed" and response.json["score"] is None
    with app.app_context():
        row = db.session.scalar(select(ItemProgress).where(
            ItemProgress.user_id == setup.student.id))
        assert (row.completed, row.passed, row.best_score) == (False, None, None)
        assert db.session.scalar(select(func.count()).select_from(CourseResult)) == 0
        course = db.session.get(Item, setup.item_id).version.module.course
        states = progress.course_states(setup.student.id, course)
        assert progress.course_score(states) is None  # not 100
        assert not progress.course_complete(states)
    # The instructor sees "no score reported" in the grid.
    client.post("/auth/logout", headers={"X-CSRFToken": client.csrf_token()})
    sign_in(client, setup.instructor)
    with app.app_context():
        code = db.session.get(Item, setup.item_id).version.module.course.code
    html = client.get(f"/learning/courses/{code}/progress").get_data(as_text=True)
    assert "no score reported" in html and "∅" in html
