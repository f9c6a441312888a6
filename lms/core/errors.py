"""Errors that services raise. Each carries a message a person can act on."""

from __future__ import annotations

from dataclasses import dataclass


class LmsError(Exception):
    """Base for every error a service raises on purpose.

    ``message`` is already translated (services call ``gettext``) and is safe to
    show to the user; ``status`` is the HTTP status the web and API layers use;
    ``code`` is a stable machine-readable identifier for the JSON API.
    """

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list | dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details if details is not None else []


class ValidationError(LmsError):
    status = 422
    code = "validation_failed"


class NotFound(LmsError):
    status = 404
    code = "not_found"


class Forbidden(LmsError):
    status = 403
    code = "forbidden"


class Conflict(LmsError):
    status = 409
    code = "conflict"


@dataclass
class Problem:
    """One problem found in an uploaded file, with where it is when known."""

    message: str
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        where = self.file or ""
        if self.file and self.line:
            where = f"{self.file} line {self.line}"
        return f"{where}: {self.message}" if where else self.message


class PackageError(ValidationError):
    """A package was rejected; ``problems`` lists every problem found at once."""

    code = "package_rejected"

    def __init__(self, problems: list[Problem], message: str | None = None):
        from flask_babel import gettext

        self.problems = list(problems)
        summary = message or gettext(
            "The package was rejected: %(count)d problem(s) found.", count=len(self.problems)
        )
        super().__init__(summary, details=[p.as_dict() for p in self.problems])
