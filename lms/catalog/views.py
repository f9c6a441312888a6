"""Browse, search, and (admins) manage the catalogue and enrolments."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.authoring import search
from lms.catalog import bp, services
from lms.catalog.forms import CourseForm, EnrollForm, SelfEnrollForm
from lms.catalog.models import COURSE_LANGUAGES, JLPT_LEVELS, Course, Institution, Track
from lms.core.access import admin_required
from lms.core.errors import LmsError
from lms.core.forms import LmsForm
from lms.core.i18n import pick
from lms.core.pagecache import cached_page
from lms.extensions import db
from lms.people.models import Cohort


@bp.get("/")
@login_required
@cached_page
def index():
    filters = services.CourseFilters(
        q=request.args.get("q", "")[:100],
        track=request.args.get("track") or None,
        provider=request.args.get("provider") or None,
        level=request.args.get("level") or None,
        language=request.args.get("language") or None,
    )
    page = request.args.get("page", 1, type=int)
    results = services.search_courses(filters, page, content=search.matching_courses)
    enrolled = {c.id for c in services.my_courses(current_user)}
    return render_template("catalog/index.html", results=results, filters=filters,
                           facets=services.facets(), enrolled=enrolled)


@bp.get("/<code>")
@login_required
@cached_page
def course(code: str):
    course = services.course_by_code(code)
    if not course.published and not services.can_manage(current_user, course):
        abort(404)
    enrollment = services.enrollment_of(current_user, course)
    return render_template("catalog/course.html", course=course, enrollment=enrollment,
                           can_manage=services.can_manage(current_user, course),
                           form=SelfEnrollForm())


@bp.post("/<code>/enrol")
@login_required
def self_enroll(code: str):
    course = services.course_by_code(code)
    if current_user.role != "student":
        abort(403)
    form = SelfEnrollForm()
    if form.validate_on_submit():
        services.self_enroll(course, current_user)
        flash(_("You are enrolled in %(title)s.", title=services.course_title(course)), "success")
    return redirect(url_for("learning.course", code=course.code))


def _form_choices(form: CourseForm) -> None:
    institutions = db.session.scalars(select(Institution).order_by(Institution.code)).all()
    form.provider.choices = [(i.code, f"{i.code} — {pick(i.name)}") for i in institutions]
    form.track.choices = [("", _("No track"))] + [
        (t.code, pick(t.title)) for t in db.session.scalars(select(Track))]
    form.language.choices = [(code, code) for code in COURSE_LANGUAGES]
    form.jlpt_level.choices = [("", _("None"))] + [(lvl, lvl) for lvl in JLPT_LEVELS]


def _parse_credits(text: str) -> dict[str, str]:
    result = {}
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        code, sep, value = part.partition("=")
        if not sep:
            raise LmsError(_("Write credits as CODE=number, for example JDU=3, TUT=2."))
        result[code.strip()] = value.strip()
    return result


def _fields_from(form: CourseForm) -> services.CourseFields:
    return services.CourseFields(
        code=form.code.data.strip(),
        title={"en": form.title_en.data, "ja": form.title_ja.data, "uz": form.title_uz.data},
        description={"en": form.description_en.data, "ja": form.description_ja.data,
                     "uz": form.description_uz.data},
        provider=form.provider.data, hours=form.hours.data,
        credits=_parse_credits(form.credits.data), language=form.language.data,
        track=form.track.data or None, jlpt_level=form.jlpt_level.data or None,
        self_enroll=form.self_enroll.data,
        instructors=[e for e in (form.instructors.data or "").replace(";", ",").split(",")
                     if e.strip()],
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new_course():
    form = CourseForm()
    _form_choices(form)
    problems = []
    if form.validate_on_submit():
        try:
            course = services.save_course(_fields_from(form))
        except LmsError as exc:
            flash(exc.message, "error")
            problems = exc.details
        else:
            flash(_("Course %(code)s created.", code=course.code), "success")
            return redirect(url_for("authoring.course", code=course.code))
    return render_template("catalog/edit.html", form=form, problems=problems, course=None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit_course(code: str):
    course = services.course_by_code(code)
    if not services.can_manage(current_user, course):
        abort(404)
    form = CourseForm(data=_course_data(course) if request.method == "GET" else None)
    _form_choices(form)
    problems = []
    if form.validate_on_submit():
        fields = _fields_from(form)
        fields.code = course.code  # the code is the course's identity: never renamed here
        if current_user.role != "admin":  # instructors may not change who teaches
            fields.instructors = [u.email for u in course.instructors]
        try:
            services.save_course(fields, course)
        except LmsError as exc:
            flash(exc.message, "error")
            problems = exc.details
        else:
            flash(_("Course settings saved."), "success")
            return redirect(url_for("authoring.course", code=course.code))
    return render_template("catalog/edit.html", form=form, problems=problems, course=course)


@bp.post("/<code>/trust")
@admin_required
def course_trust(code: str):
    """What the course's certificates and credit records may rest on (administrators)."""
    course = services.course_by_code(code)
    if LmsForm().validate_on_submit():
        try:
            services.set_trusted_provenance(course, request.form.getlist("trusted"))
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Saved: what %(code)s's certificates and credit records may rest on.",
                    code=course.code), "success")
    return redirect(url_for("catalog.edit_course", code=course.code))


def _course_data(course: Course) -> dict:
    return {
        "code": course.code,
        **{f"title_{k}": course.title.get(k, "") for k in ("en", "ja", "uz")},
        **{f"description_{k}": (course.description or {}).get(k, "") for k in ("en", "ja", "uz")},
        "provider": course.provider.code, "track": course.track.code if course.track else "",
        "language": course.language, "hours": course.hours,
        "credits": ", ".join(f"{c.institution.code}={c.credits.normalize():f}"
                             for c in course.credits),
        "jlpt_level": course.jlpt_level or "", "self_enroll": course.self_enroll,
        "instructors": ", ".join(u.email for u in course.instructors),
    }


@bp.route("/<code>/enrolments", methods=["GET", "POST"])
@login_required
def enrollments(code: str):
    course = services.course_by_code(code)
    if not services.can_manage(current_user, course):
        abort(404)
    form = EnrollForm()
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.code)).all()
    form.cohort.choices = [("", _("No cohort"))] + [(str(c.id), c.name) for c in cohorts]
    if form.validate_on_submit():
        try:
            if form.cohort.data:
                cohort = db.session.get(Cohort, int(form.cohort.data))
                if cohort is None:
                    abort(404)
                added = services.enroll_cohort(course, cohort)
            else:
                emails = (form.emails.data or "").replace(",", "\n").split()
                added = services.enroll_by_emails(course, emails, source="admin")
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("%(n)d student(s) enrolled.", n=len(added)), "success")
            return redirect(url_for("catalog.enrollments", code=course.code))
    rows = services.course_enrollments(course)
    return render_template("catalog/enrollments.html", course=course, form=form, rows=rows)
