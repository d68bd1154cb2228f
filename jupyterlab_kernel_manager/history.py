"""What the Processes scans saw over the last minutes, in a bounded ring buffer.

Time is cut into slots of ``STEP`` (5) seconds aligned on epoch time (slot number
``floor(t / STEP)``); the buffer keeps the last ``ceil(seconds / STEP)`` of them, 360
for the default 30 minutes. A series is one quantity-pair over those slots: three
``array.array``\\s allocated once at full size, per slot the slot number it holds
(int64, to tell a stale slot from a current one), the CPU percent (float32, NaN when
no figure) and the memory in KiB (uint32, up to 4 TiB): 16 bytes a slot, **5,760
bytes of samples per series** for 30 minutes, 6,000 bytes with the arrays' own
headers (CPython 3.11, 64-bit). A slot holds the largest figures of the scans that
fell in it, so a short peak is never averaged away.

Series: ``total`` (the user's total as the Processes reply's ``totals`` counts it:
USS when measured, else RSS; CPU summed), one per kernel (the kernel's process and
every process under it: RSS and CPU summed) and, only while a hub admin asked for
every user within the last window, one per other account (the ``MAX_ACCOUNTS``
largest, so that accounts never push the user's own kernels out). A series not
written for a whole window, or written more than a window ahead (the clock was set
back), is dropped; there are at most ``MAX_SERIES`` (the least recently written go
first), so the buffer never holds more than about 12 MB.

Scans feed it from their thread (``record``); replies read it under the same lock.
When nobody asks for processes, ``sample_while_idle`` has the server scan once
every ``process_history_idle_interval`` seconds.
"""

from __future__ import annotations

import array
import asyncio
import heapq
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime

# Seconds a slot covers (tests lower it; read when a History is made).
STEP = 5
# Series kept, the total included.
MAX_SERIES = 2000
# Other accounts kept, the largest by memory: half of the series at most.
MAX_ACCOUNTS = MAX_SERIES // 2
# Memory is kept in KiB in 32 bits.
MAX_KIB = 2**32 - 1
_NAN = float("nan")


