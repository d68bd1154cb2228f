"""The process history's ring buffer alone (history.py), with a clock the tests move:
its bounds (slots, series, bytes), what a slot holds, stale slots, ``since``, eviction,
and other accounts kept only while an admin asks. tests/test_processes_history.py has
the route on a real server."""

from __future__ import annotations

import sys

from jupyterlab_kernel_manager.history import MAX_SERIES, History, Series

MB = 1024 * 1024


class Clock:
    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def listed(*kernels, children=(), cpu=1.0, uss=None):
    """What ``classify`` gives: kernels (id, rss), children (kernel id, rss), the server."""
    procs = [
        {
            "kind": "server",
            "kernel": None,
            "ancestor": None,
            "rss_bytes": 1 * MB,
            "cpu_percent": cpu,
        }
    ]
    for kernel_id, rss in kernels:
        procs.append(
            {
                "kind": "kernel",
                "kernel": {"id": kernel_id},
                "ancestor": None,
                "rss_bytes": rss,
                "cpu_percent": cpu,
            }
        )
    for kernel_id, rss in children:
        procs.append(
            {
                "kind": "child",
                "kernel": None,
                "ancestor": {"kind": "kernel", "id": kernel_id},
                "rss_bytes": rss,
                "cpu_percent": cpu,
            }
        )
    totals = {
        "rss_bytes": sum(p["rss_bytes"] for p in procs),
        "uss_bytes": uss,
        "cpu_percent": sum(p["cpu_percent"] or 0.0 for p in procs),
    }
    return procs, totals


def record(buffer: History, clock: Clock, *kernels, **kwargs) -> None:
    procs, totals = listed(*kernels, **kwargs)
    buffer.record(clock(), procs, totals)


def test_a_series_is_16_bytes_a_slot_allocated_once():
    series = Series(360)
    assert series.nbytes() == 5760
    arrays = (series.stamps, series.cpu, series.memory)
    assert [a.itemsize for a in arrays] == [8, 4, 4]
    # The arrays' headers on top of the samples, and nothing that grows.
    assert sum(sys.getsizeof(a) for a in arrays) <= 5760 + 3 * 128
    addresses = [a.buffer_info()[0] for a in arrays]
    for slot in range(5000):
        series.write(slot, slot % 360, slot * MB, 1.0)
    assert [a.buffer_info() for a in arrays] == [(address, 360) for address in addresses]


