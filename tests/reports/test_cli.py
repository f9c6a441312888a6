"""`flask lms report ...`: the same services from the command line."""

import csv
import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from lms.extensions import db
from lms.records.models import IssuedDocument


def test_show_prints_summary_and_rows(runner, school):
    result = runner.invoke(args=["lms", "report", "show", "--course", "GD101",
                                 "--sort=-percent", "--rows", "2"])
    assert result.exit_code == 0, result.output
    assert "Enrolments: 5" in result.output
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Student\t"))
    assert lines[header + 1].startswith("Aziz Karimov\t")
    assert len(lines) == header + 3


def test_export_csv_and_xlsx_to_files(runner, school, tmp_path):
    out = tmp_path / "r.csv"
    result = runner.invoke(args=["lms", "report", "export", "--cohort", school.cohort,
                                 "--format", "csv", "--lang", "uz", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 5 and "Sarflangan vaqt (soat)" in rows[0]
    xlsx = tmp_path / "r.xlsx"
    result = runner.invoke(args=["lms", "report", "export", "--cohort", school.cohort,
                                 "--format", "xlsx", "-o", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert load_workbook(xlsx).worksheets[0].max_row == 5
    bad = runner.invoke(args=["lms", "report", "export", "--course", "NOPE"])
    assert bad.exit_code == 1 and "There is no course" in bad.output


def test_issue_and_list(app, runner, school):
    result = runner.invoke(args=["lms", "report", "issue", "--course", "GD101",
                                 "--status", "stalled", "--format", "csv",
                                 "--as", school.admin_email])
    assert result.exit_code == 0, result.output
    assert "Verify at https://lms.jdu.example/verify/" in result.output
    with app.app_context():
        doc = db.session.scalar(select(IssuedDocument).where(
            IssuedDocument.kind == "completion_report"))
        assert doc.issued_by_id == school.admin_id and doc.params["status"] == "stalled"
        doc_id = doc.id
    listed = runner.invoke(args=["lms", "report", "issued"])
    assert doc_id in listed.output and "valid" in listed.output
    not_admin = runner.invoke(args=["lms", "report", "issue", "--course", "GD101",
                                    "--as", "aziz@student.jdu.example"])
    assert not_admin.exit_code == 1


def test_certificates_one_bulk_and_revoke(app, runner, school):
    one = runner.invoke(args=["lms", "report", "certificate", "--student", "JDU26001",
                              "--course", "GD101"])
    assert one.exit_code == 0, one.output
    assert "Certificate " in one.output and "Open Badges credential" in one.output
    doc_id = one.output.split()[1].rstrip(":")
    bulk = runner.invoke(args=["lms", "report", "certificates", "--cohort", school.cohort,
                               "--course", "GD101"])
    assert bulk.exit_code == 0, bulk.output
    assert "0 issued, 4 skipped." in bulk.output and "already has a valid" in bulk.output
    revoke = runner.invoke(args=["lms", "report", "revoke-certificate", doc_id,
                                 "--reason", "Typo in the name"])
    assert revoke.exit_code == 0, revoke.output
    with app.app_context():
        from lms.reports import certificates

        assert certificates.get_certificate(doc_id).status == "revoked"
    both = runner.invoke(args=["lms", "report", "certificate", "--student", "JDU26001",
                               "--course", "GD101", "--programme", "GAME"])
    assert both.exit_code != 0


def test_reissue_badges_supersedes_only_pre_fix_credentials(app, runner, client, school,
                                                            monkeypatch):
    from lms.auth.models import User
    from lms.catalog.models import Course, Institution, Program
    from lms.records import documents, requirements
    from lms.reports import certificates, openbadges
    from tests.reports.test_badge_independent import sign_pre_fix

    with app.test_request_context():
        student = db.session.get(User, school.finished_id)
        monkeypatch.setattr(openbadges, "sign", sign_pre_fix)  # issued before the fix
        old = certificates.issue_for_course(student, db.session.scalar(
            select(Course).where(Course.code == "GD101")), None)
        monkeypatch.undo()
        program = db.session.scalar(select(Program).where(Program.code == "GAME"))
        for code, credits in (("JDU", 3), ("TUT", 2)):
            requirements.add_requirement(program, db.session.scalar(select(Institution).where(
                Institution.code == code)), "total", None, credits=credits)
        good = certificates.issue_for_programme(student, program, None)  # after the fix
        old_pdf, old_credential = old.pdf.id, old.credential.id
        good_pdf, old_sha = good.pdf.id, old.credential.sha256
        assert openbadges.verify(json.loads(documents.document_bytes(old.credential))).pre_fix

    def documents_count():
        with app.app_context():
            return len(db.session.scalars(select(IssuedDocument.id)).all())

    before = documents_count()
    dry = runner.invoke(args=["lms", "report", "reissue-badges", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"{old_credential}: pre-fix proof; would reissue certificate {old_pdf}" in dry.output
    assert "2 credentials checked: 1 valid, 1 would be reissued, 0 left alone, 0 not " \
           "verifiable." in dry.output
    assert documents_count() == before  # a dry run lists, nothing more

    done = runner.invoke(args=["lms", "report", "reissue-badges", "--as", school.admin_email])
    assert done.exit_code == 0, done.output
    assert f"{old_credential}: pre-fix proof; reissued as " in done.output
    assert "2 credentials checked: 1 valid, 1 reissued, 0 left alone, 0 not verifiable." \
        in done.output
    assert documents_count() == before + 2  # a new PDF and a new credential
    with app.app_context():
        old_doc = db.session.get(IssuedDocument, old_credential)
        assert old_doc.sha256 == old_sha and documents.stored_copy_intact(old_doc)
        assert certificates.get_certificate(old_pdf).status == "superseded"
        new = documents.successor(old_doc)
        new_credential = new.id
        assert new.issued_by_id == school.admin_id
        assert openbadges.verify(json.loads(documents.document_bytes(new))).valid
        assert certificates.get_certificate(new.id).status == "valid"
        assert certificates.get_certificate(good_pdf).status == "valid"  # left alone
    page = client.get(f"/verify/{old_credential}").get_data(as_text=True)
    assert "A newer document replaced this one" in page

    again = runner.invoke(args=["lms", "report", "reissue-badges"])
    assert again.exit_code == 0, again.output
    assert f"{old_credential}: pre-fix proof, already superseded by {new_credential}; " \
           "nothing to do." in again.output
    assert "3 credentials checked: 2 valid, 0 reissued, 1 left alone, 0 not verifiable." \
        in again.output
    assert documents_count() == before + 2
