"""The reports and certificates API: issuing a report (-> id and verification URL),
reading it and its bytes, the report's figures as JSON, certificates (one, a cohort, the
credential, revoking); access by role and by object; every response as documented."""

import hashlib
import json

import jsonschema

from lms.reports import openbadges
from tests.conftest import PASSWORD


def token(client, email: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": "Bearer " + response.get_json()["token"]}


def check(client, path: str, method: str, response) -> None:
    """The response matches its schema in the OpenAPI document."""
    spec = client.get("/api/v1/openapi.json").get_json()
    entry = spec["paths"][path][method]["responses"][str(response.status_code)]
    if "$ref" in entry:
        entry = spec["components"]["responses"][entry["$ref"].rsplit("/", 1)[1]]
    schema = entry["content"]["application/json"]["schema"]
    jsonschema.validate(response.get_json(), {
        "$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
        "components": spec["components"]}, cls=jsonschema.Draft202012Validator)


def test_issue_a_report_and_read_it_back(client, school):
    admin = token(client, school.admin_email)
    response = client.post("/api/v1/reports", headers=admin, json={
        "cohort": school.cohort, "course": school.course, "format": "csv", "language": "ja"})
    assert response.status_code == 201, response.get_json()
    check(client, "/reports", "post", response)
    report = response.get_json()["report"]
    assert report["verification_url"] == f"https://lms.jdu.example/verify/{report['id']}"
    assert report["parameters"]["cohort"] == school.cohort and report["format"] == "csv"
    assert report["figures"]["enrolments"] == 4 and report["status"] == "valid"
    got = client.get(f"/api/v1/reports/{report['id']}", headers=admin)
    check(client, "/reports/{doc_id}", "get", got)
    assert got.get_json()["report"]["sha256"] == report["sha256"]
    first = client.get(f"/api/v1/reports/{report['id']}/file", headers=admin)
    second = client.get(f"/api/v1/reports/{report['id']}/file", headers=admin)
    assert first.status_code == 200 and first.data == second.data
    assert hashlib.sha256(first.data).hexdigest() == report["sha256"]
    assert first.headers["X-Content-SHA256"] == report["sha256"]
    assert "学習時間（時間）" in first.data.decode("utf-8-sig").splitlines()[0]
    listed = client.get("/api/v1/reports?scope=GD101", headers=admin)
    check(client, "/reports", "get", listed)
    assert [r["id"] for r in listed.get_json()["reports"]] == [report["id"]]
    page = client.get(f"/verify/{report['id']}")
    assert page.status_code == 200 and report["sha256"] in page.get_data(as_text=True)


def test_report_figures_as_json(client, school):
    admin = token(client, school.admin_email)
    response = client.get("/api/v1/reports/completion?course=GD101&sort=-percent&per_page=2",
                          headers=admin)
    assert response.status_code == 200, response.get_json()
    check(client, "/reports/completion", "get", response)
    body = response.get_json()
    assert body["summary"]["enrolments"] == 5 and body["pages"] == 3
    top = body["rows"][0]
    assert top["student"]["student_number"] == "JDU26001" and top["percent"] == 100
    assert top["credits"] == {"JDU": 3.0, "TUT": 2.0} and top["hours"] == 2.0
    assert [c["id"] for c in body["charts"]] == ["chart-completion", "chart-scores",
                                                  "chart-progress"]
    bad = client.get("/api/v1/reports/completion?course=NOPE", headers=admin)
    assert bad.status_code == 422 and bad.get_json()["error"]["details"][0]["field"] == "course"
    check(client, "/reports/completion", "get", bad)


def test_reports_are_for_administrators(client, school, make_user):
    student = make_user("student")
    headers = token(client, student.email)
    for method, path in (("post", "/api/v1/reports"), ("get", "/api/v1/reports"),
                         ("get", "/api/v1/reports/completion?course=GD101"),
                         ("post", "/api/v1/certificates"),
                         ("post", "/api/v1/certificates/bulk")):
        response = getattr(client, method)(path, headers=headers, json={})
        assert response.status_code == 403, path
    assert client.get("/api/v1/reports").status_code == 401
    admin = token(client, school.admin_email)
    assert client.get("/api/v1/reports/nope", headers=admin).status_code == 404
    missing = client.post("/api/v1/reports", headers=admin, json={})
    assert missing.status_code == 422
    wrong = client.post("/api/v1/reports", headers=admin,
                        json={"course": "GD101", "format": "docx"})
    assert wrong.status_code == 422 and "format" in wrong.get_json()["error"]["message"]


def test_certificate_endpoints(client, app, school):
    admin = token(client, school.admin_email)
    issued = client.post("/api/v1/certificates", headers=admin,
                         json={"student": "JDU26001", "course": "GD101"})
    assert issued.status_code == 201, issued.get_json()
    check(client, "/certificates", "post", issued)
    certificate = issued.get_json()["certificate"]
    assert certificate["status"] == "valid" and certificate["scope"] == "course"
    again = client.post("/api/v1/certificates", headers=admin,
                        json={"student": "JDU26001", "course": "GD101"})
    assert again.status_code == 409
    not_done = client.post("/api/v1/certificates", headers=admin,
                           json={"student": "JDU26002", "course": "GD101"})
    assert not_done.status_code == 422
    credential = client.get(f"/api/v1/certificates/{certificate['id']}/credential",
                            headers=admin)
    assert credential.status_code == 200 and credential.mimetype == "application/ld+json"
    document = json.loads(credential.data)
    assert document["id"] == certificate["credential"]["verification_url"]
    assert openbadges.verify(document).valid
    # the student may read their own certificate; another student may not
    own = token(client, "aziz@student.jdu.example")
    mine = client.get(f"/api/v1/certificates/{certificate['id']}", headers=own)
    assert mine.status_code == 200
    check(client, "/certificates/{doc_id}", "get", mine)
    other = token(client, "malika@student.jdu.example")
    assert client.get(f"/api/v1/certificates/{certificate['id']}",
                      headers=other).status_code == 404
    assert client.get(f"/api/v1/certificates/{certificate['id']}/credential",
                      headers=other).status_code == 404
    assert client.post(f"/api/v1/certificates/{certificate['id']}/revoke", headers=own,
                       json={"reason": "x"}).status_code == 403
    revoked = client.post(f"/api/v1/certificates/{certificate['id']}/revoke", headers=admin,
                          json={"reason": "Entered in error"})
    assert revoked.status_code == 200
    check(client, "/certificates/{doc_id}/revoke", "post", revoked)
    assert revoked.get_json()["certificate"]["status"] == "revoked"
    assert revoked.get_json()["certificate"]["revocation_reason"] == "Entered in error"
    no_reason = client.post(f"/api/v1/certificates/{certificate['id']}/revoke",
                            headers=admin, json={"reason": ""})
    assert no_reason.status_code == 422


def test_bulk_certificates_for_a_cohort(client, school):
    admin = token(client, school.admin_email)
    response = client.post("/api/v1/certificates/bulk", headers=admin,
                           json={"cohort": school.cohort, "course": "GD101"})
    assert response.status_code == 200, response.get_json()
    check(client, "/certificates/bulk", "post", response)
    body = response.get_json()
    assert len(body["issued"]) == 1 and len(body["skipped"]) == 3
    assert all("has not completed" in s["reason"] for s in body["skipped"])
    both = client.post("/api/v1/certificates/bulk", headers=admin,
                       json={"cohort": school.cohort, "course": "GD101", "programme": "GAME"})
    assert both.status_code == 422
    unknown = client.post("/api/v1/certificates/bulk", headers=admin,
                          json={"cohort": "NOPE", "course": "GD101"})
    assert unknown.status_code == 422
