"""`flask --app app lms backup PATH` and `flask --app app lms restore PATH [--force]`."""

from __future__ import annotations

from pathlib import Path

import click

from lms.core.cli import lms_cli
from lms.ops import backup


def _fail(exc: backup.BackupError):
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    raise click.ClickException(exc.message)


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


@lms_cli.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path: Path):
    """Back up the database and the media folder into PATH.

    PATH is a new folder, or a file ending in .tar or .tar.gz. Safe while the site is
    serving: SQLite is copied with its online backup API, PostgreSQL with pg_dump -Fc.
    """
    try:
        report = backup.create_backup(path, say=click.echo)
    except backup.BackupError as exc:
        _fail(exc)
    m = report.manifest
    database = m["database"]
    click.echo(f"Backup written to {report.path}")
    click.echo(f"  database: {database['dialect']}, {_size(database['size'])}, "
               f"{len(m['tables'])} tables, {sum(m['tables'].values())} rows, "
               f"revision {database['revision'] or '(none)'}")
    click.echo(f"  media: {m['media']['count']} files, {_size(m['media']['bytes'])}")
    click.echo(f"  manifest SHA-256: {report.manifest_sha256}")
    for note in report.notes:
        click.echo(f"Note: {note}")


@lms_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database and media folder that are not empty.")
def restore_command(path: Path, force: bool):
    """Restore a backup made by `lms backup` into the configured database and media folder.

    The target must be empty unless --force. The backup is checked against its manifest
    before anything is written; afterwards the restored data is checked (integrity, rows
    per table, revision, media SHA-256, the audit hash chain). Exit 1 on any difference.
    Stop the web processes first.
    """
    try:
        report = backup.restore_backup(path, force=force, say=click.echo)
    except backup.BackupError as exc:
        _fail(exc)
    click.echo(f"Restored {report.tables} tables ({report.rows} rows) at revision "
               f"{report.revision or '(none)'}, and {report.media_files} media files "
               f"({_size(report.media_bytes)}).")
    integrity = ("SQLite integrity_check ok" if report.dialect == "sqlite"
                 else "pg_restore completed in one transaction")
    click.echo(f"Verified: {integrity}; rows per table, revision and media SHA-256 equal to "
               f"the manifest; audit log ({report.chain}).")
    for note in report.notes:
        click.echo(f"Note: {note}")
