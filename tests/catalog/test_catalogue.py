import pytest
from sqlalchemy import select

from lms.catalog import services as catalog
from lms.catalog.models import Enrollment
from lms.extensions import db
from lms.people.models import Cohort
from tests.factories import make_course


@pytest.fixture
def courses(app):
    with app.app_context():
        make_course("GD101", title={"en": "Game development fundamentals",
                                    "ja": "ゲーム開発の基礎"}, track="game-development",
                    self_enroll=True)
        make_course("JP-N5", title={"en": "Japanese N5", "ja": "日本語 N5 入門"},
                    track="japanese", jlpt_level="N5", language="ja")
        make_course("AN101", title={"en": "2D animation: the twelve principles",
                                    "ja": "2Dアニメーションの12原則"})


@pytest.mark.parametrize("query, expected", [
    ("ゲーム開発", {"GD101"}),      # a Japanese word inside a title: trigram index
    ("開発", {"GD101"}),            # two characters: too short for trigrams, still found
    ("ｱﾆﾒｰｼｮﾝ", {"AN101"}),         # half-width katakana folds to full width (NFKC)
    ("ANIMATION", {"AN101"}),       # case-insensitive
    ("入門", {"JP-N5"}),
    ("principles twelve", {"AN101"}),
    ("nothing like this", set()),
    ('"; DROP TABLE courses; --', set()),
])
def test_search_finds_japanese_and_latin_substrings(app, client, login_as, courses, query,
                                                    expected):
    login_as("student")
    with app.app_context():
        found = {c.code for c in catalog.search_courses(catalog.CourseFilters(q=query)).items}
    assert found == expected
    html = client.get("/catalog/", query_string={"q": query}).get_data(as_text=True)
    for code in expected:
        assert code in html


def test_filters(app, courses):
    with app.app_context():
        def codes(**kw):
            return {c.code for c in catalog.search_courses(catalog.CourseFilters(**kw)).items}
        assert codes(track="japanese") == {"JP-N5"}
        assert codes(level="N5") == {"JP-N5"}
        assert codes(language="ja") == {"JP-N5"}
        assert codes(provider="TUT") == {"GD101", "JP-N5", "AN101"}
        assert codes(provider="JDU") == set()


def test_renamed_course_is_found_by_its_new_title(app, courses):
    with app.app_context():
        course = catalog.course_by_code("AN101")
        fields = catalog.CourseFields(code="AN101", title={"en": "Keyframes", "ja": "キーフレーム入門"},
                                      provider="TUT", hours=90, credits={"JDU": 3})
        catalog.save_course(fields, course)
        found = {c.code for c in catalog.search_courses(catalog.CourseFilters(q="キーフレーム")).items}
        old = {c.code for c in catalog.search_courses(catalog.CourseFilters(q="アニメーション")).items}
    assert found == {"AN101"} and old == set()


def test_student_self_enrols_where_allowed(app, client, login_as, courses):
    student = login_as("student")
    response = client.post("/catalog/GD101/enrol")
    assert response.headers["Location"] == "/learning/courses/GD101"
    assert client.post("/catalog/JP-N5/enrol").status_code == 403
    with app.app_context():
        rows = db.session.scalars(select(Enrollment).where(Enrollment.user_id == student.id)).all()
        assert [(r.course.code, r.source) for r in rows] == [("GD101", "self")]


def test_admin_enrols_by_email_and_by_cohort(app, client, login_as, make_user, courses):
    login_as("admin")
    a = make_user("student", email="a@jdu.example")
    with app.app_context():
        cohort = Cohort(code="C26", name="Cohort 26")
        db.session.add(cohort)
        db.session.commit()
        cohort_id = cohort.id
    b = make_user("student", email="b@jdu.example", cohort_id=cohort_id)
    html = client.post("/catalog/JP-N5/enrolments", data={"emails": "a@jdu.example, nobody@x.example",
                                                          "cohort": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "nobody@x.example" in html
    client.post("/catalog/JP-N5/enrolments", data={"emails": "a@jdu.example", "cohort": ""})
    client.post("/catalog/JP-N5/enrolments", data={"emails": "", "cohort": str(cohort_id)})
    with app.app_context():
        enrolled = set(db.session.scalars(select(Enrollment.user_id).join(Enrollment.course)
                                          .where(Enrollment.course.has(code="JP-N5"))))
    assert enrolled == {a.id, b.id}


def test_students_cannot_manage_enrolments(client, login_as, courses):
    login_as("student")
    assert client.get("/catalog/GD101/enrolments").status_code == 404
    assert client.get("/catalog/new").status_code == 403


def test_admin_creates_a_course_in_the_browser(app, client, login_as, make_user):
    login_as("admin")
    teacher = make_user("instructor", email="ito@tut.example.jp")
    with app.app_context():
        from tests.factories import ensure_reference_data
        ensure_reference_data()
    response = client.post("/catalog/new", data={
        "code": "CG201", "title_en": "Character rigging", "title_ja": "キャラクターリギング",
        "title_uz": "", "provider": "TUT", "track": "", "language": "ja", "hours": "45",
        "credits": "JDU=1.5, TUT=1", "jlpt_level": "", "instructors": teacher.email,
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        course = catalog.course_by_code("CG201")
        assert {c.institution.code: float(c.credits) for c in course.credits} == {
            "JDU": 1.5, "TUT": 1.0}
        assert [u.email for u in course.instructors] == ["ito@tut.example.jp"]


def test_course_form_reports_every_problem(app, client, login_as):
    login_as("admin")
    with app.app_context():
        from tests.factories import ensure_reference_data
        ensure_reference_data()
    html = client.post("/catalog/new", data={
        "code": "BAD CODE!", "title_en": "X", "provider": "NOPE", "language": "en",
        "hours": "10", "credits": "XYZ=3", "instructors": "ghost@nowhere.example",
    }).get_data(as_text=True)
    for text in ("Use 1-40 letters", "There is no institution with the code NOPE",
                 "There is no institution with the code XYZ",
                 "There is no account with the e-mail ghost@nowhere.example"):
        assert text in html
