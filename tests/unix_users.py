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
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psutil

from jupyterlab_kernel_manager.backends import find_uv

LOCK_DIR = Path("/var/tmp")
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
    key = hashlib.sha256(
        "\n".join((version, *INSTALL_OPTIONS, *requirements)).encode()
    )
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
                [uv, "pip", "install", *INSTALL_OPTIONS]
                + ["--python", str(python), *requirements],
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
