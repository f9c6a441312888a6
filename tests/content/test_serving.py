"""Serving package files: signed URLs, sandbox headers, types, ranges, compression, access."""

from __future__ import annotations

import gzip
import io
import os
import time
import zipfile
from dataclasses import dataclass

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from lms.auth.models import User
from lms.authoring.models import ModuleVersion
from lms.catalog.models import Enrollment, Institution
from lms.content import services
from lms.core.storage import media_path
from lms.extensions import db

# --- the package, built through the real services (also used by the browser test) ----

WASM = b"\x00asm\x01\x00\x00\x00" + bytes(range(256)) * 4
WEBM = bytes((i * 7) % 256 for i in range(4096))
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       '<script>alert(document.domain)</script><rect width="10" height="10"/></svg>')
INDEX_HTML = "<!doctype html><meta charset=utf-8><title>Demo</title><script src=app.js></script>"
QUIZ = """\
questions:
  - key: q1
    type: single
    prompt: Which runs every frame?
    choices: [{key: a, text: update}, {key: b, text: load}]
    correct: a
"""
HOSTILE_NAME = 'notes "x"; filename=evil.html'
JAPANESE_NAME = "media/ねこ の絵.png"
SECRET = "the-secret-outside-the-package"


def module_yaml(key: str) -> str:
    return f"""\
format: kakehashi-module/1
key: {key}
title: Play
items:
  - key: play
    kind: html5
    title: Play the demo
    file: game/index.html
  - key: check
    kind: quiz
    title: Check yourself
    file: quizzes/check.yaml
"""


