"""Item kinds are one module each, listed by hand in lms.authoring.kinds.KINDS. Adding one
is that module plus one line in the list: this test adds a small example kind ("link", an
external web page the learner opens) the way a new kind would be added, and drives it
through the real paths: package import, the player page, the events API and its rule."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask_babel import lazy_gettext as _l
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from lms.authoring import kinds
from lms.authoring import services as authoring
from lms.authoring.kinds.base import ADL_ACTIVITY, ItemKind
from lms.authoring.kinds.fields import KindParts
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.core.errors import PackageError
from lms.core.provenance import LEARNER, VIEWED
from lms.extensions import db
from tests.api.test_learning_api import post_event, token_for
from tests.conftest import login
from tests.factories import make_course

# --- the example kind: what lms/authoring/kinds/link.py would hold -------------------------


def read_link(doc, item, settings):
    url = doc.text(item.require("url"), "url")
    if url is not None and not url.startswith("https://"):
        doc.problem(item.get("url"), "'url' must start with https://")
    settings.reject_unknown((), settings_of="link")
    return KindParts(None, {}, {"url": url})


LINK = ItemKind(
    name="link", label=_l("Web page"), activity_type=ADL_ACTIVITY + "link",
    may={LEARNER: VIEWED},
    rule=_l("A link may be reported as opened or completed, never a score or a pass."),
    fields=("url",), read=read_link, template="learning/items/link.html")
TEMPLATE = '<p><a data-testid="link" href="{{ item.content.url }}">{{ item.title | pick }}</a></p>'

# --- and the one line: KINDS = (..., link.KIND) ------------------------------------------


@pytest.fixture
def with_link_kind(app, monkeypatch):
    monkeypatch.setattr(kinds, "KINDS", (*kinds.KINDS, LINK))
    monkeypatch.setitem(kinds._BY_NAME, "link", LINK)
    app.jinja_env.loader = ChoiceLoader([DictLoader({"learning/items/link.html": TEMPLATE}),
                                         app.jinja_env.loader])
    yield LINK


def link_package(url: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("module.yaml", (
            "format: kakehashi-module/1\nkey: links\ntitle: {en: Links}\nitems:\n"
            f"  - key: spec\n    kind: link\n    title: The spec\n    url: {url}\n"))
    return buffer.getvalue()


def test_a_kind_is_one_module_and_one_line(app, client, make_user, with_link_kind):
    student = make_user("student")
    with app.app_context():
        course = make_course("LNK101")
        authoring.import_package(course, io.BytesIO(link_package(
            "https://www.w3.org/TR/vc-di-eddsa/")), "links.zip")
        catalog.enroll(course, [db.session.merge(student)], source="admin")
        item_id = db.session.scalar(select(Item.id).where(Item.kind == "link"))
    # The player page uses the kind's template and label.
    login(client, student.email)
    page = client.get(f"/learning/items/{item_id}").get_data(as_text=True)
    assert 'href="https://www.w3.org/TR/vc-di-eddsa/"' in page and "Web page" in page
    # The learner may report it completed, never a score: the kind's own rule.
    headers = token_for(client, student)
    done = post_event(client, headers, item_id, {"verb": "completed"})
    assert done.status_code == 201 and done.get_json()["progress"]["completed"] is True
    forged = post_event(client, headers, item_id,
                        {"verb": "scored", "result": {"score": {"scaled": 1.0}}})
    assert forged.status_code == 403
    assert "never a score or a pass" in forged.get_json()["error"]["message"]
    # xAPI names it with the kind's activity type.
    statements = client.get("/api/v1/xapi/statements", headers=headers).get_json()
    assert statements["statements"][0]["object"]["definition"]["type"] == \
        ADL_ACTIVITY + "link"


def test_a_package_naming_an_unlisted_kind_is_refused(app, make_user):
    with app.app_context():
        course = make_course("LNK102")
        with pytest.raises(PackageError) as info:
            authoring.import_package(course, io.BytesIO(link_package("https://example.org")),
                                     "links.zip")
        assert any("'kind' must be one of page, video, asset, quiz, assignment, html5"
                   in p.message for p in info.value.problems)


def test_every_kind_has_a_template_a_label_and_a_rule(app):
    for kind in kinds.KINDS:
        assert app.jinja_env.get_template(kind.template_name) is not None
        assert str(kind.label) and str(kind.rule) and kind.may, kind.name
