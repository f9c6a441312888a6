"""Unpacking uploaded zips without trusting them.

``extract_zip`` checks every entry name before writing anything, then streams each entry
in small chunks into a temporary folder beside the destination and publishes it with a
single ``os.rename``. Sizes are counted while decompressing, so a zip whose headers lie
cannot fill the disk. On any failure the temporary folder is removed: either the whole
package is at ``dest`` or nothing is.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import stat
import unicodedata
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from lms.core.errors import PackageError, Problem

# Archives inside a package are refused: they would bypass every check made here.
# Plain .gz/.br stay allowed because WebGL builds ship pre-compressed files
# (Build/game.wasm.gz), and .docx/.xlsx/.unitypackage are ordinary downloads.
NESTED_ARCHIVE_EXTENSIONS = tuple(
    ".zip .jar .war .7z .rar .tar .tgz .tar.gz .tar.bz2 .tar.xz .cab .iso .apk".split()
)
# zipfile inflates bzip2 and LZMA data without an output bound, so one small chunk could
# expand to gigabytes in memory; deflate (what every common zip tool writes) is bounded.
SUPPORTED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
MAX_REPORTED_PROBLEMS = 100
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_UTF8_NAME_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


@dataclass(frozen=True)
class ZipLimits:
    """Limits applied while unpacking; tests lower them to stay fast."""

    max_entries: int = 5_000
    max_total_bytes: int = 2 * 1024**3
    max_ratio: float = 100.0  # inflated size / compressed size ...
    ratio_min_bytes: int = 100 * 1024  # ... checked for entries larger than this
    max_path_length: int = 255
    max_depth: int = 20
    chunk_size: int = 64 * 1024


def sha256_of(source: str | os.PathLike[str] | BinaryIO, chunk_size: int = 1024 * 1024) -> str:
    """Return the hex SHA-256 of a file, read in chunks.

    ``source`` is a path or a binary file object. A file object is read from its current
    position to the end and, if it is seekable, put back where it was.
    """
    digest = hashlib.sha256()
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            while chunk := fh.read(chunk_size):
                digest.update(chunk)
        return digest.hexdigest()
    start = source.tell() if source.seekable() else None
    while chunk := source.read(chunk_size):
        digest.update(chunk)
    if start is not None:
        source.seek(start)
    return digest.hexdigest()


def extract_zip(
    source: str | os.PathLike[str] | BinaryIO, dest: Path, limits: ZipLimits | None = None
) -> Path:
    """Unpack the zip ``source`` (a path or seekable binary file object) into ``dest``.

    Returns ``dest``, which then holds exactly the zip's files, names NFC-normalised.
    Raises ``PackageError`` listing every problem with the zip's names at once, or the
    first problem met while unpacking (size limits, damaged data, disk full); nothing is
    left beside ``dest`` in that case. Raises ``FileExistsError`` if ``dest`` exists:
    callers use a content-addressed destination and should check first.
    """
    limits = limits or ZipLimits()
    dest = Path(dest)
    if dest.exists():
        raise FileExistsError(errno.EEXIST, "destination already exists", str(dest))
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as err:
        # (NotImplementedError: a header asks for a zip version zipfile does not know)
        msg = _("the upload is not a zip file, or the zip is damaged (%(detail)s)", detail=err)
        raise _rejected(msg) from err
    with archive:
        entries = _checked_entries(archive.infolist(), limits)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.parent / f".tmp-{uuid.uuid4().hex}"
        try:
            tmp.mkdir()
            _unpack(archive, entries, tmp, limits)
            _publish(tmp, dest)
        except OSError as err:
            shutil.rmtree(tmp, ignore_errors=True)
            if err.errno in _DISK_FULL:
                raise _rejected(_("not enough disk space to unpack the package")) from err
            raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return dest


@dataclass(frozen=True)
class _Entry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # cleaned, NFC-normalised path components
    is_dir: bool


def _checked_entries(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> list[_Entry]:
    """Check every entry's name and header; raise one PackageError listing all problems."""
    if len(infos) > limits.max_entries:
        raise _rejected(
            _(
                "the zip has %(count)d entries; at most %(max)d are allowed",
                count=len(infos),
                max=limits.max_entries,
            )
        )
    problems: list[Problem] = []
    entries: list[_Entry] = []
    seen: dict[str, tuple[str, bool]] = {}
    for info in infos:
        name = _entry_name(info)
        is_dir = name.endswith("/") or stat.S_ISDIR(info.external_attr >> 16)
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        message = _name_problem(name, parts, limits) or _header_problem(info, name, is_dir)
        if message is None and not parts:
            if is_dir:
                continue  # "./" names the package folder itself
            message = _("has an empty name")
        if message is None:
            message = _collision(seen, parts, is_dir)
        if message is not None:
            problems.append(Problem(message, file=name))
            continue
        entries.append(_Entry(info, parts, is_dir))
    problems.extend(_declared_size_problems(entries, limits))
    if len(problems) > MAX_REPORTED_PROBLEMS:
        hidden = len(problems) - MAX_REPORTED_PROBLEMS
        problems = problems[:MAX_REPORTED_PROBLEMS]
        problems.append(Problem(_("... and %(count)d more problems", count=hidden)))
    if problems:
        raise PackageError(problems)
    return entries


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name, NFC-normalised, guessing the encoding of old Windows zips.

    Without the UTF-8 flag, zipfile decodes names as CP437. Many tools write UTF-8 anyway,
    and Japanese Windows writes CP932 (Shift_JIS); both are tried before CP437.
    """
    name = info.filename
    if not info.flag_bits & _UTF8_NAME_FLAG and not name.isascii():
        raw = name.encode("cp437", errors="replace")
        for encoding in ("utf-8", "cp932"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    return unicodedata.normalize("NFC", name)


def _name_problem(name: str, parts: tuple[str, ...], limits: ZipLimits) -> str | None:
    if "\\" in name:
        return _("contains a backslash (\\); zip it with a tool that writes '/' between folders")
    if name.startswith("/"):
        return _("is an absolute path; zip the files with paths relative to the package")
    if _DRIVE_RE.match(name):
        return _("starts with a drive letter; zip the files with paths relative to the package")
    if _CONTROL_RE.search(name):
        return _("has control characters in its name")
    if ".." in parts:
        return _("points outside the package ('..' in the path)")
    if len(name) > limits.max_path_length:
        return _("has a path longer than %(max)d characters", max=limits.max_path_length)
    if len(parts) > limits.max_depth:
        return _("is nested deeper than %(max)d folders", max=limits.max_depth)
    if any(len(part.encode("utf-8")) > 255 for part in parts):
        return _("has a file or folder name longer than 255 bytes")
    return None


def _header_problem(info: zipfile.ZipInfo, name: str, is_dir: bool) -> str | None:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return _("is a symbolic link; links are not allowed, put the real file in the zip")
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        return _("is a special file (device, pipe or socket)")
    if info.flag_bits & _ENCRYPTED_FLAG:
        return _("is encrypted; packages cannot be password protected")
    if is_dir:
        return None
    lowered = name.lower()
    for ext in NESTED_ARCHIVE_EXTENSIONS:
        if lowered.endswith(ext):
            return _("is an archive (%(ext)s) inside the package; add its files instead", ext=ext)
    if info.compress_type not in SUPPORTED_METHODS:
        return _("uses a compression method that is not accepted; zip it with ordinary deflate")
    return None


def _collision(
    seen: dict[str, tuple[str, bool]], parts: tuple[str, ...], is_dir: bool
) -> str | None:
    """Register the entry and its parent folders; report a clash with an earlier name.

    Names are compared NFC-normalised and case-folded: on a case-insensitive file system
    (where packages get copied and served) they would overwrite each other.
    """
    for depth in range(1, len(parts) + 1):
        path = "/".join(parts[:depth])
        path_is_dir = is_dir or depth < len(parts)
        key = unicodedata.normalize("NFC", path.casefold())
        if key not in seen:
            seen[key] = (path, path_is_dir)
            continue
        spelling, previous_is_dir = seen[key]
        if spelling != path:
            return _(
                "has the same name as '%(other)s' when upper and lower case are ignored",
                other=spelling,
            )
        if not path_is_dir and not previous_is_dir:
            return _("appears more than once in the zip")
        if path_is_dir != previous_is_dir:
            return _("is both a file and a folder in the zip")
    return None


def _declared_size_problems(entries: list[_Entry], limits: ZipLimits) -> list[Problem]:
    """Refuse early from what the headers claim; ``_unpack`` still counts the real bytes."""
    files = [entry for entry in entries if not entry.is_dir]
    problems = [
        Problem(_ratio_message(limits), file="/".join(entry.parts))
        for entry in files
        if _too_compressed(entry.info.file_size, entry.info.compress_size, limits)
    ]
    if sum(entry.info.file_size for entry in files) > limits.max_total_bytes:
        problems.append(Problem(_total_message(limits)))
    return problems


def _unpack(archive: zipfile.ZipFile, entries: list[_Entry], tmp: Path, limits: ZipLimits) -> None:
    total = 0
    for entry in entries:
        target = tmp.joinpath(*entry.parts)
        if entry.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        name = "/".join(entry.parts)
        written = 0
        try:
            with archive.open(entry.info) as src, open(target, "xb") as out:
                while chunk := src.read(limits.chunk_size):
                    written += len(chunk)
                    total += len(chunk)
                    if total > limits.max_total_bytes:
                        raise _rejected(_total_message(limits))
                    if _too_compressed(written, entry.info.compress_size, limits):
                        raise _rejected(_ratio_message(limits), name)
                    out.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
            msg = _("could not be unpacked, the zip is damaged (%(detail)s)", detail=err)
            raise _rejected(msg, name) from err


def _publish(tmp: Path, dest: Path) -> None:
    try:
        os.rename(tmp, dest)
    except OSError as err:
        if err.errno in (errno.EEXIST, errno.ENOTEMPTY):  # a concurrent upload won the race
            raise FileExistsError(err.errno, "destination already exists", str(dest)) from err
        raise


def _too_compressed(inflated: int, compressed: int, limits: ZipLimits) -> bool:
    return inflated > limits.ratio_min_bytes and inflated > limits.max_ratio * max(compressed, 1)


def _ratio_message(limits: ZipLimits) -> str:
    return _(
        "expands to more than %(ratio)d times its compressed size, like a zip bomb",
        ratio=int(limits.max_ratio),
    )


def _total_message(limits: ZipLimits) -> str:
    return _(
        "the package unpacks to more than %(size)s, the most allowed",
        size=_human_size(limits.max_total_bytes),
    )


def _human_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


def _rejected(message: str, file: str | None = None) -> PackageError:
    return PackageError([Problem(message, file=file)])
