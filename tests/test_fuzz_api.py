"""Schemathesis against a real Jupyter server: every operation of openapi.json, with
schema-valid and schema-invalid requests; each reply must be one the document lists
(status, headers, body schema), never a 5xx, and valid requests must not be refused
as malformed nor invalid ones accepted.

The server is ``python -m jupyter_server`` in a subprocess with its own HOME and
Jupyter directories under pytest's tmp_path, in a PID namespace of its own (the
fuzzer sends KILL to whatever pids it draws: there, only the server's own children
exist). Creating environments really runs uv, offline (from uv's cache: no
package index is asked for what the fuzzer draws), with at most three environments.

Run alone: ``.venv/bin/python -m pytest tests/test_fuzz_api.py``.
"""

from __future__ import annotations

import collections
import copy
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
import requests
import schemathesis
from helpers import unavailable
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

from jupyterlab_kernel_manager.backends import find_uv

pytestmark = pytest.mark.slow

DOCUMENT = Path(__file__).parents[1] / "jupyterlab_kernel_manager" / "openapi.json"
BASE_URL = "/user/fuzz/"
# Cases per operation beyond the coverage cases and the examples (all of them
# deterministic: the same cases on every run).
MAX_EXAMPLES = 100
START_TIMEOUT = 60.0
# Read before any fixture points HOME elsewhere: uv reads its cache from there.
_USER_CACHE = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")


