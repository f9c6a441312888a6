"""The `flask --app app lms ...` command group and how a command reports an error.

Features add their commands to ``lms_cli`` in their own ``cli.py``; the app factory
imports those modules (``lms.cli.register``), so no feature imports the root package.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.core.errors import LmsError

lms_cli = AppGroup("lms", help="Kakehashi administration.")


def fail(exc: LmsError):
    """Print every problem an error carries, then stop with its message (exit 1)."""
    for problem in getattr(exc, "problems", None) or []:
        click.echo(f"  {problem}", err=True)
    if not getattr(exc, "problems", None):
        for detail in exc.details or []:
            if isinstance(detail, dict):
                where = detail.get("field") or detail.get("row") or ""
                click.echo(f"  {where}: {detail.get('message', '')}", err=True)
    raise click.ClickException(exc.message)
