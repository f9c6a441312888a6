"""Japanese text elsewhere: content search, names by reading, dates, the track, PDFs."""

import io
import subprocess
from datetime import UTC, date, datetime

from flask_babel import force_locale

from lms.authoring import services as authoring
from lms.catalog import services as catalog
from lms.extensions import db
from lms.japanese import names, services
from tests.factories import make_course, module_zip

PAGE = "# 第一課\n\nアニメーションの中割りについて学びます。原画と原画の間を描きます。\n"


def test_search_finds_course_content_not_just_titles(app, client, login_as):
    login_as("student")
    with app.app_context():
        course = make_course("AN2", title={"en": "Animation two"})
        authoring.import_package(course, io.BytesIO(module_zip("m1", [
            {"key": "p", "kind": "page", "title": "Lesson", "body": PAGE}])), "m.zip")
        make_course("GD9", title={"en": "Games"})
    for query in ("中割り", "中割", "原画と原画", "ｱﾆﾒｰｼｮﾝ"):  # trigram, 2 chars, width-folded
        page = client.get("/catalog/", query_string={"q": query}).get_data(as_text=True)
        assert "AN2" in page, query
        assert "GD9" not in page, query
    # A new version replaces what is indexed.
    with app.app_context():
        course = catalog.course_by_code("AN2")
        authoring.import_package(course, io.BytesIO(module_zip("m1", [
            {"key": "p", "kind": "page", "title": "Lesson", "body": "# 新しい内容\n\n背景美術\n"}
        ])), "m2.zip")
    assert "AN2" not in client.get("/catalog/", query_string={"q": "中割り"}).get_data(
        as_text=True)
    assert "AN2" in client.get("/catalog/", query_string={"q": "背景美術"}).get_data(
        as_text=True)


def test_names_sort_by_reading_and_show_family_name_first(app, make_user):
    with app.app_context():
        people = [
            make_user("student", name="Yamada Hanako", name_ja="山田 花子",
                      name_kana="やまだ はなこ"),
            make_user("student", name="Aziz Karimov", name_ja="カリモフ・アジズ",
                      name_kana="カリモフ・アジズ"),
            make_user("student", name="Sato Kenji", name_ja="佐藤 健二", name_kana="さとう けんじ"),
            make_user("student", name="Bob Nokana"),
        ]
        ordered = [u.name for u in names.sort_by_reading(people)]
        assert ordered == ["Aziz Karimov", "Sato Kenji", "Yamada Hanako", "Bob Nokana"]
        from lms.auth.models import User
        rows = db.session.scalars(db.select(User).order_by(*names.reading_order())).all()
        assert [u.name for u in rows][-1] == "Bob Nokana"
        with app.test_request_context(), force_locale("ja"):
            assert names.person_name(people[0]) == "山田 花子"
            assert names.jp_date(date(2026, 11, 26)) == "2026年11月26日"
        with app.test_request_context(), force_locale("en"):
            assert names.person_name(people[0]) == "Yamada Hanako"
            shown = names.jp_date(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
            assert "November" in shown and "26" in shown and "年" not in shown


def test_the_japanese_track_lists_courses_by_level(app, client, login_as):
    student = login_as("student")
    with app.app_context():
        make_course("JPN5", jlpt_level="N5", track="japanese")
        make_course("JPN3", jlpt_level="N3", track="japanese")
        services.save_settings(db.session.merge(student), jlpt_level="N4",
                               furigana_mode="above_level")
        levels = services.japanese_track(db.session.merge(student))
        assert [lv.level for lv in levels] == ["N5", "N4", "N3", "N2", "N1"]
        assert [c.code for c in levels[0].courses] == ["JPN5"]
        assert [lv.held for lv in levels] == [True, True, False, False, False]
    page = client.get("/japanese/track").get_data(as_text=True)
    assert page.index("JPN5") < page.index("JPN3")


def test_pdf_with_ruby_prints_without_overlap(app, tmp_path):
    from weasyprint import CSS, HTML

    with app.app_context():
        body = services.render_with_furigana("勉強は大切です。一人で山に登りました。")
        html = f"<html lang='ja'><body>{body}</body></html>"
        css = CSS(filename=str(services.Path(services.__file__).parent / "ruby_print.css"))
        font = CSS(string="body { font-family: 'IPAexGothic', 'IPAGothic', sans-serif; }")
        pdf = tmp_path / "ruby.pdf"
        document = HTML(string=html).render(stylesheets=[css, font])
        document.write_pdf(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "べんきょう" in text and "勉強" in text and "ひとり" in text
    # The reading is laid out above its base, not inline after it and not in the page's
    # text line: the base line reads without readings mixed in.
    assert "勉強べんきょう" not in text.replace(" ", "")
    lines = [line for line in text.splitlines() if line.strip()]
    base_line = next(line for line in lines if "勉強" in line)
    reading_line = next(line for line in lines if "べんきょう" in line)
    assert lines.index(reading_line) < lines.index(base_line)
    # Boxes: every line of the paragraph holds its ruby (the readings included) and no two
    # lines overlap.
    lines_boxes = []

    def walk(box, inline_block=False):
        for child in getattr(box, "children", []) or []:
            name = type(child).__name__
            if name == "LineBox" and not inline_block:
                lines_boxes.append(child)
            walk(child, inline_block or name == "InlineBlockBox")

    def extent(box, top=None, bottom=None):
        for child in getattr(box, "children", []) or []:
            y, h = getattr(child, "position_y", None), getattr(child, "height", None)
            if y is not None and isinstance(h, (int, float)) and h > 0:
                top = y if top is None else min(top, y)
                bottom = y + h if bottom is None else max(bottom, y + h)
            top, bottom = extent(child, top, bottom)
        return top, bottom

    for page_ in document.pages:
        walk(page_._page_box)
    assert lines_boxes
    spans = []
    for line in lines_boxes:
        top, bottom = extent(line)
        assert top >= line.position_y - 0.5 and bottom <= line.position_y + line.height + 0.5
        spans.append((line.position_y, line.position_y + line.height))
    spans.sort()
    assert all(a[1] <= b[0] + 0.01 for a, b in zip(spans, spans[1:], strict=False))
