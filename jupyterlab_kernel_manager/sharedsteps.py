"""How the shared environments' helper runs its tools as root (sharedhelper.py).

Each step gets a clean environment (nothing of the caller's), an empty working
directory and TMPDIR of its own, caches nobody but root may enter, a fresh lock
file of root's, and dies with the helper; SIGTERM, SIGINT and SIGHUP (sudo relays
the server's cancel) stop the running step.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import backends as tools
from . import envdirs
from .jobs import Fallback

SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
KILL_GRACE = 5.0
_PR_SET_PDEATHSIG = 1


class Refused(Exception):
    """Bad arguments or a state that forbids the work: nothing was changed."""


class Stopped(Exception):
    """SIGTERM, SIGINT or SIGHUP: the caller cancelled, or went away."""


def backend_for(name: str, python: str) -> tools.Backend:
    """The backend as root finds it: on the secure PATH and in this Python's prefix."""
    if name == "venv":
        same = python == "{}.{}".format(*sys.version_info[:2])
        interpreter = sys.executable if same else find(f"python{python}")
        if not interpreter:
            raise Refused(f"No Python {python} for venv on this machine.")
        return tools.Backend("venv", True, pythons={python: interpreter})
    if name == "uv":
        executable = find("uv")
    else:
        executable = next(filter(None, map(find, tools.CONDA_EXECUTABLES)), None)
    if not executable:
        raise Refused(f"The {name} backend is not installed for root.")
    return tools.Backend(name, True, executable=executable, pythons={python: python})


def find(program: str) -> str | None:
    return shutil.which(program, path=_path())


def _path() -> str:
    return f"{os.path.join(sys.prefix, 'bin')}:{SECURE_PATH}"


@contextlib.contextmanager
def workdir(root: str, timeout: float):
    """An empty working directory and TMPDIR for the tools, removed after (those
    of killed helpers too), and the tools' caches, where nobody but root goes:
    they hold lock files uv makes writable by all, and whoever holds one stalls
    every creation."""
    cache = os.path.join(root, ".cache")
    with contextlib.suppress(FileExistsError):
        os.mkdir(cache, 0o700)
    if os.path.islink(cache) or not os.path.isdir(cache):
        raise Refused(f"{cache} is not a directory.")
    os.chmod(cache, 0o700)
    for entry in os.scandir(root):
        job = entry.name.startswith(".job-") and entry.is_dir(follow_symlinks=False)
        if job and time.time() - entry.stat(follow_symlinks=False).st_mtime > timeout:
            envdirs.remove_own_tree(entry.path)
    workdir = tempfile.mkdtemp(dir=root, prefix=".job-")
    os.makedirs(os.path.join(workdir, "cwd"))
    os.makedirs(os.path.join(workdir, "tmp"))
    try:
        yield workdir
    finally:
        envdirs.remove_own_tree(workdir)


def _child_environment(root: str, workdir: str) -> dict[str, str]:
    """Nothing of the caller's: caches beside the shared environments, no uv
    configuration from a parent directory, the machine's certificates (as pip
    reads /etc/pip.conf, root's own)."""
    cache = os.path.join(root, ".cache")
    return {
        "PATH": _path(),
        "HOME": os.path.join(cache, "home"),
        "LANG": "C.UTF-8",
        "TMPDIR": os.path.join(workdir, "tmp"),
        "PYTHONUNBUFFERED": "1",
        "UV_CACHE_DIR": os.path.join(cache, "uv"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
        "UV_SYSTEM_CERTS": "1",
        "UV_NATIVE_TLS": "1",
        "PIP_CACHE_DIR": os.path.join(cache, "pip"),
        "CONDA_PKGS_DIRS": os.path.join(cache, "conda"),
    }


def run_step(step, workdir: str, path: str, deadline: float) -> None:
    if isinstance(step, Fallback):
        try:
            _run(list(step.first), workdir, path, deadline)
            return
        except subprocess.CalledProcessError:
            say(step.note)
            step = step.then
    _run(list(step), workdir, path, deadline)


def _run(argv: list[str], workdir: str, path: str, deadline: float) -> None:
    _own_uv_lock(path)
    say("$ " + shlex.join(argv))
    sys.stdout.flush()
    child = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=sys.stdout,
        stderr=subprocess.STDOUT,
        cwd=os.path.join(workdir, "cwd"),
        env=_child_environment(os.path.dirname(path), workdir),
        start_new_session=True,
        # Killed with us (SIGKILL, the OOM killer): never still writing into a
        # name that a removal of the abandoned claim frees.
        preexec_fn=die_with_parent,
    )
    try:
        status = child.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _stop(child)
        raise RuntimeError("timed out") from None
    except Stopped:
        _stop(child)
        raise
    if status != 0:
        raise subprocess.CalledProcessError(status, argv[0])


def _own_uv_lock(path: str) -> None:
    """uv locks ``<environment>/.lock``, a file it makes writable by all, and waits
    for whoever holds it: a new one, root's alone, before each step (uv keeps an
    existing lock's mode; a file someone opened before is unlinked)."""
    if os.path.islink(path) or not os.path.isdir(path):
        return
    lock = os.path.join(path, ".lock")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(lock)
    os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))


def _stop(child: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(KILL_GRACE)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signum)


@contextlib.contextmanager
def stoppable():
    """SIGTERM, SIGINT and SIGHUP raise Stopped; so does sudo's death."""

    signals = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def stop(signum, frame):
        # The clean-up after a stop must not be stopped halfway by a second signal
        # (the server's SIGKILL to sudo makes the kernel send us SIGTERM again).
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)
        raise Stopped

    for sig in signals:
        signal.signal(sig, stop)
    die_with_parent(signal.SIGTERM)
    yield


def say(text: str) -> None:
    print(text, flush=True)
