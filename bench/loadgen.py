"""A small HTTP/1.1 keep-alive load generator, used only when wrk cannot be installed.

It is Python on the same two cores as the server, so it takes CPU from it: figures made
with it are lower bounds and the runner labels them. Same inputs and the same JSON output
as bench/wrk/*.lua: python loadgen.py URL FILE --connections 16 --duration 10 [--events]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from urllib.parse import urlsplit


def _requests(base: str, path: str, events: bool):
    host = urlsplit(base).netloc
    out = []
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if events:
            out.append((parts[0], {"Authorization": "Bearer " + parts[1],
                                   "Content-Type": "application/json"}))
        else:
            out.append((parts[0], {parts[1]: parts[2]} if parts[1] else {}))
    return host, out


def _format(host, method, target, headers, body=b""):
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader):
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, chunked = None, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    size = 0
    if chunked:
        while True:
            n = int((await reader.readline()).split(b";")[0], 16)
            data = await reader.readexactly(n + 2)
            size += n
            if n == 0:
                break
    elif length:
        size = len(await reader.readexactly(length))
    return status, size


async def _worker(n, base, host, reqs, events, deadline, stats):
    parsed = urlsplit(base)
    reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    i = (n * 7919) % len(reqs)
    while time.perf_counter() < deadline:
        target, headers = reqs[i]
        i = (i + 1) % len(reqs)
        if events:
            body = json.dumps({"id": str(uuid.uuid4()), "verb": "progressed",
                               "result": {"duration": "PT15S"},
                               "resume": {"position": 42.5}}).encode()
            data = _format(host, "POST", target, headers, body)
        else:
            data = _format(host, "GET", target, headers)
        started = time.perf_counter()
        try:
            writer.write(data)
            await writer.drain()
            status, size = await asyncio.wait_for(_read_response(reader), 30)
        except (ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            stats["errors"]["read"] += 1
            writer.close()
            reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
            continue
        stats["latencies"].append(time.perf_counter() - started)
        stats["bytes"] += size
        stats["statuses"][str(status)] = stats["statuses"].get(str(status), 0) + 1
        if status >= 400:
            stats["errors"]["status"] += 1
    writer.close()


async def run(base, path, connections, duration, events):
    host, reqs = _requests(base, path, events)
    stats = {"latencies": [], "bytes": 0, "statuses": {},
             "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}}
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(*(_worker(n, base, host, reqs, events, deadline, stats)
                           for n in range(connections)))
    elapsed = time.perf_counter() - started
    lat = sorted(stats["latencies"]) or [0.0]

    def pct(p):
        return int(lat[min(len(lat) - 1, int(len(lat) * p / 100))] * 1e6)

    return {"requests": len(stats["latencies"]), "duration_us": int(elapsed * 1e6),
            "bytes": stats["bytes"], "errors": stats["errors"], "p50_us": pct(50),
            "p90_us": pct(90), "p99_us": pct(99), "max_us": int(lat[-1] * 1e6),
            "mean_us": sum(lat) / len(lat) * 1e6, "statuses": stats["statuses"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("file")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--events", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.file, args.connections, args.duration, args.events))
    print("BENCH_JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
