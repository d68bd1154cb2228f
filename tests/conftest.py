"""A real Jupyter Server with the extension loaded, in isolated Jupyter directories.

pytest-jupyter's ``jp_environ`` points HOME, JUPYTER_DATA_DIR and jupyter_core's system
and environment paths at ``tmp_path``; the directory fixtures below request it so that
even tests without a server never see the real home.
"""

import json
from pathlib import Path

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "jupyterlab_kernel_manager": True,
                "jupyter_server_terminals": False,
            },
            "allow_unauthenticated_access": False,
        }
    }


@pytest.fixture
def user_kernels(jp_environ, jp_kernel_dir) -> Path:
    """jupyter_data_dir()/kernels, the only directory the extension may change."""
    return Path(jp_kernel_dir)


@pytest.fixture
def system_kernels(jp_environ, jp_system_jupyter_path) -> Path:
    """Stands in for /usr/local/share/jupyter/kernels."""
    return Path(jp_system_jupyter_path) / "kernels"


@pytest.fixture
def sys_prefix_kernels(jp_environ, jp_env_jupyter_path) -> Path:
    """Stands in for sys.prefix/share/jupyter/kernels."""
    return Path(jp_env_jupyter_path) / "kernels"


@pytest.fixture
def api(jp_fetch):
    """Call ``kernel-manager/kernelspecs[/name]``; gives (status, JSON body or None)."""

    async def call(*parts, method="GET", body=None, params=None, headers=None):
        kwargs = {}
        if body is not None:
            kwargs["body"] = (
                body if isinstance(body, (str, bytes)) else json.dumps(body)
            )
        response = await jp_fetch(
            "kernel-manager",
            "kernelspecs",
            *parts,
            method=method,
            params=params,
            headers=headers,
            raise_error=False,
            allow_nonstandard_methods=True,
            **kwargs,
        )
        return response.code, json.loads(response.body) if response.body else None

    return call


@pytest.fixture
def raw_api(http_server_client, jp_base_url, jp_auth_header):
    """Like ``api``, but the name segment is sent exactly as given (%2F, %2E%2E...)."""

    async def call(segment, method="GET", body=None):
        response = await http_server_client.fetch(
            f"{jp_base_url}kernel-manager/kernelspecs/{segment}",
            method=method,
            body=body,
            headers=dict(jp_auth_header),
            raise_error=False,
            allow_nonstandard_methods=True,
        )
        return response.code, json.loads(response.body) if response.body else None

    return call
