"""Japanese pages: settings, the JLPT track, certifications, decks and review sessions,
the reading override table and the furigana preview."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from lms.catalog import services as catalog
from lms.catalog.models import Course
from lms.content.services import content_disposition
from lms.core.access import admin_required, role_required
from lms.core.errors import LmsError
from lms.core.feedback import flash_problems
from lms.extensions import db
from lms.japanese import bp, decks, services
from lms.japanese.forms import (
    CertificationForm,
    DeckImportForm,
    DeckLinkForm,
    OverrideForm,
    RejectForm,
    SettingsForm,
)
from lms.japanese.models import DeckCard
from lms.japanese.names import jp_date, person_name

MAX_PREVIEW_CHARS = 20_000


@bp.app_template_filter("jp_date")
def _jp_date_filter(value):
    return jp_date(value)


@bp.app_template_filter("person_name")
def _person_name_filter(user):
    return person_name(user)


@bp.app_template_global("japanese_dashboard_stats")
def _dashboard_stats():
    """For templates/japanese/_dashboard_panel.html (one query)."""
    if not current_user.is_authenticated or current_user.role != "student":
        return None
    return decks.dashboard_stats(current_user)


# --- settings and track ------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    profile = services.profile_of(current_user)
    form = SettingsForm(obj=None)
    if request.method == "GET":
        form.jlpt_level.data = profile.jlpt_level or "" if profile else ""
        form.furigana.data = profile.furigana if profile else "above_level"
        form.new_cards_per_day.data = profile.new_cards_per_day if profile else 20
    if form.validate_on_submit():
        try:
            services.save_settings(current_user, jlpt_level=form.jlpt_level.data or None,
                                   furigana_mode=form.furigana.data,
                                   new_cards_per_day=form.new_cards_per_day.data)
        except LmsError as exc:
            flash_problems(exc)
        else:
            flash(_("Your Japanese settings were saved."), "success")
            return redirect(url_for("japanese.index"))
    return render_template("japanese/index.html", form=form,
                           held=services.held_level(current_user),
                           certifications=services.certifications_of(current_user))


@bp.get("/track")
@login_required
def track():
    return render_template("japanese/track.html", levels=services.japanese_track(current_user),
                           enrolled=services.enrolled_levels(current_user))


# --- certifications ------------------------------------------------------------------------


@bp.route("/certifications", methods=["GET", "POST"])
@role_required("student")
def certifications():
    form = CertificationForm()
    if form.validate_on_submit():
        fields = services.CertificationFields(
            level=form.level.data, exam_date=form.exam_date.data,
            scores={name: getattr(form, name).data for name in
                    ("language_knowledge", "reading", "language_knowledge_reading", "listening")},
            cefr=form.cefr.data or None, registration_number=form.registration_number.data)
        upload = form.evidence.data
        try:
            services.submit_certification(current_user, fields, upload.stream, upload.filename)
        except LmsError as exc:
            flash_problems(exc)
        else:
            flash(_("Your JLPT result was saved. An administrator will verify it against the "
                    "score report."), "success")
            return redirect(url_for("japanese.certifications"))
    elif request.method == "POST":
        for message in form.first_errors():
            flash(message, "error")
    return render_template("japanese/certifications.html", form=form,
                           certifications=services.certifications_of(current_user),
                           labels=services.section_labels())


@bp.get("/certifications/<int:cert_id>/evidence")
@login_required
def evidence(cert_id: int):
    cert = _certification(cert_id)
    if current_user.id != cert.user_id and current_user.role != "admin":
        abort(404)  # like a missing one: no telling others that the result exists
    path = services.evidence_file(cert, current_user)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="application/octet-stream")
    # RFC 5987 only: the student's file name never shapes the header itself.
    response.headers["Content-Disposition"] = content_disposition(cert.evidence_name or "evidence")
    return response


@bp.get("/certifications/review")
@admin_required
def review_certifications():
    return render_template("japanese/certifications_review.html",
                           pending=services.pending_certifications(), form=RejectForm(),
                           labels=services.section_labels())


@bp.post("/certifications/<int:cert_id>/verify")
@admin_required
def verify(cert_id: int):
    form = RejectForm()  # for the CSRF token only
    if not form.csrf_token.validate(form):
        abort(400)
    cert = services.verify_certification(services.certification(cert_id), current_user)
    flash(_("%(name)s's JLPT %(level)s result is verified.", name=cert.user.name,
            level=cert.level), "success")
    return redirect(url_for("japanese.review_certifications"))


@bp.post("/certifications/<int:cert_id>/reject")
@admin_required
def reject(cert_id: int):
    form = RejectForm()
    cert = services.certification(cert_id)
    if form.validate_on_submit():
        services.reject_certification(cert, current_user, form.reason.data)
        flash(_("The result was rejected; the student sees your reason."), "success")
    else:
        for message in form.first_errors():
            flash(message, "error")
    return redirect(url_for("japanese.review_certifications"))


# --- decks and reviews ----------------------------------------------------------------------


@bp.get("/decks")
@login_required
def deck_list():
    visible = decks.visible_decks(current_user)
    return render_template("japanese/decks.html", decks=visible,
                           counts=decks.card_counts([d.id for d in visible]),
                           studying=decks.studying(current_user))


@bp.get("/decks/<int:deck_id>")
@login_required
def deck(deck_id: int):
    deck = _deck(deck_id)
    if not decks.can_study(current_user, deck):
        abort(404)
    form = DeckLinkForm()
    courses = []
    if current_user.role == "admin":
        courses = db.session.scalars(select(Course).order_by(Course.code)).all()
    elif current_user.role == "instructor":
        courses = catalog.taught_courses(current_user)
    form.course.choices = [SelectChoice("", _("Everyone (no course)"))] + [
        SelectChoice(str(c.id), f"{c.code} — {catalog.course_title(c)}") for c in courses]
    form.course.data = str(deck.course_id or "")
    return render_template("japanese/deck.html", deck=deck, form=form, can_link=bool(courses),
                           studying=deck.id in decks.studying(current_user))


def _certification(cert_id: int):
    """The JLPT result, or 404 with the same page as for one that is hidden."""
    try:
        return services.certification(cert_id)
    except LmsError:
        abort(404)


def _deck(deck_id: int):
    """The deck, or 404 with the same page as for one that is hidden."""
    try:
        return decks.deck_by_id(deck_id)
    except LmsError:
        abort(404)


def _may_study(deck) -> bool:
    """A deck the user may study or already studies; others answer 404 (a course's deck
    stays hidden from students outside the course)."""
    return deck.id in decks.studying(current_user) or decks.can_study(current_user, deck)


@bp.post("/decks/<int:deck_id>/study")
@login_required
def start_deck(deck_id: int):
    form = DeckLinkForm()
    if not form.csrf_token.validate(form):
        abort(400)
    deck = _deck(deck_id)
    if not _may_study(deck):
        abort(404)
    if request.form.get("stop"):
        decks.stop_deck(current_user, deck)
        flash(_("The deck was removed from your reviews; your progress is kept."), "success")
        return redirect(url_for("japanese.deck_list"))
    decks.start_deck(current_user, deck)
    return redirect(url_for("japanese.review", deck=deck.id))


@bp.post("/decks/<int:deck_id>/link")
@role_required("instructor", "admin")
def link_deck(deck_id: int):
    form = DeckLinkForm()
    form.course.choices = []
    if not form.csrf_token.validate(form):
        abort(400)
    deck = _deck(deck_id)
    value = form.course.data
    course = db.session.get(Course, int(value)) if value and value.isdigit() else None
    decks.link_deck(deck, course, current_user)
    flash(_("Saved. The deck counts towards no grade."), "success")
    return redirect(url_for("japanese.deck", deck_id=deck.id))


@bp.route("/decks/import", methods=["GET", "POST"])
@role_required("instructor", "admin")
def import_deck():
    form = DeckImportForm()
    existing = db.session.scalars(select(decks.Deck).order_by(decks.Deck.code)).all()
    form.deck.choices = [SelectChoice("", _("A new deck"))] + [
        SelectChoice(str(d.id), d.code) for d in existing]
    errors = []
    if form.validate_on_submit():
        try:
            if form.deck.data:
                target = decks.deck_by_id(int(form.deck.data))
            else:
                target = decks.create_deck(form.code.data, form.title.data,
                                           level=form.level.data or None, kind=form.kind.data,
                                           user=current_user)
            upload = form.file.data
            report = decks.import_cards(target, upload.read(), upload.filename)
        except LmsError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            errors = [d for d in exc.details if isinstance(d, dict)]
        else:
            flash(_("%(added)d cards added, %(updated)d updated.", added=report.added,
                    updated=report.updated), "success")
            return redirect(url_for("japanese.deck", deck_id=target.id))
    elif request.method == "POST":
        for message in form.first_errors():
            flash(message, "error")
    return render_template("japanese/import.html", form=form, errors=errors), (
        422 if errors else 200)


@bp.get("/review")
@login_required
def review():
    deck_id = request.args.get("deck", type=int)
    deck = _deck(deck_id) if deck_id else None
    if deck is not None and not _may_study(deck):
        abort(404)
    return render_template("japanese/review.html", deck=deck)


@bp.get("/review/next")
@login_required
def review_next():
    deck_id = request.args.get("deck", type=int)
    deck = decks.deck_by_id(deck_id) if deck_id else None
    if deck is not None and deck.id not in decks.studying(current_user):
        abort(404)  # only decks the user studies (a course's deck stays with its course)
    found = decks.next_card(current_user, deck)
    if found is None:
        return jsonify({"card": None, "due": 0, "new_left": decks.new_cards_left(
            current_user, decks.datetime.now(decks.UTC))})
    view = services.furigana_view(mode="always")
    return jsonify({"card": decks.card_json(found.card, found.study, view),
                    "due": found.due_count, "new_left": found.new_left})


@bp.post("/review/<int:card_id>")
@login_required
def review_answer(card_id: int):
    body = request.get_json(silent=True) or {}
    card = db.session.get(DeckCard, card_id)
    if card is None or not _may_study(card.deck):
        abort(404)
    rating = body.get("rating")
    if not isinstance(rating, int):
        return jsonify({"error": {"code": "validation_failed", "message": _(
            "The rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)."),
            "details": []}}), 422
    typed = body.get("typed") if isinstance(body.get("typed"), str) else None
    duration = body.get("duration_ms") if isinstance(body.get("duration_ms"), int) else None
    study = decks.review_card(current_user, card, rating, typed=typed, duration_ms=duration)
    return jsonify({"card_id": card.id, "due": study.due.isoformat(), "state": study.state,
                    "typed_correct": decks.typed_answer_correct(card, typed) if typed else None})


# --- override table and preview --------------------------------------------------------------


@bp.route("/overrides", methods=["GET", "POST"])
@admin_required
def overrides():
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            services.save_override(form.surface.data, form.reading.data, current_user,
                                   form.note.data)
        except LmsError as exc:
            flash_problems(exc)
        else:
            flash(_("Saved: %(surface)s now reads %(reading)s everywhere.",
                    surface=form.surface.data, reading=form.reading.data), "success")
            return redirect(url_for("japanese.overrides"))
    return render_template("japanese/overrides.html", form=form,
                           rows=services.list_overrides())


@bp.post("/overrides/<int:override_id>/delete")
@admin_required
def delete_override(override_id: int):
    form = OverrideForm()
    if not form.csrf_token.validate(form):
        abort(400)
    services.delete_override(override_id)
    flash(_("The reading was removed."), "success")
    return redirect(url_for("japanese.overrides"))


@bp.get("/preview")
@role_required("instructor", "admin")
def preview():
    return render_template("japanese/preview.html")


@bp.post("/preview")
@role_required("instructor", "admin")
def preview_json():
    """The preview page's endpoint: the session and a CSRF header instead of the API's
    bearer token, the same service as POST /api/v1/japanese/furigana."""
    body = request.get_json(silent=True) or {}
    text = body.get("text")
    if not isinstance(text, str):
        return jsonify({"error": {"code": "validation_failed",
                                  "message": _("Send {\"text\": \"...\"}."), "details": []}}), 422
    if len(text) > MAX_PREVIEW_CHARS:
        return jsonify({"error": {"code": "too_large", "message": _(
            "The preview takes at most %(n)d characters.", n=MAX_PREVIEW_CHARS),
            "details": []}}), 413
    return jsonify(services.analyse_text(text))