def test_never_more_slots_than_the_window_holds():
    clock = Clock()
    buffer = History(1800, clock)
    assert (buffer.slots, buffer.seconds) == (360, 1800)
    assert History(7, clock).slots == 2  # a part slot counts whole
    for _ in range(3 * 360):
        record(buffer, clock, ("k", 10 * MB))
        clock.now += 5
    reply = buffer.reply(None, ["k"])
    assert reply["count"] == 360
    assert [len(s) for s in (*reply["total"].values(), *reply["kernels"]["k"].values())] == [
        360
    ] * 4
    assert reply["start"] == (int(clock.now // 5) - 359) * 5
    assert buffer.reply(0.0, ["k"])["count"] == 360  # older than the window: the window


def test_a_slot_holds_the_largest_figures_of_its_scans():
    clock = Clock(1_750_000_000.0)  # a slot's start
    buffer = History(60, clock)
    for rss, cpu in [(10 * MB, 5.0), (30 * MB, None), (20 * MB, 50.0), (5 * MB, 7.0)]:
        record(buffer, clock, ("k", rss), cpu=cpu)
        clock.now += 1
    series = buffer.reply(clock.now, ["k"])["kernels"]["k"]
    assert series == {"memory": [30 * MB], "cpu": [50.0]}


def test_memory_is_kept_to_the_kib_and_cpu_to_a_tenth():
    clock = Clock()
    buffer = History(60, clock)
    record(buffer, clock, ("k", 5 * MB + 1), cpu=12.345, uss=7 * MB)
    reply = buffer.reply(clock.now, ["k"])
    assert reply["kernels"]["k"] == {"memory": [5 * MB + 1024], "cpu": [12.3]}
    # The total as `totals` counts it: USS when measured; CPU summed.
    assert reply["total"] == {"memory": [7 * MB], "cpu": [24.7]}


def test_a_kernel_is_its_process_and_everything_under_it():
    clock = Clock()
    buffer = History(60, clock)
    procs, totals = listed(("a", 100 * MB), ("b", 10 * MB), children=[("a", 5 * MB), ("a", 1 * MB)])
    procs.append(
        {
            "kind": "child",
            "kernel": None,
            "ancestor": {"kind": "terminal", "id": "1"},
            "rss_bytes": 999 * MB,
            "cpu_percent": 1.0,
        }
    )
    buffer.record(clock.now, procs, totals)
    kernels = buffer.reply(clock.now, ["a", "b", "gone"])["kernels"]
    assert kernels == {
        "a": {"memory": [106 * MB], "cpu": [3.0]},
        "b": {"memory": [10 * MB], "cpu": [1.0]},
    }


def test_no_cpu_figure_yet_is_null_not_zero():
    clock = Clock()
    buffer = History(60, clock)
    record(buffer, clock, ("k", MB), cpu=None)
    reply = buffer.reply(clock.now, ["k"])
    assert reply["kernels"]["k"]["cpu"] == [None]
    assert reply["total"]["cpu"] == [None]


def test_a_stale_slot_is_not_returned():
    clock = Clock(1_750_000_000.0)
    buffer = History(60, clock)  # 12 slots
    record(buffer, clock, ("k", 10 * MB))
    clock.now += 60  # the same index of the ring, one window later
    reply = buffer.reply(None, ["k"])
    assert reply["count"] == 12
    assert reply["kernels"]["k"]["memory"] == [None] * 12
    assert reply["total"]["memory"] == [None] * 12


def test_since_starts_at_the_slot_that_holds_it():
    clock = Clock(1_750_000_002.0)
    buffer = History(60, clock)
    now_slot = 1_750_000_000
    for since, start, count in [
        (None, now_slot - 55, 12),
        (float(now_slot), now_slot, 1),
        (now_slot + 4.9, now_slot, 1),
        (now_slot - 0.1, now_slot - 5, 2),
        (now_slot - 55.0, now_slot - 55, 12),
        (now_slot - 56.0, now_slot - 55, 12),  # older than the window
        (0.0, now_slot - 55, 12),
        (now_slot + 5.0, now_slot + 5, 0),  # the future: nothing yet
        (1e11, now_slot + 5, 0),
    ]:
        reply = buffer.reply(since, [])
        assert (reply["start"], reply["count"]) == (start, count), since
        assert len(reply["total"]["memory"]) == count


def test_a_series_not_written_for_a_window_is_dropped():
    clock = Clock()
    buffer = History(60, clock)
    record(buffer, clock, ("gone", MB), ("stays", MB))
    for _ in range(11):
        clock.now += 5
        record(buffer, clock, ("stays", MB))
    assert set(buffer.reply(None, ["gone", "stays"])["kernels"]) == {"gone", "stays"}
    clock.now += 5
    record(buffer, clock, ("stays", MB))
    assert set(buffer.reply(None, ["gone", "stays"])["kernels"]) == {"stays"}
    assert list(buffer._series) == [("kernel", "stays")]


def test_at_most_max_series_the_least_recently_written_go_first():
    clock = Clock()
    buffer = History(60, clock)
    first = [(f"k{i}", MB) for i in range(MAX_SERIES - 1)]
    record(buffer, clock, *first)
    assert len(buffer._series) == MAX_SERIES - 1  # and the total
    clock.now += 1
    record(buffer, clock, *first[1:], ("new", MB))
    ids = [f"k{i}" for i in range(MAX_SERIES - 1)] + ["new"]
    kernels = buffer.reply(None, ids)["kernels"]
    assert len(kernels) == MAX_SERIES - 1
    assert "new" in kernels and "k0" not in kernels
    clock.now += 1
    record(buffer, clock, *[(f"x{i}", MB) for i in range(3 * MAX_SERIES)])
    assert len(buffer._series) == MAX_SERIES - 1
    assert buffer.reply(clock.now, [])["total"]["memory"] != [None]


def test_other_accounts_are_kept_only_while_an_admin_asks():
    clock = Clock()
    buffer = History(60, clock)
    asked = []

    def others():
        asked.append(clock.now)
        return [("bob", 10 * MB, 1.0), ("bob", 5 * MB, None), ("eve", MB, None)]

    procs, totals = listed()
    buffer.record(clock.now, procs, totals, others)
    assert (asked, buffer.reply(None, [], users=True)["users"]) == ([], {})
    buffer.want_users()
    buffer.record(clock.now, procs, totals, others)
    users = buffer.reply(clock.now, [], users=True)["users"]
    assert users == {
        "bob": {"memory": [15 * MB], "cpu": [1.0]},
        "eve": {"memory": [MB], "cpu": [None]},
    }
    assert "users" not in buffer.reply(clock.now, [])
    clock.now += 65  # a window without an admin asking
    buffer.record(clock.now, procs, totals, others)
    assert len(asked) == 1
    assert buffer.reply(None, [], users=True)["users"] == {}
