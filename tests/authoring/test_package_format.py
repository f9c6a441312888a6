"""The native package format: module.yaml and everything it names, and course.yaml."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from lms.authoring.packages import (
    ParsedCourse,
    find_package_root,
    parse_course,
    parse_native,
    parse_package,
)
from lms.authoring.parsed import ParsedItem, ParsedModule
from lms.core.errors import PackageError
from tests.authoring.samples import (
    COURSE_YAML,
    EXPECTED_QUESTIONS,
    FILES,
    MODULE_YAML,
    module,
    problems_of,
    write,
)


def test_complete_package_parses(tmp_path: Path) -> None:
    root = write(tmp_path, {"module.yaml": MODULE_YAML, **FILES})
    assert parse_package(root) == ParsedModule(
        format="native",
        key="gd-fundamentals-01",
        title={"en": "The game loop", "ja": "ゲームループ", "uz": "O'yin tsikli"},
        description={"en": "Frames, updates and drawing."},
        jlpt_level="N5",
        items=[
            ParsedItem(
                key="what-is-a-loop",
                kind="page",
                title={"en": "What is a game loop?", "ja": "ゲームループとは"},
                entry="pages/loop.en.md",
                content={
                    "markdown": {"en": "# The game loop\n", "ja": "# {ゲーム|げーむ}ループ\n"}
                },
                line=7,
            ),
            ParsedItem(
                key="loop-video",
                kind="video",
                title={"en": "Watch a loop run"},
                weight=2.0,
                settings={"complete_at": 0.8, "poster": "media/poster.png"},
                entry="media/loop.mp4",
                content={"captions": {"en": "media/loop.en.vtt"}},
                line=11,
            ),
            ParsedItem(
                key="sprites",
                kind="asset",
                title={"en": "Sprite sheet"},
                required=False,
                weight=0.0,
                entry="downloads/sprites.blend",
                content={"size": 70, "description": {"en": "Open in Blender 4."}},
                line=18,
            ),
            ParsedItem(
                key="loop-quiz",
                kind="quiz",
                title={"en": "Check yourself"},
                settings={
                    "attempts": 3,
                    "time_limit": 600,
                    "pass_score": 60,
                    "feedback": "immediate",
                    "scoring": "last",
                    "shuffle": True,
                },
                entry="quizzes/loop.yaml",
                content={"questions": EXPECTED_QUESTIONS},
                line=25,
            ),
            ParsedItem(
                key="make-a-loop",
                kind="assignment",
                title={"en": "Make your own loop"},
                settings={
                    "max_files": 2,
                    "max_file_mb": 50,
                    "allowed_types": ["zip", "pdf"],
                    "due": "2025-07-31T23:59:00+09:00",
                    "due_days": None,
                    "pass_score": 60,
                },
                entry="briefs/make-a-loop.md",
                content={
                    "markdown": {"en": "Make a loop that draws a moving square.\n"},
                    "rubric": [
                        {"key": "works", "title": {"en": "It runs"}, "points": 6.0},
                        {
                            "key": "clean",
                            "title": {"en": "Clean code", "ja": "きれいなコード"},
                            "points": 4.0,
                        },
                    ],
                },
                line=30,
            ),
            ParsedItem(
                key="play",
                kind="html5",
                title={"en": "Play the demo"},
                settings={"width": 1280, "height": 720, "reports_score": True, "pass_score": 70},
                entry="game/index.html",
                line=41,
            ),
        ],
    )


def test_broken_manifest_reports_every_problem_with_file_and_line(tmp_path: Path) -> None:
    manifest = """\
format: kakehashi-module/2
key: Bad Key
title: {en: Broken, fr: Cassé}
items:
  - key: intro
    kind: vid
    title: Intro
  - key: intro
    kind: page
    title: Again
    file: pages/missing.md
  - key: quiz
    kind: quiz
    title: Quiz
    file: quiz.yaml
    settings: {pass_score: 150, feedbak: deferred}
    requried: false
