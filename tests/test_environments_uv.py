"""The uv backend for real: PyPI, uv's cache, a kernel that runs ``%pip install``.

Slow (network): a few seconds with uv's cache warm.
"""

import json
import time

import pytest
from helpers import create_environment, poll_job, run_in_kernel

from jupyterlab_kernel_manager import backends, envdirs

pytestmark = pytest.mark.slow


async def test_uv_environment_kernel_pip_and_removal(
    km,
    jp_fetch,
    jp_serverapp,
    environments,
    envs_dir,
    user_kernels,
    without_server_pythonpath,
    monkeypatch,
    tmp_path,
):
    checks = []
    original_check = envdirs.check_health
    monkeypatch.setattr(
        envdirs,
        "check_health",
        lambda path: checks.append(path) or original_check(path),
    )

    job, lines = await create_environment(
        km, {"name": "Data-UV", "backend": "uv", "packages": ["iniconfig>=1"]}
    )

    env_path = envs_dir / "data-uv"
    assert job["state"] == "succeeded", lines
    assert (job["kind"], job["environment"], job["exit_status"]) == (
        "create",
        "data-uv",
        0,
    )
    assert any(
        line.startswith("$ ") and " venv " in line and str(env_path) in line for line in lines
    )
    # uv's cache first (it holds ipykernel and pip once any test has run).
    assert any(
        " pip install --offline --python " in line and "ipykernel pip 'iniconfig>=1'" in line
        for line in lines
    )
    assert any(
        line.startswith("Installed kernelspec data-uv in ")
        and line.endswith(str(user_kernels / "data-uv"))
        for line in lines
    )
    assert not (envs_dir / f".data-uv{envdirs.MARKER_SUFFIX}").exists()
    spec = json.loads((user_kernels / "data-uv" / "kernel.json").read_text())
    assert spec["argv"][0] == str(env_path / "bin" / "python")
    assert spec["display_name"] == "Python (data-uv)"
    assert spec["metadata"]["kernel_manager"]["environment"] == {
        "path": str(env_path),
        "backend": "uv",
    }

    status, listing, _ = await km("environments")
    assert status == 200
    (env,) = listing["environments"]
    assert env["name"] == "data-uv" and env["path"] == str(env_path)
    assert (env["backend"], env["kernelspec"], env["display_name"]) == (
        "uv",
        "data-uv",
        "Python (data-uv)",
    )
    assert env["healthy"] is True and env["problem"] is None and env["job"] is None
    assert env["python_version"].count(".") == 2
    assert env["size_bytes"] > 1_000_000
    assert env["created_at"] == job["started_at"]
    # The second listing is served from the cache: no new interpreter run.
    started = time.monotonic()
    _, again, _ = await km("environments")
    assert time.monotonic() - started < 1.0
    assert again["environments"] == listing["environments"]
    assert checks == [str(env_path)]

    status, packages, _ = await km("environments", "data-uv", "packages")
    names = {p["name"].lower() for p in packages["packages"]}
    assert status == 200
    assert {"ipykernel", "iniconfig", "pip"} <= names

    # An empty uv cache: the offline attempt misses, the index is asked.
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-uv-cache"))
    status, reply, _ = await km(
        "environments",
        "data-uv",
        "packages",
        method="POST",
        body={"packages": ["tomli"]},
    )
    assert (status, reply["environment"]) == (202, "data-uv")
    added, added_lines, _ = await poll_job(km, reply["job"])
    assert (added["kind"], added["state"]) == ("install", "succeeded"), added_lines
    assert backends.CACHE_MISS_NOTE in added_lines
    assert any(" pip install --python " in line for line in added_lines)
    monkeypatch.delenv("UV_CACHE_DIR")
    _, packages, _ = await km("environments", "data-uv", "packages")
    assert "tomli" in {p["name"].lower() for p in packages["packages"]}
    # site-packages changed, so the health check runs again.
    await km("environments")
    assert checks == [str(env_path)] * 2

    started = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "data-uv"}))
    kernel_id = json.loads(started.body)["id"]
    try:
        out, reply = await run_in_kernel(jp_serverapp, kernel_id, "import sys; print(sys.prefix)")
        assert reply["status"] == "ok", out
        assert out.strip() == str(env_path)

        out, reply = await run_in_kernel(jp_serverapp, kernel_id, "%pip install tomli-w")
        assert reply["status"] == "ok", out
        assert "Successfully installed tomli-w" in out or "tomli_w" in out.lower(), out
        out, reply = await run_in_kernel(
            jp_serverapp, kernel_id, "import tomli_w; print(tomli_w.__file__)"
        )
        assert reply["status"] == "ok", out
        assert out.strip().startswith(str(env_path / "lib"))

        status, refused, _ = await km("environments", "data-uv", method="DELETE")
        assert (status, refused["reason"]) == (409, "running")
        assert "1 running kernel" in refused["message"]
        assert env_path.is_dir() and (user_kernels / "data-uv").is_dir()
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")

    status, reply, _ = await km("environments", "data-uv", method="DELETE")
    assert (status, reply) == (200, {"shut_down": []})
    assert not env_path.exists()
    assert not (user_kernels / "data-uv").exists()
    # The files go just after the answer.
    await environments.removals_done()
    assert list(envs_dir.iterdir()) == []
    core = json.loads((await jp_fetch("api", "kernelspecs")).body)
    assert "data-uv" not in core["kernelspecs"]
    _, listing, _ = await km("environments")
    assert listing["environments"] == []
