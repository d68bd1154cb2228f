"""A server never receives more power than its owner has.

Each user controls the code of their own server (their ~/.local packages and
~/.jupyter config load into it), and the server holds the hub token of whoever
opens its page, admins opening other users' servers included. The hub issues that
token with the visitor's scopes, cut down to what the server's OAuth client may
grant: c.Spawner.oauth_client_allowed_scopes, from kernel_manager_scopes.py (the
README's text). So that list must hold no more than the server's owner holds.

Against the session's real hub, proxy and servers; pages are opened as a browser
opens them (log-in form, OAuth redirects, the hub's "Authorize access" form).
These tests fail with the static list the README once gave
(KM_HUB_SCOPES_CONFIG=tests/hub/unsafe_static_scopes.py).
"""

import re
import time

import pytest
import requests
import yaml
from hub_launcher import ADMIN, ROOT, SCOPES_CONFIG, SPAWN_TIMEOUT, granted_scopes

pytestmark = pytest.mark.timeout(300)

# What the token holds beyond what the scopes list grants: its user's identity
# and access to the server that it was issued to.
IDENTIFY = {"read:users:name", "read:users:groups"}


@pytest.fixture(scope="module")
def servers(hub, admin_token):
    """alice's and admin's default servers, running (started unless they were),
    and bob's, started while bob is an admin; stopped afterwards, bob demoted."""
    started = []
    try:
        # Only an admin user grants admin rights, not the tests' service.
        promoted = hub.api("PATCH", "users/bob", admin_token, json={"admin": True})
        assert promoted.status_code == 200, promoted.text
        if hub.api("GET", "users/bob").json()["servers"]:
            stop_server(hub, "bob")  # to start as an admin's server
        for name in ("alice", ADMIN, "bob"):
            if name == "bob" or not hub.api("GET", f"users/{name}").json()["servers"]:
                reply = hub.api("POST", f"users/{name}/server")
                assert reply.status_code in (201, 202), reply.text
                started.append(name)
        for name in ("alice", ADMIN, "bob"):
            hub.wait_for_server(name, ready=True)
        yield
    finally:
        hub.api("PATCH", "users/bob", admin_token, json={"admin": False})
        for name in started:
            hub.api("DELETE", f"users/{name}/server")
        for name in started:
            hub.wait_for_server(name, ready=False)


@pytest.fixture(scope="module")
def admin_session(hub, servers):
    return hub.login(ADMIN)


def token_scopes(hub, token):
    me = hub.api("GET", "user", token)
    assert me.status_code == 200, me.text
    return me.json()["name"], set(me.json()["scopes"])


def lent(scopes, visitor, owner):
    """The scopes of a token that ``visitor`` got on ``owner``'s server beyond
    the owner's own things and the visitor's identity."""
    return {
        scope
        for scope in scopes
        if not scope.endswith((f"!user={owner}", f"!server={owner}/"))
        and not (scope.partition("!")[0] in IDENTIFY and scope.endswith(f"!user={visitor}"))
    }


def stop_server(hub, user):
    reply = hub.api("DELETE", f"users/{user}/server")
    assert reply.status_code in (202, 204), reply.text
    hub.wait_for_server(user, ready=False)


def test_an_admin_opening_alices_server_lends_it_nothing(hub, admin_session, admin_token):
    page = hub.open_page(admin_session, "user/alice/lab")
    token = page.config["token"]
    name, scopes = token_scopes(hub, token)

    try:
        made_admin = hub.api("PATCH", "users/alice", token, json={"admin": True})
        listed = hub.api("GET", "users", token)
        added = hub.api("POST", "users", token, json={"usernames": ["mallory"]})
    finally:  # whatever it could do, undone for the tests that follow
        hub.api("PATCH", "users/alice", admin_token, json={"admin": False})
        hub.api("DELETE", "users/mallory", admin_token)
    bobs_server = requests.get(
        f"{hub.url}user/bob/api/status",
        headers={"Authorization": f"token {token}"},
        timeout=30,
    )
    bobs_model = hub.api("GET", "users/bob", token)
    alices_model = hub.api("GET", "users/alice", token)

    assert (page.url, name) == (f"{hub.url}user/alice/lab", ADMIN)
    assert made_admin.status_code == 403, made_admin.text
    assert listed.status_code == 403
    assert added.status_code == 403
    assert bobs_server.status_code == 403
    assert bobs_model.status_code in (403, 404)
    assert lent(scopes, ADMIN, "alice") == set()
    # The hub asked the admin to authorize alice's server for alice's things only.
    assert page.authorized and all("!" in scope for scope in page.authorized)
    # What alice may do herself still works, for the Hub section on her page.
    assert alices_model.status_code == 200


