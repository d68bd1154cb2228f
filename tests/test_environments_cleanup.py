"""Failed, cancelled and orphaned creations leave nothing behind, and free the name."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from helpers import create_environment, install_spec, pip_is_installing, poll_job

from jupyterlab_kernel_manager import envdirs


def assert_nothing_left(envs_dir, user_kernels, name):
    assert not (envs_dir / name).exists()
    assert not (envs_dir / f".{name}{envdirs.MARKER_SUFFIX}").exists()
    assert not (user_kernels / name).exists()
    assert [p.name for p in envs_dir.iterdir()] == []


def plant(envs_dir, name, **marker):
    """An environment directory half made by some server, with its claim."""
    env = envs_dir / name
    (env / "lib").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    marker_file = envs_dir / f".{name}{envdirs.MARKER_SUFFIX}"
    marker_file.write_text(json.dumps(marker))
    return env, marker_file


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.slow
async def test_cancel_during_pip_install_leaves_nothing_and_frees_the_name(
    km, environments, envs_dir, user_kernels
):
    status, reply, _ = await km(
        "environments", method="POST", body={"name": "big", "backend": "venv"}
    )
    assert status == 202

    job, lines, _ = await poll_job(km, reply["job"], until=pip_is_installing)
    assert job["state"] == "running", lines
    assert (envs_dir / "big" / "bin" / "python").exists()
    status, busy, _ = await km("environments", method="POST", body={"name": "big"})
    assert (status, busy["reason"]) == (409, "busy")
    _, listing, _ = await km("environments")
    (being_made,) = listing["environments"]
    assert (being_made["healthy"], being_made["problem"], being_made["job"]) == (
        False,
        "being created",
        reply["job"],
    )

    status, summary, _ = await km("jobs", reply["job"], method="DELETE")

    assert status == 202
    assert (summary["state"], summary["error"]) == (
        "cancelled",
        "Cancelled by the user.",
    )
    assert summary["exit_status"] is not None and summary["exit_status"] < 0
    assert_nothing_left(envs_dir, user_kernels, "big")
    _, final, _ = await km("jobs", reply["job"])
    assert final["log"][-2:] == [
        "Cancelled by the user.",
        f"Removed the unfinished environment {envs_dir / 'big'}.",
    ]
    # The name is free again.
    job, lines = await create_environment(km, {"name": "big", "backend": "uv"})
    assert job["state"] == "succeeded", lines
    assert (user_kernels / "big" / "kernel.json").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "message"),
    [
        ("uv", "km-no-such-package-xyz was not found in the package registry"),
        ("venv", "No matching distribution found for km-no-such-package-xyz==1.0"),
    ],
)
async def test_failing_package_fails_the_job_with_the_tools_message(
    km, environments, envs_dir, user_kernels, backend, message
):
    job, lines = await create_environment(
        km,
        {
            "name": "bad",
            "backend": backend,
            "packages": ["km-no-such-package-xyz==1.0"],
        },
    )

    assert job["state"] == "failed"
    assert job["exit_status"] not in (None, 0)
    assert any(message in line for line in lines), lines
    assert job["error"].startswith(("uv exited with status", "python exited with status"))
    assert job["finished_at"] is not None
    assert_nothing_left(envs_dir, user_kernels, "bad")
    status, jobs, _ = await km("jobs")
    assert status == 200
    assert [j["id"] for j in jobs["jobs"]] == [job["id"]]
    status, refused, _ = await km("jobs", job["id"], method="DELETE")
    assert (status, refused["reason"]) == (409, "finished")


@pytest.mark.slow
async def test_failed_install_into_an_existing_environment_keeps_it(
    km, environments, envs_dir, user_kernels
):
    created, lines = await create_environment(km, {"name": "keep", "backend": "uv"})
    assert created["state"] == "succeeded", lines

    status, reply, _ = await km(
        "environments",
        "keep",
        "packages",
        method="POST",
        body={"packages": ["km-no-such-package-xyz==1.0"]},
    )
    assert status == 202
    job, lines, _ = await poll_job(km, reply["job"])

    assert (job["kind"], job["state"]) == ("install", "failed")
    assert (envs_dir / "keep" / "bin" / "python").exists()
    assert (user_kernels / "keep" / "kernel.json").exists()
    _, listing, _ = await km("environments")
    assert listing["environments"][0]["healthy"] is True
    _, jobs, _ = await km("jobs")
    assert [j["id"] for j in jobs["jobs"]] == [job["id"], created["id"]]


ORPHAN_MARKERS = [
    pytest.param(lambda: {"job": "gone", "pid": dead_pid()}, id="dead-server"),
    pytest.param(lambda: {"job": "unknown-job", "pid": os.getpid()}, id="restarted"),
    pytest.param(
        lambda: {"job": "x", "pid": os.getpid(), "host": "elsewhere"},
        id="old-remote",
    ),
]


def plant_orphan(envs_dir, marker):
    """An orphan claim of ``marker`` and the trash of an unfinished removal."""
    data = {"host": socket.gethostname(), "backend": "venv", **marker()}
    env, marker_file = plant(envs_dir, "orphan", **data)
    trash = envs_dir / f"{envdirs.TRASH_PREFIX}old-1234"
    (trash / "lib").mkdir(parents=True)
    if data["host"] == "elsewhere":
        # Older than any creation may last (creation_timeout is 900 s).
        old = time.time() - 900 - 120
        os.utime(marker_file, (old, old))
    return env, marker_file, trash


@pytest.mark.parametrize("marker", ORPHAN_MARKERS)
async def test_orphans_are_swept_when_the_server_starts(request, envs_dir, marker):
    env, marker_file, trash = plant_orphan(envs_dir, marker)

    request.getfixturevalue("jp_serverapp")

    assert not env.exists() and not marker_file.exists() and not trash.exists()


@pytest.mark.parametrize("marker", ORPHAN_MARKERS)
async def test_a_listing_does_not_sweep_and_a_creation_does(km, envs_dir, marker):
    env, marker_file, trash = plant_orphan(envs_dir, marker)

    status, listing, _ = await km("environments")

    # The listing reads the disk as it is: the sweep belongs to the server's start
    # and to creations.
    assert status == 200
    (entry,) = listing["environments"]
    assert (entry["name"], entry["problem"]) == ("orphan", "being created")
    assert env.exists() and marker_file.exists() and trash.exists()

    status, reply, _ = await km(
        "environments", method="POST", body={"name": "after", "backend": "venv"}
    )
    assert status == 202, reply
    assert not env.exists() and not marker_file.exists() and not trash.exists()
    status, _, _ = await km("jobs", reply["job"], method="DELETE")
    assert status == 202


async def test_an_orphan_does_not_block_its_name(km, environments, envs_dir, user_kernels):
    env, _ = plant(envs_dir, "reuse", job="gone", pid=dead_pid(), host=socket.gethostname())
    # ipykernel had already written the kernelspec when the server died.
    install_spec(
        user_kernels,
        "reuse",
        argv=[str(env / "bin" / "python"), "-m", "ipykernel_launcher"],
    )
    unrelated = install_spec(user_kernels, "other")

    status, reply, _ = await km(
        "environments", method="POST", body={"name": "reuse", "backend": "venv"}
    )

    assert status == 202
    assert not (user_kernels / "reuse").exists()
    assert (unrelated / "kernel.json").exists()
    status, _, _ = await km("jobs", reply["job"], method="DELETE")
    assert status == 202


@pytest.fixture
def stray(envs_dir):
    """A process still working on ``envs_dir/stray`` in its own process group."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)", str(envs_dir / "stray")],
        start_new_session=True,
    )
    yield process
    process.kill()
    process.wait()


async def test_an_orphans_stray_process_is_stopped(request, envs_dir, stray):
    env, _ = plant(
        envs_dir,
        "stray",
        job="gone",
        pid=dead_pid(),
        host=socket.gethostname(),
        pgid=stray.pid,
    )

    request.getfixturevalue("jp_serverapp")

    assert stray.wait(timeout=10) == -9
    assert not env.exists()


@pytest.mark.parametrize("host", ["here", "elsewhere"])
async def test_a_live_claim_is_busy_and_kept(km, environments, envs_dir, host):
    hostname = socket.gethostname() if host == "here" else "elsewhere"
    env, marker_file = plant(envs_dir, "taken", job="theirs", pid=os.getppid(), host=hostname)

    status, reply, _ = await km("environments", method="POST", body={"name": "taken"})
    _, listing, _ = await km("environments")
    deleted, refusal, _ = await km("environments", "taken", method="DELETE")

    assert (status, reply["reason"]) == (409, "busy")
    assert (deleted, refusal["reason"]) == (409, "busy")
    (entry,) = listing["environments"]
    assert (entry["name"], entry["problem"], entry["job"]) == (
        "taken",
        "being created",
        None,
    )
    assert env.is_dir() and marker_file.exists()
