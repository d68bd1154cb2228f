"""Every route needs an authenticated user; refusals leave the files alone."""

import json

import pytest
from helpers import install_spec, snapshot


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("GET", None),
        ("PATCH", json.dumps({"display_name": "Hijacked"})),
        ("DELETE", None),
    ],
)
async def test_requests_without_a_token_are_refused(jp_fetch, user_kernels, method, body):
    install_spec(user_kernels, "mine")
    before = snapshot(user_kernels)
    path = (
        ("kernel-manager", "kernelspecs")
        if method == "GET"
        else ("kernel-manager", "kernelspecs", "mine")
    )

    response = await jp_fetch(
        *path,
        method=method,
        body=body,
        headers={"Authorization": ""},
        raise_error=False,
        allow_nonstandard_methods=True,
    )

    assert response.code in (401, 403)
    assert b"kernelspecs" not in response.body
    assert snapshot(user_kernels) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", ("environments",), None),
        ("POST", ("environments",), {"name": "sneaky", "backend": "venv"}),
        ("DELETE", ("environments", "made"), None),
        ("GET", ("environments", "made", "packages"), None),
        ("POST", ("environments", "made", "packages"), {"packages": ["x"]}),
        ("GET", ("jobs",), None),
        ("GET", ("jobs", "some-id"), None),
        ("DELETE", ("jobs", "some-id"), None),
    ],
)
async def test_environment_routes_refuse_requests_without_a_token(
    jp_fetch, envs_dir, user_kernels, method, path, body
):
    (envs_dir / "made").mkdir(parents=True)
    (envs_dir / "made" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    before = (snapshot(envs_dir), sorted(p.name for p in envs_dir.iterdir()))

    response = await jp_fetch(
        "kernel-manager",
        *path,
        method=method,
        body=None if body is None else json.dumps(body),
        headers={"Authorization": ""},
        raise_error=False,
        allow_nonstandard_methods=True,
    )

    assert response.code in (401, 403)
    assert b"environments" not in response.body
    assert (snapshot(envs_dir), sorted(p.name for p in envs_dir.iterdir())) == before
