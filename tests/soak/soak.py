"""Load and faults: nothing a student was told is saved may be lost.

Starts gunicorn (sync workers) on 127.0.0.1 against a fresh database holding a course and
its enrolled students (made through the services), then for ``--duration`` seconds every
student posts progress events to ``POST /api/v1/items/<id>/events``. Each event carries a
client-generated UUID; on a connection error or a 5xx the student sends the same event
again, with the same id, until it is acknowledged. Mid-run one worker is killed with
SIGKILL (gunicorn starts another) and, on PostgreSQL with ``--restart-postgres`` (root
only), the server is restarted. Then the database is asked what it holds:

- acknowledged but not stored ("lost") must be 0;
- stored twice ("duplicates") must be 0, and no retry may be counted twice in progress
  (the sum of ``attempts`` equals the number of stored "attempted" events).

Prints the figures as a table; exit 1 if anything acknowledged was lost or doubled, 2 if
the run itself could not be made as planned (server did not start, a fault not injected).
Bounded in time (a watchdog ends it), loopback only.

    .venv/bin/python tests/soak/soak.py
    .venv/bin/python tests/soak/soak.py --postgres postgresql://postgres@127.0.0.1:5432/postgres \\
        --restart-postgres
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
LOOPBACK = {"127.0.0.1", "localhost", "::1", None, ""}


@dataclass
class Attempt:
    started: float
    ended: float
    status: int | None  # None: no HTTP answer (refused, reset, timed out)


@dataclass
class Student:
    token: str
    attempts: list[Attempt] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # event ids, each once
    acknowledged: list[str] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)  # 4xx: not retried
    abandoned: list[str] = field(default_factory=list)  # never answered 2xx in time


@dataclass
class Fault:
    name: str
    started: float | None = None
    ended: float | None = None
    detail: str = ""
    ok: bool = False


# --- setup --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_postgres_database(admin_url: str) -> tuple[str, str]:
    url = sa.engine.make_url(admin_url)
    if url.host not in LOOPBACK:
        raise SystemExit(f"--postgres must be on this machine (loopback), not {url.host}")
    name = f"kk_soak_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"),
                              isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return name, url.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)


def drop_postgres_database(admin_url: str, name: str) -> None:
    url = sa.engine.make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def prepare(config: dict, students: int) -> tuple[list[str], list[int]]:
    """Migrate; make an instructor, a course with three pages, and enrolled students with
    API tokens, all through the services. Returns (tokens, item ids)."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth import services as auth
    from lms.authoring import services as authoring
    from lms.authoring.models import Item
    from lms.catalog import services as catalog
    from lms.extensions import db
    from tests.factories import make_course, module_zip

    app = create_app({**config, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "ARGON2_PARALLELISM": 1})
    with app.app_context():
        upgrade()
        password = secrets.token_urlsafe(16)
        teacher = auth.create_user("sato@soak.example", "Sato Soak", "instructor", password)
        course = make_course("SOAK1", instructors=[teacher.email])
        authoring.import_package(course, io.BytesIO(module_zip("soak", [
            ("one", "page", "One"), ("two", "page", "Two"), ("three", "page", "Three")])),
            "soak.zip", user=teacher)
        people = [auth.create_user(f"student{n:02d}@soak.example", f"Student {n:02d}",
                                   "student", password) for n in range(students)]
        catalog.enroll(course, people, source="admin")
        tokens = [auth.issue_api_token(p, "soak")[0] for p in people]
        items = [i.id for i in db.session.scalars(sa.select(Item).order_by(Item.id))]
        db.session.remove()
        db.engine.dispose()
    return tokens, items


