"""The process history on a real server with real kernels: GET processes/history,
and the Processes reply's kernel last_activity, culling and history
(tests/test_history_buffer.py has the buffer alone).

The server runs inside the test process: a test that wants short slots lowers
``history.STEP`` before the server starts (``step``), so the buffer it makes uses them.
"""

from __future__ import annotations

import asyncio
import json
import os
import time

import pytest
from fake_hub_identity import FakeHubIdentityProvider
from helpers import install_spec, run_in_kernel

from jupyterlab_kernel_manager import history

MB = 1024 * 1024


@pytest.fixture
def step():
    return 5


@pytest.fixture
def km_settings():
    return {}


@pytest.fixture
def cull():
    return None


@pytest.fixture
def hub_user():
    return None


@pytest.fixture
def jp_server_config(monkeypatch, step, km_settings, cull, hub_user):
    monkeypatch.setattr(history, "STEP", step)
    server = {
        "jpserver_extensions": {
            "jupyterlab_kernel_manager": True,
            "jupyter_server_terminals": False,
        },
        "allow_unauthenticated_access": False,
    }
    config = {"ServerApp": server, "KernelManagerConfig": km_settings}
    if cull is not None:
        config["MappingKernelManager"] = cull
    if hub_user is not None:
        server["identity_provider_class"] = FakeHubIdentityProvider
        config["FakeHubIdentityProvider"] = {"hub_user": hub_user}
    return config


@pytest.fixture
def processes_of(jp_serverapp):
    return jp_serverapp.web_app.settings["kernel_manager_processes"]


async def get_history(km, **params):
    status, body, _ = await km("processes", "history", params=params or None)
    assert status == 200, body
    return body


async def start_kernel(jp_fetch, jp_serverapp, user_kernels) -> str:
    if not (user_kernels / "pyk").exists():
        install_spec(user_kernels, "pyk")
    reply = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "pyk"}))
    kernel_id = json.loads(reply.body)["id"]
    await run_in_kernel(jp_serverapp, kernel_id, "pass", timeout=60)
    return kernel_id


def kernel_of(listing: dict, kernel_id: str) -> dict:
    return next(
        p["kernel"]
        for p in listing["processes"]
        if p["kind"] == "kernel" and p["kernel"]["id"] == kernel_id
    )


def last_value(values: list):
    return next(v for v in reversed(values) if v is not None)


@pytest.mark.parametrize("step", [1])
@pytest.mark.parametrize("km_settings", [{"process_scan_cache_seconds": 0}])
async def test_a_kernel_that_allocates_200_mb_shows_the_rise(
    km, jp_fetch, jp_serverapp, user_kernels, step, km_settings
):
    kernel_id = await start_kernel(jp_fetch, jp_serverapp, user_kernels)
    assert (await km("processes"))[0] == 200
    before = await get_history(km)
    assert (before["step"], before["seconds"]) == (1, 1800)
    assert before["count"] == 1800
    series = before["kernels"][kernel_id]["memory"]
    # The scan's slot: the newest, unless the clock passed into the next one since.
    scanned = max(i for i, value in enumerate(series) if value is not None)
    rss_before = series[scanned]
    # The next scan in a slot of its own.
    await asyncio.sleep(1.0)

    await run_in_kernel(jp_serverapp, kernel_id, "x = bytearray(200 * 1024 * 1024)")
    status, listing, _ = await km("processes")

    assert status == 200
    since = before["start"] + scanned * step
    after = await get_history(km, since=str(since))
    assert after["start"] == since
    memory = after["kernels"][kernel_id]["memory"]
    assert memory[0] == rss_before
    assert last_value(memory) - rss_before >= 180 * MB
    # The user's total moves with everything else the user runs (here, as root,
    # other tests too): only present.
    assert last_value(after["total"]["memory"]) > 0
    assert all(value is None or value >= 0 for value in after["kernels"][kernel_id]["cpu"])
    # The slot's figure is the scan's (the kernel has no children), to the KiB above.
    kernel = next(p for p in listing["processes"] if (p["kernel"] or {}).get("id") == kernel_id)
    assert 0 <= last_value(memory) - kernel["rss_bytes"] < 1024
    whole = await get_history(km)
    assert last_value(whole["kernels"][kernel_id]["memory"]) == last_value(memory)


