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
async def test_requests_without_a_token_are_refused(
    jp_fetch, user_kernels, method, body
):
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
