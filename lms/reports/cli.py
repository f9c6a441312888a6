"""`flask --app app lms report ...`: the same services the pages and the API use.

  lms report show      --course GD101 [--cohort ...]        the summary and the first rows
  lms report export    --format csv|xlsx|pdf --output FILE  an export (not issued)
  lms report issue     --format pdf --lang ja               an issued, verifiable report
  lms report issued                                        the reports issued so far
  lms report certificate  --student S --course C | --programme P
  lms report certificates --cohort K --course C | --programme P   (bulk)
  lms report revoke-certificate ID --reason "..."
  lms report verify-credential FILE [--key PEM]           offline Open Badges check
  lms report reissue-badges [--dry-run]                   reissue pre-fix Open Badges
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale

from lms.core.cli import fail as _fail
from lms.core.cli import lms_cli
from lms.core.errors import LmsError


@lms_cli.group("report")
def report_cli():
    """Completion reports and certificates of completion."""


def _scope_options(command):
    """The report parameters as options (the same names as the API's JSON fields)."""
    options = [
        click.option("--programme", default="", help="Programme code, e.g. GAME."),
        click.option("--cohort", default="", help="Cohort code."),
        click.option("--course", default="", help="Course code."),
        click.option("--module", default="", help="Module key (with --course)."),
        click.option("--student", default="", help="Student id, e-mail or number."),
        click.option("--from", "date_from", default="", help="First day, YYYY-MM-DD."),
        click.option("--to", "date_to", default="", help="Last day, YYYY-MM-DD."),
        click.option("--stalled-days", default="", help="Days without activity (7)."),
        click.option("--status", default="",
                     help="completed, in_progress, stalled or not_started."),
        click.option("--sort", default="name",
                     help="name, course, percent, score, time, last, status; -x: desc."),
    ]
    for option in reversed(options):
        command = option(command)

    @functools.wraps(command)
    def wrapped(*args, date_from, date_to, stalled_days, **kwargs):
        kwargs["scope"] = {k: kwargs.pop(k) for k in (
            "programme", "cohort", "course", "module", "student", "status", "sort")}
        kwargs["scope"].update({"from": date_from, "to": date_to,
                                "stalled_days": stalled_days})
        return command(*args, **kwargs)

    return wrapped


def _actor(email: str | None):
    if not email:
        return None
    from lms.auth.services import user_by_email

    user = user_by_email(email)
    if user is None or user.role != "admin":
        raise click.ClickException(f"{email} is not an administrator's e-mail.")
    return user


def _warn_without_platform_url() -> None:
    if not current_app.config.get("PLATFORM_URL"):
        click.echo("warning: PLATFORM_URL is not set, so verification addresses are "
                   "printed as paths (/verify/...). Set LMS_PLATFORM_URL.", err=True)


@report_cli.command("show")
@_scope_options
@click.option("--rows", default=20, show_default=True, help="How many rows to print.")
@click.option("--lang", default="en", show_default=True)
def show_command(scope, rows, lang):
    """Print the report's summary and its first rows."""
    from lms.reports import completion, exports, params, present

    try:
        lang = exports.check_language(lang)
        with force_locale(lang):
            report = completion.build_report(params.parse(scope))
            for label, value in present.scope_lines(report) + present.summary_lines(report):
                click.echo(f"{label}: {value}")
            table = present.Table(report)
            click.echo("")
            click.echo("\t".join(table.labels))
            for row in report.rows[:rows]:
                click.echo("\t".join(table.texts(row)))
    except LmsError as exc:
        _fail(exc)


@report_cli.command("export")
@_scope_options
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "pdf"]), default="csv",
              show_default=True)
@click.option("--lang", default="en", show_default=True, help="Labels in en, ja, uz...")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="File to write (default: standard output).")
def export_command(scope, fmt, lang, output):
    """Export the report (not issued: for that, use `issue`)."""
    from lms.reports import exports, params

    try:
        lang = exports.check_language(lang)
        p = params.parse(scope)
        if fmt == "csv":
            chunks = (c.encode("utf-8") for c in exports.csv_stream(p, lang))
        else:
            chunks = iter([exports.xlsx_bytes(p, lang) if fmt == "xlsx"
                           else exports.pdf_bytes(p, lang)])
        with (output.open("wb") if output else _stdout()) as out:
            for chunk in chunks:
                out.write(chunk)
    except LmsError as exc:
        _fail(exc)
    if output:
        click.echo(f"Wrote {output}.", err=True)


class _stdout:
    def __enter__(self):
        return sys.stdout.buffer

    def __exit__(self, *exc):
        sys.stdout.flush()


@report_cli.command("issue")
@_scope_options
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), default="pdf",
              show_default=True)
