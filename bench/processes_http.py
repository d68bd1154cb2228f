"""Latency and CPU cost of GET kernel-manager/processes next to `ps`.

Usage: python processes_http.py TOKEN RESULT_JSON NAME=BASE_URL [NAME=BASE_URL ...]

Each server (e.g. default=... for the default 0.5 s scan cache and cache0=... for
a server started with process_scan_cache_seconds=0) is measured the same way:

1. Latency: one persistent HTTP/1.1 connection with a token header; 3 warm-ups,
   then 30 rounds interleaved: GET kernel-manager/processes, then
   subprocess.run(["ps", "-eo", "pid,user,rss,pcpu,args"]) (output captured),
   and so on. Each is timed as wall time (request sent -> whole body read; fork
   -> exit with the output read). Median, p90, min, max and the ratio of the
   medians (route / ps); goal <= 1.5.
2. CPU per poll: the server's utime + stime (/proc/<server_pid>/stat, every
   thread) before and after 30 back-to-back polls, divided by 30; with the
   server's idle CPU over 2 s for reference, and `ps`'s own CPU per run
   (getrusage of the children) over the same number of runs.

Then, in this process, where a scan's time goes: ProcessTable.scan (cold and
warm), classify, encoding the reply as JSON (once per scan, in the scan's
thread, when the Snapshot is made) and making one kind of request's body from
it (once per scan and kind: the bytes joined and hashed for the ETag); every
request of that kind then gets those bytes as they are.
Standard library plus the checkout's jupyterlab_kernel_manager.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

WARMUP = 3
ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "30"))
CPU_POLLS = int(os.environ.get("BENCH_CPU_POLLS", "30"))
GOAL_RATIO = 1.5
PS = ["ps", "-eo", "pid,user,rss,pcpu,args"]
TICKS = os.sysconf("SC_CLK_TCK")


def p90(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]  # nearest rank


def stats(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median_ms": statistics.median(values),
        "p90_ms": p90(values),
        "min_ms": min(values),
        "max_ms": max(values),
    }


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    fields = data[data.rfind(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_ps() -> tuple[float, int]:
    start = time.perf_counter()
    out = subprocess.run(PS, capture_output=True, check=True).stdout
    return time.perf_counter() - start, out.count(b"\n") - 1


class Server:
    def __init__(self, base: str, token: str) -> None:
        url = urlsplit(base)
        prefix = url.path if url.path.endswith("/") else url.path + "/"
        self.path = prefix + "kernel-manager/processes"
        self.headers = {"Authorization": f"token {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)

    def fetch(self) -> tuple[float, bytes]:
        start = time.perf_counter()
        self.conn.request("GET", self.path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"GET {self.path} answered {response.status}: {body[:300]!r}")
        return elapsed, body


def measure(name: str, base: str, token: str) -> dict:
    server = Server(base, token)
    body = b""
    for _ in range(WARMUP):
        _, body = server.fetch()
        run_ps()
    ours: list[float] = []
    ps: list[float] = []
    ps_lines = 0
    for _ in range(ROUNDS):
        elapsed, body = server.fetch()
        ours.append(elapsed * 1000)
        elapsed, ps_lines = run_ps()
        ps.append(elapsed * 1000)
    reply = json.loads(body)
    server_pid = reply["server_pid"]
    kinds: dict[str, int] = {}
    for proc in reply["processes"]:
        kinds[proc["kind"]] = kinds.get(proc["kind"], 0) + 1

    # CPU per poll: back-to-back polls, the server's CPU time around them.
    idle_before = cpu_seconds(server_pid)
    time.sleep(2.0)
    idle_rate = (cpu_seconds(server_pid) - idle_before) / 2.0
    before, wall = cpu_seconds(server_pid), time.perf_counter()
    for _ in range(CPU_POLLS):
        server.fetch()
    after, wall = cpu_seconds(server_pid), time.perf_counter() - wall
    server_cpu = (after - before) / CPU_POLLS
    before = children_cpu()
    for _ in range(CPU_POLLS):
        run_ps()
    ps_cpu = (children_cpu() - before) / CPU_POLLS
    server.conn.close()

    result = {
        "name": name,
        "base": base,
        "route": stats(ours),
        "ps": stats(ps),
        "ratio": statistics.median(ours) / statistics.median(ps),
        "bytes": len(body),
        "processes": len(reply["processes"]),
        "kinds": kinds,
        "ps_lines": ps_lines,
        "server_pid": server_pid,
        "cpu": {
            "polls": CPU_POLLS,
            "server_ms_per_poll": server_cpu * 1000,
            "wall_ms_per_poll": wall * 1000 / CPU_POLLS,
            "server_idle_ms_per_s": idle_rate * 1000,
            "ps_ms_per_run": ps_cpu * 1000,
        },
    }
    return result


def breakdown() -> dict | None:
    """Where a scan's time goes, measured in this process (same code, same /proc)."""
    try:
        from jupyterlab_kernel_manager.processes import (
            Context,
            Snapshot,
            classify,
            totals,
        )
        from jupyterlab_kernel_manager.proctable import ProcessTable
    except ImportError as error:  # pragma: no cover - only without the checkout
        print(f"  (no breakdown: {error})")
        return None
    uid = os.geteuid()
    table = ProcessTable()
    start = time.perf_counter()
    procs = table.scan(uid)
    cold = time.perf_counter() - start
    warm, classify_t, encode_t, body_t = [], [], [], []
    loop = asyncio.new_event_loop()
    size = 0
    for _ in range(10):
        start = time.perf_counter()
        procs = table.scan(uid)
        warm.append(time.perf_counter() - start)
        start = time.perf_counter()
        listed = classify(procs, uid, os.getpid(), Context([], {}))
        reply = {"processes": listed, "totals": totals(listed)}
        classify_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        snapshot = Snapshot(reply, procs, uid)
        encode_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        body = loop.run_until_complete(snapshot.body(is_admin=False, all_users=False))
        body_t.append(time.perf_counter() - start)
        size = len(body.data)
        time.sleep(0.05)
    loop.close()
    return {
        "processes_seen": len(procs),
        "scan_cold_ms": cold * 1000,
        "scan_warm_ms": statistics.median(warm) * 1000,
        "classify_ms": statistics.median(classify_t) * 1000,
        "json_ms": statistics.median(encode_t) * 1000,
        "body_ms": statistics.median(body_t) * 1000,
        "json_bytes": size,
    }


