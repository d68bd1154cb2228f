"""The process history under hostile conditions, against a real server: scans that
overlap or fail, clocks that jump, figures no process table gives, thousands of
accounts, odd culling settings and last_activity values. Each test found a fault and
says what happened before its fix; tests/test_history_held.py has what held.

The server's ``ProcessTable.scan`` is wrapped (``table``) to add processes, to fail,
or to hold a scan in its thread; the wall clock the scans and the buffer read is
replaced (``clock``) where a test jumps it (tests/history_probes.py).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from datetime import datetime

import pytest
from history_probes import (
    YEAR,
    fake_proc,
    get_history,
    move_clock,
    server_config,
    strict_json,
    wait_for,
    wrap_table,
)
from test_processes_history import kernel_of, last_value, start_kernel

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
def cull():
    return None


@pytest.fixture
def jp_server_config(monkeypatch, step, km_settings, cull, hub_user):
    return server_config(monkeypatch, step, km_settings, cull, hub_user)


@pytest.fixture
def processes_of(jp_serverapp):
    return jp_serverapp.web_app.settings["kernel_manager_processes"]


@pytest.fixture
def table(monkeypatch, processes_of):
    return wrap_table(monkeypatch, processes_of)


@pytest.fixture
def clock(monkeypatch, processes_of):
    return move_clock(monkeypatch, processes_of)


async def test_close_waits_for_a_scan_a_signal_superseded(km, processes_of, table):
    """Before: a signal's invalidate() let a second scan start while the first still
    ran in its thread, and close() waited for the second alone: at server stop the
    first was still running (here, close() returned at once)."""
    table.gate = gate = threading.Event()
    first = asyncio.ensure_future(km("processes"))
    await wait_for(table.entered.is_set, what="the first scan in its thread")
    processes_of.invalidate()  # as a signal does
    status, _, _ = await km("processes")  # a second scan, which finishes
    assert status == 200

    closing = asyncio.ensure_future(processes_of.close())
    await asyncio.sleep(0.5)
    returned_early = closing.done()
    gate.set()
    await closing
    assert not returned_early
    assert (await first)[0] == 200


@pytest.mark.parametrize(
    "km_settings", [{"process_scan_cache_seconds": 0, "process_history_seconds": 4}]
)
@pytest.mark.parametrize("hub_user", [{"admin": True}])
async def test_a_clock_jump_back_does_not_keep_other_accounts(
    km, processes_of, table, clock, km_settings, hub_user
):
    """Before: an admin's look while the clock was a year ahead kept every account
    recorded for a year once the clock was set right, and no series could be
    dropped (the oldest-written one, from the future, stopped the pruning)."""
    table.extra = [fake_proc(0, 2**30, "kmtest-ghost")]
    clock.offset = YEAR
    assert (await km("processes", params={"all_users": "1"}))[0] == 200
    seen = await get_history(km, all_users="1")
    assert last_value(seen["users"]["kmtest-ghost"]["memory"]) == 1 << 20

    clock.offset = 0.0
    for _ in range(3):
        assert (await km("processes"))[0] == 200
        clock.offset += 1.0

    assert "kmtest-ghost" not in (await get_history(km, all_users="1"))["users"]
    # That admin's request (at the right time) starts the recording again.
    assert (await km("processes"))[0] == 200
    again = await get_history(km, all_users="1")
    assert last_value(again["users"]["kmtest-ghost"]["memory"]) == 1 << 20


async def test_figures_no_scan_should_give_neither_fail_the_scan_nor_the_json(
    km, jp_fetch, processes_of, table
):
    """Before: a negative memory figure raised OverflowError in the history's
    unsigned array, failing the scan (GET processes answered 500); an infinite CPU
    figure came out of the history as ``Infinity``, which is not JSON."""
    table.extra = [
        fake_proc(
            0,
            processes_of.uid,
            processes_of.user,
            uss=-(2**50),
            rss=-(2**50),
            cpu_percent=math.inf,
        )
    ]
    status, _, _ = await km("processes")
    assert status == 200

    response = await jp_fetch("kernel-manager", "processes", "history", raise_error=False)
    assert response.code == 200
    total = strict_json(response.body)["total"]
    assert all(v is None or v >= 0 for v in total["memory"])
    assert all(v is None or math.isfinite(v) for v in total["cpu"])


async def test_a_naive_or_impossible_last_activity_is_no_500(
    km, jp_fetch, jp_serverapp, user_kernels
):
    """Before: a kernel manager's naive ``datetime.min`` (a "never" a custom manager
    may use) raised ValueError in .timestamp(): GET processes answered 500."""
    kernel_id = await start_kernel(jp_fetch, jp_serverapp, user_kernels)
    await asyncio.sleep(0.5)  # the kernel's last messages
    manager = jp_serverapp.kernel_manager.get_kernel(kernel_id)
    for value, expected in [
        (datetime.min, None),
        (datetime(2026, 1, 1, 12), datetime(2026, 1, 1, 12).timestamp()),
    ]:
        manager.last_activity = value
        status, listing, _ = await km("processes")
        assert status == 200, (value, listing)
        assert kernel_of(listing, kernel_id)["last_activity"] == expected, value


@pytest.mark.parametrize(
    ("cull", "culling"),
    [
        # A bool passes the Integer trait; the server culls after 1 s. Before: true.
        (
            {"cull_idle_timeout": True},
            {"idle_timeout": 1, "interval": 300, "connected": False, "busy": False},
        ),
        # The server warns and culls every 300 s. Before: 0 and -5.
        (
            {"cull_idle_timeout": 60, "cull_interval": 0},
            {"idle_timeout": 60, "interval": 300, "connected": False, "busy": False},
        ),
        (
            {"cull_idle_timeout": 60, "cull_interval": -5},
            {"idle_timeout": 60, "interval": 300, "connected": False, "busy": False},
        ),
        # What held.
        ({"cull_idle_timeout": -1}, None),
        (
            {"cull_idle_timeout": 10**30, "cull_interval": 10**30},
            {"idle_timeout": 10**30, "interval": 10**30, "connected": False, "busy": False},
        ),
    ],
)
async def test_odd_culling_settings_are_reported_as_the_server_applies_them(km, cull, culling):
    status, listing, _ = await km("processes")
    assert status == 200
    assert listing["culling"] == culling
    if culling is not None:
        assert all(type(listing["culling"][key]) is int for key in ("idle_timeout", "interval"))


@pytest.mark.parametrize(
    ("attributes", "culling"),
    [
        # Before: int(None) raised TypeError, every GET processes answered 500.
        (
            {"cull_idle_timeout": 600, "cull_interval": None},
            {"idle_timeout": 600, "interval": 300, "connected": False, "busy": False},
        ),
        (
            {"cull_idle_timeout": 600, "cull_interval": math.nan},
            {"idle_timeout": 600, "interval": 300, "connected": False, "busy": False},
        ),
        # Before: null, while such a manager culls after half a second.
        (
            {"cull_idle_timeout": 0.5, "cull_interval": 2.5},
            {"idle_timeout": 1, "interval": 3, "connected": False, "busy": False},
        ),
        ({"cull_idle_timeout": math.nan}, None),
        ({"cull_idle_timeout": math.inf}, None),
        ({"cull_idle_timeout": "600"}, None),
    ],
)
async def test_a_kernel_manager_without_those_traits(
    km, monkeypatch, jp_serverapp, attributes, culling
):
    manager_class = type(jp_serverapp.kernel_manager)
    for name, value in attributes.items():
        monkeypatch.setattr(manager_class, name, value)

    status, listing, _ = await km("processes")

    assert status == 200, listing
    assert listing["culling"] == culling


@pytest.mark.parametrize("km_settings", [{"process_history_idle_interval": 1.0}])
async def test_a_failing_idle_scan_logs_one_traceback_per_failure_run(
    processes_of, jp_serverapp, table, km_settings
):
    """Before: every idle scan that failed logged its traceback at error level, one
    per interval (2,880 a day at the default 30 s) for as long as it failed."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = getattr(jp_serverapp.log, "logger", jp_serverapp.log)
    logger.addHandler(handler)
    try:
        table.fail = RuntimeError("the table cannot be read")
        await wait_for(lambda: table.calls >= 4, timeout=15, what="four failed idle scans")
        loud = [r for r in records if r.levelno >= logging.WARNING]
        assert len(loud) == 1 and loud[0].exc_info is not None
        table.fail = None
        calls = table.calls
        await wait_for(lambda: table.calls > calls, timeout=5, what="an idle scan")
        await asyncio.sleep(0.2)
        table.fail = RuntimeError("again")
        calls = table.calls
        await wait_for(lambda: table.calls >= calls + 2, timeout=5, what="two more failures")
        loud = [r for r in records if r.levelno >= logging.WARNING]
        assert len(loud) == 2
    finally:
        logger.removeHandler(handler)


