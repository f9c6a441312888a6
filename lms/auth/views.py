"""Sign in and out, profile, password, language."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import bp, services
from lms.auth.forms import LanguageForm, LoginForm, PasswordForm, ProfileForm
from lms.auth.throttle import login_limits
from lms.core.errors import LmsError
from lms.core.security import is_local_path
from lms.extensions import login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_id: str):
    return services.load_session_user(session_id)


def safe_next(target: str | None, default: str) -> str:
    """Only local paths (``lms.core.security.is_local_path``), else ``default``."""
    return target if is_local_path(target) else default


@bp.before_app_request
def _require_password_change():
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in ("auth.password", "auth.logout", "auth.language", "static")
        and not (request.endpoint or "").startswith("api.")
    ):
        return redirect(url_for("auth.password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learning.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            g.login_failed = True
            # The same words whether or not the account exists.
            flash(_("The e-mail or password is not correct."), "error")
        else:
            target = safe_next(request.args.get("next"), url_for("learning.dashboard"))
            chosen_locale = session.get("locale")
            session.clear()  # a new session on every sign-in
            login_user(user, remember=form.remember.data)
            if chosen_locale and not user.locale:
                session["locale"] = chosen_locale
            return redirect(target)
    elif request.method == "POST":
        g.login_failed = True
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    user = current_user._get_current_object()
    locale = user.locale or session.get("locale")
    services.end_all_sessions(user)
    logout_user()
    session.clear()
    if locale:  # the sign-in page stays in the language the person was using
        session["locale"] = locale
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current.data, form.new.data)
        except LmsError as exc:
            form.new.errors.append(exc.message)
        else:
            session.clear()
            login_user(user)  # this session continues; every other one has ended
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    form.locale.choices = [("", _("Same as my browser"))] + list(
        current_app.config["LANGUAGES"].items()
    )
    form.timezone.choices = [(z, z) for z in current_app.config["TIMEZONES"]]
    if request.method == "GET":
        form.locale.data = user.locale or ""
    if form.validate_on_submit():
        try:
            services.update_profile(
                user,
                name=form.name.data,
                name_ja=form.name_ja.data,
                name_kana=form.name_kana.data,
                locale=form.locale.data or None,
                timezone=form.timezone.data,
            )
        except LmsError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)


@bp.post("/language")
def language():
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("learning.dashboard"))
    lang = form.lang.data if form.validate_on_submit() else None
    if lang not in current_app.config["LANGUAGES"]:
        flash(_("That language is not available."), "error")
        return redirect(target)
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        services.update_profile(
            user,
            name=user.name,
            name_ja=user.name_ja,
            name_kana=user.name_kana,
            locale=lang,
            timezone=user.timezone,
        )
    session["locale"] = lang
    return redirect(target)
