"""`flask --app app lms ...`: the same services the pages use."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from lms.core.cli import fail, lms_cli
from lms.core.errors import LmsError


@lms_cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["student", "instructor", "admin"]), required=True)
@click.option("--name", required=True, help="Name in Latin script.")
@click.option("--name-ja", default=None, help="Name in Japanese (kanji or katakana).")
@click.option("--password", default=None, help="Prompted for when not given.")
def create_user_command(email, role, name, name_ja, password):
    """Create an account."""
    from lms.auth import services

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email, name, role, password, name_ja=name_ja)
    except LmsError as exc:
        fail(exc)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@lms_cli.command("demo")
def demo_command():
    """Load the demo data (idempotent): people, cohort, and the sample courses."""
    from lms import demo

    try:
        summary = demo.load_demo()
    except LmsError as exc:
        fail(exc)
    click.echo(summary)
    click.echo("")
    click.echo(f"Demo sign-ins (password for all: {current_app.config['DEMO_PASSWORD']}):")
    for email, role in demo.demo_logins():
        click.echo(f"  {role:<11} {email}")


@lms_cli.command("import-course")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_course_command(path: Path):
    """Import a course folder (course.yaml + module folders) or a zip of one.

    Running it again changes nothing unless content changed.
    """
    from lms.authoring import services

    try:
        result = services.import_course(path)
    except LmsError as exc:
        fail(exc)
    click.echo(f"{result.course.code}: {'created' if result.created else 'up to date'}")
    for r in result.modules:
        state = "new version" if r.created else "unchanged"
        click.echo(f"  {r.module.key}: version {r.version.number} ({state})")
        for warning in r.warnings:
            click.echo(f"    warning: {warning}")
    if not result.changed:
        click.echo("Nothing changed.")


def register(app: Flask) -> None:
    from lms.learning import cli as _learning_cli  # noqa: F401 - registers lms xapi-forward
    from lms.ops import cli as _ops_cli  # noqa: F401 - registers lms backup, lms restore
    from lms.records import cli as _records_cli  # noqa: F401 - registers lms records ...
    from lms.reports import cli as _reports_cli  # noqa: F401 - registers lms report ...

    app.cli.add_command(lms_cli)
