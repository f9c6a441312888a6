from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db


def test_create_user_command(app, runner):
    result = runner.invoke(args=["lms", "create-user", "ito@tut.example.jp", "--role",
                                 "instructor", "--name", "Ito Mei", "--password",
                                 "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    assert "Created instructor ito@tut.example.jp" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "ito@tut.example.jp")).role == (
            "instructor")


def test_create_user_command_explains_bad_input(runner):
    result = runner.invoke(args=["lms", "create-user", "not-an-email", "--role", "student",
                                 "--name", "X", "--password", "a long enough passphrase"])
    assert result.exit_code != 0
    assert "is not a valid e-mail address" in result.output
    result = runner.invoke(args=["lms", "create-user", "a@b.example", "--role", "student",
                                 "--name", "X", "--password", "short"])
    assert "Use at least 10 characters." in result.output


def test_create_user_prompts_for_password(app, runner):
    result = runner.invoke(args=["lms", "create-user", "p@b.example", "--role", "student",
                                 "--name", "Prompted"],
                           input="a long enough passphrase\na long enough passphrase\n")
    assert result.exit_code == 0, result.output


def test_demo_is_idempotent_and_prints_logins(app, runner):
    first = runner.invoke(args=["lms", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin@jdu.example" in first.output and "kakehashi-demo-2026" in first.output
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(User))
        names = set(db.session.scalars(select(User.name_ja)))
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == count
    assert "佐藤 健二" in names and "カリモフ・アジズ" in names
