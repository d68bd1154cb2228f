"""A kernel's execute round trip while 50 pollers hit the Processes and kernelspecs routes.

One ``jupyter lab`` with the default configuration (0.5 s scan cache: what users get) and a
kernel (POST api/kernels; BENCH_LOAD_SLEEPS (0) sleeping children of it for a bigger
process list). A round trip is ``execute_request`` of ``pass`` → its ``execute_reply``,
BENCH_RTT_GAP (0.02 s) apart, by two clients in turn: "direct" (jupyter_client on the
connection file: the server is not on the path; the goal applies to it) and "via the
server" (a websocket to api/kernels/<id>/channels, the path a notebook takes). The
websocket client sets TCP_QUICKACK before each read (BENCH_WS_QUICKACK=0: not): the
server's kernel websocket does not set TCP_NODELAY, so each reply would otherwise wait
~40 ms for a delayed ACK, which hides the server's own delay.

Per mode of BENCH_LOAD_MODES ("flat,paced,stock"): BENCH_LOAD_IDLE_RTT (100) round trips
idle, then round trips while a subprocess runs BENCH_LOAD_POLLERS (50) pollers for
BENCH_LOAD_SECONDS (60), each on its own keep-alive connection looping GET
kernel-manager/processes + GET kernel-manager/kernelspecs: "flat" without pause (a stress
test), "paced" one cycle per BENCH_LOAD_PACE (1) s each (50 tabs at the fastest refresh
the settings allow), "stock" flat on Jupyter Server's api/kernelspecs + api/kernels (a
reference). Errors: any answer but 200, a body not JSON, an exception, a request over
30 s. Goals: 0 errors; direct round trip under load / idle, ratio of medians <= 1.2.
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
from urllib.parse import urlsplit

from common import (
    Client,
    Scratch,
    cpu_seconds,
    env_int,
    execute_request,
    ms,
    save,
    say,
    stats,
    verdict,
)
from processes import Tracker, connection_file, kill_sleeps, spawn_sleeps, start_kernel

ROUTES = {
    "ours": ["kernel-manager/processes", "kernel-manager/kernelspecs"],
    "stock": ["api/kernelspecs", "api/kernels"],
}
GOAL_RATIO = 1.2
QUICKACK = os.environ.get("BENCH_WS_QUICKACK", "1") == "1" and hasattr(socket, "TCP_QUICKACK")


# --- the pollers (a subprocess: python load.py pollers ...) -----------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status = int((await reader.readline()).split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "chunked" in headers.get("transfer-encoding", ""):
        parts = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readline()
        return status, b"".join(parts)
    return status, await reader.readexactly(int(headers["content-length"]))


async def poller(kind, url, token, deadline, pace, latencies, errors):
    prefix = url.path if url.path.endswith("/") else url.path + "/"
    requests = {
        path: (
            f"GET {prefix}{path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
            f"Authorization: token {token}\r\nAccept: application/json\r\n\r\n"
        ).encode()
        for path in ROUTES[kind]
    }
    loop, reader, writer = asyncio.get_running_loop(), None, None
    await asyncio.sleep(random.uniform(0, pace))
    while loop.time() < deadline:
        cycle = loop.time()
        for path, request in requests.items():
            start = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(url.hostname, url.port)
                writer.write(request)
                status, body = await asyncio.wait_for(read_response(reader), 30)
                latencies[path].append((time.perf_counter() - start) * 1000)
                if status != 200 or body[:1] not in (b"{", b"["):
                    errors[f"{path}: HTTP {status}" if status != 200 else f"{path}: not JSON"] += 1
            except Exception as error:  # every failure counts
                latencies[path].append(math.nan)
                errors[f"{path}: {type(error).__name__}"] += 1
                if writer is not None:
                    writer.close()
                    writer = None
        if pace:
            await asyncio.sleep(max(0.0, cycle + pace - loop.time()))
    if writer is not None:
        writer.close()


async def pollers_main(kind, base, token, count, seconds, pace, out_path):
    latencies = {path: [] for path in ROUTES[kind]}
    errors: Counter = Counter()
    loop = asyncio.get_running_loop()
    print("go", flush=True)
    start = loop.time()
    url = urlsplit(base)
    await asyncio.gather(
        *(poller(kind, url, token, start + seconds, pace, latencies, errors) for _ in range(count))
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "seconds": loop.time() - start,
                "requests": {path: len(values) for path, values in latencies.items()},
                "latency": {path: stats(values) for path, values in latencies.items()},
                "errors": dict(errors),
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
            },
            f,
        )


# --- the round trips --------------------------------------------------------------------


class Kernel:
    def __init__(self, client: Client, kernel_id: str) -> None:
        self.client, self.id, self.session = client, kernel_id, uuid.uuid4().hex

    async def open(self) -> None:
        from jupyter_client.asynchronous import AsyncKernelClient
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        self.kc = AsyncKernelClient(connection_file=connection_file(self.id))
        self.kc.load_connection_file()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=60)
        url = self.client.ws_url(f"api/kernels/{self.id}/channels?session_id={self.session}")
        headers = {"Authorization": f"token {self.client.token}"}
        self.ws = await websocket_connect(HTTPRequest(url, headers=headers))
        self.sock = self.ws.protocol.stream.socket

    async def direct(self) -> float:
        start = time.perf_counter()
        msg_id = self.kc.execute("pass", store_history=False)
        while (await self.kc.get_shell_msg(timeout=60))["parent_header"].get("msg_id") != msg_id:
            pass
        return (time.perf_counter() - start) * 1000

    async def via_server(self) -> float:
        msg_id, message = execute_request("pass", self.session)
        start = time.perf_counter()
        await self.ws.write_message(message)
        while True:
            if QUICKACK:  # acknowledge at once: measure the server, not Nagle + delayed ACK
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            raw = await asyncio.wait_for(self.ws.read_message(), 60)
            if raw is None:
                raise ConnectionError("the kernel websocket closed")
            msg = json.loads(raw) if isinstance(raw, str) else {}
            if msg.get("channel") == "shell" and msg["parent_header"].get("msg_id") == msg_id:
                return (time.perf_counter() - start) * 1000

    async def round_trips(self, gap, count=None, until=None):
        """Pairs of round trips (direct, then via the server) until ``until()`` or ``count``."""
        direct, via = [], []
        while (count is None or len(direct) < count) and (until is None or not until()):
            direct.append(await self.direct())
            await asyncio.sleep(gap)
            via.append(await self.via_server())
            await asyncio.sleep(gap)
        return direct, via


async def run_mode(kernel, mode, server, kernel_pid, out_path) -> dict:
    pollers, seconds = env_int("BENCH_LOAD_POLLERS", 50), env_int("BENCH_LOAD_SECONDS", 60)
    gap = float(os.environ.get("BENCH_RTT_GAP") or 0.02)
    pace = float(os.environ.get("BENCH_LOAD_PACE") or 1) if mode == "paced" else 0
    idle = await kernel.round_trips(gap, count=env_int("BENCH_LOAD_IDLE_RTT", 100))
    pids = {"server": server.pid, "kernel": kernel_pid}
    cpu = {key: cpu_seconds(pid) for key, pid in pids.items()}
    kind = "stock" if mode == "stock" else "ours"
    args = [kind, server.base, server.token, pollers, seconds, pace, out_path]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "pollers", *map(str, args), stdout=asyncio.subprocess.PIPE
    )
    if (await proc.stdout.readline()).strip() != b"go":
        raise SystemExit("the pollers did not start")
    wall = time.perf_counter()
    done = asyncio.ensure_future(proc.wait())
    load = await kernel.round_trips(gap, until=done.done)
    if await done != 0:
        raise SystemExit(f"the pollers failed ({proc.returncode})")
    wall = time.perf_counter() - wall
    with open(out_path, encoding="utf-8") as f:
        polled = json.load(f)
    cores = {key: (cpu_seconds(pid) - cpu[key]) / wall for key, pid in pids.items()}
    cores["pollers"] = polled["cpu_seconds"] / wall
    requests = sum(polled["requests"].values())
    r = {"mode": mode, "pace": pace, **polled, "requests_total": requests, "cores": cores}
    for i, client in enumerate(("direct", "via_server")):
        r[client] = {"idle": stats(idle[i]), "load": stats(load[i])}
        r[client]["ratio"] = statistics.median(load[i]) / statistics.median(idle[i])
    r["error_count"] = sum(polled["errors"].values())
    r["server_cpu_ms_per_request"] = cores["server"] * wall * 1000 / max(1, requests)
    what = f"one cycle per {pace:g} s each" if pace else "no pause"
    print(
        f"[{mode}] {pollers} pollers, {what}, {r['seconds']:.0f} s: {requests:,} requests "
        f"({requests / r['seconds']:.0f}/s), errors {r['error_count']} {polled['errors'] or ''}"
    )
    for path, s in polled["latency"].items():
        print(f"  GET {path:<28} median {ms(s['median']):>8}  p90 {ms(s['p90']):>8}")
    for client in ("direct", "via_server"):
        c = r[client]
        print(
            f"  execute round trip {client:<10} idle {c['idle']['median']:.2f} ms → load "
            f"{c['load']['median']:.2f} ms (p90 {c['load']['p90']:.1f}, max "
            f"{c['load']['max']:.1f}; {c['load']['n']} round trips): ratio {c['ratio']:.2f}"
        )
    print(
        "  CPU (cores busy): "
        + ", ".join(f"{k} {v:.2f}" for k, v in cores.items())
        + f"; server {r['server_cpu_ms_per_request']:.2f} ms CPU per request"
    )
    return r


async def measure(kernel, server, kernel_pid, scratch, modes) -> list[dict]:
    await kernel.open()
    await kernel.round_trips(0.02, count=10)  # warm-up
    try:
        return [
            await run_mode(kernel, mode, server, kernel_pid, scratch.path / f"pollers-{mode}.json")
            for mode in modes
        ]
    finally:
        kernel.ws.close()
        kernel.kc.stop_channels()


def main() -> None:
    modes = (os.environ.get("BENCH_LOAD_MODES") or "flat,paced,stock").split(",")
    if set(modes) - {"flat", "paced", "stock"}:
        raise SystemExit(f"BENCH_LOAD_MODES: flat, paced, stock; not {modes}")
    sleeps = env_int("BENCH_LOAD_SLEEPS", 0)
    with Scratch("load") as scratch:
        tracker = Tracker(scratch)
        server = scratch.server().start()
        server.wait()
        client = Client(server.base, server.token)
        kernel_id, kernel_pid = start_kernel(client, tracker)
        if sleeps:
            spawn_sleeps(kernel_id, sleeps, tracker)
        first = client.call("GET", "kernel-manager/processes")
        say(
            f"the Processes route lists {len(first.data['processes'])} processes ({first.size:,} bytes)"
        )
        kernel = Kernel(client, kernel_id)
        results = asyncio.run(measure(kernel, server, kernel_pid, scratch, modes))
        if sleeps:
            kill_sleeps(kernel_id)
    verdicts = []
    for r in results:
        d, v = r["direct"], r["via_server"]
        if r["mode"] == "stock":
            verdicts.append(
                f"[stock] reference, the same flat-out load on api/kernelspecs + api/kernels: "
                f"{r['requests_total'] / r['seconds']:.0f} requests/s, {r['error_count']} errors, "
                f"round trip ratio {d['ratio']:.2f} direct, {v['ratio']:.2f} via the server"
            )
            continue
        verdicts.append(
            f"[{r['mode']}] errors under load: {r['error_count']} of {r['requests_total']:,} "
            f"requests (goal 0): {verdict(r['error_count'] == 0)}"
        )
        verdicts.append(
            f"[{r['mode']}] kernel execute round trip under load / idle, ratio of medians "
            f"{d['ratio']:.2f} ({d['load']['median']:.1f} / {d['idle']['median']:.1f} ms) (goal "
            f"<= {GOAL_RATIO}): {verdict(d['ratio'] <= GOAL_RATIO)}; via the server's websocket "
            f"{v['ratio']:.2f} ({v['load']['median']:.1f} / {v['idle']['median']:.1f} ms)"
        )
    save("load", {"sleeps": sleeps, "quickack": QUICKACK, "modes": results}, verdicts)


if __name__ == "__main__":
    if sys.argv[1:2] == ["pollers"]:
        kind, base, token, count, seconds, pace, out = sys.argv[2:9]
        asyncio.run(pollers_main(kind, base, token, int(count), float(seconds), float(pace), out))
    else:
        main()
