"""`flask --app app lms records ...`: the same services the pages use."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lms.catalog import reference
from lms.core.cli import fail as _fail
from lms.core.cli import lms_cli
from lms.core.errors import LmsError


@lms_cli.group("records")
def records_cli():
    """Academic records: grade scales, the audit chain, exports, transcripts."""


@records_cli.command("seed-scales")
def seed_scales_command():
    """Load the standard grade scales that are missing (Japanese S/A/B/C/F, Uzbek order
    19-2018, Uzbek 86/71/55). Existing scales are left as administrators made them."""
    from lms.records import seed

    try:
        created = seed.seed_grade_scales()
    except LmsError as exc:
        _fail(exc)
    click.echo(f"Grade scales: {created} created.")


@records_cli.command("verify-chain")
@click.option("--documents/--no-documents", default=True, show_default=True,
              help="Also re-hash every issued document's stored file and check its "
                   "signature.")
def verify_chain_command(documents: bool):
    """Check the audit log's SHA-256 chain, that the append-only triggers are in place,
    and (by default) every issued document's stored bytes and signature; exit 1 on any
    problem, with one line per problem."""
    from lms.records import auditlog
    from lms.records import documents as docs

    report = auditlog.verify_chain()
    problems = auditlog.missing_triggers() + list(report.broken)
    if documents:
        problems.extend(docs.verify_stored_documents())
    for line in problems:
        click.echo(f"  {line}", err=True)
    if problems:
        click.echo(f"Audit log: {report.rows} rows checked; {len(problems)} problem(s).",
                   err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"Audit log: {report.rows} rows, chain intact."
               + (" Issued documents intact." if documents else ""))


@records_cli.command("hemis-export")
@click.option("--institution", required=True, help="A Uzbek institution's code, e.g. JDU.")
@click.option("--term", default=None, help="Only this term, e.g. 2026-autumn.")
@click.option("--cohort", default=None, help="Only this cohort's students (a cohort code).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (UTF-8 with a BOM); default: standard output.")
def hemis_export_command(institution, term, cohort, output):
    """Export credit records in the HEMIS layout (docs/hemis-export.md)."""
    from lms.people import services as people
    from lms.records import hemis

    try:
        inst = reference.get_institution(institution)
        group = people.cohort_by_code(cohort) if cohort else None
        if cohort and group is None:
            raise click.ClickException(f"There is no cohort with the code {cohort}.")
        chunks = hemis.csv_chunks(inst, term=term, cohort_id=group.id if group else None)
    except LmsError as exc:
        _fail(exc)
    if output:
        lines = 0
        with output.open("w", encoding="utf-8", newline="") as fh:
            fh.write("\ufeff")
            for chunk in chunks:
                fh.write(chunk)
                lines += chunk.count("\n")
        click.echo(f"Wrote {lines - 1} records to {output}.")
    else:
        for chunk in chunks:
            sys.stdout.write(chunk)


@records_cli.command("import-results")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_results_command(path: Path):
    """Finalise results from a CSV (student, course, score[, term, date]): all or none."""
    from lms.records import results

    try:
        created = results.import_results_csv(path.read_bytes(), None)
    except LmsError as exc:
        _fail(exc)
    click.echo(f"{len(created)} results finalised.")


@records_cli.command("issue")
@click.argument("student")
@click.option("--kind", type=click.Choice(["transcript", "diploma_supplement"]),
              default="transcript", show_default=True)
@click.option("--institution", default=None, help="For a transcript: the institution code.")
def issue_command(student, kind, institution):
    """Issue a transcript or diploma supplement for STUDENT (e-mail or student number)."""
    from lms.records import documents, results, transcripts

    try:
        user = results.student_by_key(student)
        if user is None:
            raise click.ClickException(f"No student has the e-mail or number {student}.")
        inst = reference.get_institution(institution) if institution else None
        doc = transcripts.issue(user, kind, None, inst)
    except LmsError as exc:
        _fail(exc)
    click.echo(f"Issued {doc.kind} {doc.id}")
    click.echo(f"  SHA-256 {doc.sha256}")
    click.echo(f"  verify at {documents.verification_url(doc.id)}")
