import io

from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.people.models import Cohort


def upload(client, text: str | bytes, cohort: str = ""):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/people/import",
        data={"file": (io.BytesIO(data), "cohort.csv"), "cohort": cohort},
        content_type="multipart/form-data",
    )


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_excel_utf8_bom_csv_with_japanese_names_imports(app, client, login_as):
    login_as("admin")
    with app.app_context():
        db.session.add(Cohort(code="JDU-2027", name="Intake 2027"))
        db.session.commit()
    csv_text = (
        "\ufeffemail,name,name_ja,name_kana,student_number,cohort\r\n"
        "sardor@jdu.example,Sardor Aliyev,アリエフ・サルドル,ありえふ さるどる,JDU27001,JDU-2027\r\n"
        "hana@jdu.example,Suzuki Hana,鈴木 花,すずき はな,JDU27002,JDU-2027\r\n"
    )
    html = upload(client, csv_text).get_data(as_text=True)
    assert "2 people imported." in html
    with app.app_context():
        hana = db.session.scalar(select(User).where(User.email == "hana@jdu.example"))
        assert hana.name_ja == "鈴木 花" and hana.cohort.code == "JDU-2027"
        assert hana.must_change_password
    # Temporary passwords are shown once, and they work.
    assert html.count("<code>") == 2


def test_every_bad_row_is_reported_and_nothing_is_imported(app, client, login_as, make_user):
    login_as("admin")
    make_user("student", email="taken@jdu.example")
    before = count_users(app)
    csv_text = (
        "email,name,role\n"
        "ok@jdu.example,Fine Person,student\n"
        "not-an-email,Bad Email,student\n"
        "taken@jdu.example,Already There,student\n"
        "ok@jdu.example,Duplicate,student\n"
        "norole@jdu.example,Bad Role,superuser\n"
        "noname@jdu.example,,student\n"
    )
    html = upload(client, csv_text).get_data(as_text=True)
    assert "Nothing was imported" in html
    for row in ("<td>3</td>", "<td>4</td>", "<td>5</td>", "<td>6</td>", "<td>7</td>"):
        assert row in html
    assert "is not a valid e-mail address" in html
    assert "already exists" in html
    assert "is also on row 2" in html
    assert "Role must be one of" in html
    assert "A name is required." in html
    assert count_users(app) == before


def test_missing_and_unknown_columns_are_named(client, login_as):
    login_as("admin")
    html = upload(client, "mail,full_name\nx@y.example,X\n").get_data(as_text=True)
    assert "Missing column(s): email, name." in html
    assert "Unknown column(s): mail, full_name." in html


def test_non_utf8_file_gets_advice(client, login_as):
    login_as("admin")
    html = upload(client, b"email,name\nx@y.example,Aliyev\n" + b"\x82\xa0\n"
                  ).get_data(as_text=True)
    assert "CSV UTF-8" in html


def test_students_cannot_import(client, login_as):
    login_as("student")
    assert upload(client, "email,name\n").status_code == 403


def test_admin_creates_a_user_who_must_choose_a_password(app, client, login_as):
    login_as("admin")
    response = client.post("/people/new", data={
        "email": "new.teacher@tut.example.jp", "name": "Ito Mei", "name_ja": "伊藤 芽衣",
        "role": "instructor", "password": "temporary passphrase 1", "cohort": "",
        "name_kana": "", "student_number": "",
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.teacher@tut.example.jp"))
        assert user.role == "instructor" and user.must_change_password


def test_create_user_form_reports_duplicate_email(client, login_as, make_user):
    login_as("admin")
    make_user("student", email="dup@jdu.example")
    html = client.post("/people/new", data={
        "email": "dup@jdu.example", "name": "Dup", "role": "student",
        "password": "temporary passphrase 1", "cohort": "",
    }).get_data(as_text=True)
    assert "An account with the e-mail dup@jdu.example already exists." in html


def test_cohorts_are_listed_with_counts(app, client, login_as):
    login_as("admin")
    assert client.post("/people/cohorts", data={"code": "C1", "name": "Cohort One",
                                                "intake_year": "2026"}).status_code == 302
    html = client.get("/people/cohorts").get_data(as_text=True)
    assert "Cohort One" in html
    html = client.post("/people/cohorts", data={"code": "c1", "name": "Again"}
                       ).get_data(as_text=True)
    assert "already exists" in html


def test_profile_edit_ignores_role_field(app, client, login_as):
    user = login_as("student")
    client.post("/auth/profile", data={"name": "New Name", "name_ja": "新しい 名前",
                                       "name_kana": "", "locale": "ja",
                                       "timezone": "Asia/Tokyo", "role": "admin"})
    with app.app_context():
        fresh = db.session.get(User, user.id)
        assert fresh.role == "student"
        assert (fresh.name, fresh.name_ja, fresh.locale, fresh.timezone) == (
            "New Name", "新しい 名前", "ja", "Asia/Tokyo")
