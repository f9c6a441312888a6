"""Instructor insight pages: the progress grid and its CSV, who has stalled, quiz analysis."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import event, select

from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item, Module, ModuleVersion
from lms.catalog import services as catalog
from lms.core.db import utcnow
from lms.core.errors import ValidationError
from lms.extensions import db
from lms.learning import insights
from lms.learning.models import QuizAttempt
from tests.conftest import login
from tests.factories import make_course, module_zip, record_progress

QUIZ = """questions:
  - key: q1
    type: single
    prompt: {en: 'Two plus two?'}
    choices: [{key: a, text: '4'}, {key: b, text: '5'}, {key: c, text: '22'}]
    correct: [a]
  - key: q2
    type: short
    prompt: {en: 'Capital of Japan (in Japanese)?'}
    accept: [東京]
  - key: q3
    type: matching
    prompt: {en: Match the engines}
    pairs:
      - {key: u, left: Unity, right: 'C#'}
      - {key: g, left: Godot, right: GDScript}
"""


def module_items():
    return [
        ("intro", "page", "Introduction"),
        {"key": "clip", "kind": "video", "title": "Clip", "file": "media/clip.webm",
         "required": False},
        {"key": "check", "kind": "quiz", "title": "Check", "file": "check.yaml"},
    ]


@pytest.fixture
def course_setup(app, make_user):
    """build(n_students, names=None) -> (teacher, [students], {item key: id}) for GD101."""

    def build(n_students=0, names=None, teacher_tz="Asia/Tokyo"):
        teacher = make_user("instructor")
        names = names or [f"Student {i:02d}" for i in range(n_students)]
        students = [make_user("student", name=name) for name in names]
        with app.app_context():
            db.session.get(User, teacher.id).timezone = teacher_tz
            course = make_course("GD101", instructors=[teacher.email])
            authoring.import_package(course, io.BytesIO(module_zip(
                "m1", module_items(), title="Basics", extra_files={"check.yaml": QUIZ})),
                "m1.zip")
            catalog.enroll(course, [db.session.merge(s) for s in students], source="admin")
            items = {i.key: i.id for i in db.session.scalars(select(Item))}
        return teacher, students, items

    return build


def record(app, user, item_id, verb, **kw):
    with app.app_context():
        return record_progress(db.session.merge(user), db.session.get(Item, item_id), verb, **kw)


def grid_rows(html: str) -> list[list[str]]:
    """The progress grid's body as text: the row header, then each cell."""
    body = html.split('data-testid="progress-grid"', 1)[1].split("<tbody>", 1)[1]
    body = body.split("</tbody>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return rows


def test_grid_shows_each_status_as_text_and_symbol(app, client, course_setup):
    teacher, (aziz, bekzod), items = course_setup(names=["Aziz Karimov", "Bekzod Umarov"])
    record(app, aziz, items["intro"], "completed")
    record(app, aziz, items["check"], "scored", result={"score": {"scaled": 0.85}})
    record(app, bekzod, items["clip"], "progressed", result={"duration": "PT30S"})
    record(app, bekzod, items["check"], "scored", result={"score": {"scaled": 0.4}})
    login(client, teacher.email)
    response = client.get("/learning/courses/GD101/progress")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Legend" in html and "Not started" in html
    rows = grid_rows(html)
    # name, required done, course score, intro, clip (optional), check; then hidden labels
    assert rows[0][0] == "Aziz Karimov"
    assert rows[0][1] == "100%"
    # Only scored items make the course score: the page and the video count for nothing
    # (they used to count 100 when done, which inflated it).
    assert rows[0][2] == "85"
    assert rows[0][3] == "✓ LR Completed, learner-reported"
    assert rows[0][4] == "— Not started"
    assert rows[0][5] == "✓ 85 SM Passed 85, server-marked"
    assert rows[1][0] == "Bekzod Umarov"
    assert rows[1][1] == "0%"
    assert rows[1][3] == "— Not started"
    assert rows[1][4] == "… In progress"
    assert rows[1][5] == "✗ 40 SM Failed 40, server-marked"
    # The quiz's column leads to its question analysis.
    assert f"/learning/courses/GD101/quizzes/{items['check']}/analysis" in html


def test_only_the_course_instructors_and_admins_see_it(app, client, course_setup, make_user):
    teacher, (student,), items = course_setup(1)
    other = make_user("instructor")
    admin = make_user("admin")
    urls = ["/learning/courses/GD101/progress", "/learning/courses/GD101/progress.csv",
            f"/learning/courses/GD101/quizzes/{items['check']}/analysis"]
    for user in (student, other):
        login(client, user.email)
        for url in urls:
            assert client.get(url).status_code == 404, (user.role, url)
        client.post("/auth/logout")
    login(client, admin.email)
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.post("/auth/logout")
    assert client.get(urls[0]).status_code == 302  # anonymous: sign in first


def test_sorting_by_percent_and_name(app, client, course_setup):
    teacher, (aziz, bekzod, dilnoza), items = course_setup(
        names=["Aziz", "Bekzod", "Dilnoza"])
    record(app, bekzod, items["intro"], "completed")
    record(app, bekzod, items["check"], "scored", result={"score": {"scaled": 0.9}})
    record(app, dilnoza, items["intro"], "completed")
    login(client, teacher.email)

    def names(sort):
        html = client.get(f"/learning/courses/GD101/progress?sort={sort}").get_data(
            as_text=True)
        return [row[0] for row in grid_rows(html)]

    assert names("name") == ["Aziz", "Bekzod", "Dilnoza"]
    assert names("-name") == ["Dilnoza", "Bekzod", "Aziz"]
    assert names("percent") == ["Aziz", "Dilnoza", "Bekzod"]  # furthest behind first
    assert names("-percent") == ["Bekzod", "Dilnoza", "Aziz"]
    assert names("nonsense") == ["Aziz", "Bekzod", "Dilnoza"]


def test_pages_of_students(app, course_setup):
    teacher, students, items = course_setup(5)
    with app.app_context():
        course = catalog.course_by_code("GD101")
        first = insights.progress_grid(course, page=1, per_page=2)
        last = insights.progress_grid(course, page=9, per_page=2)
    assert (first.total, first.pages, first.page) == (5, 3, 1)
    assert [r.user.name for r in first.rows] == ["Student 00", "Student 01"]
    assert last.page == 3 and [r.user.name for r in last.rows] == ["Student 04"]


def test_default_page_size_is_fifty(client, course_setup):
    teacher, students, items = course_setup(51)
    login(client, teacher.email)
    html = client.get("/learning/courses/GD101/progress").get_data(as_text=True)
    assert len(grid_rows(html)) == 50 and "Page 1 of 2" in html
    html = client.get("/learning/courses/GD101/progress?page=2").get_data(as_text=True)
    assert [row[0] for row in grid_rows(html)] == ["Student 50"]


def count_queries(app, client, url) -> int:
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
        assert response.status_code == 200
        response.get_data()  # a streamed body runs its queries while it is read
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)


