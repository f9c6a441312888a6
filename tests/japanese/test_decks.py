"""Decks: CSV/TSV import with row errors, FSRS scheduling, typed answers, statistics."""

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from lms.core.errors import ValidationError
from lms.extensions import db
from lms.japanese import decks
from lms.japanese.models import CardReview, Deck, DeckStudent, StudyCard

ANKI = ("#separator:tab\n#html:true\n#tags column:4\n"
        "食べる\tto eat<br>yemoq\tたべる\tverb\n"
        "水\twater&nbsp;\tみず\tnoun\n"
        "学校\tschool\tがっこう\t\n")
BAD = ("front,back,reading\n"
       "山,mountain,やま\n"
       ",river,かわ\n"
       "川,,かわ\n"
       "木,tree,ki\n"
       "山,hill,やま\n"
       "a,b,c,d,e,f,g\n")


def deck(app, code="d1"):
    with app.app_context():
        row = Deck(code=code, title={"en": code}, kind="vocab", jlpt_level="N5")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_anki_export_imports(app):
    deck_id = deck(app)
    with app.app_context():
        target = db.session.get(Deck, deck_id)
        report = decks.import_cards(target, ANKI.encode(), "anki.txt")
        assert (report.added, report.updated) == (3, 0)
        cards = {c.front: c for c in target.cards}
        assert cards["食べる"].meaning == {"en": "to eat yemoq"}
        assert cards["水"].meaning == {"en": "water"} and cards["水"].tags == "noun"
        again = decks.import_cards(target, ANKI.encode(), "anki.txt")
        assert (again.added, again.updated) == (0, 3)


def test_row_level_errors_and_nothing_imported(app):
    deck_id = deck(app)
    with app.app_context():
        target = db.session.get(Deck, deck_id)
        with pytest.raises(ValidationError) as caught:
            decks.import_cards(target, BAD.encode(), "cards.csv")
        lines = {d["line"]: d["message"] for d in caught.value.details}
        assert set(lines) == {3, 4, 5, 6, 7}
        assert "front" in lines[3] and "back" in lines[4] and "not kana" in lines[5]
        assert "line 2" in lines[6] and "columns" in lines[7]
        assert db.session.get(Deck, deck_id).cards == []


