"""JupyterHub, as the single-user server sees it."""

from __future__ import annotations

# Unfiltered scopes that let a token see every user (``admin:users`` expands to both).
LIST_USERS_SCOPES = frozenset({"list:users", "read:users"})


def is_hub_admin(current_user) -> bool:
    """Whether the user making the request is a JupyterHub admin, per the hub itself.

    Under JupyterHub 4 and 5, ``jupyterhub.singleuser``'s ``JupyterHubIdentityProvider``
    makes ``current_user`` a ``JupyterHubUser`` whose ``hub_user`` is the model the hub
    answered for the request's token (``GET /hub/api/user``). The token's "identify"
    scope, ``read:users:name!user``, includes the model's ``admin`` field; a model
    may instead (or also) list the token's ``scopes``. Nothing the client sends is
    read here. Without a hub, or with any other identity provider, the answer is no.
    """
    model = getattr(current_user, "hub_user", None)
    if not isinstance(model, dict):
        return False
    if model.get("admin") is True:
        return True
    scopes = model.get("scopes")
    if not isinstance(scopes, (list, tuple, set, frozenset)):
        return False
    scopes = set(scopes)
    return "admin:users" in scopes or scopes >= LIST_USERS_SCOPES
