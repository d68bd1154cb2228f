"""The Processes routes on a real server: real kernels (one busy), a child, a terminal.

The server runs inside the test process, so ``os.getpid()`` is the server's pid and
the kernels it starts are its children.
"""

import asyncio
import json
import os
import subprocess
import sys

import psutil
import pytest
from helpers import install_spec, run_in_kernel

# jupyter_server_terminals' own websocket route, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Extension endpoints without")


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "jupyterlab_kernel_manager": True,
                # On here (off in conftest): terminals are part of what is listed.
                "jupyter_server_terminals": True,
            },
            "allow_unauthenticated_access": False,
        }
    }


@pytest.fixture
def processes(km):
    """GET kernel-manager/processes; gives (status, body)."""

    async def get(**params):
        status, body, _ = await km("processes", params=params or None)
        return status, body

    return get


@pytest.fixture
def send(km):
    """POST kernel-manager/processes/<pid>/signal; gives (status, body)."""

    async def post(pid, body):
        status, reply, _ = await km("processes", str(pid), "signal", method="POST", body=body)
        return status, reply

    return post


@pytest.fixture
def mine():
    """A process of the server's user that nothing else touches."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def foreign_pid(request):
    """Another user's process: kmtest-b's sleeper as root, else init (root's)."""
    if os.geteuid() == 0:
        process, _ = request.getfixturevalue("sleepers")["kmtest-b"]
        return process.pid
    return 1


async def start_kernel_with_session(jp_fetch, path):
    reply = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "pyk"}))
    kernel_id = json.loads(reply.body)["id"]
    await jp_fetch(
        "api",
        "sessions",
        method="POST",
        body=json.dumps(
            {
                "path": path,
                "name": os.path.basename(path),
                "type": "notebook",
                "kernel": {"id": kernel_id},
            }
        ),
    )
    return kernel_id


async def connect(serverapp, kernel_id):
    # The kernel's own manager answers "is it alive?" (a bare client would go by
    # the heartbeat, which a loaded machine can miss).
    client = serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    return client


async def reply_to(client, msg_id, timeout=30):
    while True:
        msg = await client.get_shell_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg["content"]


