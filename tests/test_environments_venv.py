"""The venv backend for real: stdlib venv, pip and ipykernel from PyPI, a live kernel.

Slow (network, pip): 10-30 seconds.
"""

import json

import pytest
from helpers import create_environment, run_in_kernel

pytestmark = pytest.mark.slow


async def test_venv_environment_runs_a_kernel_and_is_removed_with_its_kernelspec(
    km,
    jp_fetch,
    jp_serverapp,
    environments,
    envs_dir,
    user_kernels,
    without_server_pythonpath,
):
    job, lines = await create_environment(
        km,
        {
            "name": "plain",
            "backend": "venv",
            "display_name": "Plain venv",
            "system_site_packages": True,
        },
    )

    env_path = envs_dir / "plain"
    assert job["state"] == "succeeded", lines
    assert any(
        line.startswith("$ ") and line.endswith(f" -m venv --system-site-packages {env_path}")
        for line in lines
    )
    assert (
        f"$ {env_path}/bin/python -m pip install --disable-pip-version-check --no-input "
        "--progress-bar off ipykernel"
    ) in lines
    assert any(line.startswith("Successfully installed") and "ipykernel" in line for line in lines)
    assert "include-system-site-packages = true" in (env_path / "pyvenv.cfg").read_text()
    spec = json.loads((user_kernels / "plain" / "kernel.json").read_text())
    assert spec["display_name"] == "Plain venv"
    assert spec["metadata"]["kernel_manager"]["environment"] == {
        "path": str(env_path),
        "backend": "venv",
    }
    core = json.loads((await jp_fetch("api", "kernelspecs")).body)
    assert core["kernelspecs"]["plain"]["spec"]["display_name"] == "Plain venv"

    _, listing, _ = await km("environments")
    (env,) = listing["environments"]
    assert (env["backend"], env["kernelspec"], env["healthy"]) == (
        "venv",
        "plain",
        True,
    )
    status, packages, _ = await km("environments", "plain", "packages")
    assert status == 200
    assert "ipykernel" in {p["name"].lower() for p in packages["packages"]}

    started = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "plain"}))
    kernel_id = json.loads(started.body)["id"]
    try:
        out, reply = await run_in_kernel(jp_serverapp, kernel_id, "import sys; print(sys.prefix)")
        assert reply["status"] == "ok", out
        assert out.strip() == str(env_path)
        out, _ = await run_in_kernel(
            jp_serverapp, kernel_id, "import ipykernel; print(ipykernel.__file__)"
        )
        assert out.strip().startswith(str(env_path / "lib"))

        status, reply, _ = await km("environments", "plain", method="DELETE", params={"force": "1"})
        assert (status, reply) == (200, {"shut_down": [kernel_id]})
    finally:
        # Shut down by the removal already, unless it failed.
        await jp_fetch("api", "kernels", kernel_id, method="DELETE", raise_error=False)

    assert not env_path.exists()
    assert not (user_kernels / "plain").exists()
    # The files go just after the answer.
    await environments.removals_done()
    assert list(envs_dir.iterdir()) == []
    core = json.loads((await jp_fetch("api", "kernelspecs")).body)
    assert "plain" not in core["kernelspecs"]