def main() -> int:
    token, result_path = sys.argv[1], sys.argv[2]
    servers = [arg.split("=", 1) for arg in sys.argv[3:]]
    results = []
    print(
        f"HTTP: GET kernel-manager/processes vs `{' '.join(PS)}` ({ROUNDS} interleaved "
        f"rounds after {WARMUP} warm-ups, one keep-alive connection, wall time)"
    )
    print(
        f"  {'':<34} {'median':>8} {'p90':>8} {'min':>8} {'max':>8}  ratio  "
        f"{'procs':>6} {'bytes':>10}"
    )
    for name, base in servers:
        r = measure(name, base, token)
        results.append(r)
        for key, label in (("route", f"GET processes [{name}]"), ("ps", "  ps -eo pid,user,rss,pcpu,args")):
            s = r[key]
            extra = (
                f"  {r['ratio']:.2f}  {r['processes']:>6} {r['bytes']:>10,}"
                if key == "route"
                else f"        {r['ps_lines']:>6}"
            )
            print(
                f"  {label:<34} {s['median_ms']:>6.1f}ms {s['p90_ms']:>6.1f}ms "
                f"{s['min_ms']:>6.1f}ms {s['max_ms']:>6.1f}ms{extra}"
            )
    print(f"CPU per poll ({CPU_POLLS} back-to-back polls; /proc/<server>/stat utime+stime)")
    for r in results:
        c = r["cpu"]
        print(
            f"  [{r['name']}] server {c['server_ms_per_poll']:.1f} ms CPU per poll "
            f"(wall {c['wall_ms_per_poll']:.1f} ms; idle server {c['server_idle_ms_per_s']:.1f} ms/s); "
            f"ps {c['ps_ms_per_run']:.1f} ms CPU per run"
        )
    parts = breakdown()
    if parts:
        print(
            f"Where the time goes (in this process, {parts['processes_seen']} processes): "
            f"scan cold {parts['scan_cold_ms']:.0f} ms, warm {parts['scan_warm_ms']:.1f} ms; "
            f"classify {parts['classify_ms']:.1f} ms; JSON encoding (once per scan) "
            f"{parts['json_ms']:.1f} ms; a kind of request's body from it (once per scan and kind, "
            f"joined + ETag, in a thread) {parts['body_ms']:.1f} ms ({parts['json_bytes']:,} bytes)"
        )
    verdicts = []
    for r in results:
        ok = "OK" if r["ratio"] <= GOAL_RATIO else "NOT MET"
        verdicts.append(
            f"processes route / ps, ratio of medians [{r['name']}] {r['ratio']:.2f} "
            f"({r['route']['median_ms']:.1f} / {r['ps']['median_ms']:.1f} ms, "
            f"{r['processes']} processes) (goal <= {GOAL_RATIO}): {ok}"
        )
        verdicts.append(
            f"server CPU per poll [{r['name']}] {r['cpu']['server_ms_per_poll']:.1f} ms "
            f"(ps: {r['cpu']['ps_ms_per_run']:.1f} ms per run) (no goal set)"
        )
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "ps": PS,
                "rounds": ROUNDS,
                "servers": results,
                "breakdown": parts,
                "goal_ratio": GOAL_RATIO,
                "verdicts": verdicts,
            },
            f,
            indent=1,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
