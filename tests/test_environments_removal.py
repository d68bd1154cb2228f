"""DELETE ?force=1 on an environment whose real kernel runs: the kernel goes first.

Slow: a real uv environment (uv's cache makes it a second or two).
"""

import json

import psutil
import pytest
from helpers import create_environment, snapshot

pytestmark = pytest.mark.slow


async def test_force_shuts_the_environments_kernel_down_then_removes_it(
    km,
    jp_fetch,
    jp_serverapp,
    environments,
    envs_dir,
    user_kernels,
    without_server_pythonpath,
):
    job, lines = await create_environment(km, {"name": "busy", "backend": "uv"})
    assert job["state"] == "succeeded", lines
    env_path = envs_dir / "busy"
    started = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "busy"}))
    kernel_id = json.loads(started.body)["id"]
    pid = jp_serverapp.kernel_manager.get_kernel(kernel_id).provisioner.pid
    kernel = psutil.Process(pid)
    try:
        assert str(env_path) in " ".join(kernel.cmdline())
        before = (snapshot(env_path), snapshot(user_kernels))

        status, refused, _ = await km("environments", "busy", method="DELETE")

        assert (status, refused["reason"]) == (409, "running")
        assert kernel.is_running()
        assert (snapshot(env_path), snapshot(user_kernels)) == before

        status, reply, _ = await km("environments", "busy", method="DELETE", params={"force": "1"})

        assert (status, reply) == (200, {"shut_down": [kernel_id]})
        # Shut down before the answer: the process has exited and been reaped.
        assert not psutil.pid_exists(pid) or kernel.status() == psutil.STATUS_ZOMBIE
        running = json.loads((await jp_fetch("api", "kernels")).body)
        assert kernel_id not in {k["id"] for k in running}
        assert not env_path.exists()
        assert not (user_kernels / "busy").exists()
        core = json.loads((await jp_fetch("api", "kernelspecs")).body)
        assert "busy" not in core["kernelspecs"]
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE", raise_error=False)
    await environments.removals_done()
    assert list(envs_dir.iterdir()) == []
    _, listing, _ = await km("environments")
    assert listing["environments"] == []


async def test_force_without_running_kernels_shuts_nothing_down(
    km, jp_fetch, envs_dir, user_kernels
):
    (envs_dir / "idle" / "bin").mkdir(parents=True)
    (envs_dir / "idle" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    # Another kernel of another spec keeps running.
    other = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    other_id = json.loads(other.body)["id"]
    try:
        status, reply, _ = await km("environments", "idle", method="DELETE", params={"force": "1"})

        assert (status, reply) == (200, {"shut_down": []})
        running = json.loads((await jp_fetch("api", "kernels")).body)
        assert other_id in {k["id"] for k in running}
    finally:
        await jp_fetch("api", "kernels", other_id, method="DELETE")
