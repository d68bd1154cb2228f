"""Each route asks Jupyter's Authorizer for the permissions whose power it has.

A deployment's Authorizer that forbids one resource (kernels, say) must stop every
route that can do what that resource guards: installing packages runs their build
code, as a kernel runs code. The test server's Authorizer denies one resource at a
time; every request that gets past it is made harmless (a bad body, a missing name).
"""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from jupyter_server.auth.authorizer import Authorizer

RESOURCES = ("kernelspecs", "kernels", "terminals", "contents", "sessions", "server")


class DenyResource(Authorizer):
    """Allows everything but the resources in ``denied`` (set by each test)."""

    denied: ClassVar[set[str]] = set()
    asked: ClassVar[list[tuple[str, str]]] = []

    def is_authorized(self, handler, user, action, resource):
        self.asked.append((action, resource))
        return resource not in self.denied


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        **jp_server_config,
        "ServerApp": {
            **jp_server_config["ServerApp"],
            "authorizer_class": DenyResource,
        },
    }


# (method, path, body, resources whose denial must refuse it). The bodies and names
# are refused by the route itself (400/404) once authorized: nothing runs.
ROUTES = [
    ("GET", "kernelspecs", None, {"kernelspecs"}),
    ("PATCH", "kernelspecs/missing", {"display_name": "x"}, {"kernelspecs"}),
    ("DELETE", "kernelspecs/missing", None, {"kernelspecs"}),
    ("GET", "kernelspecs/missing/user-packages", None, {"kernelspecs"}),
    ("POST", "kernelspecs/missing/user-packages", {"packages": []}, {"kernelspecs", "kernels"}),
    ("DELETE", "kernelspecs/missing/user-packages/x", None, {"kernelspecs"}),
    ("GET", "environments", None, {"kernelspecs"}),
    ("POST", "environments", {"name": "../x"}, {"kernelspecs", "kernels"}),
    ("DELETE", "environments/missing", None, {"kernelspecs"}),
    ("DELETE", "environments/missing?force=1", None, {"kernelspecs", "kernels"}),
    ("GET", "environments/missing/packages", None, {"kernelspecs"}),
    ("GET", "backends", None, {"kernelspecs"}),
    ("POST", "environments/missing/packages", {"packages": []}, {"kernelspecs", "kernels"}),
    ("GET", "environments/missing/export", None, {"kernelspecs"}),
    ("POST", "environments/missing/clone", {"name": "../x"}, {"kernelspecs", "kernels"}),
    ("GET", "shared-environments", None, {"kernelspecs"}),
    ("POST", "shared-environments", {"name": "../x"}, {"kernelspecs", "kernels"}),
    ("DELETE", "shared-environments/missing", None, {"kernelspecs"}),
    ("DELETE", "shared-environments/missing?force=1", None, {"kernelspecs", "kernels"}),
    ("GET", "shared-environments/missing/packages", None, {"kernelspecs"}),
    ("POST", "shared-environments/missing/packages", {"packages": []}, {"kernelspecs", "kernels"}),
    ("GET", "shared-environments/missing/export", None, {"kernelspecs"}),
    ("GET", "jobs", None, {"kernelspecs"}),
    ("GET", "jobs/missing", None, {"kernelspecs"}),
    ("DELETE", "jobs/missing", None, {"kernelspecs"}),
    ("GET", "processes", None, {"kernels"}),
    ("GET", "processes/history", None, {"kernels"}),
    ("POST", "processes/0/signal", {}, {"kernels"}),
]


async def call(jp_fetch, method, path, body):
    path, _, query = path.partition("?")
    response = await jp_fetch(
        "kernel-manager",
        *path.split("/"),
        method=method,
        body=None if body is None else json.dumps(body),
        params=dict([query.split("=")]) if query else None,
        raise_error=False,
        allow_nonstandard_methods=True,
    )
    return response.code, json.loads(response.body) if response.body else None


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(
    ("method", "path", "body", "needs"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES]
)
async def test_a_denied_resource_refuses_exactly_the_routes_that_need_it(
    jp_fetch, envs_dir, monkeypatch, resource, method, path, body, needs
):
    monkeypatch.setattr(DenyResource, "denied", {resource})

    status, reply = await call(jp_fetch, method, path, body)

    if resource in needs:
        assert status == 403
        assert resource in reply["message"]
    else:
        # Past the Authorizer, the route refuses the harmless request on its own.
        assert status in (200, 204, 400, 404), (status, reply)


async def test_every_route_is_checked_against_the_authorizer(jp_fetch, envs_dir, monkeypatch):
    """No route answers without asking: each asks for what the table says, no less."""
    for method, path, body, needs in ROUTES:
        monkeypatch.setattr(DenyResource, "asked", [])
        await call(jp_fetch, method, path, body)
        asked = {resource for _action, resource in DenyResource.asked}
        assert needs <= asked, (method, path, asked)


async def test_installing_needs_permission_to_execute_kernels(jp_fetch, envs_dir, monkeypatch):
    monkeypatch.setattr(DenyResource, "asked", [])

    await call(jp_fetch, "POST", "environments", {"name": "../x"})

    assert ("execute", "kernels") in DenyResource.asked
    assert ("write", "kernelspecs") in DenyResource.asked