@click.option("--lang", default="en", show_default=True)
@click.option("--as", "as_email", default=None, help="Record this administrator as issuer.")
def issue_command(scope, fmt, lang, as_email):
    """Issue the report as an immutable, verifiable document."""
    from lms.records import documents
    from lms.reports import issuing, params

    _warn_without_platform_url()
    try:
        doc = issuing.issue_report(params.parse(scope), fmt, lang, _actor(as_email))
    except LmsError as exc:
        _fail(exc)
    click.echo(f"Issued {doc.id} ({doc.filename}, {doc.size} bytes, sha256 {doc.sha256})")
    click.echo(f"Verify at {documents.verification_url(doc.id)}")


@report_cli.command("issued")
@click.option("--scope", default="", help="A programme, cohort, course code or a name.")
@click.option("--status", type=click.Choice(["", "valid", "revoked"]), default="")
def issued_command(scope, status):
    """List the reports issued so far, newest first."""
    from lms.reports import issuing

    for doc, state in issuing.issued_reports(issuing.IssuedFilters(scope=scope,
                                                                   status=status)):
        click.echo(f"{doc.issued_at.isoformat()}  {doc.id}  {state:<9} "
                   f"{doc.params.get('format', ''):<4} {doc.language:<3} {doc.subject_name}")


def _target(course: str, programme: str):
    from sqlalchemy import select

    from lms.catalog.models import Course, Program
    from lms.extensions import db

    if bool(course) == bool(programme):
        raise click.UsageError("Give --course or --programme (one of them).")
    model, code = (Course, course) if course else (Program, programme)
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None:
        raise click.ClickException(f"There is no {'course' if course else 'programme'} "
                                   f"{code}.")
    return row


@report_cli.command("certificate")
@click.option("--student", required=True, help="Student id, e-mail or number.")
@click.option("--course", default="")
@click.option("--programme", default="")
@click.option("--reissue", is_flag=True, help="Replace a valid certificate (supersedes).")
@click.option("--as", "as_email", default=None)
def certificate_command(student, course, programme, reissue, as_email):
    """Issue one certificate of completion (PDF and Open Badges credential)."""
    from lms.records import documents
    from lms.reports import certificates, params

    _warn_without_platform_url()
    target = _target(course, programme)
    person = params.find_student(student)
    if person is None:
        raise click.ClickException(f"There is no student {student}.")
    try:
        issue = certificates.issue_for_course if course else certificates.issue_for_programme
        certificate = issue(person, target, _actor(as_email), reissue=reissue)
    except LmsError as exc:
        _fail(exc)
    click.echo(f"Certificate {certificate.id}: {documents.verification_url(certificate.id)}")
    click.echo(f"Open Badges credential {certificate.credential.id}: "
               f"{documents.verification_url(certificate.credential.id)}")


@report_cli.command("certificates")
@click.option("--cohort", required=True)
@click.option("--course", default="")
@click.option("--programme", default="")
@click.option("--as", "as_email", default=None)
def certificates_command(cohort, course, programme, as_email):
    """Issue certificates for every student of a cohort who completed the course or
    programme and has none yet."""
    from lms.people.services import cohort_by_code
    from lms.reports import certificates

    _warn_without_platform_url()
    target = _target(course, programme)
    group = cohort_by_code(cohort)
    if group is None:
        raise click.ClickException(f"There is no cohort {cohort}.")
    try:
        result = certificates.bulk_issue(group, _actor(as_email),
                                         course=target if course else None,
                                         programme=None if course else target, limit=None)
    except LmsError as exc:
        _fail(exc)
    for certificate in result.issued:
        click.echo(f"issued   {certificate.id}  {certificate.pdf.subject_name}")
    for student, why in result.skipped:
        click.echo(f"skipped  {student.email}: {why}")
    click.echo(f"{len(result.issued)} issued, {len(result.skipped)} skipped.")


@report_cli.command("revoke-certificate")
@click.argument("doc_id")
@click.option("--reason", required=True, help="Shown on the verification page.")
@click.option("--as", "as_email", default=None)
def revoke_certificate_command(doc_id, reason, as_email):
    """Revoke a certificate and its credential (either id works)."""
    from lms.reports import certificates

    try:
        certificate = certificates.get_certificate(doc_id)
        certificates.revoke_certificate(certificate, reason, _actor(as_email))
    except LmsError as exc:
        _fail(exc)
    click.echo(f"Revoked {certificate.id} and its credential.")


@report_cli.command("verify-credential")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_path", type=click.Path(exists=True, dir_okay=False,
                                                   path_type=Path), default=None,
              help="A PEM public key the proof must be made with (else its did:key).")
