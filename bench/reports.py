"""Completion reports at scale: time and peak memory of the reports feature's exports.

  .venv/bin/python bench/reports.py --generate      # make the data once (about a minute)
  .venv/bin/python bench/reports.py                 # measure; prints a Markdown table

The data (bench/data/reports-10k.sqlite3, or the PostgreSQL database in DATABASE_URL, whose
name must contain "bench") is made with the benchmark generator (bench/generate.py: the same
people, names, course content and progress shapes) but with every one of the 10,000
students enrolled in ONE course of 40 items (5 modules of 8), progress skewed as the
generator skews it (most students early, a long tail far ahead), so a course report is
10,000 students x 40 items. Some of them are admitted to a programme and hold records.

Each measurement runs in a process of its own, so its peak RSS (ru_maxrss) is its own:
  page       first HTML page of the course report (in-process test client, signed in), best
             and median of 9 after the cold first request (also reported)
  csv        the whole report as CSV, streamed (time to first byte and to the end)
  xlsx       the whole report as XLSX (openpyxl write-only)
  pdf        a 200-student report (one cohort of the course) as PDF (WeasyPrint)
Not a test: nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, ROOT, Size, bench_app, dialect_of, sqlite_path  # noqa: E402

STUDENTS = 10_000
PROGRESS_ROWS = 300_000  # of the 400,000 possible: skewed, as a live course is
REPORT_SIZE = Size("R", STUDENTS, 3, PROGRESS_ROWS, current_courses=1, past_courses=0)


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
    return f"sqlite:///{DATA / 'reports-10k.sqlite3'}"


# --- the data --------------------------------------------------------------------------


def generate(url: str, seed: int = 8) -> None:
    import generate as gen_module
    from generate import Clock, Generator, fresh_database, reset_sequences, term_before

    print(f"Generating {STUDENTS:,} students in one course of 40 items into "
          f"{url.split('@')[-1]}", flush=True)
    clock = Clock()
    fresh_database(url)
    DATA.mkdir(exist_ok=True)
    from flask_migrate import upgrade

    app = bench_app(url)
    with app.app_context():
        from lms.auth.services import hash_password
        from lms.catalog.services import current_term, load_catalog_file
        from lms.extensions import db
        from lms.records import scales

        upgrade()
        load_catalog_file(ROOT / "courses" / "catalog.yaml")
        scales.seed_grade_scales(None)
        clock.lap("migrations, reference data")

        class OneCourse(Generator):
            """Every student takes the one report course (the first game course)."""

            def _pick(self, pool, n, taken):
                target = self.courses[0]
                if n < 1 or target["id"] in taken:
                    return []
                taken.add(target["id"])
                return [target]

        with db.engine.connect() as conn:
            if dialect_of(url) == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            gen = OneCourse(REPORT_SIZE, seed, conn, dialect_of(url))
            term = current_term()
            gen.terms = [term, term_before(term), term_before(term_before(term))]
            gen.terms_year = 0  # no past terms: one current course each
            gen.people(hash_password("bench-password-2026"))
            gen.catalogue()
            gen.content()
            conn.commit()
            clock.lap("people, courses, content", f"{gen.counts['users']:,} users")
            gen.learning()
            conn.commit()
            clock.lap("enrolment, progress, events",
                      f"{gen.counts['enrollments']:,} enrolments, "
                      f"{gen.counts['item_progress']:,} progress rows, "
                      f"{gen.counts.get('course_results', 0):,} completions")
            # The completions of this term finalised as records, so credits show too.
            from sqlalchemy import text as sql

            gen.past_results = [
                (rid, uid, gen.courses[0], term, score) for rid, uid, score in conn.execute(
                    sql("SELECT id, user_id, score FROM course_results ORDER BY id"))]
            print("  " + gen.records(), flush=True)
            conn.commit()
            if dialect_of(url) == "postgresql":
                reset_sequences(conn)
                conn.commit()
        if dialect_of(url) == "postgresql":
            from sqlalchemy import text

            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    del gen_module
    print(f"Done in {clock.total:.1f} s", flush=True)


# --- one measurement per process ----------------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from
    the parent across exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _setting(app):
    """The report course, an administrator, and the largest cohort in the course."""
    from sqlalchemy import func, select

    from lms.auth.models import User
    from lms.catalog.models import Course, Enrollment
    from lms.extensions import db
    from lms.people.models import Cohort

    with app.app_context():
        course_id, n = db.session.execute(
            select(Enrollment.course_id, func.count()).group_by(Enrollment.course_id)
            .order_by(func.count().desc())).first()
        course = db.session.get(Course, course_id)
        admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
        cohort = db.session.execute(
            select(Cohort.code, func.count()).join(User, User.cohort_id == Cohort.id)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course_id).group_by(Cohort.code)
            .order_by(func.count().desc(), Cohort.code)).first()
        return {"course": course.code, "students": n, "admin": admin.id,
                "admin_version": admin.session_version, "cohort": cohort[0],
                "cohort_students": cohort[1]}


def measure(task: str, url: str) -> dict:
    app = bench_app(url, RECORDS_SIGNING_KEY=str(DATA / "reports-bench-key.pem"))
    setting = _setting(app)
    from lms.reports import exports, params

    if task == "page":
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = f"{setting['admin']}:{setting['admin_version']}"
            session["_fresh"] = True
        path = f"/reports/?course={setting['course']}"
        started = time.perf_counter()
        response = client.get(path)
        cold = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        runs = []
        for _ in range(9):
            started = time.perf_counter()
            response = client.get(path)
            runs.append(time.perf_counter() - started)
            assert response.status_code == 200
        html = response.get_data(as_text=True)
        return {"ms": round(min(runs) * 1000, 1), "median_ms": round(
            sorted(runs)[len(runs) // 2] * 1000, 1), "cold_ms": round(cold * 1000, 1),
            "kb": round(len(html) / 1024, 1), "rows": setting["students"],
            "peak_mb": peak_mb()}
    with app.test_request_context():
        if task == "csv":
            p = params.parse({"course": setting["course"]})
            started = time.perf_counter()
            first = None
            size = 0
            for chunk in exports.csv_stream(p, "en"):
                if first is None:
                    first = time.perf_counter() - started
                size += len(chunk)
            return {"s": round(time.perf_counter() - started, 2),
                    "first_byte_ms": round(first * 1000, 1), "mb": round(size / 2**20, 2),
                    "rows": setting["students"], "peak_mb": peak_mb()}
        if task == "xlsx":
            p = params.parse({"course": setting["course"]})
            started = time.perf_counter()
            data = exports.xlsx_bytes(p, "en")
            return {"s": round(time.perf_counter() - started, 2),
                    "mb": round(len(data) / 2**20, 2), "rows": setting["students"],
                    "peak_mb": peak_mb()}
        if task == "pdf":
            p = params.parse({"course": setting["course"], "cohort": setting["cohort"]})
            started = time.perf_counter()
            data = exports.pdf_bytes(p, "ja")
            first = time.perf_counter() - started
            started = time.perf_counter()
            exports.pdf_bytes(p, "ja")
            return {"s": round(first, 2), "second_s": round(time.perf_counter() - started, 2),
                    "kb": round(len(data) / 1024, 1), "rows": setting["cohort_students"],
                    "peak_mb": peak_mb()}
    raise SystemExit(f"unknown task {task}")


def table(results: dict, url: str) -> str:
    engine = dialect_of(url)
    page, csv, xlsx, pdf = (results[k] for k in ("page", "csv", "xlsx", "pdf"))
    lines = [
        f"Completion report, one course of 40 items with {page['rows']:,} students "
        f"({engine}); each export in a process of its own.",
        "",
        "| what | rows | time | peak RSS MB | size |",
        "|---|---|---|---|---|",
        f"| first HTML page (50 rows, summary, 3 SVG charts) | {page['rows']:,} | "
        f"{page['ms']} ms best of 9 (median {page['median_ms']} ms; cold first request "
        f"{page['cold_ms']} ms) | {page['peak_mb']} | {page['kb']} KB |",
        f"| CSV (streamed, UTF-8 with BOM) | {csv['rows']:,} | {csv['s']} s "
        f"(first byte {csv['first_byte_ms']} ms) | {csv['peak_mb']} | {csv['mb']} MB |",
        f"| XLSX (openpyxl write-only) | {xlsx['rows']:,} | {xlsx['s']} s | "
        f"{xlsx['peak_mb']} | {xlsx['mb']} MB |",
        f"| PDF (WeasyPrint, Japanese labels, one cohort) | {pdf['rows']:,} | {pdf['s']} s "
        f"(again: {pdf['second_s']} s) | {pdf['peak_mb']} | {pdf['kb']} KB |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate", action="store_true", help="make the data first")
    parser.add_argument("--task", choices=["page", "csv", "xlsx", "pdf"],
                        help=argparse.SUPPRESS)  # internal: one measurement, JSON out
    args = parser.parse_args()
    url = database_url()
    if args.task:
        print("BENCH_JSON " + json.dumps(measure(args.task, url)), flush=True)
        return
    path = sqlite_path(url)
    if args.generate or (path is not None and not path.exists()):
        generate(url)
    results = {}
    for task in ("page", "csv", "xlsx", "pdf"):
        out = subprocess.run([sys.executable, __file__, "--task", task], check=True,  # noqa: S603
                             capture_output=True, text=True, cwd=ROOT).stdout
        line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
        results[task] = json.loads(line[len("BENCH_JSON "):])
        print(f"  {task}: {results[task]}", file=sys.stderr, flush=True)
    print(table(results, url))


if __name__ == "__main__":
    main()
