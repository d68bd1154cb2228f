"""A kernel's execute round trip while 50 pollers hit the Processes and kernelspecs routes.

Usage: python load_bench.py run BASE_URL TOKEN RESULT_JSON
       (python load_bench.py pollers ... is the poller subprocess it starts)

1. Starts a kernel (POST api/kernels; its pid goes to $TRACK_KERNELS) and, with
   BENCH_LOAD_SLEEPS > 0, that many sleeping children of it.
2. Two clients of the kernel, used in turn: jupyter_client's AsyncKernelClient
   on the kernel's connection file ("direct": the server is not on the path)
   and a websocket to the server's api/kernels/<id>/channels ("via server": the
   path a notebook in JupyterLab takes). A round trip is execute_request of
   `pass` -> its execute_reply, BENCH_RTT_GAP (0.02 s) apart. The websocket
   client sets TCP_QUICKACK before each read (BENCH_WS_QUICKACK=0: not): the
   server's kernel websocket does not set TCP_NODELAY, so without it every
   round trip through it waits ~40 ms for a delayed ACK (Nagle), which hides
   the server's own delay.
3. Idle: BENCH_LOAD_IDLE_RTT (100) round trips of each client.
4. Under load, per mode of BENCH_LOAD_MODES ("flat,paced,stock"): a subprocess runs
   BENCH_LOAD_POLLERS (50) pollers for BENCH_LOAD_SECONDS (60); each has its own
   keep-alive HTTP/1.1 connection (asyncio streams, a token header) and loops
   GET kernel-manager/processes, GET kernel-manager/kernelspecs; "flat" loops
   without pause (a stress test), "paced" starts a cycle every BENCH_LOAD_PACE
   (1) seconds per poller (50 browser tabs at the fastest refresh the settings
   allow), spread over the first second; "stock" is "flat" on Jupyter Server's
   own GET api/kernelspecs + GET api/kernels, for reference (what any route
   costs the server at that rate). Errors: any answer but 200, any
   exception or a request over 30 s (then a new connection). Meanwhile the
   round trips go on. Each mode is preceded by its own idle measurement.
5. Prints median / p90 of the round trips idle and under load, the ratio of the
   medians (goal <= 1.2, on the direct client), requests done, request
   latencies, errors (goal 0), and the CPU used by the server, the kernel and
   the pollers.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import resource
import socket
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

ROUTES = {"processes": "kernel-manager/processes", "kernelspecs": "kernel-manager/kernelspecs"}
# Reference: the same flat-out load on two of Jupyter Server's own routes.
STOCK_ROUTES = {"api/kernelspecs": "api/kernelspecs", "api/kernels": "api/kernels"}
GOAL_RATIO = 1.2
REQUEST_TIMEOUT = 30.0
TICKS = os.sysconf("SC_CLK_TCK")
QUICKACK = os.environ.get("BENCH_WS_QUICKACK", "1") == "1"


def p90(samples):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)] if ordered else float("nan")


def stats(samples) -> dict:
    if not samples:
        return {"n": 0}
    return {
        "n": len(samples),
        "median_ms": statistics.median(samples),
        "p90_ms": p90(samples),
        "p99_ms": sorted(samples)[max(0, math.ceil(0.99 * len(samples)) - 1)],
        "max_ms": max(samples),
    }


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return float("nan")
    fields = data[data.rfind(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


# --- the pollers (subprocess) ------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed by the server")
    status = int(status_line.split()[1])
    length, chunked, close = None, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            close = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        close = True
    return status, body, close


async def poller(routes, base, token, deadline, pace, latencies, errors, counts):
    url = urlsplit(base)
    prefix = url.path if url.path.endswith("/") else url.path + "/"
    requests = {
        key: (
            f"GET {prefix}{path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
            f"Authorization: token {token}\r\nAccept: application/json\r\n\r\n"
        ).encode()
        for key, path in routes.items()
    }
    loop = asyncio.get_running_loop()
    reader = writer = None
    if pace:
        await asyncio.sleep(random.uniform(0, pace))
    n = 0
    while loop.time() < deadline:
        cycle = loop.time()
        for key, request in requests.items():
            if loop.time() >= deadline:
                break
            start = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(url.hostname, url.port)
                writer.write(request)
                status, body, close = await asyncio.wait_for(read_response(reader), REQUEST_TIMEOUT)
                latencies[key].append((time.perf_counter() - start) * 1000)
                counts[key] += 1
                if status != 200:
                    errors[f"{key}: HTTP {status}"] += 1
                elif not body[:1] in (b"{", b"["):
                    errors[f"{key}: not JSON"] += 1
                elif n % 50 == 0:
                    reply = json.loads(body)
                    if key in ROUTES and key not in reply:
                        errors[f"{key}: no {key!r} in the reply"] += 1
                if close:
                    writer.close()
                    writer = None
            except Exception as error:  # noqa: BLE001 - every failure counts
                counts[key] += 1
                errors[f"{key}: {type(error).__name__}"] += 1
                if writer is not None:
                    writer.close()
                    writer = None
            n += 1
        if pace:
            await asyncio.sleep(max(0.0, cycle + pace - loop.time()))
    if writer is not None:
        writer.close()


async def pollers_main(base, token, count, seconds, pace, out_path, stock=False):
    routes = STOCK_ROUTES if stock else ROUTES
    latencies = {key: [] for key in routes}
    errors: Counter = Counter()
    counts: Counter = Counter()
    loop = asyncio.get_running_loop()
    print("go", flush=True)
    start = loop.time()
    deadline = start + seconds
    await asyncio.gather(
        *(poller(routes, base, token, deadline, pace, latencies, errors, counts) for _ in range(count))
    )
    elapsed = loop.time() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "pollers": count,
                "seconds": elapsed,
                "pace": pace,
                "requests": dict(counts),
                "errors": dict(errors),
                "latency": {key: stats(values) for key, values in latencies.items()},
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
            },
            f,
        )


# --- the round trips -----------------------------------------------------------


class Kernel:
    def __init__(self, base, token, kernel_id, connection_file):
        self.base, self.token, self.id = base, token, kernel_id
        self.connection_file = connection_file
        self.session = uuid.uuid4().hex

    async def open(self):
        from jupyter_client.asynchronous import AsyncKernelClient
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        self.kc = AsyncKernelClient(connection_file=self.connection_file)
        self.kc.load_connection_file()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=60)
        ws_url = (
            self.base.replace("http://", "ws://", 1)
            + f"api/kernels/{self.id}/channels?session_id={self.session}"
        )
        self.ws = await websocket_connect(
            HTTPRequest(ws_url, headers={"Authorization": f"token {self.token}"}),
            max_message_size=64 * 1024 * 1024,
        )
        self.sock = self.ws.protocol.stream.socket
        self.quickack = QUICKACK and hasattr(socket, "TCP_QUICKACK")

    async def direct(self) -> float:
        start = time.perf_counter()
        msg_id = self.kc.execute("pass", store_history=False)
        while True:
            msg = await self.kc.get_shell_msg(timeout=60)
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        elapsed = time.perf_counter() - start
        if msg["content"].get("status") != "ok":
            raise RuntimeError(f"execute failed: {msg['content']}")
        return elapsed * 1000

    async def via_server(self) -> float:
        msg_id = uuid.uuid4().hex
        message = {
            "header": {
                "msg_id": msg_id,
                "msg_type": "execute_request",
                "username": "bench",
                "session": self.session,
                "date": datetime.now(timezone.utc).isoformat(),
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "content": {
                "code": "pass",
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
            "channel": "shell",
            "buffers": [],
        }
        start = time.perf_counter()
        await self.ws.write_message(json.dumps(message))
        while True:
            if self.quickack:
                # jupyter_server's kernel websocket does not set TCP_NODELAY: its
                # second small frame waits for our ACK, which Linux delays by
                # ~40 ms. Acknowledging at once measures the server, not that.
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            raw = await asyncio.wait_for(self.ws.read_message(), 60)
            if raw is None:
                raise ConnectionError("the kernel websocket closed")
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            if msg.get("channel") == "shell" and msg["parent_header"].get("msg_id") == msg_id:
                break
        return (time.perf_counter() - start) * 1000

    def close(self):
        self.ws.close()
        self.kc.stop_channels()


async def round_trips(kernel, gap, until=None, count=None):
    """Pairs of round trips (direct, then via the server) until `until()` or `count`."""
    direct, via = [], []
    while (count is None or len(direct) < count) and (until is None or not until()):
        direct.append(await kernel.direct())
        await asyncio.sleep(gap)
        via.append(await kernel.via_server())
        await asyncio.sleep(gap)
    return direct, via


def run_main(base, token, result_path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import processes_kernel

    pollers = int(os.environ.get("BENCH_LOAD_POLLERS", "50"))
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    modes = [m for m in os.environ.get("BENCH_LOAD_MODES", "flat,paced,stock").split(",") if m]
    unknown = set(modes) - {"flat", "paced", "stock"}
    if unknown:
        raise SystemExit(f"unknown BENCH_LOAD_MODES {sorted(unknown)}: flat, paced, stock")
    pace = float(os.environ.get("BENCH_LOAD_PACE", "1"))
    idle_n = int(os.environ.get("BENCH_LOAD_IDLE_RTT", "100"))
    gap = float(os.environ.get("BENCH_RTT_GAP", "0.02"))
    sleeps = int(os.environ.get("BENCH_LOAD_SLEEPS", "0"))

    kernel_id, kernel_pid = processes_kernel.start_kernel(base, token)
    if sleeps:
        took = processes_kernel.spawn(kernel_id, sleeps)
        print(f"  {sleeps} sleeps started by the kernel in {took:.1f} s")
    first = processes_kernel.request(base, token, "GET", "kernel-manager/processes")
    server_pid = first["server_pid"]
    listed = len(first["processes"])
    size = len(json.dumps(first))
    print(
        f"  kernel {kernel_id} (pid {kernel_pid}); the Processes route lists {listed} "
        f"processes ({size:,} bytes); server pid {server_pid}"
    )
    kernel = Kernel(base, token, kernel_id, processes_kernel.connection_file(kernel_id))
    settings = dict(pollers=pollers, seconds=seconds, modes=modes, pace=pace, idle_n=idle_n, gap=gap)
    results = asyncio.run(measure(kernel, base, token, result_path, server_pid, kernel_pid, settings))
    verdicts = []
    for r in results:
        if r["mode"] == "stock":
            verdicts.append(
                f"[stock] reference, the same flat-out load on api/kernelspecs + api/kernels: "
                f"{r['requests_per_s']:.0f} requests/s, {r['error_count']} errors, round trip ratio "
                f"{r['ratio_direct']:.2f} direct, {r['ratio_via_server']:.2f} through the server's websocket"
            )
            continue
        verdicts.append(
            f"[{r['mode']}] errors under load: {r['error_count']} of {r['requests_total']:,} requests "
            f"(goal 0): {'OK' if r['error_count'] == 0 else 'NOT MET'}"
        )
        verdicts.append(
            f"[{r['mode']}] kernel execute round trip under load / idle, ratio of medians "
            f"{r['ratio_direct']:.2f} ({r['load']['direct']['median_ms']:.1f} / "
            f"{r['idle']['direct']['median_ms']:.1f} ms) (goal <= {GOAL_RATIO}): "
            f"{'OK' if r['ratio_direct'] <= GOAL_RATIO else 'NOT MET'}; through the server's "
            f"websocket {r['ratio_via_server']:.2f} ({r['load']['via_server']['median_ms']:.1f} / "
            f"{r['idle']['via_server']['median_ms']:.1f} ms)"
        )
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "processes_listed": listed,
                "reply_bytes": size,
                "sleeps": sleeps,
                "websocket_quickack": QUICKACK,
                "modes": results,
                "goal_ratio": GOAL_RATIO,
                "verdicts": verdicts,
            },
            f,
            indent=1,
        )


async def measure(kernel, base, token, result_path, server_pid, kernel_pid, settings):
    pollers, seconds, modes = settings["pollers"], settings["seconds"], settings["modes"]
    pace, idle_n, gap = settings["pace"], settings["idle_n"], settings["gap"]
    await kernel.open()
    await round_trips(kernel, gap, count=10)  # warm-up
    results = []
    try:
        for mode in modes:
            idle_direct, idle_via = await round_trips(kernel, gap, count=idle_n)
            out = os.path.join(os.path.dirname(result_path), f"pollers-{mode}.json")
            cpu_before = {"server": cpu_seconds(server_pid), "kernel": cpu_seconds(kernel_pid)}
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                os.path.abspath(__file__),
                "pollers",
                base,
                token,
                str(pollers),
                str(seconds),
                str(pace if mode == "paced" else 0),
                out,
                "stock" if mode == "stock" else "ours",
                stdout=asyncio.subprocess.PIPE,
            )
            line = await proc.stdout.readline()
            if line.strip() != b"go":
                raise RuntimeError(f"the pollers did not start: {line!r}")
            wall = time.perf_counter()
            done = asyncio.ensure_future(proc.wait())
            load_direct, load_via = await round_trips(kernel, gap, until=done.done)
            await done
            wall = time.perf_counter() - wall
            if proc.returncode != 0:
                raise RuntimeError(f"the pollers failed ({proc.returncode})")
            cpu = {k: cpu_seconds(pid) - cpu_before[k] for k, pid in (("server", server_pid), ("kernel", kernel_pid))}
            with open(out, encoding="utf-8") as f:
                polled = json.load(f)
            cpu["pollers"] = polled["cpu_seconds"]
            requests = sum(polled["requests"].values())
            error_count = sum(polled["errors"].values())
            r = {
                "mode": mode,
                "pollers": pollers,
                "seconds": polled["seconds"],
                "pace": polled["pace"],
                "idle": {"direct": stats(idle_direct), "via_server": stats(idle_via)},
                "load": {"direct": stats(load_direct), "via_server": stats(load_via)},
                "ratio_direct": statistics.median(load_direct) / statistics.median(idle_direct),
                "ratio_via_server": statistics.median(load_via) / statistics.median(idle_via),
                "requests": polled["requests"],
                "requests_total": requests,
                "requests_per_s": requests / polled["seconds"],
                "errors": polled["errors"],
                "error_count": error_count,
                "latency": polled["latency"],
                "cpu_cores": {k: v / wall for k, v in cpu.items()},
                "server_cpu_ms_per_request": cpu["server"] * 1000 / max(1, requests),
                "loadavg": open("/proc/loadavg").read().split()[:3],
            }
            results.append(r)
            print_mode(r)
    finally:
        kernel.close()
    return results


def print_mode(r):
    mode = r["mode"]
    what = "no pause" if not r["pace"] else f"one cycle per {r['pace']:g} s each"
    if mode == "stock":
        what += ", Jupyter Server's own api/kernelspecs + api/kernels (reference)"
    print(
        f"[{mode}] {r['pollers']} pollers, {what}, {r['seconds']:.0f} s: "
        f"{r['requests_total']:,} requests ({r['requests_per_s']:.0f}/s: "
        + ", ".join(f"{k} {v:,}" for k, v in r["requests"].items())
        + f"), errors {r['error_count']}"
        + (f" {r['errors']}" if r["errors"] else "")
    )
    for key, s in r["latency"].items():
        if s.get("n"):
            print(
                f"  GET {key:<12} median {s['median_ms']:7.1f} ms, p90 {s['p90_ms']:7.1f}, "
                f"p99 {s['p99_ms']:7.1f}, max {s['max_ms']:7.1f}"
            )
    print(f"  {'execute round trip':<26} {'median':>8} {'p90':>8} {'max':>8} {'n':>5}")
    for client, label in (("direct", "direct (ZMQ)"), ("via_server", "via the server (websocket)")):
        for phase in ("idle", "load"):
            s = r[phase][client]
            print(
                f"  {label + ' ' + phase:<26} {s['median_ms']:6.2f}ms {s['p90_ms']:6.2f}ms "
                f"{s['max_ms']:6.1f}ms {s['n']:>5}"
            )
        print(f"  {'':<26} ratio {r['ratio_' + client]:.2f}")
    cores = r["cpu_cores"]
    print(
        f"  CPU (cores busy): server {cores['server']:.2f}, pollers {cores['pollers']:.2f}, "
        f"kernel {cores['kernel']:.2f}; server {r['server_cpu_ms_per_request']:.2f} ms CPU per request; "
        f"load average {' '.join(r['loadavg'])}"
    )


def main() -> int:
    command = sys.argv[1]
    if command == "pollers":
        base, token, count, seconds, pace, out, routes = sys.argv[2:9]
        asyncio.run(
            pollers_main(base, token, int(count), float(seconds), float(pace), out, routes == "stock")
        )
    elif command == "run":
        base, token, result_path = sys.argv[2:5]
        run_main(base, token, result_path)
    else:
        raise SystemExit(f"unknown command {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
