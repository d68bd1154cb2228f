"""Removing an environment as a user who cannot delete everything: whole or not at all.

Root ignores file modes, so the server here runs as the Unix user kmtest-a (as on
TLJH), from a venv that account can run (``unix_users.shared_python``), on
directories made for it under /var/tmp and removed after.
"""

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from helpers import snapshot
from unix_users import readable_copy, shared_python, start_server, stop


def chown(path: Path, account) -> None:
    subprocess.run(["chown", "-R", f"{account.pw_uid}:{account.pw_gid}", str(path)], check=True)


def plant(envs: Path, kernels: Path, name: str) -> tuple[Path, Path]:
    """An environment directory and its tagged kernelspec."""
    env = envs / name
    (env / "bin").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    spec = kernels / name
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(env / "bin" / "python"), "-m", "ipykernel_launcher"],
                "display_name": name,
                "language": "python",
                "metadata": {
                    "kernel_manager": {"environment": {"path": str(env), "backend": "venv"}}
                },
            }
        )
    )
    return env, spec


@pytest.fixture(scope="module")
def places(unix_users):
    """kmtest-a's data directory and an environments directory like /tmp's
    (root's, mode 1777): kmtest-a may rename there only what it owns."""
    top = Path(tempfile.mkdtemp(prefix="km-test-", dir="/var/tmp"))
    top.chmod(0o755)
    account = unix_users["kmtest-a"]
    try:
        data = top / "data"
        (data / "kernels").mkdir(parents=True)
        chown(data, account)
        envs = top / "envs"
        envs.mkdir(mode=0o755)
        envs.chmod(0o1777)
        yield {"top": top, "data": data, "kernels": data / "kernels", "envs": envs}
    finally:
        # Undo the modes the tests set, so that root can delete everything.
        subprocess.run(["chmod", "-R", "u+rwX", str(top)], check=False)
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def server(unix_users, places):
    """A Jupyter server with the extension, run as kmtest-a."""
    account = unix_users["kmtest-a"]
    python = shared_python()
    top = places["top"]
    pythonpath = str(readable_copy(top / "lib"))
    running = start_server(
        account,
        python,
        pythonpath,
        top,
        {"KernelManagerConfig": {"environments_dir": str(places["envs"])}},
        env={"JUPYTER_DATA_DIR": str(places["data"])},
    )
    try:
        running.wait_until_up()
        yield running
    finally:
        stop(running.process)


def state(places) -> tuple:
    return (
        snapshot(places["kernels"]),
        sorted(p.name for p in places["kernels"].iterdir()),
        snapshot(places["envs"]),
        sorted(p.name for p in places["envs"].iterdir()),
    )


def test_a_kernelspec_with_undeletable_content_refuses_the_removal(server, places, unix_users):
    env, spec = plant(places["envs"], places["kernels"], "stuck")
    stuck = spec / "resources"
    stuck.mkdir()
    (stuck / "logo-64x64.png").write_bytes(b"\x89PNG")
    chown(env, unix_users["kmtest-a"])
    chown(spec, unix_users["kmtest-a"])
    # kmtest-a cannot delete the logo: its directory is read-only to its owner.
    stuck.chmod(0o500)
    before = state(places)

    status, reply = server.call("kernel-manager/environments/stuck", method="DELETE")

    assert (status, reply["reason"]) == (409, "not-removable"), reply
    assert "resources" in reply["message"]
    assert state(places) == before
    _, listing = server.call("kernel-manager/environments")
    assert [(e["name"], e["kernelspec"]) for e in listing["environments"]] == [("stuck", "stuck")]
    _, specs = server.call("api/kernelspecs")
    assert "stuck" in specs["kernelspecs"]
    stuck.chmod(0o700)
    shutil.rmtree(env)
    shutil.rmtree(spec)


def test_an_environment_that_cannot_be_moved_keeps_its_kernelspec(server, places, unix_users):
    # The environment is root's, in a sticky directory: kmtest-a may not rename it,
    # after its kernelspec (kmtest-a's) would already have been taken away.
    env, spec = plant(places["envs"], places["kernels"], "pinned")
    chown(spec, unix_users["kmtest-a"])
    before = state(places)

    status, reply = server.call("kernel-manager/environments/pinned", method="DELETE")

    assert (status, reply["reason"]) == (409, "not-removable"), reply
    assert "pinned" in reply["message"]
    assert state(places) == before
    _, specs = server.call("api/kernelspecs")
    assert "pinned" in specs["kernelspecs"]
    shutil.rmtree(env)
    shutil.rmtree(spec)


def test_the_users_own_environment_is_removed_whole(server, places, unix_users):
    env, spec = plant(places["envs"], places["kernels"], "mine")
    chown(env, unix_users["kmtest-a"])
    chown(spec, unix_users["kmtest-a"])

    status, reply = server.call("kernel-manager/environments/mine", method="DELETE")

    assert (status, reply) == (200, {"shut_down": []})
    assert not env.exists() and not spec.exists()
    _, specs = server.call("api/kernelspecs")
    assert "mine" not in specs["kernelspecs"]
    # The trash goes just after the answer.
    deadline = time.monotonic() + 10
    while list(places["envs"].iterdir()) or list(places["kernels"].rglob("*.json")):
        assert time.monotonic() < deadline, state(places)
        time.sleep(0.1)
