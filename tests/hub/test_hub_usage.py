"""What each user runs, and named servers, against a real JupyterHub.

As root, each hub user's server runs as a Unix account of its own, as on TLJH, and
the test hub tells the extension how those accounts are named
(``KernelManagerConfig.hub_unix_user_template``, jupyterhub_config.py): the admin's
own server then lists alice's processes under hub user alice, and the Hub section
takes everybody's figures from that one request. Where every server runs as
one account (SimpleLocalProcessSpawner: the session's hub without root, a second
hub as root), the all-users view cannot tell users apart, and the Hub section has
to see that from the admin's own process list (another single-user server in it).
"""

import contextlib
import time

import pytest
import requests
from hub_launcher import ADMIN, SPAWN_TIMEOUT, Hub, granted_scopes

pytestmark = pytest.mark.timeout(300)

SINGLE_USER = "jupyterhub.singleuser"


@contextlib.contextmanager
def servers_of(hub, names):
    """The default servers of ``names`` running; those it started are stopped after."""
    started = []
    try:
        for name in names:
            reply = hub.api("POST", f"users/{name}/server")
            if reply.status_code == 400 and "already running" in reply.text:
                continue
            assert reply.status_code in (201, 202), hub.log_tail()
            started.append(name)
        yield {name: hub.wait_for_server(name, ready=True) for name in names}
    finally:
        for name in started:
            hub.api("DELETE", f"users/{name}/server")
        for name in started:
            hub.wait_for_server(name, ready=False)


@pytest.fixture(scope="module")
def running(hub):
    """alice's and admin's default servers, stopped afterwards."""
    with servers_of(hub, ("alice", ADMIN)) as servers:
        yield servers


@pytest.fixture(scope="module")
def shared_hub(hub):
    """A hub whose servers all run as one Unix account: the session's hub without
    root, a second one (SimpleLocalProcessSpawner, servers as root) with it."""
    if not hub.unix_accounts:
        yield hub
        return
    other = Hub(unix_accounts=False).start()
    try:
        yield other
    finally:
        leftovers = other.stop()
    assert not leftovers, f"processes left after the hub stopped: {leftovers}"


def all_users(hub, token):
    reply = requests.get(
        f"{hub.url}user/{ADMIN}/kernel-manager/processes",
        params={"all_users": "1"},
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def is_single_user(process):
    return SINGLE_USER in " ".join(process["cmdline"])


def test_the_admins_server_lists_alices_processes_under_hub_user_alice(hub, running, admin_token):
    if not hub.unix_accounts:
        pytest.skip("one Unix account per hub user needs root (CI runs the tests as root)")

    listing = all_users(hub, admin_token)

    by_account = {group["user"]: group for group in listing["users"]}
    alice = by_account[hub.unix_name("alice")]
    assert alice["hub_user"] == "alice"
    assert alice["count"] == len(alice["processes"]) > 0
    assert any(is_single_user(p) for p in alice["processes"])
    # Nobody else is named after a hub user: not the hub's own account, not root.
    named = {g["hub_user"] for g in listing["users"] if g["hub_user"] is not None}
    assert named == {"alice"}
    # The admin's own account is the reply's own part, and holds one server.
    assert listing["user"] == hub.unix_name(ADMIN)
    assert [p["kind"] for p in listing["processes"] if is_single_user(p)] == ["server"]


def test_without_accounts_of_their_own_the_admins_list_holds_every_server(
    shared_hub,
):
    token = shared_hub.user_token(ADMIN, granted_scopes())
    with servers_of(shared_hub, ("alice", ADMIN)):
        listing = all_users(shared_hub, token)

    # What the Hub section sees to fall back to asking each server.
    servers = [p for p in listing["processes"] if is_single_user(p)]
    assert {p["kind"] for p in servers} == {"server", "other"}
    assert all(g["hub_user"] != "alice" for g in listing["users"])


def wait_for_named(hub, user, name, *, ready):
    deadline = time.monotonic() + SPAWN_TIMEOUT
    while True:
        model = hub.api("GET", f"users/{user}?include_stopped_servers=1").json()
        server = model["servers"].get(name)
        if ready and server and server["ready"]:
            return server
        if not ready and (server is None or server["stopped"]):
            return server
        assert time.monotonic() < deadline, hub.log_tail()
        time.sleep(0.25)


def test_a_user_creates_stops_and_deletes_a_named_server(hub, alice_token):
    created = hub.api("POST", "users/alice/servers/notes", alice_token)
    assert created.status_code in (201, 202), created.text
    try:
        server = wait_for_named(hub, "alice", "notes", ready=True)
        assert server["url"] == "/user/alice/notes/"

        stopped = hub.api("DELETE", "users/alice/servers/notes", alice_token)
        assert stopped.status_code in (202, 204)
        kept = wait_for_named(hub, "alice", "notes", ready=False)
        # The Hub section lists it, stopped, from include_stopped_servers.
        assert kept is not None and kept["stopped"] is True
        plain = hub.api("GET", "users/alice").json()["servers"]
        assert "notes" not in plain
    finally:
        removed = hub.api("DELETE", "users/alice/servers/notes", alice_token, json={"remove": True})
    assert removed.status_code in (202, 204), removed.text
    assert wait_for_named(hub, "alice", "notes", ready=False) is None


def test_the_hub_refuses_the_server_names_the_section_refuses(hub, alice_token):
    """The section's checkServerName (src/hub/names.ts) follows the hub's
    release: '/' refused by both lines, and JupyterHub 6 takes only safe slugs."""
    slash = hub.api("POST", "users/alice/servers/a%2Fb", alice_token)
    others = hub.api("POST", "users/bob/servers/mine", alice_token)

    assert slash.status_code == 400
    message = slash.json()["message"]
    assert "may not contain '/'" in message or "Invalid server_name" in message
    assert others.status_code in (403, 404)
    if int(hub.version.split(".")[0]) >= 6:
        for name in ("Big", "two--hyphens", "x" * 31):
            refused = hub.api("POST", f"users/alice/servers/{name}", alice_token)
            assert refused.status_code == 400, (name, refused.text)
            assert "Invalid server_name" in refused.json()["message"]
