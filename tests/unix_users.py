"""Real Unix accounts for multi-user tests (one per hub user, as on TLJH).

Only root can make them; callers skip otherwise. The names are fixed, so a lock
file makes test runs on the same machine take turns. Everything run as these
accounts is killed before they are removed.

Servers run as another account need a Python that account can read: root's own
(a pyenv build in root's private home, and this repository's .venv made from it)
is not. ``shared_python()`` builds a venv from Debian's /usr/bin/python3 in
/var/tmp, readable by everyone, once per set of requirements (uv from PyPI, a few
seconds), and reuses it on later runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil

from jupyterlab_kernel_manager.backends import find_uv

LOCK_DIR = Path("/var/tmp")
SERVER_START = 60.0
LOCK_WAIT = 90.0
SYSTEM_PYTHON = "/usr/bin/python3"
# jupyterhub: its JupyterHubUser class, for the fake hub identity provider.
SHARED_REQUIREMENTS = (
    "jupyter_server>=2.4,<3",
    "psutil",
    "packaging>=22",
    "jupyterhub>=5,<6",
)
# Copies, not links into root's private cache; bytecode compiled now, because the
# accounts that run it cannot write __pycache__ there.
INSTALL_OPTIONS = ("--quiet", "--link-mode", "copy", "--compile-bytecode")
PACKAGE = Path(__file__).resolve().parents[1] / "jupyterlab_kernel_manager"
TESTS = Path(__file__).resolve().parent
_USER_CACHE = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")


@contextlib.contextmanager
def locked(name: str, wait: float = LOCK_WAIT):
    """Holds /var/tmp/<name> exclusively (waits up to ``wait`` seconds)."""
    with open(LOCK_DIR / name, "a") as lock:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another test run holds {lock.name}") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def unix_accounts(*names: str):
    """Creates the accounts (home directories included); gives name -> pwd entry."""
    with locked("km-test-users.lock"):
        for name in names:
            remove_account(name)  # left over by a run that crashed
        try:
            for name in names:
                subprocess.run(
                    ["useradd", "--create-home", "--shell", "/bin/sh", name],
                    check=True,
                    capture_output=True,
                    timeout=30,
                )
            yield {name: pwd.getpwnam(name) for name in names}
        finally:
            for name in names:
                remove_account(name)


def remove_account(name: str) -> None:
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    kill_processes_of(uid)
    subprocess.run(
        ["userdel", "--remove", "--force", name],
        check=True,
        capture_output=True,
        timeout=30,
    )


def kill_processes_of(uid: int) -> None:
    """Kills each process of a test account (only tests start any)."""
    procs = [
        p
        for p in psutil.process_iter(["uids"])
        if p.info["uids"] is not None and p.info["uids"].real == uid
    ]
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(procs, timeout=10)


def run_as(account, argv, *, env=None, **kwargs) -> subprocess.Popen:
    """Starts ``argv`` as ``account`` (like ``runuser -u``, but the pid is argv's own)."""
    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": account.pw_dir,
        "USER": account.pw_name,
        "LOGNAME": account.pw_name,
        "LANG": "C.UTF-8",
        **(env or {}),
    }
    return subprocess.Popen(
        argv,
        user=account.pw_uid,
        group=account.pw_gid,
        extra_groups=[],
        cwd=account.pw_dir,
        env=environment,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def shared_python(requirements=SHARED_REQUIREMENTS) -> str:
    """A python every account can run, with ``requirements`` installed (one venv per
    set of requirements)."""
    version = subprocess.run(
        [SYSTEM_PYTHON, "-VV"], capture_output=True, text=True, check=True
    ).stdout
    key = hashlib.sha256("\n".join((version, *INSTALL_OPTIONS, *requirements)).encode())
    venv = LOCK_DIR / f"km-test-venv-{key.hexdigest()[:12]}"
    python = venv / "bin" / "python"
    with locked("km-test-venv.lock", wait=300):
        if (venv / ".complete").is_file():
            return str(python)
        shutil.rmtree(venv, ignore_errors=True)
        uv = find_uv()
        env = {**os.environ, "UV_CACHE_DIR": os.path.join(_USER_CACHE, "uv")}
        try:
            subprocess.run(
                [uv, "venv", "--quiet", "--python", SYSTEM_PYTHON, str(venv)],
                check=True,
                env=env,
                timeout=120,
            )
            subprocess.run(
                [uv, "pip", "install", *INSTALL_OPTIONS, "--python", str(python), *requirements],
                check=True,
                env=env,
                timeout=240,
            )
            subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
        except BaseException:
            shutil.rmtree(venv, ignore_errors=True)
            raise
        (venv / ".complete").write_text("")
    return str(python)


def readable_copy(into: Path) -> Path:
    """The package (without its built frontend) and the fake hub identity provider,
    copied where any account can import them: give the result as PYTHONPATH."""
    into.mkdir(mode=0o755, parents=True)
    os.chmod(into, 0o755)
    shutil.copytree(
        PACKAGE,
        into / PACKAGE.name,
        ignore=shutil.ignore_patterns("labextension", "__pycache__"),
    )
    shutil.copy(TESTS / "fake_hub_identity.py", into)
    subprocess.run(["chmod", "-R", "a+rX", str(into)], check=True)
    return into


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Jupyter server started by ``start_server``, and the way to call it."""

    def __init__(self, process, port, token, log):
        self.process, self.port, self.token, self.log = process, port, token, log

    def call(self, path, body=None, method=None):
        """(status, JSON body or None); GET, or POST when there is a body."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method or ("GET" if body is None else "POST"),
            headers={"Authorization": f"token {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                reply = response.read()
                return response.status, json.loads(reply) if reply else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def wait_until_up(self, deadline=None):
        """Until it answers; ``pytest.fail`` with its log if it exits or is late."""
        import pytest

        if deadline is None:
            deadline = time.monotonic() + SERVER_START
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"server exited:\n{Path(self.log).read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if self.call("api/status")[0] == 200:
                    return
            if time.monotonic() > deadline:
                pytest.fail(f"server not up:\n{Path(self.log).read_text()[-3000:]}")
            time.sleep(0.2)


def start_server(account, python, pythonpath, workdir, config, env=None) -> Server:
    """A Jupyter server as ``account``; its whole configuration is ``config``,
    its environment ``env`` besides the Python path and config directory."""
    port, token = free_port(), uuid.uuid4().hex
    config_dir = workdir / f"config-{port}"
    config_dir.mkdir(mode=0o755)
    settings = {
        "ServerApp": {
            "ip": "127.0.0.1",
            "port": port,
            "port_retries": 0,
            "open_browser": False,
            "root_dir": account.pw_dir,
            "jpserver_extensions": {"jupyterlab_kernel_manager": True},
            **config.get("ServerApp", {}),
        },
        "IdentityProvider": {"token": token},
        **{k: v for k, v in config.items() if k != "ServerApp"},
    }
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(settings))
    (config_dir / "jupyter_server_config.json").chmod(0o644)
    log = workdir / f"server-{port}.log"
    with open(log, "wb") as output:
        process = run_as(
            account,
            [python, "-m", "jupyter_server"],
            env={
                "PYTHONPATH": pythonpath,
                "JUPYTER_CONFIG_DIR": str(config_dir),
                "JUPYTER_PLATFORM_DIRS": "1",
                **(env or {}),
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(process, port, token, str(log))
