"""Notifications: in-app rows, e-mails (outbox or SMTP) in the reader's language and zone,
deadline reminders sent once, and the notifications page."""

from __future__ import annotations

import email
import email.policy
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.learning import notify, reminders
from lms.learning.models import Notification, Submission
from tests.conftest import login
from tests.factories import make_course

NOW = datetime(2030, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def outbox(app, tmp_path):
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    return tmp_path / "outbox"


def read_mails(outbox):
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(outbox.glob("*.eml"))]


def assignment_course(app, settings: str, students) -> int:
    manifest = (
        "format: kakehashi-module/1\nkey: gd-loop\ntitle: {en: Loops}\nitems:\n"
        "  - key: make-a-loop\n    kind: assignment\n"
        "    title: {en: Make a loop, ja: ループを作ろう}\n"
        f"    settings: {settings}\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("module.yaml", manifest)
    with app.app_context():
        course = make_course("GD101")
        authoring.import_package(course, io.BytesIO(buffer.getvalue()), "m.zip")
        catalog.enroll(course, [db.session.merge(s) for s in students], source="admin")
        return db.session.scalar(select(Item.id).where(Item.key == "make-a-loop"))


def test_notify_stores_a_row_and_writes_an_eml_in_the_readers_language_and_zone(
        app, make_user, outbox):
    student = make_user("student", locale="ja", name="Aziz Karimov")
    with app.app_context():
        user = db.session.get(User, student.id)
        user.timezone = "Asia/Tokyo"
        db.session.commit()
        row = notify.notify(user, "deadline", {
            "course": "GD101", "course_title": {"en": "Game basics", "ja": "ゲームの基礎"},
            "item_title": {"en": "Make a loop", "ja": "ループを作ろう"},
            "due": "2030-12-31T23:59:00+09:00"}, "/learning/items/7")
        assert db.session.get(Notification, row.id).read_at is None
    [mail] = read_mails(outbox)
    assert mail["To"] == student.email and mail["Subject"].startswith("[Kakehashi]")
    body = mail.get_content()
    # Japanese date format, the reader's zone named; titles in Japanese.
    assert "2030年12月31日 23:59 (Asia/Tokyo)" in body
    assert "ループを作ろう" in body and "ゲームの基礎" in body
    assert "/learning/items/7" in body and "Aziz Karimov" in body


def test_with_a_mail_server_the_mail_goes_by_smtp(app, make_user, outbox, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout=None):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr(notify.smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.jdu.example", MAIL_PORT=587, MAIL_USE_TLS=True,
                      MAIL_USERNAME="lms")
    student = make_user("student")
    with app.app_context():
        notify.notify(db.session.get(User, student.id), "grade",
                      {"course": "GD101", "item_title": {"en": "Loop"}, "score": 75.0},
                      "/learning/items/1")
    assert sent == [("connect", "smtp.jdu.example", 587), ("starttls",), ("login", "lms"),
                    ("send", student.email, "[Kakehashi] Your work was graded")]
    assert not outbox.exists()


def test_a_failing_mail_server_keeps_the_notification(app, make_user, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(notify.smtplib, "SMTP", broken)
    app.config["MAIL_SERVER"] = "smtp.invalid"
    student = make_user("student")
    with app.app_context():
        notify.notify(db.session.get(User, student.id), "feedback",
                      {"course": "GD101", "item_title": {"en": "Loop"}}, "/learning/items/1")
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_deadline_reminders_go_once_to_students_who_have_not_handed_in(app, make_user,
                                                                         outbox):
    waiting, done, withdrawn = (make_user("student") for _ in range(3))
    item_id = assignment_course(app, "{due: '2030-06-02T12:00:00+09:00'}",
                                [waiting, done, withdrawn])
    with app.app_context():
        item = db.session.get(Item, item_id)
        db.session.add(Submission(user_id=done.id, course_id=item.version.module.course_id,
                                  module_id=item.version.module_id, item_id=item.id,
                                  item_key=item.key, number=1))
        db.session.scalar(select(Enrollment).where(Enrollment.user_id == withdrawn.id)
                          ).status = "withdrawn"
        db.session.commit()
        assert reminders.notify_due_soon(NOW) == 1
        assert reminders.notify_due_soon(NOW) == 0  # idempotent
        assert reminders.notify_due_soon(NOW + timedelta(hours=5)) == 0
        rows = db.session.scalars(select(Notification)).all()
        assert [(n.user_id, n.kind, n.link) for n in rows] == [
            (waiting.id, "deadline", f"/learning/items/{item_id}")]
        # Too early (more than 48 hours before) or already past: nothing.
        assert reminders.notify_due_soon(NOW - timedelta(days=3)) == 0
        assert reminders.notify_due_soon(NOW + timedelta(days=3)) == 0
    [mail] = read_mails(outbox)
    assert mail["To"] == waiting.email
    assert "1 Jun 2030" not in mail.get_content()
    assert "2 Jun 2030, 08:00 (Asia/Tashkent)" in mail.get_content()


def test_due_days_reminders_follow_each_enrolment(app, make_user):
    early, late = make_user("student"), make_user("student")
    assignment_course(app, "{due_days: 7}", [early, late])
    with app.app_context():
        for user, enrolled in ((early, NOW - timedelta(days=6)), (late, NOW - timedelta(days=1))):
            db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id)
                              ).created_at = enrolled
        db.session.commit()
        assert reminders.notify_due_soon(NOW) == 1
        assert db.session.scalar(select(Notification.user_id)) == early.id


