"""module.yaml and quiz files from a grammar of plausible-but-broken structures: wrong
types, missing and unknown keys, huge numbers, deep nesting, unicode keys, shared values
(written as YAML anchors and aliases), and text edits that break the syntax. Every one
ends in a ParsedModule or a PackageError with a message for each problem, in time."""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from lms.authoring.packages import parse_package
from lms.authoring.parsed import ParsedModule
from lms.core.errors import PackageError
from tests.fuzz.conftest import assert_clear_rejection, fuzz_settings, outcome

pytestmark = pytest.mark.usefixtures("request_context")

FILES = {
    "pages/a.md": "# Page\n\nText with 漢字.\n",
    "pages/b.ja.md": "# ページ\n",
    "media/v.webm": b"\x1aE\xdf\xa3" + b"\0" * 32,
    "media/v.en.vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n",
    "media/bad.vtt": "1\n00:00:00,000 --> 00:00:01,000\nnot webvtt\n",
    "media/poster.png": b"\x89PNG\r\n\x1a\n",
    "downloads/sheet.pdf": b"%PDF-1.4\n",
    "game/index.html": "<!doctype html><title>g</title>",
    "bad-utf8.md": b"\xff\xfe\xfa not utf-8",
}
PATHS = [*FILES, "quiz.yaml", "missing.md", "../outside.md", "/etc/passwd", "C:/x.md",
         "pages\\a.md", "pages/../../a.md", "pages", "./pages/a.md", "読み物.md", ""]
KINDS = ["page", "video", "asset", "quiz", "assignment", "html5", "scorm", "Page", ""]
LANGS = ["en", "ja", "uz", "ru", "fr", "EN", "日本"]
MODULE_KEYS = ["format", "key", "title", "description", "jlpt_level", "items"]
ITEM_KEYS = ["key", "kind", "title", "required", "weight", "settings", "file", "files",
             "captions", "description"]
SETTING_KEYS = ["complete_at", "poster", "attempts", "time_limit", "pass_score", "feedback",
                "scoring", "shuffle", "max_files", "max_file_mb", "allowed_types", "due",
                "due_days", "rubric", "width", "height", "reports_score"]
QUESTION_KEYS = ["key", "type", "prompt", "points", "explanation", "choices", "correct",
                 "accept", "kana_equivalent", "case_sensitive", "items", "pairs"]
QUESTION_TYPES = ["single", "multiple", "short", "ordering", "matching", "essay"]

numbers = st.one_of(
    st.integers(-5, 200), st.integers(min_value=10**18, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 0.5, 1, 1e308, -0.0]))
words = st.one_of(
    st.text(max_size=12), st.sampled_from(["ok-key", "Bad Key", "ā", "漢字", "", " ", "yes",
                                           "null", "~", "2025-07-31T23:59:00+09:00",
                                           "2025-13-45", "N5", "N9", "immediate", "best"]))
scalars = st.one_of(st.none(), st.booleans(), numbers, words, st.sampled_from(PATHS),
                    st.sampled_from(KINDS))
odd_keys = st.one_of(st.text(min_size=1, max_size=8), st.integers(-3, 3), st.booleans())


def anything(max_leaves: int = 12):
    """Any YAML value: scalars, lists and mappings nested a few levels."""
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4)
        | st.dictionaries(st.one_of(odd_keys, st.sampled_from(ITEM_KEYS)), inner, max_size=4),
        max_leaves=max_leaves)


def field_or_wrong(value):
    """Mostly a plausible value, sometimes something of another type."""
    return st.one_of(value, value, anything(6))


def lang_text():
    return st.one_of(words, st.dictionaries(st.sampled_from(LANGS), words, max_size=3))


@st.composite
def mapping(draw, keys: list[str], values: dict) -> dict:
    """Some of ``keys`` (each value plausible or wrong), maybe an unknown or odd key."""
    result = {}
    for key in draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys))):
        result[key] = draw(field_or_wrong(values.get(key, anything(4))))
    if draw(st.integers(0, 4)) == 0:
        result[draw(odd_keys)] = draw(anything(3))
    return result


