"""Importing module packages into courses, versions, rollback and per-item settings.

Nothing is stored from a package that fails: it is unpacked into a temporary folder,
parsed, and only then published (content-addressed by the zip's SHA-256) and recorded.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.authoring.models import Item, ItemSetting, Module, ModuleVersion
from lms.authoring.packages import find_package_root, parse_package
from lms.authoring.parsed import ParsedModule
from lms.authoring.safezip import ZipLimits, extract_zip, sha256_of
from lms.core.errors import NotFound, PackageError, Problem, ValidationError
from lms.core.storage import media_path, scratch_file
from lms.extensions import db

COMPARED_FIELDS = ("kind", "title", "required", "weight", "settings", "entry", "content")


@dataclass
class ImportResult:
    module: Module
    version: ModuleVersion
    created: bool  # False when the same package was already the current version
    warnings: list[str] = field(default_factory=list)


def package_limits() -> ZipLimits:
    cfg = current_app.config
    return ZipLimits(
        max_entries=cfg.get("PACKAGE_MAX_ENTRIES", 5_000),
        max_total_bytes=cfg.get("PACKAGE_MAX_UNPACKED_BYTES", 2 * 1024**3),
    )


def package_root(version: ModuleVersion) -> Path:
    """The folder holding the version's files."""
    return media_path("packages", version.storage_key)


def import_package(course, source: str | os.PathLike | BinaryIO, filename: str, user=None,
                   *, position: int | None = None) -> ImportResult:
    """Import a module zip into ``course``: a new module, or a new version of one.

    The module is found by the key written in the package, so a re-upload becomes a new
    version and progress (kept by item key) carries over. Uploading the package that is
    already current changes nothing. Raises PackageError listing every problem.
    """
    max_bytes = current_app.config.get("PACKAGE_MAX_UPLOAD_BYTES", 1024**3)
    with scratch_file(".zip") as tmp_zip:
        size = _copy_limited(source, tmp_zip, max_bytes)
        digest = sha256_of(tmp_zip)
        published = media_path("packages", digest)
        fresh = not published.exists()
        if fresh:
            try:
                extract_zip(tmp_zip, published, package_limits())
            except FileExistsError:
                fresh = False  # a concurrent upload of the same bytes published it
    try:
        root = find_package_root(published)
        parsed = parse_package(root)
        storage_key = root.relative_to(media_path("packages")).as_posix()
        return _record(course, parsed, digest, size, filename, storage_key, user, position)
    except BaseException:
        db.session.rollback()
        if fresh and not _in_use(digest):
            shutil.rmtree(published, ignore_errors=True)
        raise


