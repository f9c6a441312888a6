import pytest


def test_security_headers_on_every_response(client):
    for path in ("/auth/login", "/api/v1/openapi.json", "/nope", "/static/css/app.css"):
        response = client.get(path)
        headers = response.headers
        response.close()
        csp = headers["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'self'"):
            assert directive in csp, (path, directive)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


@pytest.mark.parametrize("status", [400, 403, 404, 405, 413, 429, 500])
def test_error_pages_are_friendly_and_never_show_a_traceback(app, status):
    from werkzeug.exceptions import abort

    def fail():
        if status == 500:
            raise RuntimeError("secret internal detail")
        abort(status)

    app.add_url_rule(f"/fail-{status}", f"fail_{status}", fail)
    response = app.test_client().get(f"/fail-{status}")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "Traceback" not in html and "secret internal detail" not in html
    assert f'<p class="status-code">{status}</p>' in html
    assert "Go to the dashboard" in html


def test_oversized_upload_gets_413(app, client, login_as):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    login_as("admin")
    response = client.post("/people/import", data={"file": (__import__("io").BytesIO(b"x" * 4096),
                                                            "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "larger than allowed" in response.get_data(as_text=True)


def test_role_aware_navigation(client, login_as):
    login_as("student")
    html = client.get("/learning/").get_data(as_text=True)
    assert ">People<" not in html
    assert client.get("/people/").status_code == 403


def test_admin_sees_people_navigation(client, login_as):
    login_as("admin")
    assert ">People<" in client.get("/learning/").get_data(as_text=True)


def test_page_has_landmarks_skip_link_and_language_switcher(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<main id="main"' in html and "<header" in html and "<footer" in html
    assert 'href="#main"' in html
    assert 'name="lang"' in html and 'action="/auth/language"' in html
    assert '<meta name="viewport"' in html


def test_secret_key_is_generated_once_into_instance(tmp_path):
    from lms import _instance_secret

    path = tmp_path / "secret_key"
    first = _instance_secret(path)
    assert len(first) == 64 and _instance_secret(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_times_are_shown_in_the_viewers_zone_with_the_zone_named(app, make_user):
    from datetime import UTC, datetime

    from flask_login import login_user

    from lms.auth.models import User
    from lms.core.i18n import when
    from lms.extensions import db

    moment = datetime(2026, 12, 31, 14, 59, tzinfo=UTC)
    for zone, expected in (("Asia/Tashkent", "7:59"), ("Asia/Tokyo", "11:59")):
        user = make_user("student", email=f"{zone.split('/')[1].lower()}@x.example")
        with app.test_request_context():
            with app.app_context():
                account = db.session.get(User, user.id)
                account.timezone = zone
                db.session.commit()
                login_user(account)
                text = when(moment)
        assert expected in text and f"({zone})" in text
