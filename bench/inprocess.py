"""In-process measurements for the runner; each task runs in its own process (so its
peak RSS is its own) and prints one JSON line: BENCH_JSON {...}.

  queries  --plan P   SQL queries per request of every hot path (Flask test client,
                      counted with a before_cursor_execute listener), same users and
                      URLs as the load test
  coldstart           import + create_app + first request in a fresh interpreter
  exports  --plan P   progress CSV of the largest course, HEMIS CSV, transcript PDFs
                      and the reports feature's exports when they exist
  furigana            furigana throughput cold (analyser, no cache) and cached
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # before any import: the cold start counts them

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_app  # noqa: E402


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def emit(data: dict) -> None:
    print("BENCH_JSON " + json.dumps(data, ensure_ascii=False), flush=True)


def signed_in(client, user: dict) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = f"{user['id']}:{user['session_version']}"
        session["_fresh"] = True


def count_queries(app):
    from sqlalchemy import event

    from lms.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return statements, lambda: event.remove(engine, "before_cursor_execute", before)


def task_queries(plan: dict) -> dict:
    from lms.core import pagecache

    app = bench_app(plan["url"])
    out = {}
    statements, stop = count_queries(app)
    try:
        for name, spec in plan["paths"].items():
            client = app.test_client()
            user = spec["users"][0]
            if spec["kind"] == "events":
                headers = {"Authorization": "Bearer " + user["token"]}
                body = {"verb": "progressed", "result": {"duration": "PT15S"},
                        "resume": {"position": 42.5}}
                client.post(spec["urls"][0], json=body, headers=headers)
                statements.clear()
                started = time.perf_counter()
                response = client.post(spec["urls"][0], json=body, headers=headers)
            else:
                signed_in(client, user)
                client.get(spec["urls"][0])  # warm: templates, translations, outlines
                if pagecache.cache_of(app):  # first the page rendered afresh
                    pagecache.cache_of(app).clear()
                statements.clear()
                started = time.perf_counter()
                response = client.get(spec["urls"][0])
            seconds = time.perf_counter() - started
            out[name] = {"queries": len(statements), "status": response.status_code,
                         "bytes": len(response.get_data()), "ms": round(seconds * 1000, 1),
                         "sql": [s.split("\n")[0][:160] for s in statements]}
            if spec["kind"] != "events" and pagecache.cache_of(app):
                renders, hits = [], []
                for _ in range(5):  # CPU time: the median of 5 fresh renders ...
                    pagecache.cache_of(app).clear()
                    started = time.process_time()
                    client.get(spec["urls"][0])
                    renders.append(time.process_time() - started)
                for _ in range(21):  # ... and of 21 answers from the cache
                    statements.clear()
                    started = time.process_time()
                    client.get(spec["urls"][0])
                    hits.append(time.process_time() - started)
                out[name]["ms"] = round(sorted(renders)[2] * 1000, 1)
                out[name]["hit_ms"] = round(sorted(hits)[10] * 1000, 2)
                out[name]["hit_queries"] = len(statements)
    finally:
        stop()
    return out


def task_coldstart() -> dict:
    started = time.perf_counter()
    from lms import create_app  # noqa: F401

    imported = time.perf_counter()
    app = bench_app(args.url)
    created = time.perf_counter()
    response = app.test_client().get("/auth/login")
    first = time.perf_counter()
    return {"interpreter_to_main_ms": round((started - T0) * 1000, 1),
            "import_ms": round((imported - started) * 1000, 1),
            "create_app_ms": round((created - imported) * 1000, 1),
            "first_request_ms": round((first - created) * 1000, 1),
            "total_in_process_ms": round((first - T0) * 1000, 1),
            "status": response.status_code, "rss_mb": current_rss_mb()}


def _stream(client, url: str) -> dict:
    before = current_rss_mb()
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    size, first = 0, None
    for chunk in response.response:
        if first is None:
            first = time.perf_counter()
        size += len(chunk)
    response.close()
    done = time.perf_counter()
    return {"status": response.status_code, "seconds": round(done - started, 2),
            "first_byte_ms": round(((first or done) - started) * 1000, 1),
            "mb": round(size / 1024**2, 2), "rss_before_mb": before,
            "peak_rss_mb": rss_mb()}


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from
    the parent across exec)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return rss_mb()


def _report_export(app, plan: dict, fmt: str) -> dict:
    """The completion report's exports on the bench data: CSV and XLSX of the largest
    programme (every one of its students, one row per enrolment, each course 40-44
    items), a PDF of one cohort in the largest course (about 200 students)."""
    from sqlalchemy import func, select

    from lms.auth.models import User
    from lms.catalog.models import Course, Enrollment
    from lms.extensions import db
    from lms.people.models import Cohort
    from lms.records.models import ProgramStudent
    from lms.reports import exports, params

    with app.test_request_context():
        if fmt == "pdf":
            course = db.session.scalar(select(Course).where(
                Course.code == plan["largest_course"]["code"]))
            cohort, n = db.session.execute(
                select(Cohort.code, func.count()).join(User, User.cohort_id == Cohort.id)
                .join(Enrollment, Enrollment.user_id == User.id)
                .where(Enrollment.course_id == course.id).group_by(Cohort.code)
                .order_by(func.count().desc(), Cohort.code)).first()
            scope = {"course": course.code, "cohort": cohort}
        else:
            from lms.catalog.models import Program

            code, n = db.session.execute(
                select(Program.code, func.count()).join(
                    ProgramStudent, ProgramStudent.program_id == Program.id)
                .group_by(Program.code).order_by(func.count().desc(), Program.code)).first()
            scope = {"programme": code}
        p = params.parse(scope)
        before = current_rss_mb()
        started = time.perf_counter()
        first, size, rows = None, 0, 0
        if fmt == "csv":
            for chunk in exports.csv_stream(p, "en"):
                if first is None:
                    first = time.perf_counter()
                size += len(chunk.encode("utf-8"))
                rows += chunk.count("\r\n")
            rows -= 1  # the header
        elif fmt == "xlsx":
            size = len(exports.xlsx_bytes(p, "en"))
        else:
            size = len(exports.pdf_bytes(p, "ja"))
        done = time.perf_counter()
        return {"scope": " ".join(f"{k}={v}" for k, v in scope.items()),
                "students": n, **({"rows": rows} if rows else {}),
                "seconds": round(done - started, 2),
                **({"first_byte_ms": round((first - started) * 1000, 1)} if first else {}),
                "mb": round(size / 1024**2, 2), "rss_before_mb": before,
                "peak_rss_mb": peak_mb()}


def task_exports(plan: dict, which: str) -> dict:
    app = bench_app(plan["url"])
    client = app.test_client()
    signed_in(client, plan["admin"])
    if which == "progress_csv":
        url = f"/learning/courses/{plan['largest_course']['code']}/progress.csv"
        return {**_stream(client, url), "students": plan["largest_course"]["students"],
                "items": 40, "course": plan["largest_course"]["code"]}
    if which == "hemis_csv":
        if "records.hemis_csv" not in app.view_functions:
            return {"skipped": "no HEMIS export in this build"}
        with app.test_request_context():
            from flask import url_for

            url = url_for("records.hemis_csv", institution="JDU")
        return {**_stream(client, url), "url": url}
    if which == "transcript_pdf":
        if importlib.util.find_spec("lms.records.transcripts") is None:
            return {"skipped": "no transcripts in this build"}
        from lms.auth.models import User
        from lms.catalog.models import Institution
        from lms.extensions import db
        from lms.records import transcripts

        out = {}
        with app.test_request_context():
            student = db.session.get(User, plan["transcript_student"])
            for code in ("TUT", "NMU", "JDU"):
                from sqlalchemy import select

                institution = db.session.scalar(select(Institution).where(
                    Institution.code == code))
                if institution is None or institution not in transcripts.supplement_institutions(
                        student) and code != "JDU":
                    continue
                runs = []
                for _ in range(2):
                    started = time.perf_counter()
                    data = transcripts.render_transcript(student, institution, doc_id="BENCH")
                    runs.append(round(time.perf_counter() - started, 2))
                out[code] = {"first_s": runs[0], "second_s": runs[1],
                             "kb": round(len(data) / 1024, 1)}
        return {**out, "peak_rss_mb": peak_mb()}
    if which == "reports":
        if importlib.util.find_spec("lms.reports.exports") is None:
            return {"skipped": "no reports feature (lms/reports) in this build: cohort "
                               "report CSV/XLSX/PDF not measured"}
        # each export in a process of its own, so each peak RSS is its own
        out = {}
        for part in ("report_csv", "report_xlsx", "report_pdf"):
            done = subprocess.run(  # noqa: S603 - this script, with the runner's arguments
                [sys.executable, __file__, "exports", "--plan", args.plan, "--which", part],
                capture_output=True, text=True, check=False)
            line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")),
                        None)
            out[part[len("report_"):]] = (json.loads(line[len("BENCH_JSON "):]) if line else
                                          {"error": done.stderr.strip()[-300:]})
        return out
    if which.startswith("report_"):
        return _report_export(app, plan, which[len("report_"):])
    raise SystemExit(f"unknown export {which}")


def task_furigana() -> dict:
    if importlib.util.find_spec("lms.japanese.furigana") is None:
        return {"skipped": "no lms/japanese in this build"}
    from bench_text import japanese_corpus

    from lms.japanese import furigana

    paragraphs = japanese_corpus(1.0)
    total = sum(len(p.encode("utf-8")) for p in paragraphs)
    furigana.clear_cache()
    started = time.perf_counter()
    furigana.analyse("日本語を勉強します。")  # the dictionary loads here
    load_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    for p in paragraphs:
        furigana.analyse(p)
    cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    for p in paragraphs:
        furigana.analyse(p)
    cached = time.perf_counter() - started
    mb = total / 1024**2
    out = {"mb": round(mb, 2), "paragraphs": len(paragraphs),
           "dictionary_load_s": round(load_s, 2), "cold_s": round(cold, 2),
           "cold_mb_s": round(mb / cold, 2),
           # CPU time of this process: the machine may be shared (wall time then suffers)
           "cold_cpu_s": round(cold_cpu, 2), "cold_cpu_mb_s": round(mb / cold_cpu, 2),
           "cached_s": round(cached, 3), "cached_mb_s": round(mb / cached, 1)}
    if hasattr(furigana, "ruby_spans"):  # what a page render asks for, cached with the words
        for p in paragraphs:
            furigana.ruby_spans(p)
        started = time.perf_counter()
        for p in paragraphs:
            furigana.ruby_spans(p)
        out["cached_spans_mb_s"] = round(mb / (time.perf_counter() - started), 1)
    return {**out, "peak_rss_mb": rss_mb()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["queries", "coldstart", "exports", "furigana"])
    parser.add_argument("--plan")
    parser.add_argument("--url")
    parser.add_argument("--which")
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text()) if args.plan else {}
    if args.task == "queries":
        emit(task_queries(plan))
    elif args.task == "coldstart":
        emit(task_coldstart())
    elif args.task == "exports":
        emit(task_exports(plan, args.which))
    else:
        emit(task_furigana())