def _copy_limited(source, target: Path, max_bytes: int) -> int:
    size = 0
    opened = None
    if isinstance(source, str | os.PathLike):
        opened = source = open(source, "rb")  # noqa: SIM115 - closed below
    try:
        with open(target, "wb") as out:
            while chunk := source.read(1024 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise PackageError([Problem(_(
                        "The package is larger than %(mb)d MB.", mb=max_bytes // 1024**2))])
                out.write(chunk)
    finally:
        if opened:
            opened.close()
    if size == 0:
        raise PackageError([Problem(_("The uploaded file is empty."))])
    return size


def _in_use(digest: str) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(ModuleVersion)
        .where(ModuleVersion.package_sha256 == digest)
    ) > 0


def _record(course, parsed: ParsedModule, digest, size, filename, storage_key, user,
            position) -> ImportResult:
    module = db.session.scalar(
        select(Module).where(Module.course_id == course.id, Module.key == parsed.key)
    )
    if module is None:
        if position is None:
            position = (db.session.scalar(
                select(func.max(Module.position)).where(Module.course_id == course.id)) or 0) + 1
        module = Module(course_id=course.id, key=parsed.key, position=position)
        db.session.add(module)
        db.session.flush()
    elif module.current_version and module.current_version.package_sha256 == digest:
        return ImportResult(module, module.current_version, False, module.current_version.warnings)
    previous = module.current_version
    number = (db.session.scalar(
        select(func.max(ModuleVersion.number)).where(ModuleVersion.module_id == module.id)) or 0) + 1
    version = ModuleVersion(
        module_id=module.id, number=number, format=parsed.format, title=parsed.title,
        description=parsed.description, jlpt_level=parsed.jlpt_level, package_sha256=digest,
        package_size=size, package_name=(filename or "package.zip")[:255],
        storage_key=storage_key, warnings=list(parsed.warnings),
        uploaded_by_id=user.id if user else None,
    )
    version.items = [
        Item(key=p.key, kind=p.kind, position=i, title=p.title, required=p.required,
             weight=p.weight, settings=p.settings, entry=p.entry, content=p.content)
        for i, p in enumerate(parsed.items)
    ]
    version.changes = describe_changes(previous.items if previous else [], version.items)
    db.session.add(version)
    db.session.flush()
    module.current_version = version
    db.session.commit()
    return ImportResult(module, version, True, list(parsed.warnings))


def describe_changes(old_items, new_items) -> dict:
    """Which item keys were added, removed or changed between two versions."""
    old = {i.key: i for i in old_items}
    new = {i.key: i for i in new_items}
    changed = [k for k in new if k in old and any(
        getattr(old[k], f) != getattr(new[k], f) for f in COMPARED_FIELDS)]
    return {
        "added": [k for k in new if k not in old],
        "removed": [k for k in old if k not in new],
        "changed": changed,
    }


def rollback(module: Module, to_version: ModuleVersion, user) -> ModuleVersion:
    """Make ``to_version``'s content current again, as a new version (history stays linear)."""
    if to_version.module_id != module.id:
        raise NotFound(_("That version does not belong to this module."))
    if module.current_version_id == to_version.id:
        raise ValidationError(_("Version %(n)d is already the current version.",
                                n=to_version.number))
    number = (db.session.scalar(
        select(func.max(ModuleVersion.number)).where(ModuleVersion.module_id == module.id)) or 0) + 1
    previous = module.current_version
    version = ModuleVersion(
        module_id=module.id, number=number, format=to_version.format, title=to_version.title,
        description=to_version.description, jlpt_level=to_version.jlpt_level,
        package_sha256=to_version.package_sha256, package_size=to_version.package_size,
        package_name=to_version.package_name, storage_key=to_version.storage_key,
        warnings=to_version.warnings, uploaded_by_id=user.id if user else None,
        note=f"rollback to version {to_version.number}",
    )
    version.items = [
        Item(key=i.key, kind=i.kind, position=i.position, title=i.title, required=i.required,
             weight=i.weight, settings=i.settings, entry=i.entry, content=i.content)
        for i in to_version.items
    ]
    version.changes = describe_changes(previous.items if previous else [], version.items)
    db.session.add(version)
    db.session.flush()
    module.current_version = version
    db.session.commit()
    return version


def move_module(module: Module, direction: int) -> None:
    """Swap the module with its neighbour (direction -1 up, +1 down)."""
    siblings = list(module.course.modules)
    index = siblings.index(module)
    other = index + direction
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, item in enumerate(siblings, start=1):
        item.position = position
    db.session.commit()


def effective_settings(item: Item, overrides: dict[str, ItemSetting] | None = None) -> dict:
    """The item's settings with the instructor's overrides (kept by key across versions)."""
    result = {"required": item.required, "weight": item.weight, **(item.settings or {})}
    override = (overrides or {}).get(item.key)
    if override is not None:
        for name in ("required", "weight", "pass_score"):
            value = getattr(override, name)
            if value is not None:
                result[name] = value
    return result


def item_overrides(module: Module) -> dict[str, ItemSetting]:
    rows = db.session.scalars(select(ItemSetting).where(ItemSetting.module_id == module.id))
    return {row.item_key: row for row in rows}


def save_item_setting(module: Module, item_key: str, *, required: bool | None,
                      weight: float | None, pass_score: float | None, user) -> ItemSetting:
    """Record the instructor's choice for an item; it survives new versions."""
    if weight is not None and weight < 0:
        raise ValidationError(_("Weight must be 0 or more."))
    if pass_score is not None and not 0 <= pass_score <= 100:
        raise ValidationError(_("The pass score must be between 0 and 100."))
    row = db.session.scalar(select(ItemSetting).where(
        ItemSetting.module_id == module.id, ItemSetting.item_key == item_key))
    if row is None:
        row = ItemSetting(module_id=module.id, item_key=item_key)
        db.session.add(row)
    row.required, row.weight, row.pass_score = required, weight, pass_score
    row.updated_by_id = user.id if user else None
    db.session.commit()
    return row


def zip_folder(folder: Path) -> io.BytesIO:
    """A deterministic zip of a package folder (sorted names, fixed times), for imports
    from ``courses/``: the same files always give the same SHA-256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.is_symlink() or path.name in (".DS_Store", "Thumbs.db"):
                continue
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), (2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    buffer.seek(0)
    return buffer


# --- whole course folders (courses/<slug>/) -------------------------------------------


@dataclass
class CourseImport:
    course: object
    created: bool
    modules: list[ImportResult]

    @property
    def changed(self) -> bool:
        return self.created or any(r.created for r in self.modules)


def import_course(path: Path, user=None) -> CourseImport:
    """Import a course folder (course.yaml + module folders) or a zip of one.

    Re-running it changes nothing unless content changed: unchanged modules keep their
    current version, changed ones get a new version. Raises PackageError or
    ValidationError with every problem found.
    """
    path = Path(path)
    if path.is_file():
        with scratch_file() as marker:
            folder = marker.with_suffix(".d")
            try:
                extract_zip(path, folder, package_limits())
                root = folder
                children = [c for c in folder.iterdir() if c.name != "__MACOSX"]
                if not (folder / "course.yaml").exists() and len(children) == 1:
                    root = children[0]
                return import_course(root, user)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    if not (path / "course.yaml").is_file():
        raise PackageError([Problem(_("no course.yaml in this folder"), file=str(path))])
    from lms.authoring.packages import parse_course
    from lms.catalog import services as catalog

    parsed = parse_course(path)
    # Check every module before storing anything, and report all their problems at once.
    problems = []
    for folder in parsed.module_dirs:
        try:
            parse_package(folder)
        except PackageError as exc:
            problems += [Problem(p.message, f"{path.name}/{folder.name}/{p.file or ''}", p.line)
                         for p in exc.problems]
    if problems:
        raise PackageError(problems)
    fields = catalog.CourseFields(
        code=parsed.code, title=parsed.title, description=parsed.description,
        provider=parsed.provider, language=parsed.language, hours=parsed.hours,
        credits=parsed.credits, track=parsed.track, jlpt_level=parsed.jlpt_level,
        self_enroll=parsed.self_enroll, instructors=parsed.instructors,
    )
    existing = db.session.scalar(select(catalog.Course).where(catalog.Course.code == parsed.code))
    if existing is None or _course_differs(existing, fields):
        course = catalog.save_course(fields, existing)
    else:
        course = existing
    results = []
    for position, folder in enumerate(parsed.module_dirs, start=1):
        results.append(import_package(course, zip_folder(folder), folder.name + ".zip", user,
                                      position=position))
    return CourseImport(course, existing is None, results)


def _course_differs(course, fields) -> bool:
    credits = {c.institution.code: float(c.credits) for c in course.credits}
    return (
        course.title != fields.title
        or (course.description or {}) != (fields.description or {})
        or course.provider.code != fields.provider
        or course.language != fields.language
        or course.hours != int(round(float(fields.hours)))
        or credits != {k: float(v) for k, v in fields.credits.items()}
        or (course.track.code if course.track else None) != fields.track
        or course.jlpt_level != (fields.jlpt_level or None)
        or course.self_enroll != bool(fields.self_enroll)
        or sorted(u.email for u in course.instructors)
        != sorted(e.lower() for e in fields.instructors or [])
    )
