"""The process history under hostile conditions, against a real server: scans that
overlap or fail, clocks that jump, figures no process table gives, thousands of
accounts, odd culling settings and last_activity values, odd queries.

The server's ``ProcessTable.scan`` is wrapped (``table``) to add processes, to fail,
or to hold a scan in its thread; the wall clock the scans and the buffer read is
replaced (``clock``) where a test jumps it. Each test that found a fault says what it
did before its fix.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from datetime import datetime
from types import SimpleNamespace

import pytest
from fake_hub_identity import FakeHubIdentityProvider
from test_processes_history import kernel_of, last_value, start_kernel

from jupyterlab_kernel_manager import history
from jupyterlab_kernel_manager import processes as processes_module
from jupyterlab_kernel_manager.proctable import Proc

YEAR = 365 * 86400
# Above any Linux pid (at most 2^22): the injected processes never meet real ones.
FAKE_PID = 2**22 + 1


@pytest.fixture
def step():
    return 1


@pytest.fixture
def km_settings():
    return {"process_scan_cache_seconds": 0}


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


class Table:
    """Stands between the server and its ProcessTable's scan."""

    def __init__(self, real) -> None:
        self.real = real
        self.extra: list[Proc] = []
        self.fail: Exception | None = None
        self.gate: threading.Event | None = None  # the next scan waits for it
        self.entered = threading.Event()
        self.calls = 0

    def scan(self, measure_uid):
        self.calls += 1
        self.entered.set()
        gate, self.gate = self.gate, None
        if gate is not None:
            gate.wait(30)
        if self.fail is not None:
            raise self.fail
        return self.real(measure_uid) + list(self.extra)


@pytest.fixture
def table(monkeypatch, processes_of):
    wrapper = Table(processes_of.table.scan)
    monkeypatch.setattr(processes_of.table, "scan", wrapper.scan)
    return wrapper


class Clock:
    """time.time() moved by ``offset`` seconds."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch, processes_of):
    moved = Clock()
    monkeypatch.setattr(
        processes_module, "time", SimpleNamespace(time=moved, monotonic=time.monotonic)
    )
    monkeypatch.setattr(processes_of.history, "_clock", moved)
    return moved


def fake_proc(i: int, uid: int, user: str, rss: int = 1 << 20, **fields) -> Proc:
    proc = Proc(
        pid=FAKE_PID + i,
        ppid=FAKE_PID + i,  # no parent: an "other" process
        name="fake",
        state="sleeping",
        started_at=1.0,
        uid=uid,
        user=user,
        cmdline=["fake"],
        rss=rss,
        threads=1,
        cpu_percent=1.0,
        uss=None,
        pss=None,
    )
    return proc._replace(**fields)


async def get_history(km, **params):
    status, body, _ = await km("processes", "history", params=params or None)
    assert status == 200, body
    return body


async def wait_for(predicate, timeout=10.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


def strict_json(data: bytes):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(data, parse_constant=refuse)


# --- Findings -------------------------------------------------------------------


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


# --- What held ------------------------------------------------------------------


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
