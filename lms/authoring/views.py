"""Instructor pages: course modules, uploads, version history, rollback, item settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.authoring import bp, services
from lms.authoring.forms import ItemSettingsForm, MoveForm, RollbackForm, UploadForm
from lms.authoring.models import Module, ModuleVersion
from lms.catalog import services as catalog
from lms.catalog.loaders import managed_course
from lms.catalog.models import Course
from lms.core.errors import LmsError, PackageError
from lms.extensions import db


def _module(course: Course, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != course.id:
        abort(404)
    return module


@bp.get("/")
@login_required
def index():
    if current_user.role == "admin":
        courses = db.session.scalars(select(Course).order_by(Course.code)).all()
    elif current_user.role == "instructor":
        courses = catalog.taught_courses(current_user)
    else:
        abort(403)
    return render_template("authoring/index.html", courses=courses)


@bp.get("/<code>")
@login_required
def course(code: str):
    course = managed_course(code)
    return render_template("authoring/course.html", course=course, upload=UploadForm(),
                           move=MoveForm())


@bp.post("/<code>/upload")
@login_required
def upload(code: str):
    course = managed_course(code)
    form = UploadForm()
    if not form.validate_on_submit():
        for error in form.package.errors or [_("The form has expired; try again.")]:
            flash(error, "error")
        return redirect(url_for("authoring.course", code=code))
    file = form.package.data
    try:
        result = services.import_package(course, file.stream, file.filename or "package.zip",
                                         current_user)
    except PackageError as exc:
        return render_template("authoring/course.html", course=course, upload=form,
                               move=MoveForm(), problems=exc.problems,
                               message=exc.message), 422
    if not result.created:
        flash(_("This package is already the current version of module %(key)s; nothing "
                "changed.", key=result.module.key), "info")
    else:
        flash(_("Module %(key)s is now at version %(n)d.", key=result.module.key,
                n=result.version.number), "success")
    for warning in result.warnings:
        flash(warning, "warning")
    return redirect(url_for("authoring.module", code=code, module_id=result.module.id))


@bp.post("/<code>/modules/<int:module_id>/move")
@login_required
def move(code: str, module_id: int):
    course = managed_course(code)
    module = _module(course, module_id)
    form = MoveForm()
    if form.validate_on_submit() and form.direction.data in ("up", "down"):
        services.move_module(module, -1 if form.direction.data == "up" else 1)
    return redirect(url_for("authoring.course", code=code))


@bp.get("/<code>/modules/<int:module_id>")
@login_required
def module(code: str, module_id: int):
    course = managed_course(code)
    module = _module(course, module_id)
    overrides = services.item_overrides(module)
    items = module.current_version.items if module.current_version else []
    settings = {item.key: services.effective_settings(item, overrides) for item in items}
    return render_template("authoring/module.html", course=course, module=module,
                           items=items, settings=settings, rollback=RollbackForm(),
                           item_form=ItemSettingsForm())


@bp.post("/<code>/modules/<int:module_id>/rollback/<int:version_id>")
@login_required
def rollback(code: str, module_id: int, version_id: int):
    course = managed_course(code)
    module = _module(course, module_id)
    version = db.session.get(ModuleVersion, version_id)
    if version is None or version.module_id != module.id:
        abort(404)
    if RollbackForm().validate_on_submit():
        try:
            new = services.rollback(module, version, current_user)
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Version %(old)d is current again, as version %(new)d.", old=version.number,
                    new=new.number), "success")
    return redirect(url_for("authoring.module", code=code, module_id=module.id))


@bp.post("/<code>/modules/<int:module_id>/items/<key>")
@login_required
def item_settings(code: str, module_id: int, key: str):
    course = managed_course(code)
    module = _module(course, module_id)
    if module.current_version is None or key not in {i.key for i in module.current_version.items}:
        abort(404)
    form = ItemSettingsForm()
    if form.validate_on_submit():
        try:
            services.save_item_setting(
                module, key, required=form.required.data,
                weight=float(form.weight.data) if form.weight.data is not None else None,
                pass_score=float(form.pass_score.data) if form.pass_score.data is not None
                else None, user=current_user)
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Settings for %(key)s saved.", key=key), "success")
    else:
        for field, errors in form.errors.items():
            flash(f"{form[field].label.text}: {errors[0]}", "error")
    return redirect(url_for("authoring.module", code=code, module_id=module.id) + f"#item-{key}")


@bp.get("/<code>/preview")
@login_required
def preview(code: str):
    course = managed_course(code)
    return redirect(url_for("learning.course", code=course.code, preview=1))


