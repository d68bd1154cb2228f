"""The JupyterHub REST API that the Hub section uses, against a real hub.

What an admin's page may do, and that the hub itself refuses it to anybody else,
whatever a modified client would send.
"""

import pytest
from hub_launcher import ADMIN, PAGINATION, USERS, granted_scopes
from packaging.specifiers import SpecifierSet
from packaging.version import Version

pytestmark = pytest.mark.timeout(300)

# The unfiltered scopes that an admin's page token needs and nobody else gets.
ADMIN_SCOPES = {"admin:users", "list:users", "read:users", "servers", "access:servers"}


def test_the_hub_answers_and_admin_is_the_only_admin(hub):
    reply = hub.api("GET", "")
    users = {u["name"]: u for u in hub.api("GET", "users").json()}

    assert reply.status_code == 200
    assert Version(reply.json()["version"]) in SpecifierSet(hub.spec.removeprefix("jupyterhub"))
    assert {ADMIN, *USERS} <= set(users)
    assert {name for name, u in users.items() if u["admin"]} == {ADMIN}


def test_a_users_token_lists_their_own_scopes_only(hub, alice_token):
    reply = hub.api("GET", "user", alice_token)

    me = reply.json()
    assert (reply.status_code, me["name"], me["admin"]) == (200, "alice", False)
    assert {"read:users!user=alice", "servers!user=alice"} <= set(me["scopes"])
    assert all("!user=alice" in s or "!server=alice/" in s for s in me["scopes"])
    assert not ADMIN_SCOPES & set(me["scopes"])


def test_the_hub_refuses_admin_work_to_a_non_admin(hub, alice_token):
    listed = hub.api("GET", "users", alice_token)
    added = hub.api("POST", "users", alice_token, json={"usernames": ["mallory"]})
    deleted = hub.api("DELETE", "users/bob", alice_token)
    started = hub.api("POST", "users/bob/server", alice_token)
    made_admin = hub.api("PATCH", "users/alice", alice_token, json={"admin": True})

    assert listed.status_code == 403
    assert added.status_code == 403
    assert deleted.status_code == 403
    # 404: the hub does not even confirm that a server it would refuse exists.
    assert started.status_code in (403, 404)
    assert made_admin.status_code == 403
    assert hub.api("GET", "users/bob").status_code == 200
    assert hub.api("GET", "users/mallory").status_code == 404
    assert hub.api("GET", "users/alice").json()["admin"] is False
    assert hub.api("GET", "users/bob").json()["servers"] == {}


def test_an_admins_token_adds_and_deletes_users(hub, admin_token):
    again = hub.api("POST", "users", admin_token, json={"usernames": list(USERS), "admin": False})
    invalid = hub.api("POST", "users", admin_token, json={"usernames": ["carol", "bad/name"]})
    added = hub.api(
        "POST",
        "users",
        admin_token,
        json={"usernames": ["carol", "dave"], "admin": False},
    )
    deleted = [hub.api("DELETE", f"users/{name}", admin_token) for name in ("carol", "dave")]

    assert again.status_code == 409
    assert invalid.status_code == 400
    assert "bad/name" in invalid.json()["message"]
    assert added.status_code == 201
    assert [(u["name"], u["admin"]) for u in added.json()] == [
        ("carol", False),
        ("dave", False),
    ]
    assert [r.status_code for r in deleted] == [204, 204]
    assert hub.api("GET", "users/carol").status_code == 404


def test_an_admins_token_pages_through_users(hub, admin_token):
    everybody = [u["name"] for u in hub.api("GET", "users", admin_token).json()]
    pages = [
        hub.api(
            "GET",
            "users",
            admin_token,
            params={"offset": offset, "limit": 1},
            headers={"Accept": PAGINATION},
        ).json()
        for offset in range(len(everybody))
    ]

    assert len(everybody) >= 3
    assert [p["_pagination"]["total"] for p in pages] == [len(everybody)] * len(everybody)
    assert [u["name"] for p in pages for u in p["items"]] == everybody
    assert pages[0]["_pagination"]["next"]["offset"] == 1
    assert pages[-1]["_pagination"]["next"] is None


def test_an_admins_page_token_gets_every_granted_scope(hub, admin_token):
    me = hub.api("GET", "user", admin_token).json()

    assert me["admin"] is True
    assert set(granted_scopes()) <= set(me["scopes"])
    assert set(me["scopes"]) >= ADMIN_SCOPES
    assert "tokens" not in me["scopes"]
