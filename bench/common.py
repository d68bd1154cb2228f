"""What every bench shares: statistics, the scratch directory, Jupyter servers, HTTP, results.

Run through ``bench/run.sh``, with the Python of the venv that has JupyterLab.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TICKS = os.sysconf("SC_CLK_TCK")
JUPYTER = str(Path(sys.executable).parent / "jupyter")


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# --- statistics ---------------------------------------------------------------


def pct(values, q: float) -> float:
    """Nearest-rank percentile (q in 0..1); NaN for no values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


def stats(values) -> dict:
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return {"n": 0, "median": math.nan, "p90": math.nan, "min": math.nan, "max": math.nan}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": pct(values, 0.9),
        "min": min(values),
        "max": max(values),
    }


def ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def verdict(ok: bool) -> str:
    return "OK" if ok else "NOT MET"


def cpu_seconds(pid: int | None) -> float:
    """utime + stime of a process (every thread, children apart); NaN if gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except (OSError, TypeError):
        return math.nan
    fields = data[data.rfind(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the scratch directory and the servers -------------------------------------------


class Scratch:
    """A directory for one run (``$BENCH_TMP``, default /var/tmp): Jupyter's data, config
    and runtime directories, HOME (``home=False``: the user's own, with the installers'
    caches) and TMPDIR, unless ``jupyter=False``; the servers' root and logs. As a context
    manager it stops every server and runs every clean-up on exit, Ctrl-C and SIGTERM
    included, then removes the directory."""

    def __init__(self, name: str, home: bool = True, jupyter: bool = True) -> None:
        base = os.environ.get("BENCH_TMP", "/var/tmp")
        self.path = Path(tempfile.mkdtemp(prefix=f"km-bench-{name}-", dir=base))
        self.servers: list[Server] = []
        self.cleanups: list = []
        if not jupyter:
            return
        env = {
            "JUPYTER_DATA_DIR": self.path / "data",
            "JUPYTER_CONFIG_DIR": self.path / "config",
            "JUPYTER_RUNTIME_DIR": self.path / "runtime",
            "IPYTHONDIR": self.path / "ipython",
            "HOME": self.path / "home",
        }
        if not home:
            del env["HOME"]
        for key, value in env.items():
            value.mkdir(parents=True)
            os.environ[key] = str(value)
        (self.path / "root").mkdir()
        (self.path / "tmp").mkdir()
        os.environ.update(JUPYTER_PLATFORM_DIRS="0", TMPDIR=str(self.path / "tmp"))
        for key in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
            os.environ.pop(key, None)
        self.server_args, self.server_env = _extension_args(self.path)

    def __enter__(self) -> Scratch:
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C is
        return self

    def __exit__(self, kind, error, tb) -> bool:
        # No second Ctrl-C may cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            print("\ninterrupted: cleaning up", file=sys.stderr, flush=True)
        for server in reversed(self.servers):
            server.stop()
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                cleanup()
        shutil.rmtree(self.path, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            raise SystemExit(130)
        return False

    def server(self, name: str = "server", **kwargs) -> Server:
        server = Server(self, name, **kwargs)
        self.servers.append(server)
        return server


def _extension_args(scratch: Path) -> tuple[list[str], dict]:
    """A JupyterLab venv without the project installed gets this checkout's halves: the
    package on PYTHONPATH, the built labextension through an extra labextensions path."""
    import importlib.util

    from jupyter_core.paths import jupyter_path

    args, env = [], {}
    if importlib.util.find_spec("jupyterlab_kernel_manager") is None:
        env["PYTHONPATH"] = str(ROOT)
        say(f"jupyterlab_kernel_manager is not installed in {sys.prefix}: using {ROOT}")
    if not any(
        Path(d, "jupyterlab-kernel-manager", "package.json").is_file()
        for d in jupyter_path("labextensions")
    ):
        built = ROOT / "jupyterlab_kernel_manager" / "labextension"
        if (built / "package.json").is_file():
            (scratch / "labextensions").mkdir()
            (scratch / "labextensions" / "jupyterlab-kernel-manager").symlink_to(built)
            args.append(f"--LabApp.extra_labextensions_path={scratch / 'labextensions'}")
    return args, env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``jupyter lab`` (or ``jupyter server``) on 127.0.0.1 with a token and the extension,
    in its own process group, stopped as one."""

    def __init__(self, scratch: Scratch, name: str, app: str = "lab", args=(), env=None):
        self.scratch, self.name, self.app = scratch, name, app
        self.args, self.env = list(args), dict(env or {})
        self.token = secrets.token_hex(24)
        self.proc: subprocess.Popen | None = None
        self.log = scratch.path / f"server-{name}.log"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start(self) -> Server:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        argv = [
            JUPYTER,
            self.app,
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            "--no-browser",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.scratch.path / 'root'}",
            '--ServerApp.jpserver_extensions={"jupyterlab_kernel_manager": True}',
        ]
        if self.app == "lab":
            argv += [
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                *self.scratch.server_args,
            ]
        if os.getuid() == 0:
            argv.append("--allow-root")
        env = {**os.environ, **self.scratch.server_env, **self.env}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                argv + self.args,
                cwd=self.scratch.path / "root",
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait(self, timeout: float = 90.0) -> float:
        """Until it answers ``api/status`` with the extension loaded; returns the seconds
        since the start."""
        start = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"server {self.name} exited:\n{self.tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if (
                    Client(self.base, self.token, 5).call("GET", "api/status", check=False).status
                    == 200
                ):
                    break
            if time.monotonic() - start > timeout:
                raise SystemExit(
                    f"server {self.name} did not answer in {timeout:g} s\n{self.tail()}"
                )
            time.sleep(0.05)
        if not re.search(
            r"jupyterlab_kernel_manager.*extension was successfully loaded", self.tail(0)
        ):
            raise SystemExit(f"the extension did not load in server {self.name}:\n{self.tail()}")
        return time.monotonic() - start

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:]) if lines else text

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        with contextlib.suppress(ProcessLookupError):  # anything of its group left
            os.killpg(self.proc.pid, signal.SIGKILL)


