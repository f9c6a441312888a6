"""The examples in docs/package-format.md are valid packages: the docs cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

from lms.authoring import kinds
from lms.authoring.packages import parse_course, parse_native
from lms.authoring.quizfile import QUESTION_TYPES
from tests.authoring.samples import write

DOCS = Path(__file__).resolve().parents[2] / "docs" / "package-format.md"


def doc_section(title: str) -> str:
    return DOCS.read_text(encoding="utf-8").split(f"\n## {title}\n")[1].split("\n## ")[0]


def test_documented_example_package_parses(tmp_path: Path) -> None:
    shown = re.findall(
        r"File: `([^`]+)`\n\n```\w*\n(.*?)```", doc_section("A complete example"), re.S
    )
    binaries = {
        name: b"binary"
        for name in ("media/loop.mp4", "media/poster.jpg", "downloads/loop-sprites.blend")
    }
    parsed = parse_native(write(tmp_path, {**dict(shown), **binaries}))
    assert sorted(item.kind for item in parsed.items) == sorted(kinds.native())
    [quiz] = [item for item in parsed.items if item.kind == "quiz"]
    assert [q["type"] for q in quiz.content["questions"]] == list(QUESTION_TYPES)


def test_documented_manifest_and_course_parse(tmp_path: Path) -> None:
    manifest = re.search(r"```yaml\n(.*?)```", doc_section("module.yaml"), re.S)[1]
    pages = {"pages/loop.en.md": "x", "pages/loop.ja.md": "x"}
    assert parse_native(write(tmp_path / "m", {"module.yaml": manifest, **pages})).items
    course = re.search(
        r"File: `courses/gd101/course.yaml`\n\n```yaml\n(.*?)```",
        doc_section("Course folders"),
        re.S,
    )[1]
    folder = write(
        tmp_path / "gd101",
        {"course.yaml": course, "01-game-loop/module.yaml": "x", "02-sprites/imsmanifest.xml": "x"},
    )
    assert parse_course(folder).code == "GD101"