def start_gunicorn(config: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    app_spec = f"lms:create_app({config!r})"
    command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers),
               "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--timeout", "30",
               "--graceful-timeout", "5", "--chdir", str(ROOT)]
    # gunicorn 25+ opens a control socket in ~/.gunicorn, shared by every gunicorn of the
    # user: keep this run's to itself.
    help_text = subprocess.run(command[:1] + ["--help"], capture_output=True, text=True,  # noqa: S603
                               check=False).stdout
    if "--no-control-socket" in help_text:
        command.append("--no-control-socket")
    command.append(app_spec)
    out = open(log, "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
    process._soak_log = out
    return process


def get(port: int, path: str, timeout: float = 2) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except (OSError, http.client.HTTPException):
        return None


def wait_ready(port: int, process: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if get(port, "/readyz") == 200:
            return True
        time.sleep(0.2)
    return False


def workers_of(master: int) -> set[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return set()
    return {int(pid) for pid in text.split()}


# --- load ---------------------------------------------------------------------------


def post_event(port: int, token: str, item: int, body: bytes, timeout: float) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("POST", f"/api/v1/items/{item}/events", body,
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except (OSError, http.client.HTTPException):
        return None


def run_student(student: Student, port: int, items: list[int], until: float, give_up: float,
                think: float, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - load shape, not security
    while time.monotonic() < until:
        event_id = str(uuid.uuid4())
        item = rng.choice(items)
        body = json.dumps({"id": event_id, "verb": {"id": ATTEMPTED},
                           "result": {"duration": "PT1S"}}).encode()
        student.sent.append(event_id)
        tries = 0
        while True:
            started = time.monotonic()
            status = post_event(port, student.token, item, body, timeout=10)
            student.attempts.append(Attempt(started, time.monotonic(), status))
            if status is not None and 200 <= status < 300:
                student.acknowledged.append(event_id)
                break
            if status is not None and 400 <= status < 500:
                student.refused.append((event_id, status))
                break
            if time.monotonic() > give_up:
                student.abandoned.append(event_id)
                break
            tries += 1  # the same event, the same id: retrying is safe
            time.sleep(min(0.5, 0.02 * 2 ** tries) * (0.5 + rng.random()))
        if think:
            time.sleep(think * (0.5 + rng.random()))


# --- faults -------------------------------------------------------------------------


def kill_worker(master: int, fault: Fault) -> None:
    before = workers_of(master)
    if not before:
        fault.detail = "no worker found"
        return
    victim = sorted(before)[0]
    fault.started = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    deadline = fault.started + 30
    while time.monotonic() < deadline:
        now = workers_of(master)
        if now - before:
            fault.ended = time.monotonic()
            fault.ok = True
            fault.detail = f"worker {victim} killed; gunicorn started {sorted(now - before)[0]}"
            return
        time.sleep(0.01)
    fault.detail = f"worker {victim} killed; no replacement within 30 s"


def postgres_cluster(port: int) -> tuple[str, str] | None:
    """(version, cluster) of the local cluster listening on ``port``."""
    try:
        out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True,  # noqa: S607
                             text=True, check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == str(port):
            return parts[0], parts[1]
    for conf in sorted(Path("/etc/postgresql").glob("*/*/postgresql.conf")):
        text = conf.read_text(errors="replace")
        if f"port = {port}" in text:
            return conf.parent.parent.name, conf.parent.name
    return None


def other_connections(admin_url: str, database: str) -> int:
    url = sa.engine.make_url(admin_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND datname IS DISTINCT FROM :d AND pid <> pg_backend_pid()"),
                {"d": database}).scalar()
    finally:
        engine.dispose()


def restart_postgres(cluster: tuple[str, str], fault: Fault) -> None:
    version, name = cluster
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"]
    fault.started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    fault.ended = time.monotonic()
    fault.ok = result.returncode == 0
    fault.detail = " ".join(command) + ("" if fault.ok else f" failed: {result.stderr.strip()}")


# --- a backup under load -------------------------------------------------------------


def backup_under_load(config: dict, path: Path, result: dict) -> None:
    """`lms backup` while the students keep writing (runs in a thread)."""
    from lms import create_app
    from lms.extensions import db
    from lms.ops import backup

    app = create_app(config)
    try:
        with app.app_context():
            started = time.monotonic()
            report = backup.create_backup(path)
            result.update(started=started, took=time.monotonic() - started,
                          events=report.manifest["tables"]["learning_events"])
            db.engine.dispose()
    except Exception as exc:  # noqa: BLE001 - reported in the table
        result["error"] = f"{type(exc).__name__}: {exc}"


def restore_elsewhere(config: dict, path: Path, url: str) -> str:
    """Restore into an empty database and media folder; the restore's own checks
    (integrity, rows, revision, media, audit chain) decide."""
    from lms import create_app
    from lms.extensions import db
    from lms.ops import backup

    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": url,
                      "MEDIA_ROOT": str(path.with_name("restored-media"))})
    with app.app_context():
        try:
            report = backup.restore_backup(path)
        except backup.BackupError as exc:
            return "FAILED: " + exc.message + " " + "; ".join(exc.problems[:5])
        finally:
            db.session.remove()
            db.engine.dispose()
    return (f"restored and verified: {report.rows} rows, {report.media_files} media files, "
            f"audit log {report.chain}")


# --- figures ------------------------------------------------------------------------


def count_stored(url: str, sent: set[str]) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ids = conn.execute(sa.text("SELECT id FROM learning_events")).scalars().all()
            duplicate_ids = conn.execute(sa.text(
                "SELECT count(*) FROM (SELECT id FROM learning_events GROUP BY id "
                "HAVING count(*) > 1) d")).scalar()
            per_user_events = dict(conn.execute(sa.text(
                "SELECT user_id, count(*) FROM learning_events GROUP BY user_id")).all())
            per_user_attempts = dict(conn.execute(sa.text(
                "SELECT user_id, sum(attempts) FROM item_progress GROUP BY user_id")).all())
            per_user_seconds = dict(conn.execute(sa.text(
                "SELECT user_id, sum(time_spent) FROM item_progress GROUP BY user_id")).all())
    finally:
        engine.dispose()
    stored = set(ids)
    users = set(per_user_events) | set(per_user_attempts)
    doubled = sum(abs(int(per_user_attempts.get(u) or 0) - per_user_events.get(u, 0))
                  + abs(int(per_user_seconds.get(u) or 0) - per_user_events.get(u, 0))
                  for u in users)
    return {"rows": len(ids), "stored": stored & sent, "unknown": stored - sent,
            "duplicate_ids": duplicate_ids, "doubled": doubled}


def recovery(fault: Fault, attempts: list[Attempt]) -> tuple[float | None, int]:
    """(seconds from the fault's start to the next 2xx answered after the first failure
    it caused, failed attempts until then). Without any failure: to the next 2xx."""
    if fault.started is None:
        return None, 0

    def failed(a: Attempt) -> bool:
        return a.status is None or a.status >= 500

    failures = [a.ended for a in attempts if a.ended >= fault.started and failed(a)]
    since = min(failures) if failures else fault.started
    successes = [a.ended for a in attempts if not failed(a) and 200 <= a.status < 300
                 and a.ended > since]
    if not successes:
        return None, len(failures)
    first = min(successes)
    return first - fault.started, sum(1 for t in failures if t <= first)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


# --- main ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=0.05,
                        help="mean pause between a student's events, seconds")
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="a loopback PostgreSQL server: a fresh database is made on it "
                             "(and dropped after)")
    parser.add_argument("--restart-postgres", action="store_true",
                        help="restart the PostgreSQL cluster mid-run (root only)")
    parser.add_argument("--kill-at", type=float, default=0.35, help="fraction of the run")
    parser.add_argument("--restart-at", type=float, default=0.65, help="fraction of the run")
    parser.add_argument("--backup-at", type=float, default=0.5,
                        help="fraction of the run at which `lms backup` runs (negative: none)")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    args = parser.parse_args(argv)

    budget = int(args.duration + 240)  # setup, the run, the stragglers, the counting

    def out_of_time(*_):
        raise TimeoutError(f"the soak run exceeded its {budget} s budget")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(budget)

    work = Path(tempfile.mkdtemp(prefix="kk-soak-"))
    pg_name = restore_name = None
    process = None
    try:
        if args.postgres:
            pg_name, url = create_postgres_database(args.postgres)
            kind = "postgresql"
        else:
            url = f"sqlite:///{work / 'soak.sqlite3'}"
            kind = "sqlite"
        config = {"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": url,
                  "MEDIA_ROOT": str(work / "media"), "RATELIMIT_STORAGE_URI": "memory://"}
        print(f"Preparing a {kind} database with {args.students} enrolled students...",
              flush=True)
        tokens, items = prepare(config, args.students)

        restart_cluster = None
        restart_note = ""
        if args.restart_postgres:
            if kind != "postgresql":
                restart_note = "not restarted: this run is on SQLite"
            elif os.geteuid() != 0:
                restart_note = "not restarted: --restart-postgres needs root"
            else:
                pg_port = sa.engine.make_url(url).port or 5432
                restart_cluster = postgres_cluster(pg_port)
                if restart_cluster is None:
                    restart_note = f"not restarted: no local cluster on port {pg_port}"

        port = free_port()
        log = work / "gunicorn.log"
        process = start_gunicorn(config, port, args.workers, log)
        if not wait_ready(port, process, 60):
            print(f"gunicorn did not become ready; see {log}", file=sys.stderr)
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
            return 2
        print(f"gunicorn ({args.workers} sync workers) ready on 127.0.0.1:{port}; "
              f"{args.duration:g} s of load begins.", flush=True)

        students = [Student(token) for token in tokens]
        begin = time.monotonic()
        until = begin + args.duration
        give_up = until + 30
        threads = [threading.Thread(target=run_student, daemon=True, args=(
            s, port, items, until, give_up, args.think, n)) for n, s in enumerate(students)]
        for thread in threads:
            thread.start()

        kill = Fault("kill -9 one gunicorn worker")
        restart = Fault("restart PostgreSQL")
        backup_result: dict = {}
        backup_thread = None
        time.sleep(max(0.0, begin + args.duration * args.kill_at - time.monotonic()))
        kill_worker(process.pid, kill)
        print(f"  {kill.detail}", flush=True)
        if args.backup_at >= 0:
            time.sleep(max(0.0, begin + args.duration * args.backup_at - time.monotonic()))
            backup_thread = threading.Thread(target=backup_under_load, args=(
                config, work / "backup-under-load", backup_result))
            backup_thread.start()
            backup_thread.join(60)
            print("  lms backup under load: " + (f"{backup_result['took']:.2f} s" if "took" in
                  backup_result else backup_result.get("error", "did not finish")), flush=True)
        others = None
        if restart_cluster:
            time.sleep(max(0.0, begin + args.duration * args.restart_at - time.monotonic()))
            others = other_connections(args.postgres, pg_name)
            restart_postgres(restart_cluster, restart)
            print(f"  {restart.detail} ({restart.ended - restart.started:.2f} s)", flush=True)
        for thread in threads:
            thread.join(max(0.0, give_up + 15 - time.monotonic()))
        still_running = sum(1 for t in threads if t.is_alive())
        restored = "not taken"
        during_backup = 0
        if "took" in backup_result:
            window = (backup_result["started"], backup_result["started"] + backup_result["took"])
            during_backup = sum(1 for s_ in students for a in s_.attempts
                                if a.status in (200, 201) and window[0] <= a.ended <= window[1])
        if backup_result.get("took") is not None:
            if kind == "postgresql":
                restore_name, restore_url = create_postgres_database(args.postgres)
            else:
                restore_url = f"sqlite:///{work / 'restored.sqlite3'}"
            restored = restore_elsewhere(config, work / "backup-under-load", restore_url)
        elif backup_result.get("error"):
            restored = "FAILED: " + backup_result["error"]

        attempts = [a for s in students for a in s.attempts]
        sent = {e for s in students for e in s.sent}
        acknowledged = {e for s in students for e in s.acknowledged}
        refused = [r for s in students for r in s.refused]
        abandoned = [e for s in students for e in s.abandoned]
        found = count_stored(url, sent)
        lost = acknowledged - found["stored"]
        ok_latency = [(a.ended - a.started) * 1000 for a in attempts
                      if a.status is not None and 200 <= a.status < 300]
        no_answer = sum(1 for a in attempts if a.status is None)
        statuses: dict[int, int] = {}
        for a in attempts:
            if a.status is not None:
                statuses[a.status] = statuses.get(a.status, 0) + 1
        server_errors = ", ".join(f"{n} x {code}" for code, n in sorted(statuses.items())
                                  if code >= 500) or "no 5xx"
        kill_recovery, kill_failed = recovery(kill, attempts)
        restart_recovery, restart_failed = recovery(restart, attempts)
        logged = logged_5xx = 0
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith('{"time"'):
                logged += 1
                logged_5xx += json.loads(line)["status"] >= 500

        def secs(value):
            return "n/a" if value is None else f"{value:.3f} s"

        rows = [
            ("database", f"{kind}, {args.workers} gunicorn sync workers, "
                         f"{args.students} students, {args.duration:g} s"),
            ("requests sent", f"{len(attempts)} (HTTP attempts, retries included; "
                              f"{len(attempts) / args.duration:.0f}/s)"),
            ("events", f"{len(sent)} (distinct client-generated ids)"),
            ("acknowledged (2xx)", f"{len(acknowledged)} ({statuses.get(201, 0)} x 201 stored "
                                   f"now, {statuses.get(200, 0)} x 200 a retry of an event "
                                   "already stored)"),
            ("stored", f"{len(found['stored'])} (rows in learning_events with those ids)"),
            ("lost (acknowledged, not stored)", str(len(lost))),
            ("duplicates", f"{found['duplicate_ids']} rows; progress counted twice: "
                           f"{found['doubled']}"),
            ("stored, never acknowledged", str(len(found["stored"] - acknowledged))),
            ("unacknowledged at the end", f"{len(abandoned)} abandoned, {len(refused)} "
                                          "refused (4xx)"),
            ("failed attempts (retried)", f"{no_answer} without an answer, {server_errors}"),
            ("server request log", f"{logged} JSON lines, {logged_5xx} with a 5xx status"),
            ("latency of 2xx answers", f"p50 {percentile(ok_latency, 50):.1f} ms, "
                                       f"p99 {percentile(ok_latency, 99):.1f} ms, "
                                       f"max {max(ok_latency, default=float('nan')):.1f} ms"),
            ("kill -9 worker", (f"at {kill.started - begin:.1f} s; next 2xx after "
                                f"{secs(kill_recovery)} ({kill_failed} failed attempts); "
                                f"replacement worker after "
                                f"{secs(kill.ended - kill.started if kill.ended else None)}")
             if kill.started else f"not done: {kill.detail}"),
            ("backup under load", (f"at {backup_result['started'] - begin:.1f} s, took "
                                   f"{backup_result['took']:.2f} s, "
                                   f"{during_backup} events acknowledged meanwhile, "
                                   f"{backup_result['events']} in its snapshot; "
                                   + restored) if "took" in backup_result else restored),
            ("PostgreSQL restart", (f"at {restart.started - begin:.1f} s, took "
                                    f"{restart.ended - restart.started:.2f} s; next 2xx "
                                    f"{secs(restart_recovery)} after it began "
                                    f"({restart_failed} failed attempts); {others} other "
                                    "clients were connected")
             if restart.started else (restart_note or "not requested")),
        ]
        width = max(len(k) for k, _ in rows)
        print()
        for key, value in rows:
            print(f"  {key:<{width}}  {value}")
        print()
        if refused:
            print(f"  first refusals: {refused[:3]}")

        status = 0
        if lost or found["duplicate_ids"] or found["doubled"] or found["unknown"]:
            print("FAIL: acknowledged events were lost or counted twice.", file=sys.stderr)
            status = 1
        elif restored.startswith("FAILED"):
            print("FAIL: the backup taken under load did not restore cleanly.", file=sys.stderr)
            status = 1
        elif not kill.ok or (args.restart_postgres and kind == "postgresql" and not restart.ok) \
                or still_running or refused:
            print("INCOMPLETE: a fault was not injected as planned, or students were refused.",
                  file=sys.stderr)
            status = 2
        else:
            print("OK: every acknowledged event is stored exactly once.")
        if args.keep:
            print(f"Kept: {work}" + (f" and databases {pg_name}, {restore_name}"
                                     if pg_name else ""))
        else:
            print(f"Server log (JSON request lines): {log} (removed; --keep keeps it)")
        return status
    finally:
        signal.alarm(0)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process is not None:
            process._soak_log.close()
        if pg_name and not args.keep:
            drop_postgres_database(args.postgres, pg_name)
        if restore_name and not args.keep:
            drop_postgres_database(args.postgres, restore_name)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
