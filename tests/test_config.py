"""Administrator settings from c.KernelManagerConfig reach the routes."""

import pytest
from helpers import install_spec, snapshot


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "jupyterlab_kernel_manager": True,
                "jupyter_server_terminals": False,
            },
            "allow_unauthenticated_access": False,
        },
        "KernelManagerConfig": {
            "protected_kernelspecs": ["Guarded"],
            "max_display_name_length": 10,
        },
    }


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_protected_specs_are_refused_in_the_users_own_dir(api, user_kernels, method):
    install_spec(user_kernels, "guarded")
    before = snapshot(user_kernels)
    body = {"display_name": "Renamed"} if method == "PATCH" else None

    _, listing = await api()
    status, reply = await api("guarded", method=method, body=body)

    assert listing["kernelspecs"]["guarded"]["writable"] is False
    assert (status, reply["reason"]) == (403, "protected")
    assert snapshot(user_kernels) == before


async def test_display_name_length_follows_the_setting(api, user_kernels):
    install_spec(user_kernels, "mine")

    too_long, _ = await api("mine", method="PATCH", body={"display_name": "x" * 11})
    at_limit, body = await api("mine", method="PATCH", body={"display_name": "x" * 10})

    assert too_long == 400
    assert (at_limit, body["display_name"]) == (200, "x" * 10)
