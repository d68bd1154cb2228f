"""Which jupyter_server permissions each route needs, checked in one place.

Jupyter Server's ``@authorized`` checks one resource per handler. Our routes have
the power of several: creating an environment or installing packages runs the
packages' build code (what a kernel does) and adds a kernelspec, a signal can stop
any process of the user (what kernel code can do). So a route names every
``(action, resource)`` pair it needs, and all must be granted. Under JupyterHub 5's
granular server permissions these are the ``custom:jupyter_server:<action>:<resource>``
scopes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from jupyter_core.utils import ensure_async
from tornado import web

# (action, resource) pairs; actions are jupyter_server's "read", "write", "execute".
Permission = tuple[str, str]
PermissionsOf = Callable[[web.RequestHandler], tuple[Permission, ...]]


def requires(*permissions: Permission | PermissionsOf):
    """Refuse the request (403) unless the user holds every permission.

    An item may be a callable of the handler, for permissions that depend on the
    request (``?force=1`` also shuts kernels down).
    """

    def decorate(method):
        @functools.wraps(method)
        async def wrapper(self, *args, **kwargs):
            await check(self, permissions)
            return await method(self, *args, **kwargs)

        # Read by the route table (tests, OpenAPI, switched-off routes) to say what
        # each verb needs.
        wrapper.__km_permissions__ = permissions  # type: ignore[attr-defined]
        return wrapper

    return decorate


def permissions_of(method) -> tuple[Permission | PermissionsOf, ...]:
    """What ``requires`` checks before ``method`` (nothing for a verb without it)."""
    return getattr(method, "__km_permissions__", ())


async def check(handler: web.RequestHandler, permissions) -> None:
    """403 unless the request's user holds every permission (see ``requires``)."""
    user = handler.current_user
    if not user:
        raise web.HTTPError(403, "Not authenticated.")
    for item in permissions:
        pairs = item(handler) if callable(item) else (item,)
        for action, resource in pairs:
            allowed = await ensure_async(
                handler.authorizer.is_authorized(handler, user, action, resource)  # type: ignore[attr-defined]
            )
            if not allowed:
                raise web.HTTPError(
                    403,
                    f"User is not authorized to {action} on resource: {resource}.",
                    reason="Forbidden",
                )
