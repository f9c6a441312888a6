"""Small builders for tests: courses and module zips made through the real services."""

from __future__ import annotations

import io
import json
import zipfile

from lms.catalog import services as catalog
from lms.catalog.models import Institution, Track
from lms.extensions import db

INSTITUTIONS = [
    ("JDU", {"en": "Japan Digital University", "ja": "ジャパンデジタル大学"}, "UZ", 30),
    ("TUT", {"en": "Tokyo University of Technology", "ja": "東京工芸技術大学"}, "JP", 45),
]


def ensure_reference_data() -> None:
    for code, name, country, hours in INSTITUTIONS:
        if catalog.find_institution(code) is None:
            db.session.add(Institution(code=code, name=name, country=country, credit_hours=hours))
    for code, title in (("game-development", {"en": "Game development", "ja": "ゲーム開発"}),
                        ("japanese", {"en": "Japanese", "ja": "日本語"})):
        if not db.session.scalar(db.select(Track).where(Track.code == code)):
            db.session.add(Track(code=code, title=title))
    db.session.commit()


def make_course(code="GD101", *, title=None, instructors=(), self_enroll=False, track=None,
                jlpt_level=None, language="en", description=None):
    """Create a course (inside an app context) and return it."""
    ensure_reference_data()
    return catalog.save_course(catalog.CourseFields(
        code=code, title=title or {"en": f"Course {code}", "ja": f"コース {code}"},
        description=description or {}, provider="TUT", hours=90,
        credits={"JDU": 3, "TUT": 2}, language=language, track=track, jlpt_level=jlpt_level,
        self_enroll=self_enroll, instructors=list(instructors),
    ))


def module_zip(key="m1", items=None, *, title="Module one", extra_files=None) -> bytes:
    """A native module package as zip bytes. ``items`` are (key, kind, title) or dicts."""
    items = items if items is not None else [("intro", "page", "Introduction")]
    files = dict(extra_files or {})
    lines = ["format: kakehashi-module/1", f"key: {key}", f"title: {{en: {title}}}", "items:"]
    for entry in items:
        if isinstance(entry, dict):
            item = entry
        else:
            item_key, kind, item_title = entry
            item = {"key": item_key, "kind": kind, "title": item_title}
        lines.append(f"  - key: {item['key']}")
        lines.append(f"    kind: {item['kind']}")
        lines.append(f"    title: {item['title']}")
        if item["kind"] == "page":
            name = item.get("file", f"pages/{item['key']}.md")
            files.setdefault(name, item.get("body", f"# {item['title']}\n\nText of {item['key']}.\n"))
            lines.append(f"    file: {name}")
        elif item["kind"] == "html5":
            name = item.get("file", f"{item['key']}/index.html")
            files.setdefault(name, "<!doctype html><title>x</title><p>game</p>")
            lines.append(f"    file: {name}")
        elif item["kind"] in ("video", "asset"):
            name = item["file"]
            files.setdefault(name, b"\x1aE\xdf\xa3" + b"\0" * 64)
            lines.append(f"    file: {name}")
        elif item["kind"] == "quiz":
            name = item.get("file", f"{item['key']}.yaml")
            files.setdefault(name, (
                "questions:\n"
                "  - key: q1\n    type: single\n    prompt: Two plus two?\n"
                "    choices: [{key: a, text: '4'}, {key: b, text: '5'}]\n    correct: [a]\n"))
            lines.append(f"    file: {name}")
        for extra in ("required", "weight"):
            if extra in item:
                lines.append(f"    {extra}: {str(item[extra]).lower()}")
        if "settings" in item:
            lines.append(f"    settings: {json.dumps(item['settings'])}")
    files["module.yaml"] = "\n".join(lines) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# Who reports each kind of item in real use (lms.learning.trust.RULES): the channel the
# setting-up helpers record through, so a test's progress has the provenance it would have.
CHANNEL_OF_KIND = {"page": "learner", "video": "learner", "asset": "learner", "quiz": "server",
                   "assignment": "instructor", "html5": "launch", "scorm": "launch"}


def record_progress(user, item, verb, **kw):
    """progress.record through the channel that reports this kind of item for real."""
    from lms.learning import progress

    kw.setdefault("channel", CHANNEL_OF_KIND[item.kind])
    return progress.record(user, item, verb, **kw)
