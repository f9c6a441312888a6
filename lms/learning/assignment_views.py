"""Assignment submissions, their files and playable builds, the grading queue, and the
notifications page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.models import User
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.content.services import content_disposition, describe_file
from lms.core.errors import LmsError, NotFound, ValidationError
from lms.core.feedback import flash_problems
from lms.core.markdown import render_markdown
from lms.extensions import db
from lms.learning import assignments, bp
from lms.learning import notify as notifications
from lms.learning.forms import GradeForm, MarkReadForm, SubmissionForm, read_rubric_points
from lms.learning.loaders import viewable_item
from lms.learning.models import Notification, Submission, SubmissionFile
from lms.learning.notify import format_deadline

# Students' files are shown from the platform's origin, so they are sandboxed and never
# sniffed: even a file that got past the checks cannot run script here.
FILE_CSP = ("sandbox; default-src 'none'; img-src 'self'; media-src 'self'; "
            "style-src 'unsafe-inline'; frame-ancestors 'self'")
# A student's WebGL/HTML build runs scripts, but in an opaque origin (no allow-same-origin):
# it cannot read the platform's cookies or pages.
BUILD_CSP = ("sandbox allow-scripts allow-pointer-lock; "
             "default-src 'self' 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval' data: blob:; "
             "frame-ancestors 'self'")


@dataclass
class AssignmentPanel:
    state: assignments.AssignmentState
    manage: bool
    course_code: str


def assignment_panel(item: Item) -> AssignmentPanel:
    course = item.version.module.course
    return AssignmentPanel(assignments.assignment_state(current_user, item),
                           catalog.can_manage(current_user, course), course.code)


def file_url(file: SubmissionFile, download: bool = False) -> str:
    return url_for("learning.submission_file", submission_id=file.submission_id,
                   file_id=file.id, **({"download": 1} if download else {}))


def build_url(file: SubmissionFile) -> str:
    return url_for("learning.build_index", token=assignments.build_token(file, current_user))


@bp.app_context_processor
def _assignment_helpers():
    # The item page includes items/assignment.html with only the item in its context.
    return {"assignment_panel": assignment_panel, "submission_file_url": file_url,
            "submission_build_url": build_url, "submission_preview": assignments.preview_kind,
            "submission_playable": assignments.playable, "feedback_html": render_markdown,
            "deadline_text": format_deadline}


# --- loading with access checks ------------------------------------------------------------


def _visible_submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None or not assignments.can_see_submission(current_user, submission):
        abort(404)
    return submission


def _managed_submission(submission_id: int) -> Submission:
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        abort(404)
    course = db.session.get(catalog.Course, submission.course_id)
    if course is None or not catalog.can_manage(current_user, course):
        abort(404)
    return submission


# --- handing in ---------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/submissions")
@login_required
def submit_assignment(item_id: int):
    item = viewable_item(item_id, "assignment", current=True)
    back = url_for("learning.item", item_id=item.id) + "#hand-in"
    form = SubmissionForm()
    if not form.validate_on_submit():
        for error in form.first_errors() or [_("The form has expired. Choose your files "
                                               "again and hand them in.")]:
            flash(error, "error")
        return redirect(back)
    try:
        submission = assignments.submit(current_user, item, request.files.getlist("files"),
                                        comment=form.comment.data)
    except ValidationError as exc:
        flash_problems(exc)
        return redirect(back)
    except LmsError as exc:
        flash(exc.message, "error")
        return redirect(back)
    if submission.late:
        flash(_("Submission %(n)d was received, after the deadline: it is marked late.",
                n=submission.number), "warning")
    else:
        flash(_("Submission %(n)d was received.", n=submission.number), "success")
    return redirect(url_for("learning.item", item_id=item.id) + "#submissions")


@bp.get("/submissions/<int:submission_id>/files/<int:file_id>")
@login_required
def submission_file(submission_id: int, file_id: int):
    """A submitted file, for its student and the course's instructors only (404 for
    anyone else, checked on every request). Shown inline for images, video, PDF and
    text; anything else, or ``?download=1``, is an attachment."""
    submission = _visible_submission(submission_id)
    file = db.session.get(SubmissionFile, file_id)
    if file is None or file.submission_id != submission.id:
        abort(404)
    try:
        path = assignments.stored_path(file)
    except NotFound:
        abort(404)
    inline = request.args.get("download") != "1" and assignments.preview_kind(file)
    content_type = file.content_type if inline else "application/octet-stream"
    response = send_file(path, mimetype=content_type, conditional=True, etag=True,
                         max_age=0)
    response.headers["Content-Type"] = content_type
    disposition = content_disposition(file.filename)  # RFC 5987: never the raw name
    if inline:
        disposition = "inline" + disposition[len("attachment"):]
    response.headers["Content-Disposition"] = disposition
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- playable builds (a zip with index.html), sandboxed --------------------------------------


@bp.get("/builds/<token>/")
def build_index(token: str):
    return _serve_build(token, "index.html")


@bp.get("/builds/<token>/<path:path>", merge_slashes=False)
def build_asset(token: str, path: str):
    return _serve_build(token, path)


def _serve_build(token: str, path: str):
    # No login_required: a sandboxed frame sends no cookies. The token names the file
    # and the viewer, and access is checked again on every request.
    file, _viewer = assignments.resolve_build_token(token)
    root = assignments.build_root(file)
    served = describe_file(assignments.build_file(root, path))
    response = send_file(served.path, mimetype=served.content_type, conditional=True,
                         etag=True, max_age=0)
    response.headers["Content-Type"] = served.content_type
    response.headers.pop("Content-Disposition", None)
    if served.encoding:
        response.headers["Content-Encoding"] = served.encoding
        response.vary.add("Accept-Encoding")
    if served.attachment:
        response.headers["Content-Disposition"] = content_disposition(served.path.name)
    response.headers["Content-Security-Policy"] = BUILD_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The frame's origin is opaque, so its own files are cross-origin to it; the token is
    # the only credential (never a cookie), so these are safe to open.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- grading -------------------------------------------------------------------------------


@bp.get("/courses/<code>/grading")
@login_required
def grading_queue(code: str):
    course = catalog.course_by_code(code)
    if not catalog.can_manage(current_user, course):
        abort(404)
    rows = assignments.grading_queue(course)
    return render_template("learning/grading_queue.html", course=course, rows=rows,
                           waiting=sum(1 for r in rows if r.submission.status != "graded"))


@bp.route("/submissions/<int:submission_id>/grade", methods=["GET", "POST"])
@login_required
def grade_submission(submission_id: int):
    submission = _managed_submission(submission_id)
    item = db.session.get(Item, submission.item_id)
    if item is None:
        abort(404)
    course = item.version.module.course
    rubric = assignments.rubric_of(item)
    form = GradeForm()
    points = read_rubric_points(rubric, request.form) if request.method == "POST" else {
        k: f"{float(v):g}" for k, v in (submission.rubric_scores or {}).items()}
    problems: list[str] = []
    if request.method == "GET":
        form.feedback.data = submission.feedback or ""
        if submission.score is not None and not rubric:
            form.score.data = submission.score
    elif form.validate_on_submit():
        try:
            assignments.grade(submission, current_user, rubric_points=points,
                              score=form.score.data, feedback=form.feedback.data)
        except ValidationError as exc:
            problems = [exc.message, *[str(d) for d in exc.details or []]]
        else:
            score = format(submission.score, "g")
            flash(_("The grade for %(name)s was saved: %(score)s/100.",
                    name=submission.user.name, score=score), "success")
            return redirect(url_for("learning.grading_queue", code=course.code))
    else:
        problems = form.first_errors() or [_("The form has expired. Send it again.")]
    history = assignments.submissions_of(submission.user_id, item)
    status = 422 if problems else 200
    return render_template(
        "learning/grade_submission.html", submission=submission, item=item,
        course=course, rubric=rubric, points=points, form=form, problems=problems,
        student=db.session.get(User, submission.user_id), history=history,
        deadline=assignments.student_deadline(submission.user_id, item),
    ), status


# --- notifications -------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications_page():
    rows = notifications.notifications_of(current_user)
    return render_template("learning/notifications.html", rows=rows, form=MarkReadForm(),
                           text=notifications.notification_text,
                           unread=sum(1 for n in rows if n.read_at is None))


@bp.post("/notifications/read")
@login_required
def notifications_read():
    if MarkReadForm().validate_on_submit():
        count = notifications.mark_all_read(current_user)
        flash(_("All notifications are marked as read.") if count else
              _("There were no unread notifications."), "success")
    else:
        flash(_("The form has expired. Try again."), "error")
    return redirect(url_for("learning.notifications_page"))


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    notifications.mark_read(row)
    return redirect(notifications.safe_link(row.link)
                    or url_for("learning.notifications_page"))
