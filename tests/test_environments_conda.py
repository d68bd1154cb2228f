"""The conda backend with a stand-in ``mamba`` first on PATH (tests/fake_mamba.py).

No conda channel is reachable from the test machines, so no test here runs a real
conda: these check our command lines, the streamed log and the clean-up.
"""

import json
import os
import sys
from pathlib import Path

import pytest
from helpers import create_environment, poll_job
from packaging.utils import canonicalize_name

from jupyterlab_kernel_manager import envdirs

pytestmark = pytest.mark.slow

# The stand-in builds from the interpreter running the tests.
SERVER_PYTHON = "{}.{}".format(*sys.version_info[:2])


@pytest.fixture
def fake_mamba(jp_environ, tmp_path, monkeypatch):
    """``mamba`` on PATH; gives the argv log it writes."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    script = bin_dir / "mamba"
    source = (Path(__file__).parent / "fake_mamba.py").read_text()
    script.write_text(f"#!{sys.executable}\n{source}")
    script.chmod(0o755)
    calls = tmp_path / "mamba-calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_MAMBA_LOG", str(calls))
    monkeypatch.setenv("FAKE_MAMBA_PIDS", str(tmp_path / "mamba-pids"))
    return script, calls


@pytest.fixture
def jp_server_config(jp_server_config, fake_mamba):
    """mamba is on PATH before the server starts: it detects its backends then."""
    return jp_server_config


def recorded(calls: Path) -> list:
    return [json.loads(line) for line in calls.read_text().splitlines()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed process that nobody reaped yet is a zombie: dead all the same.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def assert_nothing_left(envs_dir, user_kernels, name):
    assert not (envs_dir / name).exists()
    assert not (envs_dir / f".{name}{envdirs.MARKER_SUFFIX}").exists()
    assert not (user_kernels / name).exists()
    assert [p.name for p in envs_dir.iterdir()] == []


async def test_conda_backend_is_detected_and_reported(km, fake_mamba):
    script, _ = fake_mamba

    status, listing, _ = await km("backends")

    assert status == 200
    conda = next(b for b in listing["backends"] if b["name"] == "conda")
    assert conda == {
        "name": "conda",
        "available": True,
        "executable": str(script),
        "pythons": sorted(
            {"3.9", "3.10", "3.11", "3.12", "3.13", "3.14", SERVER_PYTHON},
            key=lambda version: tuple(map(int, version.split("."))),
        ),
        "default_python": SERVER_PYTHON,
        "reason": None,
    }


async def test_conda_create_streams_its_log_lists_and_removes(
    km, fake_mamba, environments, envs_dir, user_kernels, monkeypatch
):
    script, calls = fake_mamba
    monkeypatch.setenv("FAKE_MAMBA_SLEEP", "1.5")
    env_path = envs_dir / "sci"

    status, reply, _ = await km(
        "environments",
        method="POST",
        body={
            "name": "sci",
            "backend": "conda",
            "python": SERVER_PYTHON,
            "packages": ["tomli-w"],
        },
    )
    assert status == 202
    job, lines, states = await poll_job(km, reply["job"], interval=0.1)

    assert job["state"] == "succeeded", lines
    create_line = f"$ {script} create -y -p {env_path} python={SERVER_PYTHON} ipykernel pip"
    assert create_line in lines
    # The fake's first lines were served while it was still running.
    first = lines.index("fake-mamba: downloading packages")
    assert any(state == "running" and seen > first for state, seen in states)
    assert lines.index("fake-mamba: done") > first
    pip_line = next(line for line in lines if "-m pip install" in line)
    assert pip_line == (
        f"$ {env_path}/bin/python -m pip install --disable-pip-version-check "
        "--no-input --progress-bar off tomli-w"
    )
    assert lines.index(pip_line) > lines.index("fake-mamba: done")
    spec = json.loads((user_kernels / "sci" / "kernel.json").read_text())
    assert spec["metadata"]["kernel_manager"]["environment"] == {
        "path": str(env_path),
        "backend": "conda",
    }

    _, listing, _ = await km("environments")
    (env,) = listing["environments"]
    assert (env["name"], env["backend"], env["healthy"]) == ("sci", "conda", True)
    assert env["python_version"].startswith(f"{SERVER_PYTHON}.")

    status, packages, _ = await km("environments", "sci", "packages")
    assert status == 200
    names = {canonicalize_name(p["name"]) for p in packages["packages"]}
    assert {"ipykernel", "tomli-w"} <= names
    assert recorded(calls) == [
        [
            str(script),
            "create",
            "-y",
            "-p",
            str(env_path),
            f"python={SERVER_PYTHON}",
            "ipykernel",
            "pip",
        ],
        [str(script), "list", "--json", "-p", str(env_path)],
    ]

    status, reply, _ = await km("environments", "sci", method="DELETE")
    assert (status, reply) == (200, {"shut_down": []})
    # The name and the kernelspec are free at once; the files go just after.
    assert not (envs_dir / "sci").exists() and not (user_kernels / "sci").exists()
    await environments.removals_done()
    assert_nothing_left(envs_dir, user_kernels, "sci")


async def test_cancelling_conda_kills_its_process_group_and_leaves_nothing(
    km, fake_mamba, environments, envs_dir, user_kernels, tmp_path, monkeypatch
):
    monkeypatch.setenv("FAKE_MAMBA_SLEEP", "120")
    status, reply, _ = await km(
        "environments", method="POST", body={"name": "stuck", "backend": "conda"}
    )
    assert status == 202
    await poll_job(
        km,
        reply["job"],
        until=lambda lines: "fake-mamba: downloading packages" in lines,
    )
    mamba_pid, sleep_pid = map(int, (tmp_path / "mamba-pids").read_text().split())
    assert (envs_dir / f".stuck{envdirs.MARKER_SUFFIX}").exists()
    status, busy, _ = await km(
        "environments", method="POST", body={"name": "stuck", "backend": "conda"}
    )
    assert (status, busy["reason"]) == (409, "busy")

    status, summary, _ = await km("jobs", reply["job"], method="DELETE")

    assert status == 202
    assert (summary["state"], summary["error"]) == (
        "cancelled",
        "Cancelled by the user.",
    )
    assert not alive(mamba_pid) and not alive(sleep_pid)
    assert_nothing_left(envs_dir, user_kernels, "stuck")
    status, again, _ = await km("jobs", reply["job"], method="DELETE")
    assert (status, again["reason"]) == (409, "finished")


async def test_timed_out_conda_creation_leaves_nothing(
    km, fake_mamba, environments, envs_dir, user_kernels, tmp_path, monkeypatch
):
    monkeypatch.setenv("FAKE_MAMBA_SLEEP", "120")
    environments.config.creation_timeout = 2

    status, reply, _ = await km(
        "environments", method="POST", body={"name": "slowpoke", "backend": "conda"}
    )
    assert status == 202
    job, lines, _ = await poll_job(km, reply["job"])

    assert (job["state"], job["error"]) == ("failed", "Timed out after 2 seconds."), lines
    mamba_pid, sleep_pid = map(int, (tmp_path / "mamba-pids").read_text().split())
    assert not alive(mamba_pid) and not alive(sleep_pid)
    assert_nothing_left(envs_dir, user_kernels, "slowpoke")


async def test_conda_package_failure_leaves_nothing(
    km, fake_mamba, environments, envs_dir, user_kernels
):
    job, lines = await create_environment(
        km,
        {
            "name": "broken",
            "backend": "conda",
            "packages": ["km-no-such-package-xyz==1.0"],
        },
    )

    assert job["state"] == "failed"
    assert job["exit_status"] == 1
    assert "fake-mamba: done" in lines
    assert any(
        "No matching distribution found for km-no-such-package-xyz" in line for line in lines
    )
    assert_nothing_left(envs_dir, user_kernels, "broken")


async def test_conda_refusals_create_nothing(km, fake_mamba, envs_dir):
    cases = [
        ({"python": "2.7"}, "invalid-python"),
        ({"python": "3.99"}, "invalid-python"),
        ({"system_site_packages": True}, "invalid-body"),
    ]
    for body, reason in cases:
        status, reply, _ = await km(
            "environments",
            method="POST",
            body={"name": "nope", "backend": "conda", **body},
        )

        assert (status, reply["reason"]) == (400, reason), body
        assert not envs_dir.exists() or list(envs_dir.iterdir()) == []
