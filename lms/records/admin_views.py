"""Administrators: the records home, cohort overview, grade scales, programme
requirements, the HEMIS export and the audit log."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.catalog import reference
from lms.catalog.models import Institution
from lms.core.access import admin_required
from lms.core.errors import LmsError
from lms.core.feedback import flash_problems
from lms.core.i18n import pick
from lms.extensions import db
from lms.people import services as people
from lms.people.models import Cohort
from lms.records import bp, degree_audit, hemis, requirements, scales
from lms.records.forms import ConfirmForm, RequirementForm, ScaleForm
from lms.records.models import AuditLog


@bp.get("/admin/")
@admin_required
def admin_index():
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.code)).all()
    return render_template("records/admin_index.html", cohorts=cohorts,
                           programmes=requirements.programmes())


@bp.get("/admin/cohorts/<code>")
@admin_required
def cohort_overview(code: str):
    cohort = people.cohort_by_code(code)
    if cohort is None:
        abort(404)
    overview = degree_audit.cohort_overview(cohort)
    rows, page, pages = overview.page(request.args.get("page", 1, type=int))
    return render_template("records/cohort.html", cohort=cohort, overview=overview,
                           rows=rows, page=page, pages=pages,
                           institutions=overview.institutions)


# --- grade scales --------------------------------------------------------------------


@bp.get("/admin/scales")
@admin_required
def scale_list():
    listed = scales.list_scales()
    return render_template("records/scales.html", scales=listed,
                           in_use={s.id: scales.scale_in_use(s) for s in listed})


def _scale_form(form: ScaleForm) -> ScaleForm:
    form.institution.choices = [SelectChoice("", _("Every institution of the country"))] + [
        SelectChoice(i.code, f"{i.code} — {pick(i.name)}")
        for i in db.session.scalars(select(Institution).order_by(Institution.code))]
    return form


def _scale_fields(form: ScaleForm, code: str) -> scales.ScaleFields:
    return scales.ScaleFields(
        code=code, country=form.country.data, institution=form.institution.data or None,
        name={"en": form.name_en.data, "ja": form.name_ja.data, "uz": form.name_uz.data},
        basis={"en": form.basis_en.data}, valid_from=form.valid_from.data,
        valid_until=form.valid_until.data, bands=scales.parse_bands(form.bands.data))


@bp.route("/admin/scales/new", methods=["GET", "POST"])
@admin_required
def new_scale():
    form = _scale_form(ScaleForm())
    problems = []
    if request.method == "GET":
        form.bands.data = "90, S, 4, pass, 秀, aʼlo, S\n0, F, 0, fail, 不可, qoniqarsiz, F"
    if form.validate_on_submit():
        try:
            scale = scales.save_scale(_scale_fields(form, form.code.data), current_user)
        except LmsError as exc:
            flash(exc.message, "error")
            problems = exc.details
        else:
            flash(_("Grade scale %(code)s saved.", code=scale.code), "success")
            return redirect(url_for("records.scale_list"))
    return render_template("records/scale_form.html", form=form, scale=None,
                           problems=problems, in_use=False)


@bp.route("/admin/scales/<int:scale_id>", methods=["GET", "POST"])
@admin_required
def edit_scale(scale_id: int):
    try:
        scale = scales.get_scale(scale_id)
    except LmsError:
        abort(404)
    data = None
    if request.method == "GET":
        data = {"code": scale.code, "country": scale.country,
                "institution": scale.institution.code if scale.institution else "",
                "name_en": scale.name.get("en", ""), "name_ja": scale.name.get("ja", ""),
                "name_uz": scale.name.get("uz", ""),
                "basis_en": (scale.basis or {}).get("en", ""),
                "valid_from": scale.valid_from, "valid_until": scale.valid_until,
                "bands": scales.bands_text(scale)}
    form = _scale_form(ScaleForm(data=data))
    form.code.render_kw = {"readonly": True}
    problems = []
    if form.validate_on_submit():
        try:
            scales.save_scale(_scale_fields(form, scale.code), current_user, scale)
        except LmsError as exc:
            flash(exc.message, "error")
            problems = exc.details
        else:
            flash(_("Grade scale %(code)s saved.", code=scale.code), "success")
            return redirect(url_for("records.scale_list"))
    return render_template("records/scale_form.html", form=form, scale=scale,
                           problems=problems, in_use=scales.scale_in_use(scale))


# --- requirements --------------------------------------------------------------------


@bp.route("/admin/programmes/<code>/requirements", methods=["GET", "POST"])
@admin_required
def program_requirements(code: str):
    try:
        program = reference.get_program(code)
    except LmsError:
        abort(404)
    form = RequirementForm()
    form.institution.choices = [SelectChoice(i.code, f"{i.code} — {pick(i.name)}")
                                for i in program.institutions]
    if form.validate_on_submit():
        try:
            institution = reference.get_institution(form.institution.data or "")
            requirements.add_requirement(
                program, institution, form.kind.data, current_user, credits=form.credits.data,
                category=form.category.data, course_code=form.course_code.data,
                jlpt_level=form.jlpt_level.data or None)
        except LmsError as exc:
            flash_problems(exc)
        else:
            flash(_("Requirement added."), "success")
            return redirect(url_for("records.program_requirements", code=program.code))
    lines = [(i, [(r, degree_audit.requirement_label(r))
                  for r in degree_audit.requirements_of(program, i)])
             for i in program.institutions]
    return render_template("records/requirements.html", program=program, form=form,
                           lines=lines, remove=ConfirmForm())


@bp.post("/admin/requirements/<int:requirement_id>/remove")
@admin_required
def remove_requirement(requirement_id: int):
    try:
        row = requirements.get_requirement(requirement_id)
    except LmsError:
        abort(404)
    code = row.program.code
    if ConfirmForm().validate_on_submit():
        requirements.remove_requirement(row, current_user)
        flash(_("Requirement removed."), "success")
    return redirect(url_for("records.program_requirements", code=code))


# --- HEMIS export and the audit log ---------------------------------------------------


@bp.get("/admin/hemis")
@admin_required
def hemis_page():
    institutions = db.session.scalars(select(Institution).where(Institution.country == "UZ")
                                      .order_by(Institution.code)).all()
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.code)).all()
    return render_template("records/hemis.html", institutions=institutions, cohorts=cohorts,
                           columns=hemis.COLUMNS)


@bp.get("/admin/hemis.csv")
@admin_required
def hemis_csv():
    try:
        institution = reference.get_institution(request.args.get("institution", ""))
        cohort = people.cohort_by_code(request.args["cohort"]) if request.args.get(
            "cohort") else None
        chunks = hemis.csv_chunks(institution, term=request.args.get("term") or None,
                                  cohort_id=cohort.id if cohort else None)
    except LmsError as exc:
        flash(exc.message, "error")
        return redirect(url_for("records.hemis_page"))
    filename = f"hemis-{institution.code}-{request.args.get('term') or 'all'}.csv"

    def body():  # streamed: rows leave as the database reads them
        yield "\ufeff"
        yield from chunks

    return Response(stream_with_context(body()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/admin/audit-log")
@admin_required
def audit_log():
    rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(200)).all()
    return render_template("records/audit_log.html", rows=rows)
