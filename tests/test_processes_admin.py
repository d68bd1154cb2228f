"""?all_users=1 on a real server whose users come from a JupyterHub-shaped provider.

No hub runs here: ``fake_hub_identity.FakeHubIdentityProvider`` checks the server's
token like the stock provider and hands the handlers a user shaped exactly like
JupyterHub's (``current_user.hub_user`` = the hub's user model), with the model set
per test below. test_processes_users does the same with servers run as another
Unix user and jupyterhub's own user class.
"""

import json

import pytest
from fake_hub_identity import FakeHubIdentityProvider


@pytest.fixture
def hub_user():
    return {"admin": True}


@pytest.fixture
def jp_server_config(hub_user):
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "jupyterlab_kernel_manager": True,
                "jupyter_server_terminals": False,
            },
            "allow_unauthenticated_access": False,
            "identity_provider_class": FakeHubIdentityProvider,
        },
        "FakeHubIdentityProvider": {"hub_user": hub_user},
    }


async def test_a_hub_admin_lists_every_other_user(km, sleepers):
    others, secret = sleepers["kmtest-b"]

    status, listing, _ = await km("processes", params={"all_users": "1"})

    assert (status, listing["is_admin"]) == (200, True)
    users = {u["user"]: u for u in listing["users"]}
    assert listing["user"] not in users
    for user in listing["users"]:
        assert user["count"] == len(user["processes"])
        assert user["rss_bytes"] == sum(p["rss_bytes"] for p in user["processes"])
        assert {p["user"] for p in user["processes"]} == {user["user"]}
        assert {p["kind"] for p in user["processes"]} == {"other"}
    b = users["kmtest-b"]["processes"]
    assert [(p["pid"], secret in p["cmdline"]) for p in b] == [(others.pid, True)]
    assert b[0]["uss_bytes"] is None


async def test_without_the_flag_an_admin_gets_the_usual_reply(km):
    status, listing, _ = await km("processes")

    assert (status, listing["is_admin"]) == (200, True)
    assert "users" not in listing


@pytest.mark.parametrize(
    "hub_user",
    [{"admin": False}, {}, {"admin": False, "scopes": ["read:users:name!user"]}],
)
async def test_hub_users_who_are_not_admins_are_refused(km, hub_user):
    status, reply, _ = await km("processes", params={"all_users": "1"})

    assert (status, reply["reason"]) == (403, "not-admin")
    assert "cmdline" not in json.dumps(reply)


@pytest.mark.parametrize("hub_user", [{"scopes": ["admin:users"]}])
async def test_a_token_with_admin_scopes_is_an_admin(km, hub_user):
    status, listing, _ = await km("processes", params={"all_users": "1"})

    assert (status, listing["is_admin"]) == (200, True)
    assert isinstance(listing["users"], list)


@pytest.mark.parametrize("hub_user", [{"admin": False}])
async def test_nothing_from_the_client_makes_an_admin(jp_fetch, hub_user):
    response = await jp_fetch(
        "kernel-manager",
        "processes",
        params={"all_users": "1", "admin": "1", "is_admin": "true"},
        headers={"X-Hub-Admin": "1", "Cookie": "admin=1"},
        raise_error=False,
    )

    assert response.code == 403
