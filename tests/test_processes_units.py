"""Processes without a server: the shared scan, classification, input checks, admins."""

import asyncio
import hashlib
import json
import time
from types import SimpleNamespace

import pytest

from jupyterlab_kernel_manager.config import KernelManagerConfig
from jupyterlab_kernel_manager.errors import BadRequest, Forbidden
from jupyterlab_kernel_manager.hub import is_hub_admin
from jupyterlab_kernel_manager.processes import (
    Context,
    KernelRef,
    Processes,
    classify,
    parse_pid,
    parse_signal,
)
from jupyterlab_kernel_manager.proctable import Proc

UID = 1000


def proc(pid, ppid=1, uid=UID, cmdline=("proc",)):
    return Proc(
        pid=pid,
        ppid=ppid,
        name=cmdline[0],
        state="sleeping",
        started_at=1.0,
        uid=uid,
        user="ann" if uid == UID else "bob",
        cmdline=list(cmdline),
        rss=1000 * pid,
        threads=1,
        cpu_percent=1.0,
        uss=None,
        pss=None,
    )


def kernel(kernel_id, pid):
    return KernelRef(
        id=kernel_id,
        pid=pid,
        connection_file=f"kernel-{kernel_id}.json",
        model={"id": kernel_id},
    )


def kinds(listed):
    return {p["pid"]: (p["kind"], p["ancestor"]) for p in listed}


def test_kinds_follow_the_process_tree():
    procs = [
        proc(1, ppid=0, uid=0),
        proc(10, ppid=1),  # the server
        proc(11, ppid=10),  # kernel k1
        proc(12, ppid=11),  # its child
        proc(13, ppid=12),  # its grandchild
        proc(14, ppid=10),  # the terminal's shell
        proc(15, ppid=14),  # a command in the terminal
        proc(16, ppid=10),  # something else the server started
        proc(17, ppid=1),  # the user's, unrelated
        proc(18, ppid=11, uid=0),  # not the user's: not listed
    ]
    context = Context([kernel("k1", 11)], {14: "1"})

    listed = classify(procs, UID, 10, context)

    assert kinds(listed) == {
        10: ("server", None),
        11: ("kernel", None),
        12: ("child", {"kind": "kernel", "id": "k1"}),
        13: ("child", {"kind": "kernel", "id": "k1"}),
        14: ("terminal", None),
        15: ("child", {"kind": "terminal", "id": "1"}),
        16: ("other", None),
        17: ("other", None),
    }
    assert listed[1]["kernel"] == {"id": "k1"}
    assert listed[4]["terminal"] == {"name": "1"}


def test_a_kernel_without_a_pid_is_found_by_its_connection_file():
    wrapper = ("conda", "run", "python", "-f", "/run/kernel-k2.json")
    python = ("python", "-m", "ipykernel_launcher", "-f", "/run/kernel-k2.json")
    procs = [proc(10), proc(20, 10, cmdline=wrapper), proc(21, 20, cmdline=python)]
    context = Context([kernel("k2", None)], {})

    listed = classify(procs, UID, 10, context)

    assert kinds(listed) == {
        10: ("server", None),
        20: ("kernel", None),
        21: ("child", {"kind": "kernel", "id": "k2"}),
    }


def test_a_kernel_of_another_server_is_other():
    python = ("python", "-m", "ipykernel_launcher", "-f", "/run/kernel-zz.json")
    procs = [proc(10), proc(30, 1, cmdline=python)]

    listed = classify(procs, UID, 10, Context([kernel("k1", 11)], {}))

    assert kinds(listed)[30] == ("other", None)


@pytest.mark.parametrize("text", ["abc", "-1", "0", "1.5", "", "٣", "1e3", "2147483648"])
def test_pids_must_be_positive_integers(text):
    with pytest.raises(BadRequest) as refused:
        parse_pid(text)
    assert refused.value.reason == "invalid-pid"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "invalid-body"),
        ({"signal": "INT", "force": True}, "invalid-body"),
        ({"signal": "HUP"}, "invalid-signal"),
        ({"signal": "SIGKILL"}, "invalid-signal"),
        ({"signal": 2}, "invalid-signal"),
        ({"signal": None}, "invalid-signal"),
    ],
)
def test_signals_are_int_term_or_kill(body, reason):
    with pytest.raises(BadRequest) as refused:
        parse_signal(body)
    assert refused.value.reason == reason


@pytest.mark.parametrize("name", ["INT", "TERM", "KILL"])
def test_the_three_signals(name):
    assert parse_signal({"signal": name}) == name


class FakeServerApp:
    """Just what the scan asks the server: kernels, sessions, terminals."""

    def __init__(self):
        self.kernel_manager = SimpleNamespace(list_kernel_ids=list)
        self.session_manager = SimpleNamespace(list_sessions=self._sessions)
        self.web_app = SimpleNamespace(settings={})

    async def _sessions(self):
        return []


