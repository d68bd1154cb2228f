"""Shared environments against hostile users and accidents (a review's findings).

The helper runs here as a child process, as sudo runs it, with its settings
given on the command line instead of the root-owned file (``RUNNER``), so a test
can hand it settings that were true when read and are not any more. A "user"
is ``nobody`` (uid 65534) trying things with the system Python.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace as Hubbed

import psutil
import pytest
from helpers import unavailable

from jupyterlab_kernel_manager import envdirs, shared, sharedhelper
from jupyterlab_kernel_manager.backends import Backend
from jupyterlab_kernel_manager.environments import CreationRequest
from jupyterlab_kernel_manager.errors import Conflict

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the helper runs as root")
NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"
PYTHON = "{}.{}".format(*sys.version_info[:2])
RUNNER = """
import json, sys
from jupyterlab_kernel_manager import sharedhelper, sharedsettings
settings = sharedsettings.SharedSettings(**json.loads(sys.argv[1]))
sharedsettings.load = lambda *a, **k: settings
sys.exit(sharedhelper.main(sys.argv[2:]))
"""


def helper(settings: dict, *argv: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-I", "-c", RUNNER, json.dumps(settings), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def run_helper(settings: dict, *argv: str, timeout: float = 300) -> tuple[int, str]:
    child = helper(settings, *argv)
    out, _ = child.communicate(timeout=timeout)
    return child.returncode, out


def create_argv(name: str, *packages: str) -> list[str]:
    head = ["create", name, "--backend", "uv", "--python", PYTHON, "--display-name", name]
    return [*head, "--", *packages]


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A root-owned directory nobody else may write (as in test_shared.py)."""
    for parent in tmp_path.parents:
        if (
            parent != Path("/")
            and parent.stat().st_mode & 0o022
            and not parent.stat().st_mode & 0o1000
        ):
            unavailable(f"{parent} is writable by others: no secure place for the settings")
    tmp_path.chmod(0o755)
    return tmp_path


@pytest.fixture
def visible_place(place) -> Path:
    """A root-owned directory ``nobody`` may reach (pytest's are inside 0700 ones,
    test.sh's too): a test that nobody cannot open something must not pass
    because nobody gets nowhere. In /var/tmp, removed after."""
    reachable = Path(tempfile.mkdtemp(prefix="km-shared-test-", dir="/var/tmp"))
    try:
        reachable.chmod(0o755)
        assert nobody_can_open([reachable]) == [str(reachable)]
        yield reachable
    finally:
        shutil.rmtree(reachable, ignore_errors=True)


@pytest.fixture
def settings(place) -> dict:
    return {
        "enabled": True,
        "environments_dir": str(place / "envs"),
        "kernels_dir": str(place / "kernels"),
        "backends": ["uv"],
    }


def nobody_can_open(paths: list[Path]) -> list[str]:
    """The paths ``nobody`` can open (and so flock, and stall root's tools with)."""
    code = (
        "import os, sys\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        os.close(os.open(path, os.O_RDONLY))\n"
        "        print(path)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    answer = subprocess.run(
        [SYSTEM_PYTHON, "-I", "-c", code, *map(str, paths)],
        user=NOBODY,
        group=NOBODY,
        extra_groups=[],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    return answer.stdout.split()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason="no system Python for nobody")
def test_no_user_can_hold_the_locks_root_waits_for(visible_place):
    """uv makes its lock files writable by all and waits for whoever holds one; the
    helper's own lock refused every change while anyone held it. A user who could
    open one could stall or refuse every change to the shared environments."""
    settings = {
        "enabled": True,
        "environments_dir": str(visible_place / "envs"),
        "kernels_dir": str(visible_place / "kernels"),
        "backends": ["uv"],
    }
    code, out = run_helper(settings, *create_argv("locks"))
    assert code == 0, out
    code, out = run_helper(settings, "install", "locks", "--", "six")
    assert code == 0, out
    envs = Path(settings["environments_dir"])
    locks = [path for path in envs.rglob("*") if path.name.endswith(".lock")]
    # The helper's, uv's in the environment, uv's in its cache.
    assert {
        envs / ".locks.lock",
        envs / "locks" / ".lock",
        envs / ".cache" / "uv" / ".lock",
    } <= set(locks)
    assert nobody_can_open(locks) == []
    # Everyone still reads the environment and runs its interpreter.
    readable = [envs / "locks" / "pyvenv.cfg", envs / "locks" / ".kernel-manager.json"]
    assert nobody_can_open(readable) == list(map(str, readable))