# --- HTTP ---------------------------------------------------------------------------


class Reply(NamedTuple):
    status: int
    data: Any  # the decoded JSON, else the bytes
    seconds: float  # from sending the request to having read the whole body
    size: int


class Client:
    """One keep-alive HTTP/1.1 connection to a Jupyter server, with its token."""

    def __init__(self, base: str, token: str, timeout: float = 120) -> None:
        url = urlsplit(base)
        self.host, self.port, self.timeout = url.hostname, url.port, timeout
        self.prefix = url.path if url.path.endswith("/") else url.path + "/"
        self.base, self.token = base, token
        self.headers = {"Authorization": f"token {token}", "Accept": "application/json"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def call(self, method: str, path: str, body=None, check: bool = True) -> Reply:
        """A request; with ``check``, anything but 2xx ends the bench."""
        headers = dict(self.headers)
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body), "application/json"
        # A keep-alive connection the server closed is retried once, anew (not a POST).
        for attempt in (1, 2):
            start = time.perf_counter()
            try:
                self.conn.request(method, self.prefix + path, data, headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt == 2 or method == "POST":
                    raise
        took = time.perf_counter() - start
        decoded = json.loads(raw) if raw[:1] in (b"[", b"{") else raw
        if check and not 200 <= response.status < 300:
            raise SystemExit(f"{method} {path}: {response.status} {raw[:300]!r}")
        return Reply(response.status, decoded, took, len(raw))

    def get(self, path: str) -> Any:
        return self.call("GET", path).data

    def ws_url(self, path: str) -> str:
        return f"ws://{self.host}:{self.port}{self.prefix}{path}"


def execute_request(code: str, session: str) -> tuple[str, str]:
    """A kernel's execute_request for its websocket: (msg_id, the message as JSON)."""
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "bench"}
    header.update(session=session, version="5.3", date=datetime.now(timezone.utc).isoformat())
    content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}}
    content.update(allow_stdin=False, stop_on_error=True)
    message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
    return msg_id, json.dumps({**message, "channel": "shell", "buffers": []})


# --- the browser part, results ---------------------------------------------------------


def node(scratch: Scratch, script: str, *args) -> dict:
    """Runs ``node bench/SCRIPT ARGS... RESULT_JSON`` in its own process group (stopped
    with it on Ctrl-C) and returns what it wrote."""
    out = scratch.path / f"{Path(script).stem}-{uuid.uuid4().hex[:6]}.json"
    argv = ["node", str(BENCH / script), *map(str, args), str(out)]
    # Chromium's profile and the rest of its temporary files go with the scratch directory.
    (scratch.path / "tmp").mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(scratch.path / "tmp")}
    proc = subprocess.Popen(argv, env=env, start_new_session=True)
    try:
        status = proc.wait()
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if status != 0:
        raise SystemExit(f"{script} failed (exit status {status})")
    return json.loads(out.read_text())


def save(name: str, result: dict, verdicts: list[str]) -> Path:
    """Keeps every figure in bench/results/NAME-<UTC date>.json and prints the verdicts."""
    now = datetime.now(timezone.utc)
    path = BENCH / "results" / f"{name}-{now:%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(exist_ok=True)
    machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "load": loadavg()}
    record = {"date": now.isoformat(timespec="seconds"), "machine": machine, **result}
    path.write_text(json.dumps({**record, "verdicts": verdicts}, indent=1, default=str))
    print(f"\nVerdicts (load average {loadavg()})")
    for line in verdicts:
        print(f"  {line}")
    say(f"figures kept in {path.relative_to(ROOT)}")
    return path
