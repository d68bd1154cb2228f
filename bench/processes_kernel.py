"""A kernel of the benchmark's server, and the sleeping processes it starts.

Used by processes.sh (as a command) and by load_bench.py (imported).

  python processes_kernel.py start BASE_URL TOKEN PATH     -> prints the kernel id
  python processes_kernel.py spawn BASE_URL TOKEN KERNEL_ID COUNT
  python processes_kernel.py kill BASE_URL TOKEN KERNEL_ID

``start`` opens a session for the notebook PATH (POST api/sessions: the kernel
is shown as that notebook's), waits until the Processes route lists it, and
appends its pid to $TRACK_KERNELS. ``spawn`` runs code in the kernel (through
jupyter_client and the connection file in $JUPYTER_RUNTIME_DIR) that starts
COUNT ``sleep $SLEEP_ARG`` processes, its children, and appends their pids to
$TRACK_SLEEPS as it goes; ``kill`` makes the kernel kill and reap them. The
shell scripts kill whatever is left in those files at exit.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import time
from urllib.parse import urlsplit

from jupyter_client import BlockingKernelClient


def request(base: str, token: str, method: str, path: str, body=None, timeout=60):
    url = urlsplit(base)
    prefix = url.path if url.path.endswith("/") else url.path + "/"
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        headers = {"Authorization": f"token {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, prefix + path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path} answered {response.status}: {payload[:300]!r}")
        return json.loads(payload) if payload else None
    finally:
        conn.close()


def track(path_env: str, pids) -> None:
    path = os.environ.get(path_env)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write("".join(f"{pid}\n" for pid in pids))


def kernel_pid(base: str, token: str, kernel_id: str, timeout: float = 30.0) -> int:
    """The kernel's pid, as the Processes route sees it."""
    deadline = time.monotonic() + timeout
    while True:
        reply = request(base, token, "GET", "kernel-manager/processes")
        for proc in reply["processes"]:
            if proc["kind"] == "kernel" and (proc.get("kernel") or {}).get("id") == kernel_id:
                return proc["pid"]
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Processes route does not list kernel {kernel_id}")
        time.sleep(0.3)


def start_session(base: str, token: str, path: str) -> tuple[str, int]:
    reply = request(
        base,
        token,
        "POST",
        "api/sessions",
        {"path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}},
    )
    kernel_id = reply["kernel"]["id"]
    pid = kernel_pid(base, token, kernel_id)
    track("TRACK_KERNELS", [pid])
    return kernel_id, pid


def start_kernel(base: str, token: str) -> tuple[str, int]:
    reply = request(base, token, "POST", "api/kernels", {"name": "python3"})
    kernel_id = reply["id"]
    pid = kernel_pid(base, token, kernel_id)
    track("TRACK_KERNELS", [pid])
    return kernel_id, pid


def connection_file(kernel_id: str) -> str:
    return os.path.join(os.environ["JUPYTER_RUNTIME_DIR"], f"kernel-{kernel_id}.json")


def client(kernel_id: str) -> BlockingKernelClient:
    kc = BlockingKernelClient(connection_file=connection_file(kernel_id))
    kc.load_connection_file()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return kc


def run(kernel_id: str, code: str, timeout: float = 300.0) -> dict:
    kc = client(kernel_id)
    try:
        reply = kc.execute(code, reply=True, timeout=timeout, store_history=False)
    finally:
        kc.stop_channels()
    content = reply["content"]
    if content.get("status") != "ok":
        raise RuntimeError(
            f"the kernel failed: {content.get('ename')}: {content.get('evalue')}"
        )
    return content


SPAWN = """
import subprocess as _sp, time as _time
_bench_sleeps = globals().get("_bench_sleeps", [])
_t0 = _time.perf_counter()
with open({track!r}, "a") as _f:
    for _i in range({count}):
        _p = _sp.Popen(["sleep", {arg!r}], stdin=_sp.DEVNULL, stdout=_sp.DEVNULL,
                       stderr=_sp.DEVNULL)
        _bench_sleeps.append(_p)
        _f.write(f"{{_p.pid}}\\n")
        _f.flush()
_bench_spawn_seconds = _time.perf_counter() - _t0
"""

KILL = """
for _p in globals().get("_bench_sleeps", []):
    try:
        _p.kill()
    except OSError:
        pass
for _p in globals().get("_bench_sleeps", []):
    _p.wait()
_bench_sleeps = []
"""


def spawn(kernel_id: str, count: int) -> float:
    """Starts ``count`` sleeps as children of the kernel; returns the seconds taken."""
    track_path = os.environ.get("TRACK_SLEEPS") or os.devnull
    start = time.perf_counter()
    run(kernel_id, SPAWN.format(track=track_path, count=count, arg=os.environ["SLEEP_ARG"]))
    return time.perf_counter() - start


def kill(kernel_id: str) -> None:
    run(kernel_id, KILL)


def main() -> int:
    command, base, token = sys.argv[1:4]
    if command == "start":
        kernel_id, pid = start_session(base, token, sys.argv[4])
        print(kernel_id)
        print(f"kernel {kernel_id} (pid {pid}) for {sys.argv[4]}", file=sys.stderr)
    elif command == "spawn":
        kernel_id, count = sys.argv[4], int(sys.argv[5])
        seconds = spawn(kernel_id, count)
        print(f"{count} sleeps started by kernel {kernel_id} in {seconds:.1f} s", file=sys.stderr)
    elif command == "kill":
        start = time.perf_counter()
        kill(sys.argv[4])
        print(
            f"the kernel killed and reaped its sleeps in {time.perf_counter() - start:.1f} s",
            file=sys.stderr,
        )
    else:
        raise SystemExit(f"unknown command {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