SETTING_VALUES = {
    "complete_at": numbers, "attempts": numbers, "time_limit": numbers, "pass_score": numbers,
    "max_files": numbers, "max_file_mb": numbers, "width": numbers, "height": numbers,
    "due_days": numbers, "poster": st.sampled_from(PATHS), "due": words,
    "feedback": st.sampled_from(["immediate", "deferred", "never"]),
    "scoring": st.sampled_from(["best", "last", "average", "worst"]),
    "shuffle": st.booleans(), "reports_score": st.booleans(),
    "allowed_types": st.lists(st.sampled_from(["pdf", "png", "PDF", ".zip", "", "x" * 20]),
                              max_size=3),
    "rubric": st.lists(mapping(["key", "title", "points"],
                               {"key": words, "title": lang_text(), "points": numbers}),
                       max_size=3),
}
ITEM_VALUES = {
    "key": words, "kind": st.sampled_from(KINDS), "title": lang_text(),
    "required": st.one_of(st.booleans(), words), "weight": numbers,
    "file": st.sampled_from(PATHS),
    "files": st.dictionaries(st.sampled_from(LANGS), st.sampled_from(PATHS), max_size=3),
    "captions": st.dictionaries(st.sampled_from(LANGS), st.sampled_from(PATHS), max_size=2),
    "description": lang_text(), "settings": mapping(SETTING_KEYS, SETTING_VALUES),
}
ENTRY_VALUES = {"key": words, "text": lang_text(), "left": lang_text(), "right": lang_text()}
QUESTION_VALUES = {
    "key": words, "type": st.sampled_from(QUESTION_TYPES), "prompt": lang_text(),
    "points": numbers, "explanation": lang_text(),
    "choices": st.lists(mapping(["key", "text"], ENTRY_VALUES), max_size=4),
    "items": st.lists(mapping(["key", "text"], ENTRY_VALUES), max_size=4),
    "pairs": st.lists(mapping(["key", "left", "right"], ENTRY_VALUES), max_size=3),
    "correct": st.one_of(words, st.lists(words, max_size=3)),
    "accept": st.one_of(words, st.lists(words, max_size=3)),
    "kana_equivalent": st.booleans(), "case_sensitive": st.booleans(),
}
MODULE_VALUES = {
    "format": st.sampled_from(["kakehashi-module/1", "kakehashi-module/2", "module"]),
    "key": words, "title": lang_text(), "description": lang_text(),
    "jlpt_level": st.sampled_from(["N5", "N1", "N0", "n5"]),
    "items": st.lists(mapping(ITEM_KEYS, ITEM_VALUES), max_size=5),
}


@st.composite
def nested(draw, value):
    """``value`` wrapped in lists or mappings, sometimes very deeply."""
    depth = draw(st.sampled_from([1, 2, 5, 40, 400]))
    for _ in range(depth):
        value = [value] if draw(st.booleans()) else {"k": value}
    return value


@st.composite
def with_shared_values(draw, doc):
    """Put one value in several places: yaml.dump writes it once (&anchor) and then as
    aliases (*anchor), so the readers meet the same nodes many times."""
    if not isinstance(doc, dict) or not draw(st.booleans()):
        return doc
    shared = draw(anything(6))
    for key in draw(st.lists(st.sampled_from(MODULE_KEYS + ["items"]), max_size=3)):
        doc[key] = shared
    items = doc.get("items")
    if isinstance(items, list) and items:
        doc["items"] = items * draw(st.integers(1, 30))  # the same mapping, many aliases
    return doc


def dump(doc, flow) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, default_flow_style=flow, sort_keys=False,
                          width=80)


EDITS = ["", ":", "- ", "&a ", "*a", "*nope", "!!python/object:os.system ", "{", "]", "\t",
         "'", '"', "? ", "<<: *a", "%YAML 1.1\n", "---\n", "...\n", "\x00", "\ufeff", "|\n",
         "!!binary ", "@", "`", "#", "\n  ", "漢"]


@st.composite
def edited(draw, text: str) -> str:
    """The YAML text with a few edits at random places: most break the syntax."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(EDITS)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
    return text


@st.composite
def yaml_text(draw, values: dict, keys: list[str]) -> str:
    doc = draw(st.one_of(
        mapping(keys, values).flatmap(with_shared_values),
        anything(8),
        mapping(keys, values).flatmap(nested)))
    text = dump(doc, draw(st.sampled_from([None, True, False])))
    return draw(edited(text)) if draw(st.booleans()) else text


def module_documents():
    return yaml_text(MODULE_VALUES, MODULE_KEYS)


@st.composite
def quiz_documents(draw) -> str:
    questions = draw(st.lists(st.builds(dict, mapping(QUESTION_KEYS, QUESTION_VALUES)),
                              max_size=4))
    doc = draw(st.sampled_from(["questions", "list", "extra"]))
    body = {"questions": questions} if doc == "questions" else questions if doc == "list" \
        else {"questions": questions, "title": "x"}
    text = dump(body, draw(st.sampled_from([None, True])))
    return draw(edited(text)) if draw(st.booleans()) else text


QUIZ_MODULE = """\
format: kakehashi-module/1
key: fuzz
title: Fuzz
items:
  - {key: q, kind: quiz, title: Quiz, file: quiz.yaml}
