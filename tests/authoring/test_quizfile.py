"""Quiz files, and marking answers: normalise_answer and score_question."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.authoring.packages import normalise_answer, score_question
from tests.authoring.samples import EXPECTED_QUESTIONS, module, problems_of, write


def test_quiz_with_wrong_correct_key(tmp_path: Path) -> None:
    quiz = """\
questions:
  - key: q1
    type: single
    prompt: Pick one
    choices:
      - {key: a, text: A}
      - {key: b, text: B}
    correct: [c]
"""
    items = "  - {key: q, kind: quiz, title: Q, file: quiz.yaml}\n"
    root = write(tmp_path, {"module.yaml": module(items), "quiz.yaml": quiz})
    assert problems_of(root) == [
        ("quiz.yaml", 8, "'correct' names 'c', which is not a choice key (a, b)")
    ]


def test_quiz_file_problems(tmp_path: Path) -> None:
    quiz = """\
questions:
  - {key: q1, type: single, prompt: P, choices: [{key: a, text: A}, {key: b, text: B}], correct: [a, b]}
  - {key: q1, type: essay, prompt: P}
  - {key: q3, type: short, prompt: P, accept: ["。"], choices: []}
  - {key: q4, type: matching, prompt: P, pairs: [{key: p, left: L, right: R}]}
  - {key: q5, type: ordering, prompt: P, items: [{key: a, text: A}, {key: a, text: B}]}
"""
    items = "  - {key: q, kind: quiz, title: Q, file: quiz.yaml}\n"
    root = write(tmp_path, {"module.yaml": module(items), "quiz.yaml": quiz})
    assert [(f, line, m) for f, line, m in problems_of(root)] == [
        ("quiz.yaml", 2, "a 'single' question needs exactly one key in 'correct'; use 'multiple'"),
        ("quiz.yaml", 3, "question key 'q1' is already used on line 2"),
        ("quiz.yaml", 3, "'type' must be one of single, multiple, short, ordering, matching"),
        (
            "quiz.yaml",
            4,
            "'choices' is not a known field here "
            "(fields: key, type, prompt, points, explanation, accept, kana_equivalent, case_sensitive)",
        ),
        ("quiz.yaml", 4, "accepted answer '。' is only punctuation"),
        ("quiz.yaml", 5, "'pairs' needs at least 2 entries"),
        ("quiz.yaml", 6, "key 'a' is already used in 'items' on line 6"),
    ]


@pytest.mark.parametrize(
    ("given", "expected", "kana", "case"),
    [
        ("全角ＡＢＣ", "全角abc", False, False),
        ("ＡＢＣ", "ABC", False, True),
        ("カタカナ", "かたかな", True, False),
        ("カタカナ", "カタカナ", False, False),
        ("ｶﾀｶﾅ", "かたかな", True, False),  # half-width katakana too
        ("ひらがな。", "ひらがな", False, False),
        ("\u3000 Hello,   world!！ ", "hello, world", False, False),
        ("3.5", "3.5", False, False),
    ],
)
def test_normalise_answer(given: str, expected: str, kana: bool, case: bool) -> None:
    assert normalise_answer(given, kana_equivalent=kana, case_sensitive=case) == expected


def test_kana_equivalence_is_opt_in() -> None:
    def same(a: str, b: str, kana: bool) -> bool:
        options = {"kana_equivalent": kana, "case_sensitive": False}
        return normalise_answer(a, **options) == normalise_answer(b, **options)

    assert same("カタカナ", "かたかな", kana=True)
    assert not same("カタカナ", "かたかな", kana=False)
    assert same("ＡＢＣ", "abc", kana=False)


def test_score_every_question_type() -> None:
    single, multiple, short, ordering, matching = EXPECTED_QUESTIONS
    assert score_question(single, "a") == 1.0
    assert score_question(single, ["a"]) == 1.0
    assert score_question(single, "b") == 0.0
    assert score_question(multiple, ["update", "input"]) == 1.0
    assert score_question(multiple, ["input"]) == 0.0
    assert score_question(multiple, ["input", "update", "print"]) == 0.0
    assert score_question(short, "るーぷ。") == 1.0  # kana_equivalent: hiragana accepted
    assert score_question(short, "ﾙｰﾌﾟ") == 1.0
    assert score_question(short, "loop") == 0.0
    assert score_question(short, "  ") == 0.0
    assert score_question(ordering, ["input", "update", "draw"]) == 1.0
    assert score_question(ordering, ["update", "input", "draw"]) == 0.0
    assert score_question(matching, {"unity": "unity", "godot": "godot"}) == 1.0
    assert score_question(matching, {"unity": "unity", "godot": "unity"}) == 0.5
    assert score_question(matching, {}) == 0.0
    assert score_question(multiple, [["input"], {"update": 1}]) == 0.0
    for question in EXPECTED_QUESTIONS:  # a malformed response scores 0, never raises
        assert score_question(question, 42) == 0.0
        assert score_question(question, None) == 0.0


@pytest.mark.parametrize("qtype", ["essay", "", None, ["single"], 1])
def test_score_question_refuses_an_unknown_type(qtype) -> None:
    """A question of a type the scorer does not know is a programming error, not a wrong
    answer: it raises, naming the type, whatever the type's value is."""
    single = dict(EXPECTED_QUESTIONS[0], type=qtype)
    with pytest.raises(ValueError, match=r"^unknown question type "):
        score_question(single, "a")
