"""c.KernelManagerConfig.disabled_routes: a switched-off part of the API answers every
verb of every route it covers with a 404 the client can read, once the request is
authenticated and authorized as usual; the other parts work; and with environments
off, nothing of them runs in the background."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from typing import ClassVar

import psutil
import pytest
from jupyter_server.auth.authorizer import Authorizer
from traitlets import TraitError

from jupyterlab_kernel_manager import KernelManagerConfig, envdirs

# Each part's routes, with a segment where the route takes one.
PARTS = {
    "kernelspecs": [("kernelspecs",), ("kernelspecs", "x")],
    "environments": [
        ("environments",),
        ("environments", "x"),
        ("environments", "x", "packages"),
        ("backends",),
        ("jobs",),
        ("jobs", "x"),
    ],
    "processes": [("processes",), ("processes", "history"), ("processes", "1", "signal")],
}
# A route of each part that answers 200 to a GET when the part is on.
LISTINGS = {
    "kernelspecs": ("kernelspecs",),
    "environments": ("environments",),
    "processes": ("processes",),
}
VERBS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class DenyResource(Authorizer):
    """Allows everything but the resources in ``denied`` (set by a test)."""

    denied: ClassVar[set[str]] = set()

    def is_authorized(self, handler, user, action, resource):
        return resource not in self.denied


@pytest.fixture(params=list(PARTS))
def part(request):
    return request.param


@pytest.fixture
def jp_server_config(jp_server_config, part):
    return {
        **jp_server_config,
        "ServerApp": {**jp_server_config["ServerApp"], "authorizer_class": DenyResource},
        "KernelManagerConfig": {"disabled_routes": [part]},
    }


async def fetch(jp_fetch, path, method, **kwargs):
    response = await jp_fetch(
        "kernel-manager",
        *path,
        method=method,
        body=None if method in ("GET", "DELETE", "OPTIONS", "HEAD") else "{}",
        raise_error=False,
        allow_nonstandard_methods=True,
        **kwargs,
    )
    return response


def switched_off(response, part: str) -> bool:
    return (
        response.code == 404
        and response.headers["Content-Type"].startswith("application/json")
        and json.loads(response.body)
        == {
            "message": f"An administrator has switched {part} off on this server.",
            "reason": "switched-off",
        }
    )


async def test_a_switched_off_part_answers_every_verb_with_a_404(jp_fetch, part):
    for path in PARTS[part]:
        for method in VERBS:
            response = await fetch(jp_fetch, path, method)
            assert switched_off(response, part), (path, method, response.code, response.body)
        # The same reply without its body.
        response = await fetch(jp_fetch, path, "HEAD")
        assert (response.code, response.body) == (404, b""), path


async def test_the_other_parts_still_work(jp_fetch, part):
    for other, path in LISTINGS.items():
        if other != part:
            response = await fetch(jp_fetch, path, "GET")
            assert response.code == 200, (other, response.body)
    if part != "environments":
        response = await fetch(jp_fetch, ("backends",), "GET")
        assert response.code == 200
        assert set(json.loads(response.body)) == {"default_backend", "backends"}


async def test_authentication_and_permissions_come_first(
    http_server_client, jp_base_url, jp_fetch, monkeypatch, part
):
    for path in PARTS[part]:
        for method in VERBS:
            for headers, status in (({}, 401), ({"Authorization": "token wrong"}, 403)):
                response = await http_server_client.fetch(
                    f"{jp_base_url}kernel-manager/{'/'.join(path)}",
                    method=method,
                    headers=headers,
                    body=None if method in ("GET", "DELETE", "OPTIONS") else "{}",
                    raise_error=False,
                    allow_nonstandard_methods=True,
                )
                assert response.code == status, (path, method, headers, response.code)
                assert b"switched-off" not in response.body

    monkeypatch.setattr(DenyResource, "denied", {"kernelspecs", "kernels"})
    for path in PARTS[part]:
        for method in VERBS:
            response = await fetch(jp_fetch, path, method)
            # Every verb a route has needs one of them; the others need none.
            if method in ("GET", "POST", "PATCH", "DELETE") and response.code == 403:
                assert b"switched-off" not in response.body
            else:
                assert switched_off(response, part), (path, method, response.code)
    # Each route has at least one verb: refused by the Authorizer first.
    refused = [
        path
        for path in PARTS[part]
        for method in VERBS
        if (await fetch(jp_fetch, path, method)).code == 403
    ]
    assert {tuple(path) for path in refused} == set(PARTS[part])


@pytest.mark.parametrize("part", ["environments"])
async def test_with_environments_off_nothing_of_them_runs(request, envs_dir, part):
    # An orphan that a start with environments on would sweep.
    env = envs_dir / "orphan"
    (env / "lib").mkdir(parents=True)
    marker = envs_dir / f".orphan{envdirs.MARKER_SUFFIX}"
    marker.write_text(json.dumps({"job": "gone", "pid": os.getpid(), "host": socket.gethostname()}))
    before = {child.pid for child in psutil.Process().children(recursive=True)}

    serverapp = request.getfixturevalue("jp_serverapp")
    environments = serverapp.web_app.settings["kernel_manager_environments"]
    # Long enough for queued start-up work to run and spawn its probes.
    await asyncio.sleep(0.5)

    assert env.is_dir() and marker.exists()
    assert (environments._backends, environments._warming) == (None, None)
    spawned = {child.pid for child in psutil.Process().children(recursive=True)} - before
    assert spawned == set()


@pytest.mark.parametrize("part", ["kernelspecs"])
async def test_with_environments_on_detection_and_checks_start_with_the_server(
    request, envs_dir, part
):
    """The opposite of the test above: what "nothing runs" is measured against."""
    serverapp = request.getfixturevalue("jp_serverapp")
    environments = serverapp.web_app.settings["kernel_manager_environments"]
    await asyncio.sleep(0.1)

    assert environments._warming is not None
    await asyncio.wait_for(asyncio.shield(environments._warming), 60)
    assert environments._backends is not None


@pytest.mark.parametrize("value", [["environment"], ["kernelspecs", "jobs"], ["Processes"], [""]])
def test_unknown_parts_are_refused_by_name(value):
    with pytest.raises(TraitError, match="unknown parts") as refused:
        KernelManagerConfig(disabled_routes=value)
    for name in value:
        if name not in ("kernelspecs",):
            assert repr(name) in str(refused.value)


def test_every_part_can_be_switched_off_at_once():
    config = KernelManagerConfig(disabled_routes=["kernelspecs", "environments", "processes"])
    assert not any(config.enabled(part) for part in PARTS)
