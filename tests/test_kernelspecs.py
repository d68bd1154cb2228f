"""GET, PATCH and DELETE on kernel-manager/kernelspecs: a real server, real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import install_spec, snapshot, unavailable


def environment_metadata(path):
    return {"kernel_manager": {"environment": {"path": path, "backend": "venv"}}}


async def test_list_describes_every_kind_of_spec(
    api, user_kernels, system_kernels, sys_prefix_kernels, tmp_path, monkeypatch
):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    on_path = bin_dir / "km-test-python"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    missing = str(tmp_path / "gone" / "bin" / "python")
    env_path = str(tmp_path / "envs" / "data")

    install_spec(user_kernels, "mine")
    install_spec(user_kernels, "made-env", metadata=environment_metadata(env_path))
    install_spec(user_kernels, "broken", argv=[missing, "-m", "ipykernel_launcher"])
    install_spec(user_kernels, "bare", argv=["km-test-python", "-f", "{connection_file}"])
    install_spec(user_kernels, "nowhere", argv=["km-no-such-command"])
    install_spec(user_kernels, "no-argv", argv=[])
    install_spec(system_kernels, "shared")
    install_spec(sys_prefix_kernels, "bundled")
    garbled = user_kernels / "garbled"
    garbled.mkdir()
    (garbled / "kernel.json").write_text("{not json", encoding="utf-8")

    status, body = await api()

    assert status == 200
    assert body["user_kernels_dir"] == str(user_kernels)
    specs = body["kernelspecs"]
    assert specs["mine"] == {
        "name": "mine",
        "resource_dir": str(user_kernels / "mine"),
        "source": "user",
        "location": "user",
        "writable": True,
        "interpreter": sys.executable,
        "interpreter_exists": True,
        "environment": None,
        "error": None,
        "env": {},
        "extra_arguments": [],
        "interrupt_mode": "signal",
    }
    made_env = specs["made-env"]
    assert (made_env["source"], made_env["location"]) == ("environment", "environment")
    assert made_env["environment"] == {"path": env_path, "backend": "venv"}
    assert made_env["writable"] is True
    assert (specs["broken"]["interpreter"], specs["broken"]["interpreter_exists"]) == (
        missing,
        False,
    )
    assert (specs["bare"]["interpreter"], specs["bare"]["interpreter_exists"]) == (
        str(on_path),
        True,
    )
    assert specs["nowhere"]["interpreter"] == "km-no-such-command"
    assert specs["nowhere"]["interpreter_exists"] is False
    assert (
        specs["no-argv"]["interpreter"],
        specs["no-argv"]["interpreter_exists"],
    ) == (None, False)
    shared = specs["shared"]
    assert (shared["source"], shared["location"], shared["writable"]) == (
        "system",
        "system",
        False,
    )
    bundled = specs["bundled"]
    assert (bundled["source"], bundled["location"], bundled["writable"]) == (
        "system",
        "sys-prefix",
        False,
    )
    assert specs["garbled"]["error"]
    assert specs["garbled"]["interpreter"] is None
    assert specs["garbled"]["writable"] is True


async def test_list_treats_ipykernel_builtin_python3_as_system(api):
    status, body = await api()

    assert status == 200
    native = body["kernelspecs"]["python3"]
    assert native["source"] == native["location"] == "system"
    assert native["writable"] is False
    assert native["error"] is None
    assert native["interpreter"] == sys.executable


async def test_list_agrees_with_the_servers_own_kernelspecs(api, jp_fetch, user_kernels):
    install_spec(user_kernels, "mine")

    _, body = await api()
    core = json.loads((await jp_fetch("api", "kernelspecs")).body)

    assert set(body["kernelspecs"]) == set(core["kernelspecs"])


async def test_rename_changes_only_the_display_name(api, jp_fetch, user_kernels):
    spec_dir = install_spec(
        user_kernels,
        "mine",
        env={"A": "1"},
        interrupt_mode="message",
        metadata={"debugger": True, "nested": {"keep": [1, 2]}},
    )
    kernel_json = spec_dir / "kernel.json"
    kernel_json.chmod(0o640)
    before = json.loads(kernel_json.read_text(encoding="utf-8"))

    status, body = await api("mine", method="PATCH", body={"display_name": "  Mine \u2713  "})

    assert status == 200
    assert body["display_name"] == "Mine \u2713"
    assert (body["name"], body["source"], body["writable"]) == ("mine", "user", True)
    after = json.loads(kernel_json.read_text(encoding="utf-8"))
    assert after == {**before, "display_name": "Mine \u2713"}
    assert list(after) == list(before)
    assert kernel_json.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(spec_dir)) == ["kernel.json"]
    core = json.loads((await jp_fetch("api", "kernelspecs", "mine")).body)
    assert core["spec"]["display_name"] == "Mine \u2713"


async def test_rename_accepts_a_percent_encoded_name(raw_api, user_kernels):
    install_spec(user_kernels, "mine")

    status, body = await raw_api("%6Dine", method="PATCH", body=json.dumps({"display_name": "M"}))

    assert (status, body["display_name"]) == (200, "M")


async def test_remove_deletes_the_spec_directory(api, jp_fetch, user_kernels):
    spec_dir = install_spec(user_kernels, "mine")
    (spec_dir / "logo-64x64.png").write_bytes(b"\x89PNG")

    status, body = await api("mine", method="DELETE")

    assert (status, body) == (204, None)
    assert not spec_dir.exists()
    _, listing = await api()
    assert "mine" not in listing["kernelspecs"]
    core = json.loads((await jp_fetch("api", "kernelspecs")).body)
    assert "mine" not in core["kernelspecs"]


@pytest.fixture
def undeletable(tmp_path):
    """Makes a directory whose entries nobody may remove, root included; undone after."""
    made = []

    def make(directory: Path) -> None:
        if os.geteuid() == 0:
            # Root ignores modes: an immutable directory stops it too (ext4, xfs...).
            done = subprocess.run(["chattr", "+i", str(directory)], capture_output=True)
            if done.returncode != 0:
                unavailable(f"chattr +i is not supported here: {done.stderr!r}")
        else:
            directory.chmod(0o555)
        made.append(directory)

    yield make
    for directory in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        directory.chmod(0o755)


async def test_remove_happens_whole_or_not_at_all(api, jp_fetch, user_kernels, undeletable):
    spec_dir = install_spec(user_kernels, "mine")
    stuck = spec_dir / "resources"
    stuck.mkdir()
    (stuck / "logo-64x64.png").write_bytes(b"\x89PNG")
    undeletable(stuck)
    before = snapshot(user_kernels)

    status, body = await api("mine", method="DELETE")

    assert (status, body["reason"]) == (409, "not-removable")
    assert "resources" in body["message"]
    assert snapshot(user_kernels) == before
    core = json.loads((await jp_fetch("api", "kernelspecs")).body)
    assert "mine" in core["kernelspecs"]


async def test_removed_specs_leave_nothing_jupyter_lists(api, jp_fetch, user_kernels):
    install_spec(user_kernels, "mine")
    install_spec(user_kernels, "other")
    before = {p.parent.name for p in user_kernels.glob("*/kernel.json")}

    status, _ = await api("mine", method="DELETE")

    assert status == 204
    core = json.loads((await jp_fetch("api", "kernelspecs")).body)
    assert set(core["kernelspecs"]) & {"mine", "other"} == {"other"}
    # Whatever the trash holds is not a kernelspec Jupyter could list.
    after = {p.parent.name for p in user_kernels.glob("*/kernel.json")}
    assert after == before - {"mine"}
    assert not list(user_kernels.rglob("mine"))


async def test_remove_works_on_a_malformed_user_spec(api, user_kernels):
    garbled = user_kernels / "garbled"
    garbled.mkdir()
    (garbled / "kernel.json").write_text("{not json", encoding="utf-8")

    status, _ = await api("garbled", method="DELETE")

    assert status == 204
    assert not garbled.exists()


BAD_NAMES = ["..", "a b", "x" * 300, "caf\u00e9", "a$b"]
RAW_BAD_SEGMENTS = ["a%2Fb", "%2E%2E", "a%20b", "%2E", "a%00b"]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize("name", BAD_NAMES)
async def test_bad_names_are_refused(api, user_kernels, method, name):
    before = snapshot(user_kernels)
    body = {"display_name": "x"} if method == "PATCH" else None

    status, reply = await api(name, method=method, body=body)

    assert (status, reply["reason"]) == (400, "invalid-name")
    assert reply["message"]
    assert snapshot(user_kernels) == before


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize("segment", RAW_BAD_SEGMENTS)
async def test_bad_encoded_names_are_refused(raw_api, user_kernels, method, segment):
    install_spec(user_kernels, "a")
    before = snapshot(user_kernels)
    body = json.dumps({"display_name": "x"}) if method == "PATCH" else None

    status, reply = await raw_api(segment, method=method, body=body)

    assert (status, reply["reason"]) == (400, "invalid-name")
    assert snapshot(user_kernels) == before


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_missing_name_is_404(api, method):
    body = {"display_name": "x"} if method == "PATCH" else None

    status, reply = await api("nope", method=method, body=body)

    assert (status, reply["reason"]) == (404, "not-found")


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize("where", ["system", "sys-prefix"])
async def test_system_specs_are_refused_and_untouched(
    api, system_kernels, sys_prefix_kernels, method, where
):
    kernels = system_kernels if where == "system" else sys_prefix_kernels
    install_spec(kernels, "shared")
    before = snapshot(kernels)
    body = {"display_name": "Hijacked"} if method == "PATCH" else None

    status, reply = await api("shared", method=method, body=body)

    assert (status, reply["reason"]) == (403, "not-writable")
    assert snapshot(kernels) == before


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_builtin_python3_is_refused(api, method):
    body = {"display_name": "Hijacked"} if method == "PATCH" else None

    status, reply = await api("python3", method=method, body=body)

    assert (status, reply["reason"]) == (403, "not-writable")


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_symlinked_spec_dir_is_refused_and_target_untouched(
    api, user_kernels, tmp_path, method
):
    outside = tmp_path / "outside"
    target = install_spec(outside, "linked")
    (user_kernels / "linked").symlink_to(target, target_is_directory=True)
    install_spec(user_kernels, "mine")
    (user_kernels / "alias").symlink_to(user_kernels / "mine", target_is_directory=True)
    before_outside, before_user = snapshot(outside), snapshot(user_kernels)
    body = {"display_name": "Hijacked"} if method == "PATCH" else None

    for name in ("linked", "alias"):
        status, reply = await api(name, method=method, body=body)
        assert (status, reply["reason"]) == (403, "not-writable")

    assert snapshot(outside) == before_outside
    assert snapshot(user_kernels) == before_user
    assert (user_kernels / "linked").is_symlink()
    assert (user_kernels / "alias").is_symlink()
    _, listing = await api()
    assert listing["kernelspecs"]["linked"]["writable"] is False
    assert listing["kernelspecs"]["alias"]["writable"] is False


@pytest.mark.parametrize(
    "display_name",
    [
        "",
        "   ",
        "x" * 10_000,
        42,
        None,
        ["a"],
        {"a": 1},
        True,
        "two\nlines",
        "tab\there",
        "nul\x00",
    ],
)
async def test_bad_display_names_are_refused(api, user_kernels, display_name):
    install_spec(user_kernels, "mine")
    before = snapshot(user_kernels)

    status, reply = await api("mine", method="PATCH", body={"display_name": display_name})

    assert (status, reply["reason"]) == (400, "invalid-display-name")
    assert snapshot(user_kernels) == before


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"display_name": "ok", "argv": ["sh"]}, "invalid-body"),
        ({}, "invalid-body"),
        ({"name": "other"}, "invalid-body"),
        ("{display_name: ", "invalid-json"),
        ("", "invalid-json"),
        (b"\xff\xfe{", "invalid-json"),
        ("[1, 2]", "invalid-body"),
        ('"display_name"', "invalid-body"),
        ("null", "invalid-body"),
    ],
)
async def test_bad_bodies_are_refused(api, user_kernels, body, reason):
    install_spec(user_kernels, "mine")
    before = snapshot(user_kernels)

    status, reply = await api("mine", method="PATCH", body=body)

    assert (status, reply["reason"]) == (400, reason)
    assert snapshot(user_kernels) == before


async def test_rename_of_a_malformed_spec_is_a_conflict(api, user_kernels):
    garbled = user_kernels / "garbled"
    garbled.mkdir()
    (garbled / "kernel.json").write_text("{not json", encoding="utf-8")
    before = snapshot(user_kernels)

    status, reply = await api("garbled", method="PATCH", body={"display_name": "Fixed"})

    assert (status, reply["reason"]) == (409, "malformed")
    assert snapshot(user_kernels) == before


async def test_names_are_case_insensitive_like_jupyter(api, user_kernels):
    spec_dir = install_spec(user_kernels, "MixedCase")

    _, listing = await api()
    status, _ = await api("MIXEDCASE", method="DELETE")

    assert "mixedcase" in listing["kernelspecs"]
    assert status == 204
    assert not spec_dir.exists()


@pytest.mark.parametrize("alias", ["python", f"python{sys.version_info[0]}"])
async def test_bare_python_is_the_servers_own_interpreter(api, user_kernels, alias):
    # jupyter_client launches these with sys.executable whatever PATH says.
    install_spec(user_kernels, "aliased", argv=[alias, "-m", "ipykernel_launcher"])

    status, body = await api()

    assert status == 200
    spec = body["kernelspecs"]["aliased"]
    assert spec["interpreter"] == sys.executable
    assert spec["interpreter_exists"] is True
