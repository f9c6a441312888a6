"""Quiz files of native packages: their questions, and how answers are scored.

``parse_quiz_file`` turns a quiz YAML file into plain question dicts (the ``questions`` of
a quiz item's content). ``normalise_answer`` and ``score_question`` are what the learning
feature calls to mark a learner's response against one of those dicts.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from yaml.nodes import Node, ScalarNode

from lms.authoring.yamlcheck import Fields, YamlFile, line_of
from lms.core.errors import Problem

QUESTION_TYPES = ("single", "multiple", "short", "ordering", "matching")
_COMMON_FIELDS = ("key", "type", "prompt", "points", "explanation")
_TYPE_FIELDS = {
    "single": ("choices", "correct"),
    "multiple": ("choices", "correct"),
    "short": ("accept", "kana_equivalent", "case_sensitive"),
    "ordering": ("items",),
    "matching": ("pairs",),
}
# Spaces (U+3000 included) and sentence punctuation that learners add or leave out at the
# ends of an answer; full-width forms are already folded to these by NFKC.
_EDGES_RE = re.compile(r"^[\s。、.,!?;:・]+|[\s。、.,!?;:・]+$")
_SPACES_RE = re.compile(r"\s+")
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)} | {
    0x30FD: 0x309D,  # ヽ -> ゝ
    0x30FE: 0x309E,  # ヾ -> ゞ
}


def parse_quiz_file(root: Path, name: str, problems: list[Problem]) -> list[dict[str, Any]]:
    """Parse the quiz file ``name`` (relative to ``root``); append problems to ``problems``.

    Each question dict always has ``key``, ``type``, ``prompt`` (language dict), ``points``
    (float > 0) and ``explanation`` (language dict, maybe empty), plus by type:
    single/multiple ``choices`` [{key, text}] and ``correct`` [choice keys]; short
    ``accept`` [texts], ``kana_equivalent`` and ``case_sensitive``; ordering ``items``
    [{key, text}] in the correct order; matching ``pairs`` [{key, left, right}].
    The result is only meaningful if no problem was added.
    """
    doc = YamlFile(root, name, problems)
    top = doc.load()
    if top is None:
        return []
    fields = doc.fields(top, name)
    fields.reject_unknown(("questions",))
    seen: dict[str, int] = {}
    questions = []
    for node in doc.seq(fields.require("questions"), "questions", min_items=1):
        question = _question(doc, node, seen)
        if question is not None:
            questions.append(question)
    return questions


def normalise_answer(text: str, *, kana_equivalent: bool, case_sensitive: bool) -> str:
    """The form in which short answers are compared.

    NFKC (full-width ＡＢＣ and half-width ｶﾅ become ABC and カナ), spaces (U+3000 too) and
    punctuation such as 。、.!? trimmed from both ends, inner spaces collapsed to one,
    case folded unless ``case_sensitive``, katakana turned into hiragana if
    ``kana_equivalent``.
    """
    value = unicodedata.normalize("NFKC", text)
    value = _SPACES_RE.sub(" ", _EDGES_RE.sub("", value))
    if not case_sensitive:
        value = value.casefold()
    if kana_equivalent:
        value = value.translate(_KATAKANA_TO_HIRAGANA)
    return value


def score_question(question: dict[str, Any], response: Any) -> float:
    """The fraction (0.0-1.0) of the question's points that ``response`` earns.

    Responses: single, a choice key (or a one-key list); multiple, a list of choice keys
    (right only if exactly the correct set); short, the typed text; ordering, the item keys
    in the learner's order (right only if exactly the listed order); matching, a dict of
    pair key -> the pair key whose right side the learner chose (a fraction of pairs).
    A response of the wrong shape scores 0; it never raises for bad input.
    """
    qtype = question["type"]
    # Only strings are looked up, so an odd type (a list) is refused like an unknown one.
    scorer = _SCORERS.get(qtype) if isinstance(qtype, str) else None
    if scorer is None:
        raise ValueError(f"unknown question type {qtype!r}")
    return scorer(question, response)


def _score_single(question: dict[str, Any], response: Any) -> float:
    if isinstance(response, list | tuple) and len(response) == 1:
        response = response[0]
    return 1.0 if isinstance(response, str) and response == question["correct"][0] else 0.0


def _score_multiple(question: dict[str, Any], response: Any) -> float:
    if not isinstance(response, list | tuple | set | frozenset):
        return 0.0
    if not all(isinstance(key, str) for key in response):
        return 0.0
    return 1.0 if set(response) == set(question["correct"]) else 0.0


def _score_short(question: dict[str, Any], response: Any) -> float:
    if not isinstance(response, str):
        return 0.0
    options = {
        "kana_equivalent": question["kana_equivalent"],
        "case_sensitive": question["case_sensitive"],
    }
    given = normalise_answer(response, **options)
    accepted = {normalise_answer(answer, **options) for answer in question["accept"]}
    return 1.0 if given and given in accepted else 0.0


def _score_ordering(question: dict[str, Any], response: Any) -> float:
    if not isinstance(response, list | tuple):
        return 0.0
    return 1.0 if list(response) == [item["key"] for item in question["items"]] else 0.0


def _score_matching(question: dict[str, Any], response: Any) -> float:
    if not isinstance(response, dict):
        return 0.0
    pairs = question["pairs"]
    right = sum(1 for pair in pairs if response.get(pair["key"]) == pair["key"])
    return right / len(pairs)


_SCORERS = {
    "single": _score_single,
    "multiple": _score_multiple,
    "short": _score_short,
    "ordering": _score_ordering,
    "matching": _score_matching,
}


def _question(doc: YamlFile, node: Node, seen: dict[str, int]) -> dict[str, Any] | None:
    fields = doc.fields(node, "question")
    if fields.node is None:
        return None
    key = doc.key(fields.require("key"), "key")
    if key is not None and key in seen:
        doc.problem(
            node,
            _("question key '%(key)s' is already used on line %(line)d", key=key, line=seen[key]),
        )
    elif key is not None:
        seen[key] = line_of(node)
    qtype = doc.choice(fields.require("type"), "type", QUESTION_TYPES)
    points = doc.number(fields.get("points"), "points", 1, lo=0, lo_open=True)
    question: dict[str, Any] = {
        "key": key,
        "type": qtype,
        "prompt": doc.lang_text(fields.require("prompt"), "prompt"),
        "points": None if points is None else float(points),
        "explanation": doc.lang_text(fields.get("explanation"), "explanation", {}),
    }
    if qtype is None:
        return None
    fields.reject_unknown(_COMMON_FIELDS + _TYPE_FIELDS[qtype])
    if qtype in ("single", "multiple"):
        question["choices"] = _keyed_entries(doc, fields.require("choices"), "choices", ("text",))
        question["correct"] = _correct_keys(doc, fields, qtype, question["choices"])
    elif qtype == "short":
        question.update(_short_answer(doc, fields))
    elif qtype == "ordering":
        question["items"] = _keyed_entries(doc, fields.require("items"), "items", ("text",))
    else:
        pairs = _keyed_entries(doc, fields.require("pairs"), "pairs", ("left", "right"))
        question["pairs"] = pairs
    return question


def _keyed_entries(
    doc: YamlFile, node: Node | None, label: str, text_fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    """A list of at least two ``{key, <text fields>}`` mappings with unique keys."""
    entries = []
    seen: dict[str, int] = {}
    for entry_node in doc.seq(node, label, min_items=2):
        fields = doc.fields(entry_node, label)
        if fields.node is None:
            continue
        key = doc.key(fields.require("key"), "key")
        if key is not None and key in seen:
            doc.problem(
                entry_node,
                _(
                    "key '%(key)s' is already used in '%(label)s' on line %(line)d",
                    key=key,
                    label=label,
                    line=seen[key],
                ),
            )
        elif key is not None:
            seen[key] = line_of(entry_node)
        entry: dict[str, Any] = {"key": key}
        for name in text_fields:
            entry[name] = doc.lang_text(fields.require(name), name)
        fields.reject_unknown(("key", *text_fields))
        entries.append(entry)
    return entries


def _correct_keys(doc: YamlFile, fields: Fields, qtype: str, choices: list[dict]) -> list[str]:
    node = fields.require("correct")
    if node is None:
        return []
    choice_keys = [choice["key"] for choice in choices if choice["key"]]
    keys: list[str] = []
    for key_node in _one_or_many(doc, node, "correct"):
        key = doc.text(key_node, "correct")
        if key is not None and key not in choice_keys:
            doc.problem(
                key_node,
                _(
                    "'correct' names '%(key)s', which is not a choice key (%(keys)s)",
                    key=key,
                    keys=", ".join(choice_keys),
                ),
            )
        elif key is not None and key not in keys:
            keys.append(key)
    if qtype == "single" and len(keys) > 1:
        doc.problem(
            node, _("a 'single' question needs exactly one key in 'correct'; use 'multiple'")
        )
    return keys


def _short_answer(doc: YamlFile, fields: Fields) -> dict[str, Any]:
    kana = doc.flag(fields.get("kana_equivalent"), "kana_equivalent", False)
    case = doc.flag(fields.get("case_sensitive"), "case_sensitive", False)
    accept: list[str] = []
    for node in _one_or_many(doc, fields.require("accept"), "accept"):
        answer = doc.text(node, "accept")
        if answer is None:
            continue
        if not normalise_answer(answer, kana_equivalent=bool(kana), case_sensitive=bool(case)):
            doc.problem(node, _("accepted answer '%(answer)s' is only punctuation", answer=answer))
        accept.append(answer)
    return {"accept": accept, "kana_equivalent": kana, "case_sensitive": case}


def _one_or_many(doc: YamlFile, node: Node | None, label: str) -> list[Node]:
    """A scalar stands for a one-item list."""
    if isinstance(node, ScalarNode):
        return [node]
    return doc.seq(node, label, min_items=1)
