"""The machine's process table, kept between scans so CPU use can be measured.

On Linux the table reads /proc itself, where psutil is measurably slower: with 317
processes (200 of them the user's), a scan after the first takes 1.4 ms of CPU
against 28 ms with ``PsutilReader``, the first 49 ms against 73 ms; the route is
polled while the user watches. A process whose ``/proc/<pid>/stat``
line is byte for byte what the previous scan read has not run since (the line holds
its CPU time, state, size and fault counters), so its owner, command line and
memory are kept instead of read again. Elsewhere psutil reads everything each scan.

CPU percent is the CPU time a process used between two scans over the time between
them (100 = one core). A pid whose start time changed is a new process that reused
the pid: like any process seen for the first time, it has no percent yet.
"""

from __future__ import annotations

import os
import pwd
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

import psutil

# Memory of a process that does not run still changes a little (shared pages come
# and go with other processes): it is measured again after this many seconds, a
# few processes per scan so that no scan pays for all of them at once.
MEMORY_MAX_AGE = 10.0
MEMORY_REFRESH_PER_SCAN = 50
# One read covers these files whole (a stat line is under 1 KB, status about 1.5 KB).
STAT_SIZE = 4096
STATUS_SIZE = 16384

# psutil's status strings (psutil.STATUS_*), for the state letter of a stat line.
STATES = {
    "R": "running",
    "S": "sleeping",
    "D": "disk-sleep",
    "T": "stopped",
    "t": "tracing-stop",
    "Z": "zombie",
    "X": "dead",
    "x": "dead",
    "K": "wake-kill",
    "W": "waking",
    "I": "idle",
    "P": "parked",
}


class Proc(NamedTuple):
    """One process as the last scan saw it (never changed: scans make new ones)."""

    pid: int
    ppid: int
    name: str
    state: str
    started_at: float
    uid: int
    user: str
    cmdline: list[str]
    rss: int
    threads: int
    cpu_percent: float | None
    uss: int | None
    pss: int | None


class Stat(NamedTuple):
    """What a reader reads for every process on every scan."""

    ident: object  # the start time in the reader's units: another value, another process
    ppid: int
    name: str
    state: str
    started_at: float
    cpu_seconds: float
    rss: int
    threads: int


class _Kept:
    __slots__ = ("cpu_seconds", "fingerprint", "ident", "memory_at", "proc", "seen_at")

    def __init__(self, fingerprint, stat: Stat, proc: Proc, now: float) -> None:
        self.fingerprint = fingerprint
        self.ident = stat.ident
        self.cpu_seconds = stat.cpu_seconds
        self.seen_at = now
        self.memory_at: float | None = None
        self.proc = proc


