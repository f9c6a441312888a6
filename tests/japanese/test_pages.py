"""Lesson pages and quizzes show furigana by the student's setting; overrides and inline
markup fix readings without code."""

import io

from lms.authoring import services as authoring
from lms.catalog import services as catalog
from lms.extensions import db
from lms.japanese import services
from tests.factories import make_course, module_zip

PAGE = ("# 日本語の勉強\n\n山に登りました。勉強は大切です。上手な人がいます。\n\n"
        "`山` はコードです。 [山の写真](http://example.com/山)\n")
QUIZ = ("questions:\n  - key: q1\n    type: short\n    prompt: 「勉強」を読んでください。\n"
        "    accept: ['べんきょう']\n    kana_equivalent: true\n")


def lesson(app, student):
    with app.app_context():
        course = make_course("JP1", language="ja", jlpt_level="N5")
        result = authoring.import_package(course, io.BytesIO(module_zip("m1", [
            {"key": "p", "kind": "page", "title": "P", "body": PAGE},
            {"key": "q", "kind": "quiz", "title": "Q", "file": "q.yaml"},
        ], extra_files={"q.yaml": QUIZ})), "m.zip")
        catalog.enroll(course, [db.session.merge(student)], source="admin")
        items = {i.key: i.id for i in result.version.items}
        return items["p"], items["q"]


def settings(client, level, mode):
    response = client.post("/japanese/", data={"jlpt_level": level, "furigana": mode,
                                               "new_cards_per_day": "20"})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_furigana_above_the_students_level_only_and_off_in_settings(app, client, login_as):
    student = login_as("student")
    page_id, quiz_id = lesson(app, student)
    settings(client, "N5", "above_level")
    html = client.get(f"/learning/items/{page_id}").get_data(as_text=True)
    # 勉強 (N4 kanji) is above N5: readings; 山 and 日本語 (N5) are not.
    assert "<ruby>勉強<rp>(</rp><rt>べんきょう</rt><rp>)</rp></ruby>" in html
    assert "<ruby>大切<rp>(</rp><rt>たいせつ</rt>" in html  # 切 is N4
    assert "<rt>やま</rt>" not in html and "<rt>にほんご</rt>" not in html
    assert "<code>山</code>" in html  # code is never touched
    assert 'href="http://example.com/%E5%B1%B1"' in html  # nor are URLs

    settings(client, "N4", "above_level")
    html = client.get(f"/learning/items/{page_id}").get_data(as_text=True)
    assert "<rt>べんきょう</rt>" not in html and "<rt>じょうず</rt>" not in html

    settings(client, "N5", "never")
    html = client.get(f"/learning/items/{page_id}").get_data(as_text=True)
    assert "<ruby>" not in html and "勉強は大切です" in html

    settings(client, "N1", "always")
    html = client.get(f"/learning/items/{page_id}").get_data(as_text=True)
    assert "<ruby>山<rp>(</rp><rt>やま</rt>" in html

    # Quizzes use the same renderer.
    settings(client, "N5", "above_level")
    start = client.post(f"/learning/items/{quiz_id}/quiz/start", follow_redirects=True)
    assert "<rt>べんきょう</rt>" in start.get_data(as_text=True)


def test_override_table_and_inline_markup_fix_a_reading(app, client, login_as, make_user):
    student = login_as("student")
    page_id, _quiz = lesson(app, student)
    settings(client, "", "always")
    html = client.get(f"/learning/items/{page_id}").get_data(as_text=True)
    assert "<rt>じょうず</rt>" in html

    admin = make_user("admin")
    admin_client = app.test_client()
    from tests.conftest import login
    login(admin_client, admin.email)
    saved = admin_client.post("/japanese/overrides", data={"surface": "上手",
                                                           "reading": "ウワテ", "note": "test"})
    assert saved.status_code == 302
    html = client.get(f"/learning/items/{page_id}").get_data(as_text=True)
    assert "<ruby>上手<rp>(</rp><rt>うわて</rt>" in html and "<rt>じょうず</rt>" not in html

    # Inline markup in the page wins over the table.
    with app.app_context():
        from lms.authoring.models import Item
        from lms.core.markdown import render_markdown
        view = services.furigana_view(mode="always")
        inline = str(render_markdown("{上手|かみて}な人と上手な人", furigana=view))
    assert inline.count("<rt>かみて</rt>") == 1 and inline.count("<rt>うわて</rt>") == 1
    assert Item  # the page itself: imported unchanged, no code edited

    with app.app_context():
        row = services.list_overrides()[0]
    admin_client.post(f"/japanese/overrides/{row.id}/delete")
    html = client.get(f"/learning/items/{page_id}").get_data(as_text=True)
    assert "<rt>じょうず</rt>" in html


def test_only_admins_edit_the_table(client, login_as):
    login_as("instructor")
    assert client.get("/japanese/overrides").status_code == 403
    assert client.post("/japanese/overrides", data={"surface": "上手",
                                                    "reading": "うわて"}).status_code == 403


def test_override_needs_kana(app, client, login_as):
    login_as("admin")
    response = client.post("/japanese/overrides", data={"surface": "上手", "reading": "jouzu"})
    assert response.status_code == 200
    assert "Give the reading in hiragana or katakana." in response.get_data(as_text=True)
    with app.app_context():
        assert services.list_overrides() == []


def test_preview_page_and_its_json_endpoint(client, login_as):
    login_as("instructor")
    page = client.get("/japanese/preview").get_data(as_text=True)
    assert "furigana-preview.js" in page and "<script>" not in page
    token = client.csrf_token()
    response = client.post("/japanese/preview", json={"text": "三本の木"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200
    body = response.get_json()
    assert "<rt>さんぼん</rt>" in body["html"]
    assert {"surface": "三本", "reading": "さんぼん"} in body["tokens"]
    refused = client.post("/japanese/preview", json={"text": "木"})
    assert refused.status_code == 400  # no CSRF header: refused


def test_students_may_not_preview(client, login_as):
    login_as("student")
    assert client.get("/japanese/preview").status_code == 403


def test_pages_without_kanji_make_no_extra_query(app, client, login_as):
    student = login_as("student")
    with app.app_context():
        course = make_course("EN1")
        result = authoring.import_package(course, io.BytesIO(module_zip("m1")), "m.zip")
        catalog.enroll(course, [db.session.merge(student)], source="admin")
        item_id = result.version.items[0].id
    from tests.learning.test_query_counts import count_queries
    client.get(f"/learning/items/{item_id}")
    with count_queries(app) as statements:
        client.get(f"/learning/items/{item_id}")
    assert not any("japanese_profiles" in s or "furigana_overrides" in s for s in statements)
