"""Helper processes read nothing from where the server runs, nor config files that
could redirect them; an unusable environments_dir is a 409; slow package listings
do not hold up other routes.

The server runs in the pytest process: ``monkeypatch.chdir`` is its working
directory (on a hub, the user's home).
"""

import asyncio
import json
import os
import sys
import time

import pytest
from helpers import create_environment, poll_job

from jupyterlab_kernel_manager import envdirs

TRAP = "import os\nwith open({marker!r}, 'a') as f:\n    f.write({name!r} + '\\n')\n"


def fake_environment(envs_dir, name, script, *, config="home = /usr/bin\n"):
    """An environment directory whose ``bin/python`` is the shell ``script``."""
    env = envs_dir / name
    (env / "bin").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text(config)
    python = env / "bin" / "python"
    python.write_text("#!/bin/sh\n" + script)
    python.chmod(0o755)
    return env


@pytest.fixture
def trapped_cwd(tmp_path, monkeypatch):
    """The server's working directory, holding modules and config that must not
    be read; gives the file each trap appends its name to."""
    cwd = tmp_path / "server-cwd"
    cwd.mkdir()
    marker = tmp_path / "trapped"
    # `python -c`/`-m` put the working directory first on sys.path.
    for module in ("ipykernel", "pip", "venv", "ensurepip", "json", "subprocess"):
        (cwd / f"{module}.py").write_text(TRAP.format(marker=str(marker), name=module))
    # uv reads these from its working directory and every parent.
    (cwd / "uv.toml").write_text("this is not TOML [\n")
    (cwd / "pyproject.toml").write_text("this is not TOML [\n")
    monkeypatch.chdir(cwd)
    return marker


async def test_probes_and_listings_import_nothing_from_the_servers_directory(
    km, envs_dir, trapped_cwd
):
    # Runs the test's own interpreter, whose site-packages hold ipykernel and pip.
    fake_environment(envs_dir, "plain", f'exec {sys.executable} "$@"\n')
    uv_env = fake_environment(
        envs_dir, "byuv", f'exec {sys.executable} "$@"\n', config="uv = 0.1\n"
    )

    status, listing, _ = await km("environments")
    assert status == 200, listing
    status, found, _ = await km("backends")
    assert status == 200, found
    backends = {b["name"]: b for b in found["backends"]}
    assert backends["venv"]["available"], backends["venv"]
    assert backends["uv"]["available"], backends["uv"]
    envs = {env["name"]: env for env in listing["environments"]}
    assert envs["plain"]["healthy"], envs["plain"]
    assert envs["plain"]["python_version"] == "{}.{}.{}".format(*sys.version_info[:3])

    for name in ("plain", "byuv"):
        status, reply, _ = await km("environments", name, "packages")
        assert status == 200, (name, reply)
        names = {package["name"].lower() for package in reply["packages"]}
        assert {"ipykernel", "pip"} <= names, (name, names)

    assert not trapped_cwd.exists(), trapped_cwd.read_text()
    assert uv_env.is_dir()


def test_helpers_run_isolated():
    """Every Python helper takes -I -B, every child gets no config of pip or uv."""
    from jupyterlab_kernel_manager import backends, probes

    env = probes.child_environment()
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["UV_NO_CONFIG"] == "1"
    assert env["PIP_NO_INPUT"] == "1"
    argv = backends.list_command("venv", {}, "/e")
    assert argv[:3] == ["/e/bin/python", "-I", "-B"]


async def test_environment_names_that_tools_read_as_config_break_nothing(
    km, envs_dir, user_kernels, without_server_pythonpath
):
    # A directory named like uv's config beside (so above) the job directories
    # made every later uv command fail.
    for name in ("pyproject.toml", "uv.toml"):
        (envs_dir / name).mkdir(parents=True)
    job, lines = await create_environment(km, {"name": "after", "backend": "uv"})
    assert job["state"] == "succeeded", lines
    assert (user_kernels / "after" / "kernel.json").is_file()
    jobs_dir = envs_dir.parent / "jobs"
    for directory in (envs_dir, jobs_dir):
        names = [p.name for p in directory.iterdir()]
        assert not any(n.startswith(envdirs.JOB_DIR_PREFIX) for n in names), names


@pytest.mark.slow
async def test_an_environments_pip_conf_is_not_read(
    km, envs_dir, user_kernels, without_server_pythonpath, tmp_path
):
    job, lines = await create_environment(km, {"name": "pyproject.toml", "backend": "venv"})
    assert job["state"] == "succeeded", lines
    env = envs_dir / "pyproject.toml"
    pip_log = tmp_path / "pip-wrote-this.log"
    # pip reads <prefix>/pip.conf: a wheel could plant one to redirect the index.
    (env / "pip.conf").write_text(
        f"[global]\nindex-url = http://127.0.0.1:9/\nretries = 0\ntimeout = 1\nlog = {pip_log}\n"
    )

    status, reply, _ = await km("environments", "pyproject.toml", "packages")
    assert status == 200, reply
    status, reply, _ = await km(
        "environments",
        "pyproject.toml",
        "packages",
        method="POST",
        body={"packages": ["iniconfig"]},
    )
    assert status == 202, reply
    added, lines, _ = await poll_job(km, reply["job"])
    assert added["state"] == "succeeded", lines
    assert not any("127.0.0.1:9" in line for line in lines), lines
    assert not pip_log.exists()

    # An environment named like uv's project file: uv still works beside it.
    job, lines = await create_environment(km, {"name": "then-uv", "backend": "uv"})
    assert job["state"] == "succeeded", lines


@pytest.mark.parametrize("kind", ["file", "dangling symlink"])
async def test_an_unusable_environments_dir_is_a_conflict(km, envs_dir, kind):
    envs_dir.parent.mkdir(parents=True, exist_ok=True)
    if kind == "file":
        envs_dir.write_text("not a directory")
    else:
        envs_dir.symlink_to(envs_dir.parent / "nowhere")

    status, reply, _ = await km(
        "environments", method="POST", body={"name": "x", "backend": "venv"}
    )

    assert (status, reply["reason"]) == (409, "not-writable"), reply
    assert str(envs_dir) in reply["message"]


async def test_slow_package_listings_do_not_hold_up_other_routes(km, envs_dir, tmp_path):
    runs = tmp_path / "runs"
    listing = json.dumps([{"name": "slowpkg", "version": "1.0"}])
    fake_environment(envs_dir, "slow", f"echo run >> {runs}\nsleep 3\necho '{listing}'\n")

    # Backends detected, threads of the default pool started.
    status, _, _ = await km("environments")
    assert status == 200
    started = time.monotonic()
    listings = [asyncio.ensure_future(km("environments", "slow", "packages")) for _ in range(8)]
    while not runs.exists():
        assert time.monotonic() - started < 30
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    before = time.monotonic()
    status, _, _ = await km("kernelspecs")
    latency = time.monotonic() - before
    replies = await asyncio.gather(*listings)
    duration = time.monotonic() - started

    assert status == 200
    assert latency < duration / 3, (latency, duration)
    assert [status for status, _, _ in replies] == [200] * 8
    assert all(
        reply["packages"] == [{"name": "slowpkg", "version": "1.0"}] for _, reply, _ in replies
    )
    # One listing in flight per environment, shared (8 before); a request that a
    # loaded machine delays past the first listing starts a second.
    assert len(runs.read_text().split()) <= 2