def _isolation() -> list[str] | None:
    """A command prefix that runs its command in a new PID namespace with its own
    /proc; the first that works here (root, else an unprivileged user namespace)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    common = ["--pid", "--fork", "--mount-proc", "--kill-child"]
    for prefix in ([unshare, *common], [unshare, "--user", "--map-root-user", *common]):
        probe = subprocess.run([*prefix, "true"], capture_output=True, check=False, timeout=30)
        if probe.returncode == 0:
            return prefix
    return None


def _write_spec(kernels: Path, name: str, text: str | None = None) -> None:
    spec_dir = kernels / name
    spec_dir.mkdir(parents=True)
    if text is None:
        spec = {
            "argv": [
                sys.executable,
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
            ],
            "display_name": name,
            "language": "python",
        }
        text = json.dumps(spec)
    (spec_dir / "kernel.json").write_text(text, encoding="utf-8")


def _warm_uv_cache(venv: Path, env: dict) -> None:
    """Put what every environment needs into uv's cache (from the index only when
    the cache lacks it), so that the server's offline creations can succeed."""
    uv = find_uv()
    assert uv is not None
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], env=env, check=True)
    install = [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
    try:
        for offline in (["--offline"], []):
            done = subprocess.run([*install, *offline, "ipykernel", "pip"], env=env, check=False)
            if done.returncode == 0:
                return
        raise RuntimeError("uv could not install ipykernel and pip")
    finally:
        shutil.rmtree(venv, ignore_errors=True)


class FuzzServer:
    """A jupyter_server subprocess with the extension, and the way to call it."""

    def __init__(self, root: Path, prefix: list[str]) -> None:
        self.root = root
        self.token = uuid.uuid4().hex
        dirs = {name: root / name for name in ("home", "config", "data", "runtime", "work")}
        for directory in dirs.values():
            directory.mkdir()
        self.data = dirs["data"]
        self.envs = root / "envs"
        kernels = self.data / "kernels"
        _write_spec(kernels, "fuzz-user")
        _write_spec(kernels, "fuzz-protected")
        _write_spec(kernels, "fuzz-malformed", "{not json")
        config = {
            "ServerApp": {
                "ip": "127.0.0.1",
                "port": 0,
                "port_retries": 0,
                "open_browser": False,
                "allow_root": True,
                "base_url": BASE_URL,
                "root_dir": str(dirs["work"]),
                "allow_unauthenticated_access": False,
                "jpserver_extensions": {
                    "jupyterlab_kernel_manager": True,
                    "jupyterlab": False,
                    "jupyter_lsp": False,
                    "notebook_shim": False,
                    "jupyter_server_terminals": False,
                },
            },
            "IdentityProvider": {"token": self.token},
            "FileContentsManager": {"delete_to_trash": False},
            "KernelManagerConfig": {
                "environments_dir": str(self.envs),
                "allowed_backends": ["uv"],
                "default_backend": "uv",
                "max_environments": 3,
                "creation_timeout": 30.0,
                "protected_kernelspecs": ["fuzz-protected"],
            },
        }
        config_file = dirs["config"] / "jupyter_server_config.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("JUPYTER", "PYTHONPATH"))
        }
        env.update(
            HOME=str(dirs["home"]),
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(self.data),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            UV_CACHE_DIR=os.environ.get("UV_CACHE_DIR") or os.path.join(_USER_CACHE, "uv"),
        )
        _warm_uv_cache(root / "warm", env)
        # Installers never ask a package index: what the fuzzer draws fails fast.
        env.update(UV_OFFLINE="1", PIP_NO_INDEX="1")
        self.log = (root / "server.log").open("wb")
        # A child besides the server in its namespace: a process the fuzzer may signal.
        self.process = subprocess.Popen(
            [
                *prefix,
                "sh",
                "-c",
                'sleep 600 & exec "$@"',
                "sh",
                sys.executable,
                "-m",
                "jupyter_server",
                f"--config={config_file}",
            ],
            env=env,
            cwd=dirs["work"],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = self._wait_until_up(dirs["runtime"]).rstrip("/")
        self.api = self.url + "/kernel-manager"
        self.headers = {"Authorization": f"token {self.token}"}

    def _wait_until_up(self, runtime: Path) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            for info in runtime.glob("jpserver-*.json"):
                try:
                    url = json.loads(info.read_text())["url"]
                    reply = requests.get(
                        url + "api/status",
                        headers={"Authorization": f"token {self.token}"},
                        timeout=5,
                    )
                except (ValueError, KeyError, requests.RequestException):
                    continue
                if reply.status_code == 200:
                    return url
            time.sleep(0.1)
        self.stop()
        log = (self.root / "server.log").read_text(errors="replace")
        raise RuntimeError(f"the server did not start:\n{log[-4000:]}")

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, self.api + path, headers=self.headers, timeout=60, **kwargs)

    def stop(self) -> None:
        # unshare ignores SIGTERM while it waits for the namespace's init, the
        # server: that one is stopped, and with it every process of the namespace.
        # Killing unshare instead also kills it (--kill-child).
        if self.process.poll() is None:
            for child in psutil.Process(self.process.pid).children():
                child.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    prefix = _isolation()
    if prefix is None:
        unavailable("no PID namespace (unshare): the fuzzer would signal any process here")
    root = tmp_path_factory.mktemp("fuzz")
    try:
        server = FuzzServer(root, prefix)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _created_environment(server: FuzzServer, name: str) -> str:
    """Create an environment through the API; gives the job's id."""
    reply = server.call("POST", "/environments", json={"name": name})
    assert reply.status_code == 202, reply.text
    job = reply.json()["job"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = server.call("GET", f"/jobs/{job}").json()
        if state["state"] != "running":
            assert state["state"] == "succeeded", state
            return job
        time.sleep(0.2)
    raise AssertionError(f"creating {name} did not end: {job}")


def fuzzed_document(server: FuzzServer) -> dict:
    """The shipped document, with what only this server can say: which backends and
    Pythons it offers, and examples naming the resources the fixture made (so that
    successful answers are exercised, not only refusals)."""
    document = copy.deepcopy(json.loads(DOCUMENT.read_text(encoding="utf-8")))
    # The operations run in the document's order: removals before package listings.
    job = _created_environment(server, "fuzz-env")
    _created_environment(server, "fuzz-doomed")
    found = server.call("GET", "/backends").json()
    backends = [b for b in found["backends"] if b["available"]]
    schemas = document["components"]["schemas"]
    create = schemas["CreateEnvironment"]["properties"]
    create["backend"]["enum"] = [*(b["name"] for b in backends), None]
    pythons = sorted({p for b in backends for p in b["pythons"]})
    create["python"]["enum"] = [*pythons, None]
    # No schema can say which file contents are acceptable, so valid requests
    # carry none (requirementfiles.py has tests of its own); a malformed body may
    # still hold one, and must get a 4xx.
    del create["requirements_file"]
    parameters = document["components"]["parameters"]
    examples = {
        "KernelspecName": ["fuzz-user", "fuzz-malformed", "fuzz-protected", "python3"],
        "EnvironmentName": ["fuzz-env", "absent-env"],
        "JobId": [job],
        # 1 is the server (the namespace's init), 2 the sleeper started beside it.
        "Pid": [1, 2],
    }
    for name, values in examples.items():
        parameters[name] = _with_examples(parameters[name], values)
    removal = document["paths"]["/kernel-manager/environments/{name}"]
    removal["parameters"] = [
        _with_examples(parameters["EnvironmentName"], ["fuzz-doomed", "absent-env"])
    ]
    return document


def _with_examples(parameter: dict, values: list) -> dict:
    parameter = {key: value for key, value in parameter.items() if key != "example"}
    parameter["examples"] = {f"e{i}": {"value": v} for i, v in enumerate(values)}
    return parameter


@pytest.fixture(scope="module")
def api_schema(fuzz_server):
    config = SchemathesisConfig.from_dict(
        {
            "base-url": fuzz_server.url,
            "auth": {"openapi": {"token": {"api_key": f"token {fuzz_server.token}"}}},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "mode": "all",
            },
            "request-timeout": 60,
        }
    )
    return schemathesis.openapi.from_dict(fuzzed_document(fuzz_server), config=config)