async def scan_until(processes, done, timeout=15.0):
    """Polls (past the scan cache) until ``done(by_pid)``; gives that listing."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status, listing = await processes()
        assert status == 200, listing
        by_pid = {p["pid"]: p for p in listing["processes"]}
        if done(by_pid):
            return by_pid
        assert asyncio.get_running_loop().time() < deadline, "still listed"
        await asyncio.sleep(0.6)


async def test_kernels_children_and_terminals_are_listed_and_signalled(
    jp_fetch, jp_serverapp, user_kernels, processes, send
):
    install_spec(user_kernels, "pyk")
    busy_id = await start_kernel_with_session(jp_fetch, "work/busy.ipynb")
    idle_id = await start_kernel_with_session(jp_fetch, "work/idle.ipynb")
    kernels = jp_serverapp.kernel_manager
    busy_pid = kernels.get_kernel(busy_id).provisioner.pid
    idle_pid = kernels.get_kernel(idle_id).provisioner.pid

    out, _ = await run_in_kernel(
        jp_serverapp,
        idle_id,
        "import subprocess; sleeper = subprocess.Popen(['sleep', '60']); print(sleeper.pid)",
        timeout=60,
    )
    sleep_pid = int(out)
    reply = await jp_fetch("api", "terminals", method="POST", body="{}")
    terminal = json.loads(reply.body)["name"]
    terminal_manager = jp_serverapp.web_app.settings["terminal_manager"]
    shell_pid = terminal_manager.terminals[terminal].ptyproc.pid

    busy = await connect(jp_serverapp, busy_id)
    try:
        loop_id = busy.execute("while True: pass")
        await asyncio.sleep(0.3)
        status, first = await processes()
        await asyncio.sleep(1.0)
        status, second = await processes()

        assert status == 200
        listed = {p["pid"]: p for p in second["processes"]}
        assert [p["pid"] for p in second["processes"]] == sorted(listed)
        assert {p["user"] for p in listed.values()} == {second["user"]}
        assert second["server_pid"] == os.getpid()
        assert listed[os.getpid()]["kind"] == "server"
        assert (second["is_admin"], "users" in second) == (False, False)
        for pid, kernel_id, path in [
            (busy_pid, busy_id, "work/busy.ipynb"),
            (idle_pid, idle_id, "work/idle.ipynb"),
        ]:
            kernel = listed[pid]
            assert kernel["kind"] == "kernel"
            assert kernel["kernel"]["id"] == kernel_id
            assert kernel["kernel"]["kernelspec"] == "pyk"
            assert [s["path"] for s in kernel["kernel"]["sessions"]] == [path]
            assert kernel["rss_bytes"] > 0 and kernel["uss_bytes"] > 0
            assert kernel["cmdline"][1:3] == ["-m", "ipykernel_launcher"]
        first_busy = next(p for p in first["processes"] if p["pid"] == busy_pid)
        assert first_busy["cpu_percent"] is None  # first sighting
        busy_percent = listed[busy_pid]["cpu_percent"]
        # On a machine shared with other work the loop may get less than half a
        # core for a while: a few more polls before calling the measure wrong.
        for _ in range(3):
            if busy_percent > 50:
                break
            await asyncio.sleep(1.0)
            _, again = await processes()
            busy_percent = next(
                p["cpu_percent"] for p in again["processes"] if p["pid"] == busy_pid
            )
        assert busy_percent > 50
        assert listed[busy_pid]["kernel"]["execution_state"] == "busy"
        assert listed[sleep_pid]["kind"] == "child"
        assert listed[sleep_pid]["ancestor"] == {"kind": "kernel", "id": idle_id}
        assert listed[sleep_pid]["cmdline"] == ["sleep", "60"]
        assert listed[shell_pid]["kind"] == "terminal"
        assert listed[shell_pid]["terminal"] == {"name": terminal}
        totals = second["totals"]
        assert totals["count"] == len(listed)
        assert totals["rss_bytes"] == sum(p["rss_bytes"] for p in listed.values())
        assert totals["cpu_percent"] >= listed[busy_pid]["cpu_percent"]
        assert set(second["limits"]) == {
            "memory_bytes",
            "memory_source",
            "cpu_cores",
            "cpu_source",
        }
        assert second["machine"]["cpu_count"] == os.cpu_count()

        # Interrupt: the loop stops with KeyboardInterrupt, the kernel lives on.
        assert await send(busy_pid, {"signal": "INT"}) == (
            200,
            {"pid": busy_pid, "signal": "INT"},
        )
        interrupted = await reply_to(busy, loop_id)
        assert interrupted["ename"] == "KeyboardInterrupt"
        after = await reply_to(busy, busy.execute("x = 6 * 7"))
        assert after["status"] == "ok"
        assert psutil.Process(busy_pid).is_running()
    finally:
        busy.stop_channels()

    # A child, then a kernel: they end (zombies until their parents reap them).
    assert (await send(sleep_pid, {"signal": "TERM"}))[0] == 200
    assert (await send(idle_pid, {"signal": "KILL"}))[0] == 200
    await scan_until(
        processes,
        lambda by_pid: all(
            pid not in by_pid or by_pid[pid]["state"] == "zombie" for pid in (sleep_pid, idle_pid)
        ),
    )
    await scan_until(processes, lambda by_pid: idle_pid not in by_pid)

    await jp_fetch("api", "terminals", terminal, method="DELETE")


async def test_refusals_signal_nothing(processes, send, mine, foreign_pid):
    # As root, init is the server user's too, and an ancestor of the server.
    init = "server" if os.geteuid() == 0 else "not-yours"
    cases = [
        ("abc", {"signal": "KILL"}, 400, "invalid-pid"),
        ("-1", {"signal": "KILL"}, 400, "invalid-pid"),
        ("0", {"signal": "KILL"}, 400, "invalid-pid"),
        ("1.5", {"signal": "KILL"}, 400, "invalid-pid"),
        ("99999999999", {"signal": "KILL"}, 400, "invalid-pid"),
        ("99999999", {"signal": "KILL"}, 404, "not-found"),
        (foreign_pid, {"signal": "KILL"}, 403, "not-yours"),
        (os.getpid(), {"signal": "TERM"}, 403, "server"),
        (1, {"signal": "KILL"}, 403, init),
        (mine.pid, {"signal": "HUP"}, 400, "invalid-signal"),
        (mine.pid, {"signal": 9}, 400, "invalid-signal"),
        (mine.pid, {"signal": "kill"}, 400, "invalid-signal"),
        (mine.pid, {}, 400, "invalid-body"),
        (mine.pid, {"signal": "KILL", "pid": 1}, 400, "invalid-body"),
        (mine.pid, ["KILL"], 400, "invalid-body"),
        (mine.pid, "{signal: KILL", 400, "invalid-json"),
    ]
    for pid, body, code, reason in cases:
        status, reply = await send(pid, body)
        assert (status, reply["reason"]) == (code, reason), (pid, body)
        assert reply["message"]
    assert mine.poll() is None
    assert psutil.Process(foreign_pid).status() != psutil.STATUS_ZOMBIE

    status, reply = await processes(all_users="1")
    assert (status, reply["reason"]) == (403, "not-admin")
    assert "processes" not in reply
    status, reply = await processes(all_users="yes")
    assert (status, reply["reason"]) == (400, "invalid-query")


async def test_another_users_processes_are_never_shown(processes, sleepers):
    others, secret = sleepers["kmtest-b"]

    status, listing = await processes()

    assert status == 200
    assert others.pid not in {p["pid"] for p in listing["processes"]}
    assert secret not in json.dumps(listing)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", ("processes",), None),
        ("POST", ("processes", "{pid}", "signal"), {"signal": "KILL"}),
    ],
)
async def test_requests_without_a_token_are_refused(jp_fetch, mine, method, path, body):
    response = await jp_fetch(
        "kernel-manager",
        *(part.format(pid=mine.pid) for part in path),
        method=method,
        body=None if body is None else json.dumps(body),
        headers={"Authorization": ""},
        raise_error=False,
        allow_nonstandard_methods=True,
    )

    assert response.code in (401, 403)
    assert b"cmdline" not in response.body
    assert mine.poll() is None