class ProcessTable:
    """Scans the machine's processes; one scan at a time (scans run in threads)."""

    def __init__(self, reader=None, clock: Callable[[], float] = time.monotonic):
        self.reader = reader or default_reader()
        self._clock = clock
        self._kept: dict[int, _Kept] = {}
        self._names: dict[int, str] = {}
        self._lock = threading.Lock()

    def scan(self, measure_uid: int | None) -> list[Proc]:
        """Every process, by pid; USS and PSS of those of ``measure_uid``.

        Processes that vanish or cannot be read during the scan are left out.
        """
        with self._lock:
            return self._scan(measure_uid)

    def _scan(self, measure_uid: int | None) -> list[Proc]:
        reader, now = self.reader, self._clock()
        kept, found, stale = self._kept, {}, []
        for pid in reader.pids():
            fingerprint = reader.fingerprint(pid)
            if fingerprint is None:
                continue
            entry = kept.get(pid)
            if entry is not None and entry.fingerprint == fingerprint:
                # It has not run since the last scan.
                entry.seen_at = now
                if entry.proc.cpu_percent != 0.0:
                    entry.proc = entry.proc._replace(cpu_percent=0.0)
                if entry.proc.uid == measure_uid and (
                    entry.memory_at is None or now - entry.memory_at > MEMORY_MAX_AGE
                ):
                    stale.append(entry)
                found[pid] = entry
                continue
            entry = self._read(pid, fingerprint, entry, now, measure_uid)
            if entry is not None:
                found[pid] = entry
        stale.sort(key=lambda e: e.memory_at or 0.0)
        for entry in stale[:MEMORY_REFRESH_PER_SCAN]:
            self._measure(entry, now)
        self._kept = found
        return [entry.proc for entry in found.values()]

    def _read(self, pid, fingerprint, entry, now, measure_uid) -> _Kept | None:
        reader = self.reader
        stat = reader.stat(pid, fingerprint)
        details = reader.details(pid) if stat is not None else None
        if details is None:
            return None
        uid, cmdline = details
        if entry is None or entry.ident != stat.ident:
            percent = None
        else:
            elapsed = max(now - entry.seen_at, 1e-3)
            used = max(stat.cpu_seconds - entry.cpu_seconds, 0.0)
            percent = round(100.0 * used / elapsed, 1)
        proc = Proc(
            pid=pid,
            ppid=stat.ppid,
            name=_full_name(stat.name, cmdline),
            state=stat.state,
            started_at=stat.started_at,
            uid=uid,
            user=self._user(uid),
            cmdline=cmdline,
            rss=stat.rss,
            threads=stat.threads,
            cpu_percent=percent,
            uss=None,
            pss=None,
        )
        entry = _Kept(fingerprint, stat, proc, now)
        if uid == measure_uid:
            self._measure(entry, now)
        return entry

    def _measure(self, entry: _Kept, now: float) -> None:
        proc = entry.proc
        uss, pss = (None, None)
        if proc.state != "zombie":
            uss, pss = self.reader.memory(proc.pid)
        entry.proc = proc._replace(uss=uss, pss=pss)
        entry.memory_at = now

    def _user(self, uid: int) -> str:
        name = self._names.get(uid)
        if name is None:
            try:
                name = pwd.getpwuid(uid).pw_name
            except KeyError:
                name = str(uid)
            self._names[uid] = name
        return name


def _full_name(comm: str, cmdline: list[str]) -> str:
    """The kernel cuts names to 15 characters; the command line has the rest."""
    if len(comm) >= 15 and cmdline:
        base = os.path.basename(cmdline[0])
        if base.startswith(comm):
            return base
    return comm


def default_reader():
    if sys.platform.startswith("linux") and os.path.isdir(f"{psutil.PROCFS_PATH}/self"):
        return ProcfsReader()
    return PsutilReader()


class ProcfsReader:
    """Reads /proc/<pid>/{stat,status,cmdline,smaps_rollup} without psutil, in
    psutil's ``PROCFS_PATH`` (tests point it elsewhere)."""

    def __init__(self) -> None:
        self.procfs = psutil.PROCFS_PATH
        self._ticks = os.sysconf("SC_CLK_TCK")
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._boot = psutil.boot_time()

    def pids(self) -> Iterable[int]:
        # psutil's listing is the same listdir: 0.09 ms against 0.10 ms (317 processes).
        return psutil.pids()

    def fingerprint(self, pid: int) -> bytes | None:
        # With stat() below, 2.0 ms for 317 processes; psutil's oneshot() of the same
        # fields 20 ms.
        return _read(f"{self.procfs}/{pid}/stat", STAT_SIZE)

    def stat(self, pid: int, data: bytes) -> Stat | None:
        # The name may hold spaces and parentheses: it ends at the last ")".
        close = data.rfind(b")")
        fields = data[close + 2 :].split()
        try:
            start = int(fields[19])
            return Stat(
                ident=start,
                ppid=int(fields[1]),
                name=data[data.find(b"(") + 1 : close].decode("utf-8", "replace"),
                state=STATES.get(fields[0].decode("ascii", "replace"), "unknown"),
                started_at=round(self._boot + start / self._ticks, 2),
                cpu_seconds=(int(fields[11]) + int(fields[12])) / self._ticks,
                rss=int(fields[21]) * self._page,
                threads=int(fields[17]),
            )
        except (IndexError, ValueError):
            return None

    def details(self, pid: int) -> tuple[int, list[str]] | None:
        """The real uid (as psutil's ``username()``) and the command line."""
        # 2.7 ms for 317 processes; psutil's uids() and cmdline() 8.9 ms.
        status = _read(f"{self.procfs}/{pid}/status", STATUS_SIZE)
        cmdline = _read(f"{self.procfs}/{pid}/cmdline")
        if status is None or cmdline is None:
            return None
        start = status.find(b"\nUid:")
        uids = status[start + 5 :].split(None, 1) if start >= 0 else []
        if not uids or not uids[0].isdigit():
            return None
        return int(uids[0]), _split_cmdline(cmdline)

    def memory(self, pid: int) -> tuple[int | None, int | None]:
        """USS and PSS, as psutil's ``memory_full_info()`` computes them."""
        # 3.9 ms for 200 processes; memory_full_info() 7.9 ms.
        try:
            data = _read(f"{self.procfs}/{pid}/smaps_rollup", STATUS_SIZE, missing_ok=False)
            assert data is not None  # missing_ok=False raises instead
        except PermissionError:
            return None, None
        except OSError:
            # smaps_rollup fails for some live processes; psutil falls back to smaps.
            return _psutil_memory(pid)
        uss = pss = 0
        for line in data.splitlines():
            if line.startswith(b"Private_"):
                uss += _kilobytes(line)
            elif line.startswith(b"Pss:"):
                pss = _kilobytes(line)
        return uss, pss


