"""A real JupyterHub for the tests in this directory, one per test session.

See hub_launcher.py. Without node or configurable-http-proxy the tests are skipped
with the reason, except under CI (``$CI``), where scripts/setup.sh installs both
and a skip would hide a broken set-up: there they fail.
"""

import pytest
from helpers import unavailable
from hub_launcher import (
    ADMIN,
    SCOPES_CONFIG,
    Hub,
    granted_scopes,
    proxy_command,
    scopes_config,
)


def pytest_report_header(config):
    if scopes_config() != SCOPES_CONFIG:
        return f"hub scopes: {scopes_config()} ($KM_HUB_SCOPES_CONFIG)"


@pytest.fixture(scope="session")
def hub():
    if proxy_command() is None:
        reason = (
            "configurable-http-proxy (hub/node_modules/.bin) or node is missing: "
            "run scripts/setup.sh"
        )
        unavailable(reason)
    started = Hub().start()
    try:
        yield started
    finally:
        leftovers = started.stop()
    assert not leftovers, f"processes left after the hub stopped: {leftovers}"


@pytest.fixture(scope="session")
def admin_token(hub):
    """An API token of the admin user's with what their JupyterLab page gets."""
    return hub.user_token(ADMIN, granted_scopes())


@pytest.fixture(scope="session")
def alice_token(hub):
    """An API token of alice's with all of her own permissions."""
    return hub.user_token("alice")


@pytest.fixture(scope="session")
def bob_token(hub):
    return hub.user_token("bob")
