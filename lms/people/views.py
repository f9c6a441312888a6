"""Administrators manage accounts and cohorts."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.auth import services as auth_services
from lms.core.access import admin_required
from lms.core.errors import LmsError
from lms.extensions import db
from lms.people import bp, services
from lms.people.forms import CohortForm, ImportForm, NewUserForm
from lms.people.models import Cohort


def _cohort_choices():
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.code)).all()
    return [("", _("No cohort"))] + [(str(c.id), f"{c.code} — {c.name}") for c in cohorts]


def _chosen_cohort(value: str | None) -> Cohort | None:
    return db.session.get(Cohort, int(value)) if value and value.isdigit() else None


@bp.get("/")
@admin_required
def users():
    page = request.args.get("page", 1, type=int)
    query = request.args.get("q", "")[:100]
    role = request.args.get("role")
    pagination = services.list_users(query, role, page)
    return render_template("people/users.html", pagination=pagination, q=query, role=role)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = NewUserForm()
    form.cohort.choices = _cohort_choices()
    if form.validate_on_submit():
        cohort = _chosen_cohort(form.cohort.data)
        try:
            user = auth_services.create_user(
                form.email.data, form.name.data, form.role.data, form.password.data,
                name_ja=form.name_ja.data, name_kana=form.name_kana.data,
                student_number=form.student_number.data,
                cohort_id=cohort.id if cohort else None, must_change_password=True,
            )
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Account created for %(email)s. They will choose a new password when they "
                    "first sign in.", email=user.email), "success")
            return redirect(url_for("people.users"))
    return render_template("people/new_user.html", form=form)


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_people():
    form = ImportForm()
    form.cohort.choices = _cohort_choices()
    problems, imported = [], None
    if form.validate_on_submit():
        try:
            imported = services.import_people_csv(
                form.file.data.read(), cohort=_chosen_cohort(form.cohort.data)
            )
        except LmsError as exc:
            flash(exc.message, "error")
            problems = exc.details
        else:
            flash(_("%(n)d people imported.", n=len(imported)), "success")
    return render_template("people/import.html", form=form, problems=problems, imported=imported,
                           columns=services.CSV_COLUMNS)


@bp.route("/cohorts", methods=["GET", "POST"])
@admin_required
def cohorts():
    form = CohortForm()
    if form.validate_on_submit():
        try:
            services.create_cohort(form.code.data, form.name.data, form.intake_year.data)
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Cohort %(code)s created.", code=form.code.data), "success")
            return redirect(url_for("people.cohorts"))
    counts = dict(
        db.session.execute(
            select(Cohort.id, func.count()).join(Cohort.students).group_by(Cohort.id)
        ).all()
    )
    rows = db.session.scalars(select(Cohort).order_by(Cohort.code)).all()
    return render_template("people/cohorts.html", form=form, cohorts=rows, counts=counts)