"""
    quiz = "questions:\n  - {key: q, type: short, prompt: P, accept: [x]}\n"
    root = write(tmp_path, {"module.yaml": manifest, "quiz.yaml": quiz})
    problems = problems_of(root)
    assert [(file, line) for file, line, _ in problems] == [
        ("module.yaml", 1),
        ("module.yaml", 2),
        ("module.yaml", 3),
        ("module.yaml", 6),
        ("module.yaml", 8),
        ("module.yaml", 11),
        ("module.yaml", 16),
        ("module.yaml", 16),
        ("module.yaml", 17),
    ]
    messages = [message for _, _, message in problems]
    assert messages[0] == "'format' must be kakehashi-module/1 (got 'kakehashi-module/2')"
    assert messages[1].startswith("'key' must be 1-64 lowercase letters")
    assert messages[2] == "'title' has unknown language 'fr'; use en, ja, uz, ru"
    assert messages[3] == "'kind' must be one of page, video, asset, quiz, assignment, html5"
    assert messages[4] == "item key 'intro' is already used on line 5"
    assert messages[5] == "'file' names 'pages/missing.md', which is not a file in the package"
    assert messages[6] == "'pass_score' must be a number from 0 to 100"
    assert messages[7].startswith("'feedbak' is not a setting of quiz items (settings: attempts")
    assert messages[8].startswith("'requried' is not a known field here (fields: key, kind")


def test_problem_text_names_file_and_line(tmp_path: Path) -> None:
    root = write(tmp_path, {"module.yaml": module("  - {key: a, kind: pgae, title: A}\n")})
    with pytest.raises(PackageError) as caught:
        parse_native(root)
    assert [str(p) for p in caught.value.problems] == [
        "module.yaml line 5: 'kind' must be one of page, video, asset, quiz, assignment, html5"
    ]


def test_missing_and_escaping_files(tmp_path: Path) -> None:
    items = """\
  - {key: a, kind: page, title: A, file: pages/nope.md}
  - {key: b, kind: page, title: B, file: ../secret.md}
  - {key: c, kind: page, title: C}
  - {key: d, kind: asset, title: D, file: pages}
"""
    root = write(tmp_path, {"module.yaml": module(items), "pages/x.md": "x"})
    assert problems_of(root) == [
        ("module.yaml", 5, "'file' names 'pages/nope.md', which is not a file in the package"),
        (
            "module.yaml",
            6,
            "'file' must be a path inside the package, written with '/' and without '..' "
            "(got '../secret.md')",
        ),
        ("module.yaml", 7, "'file' or 'files' is missing"),
        ("module.yaml", 8, "'file' names 'pages', which is not a file in the package"),
    ]


def test_bad_keys_and_missing_fields(tmp_path: Path) -> None:
    manifest = "format: kakehashi-module/1\nkey: Game Loop!\nitems:\n  - {key: -x, kind: page}\n"
    root = write(tmp_path, {"module.yaml": manifest})
    problems = problems_of(root)
    assert [(line, message.split(" must ")[0]) for _, line, message in problems] == [
        (1, "'title' is missing"),
        (2, "'key'"),
        (4, "'key'"),
        (4, "'title' is missing"),
        (4, "'file' or 'files' is missing"),
    ]
    assert "(got 'Game Loop!')" in problems[1][2]


def test_duplicate_item_key(tmp_path: Path) -> None:
    items = "  - {key: a, kind: page, title: A, file: p.md}\n  - {key: a, kind: page, title: B, file: p.md}\n"
    root = write(tmp_path, {"module.yaml": module(items), "p.md": "x"})
    assert problems_of(root) == [("module.yaml", 6, "item key 'a' is already used on line 5")]


def test_bad_settings(tmp_path: Path) -> None:
    items = """\
  - key: hw
    kind: assignment
    title: Homework
    settings:
      max_files: 0
      allowed_types: [PDF, .zip]
      due: 2025-07-31
      due_days: 7
      rubric:
        - {key: a, title: A, points: 0}
        - {key: a, title: B, points: 2}
      colour: red
  - key: vid
    kind: video
    title: V
    file: v.avi
    settings: {complete_at: 0}
  - key: game
    kind: html5
    title: G
    file: index.html
    settings: {width: wide, reports_score: maybe}
