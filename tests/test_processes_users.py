"""Two real Unix users, and real servers run as one of them, as on TLJH.

kmtest-a and kmtest-b each run a sleeping process whose command line holds a
secret. Two Jupyter servers run as kmtest-a (bound to 127.0.0.1, token auth):
one with the stock identity provider, one with ``fake_hub_identity`` answering
like JupyterHub for a hub admin (the hub's own JupyterHubUser class, installed
in the servers' venv). The servers' Python is a venv from Debian's python3 that
kmtest-a can run (see ``unix_users.shared_python``).
"""

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from unix_users import free_port, readable_copy, run_as, shared_python, stop

SERVER_START = 60.0


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


class Server:
    def __init__(self, process, port, token, log):
        self.process, self.port, self.token, self.log = process, port, token, log

    def call(self, path, body=None):
        """(status, JSON body) of GET, or POST when there is a body."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method="GET" if body is None else "POST",
            headers={"Authorization": f"token {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def wait_until_up(self, deadline):
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"server exited:\n{Path(self.log).read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if self.call("api/status")[0] == 200:
                    return
            if time.monotonic() > deadline:
                pytest.fail(f"server not up:\n{Path(self.log).read_text()[-3000:]}")
            time.sleep(0.2)


def start_server(account, python, pythonpath, workdir, config):
    """A Jupyter server as ``account``; its whole configuration is ``config``."""
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
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return Server(process, port, token, str(log))


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
    signalled = server.call(
        f"kernel-manager/processes/{others.pid}/signal", {"signal": "KILL"}
    )

    assert (listing[0], listing[1]["reason"]) == (403, "not-admin")
    assert secret not in json.dumps(listing[1])
    assert (signalled[0], signalled[1]["reason"]) == (403, "not-yours")
    assert others.poll() is None


def test_a_hub_admin_sees_every_user_but_signals_only_their_own(servers, sleepers):
    mine, _ = sleepers["kmtest-a"]
    others, secret = sleepers["kmtest-b"]
    server = servers["admin"]

    status, listing = server.call("kernel-manager/processes?all_users=1")
    signalled = server.call(
        f"kernel-manager/processes/{others.pid}/signal", {"signal": "KILL"}
    )

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
