"""Assignment submissions: deadlines, file checks, storage, grading, and playable builds.

A submission is checked as a whole before anything is kept: the number of files, each
file's size, extension and actual content (magic bytes), with every problem reported at
once. Files are stored under ``media/submissions/<submission id>/<n>-<safe name>``; the
student's own file name is kept for display and downloads only, never used as a path.

Submissions are kept by module and item key (like progress), so they carry over to new
versions of the module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.utils import secure_filename

from lms.auth.models import User
from lms.authoring.models import Item, Module, ModuleVersion
from lms.authoring.safezip import ZipLimits, extract_zip
from lms.authoring.services import effective_settings, item_overrides
from lms.catalog.models import Course, Enrollment
from lms.catalog.services import can_manage
from lms.content.services import CONTENT_TYPES, OCTET_STREAM
from lms.core.db import utcnow
from lms.core.errors import Conflict, NotFound, ValidationError
from lms.core.storage import media_path
from lms.extensions import db
from lms.learning import notify, progress, trust
from lms.learning.models import Submission, SubmissionFile

DEFAULT_ALLOWED_TYPES = ["pdf", "png", "jpg", "jpeg", "gif", "webp", "mp4", "webm", "zip", "txt"]
CHUNK = 1024 * 1024
SNIFF_BYTES = 4096
BUILD_TOKEN_SALT = "kakehashi-submission-build"  # noqa: S105 - a salt, not a secret
BUILD_TOKEN_MAX_AGE = 12 * 3600

# Shown in the browser from our own route (sandboxed, nosniff); every other type is only
# downloaded. SVG and HTML are deliberately absent: they can carry scripts.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
VIDEO_TYPES = {"video/mp4", "video/webm", "video/ogg", "video/quicktime"}
INLINE_TYPES = IMAGE_TYPES | VIDEO_TYPES | {"application/pdf", "text/plain"}


def _is_zip(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _is_mp4(head: bytes) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp"


# What the first bytes of a file must look like for its extension. Types not listed
# (txt, blend, psd ...) are not checked beyond the executable test below.
MAGIC = {
    "png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "gif": lambda h: h.startswith((b"GIF87a", b"GIF89a")),
    "webp": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
    "pdf": lambda h: b"%PDF-" in h[:1024],
    "zip": _is_zip, "docx": _is_zip, "xlsx": _is_zip, "pptx": _is_zip,
    "mp4": _is_mp4, "m4v": _is_mp4, "mov": _is_mp4,
    "webm": lambda h: h.startswith(b"\x1a\x45\xdf\xa3"),
    "mkv": lambda h: h.startswith(b"\x1a\x45\xdf\xa3"),
}
TYPE_NAMES = {
    "png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WebP", "pdf": "PDF",
    "zip": "ZIP", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)", "pptx": "PowerPoint (.pptx)",
    "mp4": "MP4", "m4v": "MP4", "mov": "QuickTime", "webm": "WebM", "mkv": "Matroska",
}
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe",
                    b"\xfe\xed\xfa\xcf", b"\xfe\xed\xfa\xce", b"\xca\xfe\xba\xbe")
EXECUTABLE_TYPES = {"exe", "dll", "msi", "com", "bin", "elf", "so", "dylib", "app"}


class Upload(Protocol):
    """One uploaded file as the view hands it over (werkzeug's FileStorage fits)."""

    filename: str | None
    stream: BinaryIO


# --- settings and deadlines ----------------------------------------------------------------


def assignment_settings(item: Item) -> dict:
    settings = effective_settings(item, item_overrides(item.version.module))
    settings["max_files"] = int(settings.get("max_files") or 5)
    settings["max_file_mb"] = int(settings.get("max_file_mb") or 50)
    settings["allowed_types"] = [t.lower() for t in settings.get("allowed_types")
                                 or DEFAULT_ALLOWED_TYPES]
    if settings.get("pass_score") is None:
        settings["pass_score"] = 60
    return settings


def rubric_of(item: Item) -> list[dict]:
    return [c for c in (item.content or {}).get("rubric") or [] if c.get("key")]


def deadline_for(settings: dict, enrollment: Enrollment | None) -> datetime | None:
    """The deadline: ``due`` (ISO with offset), or ``due_days`` after enrolment."""
    if settings.get("due"):
        return datetime.fromisoformat(settings["due"])
    if settings.get("due_days") and enrollment is not None:
        return enrollment.created_at + timedelta(days=int(settings["due_days"]))
    return None


def _enrollment(user_id: int, course_id: int) -> Enrollment | None:
    return db.session.scalar(select(Enrollment).where(
        Enrollment.user_id == user_id, Enrollment.course_id == course_id,
        Enrollment.status != "withdrawn"))


def student_deadline(user_id: int, item: Item) -> datetime | None:
    """The deadline of ``item`` for one student (``due_days`` count from their enrolment)."""
    return deadline_for(assignment_settings(item),
                        _enrollment(user_id, item.version.module.course_id))


# --- what a student sees -------------------------------------------------------------------


def submissions_of(user_id: int, item: Item) -> list[Submission]:
    """The user's submissions for this assignment (any version), newest first."""
    return db.session.scalars(
        select(Submission).where(Submission.user_id == user_id,
                                 Submission.module_id == item.version.module_id,
                                 Submission.item_key == item.key)
        .options(selectinload(Submission.files)).order_by(Submission.number.desc())).all()


@dataclass
class AssignmentState:
    settings: dict
    rubric: list[dict]
    deadline: datetime | None
    submissions: list[Submission] = field(default_factory=list)
    enrolled: bool = False

    @property
    def latest(self) -> Submission | None:
        return self.submissions[0] if self.submissions else None

    @property
    def graded(self) -> Submission | None:
        """The newest graded submission: its grade is the one that counts."""
        return next((s for s in self.submissions if s.status == "graded"), None)

    @property
    def past_deadline(self) -> bool:
        return self.deadline is not None and utcnow() > self.deadline


def assignment_state(user, item: Item) -> AssignmentState:
    settings = assignment_settings(item)
    course_id = item.version.module.course_id
    enrollment = _enrollment(user.id, course_id)
    return AssignmentState(
        settings=settings, rubric=rubric_of(item),
        deadline=deadline_for(settings, enrollment),
        submissions=submissions_of(user.id, item) if enrollment else [],
        enrolled=enrollment is not None,
    )


def can_see_submission(user, submission: Submission) -> bool:
    """Its student, and the course's instructors and admins."""
    if not user.is_authenticated or not getattr(user, "active", True):
        return False
    if submission.user_id == user.id:
        return True
    course = db.session.get(Course, submission.course_id)
    return course is not None and can_manage(user, course)


# --- submitting ----------------------------------------------------------------------------


def display_name(filename: str | None) -> str:
    """The student's file name for display: last path part, NFC, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[-200:] or "file"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""


def storage_name(number: int, name: str) -> str:
    """``<n>-<safe name>``: ASCII only, whatever the student called the file."""
    ext = extension_of(name)
    stem = name[: -len(ext) - 1] if ext else name
    safe = secure_filename(stem)[:80].strip("._") or "file"
    safe_ext = secure_filename(ext)[:16]
    return f"{number}-{safe}.{safe_ext}" if safe_ext else f"{number}-{safe}"


@dataclass
class _Checked:
    name: str
    ext: str
    scratch: Path
    size: int
    sha256: str
    content_type: str


def submit(user, item: Item, uploads: list[Upload], *, comment: str | None = None,
           now: datetime | None = None) -> Submission:
    """Hand in ``uploads`` for the assignment ``item``.

    Checks the number of files, each file's size, type (extension, case-insensitive)
    and content (magic bytes; programs are refused whatever their name), and raises one
    ValidationError whose ``details`` list every problem; nothing is stored then. A
    submission after the deadline is accepted and flagged late. Records an "attempted"
    event. Raises NotFound when the user is not enrolled in the course.
    """
    now = now or utcnow()
    module = item.version.module
    enrollment = _enrollment(user.id, module.course_id)
    if enrollment is None or item.kind != "assignment":
        raise NotFound(_("Only students enrolled in this course can hand in this assignment."))
    settings = assignment_settings(item)
    uploads = [u for u in uploads if u is not None and (u.filename or "").strip()]
    if not uploads:
        raise ValidationError(_("Choose at least one file to hand in."))
    problems: list[str] = []
    if len(uploads) > settings["max_files"]:
        problems.append(ngettext(
            "You chose %(count)d files, but at most %(num)d file is allowed per submission.",
            "You chose %(count)d files, but at most %(num)d files are allowed per submission.",
            settings["max_files"], count=len(uploads)))
    checked: list[_Checked] = []
    try:
        for upload in uploads:
            result = _check_file(upload, settings, problems)
            if result is not None:
                checked.append(result)
        if problems:
            raise ValidationError(
                ngettext("Nothing was handed in: %(num)d problem was found.",
                         "Nothing was handed in: %(num)d problems were found.", len(problems)),
                details=problems)
        submission = _store(user, item, enrollment, settings, checked, comment, now)
    finally:
        for entry in checked:
            entry.scratch.unlink(missing_ok=True)
    progress.record(user, item, "attempted", channel=trust.SERVER, attempt=True)
    return submission


def _check_file(upload: Upload, settings: dict, problems: list[str]) -> _Checked | None:
    name = display_name(upload.filename)
    ext = extension_of(name)
    allowed = settings["allowed_types"]
    limit = settings["max_file_mb"] * 1024 * 1024
    before = len(problems)
    if ext not in allowed:
        problems.append(_("%(name)s: files of this type cannot be handed in here. Accepted "
                          "types: %(types)s.", name=name, types=", ".join(allowed)))
    folder = media_path("tmp")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(suffix=".upload", dir=folder)
    scratch = Path(tmp_name)
    digest = hashlib.sha256()
    size = 0
    head = b""
    too_big = False
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                if len(head) < SNIFF_BYTES:
                    head += chunk[:SNIFF_BYTES - len(head)]
                size += len(chunk)
                if size > limit:
                    too_big = True
                    break
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    if too_big:
        problems.append(_("%(name)s is larger than %(mb)d MB, the most allowed per file.",
                          name=name, mb=settings["max_file_mb"]))
    elif size == 0:
        problems.append(_("%(name)s is empty.", name=name))
    elif head.startswith(EXECUTABLE_MAGIC) and ext not in EXECUTABLE_TYPES:
        problems.append(_("%(name)s is a program (like an .exe), not a .%(ext)s file. Programs "
                          "cannot be handed in under another name.", name=name, ext=ext))
    elif ext in allowed and ext in MAGIC and not MAGIC[ext](head):
        problems.append(_("%(name)s is not really a %(type)s file: its content does not match "
                          "its name. Export or save it again as %(type)s.",
                          name=name, type=TYPE_NAMES.get(ext, ext.upper())))
    if len(problems) > before:
        scratch.unlink(missing_ok=True)
        return None
    content_type = CONTENT_TYPES.get(ext, OCTET_STREAM)
    if ext == "txt":
        content_type = "text/plain; charset=utf-8"
    return _Checked(name, ext, scratch, size, digest.hexdigest(), content_type)


def _store(user, item, enrollment, settings, checked: list[_Checked], comment, now
           ) -> Submission:
    module = item.version.module
    number = (db.session.scalar(select(func.max(Submission.number)).where(
        Submission.user_id == user.id, Submission.module_id == module.id,
        Submission.item_key == item.key)) or 0) + 1
    deadline = deadline_for(settings, enrollment)
    submission = Submission(
        user_id=user.id, course_id=module.course_id, module_id=module.id, item_id=item.id,
        item_key=item.key, number=number, submitted_at=now,
        late=deadline is not None and now > deadline,
        comment=(comment or "").strip()[:5000] or None, status="submitted")
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Another submission of yours was being saved at the same moment. "
                         "Reload the page to see it, then hand in again if needed.")) from None
    folder = media_path("submissions", str(submission.id))
    try:
        folder.mkdir(parents=True, exist_ok=False)
        for n, entry in enumerate(checked, start=1):
            relative = f"submissions/{submission.id}/{storage_name(n, entry.name)}"
            os.replace(entry.scratch, media_path(relative))
            submission.files.append(SubmissionFile(
                filename=entry.name[:255], storage_path=relative, size=entry.size,
                content_type=entry.content_type, sha256=entry.sha256))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return submission


# --- files: preview, download, playable builds ---------------------------------------------


def stored_path(file: SubmissionFile) -> Path:
    path = media_path(file.storage_path)
    if not path.is_file():
        raise NotFound(_("This file is no longer available."))
    return path


def preview_kind(file: SubmissionFile) -> str | None:
    """How the browser may show the file: image, video, pdf, text; None = download only."""
    kind = file.content_type.split(";")[0].strip()
    if kind in IMAGE_TYPES:
        return "image"
    if kind in VIDEO_TYPES:
        return "video"
    if kind == "application/pdf":
        return "pdf"
    if kind == "text/plain":
        return "text"
    return None


def _index_folder(names: list[str]) -> str | None:
    """The folder of the build's index.html: the top, or the zip's only top folder."""
    cleaned = [n for n in names if not n.startswith("__MACOSX/")]
    if "index.html" in cleaned:
        return ""
    tops = {n.split("/", 1)[0] for n in cleaned}
    if len(tops) == 1:
        top = tops.pop()
        if f"{top}/index.html" in cleaned:
            return top
    return None


def _unpacked_index_folder(root: Path) -> str | None:
    """Like ``_index_folder`` for an unpacked build, without walking the whole tree (it
    runs on every file request of the build)."""
    if (root / "index.html").is_file():
        return ""
    tops = [p for p in root.iterdir() if p.name != "__MACOSX"]
    if len(tops) == 1 and tops[0].is_dir() and (tops[0] / "index.html").is_file():
        return tops[0].name
    return None


def playable(file: SubmissionFile) -> bool:
    """A zip with an index.html at its top (or in its only folder): a WebGL/HTML build."""
    if not file.filename.lower().endswith(".zip"):
        return False
    try:
        with zipfile.ZipFile(media_path(file.storage_path)) as archive:
            return _index_folder(archive.namelist()) is not None
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


def build_root(file: SubmissionFile) -> Path:
    """The unpacked build's folder holding index.html; unpacked once, content-addressed
    by the zip's SHA-256 (two identical uploads share it). Raises ValidationError when the
    zip is unsafe or is no build."""
    target = media_path("submission-builds", file.sha256)
    if not target.exists():
        limits = ZipLimits(
            max_entries=current_app.config.get("PACKAGE_MAX_ENTRIES", 5_000),
            max_total_bytes=current_app.config.get("PACKAGE_MAX_UNPACKED_BYTES", 2 * 1024**3))
        try:
            extract_zip(stored_path(file), target, limits)
        except FileExistsError:
            pass  # a concurrent request unpacked it
    folder = _unpacked_index_folder(target)
    if folder is None:
        raise ValidationError(_("This zip has no index.html at its top, so it cannot be "
                                "played in the browser. Download it instead."))
    return target / folder if folder else target


def build_file(root: Path, path: str) -> Path:
    """A file inside the unpacked build, or NotFound (no '..', links out, folders)."""
    path = path or "index.html"
    if "\\" in path or "\x00" in path:
        raise NotFound(_("This file is not in the build."))
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise NotFound(_("This file is not in the build."))
    try:
        base = root.resolve(strict=True)
        candidate = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        raise NotFound(_("This file is not in the build.")) from None
    if not candidate.is_relative_to(base) or not candidate.is_file():
        raise NotFound(_("This file is not in the build."))
    return candidate


def _build_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=BUILD_TOKEN_SALT)


def build_token(file: SubmissionFile, user) -> str:
    """A token letting ``user`` load the files of the build in ``file`` for a while.

    A sandboxed frame sends no cookies, so the token in the URL path is the credential;
    access is still checked again on every request (``resolve_build_token``)."""
    return _build_serializer().dumps([int(file.id), int(user.id)])


def resolve_build_token(token: str) -> tuple[SubmissionFile, User]:
    """The file and viewer of a build token; NotFound when forged, expired, or when the
    viewer may no longer see the submission."""
    not_found = NotFound(_("This build is not available. Open it again from the "
                           "submission: links expire after a while."))
    max_age = current_app.config.get("CONTENT_TOKEN_MAX_AGE", BUILD_TOKEN_MAX_AGE)
    try:
        payload = _build_serializer().loads(token, max_age=max_age)
    except BadSignature:
        raise not_found from None
    if (not isinstance(payload, list) or len(payload) != 2
            or not all(type(v) is int for v in payload)):
        raise not_found
    file = db.session.get(SubmissionFile, payload[0])
    user = db.session.get(User, payload[1])
    if file is None or user is None or not user.active:
        raise not_found
    if not can_see_submission(user, file.submission):
        raise not_found
    return file, user


# --- grading -------------------------------------------------------------------------------


@dataclass
class QueueRow:
    submission: Submission
    item: Item | None
    superseded: bool  # a newer submission of the same student exists


def grading_queue(course: Course) -> list[QueueRow]:
    """The course's submissions: ungraded first, oldest first; then graded ones."""
    submissions = db.session.scalars(
        select(Submission).where(Submission.course_id == course.id)
        .options(selectinload(Submission.user), selectinload(Submission.files))
        .order_by(case((Submission.status == "graded", 1), else_=0),
                  Submission.submitted_at, Submission.id)).all()
    items = {i.id: i for i in db.session.scalars(select(Item).where(
        Item.id.in_({s.item_id for s in submissions})))} if submissions else {}
    newest: dict[tuple, int] = {}
    for s in submissions:
        key = (s.user_id, s.module_id, s.item_key)
        newest[key] = max(newest.get(key, 0), s.number)
    return [QueueRow(s, items.get(s.item_id), s.number < newest[(s.user_id, s.module_id,
                                                                  s.item_key)])
            for s in submissions]


def rubric_score(rubric: list[dict], points: dict[str, float]) -> float:
    total = sum(float(c["points"]) for c in rubric)
    earned = sum(float(points.get(c["key"], 0)) for c in rubric)
    return round(earned / total * 100, 2) if total else 0.0


def grade(submission: Submission, grader, *, rubric_points: dict | None = None,
          score: float | None = None, feedback: str | None = None,
          now: datetime | None = None) -> Submission:
    """Grade (or regrade) a submission.

    With a rubric, ``rubric_points`` must give every criterion a number from 0 to its
    maximum; the score is Σ points / Σ maxima × 100. Without one, ``score`` (0-100) is
    required. Every problem is reported at once (ValidationError ``details``). Records a
    "scored" event for the student (the event log keeps every grade; the submission shows
    the newest) and notifies them. The item's result is the instructor's: the best score
    among the student's graded submissions, which replaces whatever was there before
    (an instructor's grade outranks every other provenance, and a regrade corrects it).
    """
    item = db.session.get(Item, submission.item_id)
    if item is None:
        raise NotFound(_("This assignment no longer exists."))
    rubric = rubric_of(item)
    problems: list[str] = []
    clean_points: dict[str, float] | None = None
    if rubric:
        clean_points = {}
        for criterion in rubric:
            title = _criterion_title(criterion)
            raw = (rubric_points or {}).get(criterion["key"])
            try:
                value = float(raw)
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(_("%(criterion)s: give points from 0 to %(max)s.",
                                  criterion=title, max=_number(criterion["points"])))
                continue
            if not 0 <= value <= float(criterion["points"]):
                problems.append(_("%(criterion)s: %(value)s is out of range; give points from 0 "
                                  "to %(max)s.", criterion=title, value=_number(value),
                                  max=_number(criterion["points"])))
                continue
            clean_points[criterion["key"]] = value
        final = rubric_score(rubric, clean_points) if not problems else None
    else:
        try:
            final = float(score) if score is not None else None
        except (TypeError, ValueError):
            final = None
        if final is None or final != final or not 0 <= final <= 100:
            problems.append(_("Give a score from 0 to 100."))
    feedback = (feedback or "").strip()[:20000] or None
    if problems:
        raise ValidationError(_("The grade was not saved: fix the points below."),
                              details=problems)
    previous = (submission.status, submission.score, submission.feedback)
    submission.rubric_scores = clean_points
    submission.score = round(final, 2)
    submission.feedback = feedback
    submission.status = "graded"
    submission.graded_by_id = grader.id
    submission.graded_at = now or utcnow()
    db.session.commit()
    student = db.session.get(User, submission.user_id)
    best = db.session.scalar(select(func.max(Submission.score)).where(
        Submission.user_id == submission.user_id, Submission.module_id == submission.module_id,
        Submission.item_key == submission.item_key, Submission.status == "graded"))
    progress.record(student, item, "scored", channel=trust.INSTRUCTOR,
                    result={"score": {"scaled": float(best) / 100}}, attempt=False)
    regraded = previous[0] == "graded"
    if regraded and previous[1] == submission.score:
        if previous[2] != submission.feedback:
            notify.notify(student, "feedback", notification_data(item), _item_link(item))
    else:
        notify.notify(student, "grade", notification_data(item) | {
            "score": submission.score, "regraded": regraded}, _item_link(item))
    return submission


def _criterion_title(criterion: dict) -> str:
    from lms.core.i18n import pick

    return pick(criterion.get("title")) or criterion["key"]


def _number(value) -> str:
    value = float(value)
    return f"{value:g}"


def _item_link(item: Item) -> str:
    return f"/learning/items/{item.id}"


def notification_data(item: Item) -> dict:
    """What a notification about ``item`` needs to word itself in any language."""
    module = item.version.module
    course = module.course
    return {"course": course.code, "course_title": dict(course.title or {}),
            "item_title": dict(item.title or {}), "item_key": item.key,
            "module_id": module.id, "item_id": item.id}


# --- approaching deadlines -----------------------------------------------------------------


def due_soon_without_submission(now: datetime, window: timedelta
                                ) -> list[tuple[User, Item, datetime]]:
    """(student, item, deadline) for every active enrolment with an assignment due in
    (now, now + window] and no submission yet, over the modules' current versions."""
    rows = db.session.execute(
        select(Item, Module).join(ModuleVersion, Item.version_id == ModuleVersion.id)
        .join(Module, Module.current_version_id == ModuleVersion.id)
        .where(Item.kind == "assignment")).all()
    found = []
    for item, module in rows:
        settings = assignment_settings(item)
        if not settings.get("due") and not settings.get("due_days"):
            continue
        enrollments = db.session.scalars(select(Enrollment).where(
            Enrollment.course_id == module.course_id, Enrollment.status == "active")
            .options(selectinload(Enrollment.user))).all()
        submitted = set(db.session.scalars(select(Submission.user_id).where(
            Submission.module_id == module.id, Submission.item_key == item.key)))
        for enrollment in enrollments:
            due = deadline_for(settings, enrollment)
            if due is None or not now < due <= now + window:
                continue
            if enrollment.user_id in submitted or not enrollment.user.active:
                continue
            found.append((enrollment.user, item, due))
    return found


# --- the notifications it sends (listed in lms/__init__.py: _register_hooks) -----------------


def _grade_text(data: dict, *, zone=None, locale=None) -> str:
    item, course = notify.titles(data)
    if data.get("regraded"):
        return _("Your grade for “%(item)s” (%(course)s) was changed: %(score)s/100.",
                 item=item, course=course, score=notify.score_text(data.get("score")))
    return _("Your submission for “%(item)s” (%(course)s) was graded: %(score)s/100.",
             item=item, course=course, score=notify.score_text(data.get("score")))


def _feedback_text(data: dict, *, zone=None, locale=None) -> str:
    item, course = notify.titles(data)
    return _("There is new feedback on your submission for “%(item)s” (%(course)s).",
             item=item, course=course)


NOTIFICATIONS = (
    notify.NotificationKind("grade", lambda: _("Your work was graded"), _grade_text),
    notify.NotificationKind("feedback", lambda: _("New feedback on your work"), _feedback_text),
)