def test_import_page_shows_row_errors(app, client, login_as):
    login_as("instructor")
    import io
    response = client.post("/japanese/decks/import", data={
        "deck": "", "code": "mine", "title": "Mine", "level": "N5", "kind": "vocab",
        "file": (io.BytesIO(BAD.encode()), "cards.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Line 3" in page and "Line 7" in page
    ok = client.post("/japanese/decks/import", data={
        "deck": "", "code": "mine2", "title": "Mine", "level": "N5", "kind": "vocab",
        "file": (io.BytesIO(ANKI.encode()), "anki.txt")}, content_type="multipart/form-data")
    assert ok.status_code == 302


def test_shipped_decks_load_and_are_idempotent(app):
    with app.app_context():
        first = decks.load_builtin_decks()
        total = sum(r.added for _d, r in first)
        assert total >= 300
        second = decks.load_builtin_decks()
        assert sum(r.added for _d, r in second) == 0
        for deck_row, _r in first:
            assert all(c.front and c.meaning.get("en") for c in deck_row.cards)


def test_reviews_follow_fsrs_and_stats(app, make_user):
    student = make_user("student")
    deck_id = deck(app)
    app.config["JAPANESE_FSRS_FUZZING"] = False
    with app.app_context():
        target = db.session.get(Deck, deck_id)
        decks.import_cards(target, ANKI.encode(), "anki.txt")
        user = db.session.merge(student)
        db.session.add(DeckStudent(deck_id=deck_id, user_id=user.id))
        db.session.commit()
        t0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
        ratings = [3, 3, 3, 1, 3]
        card = target.cards[0]
        expected = Card(card_id=1)
        scheduler = Scheduler(enable_fuzzing=False)
        when = last = t0
        for rating in ratings:
            study = decks.review_card(user, card, rating, now=when)
            expected, _log = scheduler.review_card(expected, Rating(rating), when)
            assert study.due == expected.due and study.state == int(expected.state)
            last, when = when, study.due + timedelta(minutes=1)
        stats = decks.dashboard_stats(user, now=last)
        assert stats.decks == 1 and stats.reviews_30d == 5
        assert stats.retention == pytest.approx(4 / 5)
        assert stats.streak >= 1
        assert db.session.query(CardReview).count() == 5


def test_next_card_order_and_daily_new_limit(app, make_user):
    student = make_user("student")
    deck_id = deck(app)
    with app.app_context():
        target = db.session.get(Deck, deck_id)
        decks.import_cards(target, ANKI.encode(), "anki.txt")
        user = db.session.merge(student)
        from lms.japanese import services
        services.save_settings(user, jlpt_level="N5", furigana_mode="always",
                               new_cards_per_day=2)
        decks.start_deck(user, target)
        now = datetime.now(UTC)
        first = decks.next_card(user, target, now)
        assert first.study is None and first.card.front == "食べる"
        decks.review_card(user, first.card, 4, now=now)
        second = decks.next_card(user, target, now)
        decks.review_card(user, second.card, 4, now=now)
        assert decks.next_card(user, target, now) is None  # 2 new a day, both reviewed Easy
        assert db.session.query(StudyCard).count() == 2


def test_typed_answers_in_kana_are_normalised(app):
    deck_id = deck(app)
    with app.app_context():
        target = db.session.get(Deck, deck_id)
        decks.import_cards(target, ANKI.encode(), "anki.txt")
        card = next(c for c in target.cards if c.front == "学校")
        assert decks.typed_answer_correct(card, "がっこう")
        assert decks.typed_answer_correct(card, "ガッコウ")  # katakana counts
        assert decks.typed_answer_correct(card, " ｶﾞｯｺｳ。")  # half width, punctuation
        assert decks.typed_answer_correct(card, "学校")
        assert not decks.typed_answer_correct(card, "がこう")


def test_review_endpoints_need_the_deck_and_csrf(app, client, login_as):
    student = login_as("student")
    deck_id = deck(app)
    with app.app_context():
        target = db.session.get(Deck, deck_id)
        decks.import_cards(target, ANKI.encode(), "anki.txt")
        card_id = target.cards[0].id
    headers = {"X-CSRFToken": client.csrf_token()}
    refused = client.post(f"/japanese/review/{card_id}", json={"rating": 3}, headers=headers)
    assert refused.status_code == 403  # not studying this deck
    assert client.get(f"/japanese/review/next?deck={deck_id}").status_code == 404
    client.post(f"/japanese/decks/{deck_id}/study")
    assert client.post(f"/japanese/review/{card_id}", json={"rating": 3}).status_code == 400
    ok = client.post(f"/japanese/review/{card_id}", json={"rating": 3, "typed": "タベル"},
                     headers=headers)
    assert ok.status_code == 200 and ok.get_json()["typed_correct"] is True
    nxt = client.get(f"/japanese/review/next?deck={deck_id}").get_json()
    assert nxt["card"]["front"] in ("水", "学校", "食べる")
    assert student


def test_decks_never_touch_grades(app, make_user):
    from lms.learning.models import ItemProgress
    student = make_user("student")
    deck_id = deck(app)
    with app.app_context():
        target = db.session.get(Deck, deck_id)
        decks.import_cards(target, ANKI.encode(), "anki.txt")
        user = db.session.merge(student)
        decks.start_deck(user, target)
        decks.review_card(user, target.cards[0], 3)
        assert db.session.query(ItemProgress).count() == 0


def test_dashboard_panel_renders(app, client, login_as):
    student = login_as("student")
    deck_id = deck(app)
    with app.app_context():
        decks.import_cards(db.session.get(Deck, deck_id), ANKI.encode(), "anki.txt")
    client.post(f"/japanese/decks/{deck_id}/study")
    with app.test_request_context():
        from flask import render_template
        from flask_login import login_user

        from lms.auth.models import User
        login_user(db.session.get(User, student.id))
        html = render_template("japanese/_dashboard_panel.html")
    assert "Due today" in html and "3 new" in html and "Streak" in html
