"""Backups and restores of the database and the media folder, checked both ways.

A backup is one directory (or one ``.tar`` / ``.tar.gz`` file of it)::

    manifest.json        created_at, app version, alembic revision, rows per table,
                         SHA-256 and size of the dump and of every media file
    database.sqlite3     SQLite: a copy made with the online backup API
    database.dump        PostgreSQL: ``pg_dump -Fc``
    media/...            the media folder, copied file by file

Both are taken while the site keeps running. SQLite's backup API copies one consistent
snapshot in a single step (in WAL mode writers carry on meanwhile); a file copy of a live
database could tear. On PostgreSQL one repeatable-read transaction exports its snapshot,
``pg_dump --snapshot`` dumps exactly that, and the row counts are read in the same
transaction, so the manifest describes the dump and not the moving database. Media is
copied after the database: every file a dumped row refers to was written before that row
was committed, so it is there to copy (files added later are harmless extras).

A restore goes into an empty database and media folder (``force`` replaces non-empty
ones). It checks the backup against its manifest before touching anything, then checks
what it restored: SQLite ``PRAGMA integrity_check``, rows per table, the migration
revision, every media file's SHA-256, and the records audit log's hash chain. Any
difference is an error: ``BackupError`` lists every problem found.

Secrets (``instance/secret_key``, the records signing key) are not in a backup: keep
them apart, as docs/operations.md explains. Messages here are for operators, in English
like the rest of the command line.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump and pg_restore, with argument lists
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.engine import URL, Connection, Engine

from lms.extensions import db
from lms.ops.health import migrations_directory, script_heads

FORMAT = "kakehashi-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
MEDIA_DIR = "media"
SKIPPED_MEDIA_DIRS = ("tmp",)  # top level: scratch files of uploads in progress
SKIPPED_PREFIX = ".tmp-"  # packages being unpacked, published later by one rename
CHUNK = 1024 * 1024
MAX_LISTED = 50  # problems listed one by one; the rest are counted

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that must not be trusted; ``problems`` says why, one a line."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = _capped(problems or [])


@dataclass
class BackupReport:
    path: Path
    manifest: dict
    manifest_sha256: str
    notes: list[str] = field(default_factory=list)


@dataclass
class RestoreReport:
    dialect: str
    tables: int
    rows: int
    media_files: int
    media_bytes: int
    revision: str
    chain: str  # what the audit-chain check found, in words
    notes: list[str] = field(default_factory=list)


def _quiet(_message: str) -> None:
    pass


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_LISTED:
        return list(problems)
    return problems[:MAX_LISTED] + [f"... and {len(problems) - MAX_LISTED} more"]


# --- helpers ------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_hashing(source: Path, target: Path) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (a new file); the hash is of the bytes written."""
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as src, open(target, "xb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return digest.hexdigest(), size


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kakehashi")
    except PackageNotFoundError:
        return "unknown"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def _safe_relative(name: str) -> PurePosixPath | None:
    """A manifest path as a relative path that stays inside its folder, or None."""
    if not name or "\\" in name or "\0" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
        return None
    return path


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(relative posix name, path) of every regular file under the media root, in order,
    leaving out scratch folders; symbolic links are neither followed nor copied."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        relative = here.relative_to(root)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(SKIPPED_PREFIX)
            and not (relative == Path(".") and d in SKIPPED_MEDIA_DIRS)
            and not (here / d).is_symlink()
        )
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            yield (relative / name).as_posix(), path


def _dialect(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"The SQLite database must be a file, not {database!r}.")
    return Path(database)


def _quote_sqlite(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\' ORDER BY name")]
    return {name: conn.execute(f"SELECT count(*) FROM {_quote_sqlite(name)}").fetchone()[0]  # noqa: S608
            for name in names}


def _sqlite_revision(conn: sqlite3.Connection) -> str:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:
        return ""
    return ",".join(sorted(r[0] for r in rows))


def _sqlite_integrity(conn: sqlite3.Connection) -> list[str]:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else [f"SQLite integrity check: {r}" for r in rows]


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _libpq(url: URL) -> tuple[str, dict]:
    """The URL as a libpq connection string, and an environment carrying the password
    (never on a command line, where ``ps`` would show it)."""
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return plain.render_as_string(hide_password=False), env


def _pg_tables(conn: Connection) -> dict[str, int]:
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    if schema is None:
        return {}
    names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s "
                              "ORDER BY tablename"), {"s": schema}).scalars().all()
    quote = conn.dialect.identifier_preparer.quote
    return {name: conn.exec_driver_sql(
        f"SELECT count(*) FROM {quote(schema)}.{quote(name)}").scalar()  # noqa: S608
        for name in names}