class PsutilReader:
    """Any platform psutil supports: every attribute read on every scan."""

    ATTRS = (
        "ppid",
        "name",
        "status",
        "create_time",
        "cpu_times",
        "memory_info",
        "num_threads",
        "uids",
        "cmdline",
    )

    def __init__(self) -> None:
        self._info: dict[int, dict] = {}

    def pids(self) -> Iterable[int]:
        self._info = {p.pid: p.info for p in psutil.process_iter(self.ATTRS, ad_value=None)}
        return sorted(self._info)

    def fingerprint(self, pid: int):
        info = self._info.get(pid)
        if info is None or info["create_time"] is None or info["uids"] is None:
            return None
        times = info["cpu_times"]
        rss = info["memory_info"].rss if info["memory_info"] else 0
        return (
            info["create_time"],
            times and times.user + times.system,
            rss,
            info["num_threads"],
            info["status"],
            info["name"],
            tuple(info["cmdline"] or ()),
            info["uids"].real,
        )

    def stat(self, pid: int, fingerprint) -> Stat:
        info = self._info[pid]
        created, cpu_seconds, rss = fingerprint[:3]
        return Stat(
            ident=created,
            ppid=info["ppid"] or 0,
            name=info["name"] or "",
            state=info["status"] or "unknown",
            started_at=round(created, 2),
            cpu_seconds=cpu_seconds or 0.0,
            rss=rss,
            threads=info["num_threads"] or 0,
        )

    def details(self, pid: int) -> tuple[int, list[str]]:
        info = self._info[pid]
        return info["uids"].real, list(info["cmdline"] or [])

    def memory(self, pid: int) -> tuple[int | None, int | None]:
        return _psutil_memory(pid)


def _psutil_memory(pid: int) -> tuple[int | None, int | None]:
    try:
        full = psutil.Process(pid).memory_full_info()
    except (psutil.Error, OSError):
        return None, None
    return getattr(full, "uss", None), getattr(full, "pss", None)


def _kilobytes(line: bytes) -> int:
    fields = line.split()
    return int(fields[1]) * 1024 if len(fields) > 1 and fields[1].isdigit() else 0


def _split_cmdline(data: bytes) -> list[str]:
    if not data:
        return []
    if data.endswith(b"\0"):
        parts = data[:-1].split(b"\0")
    else:
        # A process that rewrote its title (setproctitle) may use spaces, not NULs.
        parts = [part for part in data.replace(b"\0", b" ").split(b" ") if part]
    return [part.decode("utf-8", "replace") for part in parts]


def _read(path: str, size: int = 0, *, missing_ok: bool = True) -> bytes | None:
    """The file (its first ``size`` bytes: one read); None if it or its process is gone.

    /proc files are made whole on the first read, so a file known to be small is
    read with one system call instead of reading on to an empty read.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            if size:
                return os.read(fd, size)
            chunks = []
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)
    except OSError:
        if missing_ok:
            return None
        raise
