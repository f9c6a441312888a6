"""Results: instructors finalise their courses' completed results; instructors and
administrators correct a final result (optimistic locking: a stale edit is refused with
a clear message); administrators import results from CSV."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalog import services as catalog
from lms.catalog.loaders import managed_course
from lms.core.access import admin_required, role_required
from lms.core.errors import Conflict, LmsError
from lms.extensions import db
from lms.records import bp, results, services
from lms.records.forms import CorrectResultForm, FinaliseForm, ImportResultsForm


@bp.get("/teaching")
@role_required("instructor", "admin")
def teaching():
    """The courses whose results the viewer finalises: their own; every one for admins."""
    courses = (catalog.search_courses(catalog.CourseFilters(), per_page=1000).items
               if current_user.role == "admin" else catalog.taught_courses(current_user))
    return render_template("records/teaching.html", courses=courses)


@bp.get("/courses/<code>/results")
@login_required
def course_results(code: str):
    course = managed_course(code)
    rows = results.pending_results(course)
    return render_template("records/course_results.html", course=course, rows=rows,
                           form=FinaliseForm())


@bp.post("/courses/<code>/results/<int:course_result_id>/finalise")
@login_required
def finalise(code: str, course_result_id: int):
    course = managed_course(code)
    try:
        completed = results.course_result(course_result_id)
    except LmsError:
        abort(404)
    if completed.course_id != course.id:
        abort(404)
    form = FinaliseForm()
    if not form.validate_on_submit():
        for message in form.first_errors():
            flash(message, "error")
    else:
        try:
            result = results.finalise_result(completed, current_user, score=form.score.data,
                                              reason=form.reason.data)
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Final: %(score)s, recorded for %(n)d institution(s).",
                    score=services.plain_number(result.score),
                    n=len(services.records_of_result(result))),
                  "success")
    if request.form.get("back") == "student" and current_user.role == "admin":
        return redirect(url_for("records.student_page", user_id=completed.user_id,
                                _anchor="awaiting"))
    return redirect(url_for("records.course_results", code=course.code))


@bp.route("/results/<int:result_id>/edit", methods=["GET", "POST"])
@login_required
def edit_result(result_id: int):
    try:
        result = services.get_result(result_id)
    except LmsError:
        abort(404)
    course = result.course
    if not services.may_manage_result(current_user, course):
        abort(404)
    form = CorrectResultForm(data={"score": result.score, "version": result.version}
                             if request.method == "GET" else None)
    conflict = None
    if form.validate_on_submit():
        try:
            results.correct_result(result, current_user, score=form.score.data,
                                    reason=form.reason.data,
                                    expected_version=int(form.version.data or 0))
        except Conflict as exc:
            conflict = exc.message  # shown above the form, with the current values
            db.session.refresh(result)
            form.version.data = result.version
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("The result is corrected and every institution's record of it "
                    "superseded; the earlier ones stay in the history."), "success")
            return redirect(url_for("records.course_results", code=course.code))
    records = services.records_of_result(result)
    return render_template("records/edit_result.html", form=form, result=result,
                           course=course, conflict=conflict, records=records), (
        409 if conflict else 200)


@bp.route("/admin/results/import", methods=["GET", "POST"])
@admin_required
def import_results():
    form = ImportResultsForm()
    problems, imported = [], None
    if form.validate_on_submit():
        try:
            imported = results.import_results_csv(form.file.data.read(), current_user)
        except LmsError as exc:
            flash(exc.message, "error")
            problems = exc.details
        else:
            flash(_("%(n)d results finalised.", n=len(imported)), "success")
    return render_template("records/import_results.html", form=form, problems=problems,
                           imported=imported, columns=results.RESULT_CSV_COLUMNS)
