"""`flask --app app lms xapi-forward`: send recorded statements to the external LRS."""

from __future__ import annotations

import time

import click

from lms.core.cli import fail as _fail
from lms.core.cli import lms_cli
from lms.core.errors import LmsError


@lms_cli.command("xapi-forward")
@click.option("--loop", is_flag=True, help="Keep running, sending new statements as they come.")
@click.option("--interval", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between rounds with --loop.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000),
              help="Statements per round at most.")
def xapi_forward_command(loop: bool, interval: int, limit: int):
    """Forward learning events waiting in the outbox to XAPI_LRS_URL.

    Failed batches are retried later with a growing delay (at most an hour); the outbox
    is in the database, so nothing is lost when this stops. Run one forwarder.
    """
    from lms.extensions import db
    from lms.learning import xapi

    while True:
        try:
            report = xapi.forward_pending(limit=limit)
        except LmsError as exc:
            _fail(exc)
        if report.sent or report.failed or not loop:
            click.echo(f"Sent {report.sent}, failed {report.failed} (to retry later).")
        for error in dict.fromkeys(report.errors):
            click.echo(f"  {error}", err=True)
        if not loop:
            if report.failed and not report.sent:  # the LRS is down: let cron or systemd see it
                raise click.exceptions.Exit(1)
            return
        db.session.remove()  # a fresh session each round: nothing stale between rounds
        if report.sent + report.failed < limit:  # a full round: more may be waiting
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                click.echo("Stopped.")
                return