def test_a_nan_idle_interval_is_no_busy_loop():
    """Before: NaN passes the setting's min=1 and asyncio.sleep(nan) returns at once in
    a bare event loop: a busy loop of scans. (In the server's loop the NaN timer sits
    in the loop's heap, whose order NaN breaks: idle scans came whenever other timers
    fired, 12 in 8 s in a test server; so this runs the sampler in a loop of its own.)"""
    calls: list[float] = []

    async def scan() -> None:
        calls.append(time.monotonic())

    async def run() -> None:
        log = logging.getLogger("test_history_hostile")
        task = asyncio.ensure_future(history.sample_while_idle(lambda: 0.0, scan, math.nan, log))
        end = time.monotonic() + 1.5
        # No timer (a NaN one may keep others from firing): the loop turns until then.
        while time.monotonic() < end:  # noqa: ASYNC110
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run())
    assert 1 <= len(calls) <= 2  # at once, then after the setting's minimum of 1 s


@pytest.mark.parametrize("hub_user", [{"admin": True}])
async def test_thousands_of_accounts_do_not_push_the_users_kernels_out(
    km, jp_fetch, jp_serverapp, user_kernels, processes_of, table, hub_user
):
    """Before: with more accounts than MAX_SERIES, an admin's look had the accounts
    evict every series each scan, the user's own kernels first: their history was
    gone for as long as the admin looked."""
    kernel_id = await start_kernel(jp_fetch, jp_serverapp, user_kernels)
    table.extra = [
        fake_proc(i, 2**30 + i, f"acct{i}", rss=(i + 1) << 20) for i in range(history.MAX_SERIES)
    ]
    assert (await km("processes", params={"all_users": "1"}))[0] == 200
    await asyncio.sleep(1.1)  # the next slot
    assert (await km("processes"))[0] == 200

    reply = await get_history(km, all_users="1")

    memory = reply["kernels"][kernel_id]["memory"]
    assert sum(value is not None for value in memory) == 2
    users = reply["users"]
    assert len(users) == history.MAX_ACCOUNTS
    # The largest accounts are the ones kept.
    assert f"acct{history.MAX_SERIES - 1}" in users and "acct0" not in users
    assert len(processes_of.history._series) < history.MAX_SERIES
