"""Each job's installers run in an empty directory of the job, with their temporary
files in it, and nothing of it outlives the job.

Slow: real uv and venv + pip environments.
"""

import json
import os
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from helpers import create_environment, pip_is_installing, poll_job

from jupyterlab_kernel_manager import envdirs


def job_dirs(jobs_dir):
    return sorted(p.name for p in jobs_dir.glob(f"{envdirs.JOB_DIR_PREFIX}*"))


@pytest.fixture
def jobs_dir(envs_dir):
    """<jupyter data dir>/kernel-manager/jobs: outside the environments directory."""
    return envs_dir.parent / "jobs"


def environment_of(pid: int) -> dict:
    data = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split(b"=", 1) for item in data.split(b"\0") if b"=" in item)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.fixture
def fresh_tmpdir(tmp_path, monkeypatch):
    """TMPDIR of the server (and of everything it starts): an empty directory."""
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return tmp


@pytest.mark.slow
async def test_installers_run_in_an_empty_directory_of_their_job(
    km, environments, envs_dir, jobs_dir, user_kernels, fresh_tmpdir
):
    status, reply, _ = await km(
        "environments", method="POST", body={"name": "wd", "backend": "venv"}
    )
    assert status == 202

    job, lines, _ = await poll_job(km, reply["job"], until=pip_is_installing)
    assert job["state"] == "running", lines
    marker = envdirs.read_marker(str(envs_dir / f".wd{envdirs.MARKER_SUFFIX}"))
    pip = marker["pgid"]
    cwd = os.readlink(f"/proc/{pip}/cwd")
    environ = environment_of(pip)

    job_dir = os.path.dirname(cwd)
    assert os.path.dirname(job_dir) == str(jobs_dir)
    assert os.path.basename(job_dir).startswith(envdirs.JOB_DIR_PREFIX)
    assert os.listdir(cwd) == []
    assert environ[b"TMPDIR"] == os.fsencode(os.path.join(job_dir, "tmp"))

    status, summary, _ = await km("jobs", reply["job"], method="DELETE")
    assert (status, summary["state"]) == (202, "cancelled")
    assert list(envs_dir.iterdir()) == []
    assert job_dirs(jobs_dir) == []
    # pip stopped half-way leaves its pip-* directories: in the job's, gone with it.
    assert list(fresh_tmpdir.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["uv", "venv"])
async def test_creating_an_environment_leaves_nothing_in_tmp(
    km, environments, envs_dir, jobs_dir, user_kernels, fresh_tmpdir, backend
):
    job, lines = await create_environment(
        km, {"name": "clean", "backend": backend, "packages": ["iniconfig"]}
    )

    assert job["state"] == "succeeded", lines
    assert (user_kernels / "clean" / "kernel.json").is_file()
    assert list(fresh_tmpdir.iterdir()) == []
    assert sorted(p.name for p in envs_dir.iterdir()) == ["clean"]
    assert job_dirs(jobs_dir) == []

    status, reply, _ = await km(
        "environments", "clean", "packages", method="POST", body={"packages": ["tomli"]}
    )
    assert status == 202
    added, lines, _ = await poll_job(km, reply["job"])
    assert added["state"] == "succeeded", lines
    assert list(fresh_tmpdir.iterdir()) == []
    assert sorted(p.name for p in envs_dir.iterdir()) == ["clean"]
    assert job_dirs(jobs_dir) == []


async def test_job_directories_of_dead_servers_are_swept(request, envs_dir, jobs_dir):
    here = socket.gethostname()
    owners = {
        "dead": {"job": "gone", "pid": dead_pid(), "host": here},
        "restarted": {"job": "unknown-job", "pid": os.getpid(), "host": here},
        "alive": {"job": "theirs", "pid": os.getppid(), "host": here},
    }
    for name, owner in owners.items():
        job_dir = jobs_dir / f"{envdirs.JOB_DIR_PREFIX}{name}"
        (job_dir / "cwd").mkdir(parents=True)
        (job_dir / "tmp" / "pip-build").mkdir(parents=True)
        (job_dir / "owner.json").write_text(json.dumps(owner))

    # At the server's start (a listing does not sweep).
    request.getfixturevalue("jp_serverapp")

    assert job_dirs(jobs_dir) == [f"{envdirs.JOB_DIR_PREFIX}alive"]
