"""A thread id is not a process id: the signal route refuses it.

Linux answers /proc/<tid> and kill(<tid>) for any thread, and a signal sent that
way reaches the whole process. The server runs inside the test process, so a
signal that got through to one of its threads would reach pytest: SIGINT is
caught here and recorded instead, which keeps a failing run alive to report it.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading

import psutil
import pytest
from helpers import install_spec, run_in_kernel

from jupyterlab_kernel_manager.config import KernelManagerConfig
from jupyterlab_kernel_manager.errors import Forbidden, NotFound
from jupyterlab_kernel_manager.processes import Processes


@pytest.fixture
def interrupts():
    """SIGINTs this process receives while the test runs, recorded not raised."""
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(1))
    yield received
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def extra_thread():
    """One more thread in this process, so it has a thread that is not its main one."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="kmtest-extra")
    thread.start()
    yield thread
    stop.set()
    thread.join()


def thread_ids(pid: int) -> list[int]:
    """The process's threads other than the main one (whose id is the pid)."""
    return sorted(int(tid) for tid in os.listdir(f"/proc/{pid}/task") if tid != str(pid))


@pytest.fixture
def send(km):
    async def post(pid, name):
        status, reply, _ = await km(
            "processes", str(pid), "signal", method="POST", body={"signal": name}
        )
        return status, reply

    return post


async def test_the_servers_threads_are_not_processes(send, interrupts, extra_thread):
    tids = thread_ids(os.getpid())
    assert extra_thread.native_id in tids

    for tid in tids:
        status, reply = await send(tid, "INT")
        assert (status, reply.get("reason")) == (404, "not-found"), (tid, reply)
        assert str(tid) in reply["message"]
    # A signal is handled between bytecodes of the main thread: give it the chance.
    await asyncio.sleep(0.2)
    assert interrupts == []

    status, reply = await send(os.getpid(), "INT")
    assert (status, reply["reason"]) == (403, "server")


async def test_a_kernels_threads_are_not_processes(send, jp_fetch, jp_serverapp, user_kernels):
    install_spec(user_kernels, "pyk")
    reply = await jp_fetch("api", "kernels", method="POST", body='{"name": "pyk"}')
    kernel_id = json.loads(reply.body)["id"]
    pid = jp_serverapp.kernel_manager.get_kernel(kernel_id).provisioner.pid
    # Once it answers, ipykernel runs its heartbeat, IOPub and control threads.
    await run_in_kernel(jp_serverapp, kernel_id, "pass", timeout=60)
    kernel = psutil.Process(pid)
    tids = thread_ids(pid)
    assert len(tids) >= 2

    for tid in tids:
        status, reply = await send(tid, "KILL")
        assert (status, reply.get("reason")) == (404, "not-found"), (tid, reply)
    assert kernel.is_running() and kernel.status() != psutil.STATUS_ZOMBIE
    out, _ = await run_in_kernel(jp_serverapp, kernel_id, "print(6 * 7)", timeout=60)
    assert out.strip() == "42"

    # The kernel's own pid is a process of the user's: it is signalled.
    assert await send(pid, "KILL") == (200, {"pid": pid, "signal": "KILL"})
    kernel.wait(10)
    await jp_fetch("api", "kernels", kernel_id, method="DELETE")


@pytest.fixture(params=["pidfd", "psutil"])
def signal_path(request, monkeypatch):
    """Both ways of pinning a process: a pidfd, and psutil where there are none."""
    if request.param == "psutil":
        monkeypatch.delattr(os, "pidfd_open")
    return request.param


def test_the_threads_of_a_parent_of_the_server_are_not_processes(
    interrupts, extra_thread, signal_path
):
    """The server's parent here is this test process, with threads of its own."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        processes = Processes(KernelManagerConfig(), serverapp=None)
        processes.server_pid = child.pid

        for tid in thread_ids(os.getpid()):
            with pytest.raises(NotFound):
                processes.send_signal(str(tid), {"signal": "INT"})
        for pid in (child.pid, os.getpid()):
            with pytest.raises(Forbidden) as refused:
                processes.send_signal(str(pid), {"signal": "INT"})
            assert refused.value.reason == "server"
        assert interrupts == []
        assert child.poll() is None

        other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        assert processes.send_signal(str(other.pid), {"signal": "TERM"}) == {
            "pid": other.pid,
            "signal": "TERM",
        }
        assert other.wait(10) == -signal.SIGTERM
        with pytest.raises(NotFound):
            processes.send_signal(str(other.pid), {"signal": "TERM"})
    finally:
        child.kill()
        child.wait()
