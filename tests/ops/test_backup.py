"""`lms backup` and `lms restore`: a round trip, refusals, tampering, and backups under load.

On SQLite always; on PostgreSQL when TEST_DATABASE_URL is set (the restore then goes into
a database made for the test and dropped after it).
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import threading
import uuid
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from lms import create_app
from lms.auth.models import User
from lms.authoring import services as authoring
from lms.authoring.models import Item
from lms.catalog import services as catalog
from lms.extensions import db
from lms.learning.models import LearningEvent
from lms.ops import backup
from lms.records import auditlog
from lms.records.models import AuditLog
from tests.conftest import PASSWORD, CsrfClient, base_config, login, postgres_admin_url
from tests.factories import make_course, module_zip, record_progress

AUDIT = AuditLog.__tablename__


@pytest.fixture
def world(app, make_user):
    """A course with a package (media files), two students with events, audit rows."""
    teacher = make_user("instructor", name="Sato")
    students = [make_user("student", name=f"Student {n}") for n in range(2)]
    with app.app_context():
        course = make_course("GD101", title={"en": "Game loops 101"},
                             instructors=[teacher.email])
        authoring.import_package(course, io.BytesIO(module_zip("loops", [
            ("intro", "page", "Introduction"), ("check", "quiz", "Check"),
            {"key": "sprite", "kind": "asset", "title": "Sprite", "file": "art/sprite.png"},
        ])), "loops.zip")
        catalog.enroll(course, [db.session.merge(s) for s in students], source="admin")
        item = db.session.scalar(select(Item).where(Item.key == "intro"))
        for student in students:
            record_progress(db.session.get(User, student.id), item, "experienced",
                            event_id=str(uuid.uuid4()))
        for n in range(3):
            auditlog.append(None, "ops.test", "thing", n, {"n": n, "text": "成績 ✓"})
            db.session.commit()
        item_id = item.id
    return {"students": students, "item_id": item_id}


@pytest.fixture
def target(migrated_database, tmp_path):
    """make() -> an app on an empty database and media folder, to restore into."""
    kind, _source = migrated_database
    made: list = []

    def make(search_path: bool = True):
        n = len(made)
        media = tmp_path / f"restored-media-{n}"
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'restored-{n}.sqlite3'}"
            name = None
        else:
            admin = postgres_admin_url()
            name = f"kk_restore_{uuid.uuid4().hex[:10]}"
            engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            engine.dispose()
            # The same search_path option as the source: the dump brings its schema.
            url = sa.engine.make_url(_source.url).set(database=name)
            if not search_path:
                url = url.set(query={})
            url = url.render_as_string(hide_password=False)
        config = base_config(url, tmp_path)
        config["MEDIA_ROOT"] = str(media)
        application = create_app(config)
        application.test_client_class = CsrfClient
        made.append((application, name))
        return application

    yield make
    for application, name in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        if name:
            engine = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            engine.dispose()


def run_backup(app, path: Path):
    result = app.test_cli_runner().invoke(args=["lms", "backup", str(path)])
    assert result.exit_code == 0, result.output
    return result


def restore(app, path: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["lms", "restore", str(path), *extra])


def media_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] != "tmp"}


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {"users": db.session.scalar(select(func.count()).select_from(User)),
                "events": db.session.scalar(select(func.count()).select_from(LearningEvent)),
                "audit": db.session.scalar(select(func.count()).select_from(AuditLog))}


def is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


@pytest.mark.parametrize("name", ["backup", "backup.tar", "backup.tar.gz"])
def test_round_trip(app, world, target, tmp_path, name):
    path = tmp_path / name
    out = run_backup(app, path).output
    assert f"Backup written to {path}" in out
    assert path.exists() and not list(tmp_path.glob("*.partial-*"))
    assert path.stat().st_mode & 0o077 == 0  # personal data: the owner's eyes only

    restored = target()
    result = restore(restored, path)
    assert result.exit_code == 0, result.output
    assert "audit log (3 rows, chain intact)" in result.output
    assert "rows per table, revision and media SHA-256 equal to the manifest" in result.output

    # The same people, events, audit chain and media bytes.
    assert counts(restored) == counts(app)
    with app.app_context():
        emails = set(db.session.scalars(select(User.email)))
        events = set(db.session.scalars(select(LearningEvent.id)))
    with restored.app_context():
        assert set(db.session.scalars(select(User.email))) == emails
        assert set(db.session.scalars(select(LearningEvent.id))) == events
        assert auditlog.verify_chain().ok
    source_media = media_digests(Path(app.config["MEDIA_ROOT"]))
    assert any(name.endswith("art/sprite.png") for name in source_media)
    assert media_digests(Path(restored.config["MEDIA_ROOT"])) == source_media

    # What a user notices: a student signs in to the restored site and finds the course.
    client = restored.test_client()
    assert login(client, world["students"][0].email, PASSWORD).status_code == 302
    assert "Game loops 101" in client.get("/learning/").get_data(as_text=True)


def test_manifest_describes_the_backup(app, world, tmp_path):
    path = tmp_path / "b"
    run_backup(app, path)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["format"] == "kakehashi-backup/1"
    assert manifest["created_at"].endswith("Z") and manifest["app_version"]
    with app.app_context():
        heads = list(backup.script_heads(backup.migrations_directory()))
    assert manifest["code_heads"] == heads and manifest["alembic_head"] == heads[0]
    live = counts(app)
    assert manifest["tables"]["users"] == live["users"]
    assert manifest["tables"]["learning_events"] == live["events"] == 2
    assert manifest["tables"][AUDIT] == live["audit"] == 3
    dump = path / manifest["database"]["file"]
    assert manifest["database"]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    files = {k: v["sha256"] for k, v in manifest["media"]["files"].items()}
    assert files == media_digests(Path(app.config["MEDIA_ROOT"]))
    assert manifest["media"]["count"] == len(files) > 0
    if is_sqlite(app):
        with closing(sqlite3.connect(dump)) as conn:  # one self-contained file, not a WAL database
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    else:
        assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format


def test_a_backup_never_overwrites(app, world, tmp_path):
    path = tmp_path / "b"
    path.mkdir()
    result = app.test_cli_runner().invoke(args=["lms", "backup", str(path)])
    assert result.exit_code == 1 and "exists already" in result.output


def test_a_backup_is_never_written_into_the_media_folder(app, world):
    inside = Path(app.config["MEDIA_ROOT"]) / "backups" / "b"
    result = app.test_cli_runner().invoke(args=["lms", "backup", str(inside)])
    assert result.exit_code == 1 and "inside the media folder" in result.output
    assert not inside.parent.exists()


def test_restore_refuses_a_target_that_is_not_empty(app, world, target, tmp_path):
    path = tmp_path / "b"
    run_backup(app, path)
    restored = target()
    assert restore(restored, path).exit_code == 0
    with restored.app_context():  # a change that a second restore must not silently undo
        db.session.get(User, world["students"][0].id).name = "Changed"
        db.session.commit()

    again = restore(restored, path)
    assert again.exit_code == 1
    assert "not empty" in again.output and "--force" in again.output
    with restored.app_context():
        assert db.session.get(User, world["students"][0].id).name == "Changed"

    forced = restore(restored, path, "--force")
    assert forced.exit_code == 0, forced.output
    with restored.app_context():
        assert db.session.get(User, world["students"][0].id).name == "Student 0"


def test_restore_refuses_a_changed_media_byte(app, world, target, tmp_path):
    path = tmp_path / "b"
    run_backup(app, path)
    sprite = next((path / "media").rglob("sprite.png"))
    data = bytearray(sprite.read_bytes())
    data[10] ^= 0x01
    sprite.write_bytes(bytes(data))

    restored = target()
    result = restore(restored, path)
    assert result.exit_code == 1
    assert "nothing was restored" in result.output
    assert "sprite.png: its SHA-256 differs from the manifest" in result.output
    assert not media_digests(Path(restored.config["MEDIA_ROOT"]))  # nothing written
    if is_sqlite(restored):
        assert not Path(restored.config["SQLALCHEMY_DATABASE_URI"][10:]).exists()


def test_restore_refuses_a_missing_or_extra_media_file(app, world, target, tmp_path):
    path = tmp_path / "b"
    run_backup(app, path)
    next((path / "media").rglob("sprite.png")).unlink()
    (path / "media" / "planted.html").write_text("<script>alert(1)</script>")
    result = restore(target(), path)
    assert result.exit_code == 1
    assert "sprite.png: missing in the backup" in result.output
    assert "media/planted.html: in the backup but not in the manifest" in result.output


def test_restore_refuses_a_changed_row_count(app, world, target, tmp_path):
    path = tmp_path / "b"
    run_backup(app, path)
    manifest_path = path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    users = manifest["tables"]["users"]
    manifest["tables"]["users"] = users + 1
    manifest_path.write_text(json.dumps(manifest))

    result = restore(target(), path)
    assert result.exit_code == 1
    assert f"table users: {users} rows, the manifest says {users + 1}" in result.output


def test_restore_refuses_a_changed_dump(app, world, target, tmp_path):
    path = tmp_path / "b"
    run_backup(app, path)
    dump = next(p for p in path.iterdir() if p.name.startswith("database."))
    with open(dump, "ab") as fh:
        fh.write(b"\0")
    result = restore(target(), path)
    assert result.exit_code == 1
    assert f"{dump.name}: its SHA-256 differs from the manifest" in result.output


def test_restore_refuses_a_broken_audit_chain(app, world, target, tmp_path):
    """A backup whose files and manifest agree, but whose audit log was rewritten."""
    path = tmp_path / "b"
    if is_sqlite(app):  # rewrite the row inside the backup, past the append-only triggers
        run_backup(app, path)
        dump = path / "database.sqlite3"
        with closing(sqlite3.connect(dump)) as conn, conn:
            triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = "
                                    "'trigger' AND tbl_name = ?", (AUDIT,)).fetchall()
            for name, _sql in triggers:
                conn.execute(f'DROP TRIGGER "{name}"')
            conn.execute(f"UPDATE {AUDIT} SET data = '{{\"n\": 99}}' WHERE id = 2")
            for _name, sql in triggers:
                conn.execute(sql)
        manifest = json.loads((path / "manifest.json").read_text())
        manifest["database"]["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
        (path / "manifest.json").write_text(json.dumps(manifest))
    else:  # a pg_dump archive is not edited by hand: rewrite the row, then back up
        with app.app_context():
            db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
            db.session.execute(sa.text(f"UPDATE {AUDIT} SET data = '{{\"n\": 99}}' "
                                       "WHERE id = (SELECT min(id) + 1 FROM audit_log)"))
            db.session.commit()
            second = db.session.scalar(select(func.min(AuditLog.id))) + 1
        run_backup(app, path)

    result = restore(target(), path)
    assert result.exit_code == 1
    assert "do not use it" in result.output
    row = 2 if is_sqlite(app) else second
    assert f"audit log: row {row}: its content does not match its hash" in result.output


def test_restore_refuses_a_target_that_would_not_see_the_schema(app, world, target, tmp_path):
    if is_sqlite(app):
        pytest.skip("PostgreSQL only: the test schema is chosen by a search_path option")
    path = tmp_path / "b"
    run_backup(app, path)
    result = restore(target(search_path=False), path)
    assert result.exit_code == 1
    assert "search_path" in result.output and "options=-csearch_path=" in result.output


def test_restore_refuses_something_that_is_not_a_backup(target, tmp_path):
    (tmp_path / "junk").mkdir()
    result = restore(target(), tmp_path / "junk")
    assert result.exit_code == 1 and "not a Kakehashi backup" in result.output


def test_backup_under_concurrent_writes(app, world, target, tmp_path):
    """Writers keep committing events and audit rows while backups are taken; each backup
    is one consistent snapshot and restores to a database that passes every check."""
    stop = threading.Event()
    written = [0]
    errors: list[BaseException] = []

    def writer():
        try:
            with app.app_context():
                user = db.session.get(User, world["students"][0].id)
                item = db.session.get(Item, world["item_id"])
                while not stop.is_set():
                    # One transaction: the audit row, then the event (record() commits).
                    auditlog.append(None, "ops.load", "event", written[0], {"n": written[0]})
                    record_progress(user, item, "experienced", event_id=str(uuid.uuid4()))
                    written[0] += 1
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    paths, during = [], []
    try:
        while written[0] < 5:  # the writer is well under way
            stop.wait(0.01)
        for n in range(3):
            before = written[0]
            paths.append(tmp_path / f"b{n}")
            run_backup(app, paths[-1])
            during.append(written[0] - before)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    assert sum(during) > 0, "no write happened while a backup was being taken"

    for path in paths:
        manifest = json.loads((path / "manifest.json").read_text())
        # A snapshot: events and audit rows are written in pairs, in one transaction each.
        assert manifest["tables"][AUDIT] - 3 == manifest["tables"]["learning_events"] - 2
        restored = target()
        result = restore(restored, path)
        assert result.exit_code == 0, result.output
        rows = manifest["tables"][AUDIT]
        assert f"audit log ({rows} rows, chain intact)" in result.output