def test_the_admins_own_page_lists_adds_and_deletes_users(hub, admin_session):
    page = hub.open_page(admin_session, f"user/{ADMIN}/lab")
    token = page.config["token"]
    name, scopes = token_scopes(hub, token)

    listed = hub.api("GET", "users", token)
    added = hub.api("POST", "users", token, json={"usernames": ["km-scopes-carol"]})
    deleted = hub.api("DELETE", "users/km-scopes-carol", token)

    assert page.authorized == []  # one's own server: no question asked
    assert name == ADMIN
    assert set(granted_scopes()) <= scopes
    assert "tokens" not in scopes
    assert listed.status_code == 200
    assert {"alice", "bob", ADMIN} <= {user["name"] for user in listed.json()}
    assert added.status_code == 201, added.text
    assert deleted.status_code == 204
    assert hub.api("GET", "users/km-scopes-carol").status_code == 404


def test_alices_own_page_manages_her_own_servers_and_nothing_else(hub, servers):
    page = hub.open_page(hub.login("alice"), "user/alice/lab")
    token = page.config["token"]
    name, scopes = token_scopes(hub, token)

    mine = hub.api("GET", "users/alice", token)
    listed = hub.api("GET", "users", token)
    bobs = hub.api("GET", "users/bob", token)
    started = hub.api("POST", "users/alice/servers/scopes", token)
    try:
        running = wait_for_named_server(hub, "alice", "scopes")
        stopped = hub.api("DELETE", "users/alice/servers/scopes", token, json={"remove": True})
    finally:
        hub.api("DELETE", "users/alice/servers/scopes", json={"remove": True})

    assert name == "alice"
    assert {"read:users!user=alice", "servers!user=alice"} <= scopes
    assert lent(scopes, "alice", "alice") == set()
    assert mine.status_code == 200
    assert listed.status_code == 403
    assert bobs.status_code in (403, 404)
    assert started.status_code in (201, 202), started.text
    assert running["ready"]
    assert stopped.status_code in (202, 204), stopped.text


def test_a_demoted_admins_server_gets_his_own_scopes_from_its_next_start(
    hub, admin_session, admin_token
):
    # bob's server started while he was an admin: an admin's server.
    as_admin = hub.open_page(admin_session, "user/bob/lab")
    _, before = token_scopes(hub, as_admin.config["token"])

    demoted = hub.api("PATCH", "users/bob", admin_token, json={"admin": False})
    stop_server(hub, "bob")
    assert hub.api("POST", "users/bob/server").status_code in (201, 202)
    hub.wait_for_server("bob", ready=True)
    visited = hub.open_page(admin_session, "user/bob/lab")
    _, after = token_scopes(hub, visited.config["token"])
    own = hub.open_page(hub.login("bob"), "user/bob/lab")
    name, bobs = token_scopes(hub, own.config["token"])

    assert set(granted_scopes()) <= before
    assert demoted.status_code == 200
    assert lent(after, ADMIN, "bob") == set()
    assert name == "bob"
    assert {"read:users!user=bob", "servers!user=bob"} <= bobs
    assert "list:users" not in bobs
    assert hub.api("GET", "users", own.config["token"]).status_code == 403


def wait_for_named_server(hub, user, server):
    deadline = time.monotonic() + SPAWN_TIMEOUT
    while True:
        found = hub.api("GET", f"users/{user}").json()["servers"].get(server)
        if found and found["ready"]:
            return found
        if not found or time.monotonic() > deadline:
            pytest.fail(f"{user}/{server} did not start:\n{hub.log_tail()}")
        time.sleep(0.25)


def test_the_readme_gives_the_test_hubs_scopes_config_word_for_word():
    section = readme_section("Granting the Hub section its scopes")
    tljh = re.search(
        r"^sudo tee /opt/tljh/config/jupyterhub_config\.d/kernel-manager\.py"
        r" >/dev/null <<'END'\n(.*?)^END$",
        section,
        re.DOTALL | re.MULTILINE,
    )
    helm = re.search(r"^```yaml\n(hub:\n.*?)^```$", section, re.DOTALL | re.MULTILINE)
    text = SCOPES_CONFIG.read_text()

    assert tljh and helm, "the TLJH or Zero to JupyterHub block is missing"
    assert tljh.group(1) == text
    assert yaml.safe_load(helm.group(1))["hub"]["extraConfig"]["kernel-manager"] == text
    assert "oauth_client_allowed_scopes = [" not in section  # no static list


def readme_section(title):
    readme = (ROOT / "README.md").read_text()
    start = readme.index(f"\n## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start:end]
