"""A real Jupyter Server with the extension loaded, in isolated Jupyter directories.

pytest-jupyter's ``jp_environ`` points HOME, JUPYTER_DATA_DIR and jupyter_core's system
and environment paths at ``tmp_path``; the directory fixtures below request it so that
even tests without a server never see the real home.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
from unix_users import run_as, stop, unix_accounts

from jupyterlab_kernel_manager import jobs

pytest_plugins = ("pytest_jupyter.jupyter_server",)


def pytest_terminal_summary(terminalreporter):
    """What the fuzzer ran (tests/test_fuzz_api.py), when it ran."""
    fuzz = sys.modules.get("test_fuzz_api")
    if fuzz is not None and fuzz.RECORD.answers:
        terminalreporter.write_sep("-", "schemathesis: cases per operation (by status)")
        for line in fuzz.RECORD.summary():
            terminalreporter.write_line(line)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "slow: builds real environments from PyPI (seconds each); runs by default, "
        "deselect with -m 'not slow'",
    )


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
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
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


# Read before pytest-jupyter points HOME at a temporary directory: uv's and pip's
# caches stay warm between tests, as they are for a real user.
_USER_CACHE = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")


@pytest.fixture(autouse=True)
def warm_package_caches(monkeypatch):
    monkeypatch.setenv(
        "UV_CACHE_DIR",
        os.environ.get("UV_CACHE_DIR") or os.path.join(_USER_CACHE, "uv"),
    )
    monkeypatch.setenv(
        "PIP_CACHE_DIR",
        os.environ.get("PIP_CACHE_DIR") or os.path.join(_USER_CACHE, "pip"),
    )


@pytest.fixture
def km(jp_fetch):
    """Call ``kernel-manager/<parts>``; gives (status, JSON body or None, headers)."""

    async def call(*parts, method="GET", body=None, params=None):
        kwargs = {}
        if body is not None:
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        response = await jp_fetch(
            "kernel-manager",
            *parts,
            method=method,
            params=params,
            raise_error=False,
            allow_nonstandard_methods=True,
            **kwargs,
        )
        body = json.loads(response.body) if response.body else None
        return response.code, body, response.headers

    return call


@pytest.fixture
def envs_dir(jp_environ, jp_data_dir) -> Path:
    """The default environments_dir: <jupyter data dir>/kernel-manager/envs."""
    return Path(jp_data_dir) / "kernel-manager" / "envs"


@pytest.fixture
def environments(jp_serverapp):
    """The extension's Environments object (its jobs, its live config)."""
    return jp_serverapp.web_app.settings["kernel_manager_environments"]


@pytest.fixture(autouse=True)
def no_job_outlives_its_test(jp_asyncio_loop):
    """A test that ends early must not leave a job's processes or files behind."""
    yield
    for registry in jobs.all_registries():
        if registry.running():
            jp_asyncio_loop.run_until_complete(registry.cancel_all())


@pytest.fixture
def without_server_pythonpath(jp_environ, monkeypatch):
    """pytest-jupyter exports the test's sys.path as PYTHONPATH, which kernels inherit;
    a kernel of an environment must import that environment's packages, not ours."""
    monkeypatch.delenv("PYTHONPATH", raising=False)


@pytest.fixture(scope="module")
def unix_users():
    """Real accounts ``kmtest-a`` and ``kmtest-b`` (name -> pwd entry), removed after
    the module with everything they ran."""
    if os.geteuid() != 0:
        pytest.skip("creating Unix accounts needs root (CI runs the tests as root)")
    with unix_accounts("kmtest-a", "kmtest-b") as accounts:
        yield accounts


@pytest.fixture(scope="module")
def sleepers(unix_users):
    """One sleeping process per account: name -> (Popen, a secret on its command line)."""
    started = {}
    try:
        for name, account in unix_users.items():
            secret = f"{name}-secret-{uuid.uuid4().hex}"
            process = run_as(
                account,
                ["/usr/bin/python3", "-c", "import time; time.sleep(300)", secret],
            )
            started[name] = (process, secret)
            # Until exec the child is a copy of this process under the new uid.
            while secret not in psutil.Process(process.pid).cmdline():
                assert process.poll() is None
                time.sleep(0.01)
        yield started
    finally:
        for process, _ in started.values():
            stop(process)
