"""What the process history's hostile tests share (tests/test_history_hostile.py,
tests/test_history_held.py): the server's config, a wrapper of its ProcessTable's scan
that adds processes, fails or holds a scan in its thread (``Table``), a wall clock that
jumps (``Clock``), and injected processes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from types import SimpleNamespace

from fake_hub_identity import FakeHubIdentityProvider

from jupyterlab_kernel_manager import history
from jupyterlab_kernel_manager import processes as processes_module
from jupyterlab_kernel_manager.proctable import Proc

YEAR = 365 * 86400
# Above any Linux pid (at most 2^22): the injected processes never meet real ones.
FAKE_PID = 2**22 + 1


def server_config(monkeypatch, step, km_settings, cull=None, hub_user=None) -> dict:
    """jp_server_config: slots of ``step`` seconds, and the given settings."""
    monkeypatch.setattr(history, "STEP", step)
    server = {
        "jpserver_extensions": {
            "jupyterlab_kernel_manager": True,
            "jupyter_server_terminals": False,
        },
        "allow_unauthenticated_access": False,
    }
    config = {"ServerApp": server, "KernelManagerConfig": km_settings}
    if cull is not None:
        config["MappingKernelManager"] = cull
    if hub_user is not None:
        server["identity_provider_class"] = FakeHubIdentityProvider
        config["FakeHubIdentityProvider"] = {"hub_user": hub_user}
    return config


class Table:
    """Stands between the server and its ProcessTable's scan."""

    def __init__(self, real) -> None:
        self.real = real
        self.extra: list[Proc] = []
        self.fail: Exception | None = None
        self.gate: threading.Event | None = None  # the next scan waits for it
        self.entered = threading.Event()
        self.calls = 0

    def scan(self, measure_uid):
        self.calls += 1
        self.entered.set()
        gate, self.gate = self.gate, None
        if gate is not None:
            gate.wait(30)
        if self.fail is not None:
            raise self.fail
        return self.real(measure_uid) + list(self.extra)


class Clock:
    """time.time() moved by ``offset`` seconds."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def fake_proc(i: int, uid: int, user: str, rss: int = 1 << 20, **fields) -> Proc:
    proc = Proc(
        pid=FAKE_PID + i,
        ppid=FAKE_PID + i,  # no parent: an "other" process
        name="fake",
        state="sleeping",
        started_at=1.0,
        uid=uid,
        user=user,
        cmdline=["fake"],
        rss=rss,
        threads=1,
        cpu_percent=1.0,
        uss=None,
        pss=None,
    )
    return proc._replace(**fields)


async def get_history(km, **params):
    status, body, _ = await km("processes", "history", params=params or None)
    assert status == 200, body
    return body


async def wait_for(predicate, timeout=10.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


def strict_json(data: bytes):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(data, parse_constant=refuse)


def wrap_table(monkeypatch, processes) -> Table:
    wrapper = Table(processes.table.scan)
    monkeypatch.setattr(processes.table, "scan", wrapper.scan)
    return wrapper


def move_clock(monkeypatch, processes) -> Clock:
    """The wall clock the scans and the history read, moved by the test."""
    moved = Clock()
    monkeypatch.setattr(
        processes_module, "time", SimpleNamespace(time=moved, monotonic=time.monotonic)
    )
    monkeypatch.setattr(processes.history, "_clock", moved)
    return moved