def _pg_revision(conn: Connection) -> str:
    exists = conn.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar()
    if exists is None:
        return ""
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    return ",".join(sorted(rows))


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True,  # noqa: S603
                             timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out) or re.search(r"(\d+)\.\d+", out)
    return int(match.group(1)) if match else None


def pg_tool(name: str, server_major: int) -> Path:
    """``pg_dump`` or ``pg_restore`` at least as new as the server: PG_BIN_DIR, then
    Debian's versioned /usr/lib/postgresql/<major>/bin, then the PATH."""
    candidates = []
    if current_app.config.get("PG_BIN_DIR"):
        candidates.append(Path(current_app.config["PG_BIN_DIR"]) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"))
    if found := shutil.which(name):
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            major = _tool_major(candidate)
            if major is not None and major >= server_major:
                return candidate
    raise BackupError(
        f"No {name} for PostgreSQL {server_major} or newer was found (looked in "
        f"{', '.join(str(c) for c in candidates)}). Install postgresql-client-{server_major} "
        "or set PG_BIN_DIR.")


def _run(command: list[str], env: dict, what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{what} failed (exit {result.returncode}).", lines or
                          [f"{Path(command[0]).name} said nothing"])


# --- backup -------------------------------------------------------------------------


def _archive_mode(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "w:gz"
    if name.endswith(".tar"):
        return "w"
    return None


def create_backup(target: Path, say: Say = _quiet) -> BackupReport:
    """Write a backup of the database and media to ``target``: a new directory, or a
    ``.tar`` / ``.tar.gz`` file. Raises BackupError when it cannot; a half-written backup
    is removed, so what exists at ``target`` afterwards is always complete."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already: a backup never overwrites anything.")
    media = _media_root().resolve()
    if media == target.resolve() or media in target.resolve().parents:
        raise BackupError(f"{target} is inside the media folder {media}: the backup would "
                          "copy itself. Write it elsewhere.")
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    dialect = _dialect(engine)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        say(f"Dumping the {dialect} database...")
        if dialect == "sqlite":
            database, tables = _dump_sqlite(engine, work)
        else:
            database, tables = _dump_postgres(engine, work)
        say(f"Copying media from {_media_root()}...")
        files = {}
        (work / MEDIA_DIR).mkdir()
        for name, path in _media_files(_media_root()):
            destination = work / MEDIA_DIR / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                digest, size = _copy_hashing(path, destination)
            except FileNotFoundError:  # deleted while we walked: it is not in the backup
                destination.unlink(missing_ok=True)
                continue
            files[name] = {"sha256": digest, "size": size}
        heads = list(script_heads(migrations_directory()))
        manifest = {
            "format": FORMAT,
            "created_at": _now(),
            "app_version": _app_version(),
            "alembic_head": database["revision"],
            "code_heads": heads,
            "database": database,
            "tables": tables,
            "media": {"count": len(files), "bytes": sum(f["size"] for f in files.values()),
                      "files": files},
        }
        manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True,
                                    ensure_ascii=False).encode("utf-8")
        with open(work / MANIFEST, "xb") as fh:
            fh.write(manifest_bytes)
            fh.flush()
            os.fsync(fh.fileno())
        mode = _archive_mode(target)
        if mode:
            partial = work.with_name(work.name + ".tar")
            partial.touch(mode=0o600)  # personal data: readable by its owner only
            with tarfile.open(partial, mode) as archive:
                for child in sorted(work.iterdir()):
                    archive.add(child, arcname=child.name)
            with open(partial, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(partial, target)
        else:
            os.rename(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        work.with_name(work.name + ".tar").unlink(missing_ok=True)
    notes = []
    if database["revision"] and database["revision"] != ",".join(heads):
        notes.append(f"The database is at revision {database['revision']}, the code's head is "
                     f"{','.join(heads)}: run `flask db upgrade`.")
    return BackupReport(target, manifest, hashlib.sha256(manifest_bytes).hexdigest(), notes)


def _dump_sqlite(engine: Engine, work: Path) -> tuple[dict, dict]:
    source_path = _sqlite_path(engine)
    if not source_path.is_file():
        raise BackupError(f"There is no database at {source_path}.")
    target = work / SQLITE_FILE
    with closing(sqlite3.connect(source_path, timeout=30)) as source, \
            closing(sqlite3.connect(target)) as copy:
        # One step (pages=-1): one read snapshot of the whole file, writers unblocked.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        problems = _sqlite_integrity(copy)
        if problems:
            raise BackupError("The copy of the database is damaged; the live database may "
                              "be too (run PRAGMA integrity_check on it).", problems)
        tables = _sqlite_tables(copy)
        revision = _sqlite_revision(copy)
    return ({"dialect": "sqlite", "file": SQLITE_FILE, "sha256": sha256_file(target),
             "size": target.stat().st_size, "revision": revision}, tables)


def _dump_postgres(engine: Engine, work: Path) -> tuple[dict, dict]:
    target = work / POSTGRES_FILE
    uri, env = _libpq(engine.url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            major = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
            command = [str(pg_tool("pg_dump", major)), "--format=custom",
                       f"--snapshot={snapshot}", f"--file={target}"]
            if schema and schema != "public":
                # The app lives in a schema of its own: dump that schema, plus the
                # extensions it uses (pg_trgm), which -n alone would leave out.
                command += [f'--schema="{schema}"', "--extension=*"]
            _run(command + [f"--dbname={uri}"], env, "pg_dump")
            # Same transaction, same snapshot: these counts are the dump's.
            tables = _pg_tables(conn)
            revision = _pg_revision(conn)
    return ({"dialect": "postgresql", "file": POSTGRES_FILE, "sha256": sha256_file(target),
             "size": target.stat().st_size, "revision": revision, "schema": schema,
             "server_major": major}, tables)


# --- restore ------------------------------------------------------------------------


@contextmanager
def _opened(source: Path) -> Iterator[Path]:
    """The backup as a folder: itself, or a tar unpacked (safely) into a temporary one."""
    source = Path(source)
    if source.is_dir():
        yield source
        return
    if not tarfile.is_tarfile(source):
        raise BackupError(f"{source} is neither a backup folder nor a tar file.")
    try:  # unpack beside the archive (the backup volume has room); else the system's temp
        scratch = tempfile.TemporaryDirectory(prefix=".kk-restore-", dir=source.parent)
    except OSError:
        scratch = tempfile.TemporaryDirectory(prefix=".kk-restore-")
    with scratch as folder:
        try:
            with tarfile.open(source) as archive:
                # The "data" filter refuses links out, absolute paths, devices and "..".
                archive.extractall(folder, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{source} could not be unpacked: {exc}") from None
        yield Path(folder)


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path} is missing: this is not a Kakehashi backup.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is not valid JSON ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a {FORMAT} manifest.")
    for key in ("database", "tables", "media"):
        if not isinstance(manifest.get(key), dict):
            raise BackupError(f"{path} has no '{key}' section.")
    return manifest


def verify_backup(folder: Path, manifest: dict) -> list[str]:
    """Every way the backup's files differ from its manifest (empty: it is intact)."""
    problems: list[str] = []
    database = manifest["database"]
    dump = folder / str(database.get("file", ""))
    if not dump.is_file() or dump.parent != folder:
        problems.append(f"the database dump {database.get('file')!r} is missing")
    elif sha256_file(dump) != database.get("sha256"):
        problems.append(f"{dump.name}: its SHA-256 differs from the manifest (changed or "
                        "damaged)")
    elif database.get("dialect") == "sqlite":
        with closing(_read_only(dump)) as conn:
            try:
                problems += _sqlite_integrity(conn)
                problems += compare_tables(_sqlite_tables(conn), manifest["tables"])
            except sqlite3.DatabaseError as exc:
                problems.append(f"{dump.name}: not a readable SQLite database ({exc})")
    problems += _verify_media(folder / MEDIA_DIR, manifest["media"].get("files", {}),
                              "in the backup")
    return problems


def _verify_media(root: Path, files: dict, where: str) -> list[str]:
    problems = []
    for name, meta in sorted(files.items()):
        relative = _safe_relative(name)
        if relative is None:
            problems.append(f"media {name!r}: not a safe relative path")
            continue
        path = root.joinpath(*relative.parts)
        if not path.is_file() or path.is_symlink():
            problems.append(f"media/{name}: missing {where}")
        elif sha256_file(path) != meta.get("sha256"):
            problems.append(f"media/{name}: its SHA-256 differs from the manifest {where} "
                            "(changed or damaged)")
    listed = set(files)
    problems += [f"media/{name}: {where} but not in the manifest"
                 for name, _path in _media_files(root) if name not in listed]
    return problems


def compare_tables(found: dict[str, int], expected: dict[str, int]) -> list[str]:
    problems = []
    for name in sorted(set(found) | set(expected)):
        if name not in found:
            problems.append(f"table {name}: missing (the manifest has {expected[name]} rows)")
        elif name not in expected:
            problems.append(f"table {name}: not in the manifest ({found[name]} rows)")
        elif found[name] != expected[name]:
            problems.append(f"table {name}: {found[name]} rows, the manifest says "
                            f"{expected[name]}")
    return problems


def _target_problems(engine: Engine, dialect: str) -> list[str]:
    """Why the target is not empty (nothing: it is)."""
    problems = []
    if dialect == "sqlite":
        path = _sqlite_path(engine)
        if path.exists() and path.stat().st_size > 0:
            with closing(sqlite3.connect(path)) as conn:
                tables = _sqlite_tables(conn)
            if tables:
                problems.append(f"the database {path} has {len(tables)} tables")
    else:
        with engine.connect() as conn:
            tables = _pg_tables(conn)
        if tables:
            problems.append(f"the database has {len(tables)} tables in its schema")
    count = sum(1 for _ in _media_files(_media_root()))
    if count:
        problems.append(f"the media folder {_media_root()} holds {count} files")
    return problems


def restore_backup(source: Path, *, force: bool = False, say: Say = _quiet) -> RestoreReport:
    """Restore a backup into the configured database and media folder, then prove it.

    The backup is checked against its manifest first (nothing is touched if it differs).
    The target must be empty unless ``force``: then the database's objects are replaced
    and the media folder emptied. Raises BackupError listing every problem; success means
    integrity, rows per table, revision, media hashes and the audit chain all matched.
    """
    engine = db.engine
    dialect = _dialect(engine)
    with _opened(source) as folder:
        manifest = read_manifest(folder)
        kind = manifest["database"].get("dialect")
        if kind != dialect:
            raise BackupError(f"This is a {kind} backup; the configured database is {dialect}. "
                              "Restore into the same kind of database.")
        if dialect == "postgresql":
            _check_search_path(engine, manifest["database"].get("schema"))
        say("Checking the backup against its manifest...")
        problems = verify_backup(folder, manifest)
        if problems:
            raise BackupError("The backup does not match its manifest (changed or damaged); "
                              "nothing was restored.", problems)
        occupied = _target_problems(engine, dialect)
        if occupied and not force:
            raise BackupError("The target is not empty; nothing was restored. Restore into an "
                              "empty database and media folder, or pass --force to replace "
                              "them.", occupied)
        db.session.remove()
        engine.dispose()
        dump = folder / manifest["database"]["file"]
        say(f"Restoring the {dialect} database...")
        if dialect == "sqlite":
            _restore_sqlite(dump, _sqlite_path(engine))
        else:
            _restore_postgres(dump, engine, clean=force and bool(occupied))
        engine.dispose()
        say("Restoring media...")
        _restore_media(folder / MEDIA_DIR, manifest["media"].get("files", {}), force)
    say("Verifying what was restored...")
    return _verify_restored(manifest, engine, dialect)


def _check_search_path(engine: Engine, schema: str | None) -> None:
    """The restored tables land in the backup's schema: the target must look there."""
    if not schema:
        return
    with engine.connect() as conn:
        setting = conn.exec_driver_sql("SELECT current_setting('search_path')").scalar()
        user = conn.exec_driver_sql("SELECT current_user").scalar()
    path = [p.strip().strip('"') for p in setting.split(",")]
    path = [user if p == "$user" else p for p in path]
    if schema not in path:
        raise BackupError(f"The backup's tables are in the schema {schema!r}, but the target "
                          f"database's search_path is {setting!r}: the app would not see them. "
                          f"Add options=-csearch_path={schema} to the database URL.")


def _restore_sqlite(dump: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Through the backup API, not a file copy: a WAL or journal left beside an old
    # database is handled by SQLite, and the result is one consistent database.
    with closing(_read_only(dump)) as source, closing(sqlite3.connect(target, timeout=30)) as db_:
        source.backup(db_)
        db_.execute("PRAGMA journal_mode=WAL")


def _restore_postgres(dump: Path, engine: Engine, clean: bool) -> None:
    uri, env = _libpq(engine.url)
    with engine.connect() as conn:
        major = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
    command = [str(pg_tool("pg_restore", major)), "--exit-on-error", "--single-transaction",
               "--no-owner", "--no-acl"]
    if clean:
        command += ["--clean", "--if-exists"]
    _run(command + [f"--dbname={uri}", str(dump)], env,
         "pg_restore (one transaction: the database is as it was before)")


def _restore_media(source: Path, files: dict, force: bool) -> None:
    root = _media_root()
    if force and root.is_dir():
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    root.mkdir(parents=True, exist_ok=True)
    for name in sorted(files):
        relative = _safe_relative(name)
        if relative is None:  # verify_backup refused these already
            continue
        target = root.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        partial.unlink(missing_ok=True)
        _copy_hashing(source.joinpath(*relative.parts), partial)
        os.replace(partial, target)


def _verify_restored(manifest: dict, engine: Engine, dialect: str) -> RestoreReport:
    problems: list[str] = []
    if dialect == "sqlite":
        with closing(sqlite3.connect(_sqlite_path(engine), timeout=30)) as conn:
            problems += _sqlite_integrity(conn)
            tables = _sqlite_tables(conn)
            revision = _sqlite_revision(conn)
    else:
        with engine.connect() as conn:
            tables = _pg_tables(conn)
            revision = _pg_revision(conn)
    problems += compare_tables(tables, manifest["tables"])
    if revision != manifest["database"].get("revision", ""):
        problems.append(f"migration revision {revision!r}, the manifest says "
                        f"{manifest['database'].get('revision')!r}")
    files = manifest["media"].get("files", {})
    problems += _verify_media(_media_root(), files, "in the restored media folder")
    chain, chain_problems, notes = audit_checks()
    problems += chain_problems
    if problems:
        raise BackupError("The restore finished, but what was restored does not match the "
                          "backup: do not use it.", problems)
    heads = ",".join(script_heads(migrations_directory()))
    if revision and revision != heads:
        notes.append(f"The restored database is at revision {revision}; this code's head is "
                     f"{heads}: run `flask db upgrade` before serving.")
    return RestoreReport(dialect, len(tables), sum(tables.values()), len(files),
                         sum(f.get("size", 0) for f in files.values()), revision, chain, notes)


def audit_checks() -> tuple[str, list[str], list[str]]:
    """(summary, problems, notes) of the records audit log's hash chain and the stored
    copies of issued documents, through whatever the records package exposes."""
    db.session.remove()
    verify = None
    for module_name in ("lms.records.services", "lms.records.auditlog"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        verify = getattr(module, "verify_chain", None)
        if callable(verify):
            break
    if not callable(verify):
        note = ("The audit chain was not checked: the records package exposes no "
                "verify_chain().")
        return "not checked", [], [note]
    report = verify()
    if isinstance(report, bool):
        rows, broken = None, [] if report else ["the audit log's hash chain is broken"]
    else:
        rows = getattr(report, "rows", None)
        broken = list(getattr(report, "broken", None) or [])
        if not broken and getattr(report, "ok", True) is False:
            broken = ["the audit log's hash chain is broken"]
    problems = [f"audit log: {line}" for line in broken]
    summary = (f"{rows} rows, chain intact" if rows is not None else "chain intact") \
        if not broken else "BROKEN"
    problems += _document_problems()
    db.session.remove()
    return summary, problems, []


def _document_problems() -> list[str]:
    """Issued documents whose stored file no longer matches its recorded SHA-256.
    (Signatures are not checked here: the signing key is not part of a backup.)"""
    try:
        from lms.records import documents
        from lms.records.models import IssuedDocument
    except ImportError:
        return []
    intact = getattr(documents, "stored_copy_intact", None)
    if not callable(intact):
        return []
    return [f"issued document {doc.id}: its stored file does not match its SHA-256"
            for doc in db.session.scalars(select(IssuedDocument)) if not intact(doc)]