def verify_credential_command(path, key_path):
    """Check an Open Badges credential's signature offline; exit 1 if it fails."""
    from cryptography.hazmat.primitives import serialization

    from lms.reports import openbadges

    try:
        credential = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path} is not JSON: {exc}") from exc
    key = serialization.load_pem_public_key(key_path.read_bytes()) if key_path else None
    result = openbadges.verify(credential, key)
    if not result.valid:
        click.echo(f"NOT VALID: {result.reason}", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"Valid: signed by {result.verification_method}")


@report_cli.command("reissue-badges")
@click.option("--dry-run", is_flag=True, help="Only list what would be reissued.")
@click.option("--as", "as_email", default=None, help="Record this administrator as issuer.")
def reissue_badges_command(dry_run, as_email):
    """Reissue every certificate whose Open Badges credential was signed with the pre-fix
    proof configuration (its proof's @context left out, so other verifiers reject it).
    The new certificate supersedes the old one, which stays as it was, listed as
    superseded on its verification page. Running it again changes nothing."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.catalog.models import Course, Program
    from lms.extensions import db
    from lms.records import documents
    from lms.records.models import IssuedDocument
    from lms.reports import certificates, openbadges

    if not dry_run:
        _warn_without_platform_url()
    actor = _actor(as_email)
    ids = db.session.scalars(select(IssuedDocument.id).where(
        IssuedDocument.kind == certificates.KIND,
        IssuedDocument.content_type == certificates.CREDENTIAL_TYPE)
        .order_by(IssuedDocument.issued_at, IssuedDocument.id)).all()
    counts = {"valid": 0, "reissued": 0, "left": 0, "failed": 0}
    for doc_id in ids:
        doc = db.session.get(IssuedDocument, doc_id)
        try:
            result = openbadges.verify(json.loads(documents.document_bytes(doc)))
        except (ValueError, OSError, LmsError) as exc:
            result = openbadges.Verification(False, str(exc))
        if result.valid:
            counts["valid"] += 1
            continue
        if not result.pre_fix:
            counts["failed"] += 1
            click.echo(_("%(id)s: does not verify under either proof configuration "
                         "(%(reason)s); left alone, look into it.", id=doc.id,
                         reason=result.reason))
            continue
        if doc.revocation is not None:
            counts["left"] += 1
            click.echo(_("%(id)s: pre-fix proof, revoked; left alone.", id=doc.id))
            continue
        successor = documents.successor(doc)
        if successor is not None:
            counts["left"] += 1
            click.echo(_("%(id)s: pre-fix proof, already superseded by %(new)s; nothing to "
                         "do.", id=doc.id, new=successor.id))
            continue
        certificate = certificates.get_certificate(doc.id)
        student = db.session.get(User, certificate.pdf.subject_id)
        try:
            if not documents.stored_copy_intact(doc):
                raise LmsError(_("its stored copy does not match its SHA-256"))
            if student is None:
                raise LmsError(_("its student no longer exists"))
            if certificate.scope == "course":
                course = db.session.scalar(select(Course).where(
                    Course.code == certificate.code))
                achievement = certificates.course_achievement(student, course) \
                    if course is not None else None
            else:
                programme = db.session.scalar(select(Program).where(
                    Program.code == certificate.code))
                achievement = certificates.programme_achievement(student, programme) \
                    if programme is not None else None
            if achievement is None:
                raise LmsError(_("there is no %(scope)s %(code)s any more",
                                 scope=certificate.scope, code=certificate.code))
            if dry_run:
                click.echo(_("%(id)s: pre-fix proof; would reissue certificate %(pdf)s "
                             "(%(code)s, %(name)s).", id=doc.id, pdf=certificate.pdf.id,
                             code=certificate.code, name=doc.subject_name))
                counts["reissued"] += 1
                continue
            new = certificates.issue_certificate(student, achievement, actor, reissue=True)
        except LmsError as exc:
            counts["left"] += 1
            click.echo(_("%(id)s: pre-fix proof, NOT reissued: %(reason)s", id=doc.id,
                         reason=exc.message))
            continue
        counts["reissued"] += 1
        click.echo(_("%(id)s: pre-fix proof; reissued as %(new)s (certificate %(pdf)s "
                     "supersedes %(old)s; %(code)s, %(name)s).", id=doc.id,
                     new=new.credential.id, pdf=new.pdf.id, old=certificate.pdf.id,
                     code=certificate.code, name=doc.subject_name))
    values = {"n": len(ids), "valid": counts["valid"], "done": counts["reissued"],
              "left": counts["left"], "failed": counts["failed"]}
    click.echo(_("%(n)d credentials checked: %(valid)d valid, %(done)d would be reissued, "
                 "%(left)d left alone, %(failed)d not verifiable.", **values) if dry_run
               else _("%(n)d credentials checked: %(valid)d valid, %(done)d reissued, "
                      "%(left)d left alone, %(failed)d not verifiable.", **values))
