"""An html5 build reports a score and completion with postMessage from its sandboxed
frame (docs/package-format.md); the player stores them and the course page shows them."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import User
from lms.authoring.models import Item
from lms.authoring.services import import_package
from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning.models import ItemProgress
from tests.conftest import PASSWORD
from tests.factories import make_course

MODULE_YAML = """\
format: kakehashi-module/1
key: tiny-game
title: {en: Tiny game}
items:
  - key: game
    kind: html5
    title: Catch the stars
    file: game/index.html
    settings: {reports_score: true, pass_score: 60}
"""
# A build that reports as the documentation says, after one message the player must
# ignore (a score out of range).
GAME_HTML = """<!doctype html><meta charset=utf-8><title>Catch the stars</title>
<button id=finish>Finish</button>
<script>
document.getElementById("finish").addEventListener("click", function () {
  window.parent.postMessage({kakehashi: 1, type: "score", score: 1000}, "*");
  window.parent.postMessage({kakehashi: 1, type: "score", score: 85}, "*");
  window.parent.postMessage({kakehashi: 1, type: "complete"}, "*");
  document.body.append("sent");
});
</script>"""


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("module.yaml", MODULE_YAML)
        archive.writestr("game/index.html", GAME_HTML)
    return buffer.getvalue()


@pytest.mark.browser
def test_html5_build_reports_score_and_completion(page, app, make_user):
    student = make_user("student")
    with app.app_context():
        course = make_course("H5201")
        catalog.enroll(course, [db.session.get(User, student.id)], source="admin")
        import_package(course, io.BytesIO(package()), "game.zip")
        item_id = db.session.scalars(select(Item.id).where(Item.kind == "html5")).one()
        code = course.code

    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(student.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/learning/")
    page.goto(f"/learning/items/{item_id}")
    game = page.frame_locator("iframe.content-frame")
    game.get_by_role("button", name="Finish").click()
    expect(game.locator("body")).to_contain_text("sent")
    host = page.locator("[data-content-host]")
    expect(host).to_have_attribute("data-saved", "complete")
    expect(page.locator("[data-status-line]")).to_have_text("Passed — score 85.0")
    expect(page.get_by_test_id("item-status")).to_have_text("Passed")

    # The platform page's own window is not the content frame: its messages are ignored.
    page.evaluate("window.postMessage({kakehashi: 1, type: 'score', score: 100}, '*')")
    page.wait_for_timeout(300)
    with app.app_context():
        row = db.session.scalars(select(ItemProgress)).one()
        assert (row.completed, row.passed, row.best_score) == (True, True, 85.0)

    page.goto(f"/learning/courses/{code}")
    item = page.locator("li.item", has_text="Catch the stars")
    expect(item.locator(".status-text")).to_have_text("Passed")
    expect(item).to_contain_text("score 85.0")