@pytest.mark.parametrize("url", ["/learning/courses/GD101/progress",
                                 "/learning/courses/GD101/progress.csv"])
def test_query_count_does_not_grow_with_students(app, client, make_user, url):
    """3 students or 30: the same number of SQL statements."""
    counts = []
    for code, n in (("FEW", 3), ("MANY", 30)):
        teacher = make_user("instructor")
        students = [make_user("student") for _ in range(n)]
        with app.app_context():
            course = make_course(code, instructors=[teacher.email])
            authoring.import_package(course, io.BytesIO(module_zip(
                f"{code.lower()}-m1", module_items(), extra_files={"check.yaml": QUIZ})),
                "m1.zip")
            catalog.enroll(course, [db.session.merge(s) for s in students], source="admin")
            items = {i.key: i.id for i in db.session.scalars(
                select(Item).join(ModuleVersion).join(Module, Module.id == ModuleVersion.module_id)
                .where(Module.course_id == course.id))}
        for student in students:
            record(app, student, items["intro"], "completed")
            record(app, student, items["check"], "scored", result={"score": {"scaled": 0.7}})
        login(client, teacher.email)
        counts.append(count_queries(app, client, url.replace("GD101", code)))
        client.post("/auth/logout")
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts  # sign-in, course, access, layout, page, progress, stalled


