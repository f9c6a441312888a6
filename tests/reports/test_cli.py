"""`flask lms report ...`: the same services from the command line."""

import csv
import io

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
