"""Markdown from bench/results/latest-sqlite.json and latest-postgresql.json: the table
printed by `make bench` and kept in README.md (`bench/run.py --readme` or
`.venv/bin/python bench/report.py --readme`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from common import RESULTS, ROOT

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
STUDENT_PAGES = ("dashboard", "course", "lesson")


def _load(dialect: str) -> dict | None:
    path = RESULTS / f"latest-{dialect}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _cell(run: dict | None, key: str) -> str:
    if not run:
        return "–"
    value = run.get(key)
    return "–" if value is None else f"{value:,.0f}" if key == "rps" else f"{value:g}"


def _ratio(run: dict | None, ceiling: dict | None) -> str:
    if not run or not ceiling or not ceiling.get("rps"):
        return "–"
    return f"{run['rps'] / ceiling['rps']:.2f}"


def cpu_ms(run: dict | None) -> float | None:
    """Server CPU (all workers) per request: robust when other work shares the machine."""
    if not run or not run.get("rps") or run.get("server_cpu_pct") is None:
        return None
    return run["server_cpu_pct"] * 10 / run["rps"]


def _cpu_ratio(run: dict | None, ceiling: dict | None) -> str:
    a, b = cpu_ms(run), cpu_ms(ceiling)
    return f"{b / a:.2f}" if a and b else "–"


def _machine(r: dict) -> str:
    m = r["machine"]
    parts = [f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM", f"Python {m['python']}",
             f"SQLite {m['sqlite']}"]
    if m.get("postgresql"):
        parts.append(f"PostgreSQL {m['postgresql']}")
    parts += [f"gunicorn {m.get('gunicorn', '?')}", m.get("load_generator", "")]
    return "; ".join(p for p in parts if p)


def render() -> str:
    runs = {d: r for d in ("sqlite", "postgresql") if (r := _load(d))}
    if not runs:
        return "(no results yet: run make bench)"
    first = next(iter(runs.values()))
    names = list(first["paths"])
    for r in runs.values():
        names += [n for n in r["paths"] if n not in names]
    conns = [str(c) for c in first["connections"]]
    out = []
    for dialect, r in runs.items():
        data = r.get("data", {})
        out.append(f"- **{dialect}** ({r['generated_at']}): {_machine(r)}. Size {r['size']}: "
                   + ", ".join(f"{v:,} {k}" for k, v in data.items() if v is not None)
                   + f"; {r['duration_s']:g} s per path and connection count.")
    out.append("")
    header = ["path", "SQL/req (render / cached)", "CPU ms in-process (render / cached)"]
    for dialect in runs:
        short = "SQLite" if dialect == "sqlite" else "PG"
        header += [f"{short} req/s @{conns[0]}", f"{short} p50/p99 ms @{conns[0]}"]
        if len(conns) > 1:
            header += [f"{short} req/s @{conns[1]}", f"{short} p99 ms @{conns[1]}"]
        header += [f"{short} CPU ms/req", f"{short} × bare (req/s, CPU)"]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    rows = [("bare", "bare Flask + Jinja2 page (ceiling)")] + [
        (n, next(r["paths"][n] for r in runs.values() if n in r["paths"])) for n in names]
    for name, label in rows:
        queries = first.get("queries", {}).get(name, {})
        if name == "bare":
            cells = [label, "0", "–"]
        else:
            hit = queries.get("hit_queries")
            cells = [label, f"{queries.get('queries', '–')}"
                     + (f" / {hit}" if hit is not None else ""),
                     f"{queries.get('ms', '–')}"
                     + (f" / {queries['hit_ms']}" if "hit_ms" in queries else "")]
        for r in runs.values():
            config = r["configs"][0]
            entry = config["ceiling"] if name == "bare" else config["paths"].get(name, {})
            a = entry.get(conns[0])
            cells += [_cell(a, "rps"), f"{_cell(a, 'p50_ms')} / {_cell(a, 'p99_ms')}"]
            if len(conns) > 1:
                b = entry.get(conns[1])
                cells += [_cell(b, "rps"), _cell(b, "p99_ms")]
            c = cpu_ms(a)
            cells.append(f"{c:.1f}" if c else "–")
            ceiling = config["ceiling"].get(conns[0])
            cells.append(f"{_ratio(a, ceiling)}, {_cpu_ratio(a, ceiling)}")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("2 sync gunicorn workers, load from wrk on the same machine. CPU ms/req is "
               "the gunicorn processes' CPU time per request; × bare compares with the bare "
               "page by requests/s and by CPU per request (the second holds when other work "
               "shares the machine; the load average during each run is in latest.json).")
    out.append("")
    out.append("Errors, peak RSS per worker, load average and the best other configuration:")
    out.append("")
    out.append("| database | path | errors @" + "/@".join(conns) + " | peak worker RSS MB | "
               "1-min load avg | best other configuration: req/s @16 (p99 ms) |")
    out.append("|---|---|---|---|---|---|")
    for dialect, r in runs.items():
        best = r["configs"][1] if len(r["configs"]) > 1 else None
        for name in names:
            entry = r["configs"][0]["paths"].get(name)
            if not entry:
                continue
            errors = "/".join(str(entry.get(c, {}).get("errors", "–")) for c in conns)
            rss = max(entry.get(c, {}).get("peak_rss_mb", 0) for c in conns)
            other = "–"
            if best and name in best["paths"]:
                b = best["paths"][name].get(conns[0], {})
                other = f"{best['label']}: {_cell(b, 'rps')} ({_cell(b, 'p99_ms')})"
            loads = [v for c in conns for v in entry.get(c, {}).get("loadavg_1m", [])]
            load = f"{min(loads):.1f}–{max(loads):.1f}" if loads else "–"
            out.append(f"| {dialect} | {name} | {errors} | {rss:g} | {load} | {other} |")
    out.append("")
    out += _floors(runs)
    out += _inprocess(runs)
    return "\n".join(out) + "\n"


def _floors(runs: dict) -> list[str]:
    lines = ["| floor (issue 8: M data, SQLite, 2 sync workers) | " + " | ".join(runs) + " |",
             "|---|" + "---|" * len(runs)]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(fn(r) for r in runs.values()) + " |")

    def pages(r):
        parts = []
        for n in STUDENT_PAGES:
            a = r["configs"][0]["paths"].get(n, {}).get("16")
            if a:
                ok = a["rps"] >= 600 and a["p99_ms"] <= 60
                parts.append(f"{n} {a['rps']:,.0f}/s p99 {a['p99_ms']:g} ms "
                             f"{'met' if ok else 'MISSED'}")
        return "; ".join(parts) or "–"

    def events(r):
        def one(e, label):
            created, added = e["created_201"], e["rows_added"]
            batch = e.get("batch", 1)
            # Study time is wall-clock time (the study clock): the +15 s claims of one
            # student that overlap count once, so at most 15 s per row, and some.
            spent_ok = 0 < e["time_spent_added"] <= 15 * added or added == 0
            intact = e.get("none_lost", (created <= added <= created + 16 * batch
                                         and e["errors"] == 0 and spent_ok))
            ok = e["rps"] >= 800 and intact
            return (f"{label}: {e['rps']:,.0f} events/s for {e['seconds']:g} s; {created:,} "
                    f"answered as stored, {added:,} rows added ({added - created} in flight "
                    f"at the stop), none lost: {'yes' if intact else 'NO'}, progress time "
                    f"+15 s per row at most (wall clock): {'yes' if spent_ok else 'NO'}: "
                    f"{'met' if ok else 'MISSED'}")

        config = r["configs"][0]
        parts = []
        if config.get("events_sustained"):
            parts.append(one(config["events_sustained"], "one event per POST"))
        if config.get("events_sustained_batched"):
            e = config["events_sustained_batched"]
            parts.append(one(e, f"{e.get('batch', '?')} events per POST"))
        return "; ".join(parts) or "–"

    def queries(r):
        q = r.get("queries", {})
        if not q:
            return "not measured in this run (--no-inprocess)"
        worst = max((q.get(n, {}).get("queries", 0) for n in STUDENT_PAGES), default=0)
        each = ", ".join(f"{n} {q.get(n, {}).get('queries')}" for n in STUDENT_PAGES)
        return f"max {worst} ({each}): " + ("met" if worst <= 10 else "MISSED")

    def cohort(r):
        a = r["configs"][0]["paths"].get("cohort", {}).get("16")
        q = r.get("queries", {}).get("cohort", {})
        if not a:
            return "no cohort report in this build"
        return (f"single request {q.get('ms', '–')} ms in-process, p50 {a['p50_ms']:g} ms "
                f"under load: {'met' if (q.get('ms') or 1e9) <= 300 else 'MISSED'}")

    def cold(r):
        c = r.get("coldstart") or {}
        if "wall_s" not in c:
            return "–"
        return (f"{c['wall_s']:g} s (import {c['import_ms']:g} ms, create_app "
                f"{c['create_app_ms']:g} ms, first request {c['first_request_ms']:g} ms): "
                + ("met" if c["wall_s"] <= 1.5 else "MISSED"))

    row("dashboard, course, lesson: ≥ 600 req/s and p99 ≤ 60 ms @16", pages)
    row("event POST: ≥ 800 events/s for 30 s, none lost", events)
    row("SQL queries per student page ≤ 10", queries)
    row("cohort report first page ≤ 300 ms", cohort)
    row("cold start of a worker ≤ 1.5 s", cold)
    lines.append("")
    return lines


def _inprocess(runs: dict) -> list[str]:
    lines = ["| in-process | " + " | ".join(runs) + " |", "|---|" + "---|" * len(runs)]

    def fmt(value) -> str:
        if not isinstance(value, dict):
            return "–"
        if "skipped" in value:
            return "skipped: " + value["skipped"]
        if "error" in value:
            return "error (see latest.json)"
        keep = {k: v for k, v in value.items() if k not in ("wall_s", "url", "status")}
        return ", ".join(f"{k} {v}" for k, v in keep.items())

    for label, key in (("package import (200 MB, 500 files)", ("import_package",)),
                       ("progress CSV of the largest course", ("exports", "progress_csv")),
                       ("HEMIS CSV (all JDU records)", ("exports", "hemis_csv")),
                       ("transcript PDF (per institution)", ("exports", "transcript_pdf")),
                       ("completion report CSV (largest programme, streamed)",
                        ("exports", "reports", "csv")),
                       ("completion report XLSX (largest programme)",
                        ("exports", "reports", "xlsx")),
                       ("completion report PDF (one cohort of the largest course)",
                        ("exports", "reports", "pdf")),
                       ("course report 10,000 students x 40 items: first HTML page",
                        ("report_10k", "page")),
                       ("course report 10,000 x 40: CSV, streamed", ("report_10k", "csv")),
                       ("course report 10,000 x 40: XLSX", ("report_10k", "xlsx")),
                       ("course report: PDF of 200 students", ("report_10k", "pdf")),
                       ("furigana (1 MB of Japanese)", ("furigana",))):
        cells = []
        for r in runs.values():
            value = r
            for k in key:
                if isinstance(value, dict) and ("skipped" in value or "error" in value):
                    break  # an older build: the whole group was skipped
                value = value.get(k, {}) if isinstance(value, dict) else {}
            cells.append(fmt(value))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def update_readme(markdown: str) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit("README.md has no bench markers")
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    readme.write_text(head + START + "\n" + markdown + END + tail)


if __name__ == "__main__":
    md = render()
    print(md)
    if "--readme" in sys.argv:
        update_readme(md)