def test_csv_is_excel_friendly_and_safe(app, client, course_setup):
    teacher, students, items = course_setup(names=[
        "=HYPERLINK(\"http://evil.example\")", "+1 Plus", "-Minus", "@Sum", "トシェワ・グルノラ"])
    record(app, students[4], items["check"], "scored", result={"score": {"scaled": 0.85}})
    login(client, teacher.email)
    response = client.get("/learning/courses/GD101/progress.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Student", "E-mail", "Student number", "Required done (%)",
                           "Course score"]
    assert rows[0][5:] == ["Basics / Introduction", "Basics / Clip", "Basics / Check"]
    names = sorted(r[0] for r in rows[1:])
    assert names == sorted(["'=HYPERLINK(\"http://evil.example\")", "'+1 Plus", "'-Minus",
                            "'@Sum", "トシェワ・グルノラ"])
    japanese = next(r for r in rows if r[0] == "トシェワ・グルノラ")
    assert japanese[3] == "50" and japanese[5:] == ["Not started", "Not started",
                                                  "Passed 85, server-marked"]


def test_stalled_students_with_dates_in_the_viewers_zone(app, client, course_setup):
    teacher, (aziz, bekzod, dilnoza), items = course_setup(
        names=["Aziz", "Bekzod", "Dilnoza"], teacher_tz="Asia/Tokyo")
    # 20:00 UTC ten days ago is already the next morning in Tokyo.
    long_ago = (utcnow() - timedelta(days=10)).replace(hour=20, minute=0, second=0,
                                                       microsecond=0)
    record(app, aziz, items["intro"], "completed", timestamp=long_ago)
    record(app, bekzod, items["intro"], "experienced",
           timestamp=utcnow() - timedelta(days=2))
    login(client, teacher.email)
    html = client.get("/learning/courses/GD101/progress").get_data(as_text=True)
    stalled = html.split('data-testid="stalled"', 1)[1].split("</table>", 1)[0]
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tr)).strip()
            for tr in re.findall(r"<tr>(.*?)</tr>", stalled.split("<tbody>", 1)[1], re.S)]
    tokyo_day = (long_ago + timedelta(hours=9)).date()
    assert rows == [
        "Dilnoza Never started 0%",
        f"Aziz {format_date(tokyo_day, 'medium', locale='en')} 50%",
    ]
    assert "Last activity (Asia/Tokyo)" in html
    html = client.get("/learning/courses/GD101/progress?days=1").get_data(as_text=True)
    assert "Bekzod" in html.split('data-testid="stalled"', 1)[1]


def test_stalled_refuses_nonsense_days(app, course_setup):
    course_setup(1)
    with app.app_context(), pytest.raises(ValidationError, match="from 1 to 365"):
        insights.stalled_students(catalog.course_by_code("GD101"), days=0)


def add_attempt(app, user, item_id, number, answers, results, submitted=True):
    with app.app_context():
        item = db.session.get(Item, item_id)
        db.session.add(QuizAttempt(
            user_id=user.id, item_id=item.id, module_id=item.version.module_id,
            item_key=item.key, number=number, answers=answers, results=results,
            submitted_at=datetime.now(UTC) if submitted else None,
            score=100 * sum(results.values()) / 3 if results else None))
        db.session.commit()


def test_quiz_analysis_per_question(app, client, course_setup):
    teacher, (a, b, c), items = course_setup(3)
    quiz = items["check"]
    add_attempt(app, a, quiz, 1, {"q1": "b", "q2": "大阪", "q3": {"u": "g", "g": "u"}},
                {"q1": 0.0, "q2": 0.0, "q3": 0.0})
    add_attempt(app, a, quiz, 2, {"q1": "a", "q2": "東京", "q3": {"u": "u", "g": "g"}},
                {"q1": 1.0, "q2": 1.0, "q3": 1.0})
    add_attempt(app, b, quiz, 1, {"q1": "b", "q2": "ｵｵｻｶ", "q3": {"u": "u", "g": "u"}},
                {"q1": 0.0, "q2": 0.0, "q3": 0.5})
    add_attempt(app, c, quiz, 1, {"q1": "c", "q2": "大阪"}, {"q1": 0.0, "q2": 0.0})
    add_attempt(app, c, quiz, 2, {"q1": "a"}, {"q1": 1.0}, submitted=False)  # not counted
    login(client, teacher.email)
    response = client.get(f"/learning/courses/GD101/quizzes/{quiz}/analysis")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = html.split('data-testid="quiz-analysis"', 1)[1].split("<tbody>", 1)[1]
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tr)).strip()
            for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert rows[0] == "q1 Two plus two? 4 25% 25% 5 × 2 22 × 1"
    assert rows[1].startswith("q2 Capital of Japan (in Japanese)? 4 25% 25%")
    assert "大阪 × 2" in rows[1] and "オオサカ × 1" in rows[1]  # normalised as marked: NFKC
    assert rows[2].startswith("q3 Match the engines 3 33.3% 50%")
    assert "Unity → GDScript; Godot → C# × 1" in rows[2]
    assert "Unity → C#; Godot → C# × 1" in rows[2]
    assert re.search(r"Submitted attempts</dt>\s*<dd>4</dd>", html)
    assert re.search(r"Students</dt>\s*<dd>3</dd>", html)


