"""Single-user servers with the extension, started by a real JupyterHub.

alice's and admin's servers run (as root: as their own Unix accounts, as on TLJH).
Through the hub's proxy, the extension answers for alice's server; logging in as
a browser does gives the JupyterLab page whose PageConfig holds the OAuth token
that the Hub section calls the hub with, and that token can do what
``oauth_client_allowed_scopes`` grants its user, no more.
"""

import html
import json
import os
import re
import subprocess

import psutil
import pytest
import requests
from hub_launcher import ADMIN, granted_scopes

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def servers(hub):
    """alice's and admin's servers, started together; stopped afterwards, leaving
    no process of their accounts behind."""
    names = ("alice", ADMIN)
    try:
        for name in names:
            reply = hub.api("POST", f"users/{name}/server")
            assert reply.status_code in (201, 202), hub.log_tail()
        yield {name: hub.wait_for_server(name, ready=True) for name in names}
    finally:
        stopping = [hub.api("DELETE", f"users/{name}/server") for name in names]
        assert {r.status_code for r in stopping} <= {202, 204}, hub.log_tail()
        for name in names:
            hub.wait_for_server(name, ready=False)
    if hub.as_root:
        uids = {hub.unix_name(name): None for name in names}
        for account in hub.accounts():
            if account.pw_name in uids:
                uids[account.pw_name] = account.pw_uid
        left = [
            p.info
            for p in psutil.process_iter(["pid", "uids", "cmdline"])
            if p.info["uids"] and p.info["uids"].real in uids.values()
        ]
        assert not left, f"processes left after the servers stopped: {left}"


def server_call(hub, user, path, token):
    return requests.get(
        f"{hub.url}user/{user}/{path}",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )


def page_config(session, url):
    """PageConfig of the JupyterLab page at ``url`` (following the OAuth redirects)."""
    page = session.get(url, timeout=60)
    page.raise_for_status()
    found = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
        page.text,
        re.S,
    )
    assert found, f"no jupyter-config-data in {page.url}"
    return page.url, json.loads(html.unescape(found.group(1)))


def test_the_extension_answers_for_a_users_server_through_the_hub(
    hub, servers, admin_token, alice_token, bob_token
):
    as_admin = server_call(hub, "alice", "kernel-manager/processes", admin_token)
    as_alice = server_call(hub, "alice", "kernel-manager/processes", alice_token)
    as_bob = server_call(hub, "alice", "kernel-manager/processes", bob_token)

    assert as_admin.status_code == 200, as_admin.text
    listing = as_admin.json()
    account = hub.unix_name("alice")
    assert listing["user"] == account
    assert {p["user"] for p in listing["processes"]} == {account}
    assert "server" in {p["kind"] for p in listing["processes"]}
    assert as_alice.status_code == 200
    assert as_bob.status_code == 403


def test_alices_page_token_does_what_she_may_and_no_more(hub, servers):
    session = hub.login("alice")

    url, config = page_config(session, f"{hub.url}user/alice/lab")
    token = config["token"]
    me = hub.api("GET", "user", token)
    listed = hub.api("GET", "users", token)

    assert url == f"{hub.url}user/alice/lab"
    assert (config["hubPrefix"], config["hubUser"]) == ("/hub/", "alice")
    assert "jupyterlab-kernel-manager" in {e["name"] for e in config["federated_extensions"]}
    assert token
    assert me.status_code == 200
    scopes = set(me.json()["scopes"])
    assert {"servers!user=alice", "read:users!user=alice"} <= scopes
    assert all("!user=alice" in s or "!server=alice/" in s for s in scopes), scopes
    assert listed.status_code == 403


def test_admins_page_token_has_the_granted_admin_scopes(hub, servers):
    session = hub.login(ADMIN)

    _, config = page_config(session, f"{hub.url}user/{ADMIN}/lab")
    token = config["token"]
    scopes = set(hub.api("GET", "user", token).json()["scopes"])
    listed = hub.api("GET", "users", token)
    everybody = server_call(hub, ADMIN, "kernel-manager/processes?all_users=1", token)

    assert set(granted_scopes()) <= scopes
    assert "tokens" not in scopes
    assert listed.status_code == 200
    assert everybody.status_code == 200, everybody.text
    assert everybody.json()["is_admin"] is True
    if hub.as_root:
        # One machine: the admin's own server sees what each account runs.
        others = {u["user"] for u in everybody.json()["users"]}
        assert hub.unix_name("alice") in others


def test_the_servers_python_has_both_halves_of_the_extension(hub):
    bin_dir = os.path.dirname(hub.python)

    def jupyter(*args):
        return subprocess.Popen(
            [hub.python, "-m", "jupyter", *args],
            env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": "/nonexistent"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def output(process):
        return re.sub(r"\x1b\[[0-9;]*m", "", process.communicate(timeout=60)[0])

    listing = jupyter("server", "extension", "list"), jupyter("labextension", "list")
    servers, labs = (output(p) for p in listing)

    assert re.search(r"jupyterlab_kernel_manager\s+enabled", servers), servers
    assert re.search(r"jupyterlab_kernel_manager .*OK", servers), servers
    assert re.search(r"jupyterlab-kernel-manager .*enabled.*OK", labs), labs