class Series:
    """One series: per slot, its slot number, CPU percent and memory in KiB."""

    __slots__ = ("cpu", "memory", "stamps", "written")

    def __init__(self, slots: int) -> None:
        self.stamps = array.array("q", [-1]) * slots
        self.cpu = array.array("f", [_NAN]) * slots
        self.memory = array.array("I", [0]) * slots
        self.written = -1  # the last slot number written

    def nbytes(self) -> int:
        """Bytes of samples (the arrays' contents)."""
        return sum(a.itemsize * len(a) for a in (self.stamps, self.cpu, self.memory))

    def write(self, slot: int, index: int, memory: int, cpu: float | None) -> None:
        # No scan gives a negative figure; one must not fail the scan (unsigned array).
        kib = min((max(memory, 0) + 1023) // 1024, MAX_KIB)
        if self.stamps[index] != slot:
            self.stamps[index] = slot
            self.memory[index] = kib
            self.cpu[index] = _NAN if cpu is None else cpu
        else:
            if kib > self.memory[index]:
                self.memory[index] = kib
            # NaN compares false: a figure replaces no figure, never the reverse.
            if cpu is not None and not cpu <= self.cpu[index]:
                self.cpu[index] = cpu
        self.written = slot

    def read(self, first: int, count: int, slots: int) -> dict:
        """``count`` slots from slot number ``first``; None where no scan fell."""
        stamps, cpus, kibs = self.stamps, self.cpu, self.memory
        cpu: list[float | None] = []
        memory: list[int | None] = []
        for slot in range(first, first + count):
            index = slot % slots
            if stamps[index] != slot:
                cpu.append(None)
                memory.append(None)
                continue
            value = cpus[index]
            # NaN is no figure; infinity (or past float32) is none either, and not JSON.
            cpu.append(round(value, 1) if math.isfinite(value) else None)
            memory.append(kibs[index] * 1024)
        return {"cpu": cpu, "memory": memory}


class History:
    """The buffer of one server: ``record`` per scan, ``reply`` per request."""

    def __init__(self, seconds: int, clock: Callable[[], float] = time.time) -> None:
        self.step = STEP
        self.slots = max(1, math.ceil(seconds / self.step))
        self._clock = clock
        self._lock = threading.Lock()
        self._total = Series(self.slots)
        # ("kernel" | "user", id) -> series, least recently written first.
        self._series: OrderedDict[tuple[str, str], Series] = OrderedDict()
        self._users_until = -1  # last slot number for which other accounts are kept
        self._pruned_at = -1

    @property
    def seconds(self) -> int:
        return self.slots * self.step

    def settings(self) -> dict:
        """What the Processes reply says of the history."""
        return {"step": self.step, "seconds": self.seconds}

    def want_users(self) -> None:
        """An admin asked for every user: keep other accounts for a window from now."""
        self._users_until = self._slot(self._clock()) + self.slots

    def record(
        self,
        timestamp: float,
        listed: Iterable[Mapping],
        totals: Mapping,
        others: Callable[[], Iterable[tuple[str, int, float | None]]] = lambda: (),
    ) -> None:
        """One scan: ``listed`` as ``classify`` gives it, ``totals`` as ``totals``
        does, and ``others`` the (account, rss, cpu) of other users' processes,
        asked for only while other accounts are kept."""
        # Per kernel: [rss, cpu, whether any process had a CPU figure].
        kernels: dict[str, list] = {}
        total_cpu_known = False
        for proc in listed:
            cpu = proc["cpu_percent"]
            if cpu is not None:
                total_cpu_known = True
            kind = proc["kind"]
            if kind == "kernel":
                kernel_id = proc["kernel"]["id"]
            elif kind == "child" and proc["ancestor"]["kind"] == "kernel":
                kernel_id = proc["ancestor"]["id"]
            else:
                continue
            sums = kernels.get(kernel_id)
            if sums is None:
                sums = kernels[kernel_id] = [0, 0.0, False]
            sums[0] += proc["rss_bytes"]
            if cpu is not None:
                sums[1] += cpu
                sums[2] = True
        slot = self._slot(timestamp)
        # An ask more than a window ahead was made before the clock was set back.
        asked = slot <= self._users_until <= slot + 2 * self.slots
        users = _sum_by_account(others()) if asked else {}
        index = slot % self.slots
        with self._lock:
            used = totals["uss_bytes"]
            self._total.write(
                slot,
                index,
                totals["rss_bytes"] if used is None else used,
                totals["cpu_percent"] if total_cpu_known else None,
            )
            for kernel_id, (rss, cpu, known) in kernels.items():
                self._series_for(("kernel", kernel_id)).write(
                    slot, index, rss, cpu if known else None
                )
            for account, (rss, cpu, known) in users.items():
                self._series_for(("user", account)).write(slot, index, rss, cpu if known else None)
            if slot != self._pruned_at:
                self._prune(slot)

    def reply(self, since: float | None, kernel_ids: Iterable[str], *, users: bool = False) -> dict:
        """The slots from the one holding ``since`` (the whole window without it) to
        the current one, for the total, the kernels of ``kernel_ids`` that have a
        series, and (``users``) other accounts."""
        now = self._slot(self._clock())
        first = now - self.slots + 1
        if since is not None:
            first = min(max(first, self._slot(since)), now + 1)
        count = now - first + 1
        with self._lock:
            kernels = {}
            for kernel_id in kernel_ids:
                series = self._series.get(("kernel", kernel_id))
                if series is not None:
                    kernels[kernel_id] = series.read(first, count, self.slots)
            reply = {
                "step": self.step,
                "seconds": self.seconds,
                "start": first * self.step,
                "count": count,
                "total": self._total.read(first, count, self.slots),
                "kernels": kernels,
            }
            if users:
                reply["users"] = {
                    key[1]: series.read(first, count, self.slots)
                    for key, series in self._series.items()
                    if key[0] == "user"
                }
        return reply

    def _slot(self, timestamp: float) -> int:
        return math.floor(timestamp / self.step)

    def _series_for(self, key: tuple[str, str]) -> Series:
        series = self._series.get(key)
        if series is None:
            while len(self._series) >= MAX_SERIES - 1:  # the total is one
                self._series.popitem(last=False)
            series = self._series[key] = Series(self.slots)
        else:
            self._series.move_to_end(key)
        return series

    def _prune(self, slot: int) -> None:
        """Once per slot: drop the series written a whole window ago or earlier, or
        more than a window ahead (before the clock was set back: else they would
        stay, and keep every series behind them, until the clock caught up)."""
        self._pruned_at = slot
        oldest = slot - self.slots
        while self._series:
            key, series = next(iter(self._series.items()))
            if oldest < series.written <= slot + self.slots:
                break
            del self._series[key]


def _sum_by_account(
    found: Iterable[tuple[str, int, float | None]],
) -> dict[str, list]:
    sums: dict[str, list] = {}
    for account, rss, cpu in found:
        entry = sums.get(account)
        if entry is None:
            entry = sums[account] = [0, 0.0, False]
        entry[0] += rss
        if cpu is not None:
            entry[1] += cpu
            entry[2] = True
    if len(sums) > MAX_ACCOUNTS:
        sums = dict(heapq.nlargest(MAX_ACCOUNTS, sums.items(), key=lambda item: item[1][0]))
    return sums


async def sample_while_idle(
    last_scan: Callable[[], float],
    scan: Callable[[], Awaitable[object]],
    interval: float,
    log: logging.Logger | logging.LoggerAdapter,
) -> None:
    """Scan once whenever no scan ran for ``interval`` seconds (``last_scan`` gives
    the monotonic time of the latest); runs until cancelled. A run of failed scans
    logs one traceback (the rest at debug level)."""
    # NaN passes the setting's min=1; asyncio.sleep(nan) returns at once in a bare loop
    # (a busy loop), and in the server's its NaN timer breaks the order of the timer heap.
    interval = max(1.0, interval)
    failing = False
    while True:
        wait = last_scan() + interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
            continue
        try:
            await scan()
            failing = False
        except Exception:
            level = logging.DEBUG if failing else logging.ERROR
            log.log(level, "The process history's idle scan failed", exc_info=True)
            failing = True
        # Even when the scan failed or was served from a cache: no busy loop.
        await asyncio.sleep(interval)


# What the Processes reply says of idle kernels, beside their history.


def epoch_seconds(value: object) -> float | None:
    """A kernel's ``last_activity`` in epoch seconds (a naive datetime as local time,
    as jupyter_client reads one); None for anything else, or for a date the platform
    cannot convert (a naive ``datetime.min``: ValueError)."""
    if not isinstance(value, datetime):
        return None
    try:
        return round(value.timestamp(), 3)
    except (OverflowError, OSError, ValueError):
        return None


def culling_settings(kernel_manager) -> dict | None:
    """MappingKernelManager's cull_* settings as the server applies them; None when it
    does not cull. Any kernel manager: the values are not trusted to be its traits."""
    timeout = _whole_seconds(getattr(kernel_manager, "cull_idle_timeout", 0))
    if timeout is None:
        return None
    return {
        "idle_timeout": timeout,
        # jupyter_server culls every 300 s (cull_interval_default) when it is <= 0.
        "interval": _whole_seconds(getattr(kernel_manager, "cull_interval", None)) or 300,
        "connected": bool(getattr(kernel_manager, "cull_connected", False)),
        "busy": bool(getattr(kernel_manager, "cull_busy", True)),
    }


def _whole_seconds(value: object) -> int | None:
    """Positive finite seconds, rounded up to whole ones (a bool passes the Integer
    trait: True culls after 1 s); None for anything else."""
    if not isinstance(value, (int, float)) or not 0 < value < math.inf:
        return None
    return math.ceil(value)