def test_quiz_analysis_only_for_this_courses_quizzes(app, client, course_setup, make_user):
    teacher, students, items = course_setup(1)
    login(client, teacher.email)
    assert client.get(f"/learning/courses/GD101/quizzes/{items['intro']}/analysis"
                      ).status_code == 404
    assert client.get("/learning/courses/GD101/quizzes/99999/analysis").status_code == 404
    with app.app_context():
        other = make_course("AN101")
        authoring.import_package(other, io.BytesIO(module_zip(
            "an-m1", [("quiz2", "quiz", "Other quiz")])), "an.zip")
        foreign = db.session.scalar(select(Item.id).where(Item.key == "quiz2"))
    assert client.get(f"/learning/courses/GD101/quizzes/{foreign}/analysis").status_code == 404


def test_empty_course_says_so(app, client, make_user):
    teacher = make_user("instructor")
    with app.app_context():
        make_course("EMPTY", instructors=[teacher.email])
    login(client, teacher.email)
    html = client.get("/learning/courses/EMPTY/progress").get_data(as_text=True)
    assert "This course has no items yet." in html
    assert "Everyone has been active" in html


def test_page_links_name_the_first_last_and_nearby_pages(app, course_setup):
    course_setup(7)
    with app.app_context():
        course = catalog.course_by_code("GD101")
        links = {page: insights.progress_grid(course, page=page, per_page=1).page_links
                 for page in (1, 4, 7)}
    assert links == {1: [1, 2, 3, None, 7], 4: [1, 2, 3, 4, 5, 6, 7],
                     7: [1, None, 5, 6, 7]}


def test_pages_of_fifty_with_links_that_keep_the_sort(app, client, course_setup):
    teacher, students, items = course_setup(names=[f"Student {i:03d}" for i in range(101)])
    login(client, teacher.email)
    html = client.get("/learning/courses/GD101/progress?page=2&sort=-name").get_data(
        as_text=True)
    assert "Page 2 of 3" in html
    rows = grid_rows(html)
    assert len(rows) == 50 and rows[0][0] == "Student 050" and rows[-1][0] == "Student 001"
    pager = html.split('data-testid="grid-pages"', 1)[1].split("</nav>", 1)[0]
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', pager)]
    assert any("page=3" in link and "sort=-name" in link for link in links)
    assert any("page=1" in link and "sort=-name" in link for link in links)
    assert '<span aria-current="page">2</span>' in pager


def test_stalled_list_shows_the_longest_silent_and_says_how_many(app, client, course_setup):
    teacher, students, items = course_setup(60)
    for n, student in enumerate(students[:55]):
        record(app, student, items["intro"], "completed",
               timestamp=utcnow() - timedelta(days=100 - n))
    login(client, teacher.email)
    html = client.get("/learning/courses/GD101/progress").get_data(as_text=True)
    stalled = html.split('data-testid="stalled"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", stalled.split("<tbody>", 1)[1], re.S)
    assert len(rows) == insights.STALLED_SHOWN == 50
    names = [re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", r, re.S).group(1))
             for r in rows]
    # Never started first (by name), then the longest silent first.
    assert names[:5] == ["Student 55", "Student 56", "Student 57", "Student 58", "Student 59"]
    assert names[5:8] == ["Student 00", "Student 01", "Student 02"]
    assert "Never started" in rows[0] and "50%" in rows[5]
    assert "60 students have had no activity for that long; the 50 silent longest" in html
    with app.app_context():
        result = insights.stalled_students(catalog.course_by_code("GD101"), days=7, limit=3)
    assert result.total == 60 and [s.user.name for s in result] == [
        "Student 55", "Student 56", "Student 57"]
