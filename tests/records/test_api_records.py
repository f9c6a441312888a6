"""The records API: access (404 for what you may not see), transcripts, the 409 on a
stale result, and every response checked against the OpenAPI document."""

from lms.auth.models import User
from lms.extensions import db
from lms.records import services
from tests.api.test_openapi import _check, document
from tests.conftest import PASSWORD
from tests.records.conftest import course_with, finalise, institution


def token(client, app, user_id) -> dict:
    with app.app_context():
        email = db.session.get(User, user_id).email
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    return {"Authorization": "Bearer " + response.get_json()["token"]}


def test_records_for_the_student_and_admins_404_for_others(app, world, client):
    with app.app_context():
        teacher = db.session.get(User, world.instructor_id)
        finalise(world.student_id, course_with("API1", instructors=[teacher.email]), 84.5)
        finalise(world.student_id, course_with("API2"), 58)
    spec = document(client)
    path = f"/api/v1/students/{world.student_id}/records"
    mine = client.get(path, headers=token(client, app, world.student_id))
    _check(spec, "/students/{user_id}/records", "get", mine)
    body = mine.get_json()
    tut = next(i for i in body["institutions"] if i["code"] == "TUT")
    assert (tut["gpa"], tut["credits_earned"], tut["credits_attempted"]) == ("1.50", "2.0",
                                                                            "4.0")
    api1 = next(r for r in tut["records"] if r["course"] == "API1")
    assert (api1["grade"], api1["grade_labels"]["ja"], api1["score"]) == ("A", "優", "84.50")
    assert api1["equivalents"][0]["institution"] == "JDU"
    assert api1["equivalents"][0]["credits"] == "3.0" and "Equivalent" in api1[
        "equivalents"][0]["note"]
    assert body["student"]["student_numbers"] == {"JDU": "JDU26001", "TUT": "TUT26-0001"}
    admin = client.get(path, headers=token(client, app, world.admin_id))
    assert admin.status_code == 200 and admin.get_json()["partial"] is False
    other = client.get(path, headers=token(client, app, world.other_student_id))
    _check(spec, "/students/{user_id}/records", "get", other)
    assert other.status_code == 404
    # An instructor sees only the records of the courses they teach.
    partial = client.get(path, headers=token(client, app, world.instructor_id))
    assert partial.status_code == 200 and partial.get_json()["partial"] is True
    courses = {r["course"] for i in partial.get_json()["institutions"] for r in i["records"]}
    assert courses == {"API1"}
    assert client.get("/api/v1/students/999999/records",
                      headers=token(client, app, world.admin_id)).status_code == 404
    assert client.get(path).status_code == 401


def test_an_instructor_without_the_students_courses_gets_404(app, world, client,
                                                            make_user):
    with app.app_context():
        finalise(world.student_id, course_with("API3"), 84.5)
    stranger = make_user("instructor")
    response = client.get(f"/api/v1/students/{world.student_id}/records",
                          headers=token(client, app, stranger.id))
    assert response.status_code == 404


def test_audit(app, world, client):
    spec = document(client)
    path = f"/api/v1/students/{world.student_id}/audit"
    headers = token(client, app, world.student_id)
    response = client.get(path + "?institution=TUT", headers=headers)
    _check(spec, "/students/{user_id}/audit", "get", response)
    body = response.get_json()
    assert body["programme"] == "GAME" and body["transfer_cap"] == 60
    kinds = {r["kind"]: r["status"] for r in body["requirements"]}
    assert kinds == {"total": "missing", "category": "missing", "jlpt": "missing"}
    assert client.get(path, headers=headers).status_code == 422
    assert client.get(path + "?institution=NOPE", headers=headers).status_code == 404
    other = client.get(path + "?institution=TUT",
                       headers=token(client, app, world.other_student_id))
    assert other.status_code == 404
    instructor = client.get(path + "?institution=TUT",
                            headers=token(client, app, world.instructor_id))
    assert instructor.status_code == 404


def test_issuing_a_transcript(app, world, client):
    with app.app_context():
        finalise(world.student_id, course_with("API4"), 90)
    spec = document(client)
    path = f"/api/v1/students/{world.student_id}/transcripts"
    admin = token(client, app, world.admin_id)
    response = client.post(path, json={"institution": "TUT"}, headers=admin)
    _check(spec, "/students/{user_id}/transcripts", "post", response)
    assert response.status_code == 201
    body = response.get_json()
    assert body["verification_url"] == f"https://lms.jdu.example/verify/{body['id']}"
    assert body["status"] == "valid" and len(body["sha256"]) == 64
    page = client.get(f"/verify/{body['id']}").get_data(as_text=True)
    assert body["sha256"] in page
    supplement = client.post(path, json={"kind": "diploma_supplement"}, headers=admin)
    assert supplement.status_code == 201 and supplement.get_json()["kind"] == (
        "diploma_supplement")
    missing = client.post(path, json={}, headers=admin)
    _check(spec, "/students/{user_id}/transcripts", "post", missing)
    assert missing.status_code == 422
    student = client.post(path, json={"institution": "TUT"},
                          headers=token(client, app, world.student_id))
    assert student.status_code == 403


def test_correcting_a_result_with_a_stale_version_is_409(app, world, client):
    with app.app_context():
        teacher = db.session.get(User, world.instructor_id)
        result_id = finalise(world.student_id, course_with(
            "API5", instructors=[teacher.email]), 70).id
    spec = document(client)
    headers = token(client, app, world.instructor_id)
    read = client.get(f"/api/v1/results/{result_id}", headers=headers)
    _check(spec, "/results/{result_id}", "get", read)
    version = read.get_json()["result"]["version"]
    first = client.patch(f"/api/v1/results/{result_id}", headers=headers,
                         json={"score": 74, "reason": "Re-marked", "version": version})
    _check(spec, "/results/{result_id}", "patch", first)
    assert first.status_code == 200 and first.get_json()["result"]["version"] == version + 1
    second = client.patch(f"/api/v1/results/{result_id}", headers=token(
        client, app, world.admin_id), json={"score": 90, "reason": "Appeal",
                                            "version": version})
    _check(spec, "/results/{result_id}", "patch", second)
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "conflict"
    assert "now 74" in second.get_json()["error"]["message"]
    with app.app_context():
        assert [str(r.score) for r in services.current_records(world.student_id)] == [
            "74.00", "74.00"]
    # The student may read their result, not change it; others get 404.
    own = client.get(f"/api/v1/results/{result_id}",
                     headers=token(client, app, world.student_id))
    assert own.status_code == 200
    assert client.get(f"/api/v1/results/{result_id}", headers=token(
        client, app, world.other_student_id)).status_code == 404
    bad = client.patch(f"/api/v1/results/{result_id}", headers=headers, json={"score": 80})
    _check(spec, "/results/{result_id}", "patch", bad)
    assert bad.status_code == 422


def test_a_transcript_for_an_institution_the_student_has_no_records_at(app, world, client):
    with app.app_context():
        jdu = institution("JDU")
        assert jdu.country == "UZ"
    response = client.post(f"/api/v1/students/{world.student_id}/transcripts",
                           json={"institution": "JDU"}, headers=token(client, app,
                                                                      world.admin_id))
    assert response.status_code == 201  # an empty transcript still says so, in words