"""
    root = write(tmp_path, {"module.yaml": module(items), "v.avi": b"x", "index.html": "x"})
    problems = problems_of(root)
    assert [(line, message) for _, line, message in problems] == [
        (9, "'max_files' must be a whole number from 1 to 20"),
        (
            10,
            "'allowed_types' lists file extensions in lowercase without the dot, e.g. pdf (got 'PDF')",
        ),
        (
            10,
            "'allowed_types' lists file extensions in lowercase without the dot, e.g. pdf (got '.zip')",
        ),
        (11, "'due' must be a date and time with its UTC offset, e.g. 2025-07-31T23:59:00+09:00"),
        (12, "give either 'due' or 'due_days', not both"),
        (14, "'points' must be a number greater than 0"),
        (15, "rubric key 'a' is already used on line 14"),
        (16, problems[7][2]),
        (20, "'file' must be a .mp4 / .webm / .ogv / .m4v file (got 'v.avi')"),
        (21, "'complete_at' must be a number greater than 0 and at most 1"),
        (26, "'width' must be a whole number from 1 to 10000"),
        (26, "'reports_score' must be true or false"),
    ]
    assert problems[7][2].startswith("'colour' is not a setting of assignment items")


def test_video_captions_must_be_webvtt(tmp_path: Path) -> None:
    items = "  - {key: v, kind: video, title: V, file: v.webm, captions: {ja: v.srt, de: v.vtt}}\n"
    files = {"v.webm": b"x", "v.vtt": "WEBVTT\n", "v.srt": "1\n00:00:00,000 --> 00:00:01,000\nHi\n"}
    root = write(tmp_path, {"module.yaml": module(items), **files})
    assert problems_of(root) == [
        ("module.yaml", 5, "'captions' must be a .vtt file (got 'v.srt')"),
        ("module.yaml", 5, "'captions' has unknown language 'de'; use en, ja, uz, ru"),
    ]
    (root / "module.yaml").write_text(
        module(items.replace("v.srt", "bad.vtt").replace("de:", "en:"))
    )
    (root / "bad.vtt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    assert problems_of(root) == [
        ("bad.vtt", 1, "is not WebVTT: it must start with WEBVTT (convert .srt captions first)")
    ]


def test_settings_on_a_page_are_unknown(tmp_path: Path) -> None:
    items = "  - {key: a, kind: page, title: A, file: p.md, settings: {width: 3}}\n"
    root = write(tmp_path, {"module.yaml": module(items), "p.md": "x"})
    assert problems_of(root) == [
        ("module.yaml", 5, "'width' is not a setting of page items (settings: -)")
    ]


def test_scorm_kind_is_rejected_in_native_packages(tmp_path: Path) -> None:
    root = write(tmp_path, {"module.yaml": module("  - {key: a, kind: scorm, title: A}\n")})
    [(file, line, message)] = problems_of(root)
    assert (file, line) == ("module.yaml", 5)
    assert message.startswith("'kind' scorm comes only from SCORM packages")


def test_invalid_utf8_page(tmp_path: Path) -> None:
    items = "  - {key: a, kind: page, title: A, file: pages/bad.md}\n"
    root = write(
        tmp_path, {"module.yaml": module(items), "pages/bad.md": b"# T\nok\n\x82\xa0 sjis\n"}
    )
    assert problems_of(root) == [
        ("pages/bad.md", 3, "is not valid UTF-8 text; save the file as UTF-8")
    ]


def test_yaml_syntax_error_reports_the_line(tmp_path: Path) -> None:
    root = write(
        tmp_path, {"module.yaml": "format: kakehashi-module/1\nkey: m\ntitle: a: b\nitems: []\n"}
    )
    assert problems_of(root) == [
        ("module.yaml", 3, "is not valid YAML: mapping values are not allowed here")
    ]


def test_duplicate_and_unknown_top_level_fields(tmp_path: Path) -> None:
    manifest = (
        module("  - {key: a, kind: page, title: A, file: p.md}\n") + "title: Again\nauthor: me\n"
    )
    root = write(tmp_path, {"module.yaml": manifest, "p.md": "x"})
    problems = problems_of(root)
    assert [(line, message[:28]) for _, line, message in problems] == [
        (6, "'title' is given twice (also"),
        (7, "'author' is not a known fiel"),
    ]
    assert problems[0][2] == "'title' is given twice (also on line 3)"


def test_parse_native_without_module_yaml(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == [("module.yaml", None, "the file is missing")]


def test_parse_package_without_manifest(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hi")
    assert problems_of(tmp_path, parse_package) == [
        (None, None, "no module.yaml or imsmanifest.xml at the top of the package")
    ]


def test_parse_package_hands_scorm_to_the_scorm_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "imsmanifest.xml").write_text("<manifest/>")
    parsed = ParsedModule(format="scorm12", key="k", title={"en": "T"}, items=[])
    fake = types.ModuleType("lms.authoring.scorm")
    fake.parse_scorm_manifest = lambda root: parsed if root == tmp_path else None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lms.authoring.scorm", fake)
    assert parse_package(tmp_path) is parsed


def test_find_package_root(tmp_path: Path) -> None:
    write(tmp_path, {"My Module/module.yaml": "x", "__MACOSX/._x": "x", ".DS_Store": "x"})
    assert find_package_root(tmp_path) == tmp_path / "My Module"
    (tmp_path / "module.yaml").write_text("x")
    assert find_package_root(tmp_path) == tmp_path
    other = write(tmp_path / "other", {"a/readme.txt": "x"})
    assert find_package_root(other) == other


def test_parse_course(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "gd101",
        {
            "course.yaml": COURSE_YAML,
            "01-game-loop/module.yaml": "x",
            "02-sprites/imsmanifest.xml": "x",
        },
    )
    assert parse_course(folder) == ParsedCourse(
        code="GD101",
        title={
            "en": "Game development basics",
            "ja": "ゲーム開発の基礎",
            "uz": "O'yin ishlab chiqish asoslari",
        },
        description={"en": "Loops and sprites."},
        provider="TUT",
        language="en",
        hours=90,
        credits={"JDU": 3.0, "TUT": 2.0},
        track="game-development",
        jlpt_level="N4",
        self_enroll=True,
        instructors=["tanaka@tut.example.jp"],
        module_dirs=[folder / "01-game-loop", folder / "02-sprites"],
    )


def test_broken_course(tmp_path: Path) -> None:
    broken = (
        COURSE_YAML.replace("language: en", "language: fr")
        .replace("hours: 90", "hours: 0")
        .replace("{JDU: 3, TUT: 2}", "{jdu: 3}")
        .replace("game-development\n", "cooking\n")
        .replace("[tanaka@tut.example.jp]", "[tanaka]")
        .replace("02-sprites]", "../x, 03-missing]")
    )
    folder = write(tmp_path / "gd101", {"course.yaml": broken, "01-game-loop/module.yaml": "x"})
    problems = problems_of(folder, parse_course)
    assert [(file, line) for file, line, _ in problems] == [
        ("course.yaml", 6),
        ("course.yaml", 7),
        ("course.yaml", 8),
        ("course.yaml", 9),
        ("course.yaml", 12),
        ("course.yaml", 13),
        ("course.yaml", 13),
    ]
    assert problems[0][2] == "'language' must be one of en, ja, uz"
    assert (
        problems[6][2]
        == "module folder '03-missing' does not exist or has no module.yaml or imsmanifest.xml"
    )