@pytest.fixture
def counted():
    """Processes over a fake server, with a table whose scans are slow and counted."""
    processes = Processes(KernelManagerConfig(), FakeServerApp())
    scans = []

    def scan(measure_uid):
        scans.append(measure_uid)
        time.sleep(0.2)
        return [
            proc(processes.server_pid, uid=processes.uid),
            proc(7, uid=processes.uid + 1, cmdline=("sleep", "--secret=</script>")),
        ]

    processes.table.scan = scan
    return processes, scans


async def test_concurrent_requests_share_one_scan(counted):
    processes, scans = counted

    bodies = await asyncio.gather(
        *(processes.listing(all_users=False, is_admin=False) for _ in range(5))
    )

    assert len(scans) == 1
    # One encoding serves them all: the very same bytes.
    assert all(body is bodies[0] for body in bodies)
    reply = json.loads(bodies[0].data)
    assert [p["kind"] for p in reply["processes"]] == ["server"]
    assert bodies[0].etag == f'"{hashlib.sha1(bodies[0].data).hexdigest()}"'


async def test_each_kind_of_request_gets_its_own_bytes_once(counted):
    processes, scans = counted

    plain = await processes.listing(all_users=False, is_admin=False)
    admin = await processes.listing(all_users=False, is_admin=True)
    everyone = await processes.listing(all_users=True, is_admin=True)
    again = await asyncio.gather(
        processes.listing(all_users=False, is_admin=False),
        processes.listing(all_users=False, is_admin=True),
        processes.listing(all_users=True, is_admin=True),
    )

    assert len(scans) == 1
    assert list(again) == [plain, admin, everyone]
    assert all(a is b for a, b in zip(again, (plain, admin, everyone)))
    assert len({plain.etag, admin.etag, everyone.etag}) == 3
    replies = [json.loads(body.data) for body in (plain, admin, everyone)]
    assert [r["is_admin"] for r in replies] == [False, True, True]
    assert ["users" in r for r in replies] == [False, False, True]
    # Only the admins' all-users body holds another user's command line.
    assert b"secret" not in plain.data and b"secret" not in admin.data
    (bob,) = replies[2]["users"]
    assert bob["processes"][0]["cmdline"] == ["sleep", "--secret=</script>"]
    assert b"</script>" not in everyone.data
    assert replies[0]["processes"] == replies[2]["processes"]


async def test_a_non_admin_never_gets_the_all_users_body(counted):
    processes, scans = counted

    with pytest.raises(Forbidden):
        await processes.listing(all_users=True, is_admin=False)
    assert scans == []
    # Nor from a snapshot already made for others.
    snapshot = await processes.snapshot()
    with pytest.raises(Forbidden):
        await snapshot.body(all_users=True, is_admin=False)


async def test_a_fresh_scan_is_reused_and_a_signal_forgets_it(counted):
    processes, scans = counted

    await processes.listing(all_users=False, is_admin=False)
    await processes.listing(all_users=False, is_admin=False)
    assert len(scans) == 1

    processes.invalidate()
    await processes.listing(all_users=False, is_admin=False)
    assert len(scans) == 2

    processes.config.process_scan_cache_seconds = 0
    await processes.listing(all_users=False, is_admin=False)
    assert len(scans) == 3


async def test_a_request_after_a_signal_does_not_join_an_older_scan(counted):
    processes, scans = counted

    before = asyncio.ensure_future(processes.listing(all_users=False, is_admin=False))
    await asyncio.sleep(0.05)  # that scan is running in its thread
    processes.invalidate()
    after = await processes.listing(all_users=False, is_admin=False)
    await before

    assert len(scans) == 2
    timestamp = json.loads(after.data)["timestamp"]
    assert timestamp >= json.loads((await before).data)["timestamp"]


async def test_uss_is_not_measured_when_switched_off(counted):
    processes, scans = counted
    processes.config.measure_uss = False

    await processes.listing(all_users=False, is_admin=False)

    assert scans == [None]


def hub_user(**model):
    """The shape JupyterHub's identity provider gives current_user (see
    tests/fake_hub_identity.py); test_processes_users checks jupyterhub's own class."""
    return SimpleNamespace(name=model.get("name", "ann"), hub_user=model)


@pytest.mark.parametrize(
    ("user", "admin"),
    [
        (hub_user(name="ann", admin=True), True),
        (hub_user(name="ann", admin=False), False),
        (hub_user(name="ann"), False),
        (hub_user(name="ann", admin="true"), False),
        (hub_user(name="ann", scopes=["admin:users"]), True),
        (hub_user(name="ann", scopes=["list:users", "read:users"]), True),
        (hub_user(name="ann", scopes=["list:users", "read:users!group=x"]), False),
        (hub_user(name="ann", scopes=["read:users:name!user"]), False),
        (SimpleNamespace(name="ann", hub_user=None), False),
        (SimpleNamespace(name="ann", admin=True), False),
        (None, False),
    ],
)
def test_hub_admins(user, admin):
    assert is_hub_admin(user) is admin