async def test_an_idle_kernel_keeps_its_last_activity_a_busy_one_moves_on(
    km, jp_fetch, jp_serverapp, user_kernels
):
    idle_id = await start_kernel(jp_fetch, jp_serverapp, user_kernels)
    busy_id = await start_kernel(jp_fetch, jp_serverapp, user_kernels)
    _, first, _ = await km("processes")
    idle_at = kernel_of(first, idle_id)["last_activity"]
    assert isinstance(idle_at, float) and abs(idle_at - time.time()) < 120
    sent_at = time.time()

    client = jp_serverapp.kernel_manager.get_kernel(busy_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        client.execute("import time\nwhile True:\n    time.sleep(3)")
        deadline = time.monotonic() + 15
        while True:
            await asyncio.sleep(0.6)
            _, listing, _ = await km("processes")
            if kernel_of(listing, busy_id)["execution_state"] == "busy":
                break
            assert time.monotonic() < deadline, kernel_of(listing, busy_id)
        await asyncio.sleep(1.5)
        _, last, _ = await km("processes")
    finally:
        client.stop_channels()
        await jp_serverapp.kernel_manager.interrupt_kernel(busy_id)

    idle, busy = kernel_of(last, idle_id), kernel_of(last, busy_id)
    assert (idle["execution_state"], idle["last_activity"]) == ("idle", idle_at)
    assert busy["execution_state"] == "busy"
    assert busy["last_activity"] > idle_at
    assert busy["last_activity"] >= round(sent_at, 3) - 0.001
    manager = jp_serverapp.kernel_manager.get_kernel(idle_id)
    assert idle["last_activity"] == round(manager.last_activity.timestamp(), 3)


@pytest.mark.parametrize(
    ("cull", "culling"),
    [
        (None, None),
        (
            {"cull_idle_timeout": 3600, "cull_interval": 300, "cull_connected": True},
            {"idle_timeout": 3600, "interval": 300, "connected": True, "busy": False},
        ),
        (
            {"cull_idle_timeout": 120, "cull_interval": 30, "cull_busy": True},
            {"idle_timeout": 120, "interval": 30, "connected": False, "busy": True},
        ),
    ],
)
async def test_the_servers_culling_settings_are_in_the_reply(km, cull, culling):
    status, listing, _ = await km("processes")

    assert status == 200
    assert listing["culling"] == culling
    assert listing["history"] == {"step": 5, "seconds": 1800}


@pytest.mark.parametrize("km_settings", [{"process_history_seconds": 0}])
async def test_history_off(km, processes_of, km_settings):
    status, reply, _ = await km("processes", "history")
    assert (status, reply["reason"]) == (404, "history-off")
    assert "process_history_seconds" in reply["message"]
    status, listing, _ = await km("processes")
    assert (status, listing["history"]) == (200, None)
    assert processes_of._sampler is None


@pytest.mark.parametrize("km_settings", [{"process_history_seconds": 120}])
async def test_the_window_follows_the_setting_and_reading_does_not_scan(
    km, processes_of, km_settings
):
    reply = await get_history(km)

    assert (reply["step"], reply["seconds"], reply["count"]) == (5, 120, 24)
    assert reply["total"]["memory"] == [None] * 24
    assert reply["kernels"] == {}
    assert "users" not in reply
    assert processes_of._latest is None


@pytest.mark.parametrize("km_settings", [{"disabled_routes": ["processes"]}])
async def test_switched_off_with_the_processes_routes(km, processes_of, km_settings):
    status, reply, _ = await km("processes", "history")
    assert (status, reply["reason"]) == (404, "switched-off")
    assert processes_of._sampler is None


@pytest.mark.parametrize(
    "km_settings",
    [
        {"process_history_idle_interval": 1.0},
        {"process_history_idle_interval": 1.0, "disabled_routes": ["processes"]},
    ],
    ids=["on", "switched-off"],
)
async def test_the_server_samples_while_nobody_asks(km, processes_of, km_settings):
    """No request to processes: the idle sampling alone fills the history."""
    if km_settings.get("disabled_routes"):
        await asyncio.sleep(2.5)
        assert (processes_of._sampler, processes_of._latest) == (None, None)
        return
    deadline = time.monotonic() + 10
    while True:
        reply = await get_history(km)
        if any(value is not None for value in reply["total"]["memory"]):
            break
        assert time.monotonic() < deadline, "no sample"
        await asyncio.sleep(0.25)
    assert processes_of._latest is not None
    assert last_value(reply["total"]["memory"]) > 0


@pytest.fixture
def raw_history(http_server_client, jp_base_url, jp_auth_header):
    """GET processes/history with the query exactly as given."""

    async def call(query: str):
        response = await http_server_client.fetch(
            f"{jp_base_url}kernel-manager/processes/history?{query}",
            headers=dict(jp_auth_header),
            raise_error=False,
        )
        return response.code, json.loads(response.body)

    return call


async def test_hostile_queries_get_a_400(raw_history):
    for query in [
        "since=abc",
        "since=-1",
        "since=1e400",
        "since=nan",
        "since=NaN",
        "since=inf",
        "since=-inf",
        "since=1" + "0" * 5000,
        "since=",
        "since=1&since=2",
        "since=%201",
        "since=0x10",
        "since=1_000",
        "since=100000000001",
        "since=1e12",
        "since=%EF%BC%91",  # a fullwidth digit one
    ]:
        status, reply = await raw_history(query)
        assert (status, reply["reason"]) == (400, "invalid-since"), query[:40]
        assert reply["message"]
    for query in ["all_users=yes", "all_users=", "all_users=0&all_users=1"]:
        status, reply = await raw_history(query)
        assert (status, reply["reason"]) == (400, "invalid-query"), query
    for query in [
        "since=0",
        "since=1.5e9",
        "since=100000000000",
        "since=1750000000.25",
        "all_users=0",
    ]:
        status, reply = await raw_history(query)
        assert status == 200, (query, reply)


async def test_other_users_need_a_hub_admin(raw_history):
    status, reply = await raw_history("all_users=1")
    assert (status, reply["reason"]) == (403, "not-admin")
    assert "users" not in reply


@pytest.fixture
def other_account(request):
    """An account with a process besides the server's user: kmtest-b's sleeper as
    root, else root's (init)."""
    if os.geteuid() == 0:
        request.getfixturevalue("sleepers")
        return "kmtest-b"
    return "root"


@pytest.mark.parametrize("hub_user", [{"admin": False}, {"admin": True}])
async def test_a_hub_admin_gets_every_account(km, processes_of, hub_user, other_account):
    status, reply, _ = await km("processes", "history", params={"all_users": "1"})
    if not hub_user["admin"]:
        assert (status, reply["reason"]) == (403, "not-admin")
        assert processes_of.history._users_until == -1
        return
    assert (status, reply["users"]) == (200, {})
    assert (await km("processes"))[0] == 200

    reply = await get_history(km, all_users="1")

    user = processes_of.user
    assert other_account in reply["users"] and user not in reply["users"]
    assert last_value(reply["users"][other_account]["memory"]) > 0
    assert "users" not in await get_history(km)