"""


def write_package(root: Path, module_yaml: str | bytes, quiz_yaml: str | bytes) -> None:
    for name, data in {**FILES, "module.yaml": module_yaml, "quiz.yaml": quiz_yaml}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "replace"))


def parse_or_reject(root: Path) -> ParsedModule | None:
    try:
        parsed = parse_package(root)
    except PackageError as exc:
        assert_clear_rejection(exc)
        outcome("rejected")
        return None
    outcome("parsed")
    assert isinstance(parsed, ParsedModule) and parsed.items
    assert all(isinstance(item.title, dict) and item.title.get("en") for item in parsed.items)
    assert all(math.isfinite(item.weight) for item in parsed.items)
    return parsed


@fuzz_settings(250)
@given(module_yaml=module_documents(), quiz_yaml=quiz_documents())
def test_module_yaml_parses_or_is_rejected_clearly(module_yaml, quiz_yaml):
    with tempfile.TemporaryDirectory() as folder:
        write_package(Path(folder), module_yaml, quiz_yaml)
        parse_or_reject(Path(folder))


@fuzz_settings(250)
@given(quiz_yaml=quiz_documents())
def test_quiz_files_parse_or_are_rejected_clearly(quiz_yaml):
    with tempfile.TemporaryDirectory() as folder:
        write_package(Path(folder), QUIZ_MODULE, quiz_yaml)
        parsed = parse_or_reject(Path(folder))
        if parsed is not None:
            for question in parsed.items[0].content["questions"]:
                assert question["key"] and question["type"] and question["points"] > 0


@fuzz_settings(150)
@given(raw=st.binary(max_size=400))
def test_random_bytes_as_module_yaml_are_rejected_clearly(raw):
    with tempfile.TemporaryDirectory() as folder:
        write_package(Path(folder), raw, raw)
        parse_or_reject(Path(folder))


def laughs(levels: int, width: int = 10) -> str:
    """The billion-laughs document: each level lists the one before ``width`` times."""
    lines = ["format: kakehashi-module/1", "key: lol", "title: LOL", 'l0: &l0 "lol"']
    for n in range(1, levels + 1):
        lines.append(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * width) + "]")
    lines.append(f"items: *l{levels}")
    return "\n".join(lines) + "\n"


def aliased_items(count: int) -> str:
    """Items that all alias one assignment whose rubric aliases one criterion ``count``
    times: small text, count² criteria for a reader that follows the aliases."""
    return "\n".join([
        "format: kakehashi-module/1", "key: m", "title: T",
        "x-crit: &c {key: k, title: t, points: 1}",
        "x-rubric: &r [" + ", ".join(["*c"] * count) + "]",
        "x-item: &i {key: a, kind: assignment, title: t, settings: {rubric: *r}}",
        "items: [" + ", ".join(["*i"] * count) + "]"]) + "\n"


@pytest.mark.parametrize("text", [laughs(9), laughs(30, 2), aliased_items(3000),
                                  "format: &a [*a]\nitems: &b {x: *b}\n"],
                         ids=["billion-laughs", "deep-doubling", "aliased-rubrics", "cycles"])
def test_alias_bombs_are_refused_quickly(text, tmp_path):
    write_package(tmp_path, text, "questions: []\n")
    started = time.monotonic()
    with pytest.raises(PackageError) as caught:
        parse_package(tmp_path)
    assert time.monotonic() - started < 1.0
    assert_clear_rejection(caught.value)
    messages = " ".join(p.message for p in caught.value.problems)
    assert "aliases" in messages or "must" in messages
    assert len(caught.value.problems) < 50


@pytest.mark.parametrize("text", ["[" * 3000 + "]" * 3000, "a:\n" + "".join(
    "  " * n + f"k{n}:\n" for n in range(1, 600)) + "  " * 600 + "v\n"],
    ids=["flow", "block"])
def test_deep_nesting_is_refused(text, tmp_path):
    write_package(tmp_path, text, "questions: []\n")
    with pytest.raises(PackageError) as caught:
        parse_package(tmp_path)
    assert_clear_rejection(caught.value)
    assert "nested too deeply" in caught.value.problems[0].message


def test_reasonable_aliases_still_work(tmp_path):
    """Anchors stay usable for what people write them for: one rubric used twice."""
    text = ("format: kakehashi-module/1\nkey: m\ntitle: T\nitems:\n"
            "  - {key: a, kind: assignment, title: A, settings: {rubric: &r [{key: k, "
            "title: Works, points: 5}]}}\n"
            "  - {key: b, kind: assignment, title: B, settings: {rubric: *r}}\n")
    write_package(tmp_path, text, "questions: []\n")
    parsed = parse_package(tmp_path)
    assert [i.content["rubric"][0]["key"] for i in parsed.items] == ["k", "k"]
