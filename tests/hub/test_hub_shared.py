"""Environments a hub admin shares with every user, on the real test hub.

As root only (real Unix accounts, as on TLJH): the hub's admin account is in a
group with passwordless sudo, alice's is not (shared_setup.py). The admin's
server creates a shared uv environment through the privileged helper; alice's
server lists its kernelspec and runs a kernel of it; alice's server is refused
every change, and so is alice's account when it calls sudo itself; nobody but
root can write its files; a cancelled creation leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
import requests
from helpers import unavailable
from hub_launcher import ADMIN, granted_scopes
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

pytestmark = pytest.mark.timeout(600)
NAME = "kmshared"
JOB_TIMEOUT = 300.0


@pytest.fixture(scope="module")
def shared(hub):
    if not hub.unix_accounts or hub.shared is None:
        unavailable("shared environments need root (real Unix accounts and sudo)")
    return hub.shared


@pytest.fixture(scope="module")
def tokens(hub, shared):
    return {
        ADMIN: hub.user_token(ADMIN, granted_scopes()),
        "alice": hub.user_token("alice"),
    }


@pytest.fixture(scope="module")
def servers(hub, shared, tokens):
    """admin's and alice's servers, started after the sudo rule exists."""
    names = (ADMIN, "alice")
    for name in names:
        # A server started before by another test module may predate the group.
        hub.api("DELETE", f"users/{name}/server")
        hub.wait_for_server(name, ready=False)
    try:
        for name in names:
            reply = hub.api("POST", f"users/{name}/server")
            assert reply.status_code in (201, 202), hub.log_tail()
        yield {name: hub.wait_for_server(name, ready=True) for name in names}
    finally:
        for name in names:
            hub.api("DELETE", f"users/{name}/server")
        for name in names:
            hub.wait_for_server(name, ready=False)


def call(hub, tokens, user, method, path, body=None):
    return requests.request(
        method,
        f"{hub.url}user/{user}/{path}",
        headers={"Authorization": f"token {tokens[user]}"},
        json=body,
        timeout=60,
    )


def wait_for_job(hub, tokens, user, job_id, *, until=None):
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job = call(hub, tokens, user, "GET", f"kernel-manager/jobs/{job_id}").json()
        if job["state"] != "running" or (until is not None and until(job)):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still running: {job}")


def run_as(account, *argv):
    return subprocess.run(
        ["runuser", "-u", account, "--", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )


async def execute(hub, token, user, kernel_id, code) -> str:
    """Run ``code`` in a kernel through the hub's proxy; its printed output."""
    url = f"{hub.url.replace('http', 'ws', 1)}user/{user}/api/kernels/{kernel_id}/channels"
    request = HTTPRequest(url, headers={"Authorization": f"token {token}"})
    connection = await websocket_connect(request)
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "execute_request", "session": msg_id}
    header.update(username=user, version="5.3", date="")
    content = {"code": code, "silent": False, "store_history": False}
    connection.write_message(
        json.dumps(
            {
                "header": header,
                "parent_header": {},
                "metadata": {},
                "content": content,
                "channel": "shell",
            }
        )
    )
    out = []
    try:
        while True:
            raw = await asyncio.wait_for(connection.read_message(), 120)
            assert raw is not None, "the kernel's websocket closed"
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            if kind == "stream":
                out.append(message["content"]["text"])
            elif kind == "error":
                raise AssertionError("\n".join(message["content"]["traceback"]))
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                return "".join(out)
    finally:
        connection.close()


def test_only_the_admin_may_manage(hub, tokens, servers):
    admin = call(hub, tokens, ADMIN, "GET", "kernel-manager/shared-environments").json()
    alice = call(hub, tokens, "alice", "GET", "kernel-manager/shared-environments").json()
    assert admin["enabled"] and admin["can_manage"], admin
    assert alice["enabled"] and not alice["can_manage"], alice
    assert "hub admins" in alice["reason"]


def test_admin_shares_a_uv_environment_and_alice_runs_it(hub, tokens, servers, shared):
    reply = call(
        hub,
        tokens,
        ADMIN,
        "POST",
        "kernel-manager/shared-environments",
        {"name": NAME, "backend": "uv", "display_name": "Shared for the class"},
    )
    assert reply.status_code == 202, reply.text
    job = wait_for_job(hub, tokens, ADMIN, reply.json()["job"])
    assert job["state"] == "succeeded", "\n".join(job["log"])
    path = shared.environments_dir / NAME
    assert (shared.kernels_dir / NAME / "kernel.json").is_file()

    listed = call(hub, tokens, "alice", "GET", "kernel-manager/shared-environments").json()
    assert [env["name"] for env in listed["environments"]] == [NAME]
    assert listed["environments"][0]["healthy"], listed
    specs = call(hub, tokens, "alice", "GET", "api/kernelspecs").json()["kernelspecs"]
    assert specs[NAME]["spec"]["display_name"] == "Shared for the class"
    details = call(hub, tokens, "alice", "GET", "kernel-manager/kernelspecs").json()
    mine = details["kernelspecs"][NAME]
    assert mine["source"] == "shared" and mine["writable"] is False, mine

    kernel = call(hub, tokens, "alice", "POST", "api/kernels", {"name": NAME}).json()
    try:
        printed = asyncio.run(
            execute(hub, tokens["alice"], "alice", kernel["id"], "import sys; print(sys.prefix)")
        )
        assert printed.strip() == str(path)
    finally:
        call(hub, tokens, "alice", "DELETE", f"api/kernels/{kernel['id']}")


