"""`make bench`: the app under gunicorn on 127.0.0.1 against the generated data, loaded by
wrk for a bounded time per path, beside a bare Flask + Jinja2 page served the same way.

  .venv/bin/python bench/run.py [--size S|M|L] [--duration 10] [--event-duration 30]
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kakehashi_bench ... for PostgreSQL

Per hot path and per connection count (16, 64): requests/s, p50/p99, errors (socket
errors, timeouts and any unexpected status), peak RSS of the gunicorn workers (VmHWM,
reset before each path through /proc/<pid>/clear_refs), SQL queries per request (counted
in-process with the Flask test client on the same data), the ratio to the bare page.
Then: the event POST sustained for --event-duration seconds with every 201 checked against
the rows added; cold start; package import; exports, transcripts and furigana where those
features exist. Writes bench/results/latest.json (and latest-<database>.json) and prints
the Markdown table (bench/report.py). Every process it starts is stopped on exit.
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from common import (BENCH, BENCH_PASSWORD, DATA, RESULTS, ROOT, SIZES, bench_app,
                    database_url, dialect_of, sqlite_path)

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SEARCH_QUERY = "アニメーション"
POOL = 64  # signed-in students: one per connection at 64 connections
STARTED: list[subprocess.Popen] = []


# --- processes -----------------------------------------------------------------------------


def stop_all() -> None:
    for proc in STARTED:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    deadline = time.time() + 10
    for proc in STARTED:
        try:
            proc.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    STARTED.clear()


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


atexit.register(stop_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, method: str, path: str, headers: dict | None = None,
         body: bytes | None = None, timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


class Server:
    """gunicorn on 127.0.0.1 in its own process group."""

    def __init__(self, label: str, app_spec: str, workers: int, worker_class: str,
                 threads: int, env: dict, ready_path: str, chdir: Path = ROOT):
        self.label, self.app_spec, self.workers_n = label, app_spec, workers
        self.worker_class, self.threads, self.env = worker_class, threads, env
        self.ready_path, self.chdir = ready_path, chdir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        log = open(RESULTS / f"gunicorn-{self.label.replace(' ', '-')}.log", "ab")
        command = [GUNICORN, "--workers", str(self.workers_n), "--worker-class",
                   self.worker_class, "--threads", str(self.threads), "--bind",
                   f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "120",
                   "--graceful-timeout", "5", "--chdir", str(self.chdir), self.app_spec]
        started = time.perf_counter()
        self.proc = subprocess.Popen(command, cwd=self.chdir, env=self.env, stdout=log,
                                     stderr=log, start_new_session=True)
        STARTED.append(self.proc)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn ({self.label}) exited; see {log.name}")
            try:
                if fetch(self.port, "GET", self.ready_path, timeout=5)[0] == 200:
                    # Every worker up, not only the first one to answer.
                    if len(self.worker_pids()) >= self.workers_n:
                        return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"gunicorn ({self.label}) did not answer within 90 s")

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def reset_peaks(self) -> None:
        for pid in self.worker_pids():
            try:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            except OSError:
                pass

    def peak_rss_mb(self) -> float:
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                pass
        return round(max(peaks), 1) if peaks else 0.0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and every worker it ever
        had (a worker replaced during a run keeps counting: its last reading is kept)."""
        seen = self.__dict__.setdefault("_cpu", {})
        for pid in [self.proc.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                seen[pid] = int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return sum(seen.values()) / os.sysconf("SC_CLK_TCK")

    def settle(self, path: str, cookie: str | None) -> bool:
        """Wait until requests queued by the last run are served (sync workers finish
        what they accepted even after the client left); False if it takes over 20 s."""
        headers = {"Cookie": cookie} if cookie else {}
        try:
            for _ in range(self.workers_n * max(1, self.threads)):
                fetch(self.port, "GET", path, headers, timeout=20)
            return True
        except OSError:
            return False

    def restart(self) -> float:
        self.stop()
        self.__dict__.pop("_cpu", None)
        self.port = free_port()
        return self.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc in STARTED:
            STARTED.remove(self.proc)


# --- load generator -----------------------------------------------------------------------


def ensure_wrk() -> str | None:
    """wrk from Debian (installed when missing and we are root), else None: the Python
    fallback (bench/loadgen.py) is used and the results say so."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk from Debian (apt-get install -y wrk) ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which("wrk")


def load(wrk: str | None, port: int, requests_file: Path, connections: int, seconds: float,
         events: bool = False, batch: int = 1) -> dict:
    """``batch`` > 1 (events only, wrk only): each request POSTs a JSON array of that many
    events, recorded by the API in one transaction."""
    url = f"http://127.0.0.1:{port}"
    if wrk:
        script = BENCH / "wrk" / ("events.lua" if events else "pages.lua")
        command = [wrk, "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "30s",
                   "--latency", "-s", str(script), url, "--", str(requests_file)]
        command += [str(batch)] if events else []
    else:
        if batch > 1:
            raise SystemExit("batched event POSTs need wrk")
        command = [PYTHON, str(BENCH / "loadgen.py"), url, str(requests_file),
                   "--connections", str(connections), "--duration", str(seconds)]
        command += ["--events"] if events else []
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    match = re.search(r"^BENCH_JSON (.*)$", out.stdout, re.M)
    if not match:
        raise SystemExit(f"load generator gave no result:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(match.group(1))
    seconds_run = raw["duration_us"] / 1e6
    expected = "201" if events else "200"
    unexpected = sum(v for k, v in raw["statuses"].items() if k != expected)
    e = raw["errors"]
    out = {} if not events else {
        # Events the server answered as stored (201; a batch's "recorded" count).
        "batch": batch, "events_recorded": raw.get("events_recorded", raw["statuses"].get(
            "201", 0)),
        "events_per_s": round(raw.get("events_recorded", raw["statuses"].get("201", 0))
                              / seconds_run, 1)}
    return out | {
        "connections": connections, "seconds": round(seconds_run, 1),
        "requests": raw["requests"], "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1), "p90_ms": round(raw["p90_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1), "max_ms": round(raw["max_us"] / 1000, 1),
        "kb_per_response": round(raw["bytes"] / max(1, raw["requests"]) / 1024, 1),
        "statuses": raw["statuses"],
        "errors": e["connect"] + e["read"] + e["write"] + e["timeout"] + unexpected,
        "error_detail": {**e, "unexpected_status": unexpected},
    }


# --- the plan: who requests what ----------------------------------------------------------


def build_plan(url: str, seed: int = 8) -> dict:
    """Users and URLs for every path, chosen from the data (same choice every run)."""
    from sqlalchemy import create_engine, text

    rng = random.Random(seed)
    engine = create_engine(url)
    with engine.connect() as conn:
        def rows(sql, **params):
            return conn.execute(text(sql), params).mappings().all()

        students = rows(
            "SELECT u.id, u.email, u.session_version FROM users u WHERE u.role = 'student' "
            "AND u.id IN (SELECT user_id FROM enrollments WHERE status = 'active' "
            "GROUP BY user_id HAVING COUNT(*) >= 3) ORDER BY u.id")
        students = [dict(s) for s in rng.sample(students, min(POOL, len(students)))]
        for s in students:
            courses = rows("SELECT c.id, c.code FROM enrollments e JOIN courses c ON "
                           "c.id = e.course_id WHERE e.user_id = :u AND e.status = 'active' "
                           "ORDER BY c.code", u=s["id"])
            course = rng.choice(courses)
            items = rows("SELECT i.id, i.kind, i.key, m.id AS module_id FROM items i JOIN "
                         "modules m ON m.current_version_id = i.version_id WHERE "
                         "m.course_id = :c ORDER BY m.position, i.position", c=course["id"])
            done = {(r["module_id"], r["item_key"]) for r in rows(
                "SELECT module_id, item_key FROM item_progress WHERE user_id = :u AND "
                "course_id = :c AND completed = :t", u=s["id"], c=course["id"], t=True)}
            pages = [i for i in items if i["kind"] == "page"]
            lesson = next((i for i in pages if (i["module_id"], i["key"]) not in done),
                          pages[0])
            video = next(i for i in items if i["kind"] == "video")
            s.update(course=course["code"], lesson=lesson["id"], video=video["id"])
        largest = rows("SELECT e.course_id, c.code, COUNT(*) AS n FROM enrollments e JOIN "
                       "courses c ON c.id = e.course_id WHERE e.status != 'withdrawn' GROUP BY "
                       "e.course_id, c.code ORDER BY n DESC, c.code LIMIT 1")[0]
        median = rows("SELECT e.course_id, c.code, COUNT(*) AS n FROM enrollments e JOIN "
                      "courses c ON c.id = e.course_id WHERE e.status = 'active' GROUP BY "
                      "e.course_id, c.code ORDER BY n, c.code")
        median = median[len(median) // 2]
        teachers = [dict(r) for r in rows(
            "SELECT u.id, u.email, u.session_version FROM users u JOIN course_instructors ci "
            "ON ci.user_id = u.id WHERE ci.course_id = :c ORDER BY u.id",
            c=largest["course_id"])]
        admin = dict(rows("SELECT id, email, session_version FROM users WHERE email = "
                          "'bench.admin@jdu.example'")[0])
        cohort = rows("SELECT c.code, COUNT(*) AS n FROM cohorts c JOIN users u ON "
                      "u.cohort_id = c.id GROUP BY c.code ORDER BY n DESC, c.code LIMIT 1")[0]
        transcript_student = None
        try:
            transcript_student = rows(
                "SELECT user_id FROM credit_records GROUP BY user_id ORDER BY COUNT(*) DESC, "
                "user_id LIMIT 1")[0]["user_id"]
        except Exception:  # noqa: BLE001 - no records tables in this build
            conn.rollback()
    engine.dispose()

    app = bench_app(url)
    views = set(app.view_functions)
    q = quote(SEARCH_QUERY)
    paths = {
        "dashboard": {"kind": "page", "users": students, "label": "student dashboard",
                      "urls": ["/learning/"] * len(students)},
        "course": {"kind": "page", "users": students, "label": "course page",
                   "urls": [f"/learning/courses/{s['course']}" for s in students]},
        "lesson": {"kind": "page", "users": students, "label": "lesson page (Markdown)",
                   "urls": [f"/learning/items/{s['lesson']}" for s in students]},
        "search": {"kind": "page", "users": students,
                   "label": f"catalogue search '{SEARCH_QUERY}'",
                   "urls": [f"/catalog/?q={q}"] * len(students)},
        "event": {"kind": "events", "users": students, "label": "event POST (API)",
                  "urls": [f"/api/v1/items/{s['video']}/events" for s in students]},
        "grid": {"kind": "page", "users": teachers,
                 "label": f"instructor progress grid ({largest['n']:,} students)",
                 "urls": [f"/learning/courses/{largest['code']}/progress"] * len(teachers)},
    }
    if "records.cohort_overview" in views:
        paths["cohort"] = {"kind": "page", "users": [admin],
                           "label": f"admin cohort overview ({cohort['n']} students)",
                           "urls": [f"/records/admin/cohorts/{cohort['code']}"]}
    paths["people"] = {"kind": "page", "users": [admin], "label": "admin people list, page 1",
                       "urls": ["/people/?role=student"]}
    return {"url": url, "paths": paths, "admin": admin, "students": students,
            "largest_course": {"code": largest["code"], "students": largest["n"]},
            "median_course": {"code": median["code"], "students": median["n"]},
            "cohort": dict(cohort), "transcript_student": transcript_student,
            "cohort_report_exists": "records.cohort_overview" in views}


def sign_in(port: int, plan: dict) -> None:
    """Through the real login form (CSRF token and all) once per user, and an API token
    per student through POST /api/v1/auth/token."""
    cookies: dict[str, str] = {}
    users = {u["email"]: u for spec in plan["paths"].values() for u in spec["users"]}
    for email, user in users.items():
        status, headers, body = fetch(port, "GET", "/auth/login")
        cookie = next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
        form = urlencode({"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
        status, headers, _ = fetch(port, "POST", "/auth/login", {
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            form.encode())
        session = [v.split(";")[0] for k, v in headers if k.lower() == "set-cookie"
                   and v.startswith("kakehashi_session=")]
        if status != 302 or not session:
            raise SystemExit(f"sign-in of {email} failed ({status})")
        # Follow the redirect as a browser does: the first page after sign-in gives the
        # session its CSRF token (a new cookie), which every later request then carries.
        status, headers, _ = fetch(port, "GET", "/learning/", {"Cookie": session[0]})
        session = [v.split(";")[0] for k, v in headers if k.lower() == "set-cookie"
                   and v.startswith("kakehashi_session=")] or session
        cookies[email] = session[0]
    for s in plan["students"]:
        status, _, body = fetch(port, "POST", "/api/v1/auth/token", {
            "Content-Type": "application/json"},
            json.dumps({"email": s["email"], "password": BENCH_PASSWORD,
                        "name": "bench"}).encode())
        if status != 201:
            raise SystemExit(f"API token for {s['email']} refused ({status}): {body[:200]}")
        s["token"] = json.loads(body)["token"]
    for spec in plan["paths"].values():
        for u in spec["users"]:
            u["cookie"] = cookies[u["email"]]
            if "token" not in u:
                u["token"] = next((s["token"] for s in plan["students"]
                                   if s["email"] == u["email"]), None)


def request_files(plan: dict, folder: Path) -> dict[str, Path]:
    files = {}
    for name, spec in plan["paths"].items():
        lines = []
        for user, url in zip(spec["users"], spec["urls"], strict=True):
            if spec["kind"] == "events":
                lines.append(f"{url}\t{user['token']}")
            else:
                lines.append(f"{url}\tCookie\t{user['cookie']}")
        files[name] = folder / f"requests-{name}.tsv"
        files[name].write_text("\n".join(lines) + "\n")
    files["bare"] = folder / "requests-bare.tsv"
    files["bare"].write_text("/\t\t\n")
    return files


# --- measurements -------------------------------------------------------------------------


def inprocess(task: str, *extra: str, timeout: float = 900) -> dict:
    started = time.perf_counter()
    out = subprocess.run([PYTHON, str(BENCH / "inprocess.py"), task, *extra], cwd=ROOT,
                         capture_output=True, text=True, timeout=timeout)
    match = re.search(r"^BENCH_JSON (.*)$", out.stdout, re.M)
    if not match:
        return {"error": (out.stderr or out.stdout)[-1500:]}
    result = json.loads(match.group(1))
    result["wall_s"] = round(time.perf_counter() - started, 2)
    return result


def count_events(url: str, plan: dict) -> tuple[int, int]:
    """Rows in learning_events, and the total time_spent of the event users' video rows."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.scalar(text("SELECT COUNT(*) FROM learning_events"))
        ids = ",".join(str(s["id"]) for s in plan["students"])
        spent = conn.scalar(text(f"SELECT COALESCE(SUM(time_spent), 0) FROM item_progress "
                                 f"WHERE user_id IN ({ids})"))
    engine.dispose()
    return int(rows), int(spent)


def event_run(wrk, server: Server, plan: dict, files: dict, seconds: float,
              connections: int = 16, batch: int = 1) -> dict:
    """Events POSTed for ``seconds`` (``batch`` per request); every event answered as
    stored must be a row added. ``rps`` here is events/s (``requests_per_s`` beside it)."""
    rows_before, spent_before = count_events(plan["url"], plan)
    result = load(wrk, server.port, files["event"], connections, seconds, events=True,
                  batch=batch)
    server.settle("/auth/login", None)  # let the requests in flight finish
    rows_after, spent_after = count_events(plan["url"], plan)
    created = result["events_recorded"]
    added = rows_after - rows_before
    # Requests still in flight when wrk stops are served (rows added) without wrk
    # counting their answer: up to one request (``batch`` events) per connection. Every
    # row added claims +15 s; study time is wall-clock time (lms.learning.progress: the
    # study clock), and these events carry no timestamp of their own, so the claims of
    # one student that overlap count once: time_spent grows by at most 15 s per row and
    # by something for any row added.
    result.update(requests_per_s=result["rps"], rps=result["events_per_s"],
                  rows_added=added, created_201=created, lost=max(0, created - added),
                  in_flight_at_stop=added - created,
                  time_spent_added=spent_after - spent_before,
                  time_spent_expected=15 * added)
    result["none_lost"] = (created <= added <= created + connections * batch
                           and result["errors"] == 0
                           and (0 < result["time_spent_added"] <= result["time_spent_expected"]
                                or added == 0))
    return result


def report_10k() -> dict:
    """bench/reports.py: a course report of 10,000 students x 40 items (its own SQLite
    data, made once, about a minute): first page, CSV, XLSX and a 200-student PDF, each in
    a process of its own. Always on SQLite: its generator drops the database it is given."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    script = str(BENCH / "reports.py")
    out: dict = {}
    if not (DATA / "reports-10k.sqlite3").exists():
        made = subprocess.run([PYTHON, "-c", "import sys; sys.path.insert(0, 'bench'); "
                               "import reports; reports.generate(reports.database_url())"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        if made.returncode:
            return {"error": made.stderr[-1000:]}
    for task in ("page", "csv", "xlsx", "pdf"):
        run = subprocess.run([PYTHON, script, "--task", task], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=900)
        line = next((x for x in run.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
        out[task] = json.loads(line[len("BENCH_JSON "):]) if line else {
            "error": run.stderr[-1000:]}
    return out


def machine(url: str, wrk: str | None) -> dict:
    import sqlite3

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo")
               if line.startswith("MemTotal"))
    info = {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem / 1024**2, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "kernel": platform.release()}
    try:
        import gunicorn

        info["gunicorn"] = gunicorn.__version__
    except ImportError:
        pass
    if wrk:
        v = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        info["load_generator"] = (v.stdout or v.stderr).split("\n")[0].split(" Copyright")[0]
    else:
        info["load_generator"] = ("bench/loadgen.py (Python fallback: wrk could not be "
                                  "installed; it shares the 2 cores, figures are lower bounds)")
    if dialect_of(url) == "postgresql":
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            info["postgresql"] = conn.scalar(text("SHOW server_version"))
        engine.dispose()
    return info


def data_counts(url: str) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in ("users", "courses", "items", "enrollments", "item_progress",
                      "learning_events", "course_results", "credit_records"):
            try:
                out[table] = conn.scalar(text(f"SELECT COUNT(*) FROM {table}"))
            except Exception:  # noqa: BLE001 - table of a feature not in this build
                conn.rollback()
    engine.dispose()
    return out


def ensure_data(size: str, url: str) -> None:
    path = sqlite_path(url)
    present = path.exists() if path else False
    if path is None:
        from sqlalchemy import create_engine, text

        try:
            engine = create_engine(url)
            with engine.connect() as conn:
                present = (conn.scalar(text("SELECT COUNT(*) FROM users")) or 0) > 0
            engine.dispose()
        except Exception:  # noqa: BLE001 - no database or no tables yet
            present = False
    if not present:
        print(f"No {size} data yet: generating it (bench/generate.py --size {size})",
              flush=True)
        subprocess.run([PYTHON, str(BENCH / "generate.py"), "--size", size], check=True,
                       cwd=ROOT)


def run_config(label, workers, worker_class, threads, env, plan, files, wrk, args,
               ceiling_too=True) -> dict:
    print(f"\n== {label} ==", flush=True)
    wait_quiet(args.quiet_wait)
    app_server = Server(label, "app:app", workers, worker_class, threads, env, "/auth/login",
                        chdir=Path(env["BENCH_APP_ROOT"]))
    bare = Server(label + " bare", "bare_app:app", workers, worker_class, threads, env, "/",
                  chdir=BENCH)
    result = {"label": label, "workers": workers, "worker_class": worker_class,
              "threads": threads, "paths": {}, "ceiling": {}}
    try:
        if ceiling_too:
            bare.start()
            for c in args.connections:
                bare.settle("/", None)
                cpu_before, load_before = bare.cpu_seconds(), os.getloadavg()[0]
                run = load(wrk, bare.port, files["bare"], c, args.duration)
                run["server_cpu_pct"] = round(100 * (bare.cpu_seconds() - cpu_before)
                                              / run["seconds"])
                run["loadavg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                result["ceiling"][str(c)] = run
                print(f"  bare Flask+Jinja2 @{c}: {result['ceiling'][str(c)]['rps']} req/s",
                      flush=True)
            bare.stop()
        result["boot_s"] = round(app_server.start(), 2)
        for name, spec in plan["paths"].items():
            entry = {}
            warm_url = spec["urls"][0] if spec["kind"] != "events" else "/auth/login"
            warm_cookie = spec["users"][0].get("cookie") if spec["kind"] != "events" else None
            if spec["kind"] != "events" and args.warmup > 0:
                # Not recorded: every user's page rendered once in each worker (the page
                # cache's misses); the uncached render is measured by the `queries` task.
                app_server.settle(warm_url, warm_cookie)
                load(wrk, app_server.port, files[name], max(args.connections), args.warmup)
            for c in args.connections:
                if not app_server.settle(warm_url, warm_cookie):  # also warms the path
                    print("  (server still busy with queued requests: restarted)", flush=True)
                    app_server.restart()
                    app_server.settle(warm_url, warm_cookie)
                app_server.reset_peaks()
                cpu_before, load_before = app_server.cpu_seconds(), os.getloadavg()[0]
                if spec["kind"] == "events":
                    run = event_run(wrk, app_server, plan, files, args.duration, c)
                else:
                    run = load(wrk, app_server.port, files[name], c, args.duration)
                run["server_cpu_pct"] = round(
                    100 * (app_server.cpu_seconds() - cpu_before) / run["seconds"])
                run["loadavg_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                run["peak_rss_mb"] = app_server.peak_rss_mb()
                entry[str(c)] = run
                print(f"  {name:<10} @{c:<3} {run['rps']:>8} req/s  p50 {run['p50_ms']:>7} ms"
                      f"  p99 {run['p99_ms']:>7} ms  errors {run['errors']}"
                      f"  peak RSS {run['peak_rss_mb']} MB  server CPU "
                      f"{run['server_cpu_pct']}%  load {run['loadavg_1m']}", flush=True)
            result["paths"][name] = entry
        if args.event_duration and "event" in plan["paths"]:
            if not app_server.settle("/auth/login", None):
                app_server.restart()
            app_server.reset_peaks()
            # One event per request, then batches of args.event_batch (the JS player's
            # queue and xAPI clients send arrays): one transaction and fsync per request.
            for key, batch in (("events_sustained", 1),
                               ("events_sustained_batched", args.event_batch)):
                if batch < 1 or (key != "events_sustained" and (batch == 1 or not wrk)):
                    continue
                if not app_server.settle("/auth/login", None):
                    app_server.restart()
                app_server.reset_peaks()
                cpu_before = app_server.cpu_seconds()
                run = event_run(wrk, app_server, plan, files, args.event_duration, 16, batch)
                run["server_cpu_ms_per_event"] = round(
                    1000 * (app_server.cpu_seconds() - cpu_before) / max(1, run["rows_added"]),
                    2)
                run["peak_rss_mb"] = app_server.peak_rss_mb()
                result[key] = run
                print(f"  events sustained {args.event_duration}s @16, {batch} per request: "
                      f"{run['rps']} events/s ({run['requests_per_s']} requests/s), "
                      f"{run['created_201']} answered stored, {run['rows_added']} rows added, "
                      f"lost {run['lost']}, none lost {run['none_lost']}, server CPU "
                      f"{run['server_cpu_ms_per_event']} ms/event", flush=True)
    finally:
        app_server.stop()
        bare.stop()
    return result


def wait_quiet(limit: float, threshold: float = 1.0) -> float:
    """Wait (at most ``limit`` seconds) for the 1-minute load average to fall below
    ``threshold``: other work on the machine takes CPU from the server and the figures
    would measure it. Returns the load average when the wait ended (recorded per run)."""
    deadline = time.time() + limit
    load = os.getloadavg()[0]
    if load >= threshold and limit > 0:
        print(f"  waiting up to {limit:g} s for the machine to be quiet (load {load:.2f})",
              flush=True)
    while load >= threshold and time.time() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
    return load


def sweep(env, plan, files, wrk, seconds: float) -> list[dict]:
    """A short look at other gunicorn configurations (dashboard and event POST at 16
    connections); the best by dashboard requests/s gets the full run."""
    out = []
    for workers, worker_class, threads in ((4, "sync", 1), (2, "gthread", 4),
                                           (3, "gthread", 2), (4, "gthread", 2)):
        label = f"{workers} {worker_class}" + (f" x{threads} threads" if threads > 1 else "")
        server = Server(label, "app:app", workers, worker_class, threads, env, "/auth/login",
                        chdir=Path(env["BENCH_APP_ROOT"]))
        try:
            server.start()
            cookie = plan["paths"]["dashboard"]["users"][0]["cookie"]
            server.settle("/learning/", cookie)
            dash = load(wrk, server.port, files["dashboard"], 16, seconds)
            server.settle("/learning/", cookie)
            events = load(wrk, server.port, files["event"], 16, seconds, events=True)
        finally:
            server.stop()
        out.append({"label": label, "workers": workers, "worker_class": worker_class,
                    "threads": threads, "dashboard_rps": dash["rps"],
                    "dashboard_p99_ms": dash["p99_ms"], "event_rps": events["rps"],
                    "event_p99_ms": events["p99_ms"]})
        print(f"  sweep {label:<24} dashboard {dash['rps']:>7} req/s p99 {dash['p99_ms']} ms"
              f" | events {events['rps']:>7}/s p99 {events['p99_ms']} ms", flush=True)
    return out


def snapshot_app(limit: float = 300) -> Path:
    """Copy the app (app.py, lms/, templates/, static/) to bench/data/app-snapshot and check
    that it imports: other work may edit the tree during a run of several minutes, and a
    half-written file must not stop a worker from booting mid-run. Retries for ``limit``
    seconds while the tree does not import."""
    target = DATA / "app-snapshot"
    deadline = time.time() + limit
    while True:
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy2(ROOT / "app.py", target / "app.py")
        for folder in ("lms", "templates", "static"):
            shutil.copytree(ROOT / folder, target / folder,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        check = subprocess.run([PYTHON, "-c", "import app"], cwd=target, capture_output=True,
                               text=True, env={**os.environ, "LMS_SECRET_KEY": "x",
                                               "BENCH_APP_ROOT": str(target)})
        if check.returncode == 0:
            return target
        if time.time() > deadline:
            raise SystemExit("the app does not import:\n" + check.stderr[-2000:])
        print("  the work tree does not import yet (someone is editing it); retrying in "
              "10 s", flush=True)
        time.sleep(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default=os.environ.get("SIZE", "S"))
    parser.add_argument("--duration", type=float, default=10, help="seconds per path")
    parser.add_argument("--event-duration", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3,
                        help="seconds of unrecorded load per page path before measuring")
    parser.add_argument("--event-batch", type=int, default=20,
                        help="events per request in the batched sustained event run")
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-inprocess", action="store_true")
    parser.add_argument("--only", help="comma-separated paths (default: all)")
    parser.add_argument("--quiet-wait", type=float, default=120,
                        help="seconds to wait for a quiet machine before each configuration")
    parser.add_argument("--readme", action="store_true",
                        help="write the table into README.md's Benchmarks section")
    args = parser.parse_args()
    args.connections = [int(c) for c in args.connections.split(",")]
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()

    url = database_url(args.size)
    dialect = dialect_of(url)
    ensure_data(args.size, url)
    app_root = snapshot_app()
    os.environ["BENCH_APP_ROOT"] = str(app_root)  # in-process tasks use it too
    sys.path.insert(0, str(app_root))
    wrk = ensure_wrk()
    if not wrk:
        print("NOTE: wrk is not available; using the Python load generator "
              "(bench/loadgen.py), which shares the CPU with the server.", flush=True)
    print(f"Building the plan from {url.split('@')[-1]} ...", flush=True)
    plan = build_plan(url)
    if args.only:
        keep = set(args.only.split(","))
        plan["paths"] = {k: v for k, v in plan["paths"].items() if k in keep}
    env = {**os.environ, "DATABASE_URL": url, "LMS_SECRET_KEY": "bench-secret-key",
           "LMS_MEDIA_ROOT": str(DATA / "media"), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONFAULTHANDLER": "1"}
    env.pop("REDIS_URL", None)

    # Sign in once (real form, real API) on a throwaway server; cookies and tokens stay
    # valid for every configuration (same secret key, session versions unchanged).
    login_server = Server("login", "app:app", 2, "sync", 1, env, "/auth/login",
                          chdir=app_root)
    try:
        login_server.start()
        sign_in(login_server.port, plan)
    finally:
        login_server.stop()
    files = request_files(plan, RESULTS)
    (RESULTS / "plan.json").write_text(json.dumps(plan, indent=1, ensure_ascii=False))

    results = {"generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
               "size": args.size, "database": dialect, "machine": machine(url, wrk),
               "data": data_counts(url), "duration_s": args.duration,
               "event_duration_s": args.event_duration, "connections": args.connections,
               "paths": {k: v["label"] for k, v in plan["paths"].items()},
               "largest_course": plan["largest_course"],
               "median_course": plan["median_course"], "cohort": plan["cohort"],
               "cohort_report_exists": plan["cohort_report_exists"]}
    if not args.no_inprocess:
        print("\nSQL queries per request (in-process, same users and URLs) ...", flush=True)
        results["queries"] = inprocess("queries", "--plan", str(RESULTS / "plan.json"))
        for name, q in results["queries"].items():
            if isinstance(q, dict) and "queries" in q:
                print(f"  {name:<10} {q['queries']:>3} queries  status {q['status']}  "
                      f"{q['ms']} ms", flush=True)

    configs = [run_config("2 sync workers", 2, "sync", 1, env, plan, files, wrk, args)]
    if not args.no_sweep and "dashboard" in plan["paths"] and "event" in plan["paths"]:
        print("\n== other configurations (5 s each) ==", flush=True)
        results["sweep"] = sweep(env, plan, files, wrk, 5)
        best = max(results["sweep"], key=lambda r: r["dashboard_rps"])
        configs.append(run_config(best["label"], best["workers"], best["worker_class"],
                                  best["threads"], env, plan, files, wrk, args))
    results["configs"] = configs

    if not args.no_inprocess:
        print("\nIn-process timings ...", flush=True)
        cold = [inprocess("coldstart", "--url", url) for _ in range(3)]
        results["coldstart"] = min(cold, key=lambda r: r.get("wall_s", 99))
        results["coldstart"]["boot_2_workers_s"] = configs[0].get("boot_s")
        print(f"  cold start: {results['coldstart']}", flush=True)
        for which in ("progress_csv", "hemis_csv", "transcript_pdf", "reports"):
            results.setdefault("exports", {})[which] = inprocess(
                "exports", "--plan", str(RESULTS / "plan.json"), "--which", which)
            print(f"  {which}: {results['exports'][which]}", flush=True)
        results["report_10k"] = report_10k()
        print(f"  report 10,000 x 40: {results['report_10k']}", flush=True)
        results["furigana"] = inprocess("furigana")
        print(f"  furigana: {results['furigana']}", flush=True)
        out = subprocess.run([PYTHON, str(BENCH / "import_package.py")], cwd=ROOT,
                             capture_output=True, text=True, timeout=900)
        try:
            results["import_package"] = json.loads(
                (RESULTS / "import_package.json").read_text())
        except (OSError, ValueError):
            results["import_package"] = {"error": out.stderr[-1000:]}
        print(f"  package import: {results['import_package']}", flush=True)

    results["total_s"] = round(time.perf_counter() - started, 1)
    text = json.dumps(results, indent=1, ensure_ascii=False)
    (RESULTS / "latest.json").write_text(text)
    (RESULTS / f"latest-{dialect}.json").write_text(text)
    from report import render, update_readme

    markdown = render()
    (RESULTS / "latest.md").write_text(markdown)
    print("\n" + markdown)
    if args.readme:
        update_readme(markdown)
        print("README.md: Benchmarks table updated.")
    print(f"Total {results['total_s']} s.")


if __name__ == "__main__":
    main()
