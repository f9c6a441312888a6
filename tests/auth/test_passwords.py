import pytest

from lms.auth import services
from lms.auth.models import User
from lms.core.errors import ValidationError
from lms.extensions import db


@pytest.mark.parametrize("password", ["short", "123456789", "password123", "QWERTYUIOP",
                                      "aaaaaaaaaaaa"])
def test_weak_passwords_are_refused_with_a_reason(app, password):
    with app.app_context(), pytest.raises(ValidationError) as info:
        services.create_user("weak@test.example", "Weak", "student", password)
    assert "characters" in info.value.message or "too common" in info.value.message


def test_long_passphrase_is_kept_whole(app, client):
    long = "川の流れのように " * 40 + "end"
    with app.app_context():
        services.create_user("long@test.example", "Long", "student", long)
    # A truncating hash (bcrypt's 72 bytes) would accept this prefix; we must not.
    assert client.post("/auth/login", data={"email": "long@test.example",
                                            "password": long[:-3]}).status_code == 200
    assert client.post("/auth/login", data={"email": "long@test.example",
                                            "password": long}).status_code == 302


def test_password_is_hashed_with_argon2id(app, make_user):
    user = make_user("student")
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$")


def test_password_change_refuses_wrong_current_password(client, login_as):
    login_as("student")
    html = client.post("/auth/password", data={"current": "not my password",
                                               "new": "another long passphrase"}
                       ).get_data(as_text=True)
    assert "The current password is not correct." in html


def test_must_change_password_is_enforced(client, make_user):
    user = make_user("student", must_change_password=True)
    response = client.post("/auth/login", data={"email": user.email,
                                                "password": "correct horse battery staple"})
    response = client.get("/learning/")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/password"