def test_the_notifications_page_lists_newest_first_and_marks_read(app, client, make_user):
    student = make_user("student")
    with app.app_context():
        db.session.add(Notification(  # as progress.py writes it when a course completes
            user_id=student.id, kind="course_complete", data={"course": "GD101", "score": 87.5},
            link="/learning/courses/GD101", created_at=NOW - timedelta(days=1)))
        db.session.add(Notification(
            user_id=student.id, kind="grade", created_at=NOW, link="/learning/items/3",
            data={"course": "GD101", "item_title": {"en": "Make a loop"}, "score": 80.0}))
        db.session.commit()
    login(client, student.email)
    page = client.get("/learning/notifications").get_data(as_text=True)
    graded = "Your submission for “Make a loop” (GD101) was graded: 80/100."
    completed = "You completed the course GD101 with a score of 87.5/100."
    assert graded in page and completed in page
    assert page.index(graded) < page.index(completed)
    assert page.count('class="notification unread"') == 2 and "2 unread notifications." in page

    response = client.post("/learning/notifications/read", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "All notifications are marked as read." in page
    assert 'class="notification unread"' not in page and "Mark all as read" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.read_at.is_(None))) == 0


def test_opening_a_notification_marks_it_read_and_follows_its_link(app, client, make_user):
    student, other = make_user("student"), make_user("student")
    with app.app_context():
        mine = Notification(user_id=student.id, kind="grade", data={}, link="/learning/items/3")
        theirs = Notification(user_id=other.id, kind="grade", data={}, link="/learning/")
        evil = Notification(user_id=student.id, kind="grade", data={},
                            link="//evil.example/phish")
        db.session.add_all([mine, theirs, evil])
        db.session.commit()
        ids = mine.id, theirs.id, evil.id
    login(client, student.email)
    response = client.get(f"/learning/notifications/{ids[0]}")
    assert response.status_code == 302 and response.headers["Location"] == "/learning/items/3"
    assert client.get(f"/learning/notifications/{ids[1]}").status_code == 404
    assert client.get(f"/learning/notifications/{ids[2]}").headers["Location"] == (
        "/learning/notifications")
    with app.app_context():
        assert db.session.get(Notification, ids[0]).read_at is not None
        assert db.session.get(Notification, ids[1]).read_at is None
