"""`flask --app app lms ...`: the same services the pages use."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms.core.errors import LmsError

lms_cli = AppGroup("lms", help="Kakehashi administration.")


def _fail(exc: LmsError):
    raise click.ClickException(exc.message)


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
        _fail(exc)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@lms_cli.command("demo")
def demo_command():
    """Load the demo data (idempotent): people, cohort, and the sample courses."""
    from lms import demo

    summary = demo.load_demo()
    click.echo(summary)
    click.echo("")
    click.echo(f"Demo sign-ins (password for all: {current_app.config['DEMO_PASSWORD']}):")
    for email, role in demo.demo_logins():
        click.echo(f"  {role:<11} {email}")


def register(app: Flask) -> None:
    app.cli.add_command(lms_cli)
