"""The process history under hostile conditions, against a real server: what held
(tests/test_history_hostile.py has what broke). Writers and readers in threads over a
ring turning over; odd queries; a non-admin and the per-account recording; a clock a
year ahead."""

from __future__ import annotations

import math
import threading
import time

import pytest
from history_probes import (
    YEAR,
    fake_proc,
    get_history,
    move_clock,
    server_config,
    strict_json,
    wrap_table,
)
from test_processes_history import last_value

from jupyterlab_kernel_manager import history


@pytest.fixture
def step():
    return 1


@pytest.fixture
def km_settings():
    return {"process_scan_cache_seconds": 0}


@pytest.fixture
def hub_user():
    return None


@pytest.fixture
def jp_server_config(monkeypatch, step, km_settings, hub_user):
    return server_config(monkeypatch, step, km_settings, hub_user=hub_user)


@pytest.fixture
def processes_of(jp_serverapp):
    return jp_serverapp.web_app.settings["kernel_manager_processes"]


@pytest.fixture
def table(monkeypatch, processes_of):
    return wrap_table(monkeypatch, processes_of)


@pytest.fixture
def clock(monkeypatch, processes_of):
    return move_clock(monkeypatch, processes_of)


@pytest.mark.parametrize("hub_user", [{"admin": True}])
async def test_readers_never_see_torn_slots_or_a_changing_dict(
    km, monkeypatch, processes_of, hub_user
):
    """Writers in threads turn the ring over and over, evicting and pruning series,
    while replies (the route's, in its thread) read every account: each slot read
    holds figures written for that slot, and no reply fails."""
    monkeypatch.setattr(history, "MAX_SERIES", 12)
    buffer = processes_of.history
    base = time.time()
    now = [base]
    monkeypatch.setattr(buffer, "_clock", lambda: now[0])
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(offset: int) -> None:
        try:
            n = 0
            while not stop.is_set():
                n += 1
                timestamp = now[0] = base + n * buffer.step
                slot = math.floor(timestamp / buffer.step)
                figure = slot % 1000
                totals = {"rss_bytes": figure << 10, "uss_bytes": None, "cpu_percent": figure}
                procs = [{"kind": "server", "cpu_percent": figure}]
                accounts = [(f"a{(n + offset + i) % 40}", figure << 10, figure) for i in range(20)]
                buffer.want_users()
                buffer.record(timestamp, procs, totals, accounts.copy)
        except BaseException as error:
            errors.append(error)

    writers = [threading.Thread(target=write, args=(k,)) for k in range(2)]
    for writer in writers:
        writer.start()
    try:
        for _ in range(60):
            reply = await get_history(km, all_users="1")
            first = reply["start"] // reply["step"]
            for series in [reply["total"], *reply["users"].values()]:
                for i, (memory, cpu) in enumerate(zip(series["memory"], series["cpu"])):
                    if memory is not None:
                        assert memory == ((first + i) % 1000) << 10
                        assert cpu == float((first + i) % 1000)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    assert errors == []


async def test_odd_queries_get_json_4xx_or_200_never_500(
    http_server_client, jp_base_url, jp_auth_header
):
    accepted = [
        "since=%2B1",
        "since=1e2",
        "since=.5",
        "since=5.",
        "since=-0",
        "since=0e0",
        "since=1E5",
        "since=" + "0" * 31 + "1",
        "Since=x",
        "since[]=x",
        "other=1",
        "all_users=0&since=1",
        "since=1e-400",
    ]
    refused = [
        "since=" + "0" * 32 + "1",
        "since=1%00",
        "since=1%0A",
        "since=%091",
        "since=1%20",
        "since=%D9%A1",
        "since=%EF%BC%91",
        "since=%F0%9D%9F%8F",
        "since=%FF",
        "since=1,5",
        "since=1.5.5",
        "since=1e",
        "since=e1",
        "since=.",
        "since=+",
        "since=--1",
        "since=1e99999",
        "since=Infinity",
        "since=1&since=",
        "all_users=%FF",
        "all_users=1%00",
        "all_users=01",
        "all_users=true",
        "all_users=1&all_users=1",
        "since=" + "9" * 8000,
    ]
    for query, codes in [(q, {200}) for q in accepted] + [(q, {400}) for q in refused]:
        response = await http_server_client.fetch(
            f"{jp_base_url}kernel-manager/processes/history?{query}",
            headers=dict(jp_auth_header),
            raise_error=False,
        )
        assert response.code in codes, (query[:60], response.code, response.body[:200])
        assert response.headers["Content-Type"].startswith("application/json"), query[:60]
        body = strict_json(response.body)
        assert response.code == 200 or body["message"], query[:60]


@pytest.mark.parametrize("hub_user", [{"admin": False}])
async def test_a_non_admin_never_turns_the_accounts_recording_on(
    km, jp_serverapp, processes_of, table, hub_user
):
    table.extra = [fake_proc(0, 2**30, "kmtest-ghost")]
    for parts, query in [
        (("processes",), {"all_users": "1"}),
        (("processes", "history"), {"all_users": "1"}),
        (("processes", "history"), {"all_users": "1", "since": "abc"}),
    ]:
        status, reply, _ = await km(*parts, params=query)
        assert (status, reply["reason"]) in [(403, "not-admin"), (400, "invalid-since")]
    assert processes_of.history._users_until == -1
    assert (await km("processes"))[0] == 200
    assert not [key for key in processes_of.history._series if key[0] == "user"]

    # A visiting hub admin looks; the owner then sees none of it, and cannot
    # extend it.
    jp_serverapp.identity_provider.hub_user = {"admin": True}
    assert (await km("processes", params={"all_users": "1"}))[0] == 200
    assert "kmtest-ghost" in (await get_history(km, all_users="1"))["users"]
    jp_serverapp.identity_provider.hub_user = {"admin": False}
    armed = processes_of.history._users_until
    status, listing, _ = await km("processes")
    assert status == 200 and "users" not in listing
    assert "users" not in await get_history(km)
    assert (await km("processes", "history", params={"all_users": "1"}))[0] == 403
    assert processes_of.history._users_until == armed


async def test_a_clock_a_year_ahead_and_since_in_the_future(km, processes_of, clock):
    clock.offset = YEAR
    assert (await km("processes"))[0] == 200
    ahead = await get_history(km)
    assert ahead["count"] == processes_of.history.slots
    assert last_value(ahead["total"]["memory"]) > 0
    for since in [str(round(clock() + 1000)), "100000000000"]:
        reply = await get_history(km, since=since)
        assert (reply["count"], reply["total"]["memory"]) == (0, [])
    clock.offset = 0.0
    back = await get_history(km)
    assert back["count"] == processes_of.history.slots
    assert back["total"]["memory"] == [None] * back["count"]
    assert (await km("processes"))[0] == 200
    assert last_value((await get_history(km))["total"]["memory"]) > 0
