"""Telling a person what went wrong on a page: one way to flash an error and its problems.

Services raise an ``LmsError`` whose ``message`` says what happened and whose ``details``
list each problem (a string, or a dict with ``message`` and where it is: ``line``,
``row``, ``field``). Views that redirect flash them all with ``flash_problems``; views that
render the form again show them with the ``problems_table`` macro (templates/_macros/ui.html).
"""

from __future__ import annotations

from flask import flash

from lms.core.errors import LmsError


def problem_texts(exc: LmsError) -> list[str]:
    """Each problem of ``exc`` as one line, with where it is when known; repeats of the
    message itself left out."""
    out = []
    for detail in exc.details if isinstance(exc.details, list) else []:
        if isinstance(detail, str):
            text = detail
        elif isinstance(detail, dict) and detail.get("message"):
            where = detail.get("line") or detail.get("row") or ""
            text = f"{where}: {detail['message']}" if where else detail["message"]
        else:
            continue
        if text and text != exc.message and text not in out:
            out.append(text)
    return out


def flash_problems(exc: LmsError) -> None:
    """Flash the error's message, then each of its problems."""
    flash(exc.message, "error")
    for text in problem_texts(exc):
        flash(text, "error")