def package_zip(files: dict[str, str | bytes], key: str = "play-module") -> bytes:
    """A native package: module.yaml (an html5 item and a quiz) plus ``files``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.yaml", module_yaml(key))
        archive.writestr("quizzes/check.yaml", QUIZ)
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def default_files() -> dict[str, str | bytes]:
    return {
        "game/index.html": INDEX_HTML,
        "game/app.js": "document.title = 'ran';",
        "game/Build/game.wasm.gz": gzip.compress(WASM, mtime=0),
        "game/Build/game.data.gz": gzip.compress(b"DATA" * 100, mtime=0),
        "game/Build/game.framework.js.br": b"\x0b\x02\x80var x;\x03",
        "media/clip.webm": WEBM,
        "media/logo.svg": SVG,
        JAPANESE_NAME: b"\x89PNG\r\n\x1a\n",
        "downloads/" + HOSTILE_NAME: b"hello",
        "downloads/level.xyz": b"unknown format",
    }


@dataclass
class ContentSetup:
    course_id: int
    version_id: int
    student_id: int
    instructor_id: int
    outsider_id: int


def build_course(app, make_user, files: dict[str, str | bytes] | None = None) -> ContentSetup:
    """An institution, a course with an instructor, an enrolled student, a student who is
    not enrolled, and one imported package holding ``files`` (default_files())."""
    from lms.authoring.services import import_package
    from lms.catalog.services import CourseFields, enroll, save_course

    instructor = make_user("instructor")
    student = make_user("student")
    outsider = make_user("student")
    with app.app_context():
        db.session.add(Institution(code="TUT", name={"en": "Tokyo University of Technology"},
                                   country="JP", credit_hours=45))
        db.session.commit()
        course = save_course(CourseFields(
            code="GD101", title={"en": "Game development"}, provider="TUT", hours=30,
            credits={"TUT": 2}, instructors=[instructor.email]))
        enroll(course, [db.session.get(User, student.id)], source="admin")
        data = package_zip(default_files() if files is None else files)
        result = import_package(course, io.BytesIO(data), "m.zip",
                                db.session.get(User, instructor.id))
        return ContentSetup(course.id, result.version.id, student.id, instructor.id,
                            outsider.id)


def url_for_file(app, setup: ContentSetup, path: str, user_id: int | None = None) -> str:
    with app.app_context():
        version = db.session.get(ModuleVersion, setup.version_id)
        user = db.session.get(User, user_id or setup.student_id)
        return services.content_url(version, path, user)


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def client(app):
    """A client whose responses are read and closed at once (send_file leaves a file open
    until the response is closed; the suite turns the ResourceWarning into an error)."""
    return ClosingClient(app.test_client())


class ClosingClient:
    def __init__(self, client):
        self._client = client

    def get(self, *args, **kwargs):
        return self._done(self._client.get(*args, **kwargs))

    def head(self, *args, **kwargs):
        return self._done(self._client.head(*args, **kwargs))

    @staticmethod
    def _done(response):
        response.get_data()
        response.close()
        return response


@pytest.fixture
def setup(app, make_user):
    return build_course(app, make_user)


@pytest.fixture
def url(app, setup):
    def make(path: str, user_id: int | None = None) -> str:
        return url_for_file(app, setup, path, user_id)

    return make


def assert_sandboxed(response):
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts allow-forms allow-popups allow-modals "
                          "allow-downloads allow-pointer-lock;")
    assert "allow-same-origin" not in csp
    assert "'wasm-unsafe-eval'" in csp
    # Package pages frame each other from opaque origins: no ancestor restriction can
    # name them, so neither frame-ancestors nor X-Frame-Options is sent (see content.views).
    assert "frame-ancestors" not in csp and "X-Frame-Options" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Opaque-origin frames load their own files cross-origin: see content.views.
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["Referrer-Policy"] == "no-referrer"


# --- allowed ----------------------------------------------------------------------------


def test_enrolled_student_gets_the_page_sandboxed(client, url):
    response = client.get(url("game/index.html"))
    assert response.status_code == 200
    assert response.get_data(as_text=True) == INDEX_HTML
    # No charset added: an HTML page's own <meta charset> must keep working.
    assert response.headers["Content-Type"] == "text/html"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert "Content-Disposition" not in response.headers
    assert_sandboxed(response)


def test_no_cookie_is_needed(app, setup, url):
    # A sandboxed frame sends no cookies: the token alone opens the file.
    fresh = ClosingClient(app.test_client())
    response = fresh.get(url("game/app.js"))
    assert response.status_code == 200
    assert response.data == b"document.title = 'ran';"
    assert response.headers["Content-Type"] == "text/javascript"


def test_instructor_of_the_course_gets_the_files(client, setup, url):
    response = client.get(url("media/logo.svg", setup.instructor_id))
    assert response.status_code == 200


def test_svg_is_served_as_svg_and_sandboxed(client, url):
    response = client.get(url("media/logo.svg"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.get_data(as_text=True) == SVG
    assert_sandboxed(response)


def test_japanese_file_names_are_encoded_in_the_url(client, url):
    address = url(JAPANESE_NAME)
    assert address.endswith("/media/%E3%81%AD%E3%81%93%20%E3%81%AE%E7%B5%B5.png")
    response = client.get(address)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.data == b"\x89PNG\r\n\x1a\n"


def test_range_request_returns_the_exact_slice(client, url):
    response = client.get(url("media/clip.webm"), headers={"Range": "bytes=1000-1999"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(WEBM)}"
    assert response.headers["Content-Type"] == "video/webm"
    assert response.data == WEBM[1000:2000]
    assert_sandboxed(response)

    whole = client.get(url("media/clip.webm"))
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.data == WEBM


def test_head_answers_without_a_body(client, url):
    response = client.head(url("media/clip.webm"))
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(WEBM))
    assert response.data == b""


def test_conditional_request_gets_304(client, url):
    first = client.get(url("media/clip.webm"))
    again = client.get(url("media/clip.webm"), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "private, max-age=3600"


@pytest.mark.parametrize(
    ("path", "content_type", "encoding"),
    [
        ("game/Build/game.wasm.gz", "application/wasm", "gzip"),
        ("game/Build/game.data.gz", "application/octet-stream", "gzip"),
        ("game/Build/game.framework.js.br", "text/javascript", "br"),
    ],
)
def test_precompressed_files_carry_encoding_and_inner_type(client, url, path, content_type,
                                                           encoding):
    response = client.get(url(path))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Content-Disposition" not in response.headers
    if path.endswith("wasm.gz"):
        assert gzip.decompress(response.data) == WASM


def test_download_sends_the_stored_bytes_as_an_attachment(client, url):
    response = client.get(url("game/Build/game.wasm.gz") + "?download=1")
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="game.wasm.gz"')
    assert gzip.decompress(response.data) == WASM


def test_hostile_download_name_is_encoded(client, url):
    response = client.get(url("downloads/" + HOSTILE_NAME) + "?download=1")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition == ('attachment; filename="notes__x___filename_evil.html"; '
                           "filename*=UTF-8''notes%20%22x%22%3B%20filename%3Devil.html")
    assert response.data == b"hello"


def test_content_disposition_never_carries_raw_quotes_or_line_breaks():
    value = services.content_disposition('a"\r\nSet-Cookie: x=1;.txt')
    assert "\r" not in value and "\n" not in value
    assert value.count('"') == 2  # only the quotes around the ASCII fallback
    assert value.endswith("filename*=UTF-8''a%22%0D%0ASet-Cookie%3A%20x%3D1%3B.txt")
    assert services.content_disposition("café ねこ.png") == (
        "attachment; filename=\"cafe___.png\"; filename*=UTF-8''caf%C3%A9%20%E3%81%AD%E3%81%93.png")


def test_unknown_types_are_downloads(client, url):
    response = client.get(url("downloads/level.xyz"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="level.xyz"')


def test_content_url_keeps_query_and_fragment(app, setup, url):
    address = url("game/index.html?lesson=2&name=a b#start")
    assert address.startswith("/content/")
    assert address.endswith("/game/index.html?lesson=2&name=a%20b#start")

    app.config["CONTENT_ORIGIN"] = "https://content.example/"
    absolute = url("game/index.html")
    assert absolute.startswith("https://content.example/content/")
    assert absolute.endswith("/game/index.html")


def test_query_string_does_not_change_the_file(client, url):
    address = url("game/index.html?lesson=2#start").split("#")[0]
    response = client.get(address)
    assert response.status_code == 200 and response.get_data(as_text=True) == INDEX_HTML


# --- refused ---------------------------------------------------------------------------


def test_not_found_looks_the_same_for_bad_token_and_missing_file(client, url):
    good = url("game/index.html")
    token = good.split("/")[2]
    missing_path = f"/content/{token}/game/nothing.html"
    bad_token_path = f"/content/{token[:-2]}xx/game/index.html"
    missing_file, bad_token = client.get(missing_path), client.get(bad_token_path)
    assert missing_file.status_code == bad_token.status_code == 404
    # The same page but for the address itself (the page links back to it).
    assert (missing_file.data.replace(missing_path.encode(), b"")
            == bad_token.data.replace(bad_token_path.encode(), b""))
    for response in (missing_file, bad_token):
        assert_sandboxed(response)
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "token_maker",
    [
        # signed with another key
        lambda: URLSafeTimedSerializer("not-the-key", salt="kakehashi-content").dumps([1, 1]),
        # signed with the right key for another purpose
        lambda: URLSafeTimedSerializer("test-secret-key-not-for-production",
                                       salt="wtf-csrf-token").dumps([1, 1]),
        lambda: "garbage",
    ],
)
def test_forged_tokens_get_404(client, setup, token_maker):
    response = client.get(f"/content/{token_maker()}/game/index.html")
    assert response.status_code == 404


def test_wrong_payload_types_get_404(app, client, setup):
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="kakehashi-content")
    for payload in ([setup.version_id], [True, True], [str(setup.version_id), setup.student_id],
                    {"v": 1}):
        response = client.get(f"/content/{serializer.dumps(payload)}/game/index.html")
        assert response.status_code == 404


def test_expired_token_gets_404(app, client, url, monkeypatch):
    app.config["CONTENT_TOKEN_MAX_AGE"] = 60
    with monkeypatch.context() as patched:
        patched.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 120)
        old = url("game/index.html")
    assert client.get(old).status_code == 404
    assert client.get(url("game/index.html")).status_code == 200


def test_student_not_enrolled_gets_404(client, setup, url):
    response = client.get(url("game/index.html", setup.outsider_id))
    assert response.status_code == 404


def test_access_ends_when_the_enrolment_is_withdrawn(app, client, setup, url):
    address = url("game/index.html")
    assert client.get(address).status_code == 200
    with app.app_context():
        row = db.session.query(Enrollment).filter_by(user_id=setup.student_id).one()
        row.status = "withdrawn"
        db.session.commit()
    assert client.get(address).status_code == 404


def test_access_ends_when_the_account_is_deactivated(app, client, setup, url):
    address = url("game/index.html")
    with app.app_context():
        db.session.get(User, setup.student_id).active = False
        db.session.commit()
    assert client.get(address).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "../../secret.txt",
        "game/../../../secret.txt",
        "%2e%2e/%2e%2e/secret.txt",
        "game/%2e%2e/%2e%2e/%2e%2e/secret.txt",
        "/secret.txt",
        "game//index.html",
        "game/./index.html",
        "game\\..\\..\\..\\secret.txt",
        "game",
        "quizzes/check.yaml",
    ],
)
def test_paths_outside_the_package_and_quiz_files_get_404(app, client, setup, url, path):
    with app.app_context():
        (media_path() / "secret.txt").write_text(SECRET)
    token = url("game/index.html").split("/")[2]
    response = client.get(f"/content/{token}/{path}")
    assert response.status_code == 404
    assert SECRET.encode() not in response.data and b"correct: a" not in response.data


def test_symbolic_link_out_of_the_package_gets_404(app, client, setup, url):
    with app.app_context():
        secret = media_path() / "secret.txt"
        secret.write_text(SECRET)
        version = db.session.get(ModuleVersion, setup.version_id)
        from lms.authoring.services import package_root

        os.symlink(secret, package_root(version) / "game" / "leak.txt")
    response = client.get(url("game/leak.txt"))
    assert response.status_code == 404
    assert SECRET.encode() not in response.data
