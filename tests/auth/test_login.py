import re

from lms.auth.models import User
from lms.extensions import db
from tests.conftest import PASSWORD, login


def test_login_page_has_labelled_fields(client):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'name="csrf_token"' in html


def test_student_signs_in_and_sees_dashboard(client, make_user):
    user = make_user("student", name="Aziz Karimov")
    response = login(client, user.email, follow_redirects=True)
    assert "Welcome, Aziz Karimov." in response.get_data(as_text=True)


def test_wrong_password_and_unknown_account_get_the_same_answer(client, make_user):
    user = make_user("student")
    wrong = login(client, user.email, "not the password at all").get_data(as_text=True)
    unknown = login(client, "nobody@test.example", "not the password at all").get_data(
        as_text=True
    )
    message = "The e-mail or password is not correct."
    assert message in wrong and message in unknown
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong) == strip.sub("", unknown)


def test_email_is_case_insensitive(client, make_user):
    user = make_user("student", email="Mixed.Case@Test.Example")
    assert login(client, "MIXED.case@test.example").status_code == 302
    assert user.email == "mixed.case@test.example"


def test_eleventh_rapid_wrong_password_is_refused_with_429(client, make_user):
    user = make_user("student")
    for _ in range(10):
        assert login(client, user.email, "wrong password!!").status_code == 200
    eleventh = login(client, user.email, "wrong password!!")
    assert eleventh.status_code == 429
    assert "Too many attempts" in eleventh.get_data(as_text=True)
    # Even the right password waits until the window passes: the account is protected.
    assert login(client, user.email).status_code == 429


def test_throttle_is_per_account(client, make_user):
    victim, other = make_user("student"), make_user("student")
    for _ in range(11):
        login(client, victim.email, "wrong password!!")
    assert login(client, other.email).status_code == 302


def test_successful_logins_do_not_count_towards_the_limit(client, make_user):
    user = make_user("student")
    for _ in range(12):
        assert login(client, user.email).status_code == 302
        client.post("/auth/logout")


def test_copied_session_cookie_stops_working_after_logout(app, make_user):
    user = make_user("student")
    browser = app.test_client()
    assert login(browser, user.email).status_code == 302
    stolen = browser.get_cookie("kakehashi_session").value
    attacker = app.test_client()
    attacker.set_cookie("kakehashi_session", stolen)
    assert attacker.get("/learning/").status_code == 200  # the copy works while signed in
    browser.post("/auth/logout")
    response = attacker.get("/learning/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_user):
    user = make_user("student")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user.email)
    login(phone, user.email)
    response = laptop.post("/auth/password", data={"current": PASSWORD,
                                                   "new": "a brand new long passphrase"})
    assert response.status_code == 302
    assert laptop.get("/learning/").status_code == 200
    assert phone.get("/learning/").status_code == 302
    assert login(app.test_client(), user.email, "a brand new long passphrase").status_code == 302


def test_new_session_on_login(app, make_user):
    user = make_user("student")
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_next_redirects_only_to_local_paths(client, make_user):
    user = make_user("student")
    for target, expected in [
        ("/auth/profile", "/auth/profile"),
        ("https://evil.example/", "/learning/"),
        ("//evil.example/", "/learning/"),
        ("/\\evil.example", "/learning/"),
        ("javascript:alert(1)", "/learning/"),
    ]:
        response = client.post("/auth/login?next=" + target,
                               data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == expected, target
        client.post("/auth/logout")


def test_session_cookie_flags(client, make_user):
    user = make_user("student")
    response = login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_inactive_account_cannot_sign_in(app, client, make_user):
    user = make_user("student")
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert login(client, user.email).status_code == 200


def test_pages_need_sign_in(client):
    response = client.get("/learning/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_logout_needs_post_and_csrf(client, login_as):
    login_as("student")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout", data={}, csrf=False).status_code == 400
    assert client.get("/learning/").status_code == 200