def test_alice_is_refused_every_change(hub, tokens, servers, shared):
    path = shared.environments_dir / NAME
    before = sorted(os.listdir(path))
    refused = [
        call(hub, tokens, "alice", "POST", "kernel-manager/shared-environments", {"name": "x"}),
        call(hub, tokens, "alice", "DELETE", f"kernel-manager/shared-environments/{NAME}"),
        call(
            hub,
            tokens,
            "alice",
            "POST",
            f"kernel-manager/shared-environments/{NAME}/packages",
            {"packages": ["six"]},
        ),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403], [r.text for r in refused]
    assert {r.json()["reason"] for r in refused} == {"not-allowed"}
    # Her server is hers to change: sudo is what stops her, not our route.
    account = hub.unix_name("alice")
    helper = [
        "sudo",
        "-n",
        "--",
        hub.python,
        "-I",
        "-m",
        "jupyterlab_kernel_manager.sharedhelper",
    ]
    removal = run_as(account, *helper, "remove", NAME)
    assert removal.returncode != 0, removal
    assert "password is required" in removal.stderr or "not allowed" in removal.stderr
    for target in (path / "x", path / "bin" / "x", shared.kernels_dir / NAME / "kernel.json"):
        wrote = run_as(account, "sh", "-c", 'echo pwned >> "$0"', str(target))
        assert wrote.returncode != 0, (target, wrote)
    assert sorted(os.listdir(path)) == before
    assert "pwned" not in (shared.kernels_dir / NAME / "kernel.json").read_text()


def test_the_admin_adds_packages_for_everyone(hub, tokens, servers):
    reply = call(
        hub,
        tokens,
        ADMIN,
        "POST",
        f"kernel-manager/shared-environments/{NAME}/packages",
        {"packages": ["iniconfig"]},
    )
    assert reply.status_code == 202, reply.text
    job = wait_for_job(hub, tokens, ADMIN, reply.json()["job"])
    assert job["state"] == "succeeded", "\n".join(job["log"])
    packages = call(
        hub, tokens, "alice", "GET", f"kernel-manager/shared-environments/{NAME}/packages"
    ).json()["packages"]
    assert "iniconfig" in {package["name"] for package in packages}
    # Anyone may export it, to make one like it.
    exported = call(
        hub, tokens, "alice", "GET", f"kernel-manager/shared-environments/{NAME}/export"
    ).json()
    assert exported["format"] == "requirements.txt"
    assert any(line.startswith("iniconfig==") for line in exported["content"].splitlines())


def test_a_cancelled_shared_creation_leaves_nothing(hub, tokens, servers, shared):
    name = "kmcancelled"
    reply = call(
        hub,
        tokens,
        ADMIN,
        "POST",
        "kernel-manager/shared-environments",
        # venv + pip: seconds, long enough to be cancelled halfway.
        {"name": name, "backend": "venv", "packages": ["six"]},
    )
    assert reply.status_code == 202, reply.text
    job_id = reply.json()["job"]
    wait_for_job(
        hub, tokens, ADMIN, job_id, until=lambda job: any("-m venv" in line for line in job["log"])
    )
    cancel = call(hub, tokens, ADMIN, "DELETE", f"kernel-manager/jobs/{job_id}")
    assert cancel.status_code == 202, cancel.text
    job = wait_for_job(hub, tokens, ADMIN, job_id)
    assert job["state"] == "cancelled", job
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = [e for e in os.listdir(shared.environments_dir) if e != ".cache"]
        left += [e for e in os.listdir(shared.kernels_dir) if name in e]
        if not any(name in entry or entry.startswith(".job-") for entry in left):
            break
        time.sleep(0.5)
    assert not any(name in entry or entry.startswith(".job-") for entry in left), left


def test_removal_asks_while_kernels_run_anywhere(hub, tokens, servers, shared):
    kernel = call(hub, tokens, "alice", "POST", "api/kernels", {"name": NAME}).json()
    try:
        asyncio.run(execute(hub, tokens["alice"], "alice", kernel["id"], "print(1)"))
        refused = call(hub, tokens, ADMIN, "DELETE", f"kernel-manager/shared-environments/{NAME}")
        assert refused.status_code == 409, refused.text
        assert refused.json()["reason"] == "running"
        assert hub.unix_name("alice") in refused.json()["message"]
        assert (shared.environments_dir / NAME).is_dir()
        removed = call(
            hub, tokens, ADMIN, "DELETE", f"kernel-manager/shared-environments/{NAME}?force=1"
        )
        assert removed.status_code == 200, removed.text
    finally:
        call(hub, tokens, "alice", "DELETE", f"api/kernels/{kernel['id']}")
    assert not (shared.environments_dir / NAME).exists()
    assert not (shared.kernels_dir / NAME).exists()
    listed = call(hub, tokens, "alice", "GET", "kernel-manager/shared-environments").json()
    assert listed["environments"] == []


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
