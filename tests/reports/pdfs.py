"""Reading PDFs back in tests: text (pdftotext), fonts (pdffonts), page 1 as PNG
(pdftoppm), and that every printed character is in an embedded font."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from fontTools.ttLib import TTFont

from lms.records import pdf
from tests.conftest import missing

needs_poppler = missing(
    not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdftoppm")),
    "poppler-utils (pdftotext, pdffonts, pdftoppm) needed")


def text_of(data: bytes, tmp_path: Path, name: str = "doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def flat(text: str) -> str:
    return " ".join(text.split())


def check_fonts(data: bytes, tmp_path: Path, text: str) -> list[str]:
    """Every font embedded with a ToUnicode map, all of them IPAex or DejaVu, and every
    printed character in one of them (no box for a missing glyph). Returns the names."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    rows = [line.split() for line in lines if line.strip()]
    assert rows, "no fonts in the PDF"
    for row in rows:
        assert row[-5] == "yes", f"font not embedded: {row}"
        assert row[-3] == "yes", f"font without a ToUnicode map: {row}"
    names = [row[0].split("+")[-1] for row in rows]
    assert all(n.startswith(("IPAex", "DejaVu")) for n in names), names
    cmaps = [TTFont(f, fontNumber=0).getBestCmap() for pair in pdf.DEFAULT_FONTS.values()
             for f in set(pair)]
    missing = {ch for ch in text if not ch.isspace() and not any(ord(ch) in c for c in cmaps)}
    assert not missing, f"characters no embedded font has: {sorted(missing)}"
    return names


def render_first_page(data: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "render.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    page = sorted(tmp_path.glob("page*.png"))[0]
    assert page.read_bytes().startswith(b"\x89PNG") and page.stat().st_size > 5000
    return page
