"""Test helpers: installing kernelspecs and proving that files did not change."""

import json
import os
import sys
from pathlib import Path

import pytest

PYTHON_ARGV = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def _recorded_environment(path: str) -> dict:
    environment = {"path": path, "backend": "uv"}
    return {"metadata": {"kernel_manager": {"environment": environment}}}


# kernel.json fields naming paths no file system takes (a NUL, a lone surrogate).
UNUSABLE_PATH_FIELDS = [
    {"argv": ["/a/b\u0000/bin/python", "-f", "{connection_file}"]},
    {"argv": ["/a/\ud800/bin/python", "-f", "{connection_file}"]},
    _recorded_environment("/x\u0000y"),
    _recorded_environment("/x\ud800"),
]


def unavailable(reason: str) -> None:
    """Skip a test this machine cannot run, saying why; under CI (``$CI``), where
    scripts/setup.sh and the machine provide everything, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def install_spec(kernels_dir: Path, name: str, **fields) -> Path:
    """Write ``kernels_dir/name/kernel.json``; returns the spec directory."""
    spec = {"argv": PYTHON_ARGV, "display_name": name, "language": "python", **fields}
    spec_dir = kernels_dir / name
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return spec_dir


def snapshot(directory: Path) -> dict:
    """Every file under ``directory`` with its bytes and mode."""
    return {
        str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mode)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def pip_is_installing(lines: list[str]) -> bool:
    """``poll_job``'s ``until``: pip has started installing and printed a line."""
    starts = [i for i, line in enumerate(lines) if "-m pip install" in line]
    return bool(starts) and len(lines) > starts[0] + 1


async def poll_job(km, job_id, *, until=None, timeout=240.0, interval=0.2):
    """Follow a job's log with ``?since=``; stops when it finishes or ``until(lines)``.

    Returns (last reply, every log line seen, the states seen at each poll).
    """
    import asyncio
    import time

    lines, states, since = [], [], 0
    deadline = time.monotonic() + timeout
    while True:
        status, job, _ = await km("jobs", job_id, params={"since": str(since)})
        assert status == 200, job
        lines += job["log"]
        since = job["next"]
        states.append((job["state"], len(lines)))
        if job["state"] != "running" or (until is not None and until(lines)):
            return job, lines, states
        assert time.monotonic() < deadline, f"job still running: {lines[-20:]}"
        await asyncio.sleep(interval)


async def create_environment(km, body, *, timeout=240.0):
    """POST an environment and follow its job to the end."""
    status, reply, headers = await km("environments", method="POST", body=body)
    assert status == 202, reply
    assert headers["Location"].endswith(f"/kernel-manager/jobs/{reply['job']}")
    job, lines, _ = await poll_job(km, reply["job"], timeout=timeout)
    return job, lines


async def run_in_kernel(serverapp, kernel_id, code, *, timeout=180.0):
    """Execute ``code`` over the kernel protocol; gives (stdout+stderr text, reply)."""
    manager = serverapp.kernel_manager.get_kernel(kernel_id)
    # A client of the kernel's own manager asks it whether the process lives; a
    # bare client would go by the heartbeat, which a loaded machine can miss
    # ("Kernel died before replying to kernel_info" for a live kernel).
    client = manager.client()
    client.start_channels()
    output = []

    def collect(msg):
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            output.append(content["text"])
        elif kind == "error":
            output.append("\n".join(content["traceback"]))

    try:
        await client.wait_for_ready(timeout=120)
        reply = await client.execute_interactive(code, output_hook=collect, timeout=timeout)
    finally:
        client.stop_channels()
    return "".join(output), reply["content"]
