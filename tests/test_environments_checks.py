"""Listings at the same time share each environment's health check, and a
restarted server keeps the checks of unchanged environments."""

import asyncio
import os
import sys

import pytest

from jupyterlab_kernel_manager import checkcache, envdirs
from jupyterlab_kernel_manager.environments import Environments


def fake_environment(envs_dir, name):
    """An environment whose interpreter answers slowly (a real process each time)."""
    env = envs_dir / name
    (env / "bin").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    python = env / "bin" / "python"
    python.write_text(f'#!/bin/sh\nsleep 1\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)


async def test_concurrent_listings_run_one_check_per_environment(km, envs_dir, monkeypatch):
    for name in ("one", "two"):
        fake_environment(envs_dir, name)
    checked = []
    check_health = envdirs.check_health
    # Counts the checks; each still runs the environment's interpreter.
    monkeypatch.setattr(
        envdirs, "check_health", lambda path: checked.append(path) or check_health(path)
    )

    replies = await asyncio.gather(*(km("environments") for _ in range(4)))

    assert sorted(checked) == [str(envs_dir / "one"), str(envs_dir / "two")]
    assert {status for status, _, _ in replies} == {200}
    listings = [reply["environments"] for _, reply, _ in replies]
    assert all(listing == listings[0] for listing in listings)
    assert [env["name"] for env in listings[0]] == ["one", "two"]
    assert all(env["python_version"].startswith("3.") for env in listings[0])

    # Done and cached: a later listing runs none.
    await km("environments")
    assert len(checked) == 2


async def test_a_failed_check_is_not_kept(km, envs_dir, monkeypatch):
    fake_environment(envs_dir, "one")
    calls = []
    check_health = envdirs.check_health

    async def broken(path):
        calls.append(path)
        await asyncio.sleep(1)
        raise OSError("disk on fire")

    monkeypatch.setattr(envdirs, "check_health", broken)
    replies = await asyncio.gather(*(km("environments") for _ in range(3)))
    assert len(calls) == 1
    assert all(status != 200 for status, _, _ in replies)

    # The next listing checks again.
    monkeypatch.setattr(envdirs, "check_health", check_health)
    status, listing, _ = await km("environments")
    assert status == 200
    assert listing["environments"][0]["python_version"].startswith("3.")


async def test_checks_and_detection_start_with_the_server(request, envs_dir, monkeypatch):
    fake_environment(envs_dir, "early")
    checked = []
    check_health = envdirs.check_health
    monkeypatch.setattr(
        envdirs, "check_health", lambda path: checked.append(path) or check_health(path)
    )

    serverapp = request.getfixturevalue("jp_serverapp")
    environments = serverapp.web_app.settings["kernel_manager_environments"]
    # Nobody asked: the server's start checked the environment, then detected.
    for _ in range(1000):
        if environments._warming is not None:
            break
        await asyncio.sleep(0.01)
    await asyncio.wait_for(asyncio.shield(environments._warming), 60)
    assert environments._backends is not None
    assert checked == [str(envs_dir / "early")]
    backends = await asyncio.wait_for(environments.backends(), 60)
    assert backends["venv"].available

    listing = await environments.describe(dict)
    assert [env["python_version"][:2] for env in listing["environments"]] == ["3."]
    assert checked == [str(envs_dir / "early")]


async def _warmed_up(request):
    """Until the running server's own warm-up has checked (and saved) what it
    found: its checks are not the restarted one's."""
    serverapp = request.getfixturevalue("jp_serverapp")
    warming = serverapp.web_app.settings["kernel_manager_environments"]._warming
    if warming is not None:
        await asyncio.shield(warming)


async def _listing_after_restart(request, monkeypatch):
    """A second Environments as a restarted server makes it: what its first
    listing says, and the environments it ran a check for."""
    serverapp = request.getfixturevalue("jp_serverapp")
    config = serverapp.web_app.settings["kernel_manager_environments"].config
    await _warmed_up(request)
    checked = []
    check_health = envdirs.check_health
    monkeypatch.setattr(
        envdirs, "check_health", lambda path: checked.append(path) or check_health(path)
    )
    restarted = Environments(config)
    restarted.start()
    try:
        listing = await restarted.describe(dict)
    finally:
        await restarted.close()
    return listing, checked


async def test_a_restart_lists_unchanged_environments_without_checking(
    km, envs_dir, request, monkeypatch
):
    fake_environment(envs_dir, "kept")
    status, before, _ = await km("environments")
    assert status == 200

    listing, checked = await _listing_after_restart(request, monkeypatch)
    assert checked == []
    assert listing["environments"] == before["environments"]

    # A changed interpreter is checked again.
    python = envs_dir / "kept" / "bin" / "python"
    python.write_text(python.read_text() + "\n")
    listing, checked = await _listing_after_restart(request, monkeypatch)
    assert checked == [str(envs_dir / "kept")]


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000,
        b"\xff\xfe",
        b'{"version": 1, "checks": {"%s": {"fingerprint": [[1, "x"]], "result": {}}}}',
        (
            b'{"version": 1, "checks": {"%s": {"fingerprint": [], "result": '
            b'{"python_version": 3, "healthy": "yes", "problem": null, "size_bytes": 1}}}}'
        ),
        b'{"version": 2, "checks": []}',
    ],
)
async def test_a_hostile_cache_file_only_costs_a_check(km, envs_dir, request, monkeypatch, content):
    fake_environment(envs_dir, "one")
    await _warmed_up(request)
    path = checkcache.cache_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(content.replace(b"%s", str(envs_dir / "one").encode()))

    listing, checked = await _listing_after_restart(request, monkeypatch)
    assert checked == [str(envs_dir / "one")]
    assert listing["environments"][0]["python_version"].startswith("3.")
