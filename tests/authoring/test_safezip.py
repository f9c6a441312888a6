"""Safe unpacking of uploaded zips: every refusal leaves nothing behind."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import unicodedata
import warnings
import zipfile
from pathlib import Path

import pytest

from lms.authoring import safezip
from lms.authoring.safezip import ZipLimits, extract_zip, sha256_of
from lms.core.errors import PackageError
from tests.conftest import unavailable

Entry = tuple[str | zipfile.ZipInfo, bytes]


def make_zip(path: Path, entries: list[Entry], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we write
        with zipfile.ZipFile(path, "w", compression=compression) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """The folder the package is unpacked into; tests check it is left empty on failure."""
    folder = tmp_path / "store"
    folder.mkdir()
    return folder


def rejected(source, store: Path, limits: ZipLimits | None = None) -> list[str]:
    """Extract, expect a refusal, check nothing is left; return the problems as text."""
    with pytest.raises(PackageError) as caught:
        extract_zip(source, store / "pkg", limits)
    assert list(store.iterdir()) == []
    return [str(problem) for problem in caught.value.problems]


def test_good_zip_extracts_exact_bytes(tmp_path: Path, store: Path) -> None:
    payload = os.urandom(300_000)
    src = make_zip(
        tmp_path / "good.zip",
        [
            ("module.yaml", b"format: kakehashi-module/1\n"),
            ("pages/", b""),
            ("pages/loop.ja.md", "# ゲームループ\n".encode()),
            ("Build/game.wasm.gz", payload),  # pre-compressed WebGL file: allowed
            ("downloads/sprites.unitypackage", b"unity"),
            ("downloads/notes.docx", b"docx"),
        ],
    )
    dest = extract_zip(src, store / "pkg")
    assert dest == store / "pkg"
    assert [p.name for p in store.iterdir()] == ["pkg"]  # no temporary folder left
    assert (dest / "Build/game.wasm.gz").read_bytes() == payload
    assert (dest / "pages/loop.ja.md").read_text(encoding="utf-8") == "# ゲームループ\n"
    assert (dest / "downloads/sprites.unitypackage").read_bytes() == b"unity"
    assert (dest / "pages").is_dir()


def test_file_object_source(tmp_path: Path, store: Path) -> None:
    data = make_zip(tmp_path / "a.zip", [("a.txt", b"hello")]).read_bytes()
    dest = extract_zip(io.BytesIO(data), store / "pkg")
    assert (dest / "a.txt").read_bytes() == b"hello"


def test_existing_destination_is_refused(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("a.txt", b"new")])
    (store / "pkg").mkdir()
    (store / "pkg" / "a.txt").write_bytes(b"old")
    with pytest.raises(FileExistsError):
        extract_zip(src, store / "pkg")
    assert [p.name for p in store.iterdir()] == ["pkg"]
    assert (store / "pkg" / "a.txt").read_bytes() == b"old"


def test_losing_a_publish_race_leaves_the_winner(
    tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_unpack = safezip._unpack

    def unpack_while_another_upload_publishes(*args) -> None:
        real_unpack(*args)
        (store / "pkg").mkdir()
        (store / "pkg" / "a.txt").write_bytes(b"winner")

    monkeypatch.setattr(safezip, "_unpack", unpack_while_another_upload_publishes)
    src = make_zip(tmp_path / "a.zip", [("a.txt", b"loser")])
    with pytest.raises(FileExistsError):
        extract_zip(src, store / "pkg")
    assert [p.name for p in store.iterdir()] == ["pkg"]
    assert (store / "pkg" / "a.txt").read_bytes() == b"winner"


def test_damaged_entry_midway_leaves_nothing(tmp_path: Path, store: Path) -> None:
    payload = os.urandom(50_000)
    src = make_zip(
        tmp_path / "a.zip", [("a.bin", b"fine"), ("b.bin", payload)], compression=zipfile.ZIP_STORED
    )
    data = bytearray(src.read_bytes())
    data[data.index(payload[:64]) + 1000] ^= 0xFF
    src.write_bytes(bytes(data))
    [problem] = rejected(src, store)
    assert problem.startswith("b.bin: could not be unpacked, the zip is damaged (Bad CRC-32")


def test_not_a_zip(tmp_path: Path, store: Path) -> None:
    (tmp_path / "a.zip").write_bytes(b"this is not a zip")
    assert "not a zip file" in rejected(tmp_path / "a.zip", store)[0]


def test_parent_directory_entry(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("pages/../../evil.txt", b"x")])
    assert rejected(src, store) == [
        "pages/../../evil.txt: points outside the package ('..' in the path)"
    ]


def test_absolute_path(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [(zipfile.ZipInfo("/etc/cron.d/evil"), b"x")])
    assert "is an absolute path" in rejected(src, store)[0]


def test_drive_letter(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("C:/Windows/evil.dll", b"x")])
    assert "drive letter" in rejected(src, store)[0]


def test_backslash(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("pages\\loop.md", b"x")])
    assert "backslash" in rejected(src, store)[0]


def test_symlink(tmp_path: Path, store: Path) -> None:
    link = zipfile.ZipInfo("passwd")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    src = make_zip(tmp_path / "a.zip", [("ok.txt", b"x"), (link, b"/etc/passwd")])
    assert rejected(src, store) == [
        "passwd: is a symbolic link; links are not allowed, put the real file in the zip"
    ]


def test_duplicate_names(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("a.txt", b"1"), ("a.txt", b"2")])
    assert rejected(src, store) == ["a.txt: appears more than once in the zip"]


def test_case_collision(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("Images/Logo.png", b"1"), ("images/logo.png", b"2")])
    problems = rejected(src, store)
    assert problems == [
        "images/logo.png: has the same name as 'Images' when upper and lower case are ignored"
    ]


def test_unicode_normalisation_collision(tmp_path: Path, store: Path) -> None:
    nfc = "データ.txt"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    src = make_zip(tmp_path / "a.zip", [(nfc, b"1"), (nfd, b"2")])
    assert rejected(src, store) == [f"{nfc}: appears more than once in the zip"]


def test_file_and_folder_with_one_name(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("game", b"1"), ("game/index.html", b"2")])
    assert rejected(src, store) == ["game/index.html: is both a file and a folder in the zip"]


@pytest.mark.parametrize("ext", safezip.NESTED_ARCHIVE_EXTENSIONS)
def test_nested_archive(tmp_path: Path, store: Path, ext: str) -> None:
    src = make_zip(tmp_path / "a.zip", [(f"assets/inner{ext}", b"x")])
    assert rejected(src, store) == [
        f"assets/inner{ext}: is an archive ({ext}) inside the package; add its files instead"
    ]


def test_encrypted_entry(tmp_path: Path, store: Path) -> None:
    data = bytearray(make_zip(tmp_path / "a.zip", [("secret.txt", b"x")]).read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x01  # general purpose flag bit 0: encrypted
    (tmp_path / "a.zip").write_bytes(bytes(data))
    assert rejected(tmp_path / "a.zip", store) == [
        "secret.txt: is encrypted; packages cannot be password protected"
    ]


def test_bzip2_and_lzma_are_refused(tmp_path: Path, store: Path) -> None:
    # zipfile would inflate them without bounding memory; deflate is what zip tools write.
    src = make_zip(tmp_path / "a.zip", [("a.txt", b"x")], compression=zipfile.ZIP_BZIP2)
    assert rejected(src, store) == [
        "a.txt: uses a compression method that is not accepted; zip it with ordinary deflate"
    ]
    src = make_zip(tmp_path / "b.zip", [("b.txt", b"x")], compression=zipfile.ZIP_LZMA)
    assert "compression method" in rejected(src, store)[0]


def test_too_many_entries(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [(f"f{i}.txt", b"") for i in range(5_001)])
    assert rejected(src, store) == ["the zip has 5001 entries; at most 5000 are allowed"]


def test_total_size_bomb(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("a.bin", os.urandom(600)), ("b.bin", os.urandom(600))])
    limits = ZipLimits(max_total_bytes=1_000)
    assert rejected(src, store, limits) == [
        "the package unpacks to more than 1000 B, the most allowed"
    ]


def test_total_size_is_counted_while_unpacking(
    tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the early check from the headers, the bytes actually written still count.
    monkeypatch.setattr(safezip, "_declared_size_problems", lambda entries, limits: [])
    src = make_zip(tmp_path / "a.zip", [(f"{i}.bin", os.urandom(600)) for i in range(3)])
    limits = ZipLimits(max_total_bytes=1_000, chunk_size=256)
    assert rejected(src, store, limits) == [
        "the package unpacks to more than 1000 B, the most allowed"
    ]


def test_ratio_bomb_with_lowered_limits(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("zeros.bin", bytes(20_000))])
    limits = ZipLimits(ratio_min_bytes=1_000, max_ratio=10)
    assert rejected(src, store, limits) == [
        "zeros.bin: expands to more than 10 times its compressed size, like a zip bomb"
    ]


def test_ratio_is_checked_while_unpacking(
    tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safezip, "_declared_size_problems", lambda entries, limits: [])
    src = make_zip(tmp_path / "a.zip", [("zeros.bin", bytes(20_000))])
    limits = ZipLimits(ratio_min_bytes=1_000, max_ratio=10, chunk_size=512)
    assert rejected(src, store, limits) == [
        "zeros.bin: expands to more than 10 times its compressed size, like a zip bomb"
    ]


def test_real_100_to_1_entry_with_default_limits(tmp_path: Path, store: Path) -> None:
    src = make_zip(tmp_path / "a.zip", [("ok.txt", b"fine"), ("zeros.bin", bytes(200 * 1024))])
    info = zipfile.ZipFile(src).getinfo("zeros.bin")
    assert info.file_size > 100 * info.compress_size  # really a >100:1 entry over 100 KB
    assert rejected(src, store) == [
        "zeros.bin: expands to more than 100 times its compressed size, like a zip bomb"
    ]


def test_compressible_files_within_limits_are_fine(tmp_path: Path, store: Path) -> None:
    # Small files may compress as much as they like; big ones up to 100:1.
    text = b"".join(b"line %d of a log\n" % i for i in range(20_000))
    src = make_zip(tmp_path / "a.zip", [("small.bin", bytes(90 * 1024)), ("log.txt", text)])
    dest = extract_zip(src, store / "pkg")
    assert (dest / "log.txt").read_bytes() == text


def test_path_too_long(tmp_path: Path, store: Path) -> None:
    name = "a/" * 10 + "x" * 240 + ".txt"
    src = make_zip(tmp_path / "a.zip", [(name, b"x")])
    assert rejected(src, store) == [f"{name}: has a path longer than 255 characters"]


def test_path_too_deep(tmp_path: Path, store: Path) -> None:
    name = "d/" * 21 + "f.txt"
    src = make_zip(tmp_path / "a.zip", [(name, b"x")])
    assert rejected(src, store) == [f"{name}: is nested deeper than 20 folders"]


def test_every_name_problem_is_reported_at_once(tmp_path: Path, store: Path) -> None:
    link = zipfile.ZipInfo("link")
    link.external_attr = 0o120777 << 16
    src = make_zip(
        tmp_path / "a.zip",
        [("../up.txt", b"x"), ("fine.txt", b"x"), (link, b"/"), ("inner.rar", b"x")],
    )
    problems = rejected(src, store)
    assert [problem.split(":")[0] for problem in problems] == ["../up.txt", "link", "inner.rar"]


def test_shift_jis_names_from_japanese_windows(tmp_path: Path, store: Path) -> None:
    name = "日本語.txt"
    placeholder = "X" * len(name.encode("cp932")[:-4]) + ".txt"
    data = make_zip(tmp_path / "a.zip", [(placeholder, b"x")]).read_bytes()
    data = data.replace(placeholder.encode(), name.encode("cp932"))  # no UTF-8 flag set
    dest = extract_zip(io.BytesIO(data), store / "pkg")
    assert (dest / name).read_bytes() == b"x"


def test_disk_full_leaves_nothing(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        unavailable("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        unavailable(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        src = make_zip(tmp_path / "big.zip", [("big.bin", os.urandom(1024 * 1024))])
        with pytest.raises(PackageError) as caught:
            extract_zip(src, disk / "pkg")
        assert [str(p) for p in caught.value.problems] == [
            "not enough disk space to unpack the package"
        ]
        assert list(disk.iterdir()) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_sha256_of_path_and_file_object(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 7)
    (tmp_path / "blob").write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_of(tmp_path / "blob") == expected
    assert sha256_of(str(tmp_path / "blob")) == expected
    stream = io.BytesIO(data)
    assert sha256_of(stream) == expected
    assert stream.tell() == 0  # put back where it was, ready for extract_zip