@pytest.mark.slow
def test_a_killed_creation_can_be_removed(settings):
    """SIGKILL (the OOM killer) or a restart in the middle of a creation left its
    claim for ever: "being created" to a removal, "exists" to a new creation."""
    envs = Path(settings["environments_dir"])
    child = helper(settings, *create_argv("killed", "numpy"))
    deadline = time.monotonic() + 120
    while not (envs / "killed" / "pyvenv.cfg").exists():
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    claim = envdirs.marker_path(str(envs), "killed")
    assert os.path.exists(claim)
    # Its step died with it: nothing writes into the name once it is free again.
    deadline = time.monotonic() + 10
    while _writers(envs / "killed"):
        assert time.monotonic() < deadline, _writers(envs / "killed")
        time.sleep(0.05)
    # Its working directory, older than any job lasts, is swept (below).
    (job_dir,) = envs.glob(".job-*")
    os.utime(job_dir, (0, 0))

    code, out = run_helper(settings, "remove", "killed")
    assert code == 0, out
    assert not os.path.lexists(claim) and not (envs / "killed").exists()
    assert not (Path(settings["kernels_dir"]) / "killed").exists()
    # The name is free again; the next job sweeps the killed one's directory.
    code, out = run_helper(settings, *create_argv("killed"))
    assert code == 0, out
    assert not job_dir.exists()


def test_a_running_creation_is_not_removed(settings):
    envs = Path(settings["environments_dir"])
    (envs / "busy").mkdir(parents=True)
    envdirs.claim(str(envs), "busy", "job", "uv")  # this process: alive
    code, out = run_helper(settings, "remove", "busy")
    assert code == sharedhelper.REFUSED and "being created" in out
    assert (envs / "busy").is_dir()


def _writers(path: Path) -> list[int]:
    needle = str(path)
    return [
        process.pid
        for process in psutil.process_iter(["cmdline"])
        if any(needle in str(word) for word in process.info.get("cmdline") or [])
    ]


def test_directories_are_never_made_through_a_planted_link(settings, place):
    """Settings read while a/ did not exist under a sticky directory; a user then
    makes a/ a link (here to a root directory standing for /etc): root must not
    make envs/ there."""
    sticky = place / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    target = place / "etc"
    target.mkdir()
    settings["environments_dir"] = str(sticky / "a" / "envs")
    (sticky / "a").symlink_to(target)
    code, out = run_helper(settings, *create_argv("x"))
    assert code == sharedhelper.REFUSED, out
    assert "symbolic link" in out
    assert list(target.iterdir()) == []


class Jobs:
    def __init__(self, running=None):
        self.running = running

    def running_for(self, name):
        return self.running


class FakeEnvironments:
    """What SharedEnvironments uses of Environments, recorded."""

    def __init__(self, running=None):
        self.jobs = Jobs(running)
        self.steps: list = []
        self.shut_down: list = []

    async def creation_request(self, body):
        backend = Backend("uv", True, executable="uv", pythons={PYTHON: PYTHON})
        return CreationRequest("fine", body["display_name"], backend, PYTHON, ["six"], False)

    async def start_job(self, kind, name, steps):
        self.steps = steps

    async def shut_down_kernels_of(self, kernels, name):
        self.shut_down.append(name)
        return []


def admin_manager(monkeypatch, environments) -> shared.SharedEnvironments:
    async def allowed(self, current_user, settings=None):
        return True, None

    monkeypatch.setattr(shared.SharedEnvironments, "may_manage", allowed)
    return shared.SharedEnvironments(environments)  # type: ignore[arg-type]


@pytest.mark.parametrize("display_name", ["-x", "--system-site-packages", "--", "--backend=conda"])
def test_display_names_are_never_read_as_options(monkeypatch, settings, display_name):
    """The server passed ``--display-name VALUE``: "-x" made the helper fail after
    the route had answered 202, "--" cut the arguments short."""
    environments = FakeEnvironments()
    manager = admin_manager(monkeypatch, environments)
    monkeypatch.setattr(manager, "settings", _settings(settings))
    asyncio.run(manager.create(Hubbed(username="admin"), {"display_name": display_name}, dict))
    (argv,) = environments.steps
    args = sharedhelper.parse(argv[argv.index(shared.HELPER) + 1 :])
    assert (args.display_name, args.backend, args.system_site_packages) == (
        display_name,
        "uv",
        False,
    )
    assert args.requirements == ["six"]


def test_a_forced_removal_shuts_nothing_down_while_a_job_runs(monkeypatch, settings):
    """The helper refuses a change while another runs: the kernels must not have
    been shut down first, for nothing."""
    envs = Path(settings["environments_dir"])
    (envs / "inuse").mkdir(parents=True)
    envdirs.write_metadata(str(envs / "inuse"), {"backend": "uv", "shared": True})
    (envs / "inuse" / "pyvenv.cfg").write_text("uv = 0.13\n")
    environments = FakeEnvironments(running=Hubbed(kind="install"))
    manager = admin_manager(monkeypatch, environments)
    monkeypatch.setattr(manager, "settings", _settings(settings))
    with pytest.raises(Conflict) as refusal:
        asyncio.run(manager.remove(Hubbed(username="admin"), "inuse", None, force=True))
    assert refusal.value.reason == "busy"
    assert environments.shut_down == []


def _settings(values: dict):
    from jupyterlab_kernel_manager.sharedsettings import SharedSettings

    async def load():
        return SharedSettings(
            values["enabled"], values["environments_dir"], values["kernels_dir"], ("uv",)
        )

    return load
