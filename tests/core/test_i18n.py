"""Every shipped string is translated into Japanese and Uzbek; locale selection works."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "lms" / "translations"
REQUIRED = ("ja", "uz")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    method_map = [("lms/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    # Only hidden folders are skipped: Babel's default filter also skips "_" folders, which
    # hid templates/_macros/ (kind labels, problem tables) from this test and the catalogue.
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, keywords=KEYWORDS,
        directory_filter=lambda path: not Path(path).name.startswith("."),
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(lang: str):
    with Path(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", REQUIRED)
def test_every_string_is_translated(lang):
    messages = source_messages()
    assert len(messages) > 100
    cat = catalog(lang)
    problems = []
    for msgid in sorted(messages):
        entry = cat.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif not (entry.string if isinstance(entry.string, str) else all(entry.string)):
            problems.append(f"untranslated: {msgid!r}")
    assert not problems, f"{len(problems)} problem(s) in {lang}:\n" + "\n".join(problems[:50])


@pytest.mark.parametrize("lang", ("ja", "uz", "ru"))
def test_placeholders_survive_translation(lang):
    import re

    cat = catalog(lang)
    pattern = re.compile(r"%\((\w+)\)[sd]")
    for entry in cat:
        if entry.id and isinstance(entry.string, str) and entry.string:
            assert set(pattern.findall(entry.id)) == set(pattern.findall(entry.string)), entry.id


def test_accept_language_picks_japanese(client):
    html = client.get("/auth/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(
        as_text=True)
    assert '<html lang="ja">' in html and "ログイン" in html


def test_user_setting_wins_over_browser(client, login_as):
    login_as("student", locale="uz")
    html = client.get("/learning/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert '<html lang="uz">' in html


def test_switcher_changes_language_and_returns(client, login_as):
    login_as("student")
    response = client.post("/auth/language", data={"lang": "ja", "next": "/auth/profile"})
    assert response.headers["Location"] == "/auth/profile"
    assert '<html lang="ja">' in client.get("/auth/profile").get_data(as_text=True)


def test_switcher_works_signed_out_and_refuses_unknown(client):
    client.post("/auth/language", data={"lang": "uz", "next": "/auth/login"})
    assert '<html lang="uz">' in client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/language", data={"lang": "xx", "next": "https://evil.example"})
    assert response.headers["Location"] == "/learning/"
