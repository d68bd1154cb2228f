"""Two real Unix users, and real servers run as one of them, as on TLJH.

kmtest-a and kmtest-b each run a sleeping process whose command line holds a
secret. Two Jupyter servers run as kmtest-a (bound to 127.0.0.1, token auth):
one with the stock identity provider, one with ``fake_hub_identity`` answering
like JupyterHub for a hub admin (the hub's own JupyterHubUser class, installed
in the servers' venv). The servers' Python is a venv from Debian's python3 that
kmtest-a can run (see ``unix_users.shared_python``).
"""

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from unix_users import (
    SERVER_START,
    readable_copy,
    run_as,
    shared_python,
    start_server,
    stop,
)


@pytest.fixture(scope="module")
def shared(unix_users):
    """(python, PYTHONPATH) that kmtest-a can use; the copy is removed afterwards."""
    python = shared_python()
    top = Path(tempfile.mkdtemp(prefix="km-test-", dir="/var/tmp"))
    top.chmod(0o755)
    try:
        yield python, str(readable_copy(top / "lib"))
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def servers(unix_users, shared, sleepers):
    """kmtest-a's servers: "plain" (no hub) and "admin" (a hub admin asks)."""
    python, pythonpath = shared
    account = unix_users["kmtest-a"]
    workdir = Path(pythonpath).parent
    started = {}
    try:
        started["plain"] = start_server(account, python, pythonpath, workdir, {})
        started["admin"] = start_server(
            account,
            python,
            pythonpath,
            workdir,
            {
                "ServerApp": {
                    "identity_provider_class": "fake_hub_identity.FakeHubIdentityProvider"
                },
                "FakeHubIdentityProvider": {"hub_user": {"admin": True}},
            },
        )
        deadline = time.monotonic() + SERVER_START
        for server in started.values():
            server.wait_until_up(deadline)
        yield started
    finally:
        for server in started.values():
            stop(server.process)


def test_a_users_server_lists_its_own_processes_only(servers, sleepers):
    mine, my_secret = sleepers["kmtest-a"]
    others, secret = sleepers["kmtest-b"]

    status, listing = servers["plain"].call("kernel-manager/processes")

    assert status == 200
    listed = {p["pid"]: p for p in listing["processes"]}
    assert listing["user"] == "kmtest-a"
    assert {p["user"] for p in listed.values()} == {"kmtest-a"}
    assert listed[servers["plain"].process.pid]["kind"] == "server"
    assert my_secret in listed[mine.pid]["cmdline"]
    assert listed[mine.pid]["uss_bytes"] > 0
    assert others.pid not in listed
    assert secret not in json.dumps(listing)
    assert (listing["is_admin"], "users" in listing) == (False, False)


def test_other_users_processes_are_refused_to_non_admins(servers, sleepers):
    others, secret = sleepers["kmtest-b"]
    server = servers["plain"]

    listing = server.call("kernel-manager/processes?all_users=1")
    signalled = server.call(f"kernel-manager/processes/{others.pid}/signal", {"signal": "KILL"})

    assert (listing[0], listing[1]["reason"]) == (403, "not-admin")
    assert secret not in json.dumps(listing[1])
    assert (signalled[0], signalled[1]["reason"]) == (403, "not-yours")
    assert others.poll() is None


def test_a_hub_admin_sees_every_user_but_signals_only_their_own(servers, sleepers):
    mine, _ = sleepers["kmtest-a"]
    others, secret = sleepers["kmtest-b"]
    server = servers["admin"]

    status, listing = server.call("kernel-manager/processes?all_users=1")
    signalled = server.call(f"kernel-manager/processes/{others.pid}/signal", {"signal": "KILL"})

    assert (status, listing["is_admin"]) == (200, True)
    assert {p["user"] for p in listing["processes"]} == {"kmtest-a"}
    users = {u["user"]: u for u in listing["users"]}
    assert "kmtest-a" not in users
    b = users["kmtest-b"]
    assert [p["pid"] for p in b["processes"]] == [others.pid]
    assert secret in b["processes"][0]["cmdline"]
    assert (b["count"], b["rss_bytes"]) == (1, b["processes"][0]["rss_bytes"])
    sizes = [u["rss_bytes"] for u in listing["users"]]
    assert sizes == sorted(sizes, reverse=True)
    assert (signalled[0], signalled[1]["reason"]) == (403, "not-yours")
    assert others.poll() is None
    assert mine.poll() is None


def test_a_user_signals_their_own_process(servers, unix_users):
    victim = run_as(unix_users["kmtest-a"], ["sleep", "60"])
    try:
        status, reply = servers["plain"].call(
            f"kernel-manager/processes/{victim.pid}/signal", {"signal": "TERM"}
        )
        assert (status, reply) == (200, {"pid": victim.pid, "signal": "TERM"})
        assert victim.wait(10) == -15
    finally:
        stop(victim)


def test_is_hub_admin_with_jupyterhubs_own_user_class(shared):
    python, pythonpath = shared
    check = """
from jupyterhub.singleuser.extension import JupyterHubUser
from jupyterlab_kernel_manager.hub import is_hub_admin

assert is_hub_admin(JupyterHubUser({"name": "ann", "admin": True}))
assert not is_hub_admin(JupyterHubUser({"name": "bob", "admin": False}))
assert not is_hub_admin(JupyterHubUser({"name": "bob"}))
assert is_hub_admin(JupyterHubUser({"name": "cy", "scopes": ["admin:users"]}))
"""
    subprocess.run(
        [python, "-c", check],
        env={"PYTHONPATH": pythonpath, "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=60,
    )
