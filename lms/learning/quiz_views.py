"""Quiz attempts: start, answer, submit, feedback."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.models import User
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.core.errors import Conflict, LmsError
from lms.extensions import db
from lms.learning import bp, quizzes, services
from lms.learning.forms import QuizAnswersForm, StartQuizForm, answer_field, read_responses
from lms.learning.loaders import viewable_item
from lms.learning.models import QuizAttempt
from lms.learning.notify import format_deadline


@dataclass
class QuizPanel:
    """What the quiz item page shows the viewer."""

    state: quizzes.QuizState
    manage: bool
    students: list[quizzes.StudentAttempts]


def quiz_panel(item: Item) -> QuizPanel:
    course = item.version.module.course
    manage = catalog.can_manage(current_user, course)
    enrolled = catalog.enrollment_of(current_user, course) is not None
    return QuizPanel(
        state=quizzes.quiz_state(current_user, item, enrolled=enrolled), manage=manage,
        students=quizzes.attempts_by_student(item) if manage else [])


@bp.app_context_processor
def _quiz_helpers():
    # The item page (learning/item.html) includes items/quiz.html with only the item in
    # its context; these let that template ask for the viewer's state.
    return {"quiz_panel": quiz_panel, "quiz_ran_out": quizzes.ran_out_of_time,
            "deadline_text": format_deadline}


# --- loading with access checks --------------------------------------------------------


def _attempt(attempt_id: int) -> tuple[QuizAttempt, Item, bool]:
    """The attempt, its item and whether the viewer owns it; 404 for anyone else than its
    student and the course's instructors and admins."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None:
        abort(404)
    item = db.session.get(Item, attempt.item_id)
    if item is None:
        abort(404)
    owner = attempt.user_id == current_user.id
    if not owner and not catalog.can_manage(current_user, item.version.module.course):
        abort(404)
    return attempt, item, owner


# --- routes ---------------------------------------------------------------------------------


@bp.post("/items/<int:item_id>/quiz/start")
@login_required
def start_quiz(item_id: int):
    item = viewable_item(item_id, "quiz", current=True)
    back = url_for("learning.item", item_id=item.id)
    if catalog.enrollment_of(current_user, item.version.module.course) is None:
        flash(_("Only students enrolled in this course can take the quiz."), "error")
        return redirect(back)
    if not StartQuizForm().validate_on_submit():
        flash(_("The form has expired. Press Start again."), "error")
        return redirect(back)
    try:
        started = quizzes.start_attempt(current_user, item)
    except LmsError as exc:
        flash(exc.message, "error")
        return redirect(back)
    if started.closed is not None:
        flash(_("Your attempt %(n)d ran out of time and was closed with a score of 0.",
                n=started.closed.number), "warning")
    if started.resumed:
        flash(_("You have an unfinished attempt: carry on with it."), "info")
    return redirect(url_for("learning.quiz_attempt", attempt_id=started.attempt.id))


@bp.get("/quiz-attempts/<int:attempt_id>")
@login_required
def quiz_attempt(attempt_id: int):
    attempt, item, owner = _attempt(attempt_id)
    if attempt.submitted_at is not None or not owner:
        return redirect(url_for("learning.quiz_review", attempt_id=attempt.id))
    if quizzes.expired(attempt):
        try:
            quizzes.close_expired(current_user, attempt)
        except Conflict:
            pass
        flash(_("The time for this attempt is up. It was closed with a score of 0."), "error")
        return redirect(url_for("learning.quiz_review", attempt_id=attempt.id))
    settings = quizzes.quiz_settings(item)
    questions = quizzes.presented_questions(attempt, quizzes.questions_of(item),
                                            bool(settings.get("shuffle")))
    return render_template(
        "learning/quiz_attempt.html", attempt=attempt, item=item, version=item.version,
        module=item.version.module, course=item.version.module.course, settings=settings,
        questions=questions, seconds_left=quizzes.seconds_left(attempt),
        form=QuizAnswersForm(), field=answer_field)


@bp.post("/quiz-attempts/<int:attempt_id>/submit")
@login_required
def submit_quiz(attempt_id: int):
    attempt, item, owner = _attempt(attempt_id)
    if not owner:
        abort(404)
    if not QuizAnswersForm().validate_on_submit():
        flash(_("The form has expired. Your answers were not sent: answer again and "
                "submit."), "error")
        return redirect(url_for("learning.quiz_attempt", attempt_id=attempt.id))
    responses = read_responses(quizzes.questions_of(item), request.form)
    try:
        outcome = quizzes.submit_attempt(current_user, attempt, responses)
    except Conflict as exc:
        flash(exc.message, "info")
        return redirect(url_for("learning.quiz_review", attempt_id=attempt.id))
    if not outcome.in_time:
        flash(_("Your answers arrived after the time limit (%(time)s, with 30 seconds' grace), "
                "so they were not scored. This attempt is closed with a score of 0.",
                time=format_deadline(attempt.deadline)), "error")
    else:
        flash(_("Your answers were submitted."), "success")
    return redirect(url_for("learning.quiz_review", attempt_id=attempt.id))


@bp.get("/quiz-attempts/<int:attempt_id>/review")
@login_required
def quiz_review(attempt_id: int):
    attempt, item, owner = _attempt(attempt_id)
    if attempt.submitted_at is None and owner:
        return redirect(url_for("learning.quiz_attempt", attempt_id=attempt.id))
    settings = quizzes.quiz_settings(item)
    student_attempts = quizzes.attempts_of(attempt.user_id, item)
    show_answers = not owner or quizzes.feedback_open(settings, student_attempts)
    rows = quizzes.review_rows(attempt, quizzes.questions_of(item),
                               bool(settings.get("shuffle"))) if show_answers else []
    student = db.session.get(User, attempt.user_id)
    return render_template(
        "learning/quiz_review.html", attempt=attempt, item=item, version=item.version,
        module=item.version.module, course=item.version.module.course, settings=settings,
        rows=rows, show_answers=show_answers, owner=owner, student=student,
        ran_out=quizzes.ran_out_of_time(attempt),
        counted=quizzes.counted_score(settings, student_attempts),
        current=services.current_item(item))
