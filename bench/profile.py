"""Profile hot paths in-process and show the query plans of every statement they run.

  .venv/bin/python bench/profile.py [--size M] [--paths search,grid] [--repeat 20]
      [--explain] [--html]

Uses the users and URLs of the last run (bench/results/plan.json, written by run.py), so
run `make bench` (or bench/run.py) first. Profiles with pyinstrument (the `bench` extra:
pip install -e '.[bench]'); --explain prints SQLite's EXPLAIN QUERY PLAN or PostgreSQL's
EXPLAIN ANALYZE for each distinct statement with the parameters the request used.
"""

from __future__ import annotations

import argparse
import json
import time

from common import RESULTS, bench_app, database_url, dialect_of
from inprocess import signed_in


def capture(app):
    from sqlalchemy import event

    from lms.extensions import db

    seen: list[tuple[str, object, float]] = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters, time.perf_counter() - conn.info.get("t", 0)))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    return seen, engine


def explain(engine, dialect: str, statements) -> None:
    done = set()
    for statement, parameters, seconds in sorted(statements, key=lambda s: -s[2]):
        if not statement.lstrip().upper().startswith("SELECT") or statement in done:
            continue
        done.add(statement)
        print(f"\n--- {seconds * 1000:.1f} ms: {' '.join(statement.split())[:400]}")
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            if dialect == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                for row in cursor.fetchall():
                    print("   ", row[-1])
            else:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                for row in cursor.fetchall():
                    print("   ", row[0])
        finally:
            raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="M")
    parser.add_argument("--paths", default="dashboard,course,lesson,search,grid")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    plan = json.loads((RESULTS / "plan.json").read_text())
    url = database_url(args.size)
    dialect = dialect_of(url)
    app = bench_app(url)
    for name in args.paths.split(","):
        spec = plan["paths"][name]
        client = app.test_client()
        user = spec["users"][0]
        signed_in(client, user)
        target = spec["urls"][0]
        client.get(target)
        print(f"\n===== {name}: {target} ({dialect}) =====")
        if not args.no_profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            started = time.perf_counter()
            with profiler:
                for n in range(args.repeat):
                    signed_in(client, spec["users"][n % len(spec["users"])])
                    client.get(spec["urls"][n % len(spec["urls"])])
            per = (time.perf_counter() - started) / args.repeat * 1000
            print(f"{per:.1f} ms per request (profiled, {args.repeat} requests)")
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.explain:
            statements, engine = capture(app)
            client.get(target)
            print(f"{len(statements)} statements, "
                  f"{sum(s[2] for s in statements) * 1000:.1f} ms in the database")
            explain(engine, dialect, statements)


if __name__ == "__main__":
    main()