class FuzzRecord:
    """What each operation answered, and every distinct failure with how often it
    happened and one reproduction (the token is filtered out)."""

    def __init__(self) -> None:
        self.answers: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.seconds: collections.Counter = collections.Counter()
        self.failures: dict[tuple, list] = {}

    def answered(self, case, response, seconds: float) -> None:
        self.answers[case.operation.label][response.status_code] += 1
        self.seconds[case.operation.label] += seconds

    def failed(self, case, response, group: FailureGroup) -> None:
        for failure in group.exceptions:
            key = (
                case.operation.label,
                failure.code,
                failure.title,
                response.status_code,
            )
            if key in self.failures:
                self.failures[key][0] += 1
            else:
                self.failures[key] = [1, group.message]

    def summary(self) -> list[str]:
        lines = []
        for label in sorted(self.answers):
            counts = self.answers[label]
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(counts.items()))
            lines.append(
                f"{label}: {sum(counts.values())} cases in {self.seconds[label]:.1f} s ({statuses})"
            )
        total = sum(sum(c.values()) for c in self.answers.values())
        lines.append(f"total: {total} cases in {sum(self.seconds.values()):.1f} s")
        return lines

    def report(self) -> str:
        parts = [f"{len(self.failures)} distinct failures:"]
        for (label, code, title, status), (count, message) in sorted(self.failures.items()):
            parts.append(f"\n=== {label}: {code} {title} [{status}] x{count}\n{message}")
        return "\n".join(parts)


RECORD = FuzzRecord()


@pytest.fixture(scope="module")
def record():
    # conftest.py's pytest_terminal_summary prints what it holds at the end.
    return RECORD


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    # schemathesis 4.32 renames the running test after each operation through
    # ``node._nodeid``, which pytest 9.2 no longer has (it keeps ``_id``).
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api(case, record):
    """One case; its failures are recorded, so every operation runs all its cases
    and test_fuzzing_found_nothing reports every distinct failure at once."""
    started = time.monotonic()
    response = case.call()
    record.answered(case, response, time.monotonic() - started)
    try:
        case.validate_response(response)
    except FailureGroup as group:
        record.failed(case, response, group)


def test_fuzzing_found_nothing(record):
    assert record.answers, "test_api did not run"
    if record.failures:
        pytest.fail(record.report(), pytrace=False)
