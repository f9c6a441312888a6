"""Instructors upload module packages in the browser and by API; versions and rollback."""

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.authoring.models import Item, Module, ModuleVersion
from lms.extensions import db
from tests.conftest import PASSWORD, SHARED_TESTDATA, missing
from tests.factories import make_course, module_zip

SCORM = SHARED_TESTDATA / "scorm"
needs_scorm = missing(not SCORM.is_dir(), "../shared/testdata/scorm is absent")


@pytest.fixture
def teacher(app, make_user):
    user = make_user("instructor", email="sato@tut.example.jp")
    with app.app_context():
        make_course("GD101", instructors=[user.email])
    return user


def token_for(client, user) -> dict:
    token = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
                        ).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def api_upload(client, headers, data: bytes, name="module.zip", code="GD101"):
    return client.post(f"/api/v1/courses/{code}/modules", headers=headers,
                       data={"package": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def media_files(app) -> set[str]:
    """Everything under the media folder but its two structural folders."""
    root = Path(app.config["MEDIA_ROOT"])
    if not root.exists():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*")} - {"packages", "tmp"}


def test_api_upload_answers_201_with_items_and_urls(app, client, teacher):
    headers = token_for(client, teacher)
    response = api_upload(client, headers, module_zip("gd101-loop", [
        ("intro", "page", "Introduction"), ("play", "html5", "Play")]))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["module"]["key"] == "gd101-loop" and body["version"] == 1
    assert [(i["key"], i["kind"]) for i in body["items"]] == [("intro", "page"), ("play", "html5")]
    assert body["items"][0]["url"].endswith(f"/learning/items/{body['items'][0]['id']}")
    assert body["warnings"] == []


def test_api_upload_of_a_broken_package_is_422_with_every_problem(app, client, teacher):
    headers = token_for(client, teacher)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("module.yaml", "format: kakehashi-module/1\nkey: Bad Key\n"
                         "title: {en: X}\nitems:\n  - key: a\n    kind: movie\n    title: A\n")
    before = media_files(app)
    response = api_upload(client, headers, buffer.getvalue())
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert {d["file"] for d in details} == {"module.yaml"}
    assert {d["line"] for d in details} == {2, 6}
    assert any("kind" in d["message"] for d in details)
    assert media_files(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Module)) == 0


def test_not_a_zip_is_refused_clearly(client, teacher):
    response = api_upload(client, token_for(client, teacher), b"this is not a zip")
    assert response.status_code == 422
    assert "not a zip" in response.get_json()["error"]["details"][0]["message"]


def test_reupload_makes_a_new_version_and_same_package_changes_nothing(app, client, teacher):
    headers = token_for(client, teacher)
    first = module_zip("gd101-loop", [("intro", "page", "Intro"), ("old", "page", "Old")])
    assert api_upload(client, headers, first).status_code == 201
    again = api_upload(client, headers, first)
    assert again.status_code == 200 and again.get_json()["version"] == 1
    second = module_zip("gd101-loop", [("intro", "page", "Intro, revised"), ("new", "page", "New")])
    response = api_upload(client, headers, second)
    assert response.status_code == 201 and response.get_json()["version"] == 2
    with app.app_context():
        module = db.session.scalar(select(Module))
        assert module.current_version.number == 2
        assert module.current_version.changes == {
            "added": ["new"], "removed": ["old"], "changed": ["intro"]}
        assert len(module.versions) == 2


def test_rollback_makes_old_content_current_as_a_new_version(app, client, teacher):
    headers = token_for(client, teacher)
    api_upload(client, headers, module_zip("m", [("a", "page", "First")]))
    api_upload(client, headers, module_zip("m", [("a", "page", "Second")]))
    from tests.conftest import login
    login(client, teacher.email)
    with app.app_context():
        module = db.session.scalar(select(Module))
        v1 = next(v for v in module.versions if v.number == 1)
        module_id, v1_id = module.id, v1.id
    response = client.post(f"/authoring/GD101/modules/{module_id}/rollback/{v1_id}")
    assert response.status_code == 302
    with app.app_context():
        module = db.session.get(Module, module_id)
        assert module.current_version.number == 3
        assert module.current_version.items[0].title == {"en": "First"}
        assert module.current_version.note == "rollback to version 1"
    html = client.get(f"/authoring/GD101/modules/{module_id}").get_data(as_text=True)
    assert "Rollback to version 1" in html and "sato@tut.example.jp" not in html


def test_item_settings_survive_a_new_version(app, client, teacher):
    headers = token_for(client, teacher)
    api_upload(client, headers, module_zip("m", [("quiz1", "quiz", "Quiz")]))
    from tests.conftest import login
    login(client, teacher.email)
    with app.app_context():
        module_id = db.session.scalar(select(Module.id))
    client.post(f"/authoring/GD101/modules/{module_id}/items/quiz1",
                data={"weight": "3", "pass_score": "75"})
    api_upload(client, headers, module_zip("m", [("quiz1", "quiz", "Quiz v2")]))
    html = client.get(f"/authoring/GD101/modules/{module_id}").get_data(as_text=True)
    assert 'name="weight" min="0" max="1000" step="0.01" value="3.0"' in html
    assert 'value="75.0"' in html
    assert 'name="required" value="y" ' in html and "checked" not in html.split("quiz1")[-1][:400]


def test_bad_item_setting_is_explained(app, client, teacher):
    headers = token_for(client, teacher)
    api_upload(client, headers, module_zip("m", [("quiz1", "quiz", "Quiz")]))
    from tests.conftest import login
    login(client, teacher.email)
    with app.app_context():
        module_id = db.session.scalar(select(Module.id))
    html = client.post(f"/authoring/GD101/modules/{module_id}/items/quiz1",
                       data={"pass_score": "150"}, follow_redirects=True).get_data(as_text=True)
    assert "Enter a score from 0 to 100." in html


def test_modules_reorder(app, client, teacher):
    headers = token_for(client, teacher)
    api_upload(client, headers, module_zip("first"))
    api_upload(client, headers, module_zip("second"))
    from tests.conftest import login
    login(client, teacher.email)
    with app.app_context():
        second = db.session.scalar(select(Module).where(Module.key == "second")).id
    client.post(f"/authoring/GD101/modules/{second}/move", data={"direction": "up"})
    with app.app_context():
        keys = db.session.scalars(select(Module.key).order_by(Module.position)).all()
    assert keys == ["second", "first"]


def test_browser_upload_shows_problems_with_file_and_line(client, teacher):
    from tests.conftest import login
    login(client, teacher.email)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("module.yaml", "format: kakehashi-module/1\nkey: ok\ntitle: X\n"
                         "items:\n  - key: p\n    kind: page\n    title: P\n    file: missing.md\n")
    response = client.post("/authoring/GD101/upload",
                           data={"package": (io.BytesIO(buffer.getvalue()), "m.zip")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>module.yaml</td><td>8</td>" in html and "missing.md" in html
    assert "Nothing was stored" in html


def test_other_instructors_and_students_cannot_upload(app, client, teacher, make_user):
    outsider = make_user("instructor")
    response = api_upload(client, token_for(client, outsider), module_zip())
    assert response.status_code == 403
    student = make_user("student")
    assert api_upload(client, token_for(client, student), module_zip()).status_code == 403
    from tests.conftest import login
    login(client, outsider.email)
    assert client.get("/authoring/GD101").status_code == 404


@needs_scorm
@pytest.mark.parametrize("name, version, title", [
    ("RuntimeBasicCalls_SCORM12.zip", "scorm12", "Golf Explained - Run-time Basic Calls"),
    ("RuntimeBasicCalls_SCORM20043rdEdition.zip", "scorm2004",
     "Golf Explained - Run-time Basic Calls"),
])
def test_shared_scorm_packages_import_by_api(app, client, teacher, name, version, title):
    response = api_upload(client, token_for(client, teacher), (SCORM / name).read_bytes(), name)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert [i["kind"] for i in body["items"]] == ["scorm"]
    with app.app_context():
        row = db.session.scalar(select(ModuleVersion))
        assert row.format == version and row.title["en"] == title
        item = db.session.scalar(select(Item))
        assert item.entry.startswith("shared/launchpage.html")


@needs_scorm
def test_shared_scorm_package_imports_in_the_browser(app, client, teacher):
    from tests.conftest import login
    login(client, teacher.email)
    data = (SCORM / "RuntimeBasicCalls_SCORM12.zip").read_bytes()
    response = client.post("/authoring/GD101/upload",
                           data={"package": (io.BytesIO(data), "golf.zip")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "is now at version 1" in response.get_data(as_text=True)


def test_broken_scorm_manifest_is_422_naming_the_problem(client, teacher):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", "<manifest identifier='x'><organizations>"
                         "<organization identifier='o'><item identifier='i' identifierref='r'>"
                         "<title>T</title></item></organization></organizations><resources/>"
                         "</manifest>")
    response = api_upload(client, token_for(client, teacher), buffer.getvalue())
    assert response.status_code == 422
    messages = " ".join(d["message"] for d in response.get_json()["error"]["details"])
    assert "'r'" in messages


MALICIOUS = {
    "dot-dot": [("../evil.txt", b"x")],
    "absolute": [("/etc/evil.txt", b"x")],
    "drive": [("C:/evil.txt", b"x")],
    "backslash": [("a\\..\\evil.txt", b"x")],
    "nested archive": [("module.yaml", b"k: v"), ("inner.zip", b"PK\x03\x04")],
    "case collision": [("Readme.md", b"a"), ("README.md", b"b")],
}


@pytest.mark.parametrize("case", sorted(MALICIOUS))
def test_malicious_archives_are_rejected_and_leave_media_unchanged(app, client, teacher, case):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in MALICIOUS[case]:
            archive.writestr(zipfile.ZipInfo(name), data)
    before = media_files(app)
    response = api_upload(client, token_for(client, teacher), buffer.getvalue())
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["message"]
    assert media_files(app) == before


def test_symlink_entry_is_rejected(app, client, teacher):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    before = media_files(app)
    response = api_upload(client, token_for(client, teacher), buffer.getvalue())
    assert response.status_code == 422 and media_files(app) == before
