"""Arbitrary zips for the extractor: hostile entry names (../, absolute, drive letters,
backslashes, NUL and other control characters, long and deep paths, case clashes),
links and special files, compression bombs, random and truncated bytes. The extractor
either publishes exactly the zip's files inside the destination or raises a clear
PackageError and leaves nothing behind."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.authoring.packages import find_package_root, parse_package
from lms.authoring.safezip import ZipLimits, extract_zip
from lms.core.errors import PackageError
from tests.fuzz.conftest import assert_clear_rejection, fuzz_settings, outcome

pytestmark = pytest.mark.usefixtures("request_context")

LIMITS = ZipLimits(max_entries=40, max_total_bytes=256 * 1024, ratio_min_bytes=4 * 1024,
                   max_path_length=200, max_depth=12)
NUL_MARK = "@NUL@"  # replaced by bytes holding NUL once the zip is written
HOSTILE_NAMES = [
    "../evil.txt", "../../etc/passwd", "/abs.txt", "/", "C:/win.txt", "C:win.txt",
    "c:\\windows\\x.txt", "a\\..\\..\\b.txt", "a/../../b.txt", "a/./b.txt", "./a.txt",
    "a//b.txt", "", ".", "..", "dir/", "dir", "DIR/x.txt", "Dir/X.txt", "a.txt", "A.TXT",
    "x" * 300, "/".join(["d"] * 25) + "/f.txt", "inner.zip", "inner.tar.gz", "a\x01b.txt",
    "tab\tname.txt", "line\nbreak.txt", f"nul{NUL_MARK}name.txt", "\u202etxt.exe",
    "日本語/ファイル.md", "e\u0301.txt", "\u00e9.txt", "module.yaml", "imsmanifest.xml",
    "__MACOSX/._a", "CON", "aux.txt", "   ", "trailing.", "a" * 256 + "/b.txt",
]
MODES = [0, stat.S_IFREG | 0o644, stat.S_IFDIR | 0o755, stat.S_IFLNK | 0o777,
         stat.S_IFIFO | 0o644, stat.S_IFCHR | 0o644, stat.S_IFREG | 0o4755]

PLAIN_NAMES = ["module.yaml", "a.md", "pages/a.md", "game/index.html", "Build/game.wasm.gz",
               "media/clip.webm", "読む.md", "imsmanifest.xml", "sco/index.html", "docs/"]
names = st.one_of(
    st.sampled_from(PLAIN_NAMES), st.sampled_from(PLAIN_NAMES),
    st.sampled_from(HOSTILE_NAMES),
    st.text(max_size=30),
    st.lists(st.sampled_from(["a", "b", "..", ".", "", "漢", "C:", "x.zip", "\\"]),
             min_size=1, max_size=6).map("/".join),
)
contents = st.one_of(
    st.binary(max_size=200),
    st.integers(0, 300 * 1024).map(lambda n: b"\0" * n),  # compresses far too well
    st.just(b"format: kakehashi-module/1\nkey: z\ntitle: Z\nitems:\n"
            b"  - {key: p, kind: page, title: P, file: a.md}\n"),
)


@st.composite
def entries(draw):
    # Mostly ordinary entries, so that some zips get through and are checked after.
    return [(draw(names), draw(contents), draw(st.sampled_from([0] * 6 + MODES)),
             draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED] * 3
                                  + [zipfile.ZIP_BZIP2])),
             draw(st.sampled_from([0] * 6 + [0x1, 0x800])))
            for _ in range(draw(st.integers(0, 8)))]


def write_zip(items) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # duplicate names are part of the test
        for name, data, mode, method, flags in items:
            info = zipfile.ZipInfo(name or "x", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = mode << 16
            info.compress_type = method
            info.flag_bits |= flags
            archive.writestr(info, data)
    # Same length, so the headers stay consistent: a NUL inside the stored name.
    return buffer.getvalue().replace(NUL_MARK.encode(), b"\x00/../")


@st.composite
def damaged(draw, data: bytes) -> bytes:
    how = draw(st.sampled_from(["as is"] * 4 + ["truncated", "flipped", "garbage"]))
    if how == "truncated" and data:
        return data[:draw(st.integers(0, len(data) - 1))]
    if how == "flipped" and data:
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "garbage":
        return draw(st.binary(max_size=64)) + data + draw(st.binary(max_size=64))
    return data


zips = st.one_of(entries().map(write_zip).flatmap(damaged), st.binary(max_size=300))


def extract_or_reject(data: bytes, folder: Path) -> Path | None:
    dest = folder / "out" / "package"
    try:
        extract_zip(io.BytesIO(data), dest, LIMITS)
    except PackageError as exc:
        assert_clear_rejection(exc)
        outcome("rejected")
        assert not dest.exists()
        assert [p.name for p in dest.parent.iterdir()] == [] if dest.parent.exists() else True
        return None
    root = dest.resolve()
    count = 0
    for path in dest.rglob("*"):
        assert not path.is_symlink(), path
        assert path.resolve().is_relative_to(root), path
        assert path.is_dir() or stat.S_ISREG(path.lstat().st_mode), path
        assert not path.lstat().st_mode & (stat.S_ISUID | stat.S_ISGID), path
        count += 1
    assert count <= LIMITS.max_entries * LIMITS.max_depth
    assert sum(p.stat().st_size for p in dest.rglob("*") if p.is_file()) \
        <= LIMITS.max_total_bytes
    outcome("extracted")
    return dest


@fuzz_settings(300)
@given(data=zips)
def test_zips_extract_inside_the_destination_or_are_rejected_clearly(data):
    with tempfile.TemporaryDirectory() as folder:
        extract_or_reject(data, Path(folder))
        leftovers = [p for p in Path(folder).iterdir() if p.name != "out"]
        assert leftovers == []  # nothing was written beside the destination


@fuzz_settings(150)
@given(data=zips)
def test_uploaded_zips_become_a_module_or_a_clear_rejection(data):
    """The whole reading path of an upload: unpack, find the top folder, parse."""
    with tempfile.TemporaryDirectory() as folder:
        dest = extract_or_reject(data, Path(folder))
        if dest is None:
            return
        try:
            parse_package(find_package_root(dest))
        except PackageError as exc:
            assert_clear_rejection(exc)


def test_a_nul_ends_an_entry_name_for_the_checks_and_the_writer_alike(tmp_path):
    """zipfile cuts a name at its first NUL, and the checks see that same cut name: what
    follows the NUL ("/../evil.txt" here) can never steer where a file is written."""
    data = write_zip([(f"ok{NUL_MARK}evil.txt", b"x", 0, zipfile.ZIP_STORED, 0)])
    extract_zip(io.BytesIO(data), tmp_path / "dest", LIMITS)
    assert os.listdir(tmp_path) == ["dest"] and os.listdir(tmp_path / "dest") == ["ok"]
    data = write_zip([(f"..{NUL_MARK}evil.txt", b"x", 0, zipfile.ZIP_STORED, 0)])
    with pytest.raises(PackageError) as caught:
        extract_zip(io.BytesIO(data), tmp_path / "other", LIMITS)
    assert_clear_rejection(caught.value)
    assert os.listdir(tmp_path) == ["dest"]


def test_a_zip_asking_for_an_unknown_zip_version_is_rejected_clearly(tmp_path):
    """Found by the fuzzer: zipfile raises NotImplementedError for such a header."""
    data = bytearray(write_zip([("a.txt", b"x", 0, zipfile.ZIP_STORED, 0)]))
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 64  # "version needed to extract": 6.4
    with pytest.raises(PackageError) as caught:
        extract_zip(io.BytesIO(bytes(data)), tmp_path / "dest", LIMITS)
    assert_clear_rejection(caught.value)
    assert "damaged" in caught.value.problems[0].message
