"""A review session in Chromium, by keyboard only; due dates follow FSRS. And IME-safe
inputs: Enter that confirms a kana-kanji conversion never submits a form."""

from fsrs import Card, Rating, Scheduler, State
from playwright.sync_api import expect

from lms.extensions import db
from lms.japanese import decks
from lms.japanese.models import CardReview, Deck, DeckStudent, StudyCard
from tests.conftest import PASSWORD

CARDS = "front\tback\treading\n学校\tschool\tがっこう\n水\twater\tみず\n食べる\tto eat\tたべる\n"


def sign_in(page, email):
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_review_by_keyboard_follows_fsrs(page, app, make_user):
    app.config["JAPANESE_FSRS_FUZZING"] = False
    student = make_user("student", email="yui@jdu.example")
    with app.app_context():
        deck = Deck(code="b1", title={"en": "Browser deck"}, kind="vocab", jlpt_level="N5")
        db.session.add(deck)
        db.session.commit()
        decks.import_cards(deck, CARDS.encode(), "cards.tsv")
        db.session.add(DeckStudent(deck_id=deck.id, user_id=student.id))
        db.session.commit()
        deck_id = deck.id

    sign_in(page, "yui@jdu.example")
    page.goto(f"/japanese/review?deck={deck_id}")
    front = page.locator("#card-front")
    back = page.locator("#card-back")

    # Card 1: Space shows the answer, 3 rates it Good.
    expect(front).to_contain_text("学校")
    page.locator("body").focus()
    page.keyboard.press("Space")
    expect(back).to_be_visible()
    expect(page.locator("#reveal-actions")).to_be_hidden()
    expect(page.locator("#card-meaning")).to_have_text("school")
    with page.expect_response(lambda r: "/japanese/review/" in r.url and r.request.method == "POST"):
        page.keyboard.press("3")

    # Card 2: the reading typed in katakana, Enter checks it, 4 rates it Easy.
    expect(front).to_contain_text("水")
    expect(back).to_be_hidden()
    page.locator("#typed").fill("ミズ")
    page.locator("#typed").press("Enter")
    expect(page.locator("#typed-result")).to_have_text("Right.")
    with page.expect_response(lambda r: "/japanese/review/" in r.url and r.request.method == "POST"):
        page.keyboard.press("4")

    # Card 3: F shows furigana on demand, Space, 1 (Again).
    expect(front).to_contain_text("食")
    card = page.locator("#card")
    expect(card).to_have_class("flashcard furigana-off")
    page.keyboard.press("f")
    expect(card).to_have_class("flashcard")
    expect(front.locator("rt")).to_have_text("た")
    page.keyboard.press("Space")
    with page.expect_response(lambda r: "/japanese/review/" in r.url and r.request.method == "POST"):
        page.keyboard.press("1")

    with app.app_context():
        scheduler = Scheduler(enable_fuzzing=False)
        reviews = db.session.scalars(db.select(CardReview).order_by(CardReview.id)).all()
        assert [r.rating for r in reviews] == [3, 4, 1]
        assert reviews[1].typed_answer == "ミズ" and reviews[1].typed_correct is True
        for review in reviews:
            study = db.session.get(StudyCard, review.study_card_id)
            expected, _log = scheduler.review_card(Card(card_id=1, state=State.Learning),
                                                   Rating(review.rating), review.reviewed_at)
            assert study.due == expected.due, (review.rating, study.due, expected.due)
            assert study.state == int(expected.state)
        # Easy on a new card graduates it for days; Again brings it back within minutes.
        easy = db.session.get(StudyCard, reviews[1].study_card_id)
        again = db.session.get(StudyCard, reviews[2].study_card_id)
        assert (easy.due - reviews[1].reviewed_at).days >= 1
        assert (again.due - reviews[2].reviewed_at).total_seconds() <= 600


def test_enter_confirming_an_ime_conversion_does_not_submit(page, app, make_user):
    make_user("admin", email="admin@jdu.example")
    sign_in(page, "admin@jdu.example")
    page.goto("/japanese/overrides")
    surface = page.get_by_label("Word as written")
    page.get_by_label("Reading (kana)").fill("うわて")
    surface.focus()
    # A conversion in progress: compositionstart, the IME's Enter (isComposing, keyCode 229)
    # and compositionend, as a Japanese keyboard sends them.
    submitted = page.evaluate("""() => {
        const input = document.activeElement;
        let submits = 0;
        const count = (e) => { submits += 1; e.preventDefault(); };
        input.form.addEventListener('submit', count);
        input.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true, data: ''}));
        input.value = '上手';
        const enter = new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 229,
            isComposing: true, bubbles: true, cancelable: true});
        const allowed = input.dispatchEvent(enter);
        input.dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: '上手'}));
        input.form.removeEventListener('submit', count);
        return {submits, prevented: !allowed};
    }""")
    assert submitted == {"submits": 0, "prevented": True}

    # A real composition through Chromium's IME API, confirmed with a real Enter key.
    cdp = page.context.new_cdp_session(page)
    surface.fill("")
    surface.focus()
    cdp.send("Input.imeSetComposition", {"text": "じょうず", "selectionStart": 4,
                                         "selectionEnd": 4})
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.url.endswith("/japanese/overrides")
    expect(page.get_by_text("now reads")).to_have_count(0)  # nothing was saved
    cdp.send("Input.insertText", {"text": "上手"})
    expect(surface).to_have_value("上手")

    # Outside a composition, Enter submits as usual.
    surface.press("Enter")
    expect(page.get_by_text("Saved: 上手 now reads うわて everywhere.")).to_be_visible()
