"""Sample packages and helpers shared by the package-format tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.authoring.packages import parse_native
from lms.core.errors import PackageError

MODULE_YAML = """\
format: kakehashi-module/1
key: gd-fundamentals-01
title: {en: The game loop, ja: ゲームループ, uz: "O'yin tsikli"}
description: Frames, updates and drawing.
jlpt_level: N5
items:
  - key: what-is-a-loop
    kind: page
    title: {en: "What is a game loop?", ja: ゲームループとは}
    files: {en: pages/loop.en.md, ja: pages/loop.ja.md}
  - key: loop-video
    kind: video
    title: Watch a loop run
    file: media/loop.mp4
    captions: {en: media/loop.en.vtt}
    weight: 2
    settings: {complete_at: 0.8, poster: media/poster.png}
  - key: sprites
    kind: asset
    title: Sprite sheet
    file: downloads/sprites.blend
    description: {en: Open in Blender 4.}
    required: false
    weight: 0
  - key: loop-quiz
    kind: quiz
    title: Check yourself
    file: quizzes/loop.yaml
    settings: {attempts: 3, time_limit: 600, scoring: last, shuffle: true}
  - key: make-a-loop
    kind: assignment
    title: Make your own loop
    file: briefs/make-a-loop.md
    settings:
      max_files: 2
      allowed_types: [zip, pdf]
      due: 2025-07-31T23:59:00+09:00
      rubric:
        - {key: works, title: It runs, points: 6}
        - {key: clean, title: {en: Clean code, ja: きれいなコード}, points: 4}
  - key: play
    kind: html5
    title: Play the demo
    file: game/index.html
    settings: {width: 1280, height: 720, reports_score: true, pass_score: 70}
"""

QUIZ_YAML = """\
questions:
  - key: q1
    type: single
    prompt: {en: "Which runs every frame?", ja: "毎フレーム実行されるのは？"}
    choices:
      - {key: a, text: update}
      - {key: b, text: load}
    correct: a
    explanation: update runs once per frame.
  - key: q2
    type: multiple
    prompt: Which are phases of the loop?
    points: 2
    choices:
      - {key: input, text: Input}
      - {key: update, text: Update}
      - {key: print, text: Print}
    correct: [input, update]
  - key: q3
    type: short
    prompt: {en: "Write 'loop' in Japanese", ja: "「ループ」と書いてください"}
    accept: [ループ]
    kana_equivalent: true
  - key: q4
    type: ordering
    prompt: Put the steps in order.
    items: [{key: input, text: Input}, {key: update, text: Update}, {key: draw, text: Draw}]
  - key: q5
    type: matching
    prompt: Match the engine to its language.
    pairs:
      - {key: unity, left: Unity, right: "C#"}
      - {key: godot, left: Godot, right: GDScript}
"""

FILES: dict[str, str | bytes] = {
    "pages/loop.en.md": "# The game loop\n",
    "pages/loop.ja.md": "# {ゲーム|げーむ}ループ\n",
    "media/loop.mp4": b"\x00\x00\x00\x18ftypmp42",
    "media/loop.en.vtt": "WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n",
    "media/poster.png": b"\x89PNG\r\n",
    "downloads/sprites.blend": b"BLENDER" * 10,
    "quizzes/loop.yaml": QUIZ_YAML,
    "briefs/make-a-loop.md": "Make a loop that draws a moving square.\n",
    "game/index.html": "<!doctype html><title>demo</title>",
}


EXPECTED_QUESTIONS = [
    {
        "key": "q1",
        "type": "single",
        "prompt": {"en": "Which runs every frame?", "ja": "毎フレーム実行されるのは？"},
        "points": 1.0,
        "explanation": {"en": "update runs once per frame."},
        "choices": [{"key": "a", "text": {"en": "update"}}, {"key": "b", "text": {"en": "load"}}],
        "correct": ["a"],
    },
    {
        "key": "q2",
        "type": "multiple",
        "prompt": {"en": "Which are phases of the loop?"},
        "points": 2.0,
        "explanation": {},
        "choices": [
            {"key": "input", "text": {"en": "Input"}},
            {"key": "update", "text": {"en": "Update"}},
            {"key": "print", "text": {"en": "Print"}},
        ],
        "correct": ["input", "update"],
    },
    {
        "key": "q3",
        "type": "short",
        "prompt": {"en": "Write 'loop' in Japanese", "ja": "「ループ」と書いてください"},
        "points": 1.0,
        "explanation": {},
        "accept": ["ループ"],
        "kana_equivalent": True,
        "case_sensitive": False,
    },
    {
        "key": "q4",
        "type": "ordering",
        "prompt": {"en": "Put the steps in order."},
        "points": 1.0,
        "explanation": {},
        "items": [
            {"key": "input", "text": {"en": "Input"}},
            {"key": "update", "text": {"en": "Update"}},
            {"key": "draw", "text": {"en": "Draw"}},
        ],
    },
    {
        "key": "q5",
        "type": "matching",
        "prompt": {"en": "Match the engine to its language."},
        "points": 1.0,
        "explanation": {},
        "pairs": [
            {"key": "unity", "left": {"en": "Unity"}, "right": {"en": "C#"}},
            {"key": "godot", "left": {"en": "Godot"}, "right": {"en": "GDScript"}},
        ],
    },
]


COURSE_YAML = """\
format: kakehashi-course/1
code: GD101
title: {en: Game development basics, ja: ゲーム開発の基礎, uz: O'yin ishlab chiqish asoslari}
description: {en: Loops and sprites.}
provider: TUT
language: en
hours: 90
credits: {JDU: 3, TUT: 2}
track: game-development
jlpt_level: N4
self_enroll: true
instructors: [tanaka@tut.example.jp]
modules: [01-game-loop, 02-sprites]
"""


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def problems_of(root: Path, parse=parse_native) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(PackageError) as caught:
        parse(root)
    return [(p.file, p.line, p.message) for p in caught.value.problems]


def module(items_yaml: str) -> str:
    return f"format: kakehashi-module/1\nkey: m\ntitle: M\nitems:\n{items_yaml}"
