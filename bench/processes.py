"""The Processes feature with 2,000 extra processes: the table in Chromium
(processes_browser.js) and GET kernel-manager/processes next to ``ps``.

Two ``jupyter lab``s: "default" (the default 0.5 s scan cache) and "cache0"
(process_scan_cache_seconds=0: every poll scans). A notebook session on "default" whose
kernel starts BENCH_SLEEPS (2000) ``sleep 600.<n>`` children; processRefreshInterval set
to 1 s through the settings API. HTTP, per server: 3 warm-ups, then BENCH_HTTP_ROUNDS (30)
rounds of the route and ``ps -eo pid,user,rss,pcpu,args`` interleaved (goal: ratio of
medians <= 1.5); the server's CPU per poll (utime + stime around BENCH_CPU_POLLS (30)
back-to-back polls) next to ``ps``'s; and, in this process, where a scan's time goes and
the CPU per scan with the process history on and off (goal: ratio of medians <= 1.1).

The kernels and sleeps are tracked by pid; at the end the kernel kills its sleeps, the
servers stop, anything tracked still alive is killed if its command line still matches,
and /proc is checked for leftovers. Also used by load.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import time
from pathlib import Path

from common import Client, Scratch, cpu_seconds, env_int, ms, node, save, say, stats, verdict

SLEEP_ARG = f"600.{random.randrange(1, 2**30)}"
PS = ["ps", "-eo", "pid,user,rss,pcpu,args"]
GOAL_RATIO = 1.5
# The process history may cost a scan at most this much more CPU.
GOAL_HISTORY_RATIO = 1.1


# --- kernels and their sleeping children (also used by load.py) ----------------------


class Tracker:
    """The kernels and sleeps of a run, killed at exit (servers stopped first) once their
    command line is checked, so that a reused pid is never hit."""

    def __init__(self, scratch: Scratch) -> None:
        self.scratch, self.kernels = scratch, []
        self.sleeps = scratch.path / "track.sleeps"
        self.sleeps.touch()
        scratch.cleanups.append(self.cleanup)

    def _kind(self, pid: int) -> str | None:
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
        except OSError:
            return None
        if len(args) == 2 and args[0].endswith(b"sleep") and args[1] == SLEEP_ARG.encode():
            return "sleep"
        return "ours" if str(self.scratch.path).encode() in b" ".join(args) else None

    def cleanup(self) -> None:
        for pid in self.kernels:  # each leads the process group of its sleeps
            if self._kind(pid) == "ours":
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
        for pid in map(int, self.sleeps.read_text().split()):
            if self._kind(pid) == "sleep":
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)
        left = [p for p in Path("/proc").glob("[0-9]*") if self._kind(int(p.name))]
        say(f"{len(left)} sleep, kernel or server of this run left (checked /proc)")


def start_kernel(client: Client, tracker: Tracker, notebook: str | None = None) -> tuple[str, int]:
    """A kernel through the server (a notebook's session with ``notebook``); its pid as the
    Processes route sees it."""
    kernel = {"name": "python3"}
    if notebook:
        body = {"path": notebook, "name": notebook, "type": "notebook", "kernel": kernel}
        kernel_id = client.call("POST", "api/sessions", body).data["kernel"]["id"]
    else:
        kernel_id = client.call("POST", "api/kernels", kernel).data["id"]
    for _ in range(100):
        for proc in client.get("kernel-manager/processes")["processes"]:
            if proc["kind"] == "kernel" and (proc.get("kernel") or {}).get("id") == kernel_id:
                tracker.kernels.append(proc["pid"])
                return kernel_id, proc["pid"]
        time.sleep(0.3)
    raise SystemExit(f"the Processes route does not list kernel {kernel_id}")


def connection_file(kernel_id: str) -> str:
    return os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], f"kernel-{kernel_id}.json")


def run_code(kernel_id: str, code: str) -> None:
    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient(connection_file=connection_file(kernel_id))
    kc.load_connection_file()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        content = kc.execute(code, reply=True, timeout=300, store_history=False)["content"]
    finally:
        kc.stop_channels()
    if content["status"] != "ok":
        raise SystemExit(f"the kernel failed: {content.get('ename')}: {content.get('evalue')}")


def spawn_sleeps(kernel_id: str, count: int, tracker: Tracker) -> float:
    """``count`` ``sleep SLEEP_ARG`` children of the kernel, their pids tracked as they start."""
    start = time.perf_counter()
    run_code(
        kernel_id,
        "import subprocess as _sp\n_bench = globals().get('_bench', [])\n"
        f"with open({str(tracker.sleeps)!r}, 'a') as _f:\n    for _ in range({count}):\n"
        f"        _bench.append(_sp.Popen(['sleep', {SLEEP_ARG!r}], stdin=_sp.DEVNULL))\n"
        "        print(_bench[-1].pid, file=_f, flush=True)\n",
    )
    return time.perf_counter() - start


def kill_sleeps(kernel_id: str) -> None:
    run_code(kernel_id, "for _p in _bench: _p.kill(); _p.wait()\n_bench = []")


# --- HTTP ---------------------------------------------------------------------------


def run_ps() -> tuple[float, int]:
    start = time.perf_counter()
    out = subprocess.run(PS, capture_output=True, check=True).stdout
    return (time.perf_counter() - start) * 1000, out.count(b"\n") - 1


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def http(name: str, client: Client) -> dict:
    route, ps = [], []
    polls = env_int("BENCH_CPU_POLLS", 30)
    for i in range(3 + env_int("BENCH_HTTP_ROUNDS", 30)):
        reply = client.call("GET", "kernel-manager/processes")
        took_ps, ps_lines = run_ps()
        if i >= 3:
            route.append(reply.seconds * 1000)
            ps.append(took_ps)
    pid, size, listed = reply.data["server_pid"], reply.size, reply.data["processes"]
    before = cpu_seconds(pid)
    for _ in range(polls):
        client.call("GET", "kernel-manager/processes")
    server_cpu = (cpu_seconds(pid) - before) * 1000 / polls
    before = children_cpu()
    for _ in range(polls):
        run_ps()
    r = {"name": name, "route": stats(route), "ps": stats(ps), "bytes": size, "ps_lines": ps_lines}
    r.update(processes=len(listed), server_cpu_ms=server_cpu)
    r.update(ps_cpu_ms=(children_cpu() - before) * 1000 / polls)
    r["ratio"] = r["route"]["median"] / r["ps"]["median"]
    for key, label in (
        ("route", f"GET processes [{name}]"),
        ("ps", "ps -eo pid,user,rss,pcpu,args"),
    ):
        s = r[key]
        print(
            f"  {label:<32} median {ms(s['median']):>8}  p90 {ms(s['p90']):>8}  max {ms(s['max']):>8}"
        )
    print(
        f"  [{name}] ratio {r['ratio']:.2f}; {r['processes']} processes, {size:,} bytes; "
        f"server CPU per poll {server_cpu:.1f} ms, ps {r['ps_cpu_ms']:.1f} ms per run"
    )
    return r


def breakdown() -> dict | None:
    """Where a scan's time goes, in this process (same code, same /proc)."""
    try:
        from jupyterlab_kernel_manager.processes import Context, Snapshot, classify, totals
        from jupyterlab_kernel_manager.proctable import ProcessTable

        uid, table, loop = os.geteuid(), ProcessTable(), asyncio.new_event_loop()
        times: dict[str, list[float]] = {"scan": [], "classify": [], "json": [], "body": []}
        table.scan(uid)
        for _ in range(10):
            t = [time.perf_counter()]
            procs = table.scan(uid)
            t.append(time.perf_counter())
            listed = classify(procs, uid, os.getpid(), Context([], {}))
            reply = {"processes": listed, "totals": totals(listed)}
            t.append(time.perf_counter())
            snapshot = Snapshot(reply, procs, uid)
            t.append(time.perf_counter())
            loop.run_until_complete(snapshot.body(is_admin=False, all_users=False))
            t.append(time.perf_counter())
            for key, a, b in zip(times, t, t[1:]):
                times[key].append((b - a) * 1000)
        loop.close()
    except Exception as error:  # the package's insides change; this part is optional
        print(f"  (no breakdown: {error!r})")
        return None
    out = {key: statistics.median(values) for key, values in times.items()}
    print(
        "  in this process: warm scan {scan:.1f} ms, classify {classify:.1f} ms, JSON encoding "
        "(once per scan) {json:.1f} ms, one kind of request's body {body:.1f} ms".format(**out)
    )
    return out


def history_cost(kernel_id: str, kernel_pid: int) -> dict | None:
    """CPU per scan (``Processes._build``: the table, classification, JSON, and the
    history's recording) with the history on and off, in this process on the same
    /proc: the kernel with its sleeps as the server sees it. Interleaved rounds,
    ``time.process_time`` around each; also the recording alone."""
    try:
        from jupyterlab_kernel_manager.config import KernelManagerConfig
        from jupyterlab_kernel_manager.processes import (
            Context,
            KernelRef,
            Processes,
            classify,
            totals,
        )

        model = {"id": kernel_id, "kernelspec": "python3", "execution_state": "idle"}
        context = Context([KernelRef(kernel_id, kernel_pid, "", model)], {})
        builds = {
            key: Processes(KernelManagerConfig(process_history_seconds=seconds), None)
            for key, seconds in (("on", 1800), ("off", 0))
        }
        times: dict[str, list[float]] = {key: [] for key in builds}
        for build in builds.values():
            build._build(context)  # a first scan reads everything
        rounds = env_int("BENCH_SCAN_ROUNDS", 60)
        for i in range(rounds):
            for key in builds if i % 2 else reversed(builds):
                start = time.process_time()
                builds[key]._build(context)
                times[key].append((time.process_time() - start) * 1000)
        on = builds["on"]
        assert on.history is not None
        listed = classify(on.table.scan(on.uid), on.uid, on.server_pid, context)
        summed = totals(listed)
        record = []
        for _ in range(rounds):
            start = time.process_time()
            on.history.record(time.time(), listed, summed)
            record.append((time.process_time() - start) * 1000)
    except Exception as error:  # the package's insides change; this part is optional
        print(f"  (no history figure: {error!r})")
        return None
    r = {key: stats(values) for key, values in times.items()}
    r["record"] = stats(record)
    r["listed"] = len(listed)
    r["ratio"] = r["on"]["median"] / r["off"]["median"]
    print(
        f"  server CPU per scan ({len(listed)} of the user's processes, {rounds} rounds): "
        f"history on {ms(r['on']['median'])} (p90 {ms(r['on']['p90'])}), off "
        f"{ms(r['off']['median'])} (p90 {ms(r['off']['p90'])}); ratio {r['ratio']:.3f}; "
        f"the recording alone {r['record']['median']:.2f} ms"
    )
    return r


def main() -> None:
    sleeps = env_int("BENCH_SLEEPS", 2000)
    browser = os.environ.get("BENCH_SKIP_BROWSER") != "1"
    result, verdicts = {"sleeps": sleeps}, []
    with Scratch("processes") as scratch:
        tracker = Tracker(scratch)
        servers = {
            "default": scratch.server("default").start(),
            "cache0": scratch.server(
                "cache0", args=["--KernelManagerConfig.process_scan_cache_seconds=0"]
            ).start(),
        }
        clients = {}
        for name, server in servers.items():
            server.wait()
            clients[name] = Client(server.base, server.token)
        default = servers["default"]
        setting = {"raw": json.dumps({"processRefreshInterval": env_int("BENCH_INTERVAL", 1)})}
        # The setting's plugin: ":processes" since the folder-per-feature layout, ":plugin" before.
        for plugin in ("processes", "plugin"):
            path = f"lab/api/settings/jupyterlab-kernel-manager:{plugin}"
            if clients["default"].call("PUT", path, setting, check=False).status < 300:
                break
        else:
            raise SystemExit("processRefreshInterval could not be set (settings API)")
        kernel_id, pid = start_kernel(clients["default"], tracker, "bench-processes.ipynb")
        took = spawn_sleeps(kernel_id, sleeps, tracker)
        spawned_at = int(time.time() * 1000)
        say(f"{sleeps} sleeps (sleep {SLEEP_ARG}) started by kernel {pid} in {took:.1f} s")
        if browser:
            result["browser"] = node(
                scratch, "processes_browser.js", default.base, default.token, sleeps, spawned_at
            )
            verdicts += result["browser"]["verdicts"]
        print(
            "HTTP: GET kernel-manager/processes next to ps, interleaved, one keep-alive connection"
        )
        result["http"] = [http(name, client) for name, client in clients.items()]
        result["breakdown"] = breakdown()
        result["history"] = history_cost(kernel_id, pid)
        for r in result["http"]:
            verdicts.append(
                f"processes route / ps, ratio of medians [{r['name']}] {r['ratio']:.2f} "
                f"({ms(r['route']['median'])} / {ms(r['ps']['median'])}, {r['processes']} "
                f"processes) (goal <= {GOAL_RATIO}): {verdict(r['ratio'] <= GOAL_RATIO)}"
            )
        cost = result["history"]
        if cost is not None:
            verdicts.append(
                f"server CPU per scan, history on / off, ratio of medians {cost['ratio']:.3f} "
                f"({ms(cost['on']['median'])} / {ms(cost['off']['median'])}) "
                f"(goal <= {GOAL_HISTORY_RATIO}): {verdict(cost['ratio'] <= GOAL_HISTORY_RATIO)}"
            )
        kill_sleeps(kernel_id)
    save("processes", result, verdicts)


if __name__ == "__main__":
    main()
