"""Administrators manage the catalogue's reference data: institutions, programmes, tracks."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from lms.catalog import bp, reference
from lms.catalog.reference import REFERENCE_LANGUAGES
from lms.catalog.reference_forms import (
    OTHER_COUNTRY,
    DeleteForm,
    InstitutionForm,
    ProgramForm,
    TrackForm,
)
from lms.core.access import admin_required
from lms.core.errors import LmsError
from lms.core.i18n import pick

COUNTRIES_IN_SELECT = ("UZ", "JP")


@bp.get("/admin")
@admin_required
def reference_data():
    return render_template("catalog/reference.html", **reference.reference_data(),
                           country_name=reference.country_name)


# --- institutions ------------------------------------------------------------------


@bp.route("/admin/institutions/new", methods=["GET", "POST"])
@admin_required
def new_institution():
    form = InstitutionForm()
    problems = []
    if _submitted(form):
        try:
            institution = reference.save_institution(_institution_fields(form))
        except LmsError as exc:
            problems = _show_problems(form, exc, _institution_targets(form))
        else:
            flash(_("Institution %(code)s created.", code=institution.code), "success")
            return redirect(url_for("catalog.reference_data", _anchor="institutions"))
    return render_template("catalog/institution_form.html", form=form, institution=None,
                           problems=problems)


@bp.route("/admin/institutions/<code>", methods=["GET", "POST"])
@admin_required
def edit_institution(code: str):
    institution = reference.get_institution(code)
    form = InstitutionForm(data=_institution_data(institution)
                           if request.method == "GET" else None)
    form.code.render_kw = {**(form.code.render_kw or {}), "readonly": True}
    problems = []
    if _submitted(form):
        try:
            reference.save_institution(_institution_fields(form), institution)
        except LmsError as exc:
            problems = _show_problems(form, exc, _institution_targets(form))
        else:
            flash(_("Institution %(code)s saved.", code=institution.code), "success")
            return redirect(url_for("catalog.reference_data", _anchor="institutions"))
    return render_template("catalog/institution_form.html", form=form, institution=institution,
                           problems=problems, used_by=reference.usage(institution),
                           delete_form=_delete_form(_("Yes, delete the institution %(code)s",
                                                      code=institution.code)))


@bp.post("/admin/institutions/<code>/delete")
@admin_required
def delete_institution(code: str):
    institution = reference.get_institution(code)
    return _delete(institution, reference.delete_institution, "catalog.edit_institution",
                   "institutions", _("Institution %(code)s deleted.", code=code))


def _institution_fields(form: InstitutionForm) -> reference.InstitutionFields:
    country = form.country.data
    if country == OTHER_COUNTRY or country not in COUNTRIES_IN_SELECT:
        country = (form.country_other.data or "").strip().upper()
    return reference.InstitutionFields(
        code=form.code.data or "", name=_texts(form, "name"), country=country,
        credit_hours=form.credit_hours.data)


def _institution_targets(form: InstitutionForm) -> dict[str, str]:
    """Service field -> the form field its problems are shown under."""
    country = "country" if form.country.data in COUNTRIES_IN_SELECT else "country_other"
    return {"name": "name_en", "country": country}


def _institution_data(institution) -> dict:
    in_select = institution.country in COUNTRIES_IN_SELECT
    return {
        "code": institution.code,
        **{f"name_{lang}": (institution.name or {}).get(lang, "") for lang in REFERENCE_LANGUAGES},
        "country": institution.country if in_select else OTHER_COUNTRY,
        "country_other": "" if in_select else institution.country,
        "credit_hours": str(institution.credit_hours),
    }


# --- programmes --------------------------------------------------------------------


@bp.route("/admin/programmes/new", methods=["GET", "POST"])
@admin_required
def new_program():
    form = ProgramForm()
    institutions = _institution_choices(form)
    problems = []
    if _submitted(form):
        try:
            program = reference.save_program(_program_fields(form))
        except LmsError as exc:
            problems = _show_problems(form, exc, {"title": "title_en"})
        else:
            flash(_("Programme %(code)s created.", code=program.code), "success")
            return redirect(url_for("catalog.reference_data", _anchor="programmes"))
    return render_template("catalog/program_form.html", form=form, program=None,
                           institutions=institutions, problems=problems)


@bp.route("/admin/programmes/<code>", methods=["GET", "POST"])
@admin_required
def edit_program(code: str):
    program = reference.get_program(code)
    form = ProgramForm(data=_program_data(program) if request.method == "GET" else None)
    form.code.render_kw = {**(form.code.render_kw or {}), "readonly": True}
    institutions = _institution_choices(form)
    problems = []
    if _submitted(form):
        try:
            reference.save_program(_program_fields(form), program)
        except LmsError as exc:
            problems = _show_problems(form, exc, {"title": "title_en"})
        else:
            flash(_("Programme %(code)s saved.", code=program.code), "success")
            return redirect(url_for("catalog.reference_data", _anchor="programmes"))
    return render_template("catalog/program_form.html", form=form, program=program,
                           institutions=institutions, problems=problems,
                           used_by=reference.usage(program),
                           delete_form=_delete_form(_("Yes, delete the programme %(code)s",
                                                      code=program.code)))


@bp.post("/admin/programmes/<code>/delete")
@admin_required
def delete_program(code: str):
    program = reference.get_program(code)
    return _delete(program, reference.delete_program, "catalog.edit_program", "programmes",
                   _("Programme %(code)s deleted.", code=code))


def _institution_choices(form: ProgramForm) -> dict:
    institutions = reference.all_institutions()
    form.institutions.choices = [SelectChoice(i.code, f"{i.code} {pick(i.name)}")
                                 for i in institutions]
    return {i.code: i for i in institutions}


def _program_fields(form: ProgramForm) -> reference.ProgramFields:
    return reference.ProgramFields(code=form.code.data or "", title=_texts(form, "title"),
                                   institutions=list(form.institutions.data or []))


def _program_data(program) -> dict:
    return {
        "code": program.code,
        **{f"title_{lang}": (program.title or {}).get(lang, "") for lang in REFERENCE_LANGUAGES},
        "institutions": [i.code for i in program.institutions],
    }


# --- tracks ------------------------------------------------------------------------


@bp.route("/admin/tracks/new", methods=["GET", "POST"])
@admin_required
def new_track():
    form = TrackForm()
    problems = []
    if _submitted(form):
        try:
            track = reference.save_track(_track_fields(form))
        except LmsError as exc:
            problems = _show_problems(form, exc, {"title": "title_en"})
        else:
            flash(_("Track %(code)s created.", code=track.code), "success")
            return redirect(url_for("catalog.reference_data", _anchor="tracks"))
    return render_template("catalog/track_form.html", form=form, track=None, problems=problems)


@bp.route("/admin/tracks/<code>", methods=["GET", "POST"])
@admin_required
def edit_track(code: str):
    track = reference.get_track(code)
    form = TrackForm(data=_track_data(track) if request.method == "GET" else None)
    form.code.render_kw = {**(form.code.render_kw or {}), "readonly": True}
    problems = []
    if _submitted(form):
        try:
            reference.save_track(_track_fields(form), track)
        except LmsError as exc:
            problems = _show_problems(form, exc, {"title": "title_en"})
        else:
            flash(_("Track %(code)s saved.", code=track.code), "success")
            return redirect(url_for("catalog.reference_data", _anchor="tracks"))
    return render_template("catalog/track_form.html", form=form, track=track, problems=problems,
                           used_by=reference.usage(track),
                           delete_form=_delete_form(_("Yes, delete the track %(code)s",
                                                      code=track.code)))


@bp.post("/admin/tracks/<code>/delete")
@admin_required
def delete_track(code: str):
    track = reference.get_track(code)
    return _delete(track, reference.delete_track, "catalog.edit_track", "tracks",
                   _("Track %(code)s deleted.", code=code))


def _track_fields(form: TrackForm) -> reference.TrackFields:
    return reference.TrackFields(code=form.code.data or "", title=_texts(form, "title"))


def _track_data(track) -> dict:
    return {"code": track.code,
            **{f"title_{lang}": (track.title or {}).get(lang, "") for lang in REFERENCE_LANGUAGES}}


# --- shared ------------------------------------------------------------------------


def _submitted(form) -> bool:
    """A POST whose CSRF token is valid. The service validates the fields themselves."""
    if form.validate_on_submit():
        return True
    if request.method == "POST":
        for message in form.first_errors():
            flash(message, "error")
    return False


def _texts(form, prefix: str) -> dict[str, str]:
    return {lang: form[f"{prefix}_{lang}"].data or "" for lang in REFERENCE_LANGUAGES}


def _show_problems(form, exc: LmsError, targets: dict[str, str]) -> list[dict]:
    """Put each problem under its form field and return the summary shown above the form:
    every problem with the label of its field and a link to it."""
    flash(exc.message, "error")
    summary = []
    for problem in exc.details or []:
        name = targets.get(problem.get("field"), problem.get("field"))
        bound = form[name] if name in form else None
        if bound is None:
            summary.append({"label": problem.get("field") or "", "message": problem["message"],
                            "target": None})
            continue
        bound.errors = [*bound.errors, problem["message"]]
        summary.append({"label": bound.label.text, "message": problem["message"],
                        "target": bound.id})
    return summary


def _delete_form(label: str) -> DeleteForm:
    form = DeleteForm(formdata=None, prefix="delete")
    form.confirm.label.text = label
    return form


def _delete(row, delete, edit_endpoint: str, anchor: str, done: str):
    form = DeleteForm(prefix="delete")  # the prefix keeps ids unique beside the edit form
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm the deletion."), "error")
        return redirect(url_for(edit_endpoint, code=row.code, _anchor="delete"))
    try:
        delete(row)
    except LmsError as exc:
        flash(exc.message, "error")
        return redirect(url_for(edit_endpoint, code=row.code))
    flash(done, "success")
    return redirect(url_for("catalog.reference_data", _anchor=anchor))
