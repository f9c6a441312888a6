"""Error pages and JSON errors. Never a traceback to the user."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from lms.api.errors import ApiError, error_response
from lms.core.errors import LmsError


def _wants_json() -> bool:
    """The API, and scripts that sent JSON, get JSON errors; people get pages."""
    return request.path.startswith("/api/") or request.is_json


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        401: (_("Sign-in required"), _("Please sign in to continue.")),
        403: (_("Not allowed"), _("Your account may not open this page.")),
        404: (_("Not found"), _("There is nothing here. Check the address, or go back.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("What you sent is larger than allowed. Send a smaller file.")),
        429: (_("Too many attempts"),
              _("Too many attempts in a short time. Wait a few minutes and try again.")),
        500: (_("Something went wrong"),
              _("An unexpected error happened on our side. It has been logged; try again later.")),
        503: (_("Temporarily unavailable"),
              _("The service is briefly unavailable. Try again in a minute.")),
    }


def render_error(status: int, message: str | None = None):
    title, text = _messages().get(status, (_("Error"), _("Something went wrong.")))
    if _wants_json():
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "too_large", 429: "rate_limited",
                500: "server_error", 503: "unavailable"}.get(status, "error")
        return error_response(status, code, message or text)
    return render_template("errors/error.html", status=status, title=title,
                           message=message or text), status


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(LmsError)
    def _lms_error(exc: LmsError):
        if _wants_json():
            return error_response(exc.status, exc.code, exc.message, exc.details)
        return render_template("errors/error.html", status=exc.status,
                               title=_("That did not work"), message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return render_error(400, _("The form has expired or came from another page. "
                                   "Reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code and exc.code < 400:
            return exc
        return render_error(exc.code or 500)

    def _database_unavailable(exc: Exception):
        # The database is down or unreachable: a 503 page (JSON for the API), no traceback.
        # The driver's own words only: SQLAlchemy's text would add the SQL and its values.
        reason = (str(getattr(exc, "orig", None) or "") or type(exc).__name__).splitlines()[0]
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                         reason[:300])
        from lms.extensions import db, login_manager

        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001, S110 - the connection is already gone
            pass
        g._login_user = login_manager.anonymous_user()  # the page must not query again
        response = app.make_response(render_error(503))
        response.headers["Retry-After"] = "30"
        return response

    for db_error in (sa_exc.OperationalError, sa_exc.InterfaceError,
                     sa_exc.DisconnectionError, sa_exc.TimeoutError):
        app.register_error_handler(db_error, _database_unavailable)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(InternalServerError.code)
