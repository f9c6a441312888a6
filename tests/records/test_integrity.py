"""Append-only records: database triggers refuse UPDATE and DELETE (SQLite and, with
TEST_DATABASE_URL, PostgreSQL); the audit log's SHA-256 chain and its check command."""

import pytest
from sqlalchemy import exc, select, text

from lms.extensions import db
from lms.records import auditlog, services
from lms.records.models import AuditLog
from tests.records.conftest import course_with, finalise, institution

PROTECTED = ("audit_log", "issued_documents", "document_revocations", "credit_records")


@pytest.fixture
def filled(app, world):
    """One row in each protected table: a final result (records + log), an issued and
    revoked transcript."""
    from lms.records import documents, transcripts

    with app.app_context():
        finalise(world.student_id, course_with("INT1"), 91)
        doc = transcripts.issue_transcript(services.get_student(world.student_id),
                                           institution("JDU"), None)
        documents.revoke_document(doc, "Issued by mistake", None)
        return doc.id


@pytest.mark.parametrize("table", PROTECTED)
def test_update_is_refused_by_the_database(app, filled, table):
    column = {"audit_log": "actor", "issued_documents": "subject_name",
              "document_revocations": "reason", "credit_records": "grade"}[table]
    with app.app_context():
        with pytest.raises(exc.DBAPIError, match="append-only"):
            db.session.execute(text(f"UPDATE {table} SET {column} = 'tampered'"))
        db.session.rollback()
        assert "tampered" not in db.session.scalars(text(f"SELECT {column} FROM {table}")).all()


@pytest.mark.parametrize("table", PROTECTED)
def test_delete_is_refused_by_the_database(app, filled, table):
    with app.app_context():
        before = db.session.scalar(text(f"SELECT count(*) FROM {table}"))
        assert before > 0
        with pytest.raises(exc.DBAPIError, match="append-only"):
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.rollback()
        assert db.session.scalar(text(f"SELECT count(*) FROM {table}")) == before


def test_the_orm_cannot_change_an_issued_document_either(app, filled):
    from lms.records.models import IssuedDocument

    with app.app_context():
        doc = db.session.get(IssuedDocument, filled)
        doc.sha256 = "0" * 64
        with pytest.raises(exc.DBAPIError):
            db.session.commit()
        db.session.rollback()


def test_every_change_is_chained_and_the_chain_verifies(app, filled):
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        actions = [r.action for r in rows]
        for expected in ("scale.create", "programme.admit", "result.finalise",
                         "document.issue", "document.revoke"):
            assert expected in actions
        assert rows[0].prev_hash == auditlog.GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
        report = auditlog.verify_chain(batch=3)  # batches join up
        assert report.ok and report.rows == len(rows)


def _tamper(sql: str) -> None:
    """Change the log behind the triggers' back, as someone with database access could."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        db.session.execute(text("DROP TRIGGER trg_audit_log_no_update"))
        db.session.execute(text("DROP TRIGGER trg_audit_log_no_delete"))
    else:  # the PostgreSQL schema outlives the test: switch the triggers back on after
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    db.session.execute(text(sql))
    if dialect != "sqlite":
        db.session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    db.session.commit()


def test_verify_chain_finds_an_altered_row(app, filled, runner):
    assert runner.invoke(args=["lms", "records", "verify-chain"]).exit_code == 0
    with app.app_context():
        target = db.session.scalar(select(AuditLog.id).where(
            AuditLog.action == "result.finalise"))
        _tamper(f"UPDATE audit_log SET actor = 'someone-else' WHERE id = {target}")
        report = auditlog.verify_chain()
        assert report.broken == [f"row {target}: its content does not match its hash "
                                 "(altered)"]
    result = runner.invoke(args=["lms", "records", "verify-chain"])
    assert result.exit_code == 1 and f"row {target}" in result.output
    with app.app_context():
        if db.session.get_bind().dialect.name == "sqlite":  # the triggers were dropped
            assert "table audit_log: trigger trg_audit_log_no_update is missing" in (
                result.output)


def test_verify_chain_reports_disabled_triggers(app, filled):
    with app.app_context():
        assert auditlog.missing_triggers() == []
        if db.session.get_bind().dialect.name == "sqlite":
            db.session.execute(text("DROP TRIGGER trg_credit_records_no_delete"))
            expected = ["table credit_records: trigger trg_credit_records_no_delete is "
                        "missing or disabled"]
            assert auditlog.missing_triggers() == expected
        else:
            db.session.execute(text("ALTER TABLE credit_records DISABLE TRIGGER USER"))
            try:
                assert auditlog.missing_triggers() == [
                    "table credit_records: trigger trg_credit_records_append_only is "
                    "missing or disabled"]
            finally:
                db.session.rollback()  # DDL is transactional on PostgreSQL


def test_verify_chain_finds_a_deleted_row(app, filled):
    with app.app_context():
        ids = db.session.scalars(select(AuditLog.id).order_by(AuditLog.id)).all()
        _tamper(f"DELETE FROM audit_log WHERE id = {ids[2]}")
        report = auditlog.verify_chain()
        assert len(report.broken) == 1 and report.broken[0].startswith(f"row {ids[3]}:")
        assert "missing or was replaced" in report.broken[0]


def test_verify_chain_command_checks_stored_documents(app, filled, runner):
    from lms.records import documents
    from lms.records.models import IssuedDocument

    result = runner.invoke(args=["lms", "records", "verify-chain"])
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output and "documents intact" in result.output
    with app.app_context():
        path = documents.stored_path(db.session.get(IssuedDocument, filled))
        path.chmod(0o644)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    result = runner.invoke(args=["lms", "records", "verify-chain"])
    assert result.exit_code == 1
    assert f"document {filled}: the stored file does not match" in result.output


def test_concurrent_appends_cannot_fork_the_chain(app, world):
    """prev_hash is unique: a second row claiming the same predecessor is refused."""
    with app.app_context():
        last = db.session.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
        db.session.add(AuditLog(actor="x", action="fork", entity="x", entity_id="1",
                                data={}, prev_hash=last.prev_hash, hash="f" * 64))
        with pytest.raises(exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
