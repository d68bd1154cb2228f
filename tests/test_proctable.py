"""The process table: CPU percent between scans, reused pids, kept details."""

import os
import subprocess
import sys

import psutil

from jupyterlab_kernel_manager import proctable
from jupyterlab_kernel_manager.proctable import (
    ProcessTable,
    ProcfsReader,
    PsutilReader,
    Stat,
)


class FakeReader:
    """Processes as plain data: pid -> dict(start, cpu, uid, cmdline, ...)."""

    def __init__(self):
        self.procs = {}
        self.reads = []  # (what, pid) of every detail and memory read

    def pids(self):
        return sorted(self.procs)

    def fingerprint(self, pid):
        p = self.procs.get(pid)
        return None if p is None else tuple(sorted(p.items(), key=str))

    def stat(self, pid, fingerprint):
        p = self.procs[pid]
        return Stat(
            ident=p["start"],
            ppid=p.get("ppid", 1),
            name=p.get("name", "proc"),
            state=p.get("state", "sleeping"),
            started_at=1000.0 + p["start"],
            cpu_seconds=p["cpu"],
            rss=p.get("rss", 4096),
            threads=1,
        )

    def details(self, pid):
        self.reads.append(("details", pid))
        p = self.procs[pid]
        return p.get("uid", 1000), p.get("cmdline", ["proc"])

    def memory(self, pid):
        self.reads.append(("memory", pid))
        return 100, 150


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def by_pid(procs):
    return {p.pid: p for p in procs}


def test_cpu_percent_is_measured_between_scans():
    reader, clock = FakeReader(), Clock()
    table = ProcessTable(reader, clock)
    reader.procs[10] = {"start": 5, "cpu": 1.0}

    first = by_pid(table.scan(1000))
    clock.now += 2.0
    reader.procs[10]["cpu"] = 2.5
    second = by_pid(table.scan(1000))
    clock.now += 1.0
    third = by_pid(table.scan(1000))

    assert first[10].cpu_percent is None
    assert second[10].cpu_percent == 75.0
    assert third[10].cpu_percent == 0.0


def test_a_reused_pid_is_a_new_process():
    reader, clock = FakeReader(), Clock()
    table = ProcessTable(reader, clock)
    reader.procs[10] = {"start": 5, "cpu": 1.0, "cmdline": ["old"]}
    table.scan(1000)

    clock.now += 1.0
    # Same pid, another start time: the old process ended, a new one got its pid.
    reader.procs[10] = {"start": 9, "cpu": 3.0, "cmdline": ["new"]}
    after = by_pid(table.scan(1000))

    assert after[10].cpu_percent is None
    assert after[10].cmdline == ["new"]
    assert after[10].started_at == 1009.0


def test_a_process_that_did_not_run_is_not_read_again():
    reader, clock = FakeReader(), Clock()
    table = ProcessTable(reader, clock)
    reader.procs.update({10: {"start": 5, "cpu": 1.0}, 11: {"start": 6, "cpu": 1.0, "uid": 0}})
    first = by_pid(table.scan(1000))
    reader.reads.clear()

    clock.now += 1.0
    reader.procs[10]["cpu"] = 1.5
    second = by_pid(table.scan(1000))

    third = by_pid(table.scan(1000))

    # 10 ran: details and memory again; 11 (another user's, not measured) did not.
    assert reader.reads == [("details", 10), ("memory", 10)]
    assert second[11] == first[11]._replace(cpu_percent=0.0)
    assert third[11] is second[11]
    assert (second[10].uss, second[10].pss) == (100, 150)
    assert (second[11].uss, second[11].pss) == (None, None)


def test_memory_of_idle_processes_is_refreshed_a_few_at_a_time(monkeypatch):
    monkeypatch.setattr(proctable, "MEMORY_REFRESH_PER_SCAN", 2)
    reader, clock = FakeReader(), Clock()
    table = ProcessTable(reader, clock)
    reader.procs.update({pid: {"start": pid, "cpu": 0.0} for pid in range(10, 15)})
    table.scan(1000)
    reader.reads.clear()

    clock.now += proctable.MEMORY_MAX_AGE + 1
    table.scan(1000)
    table.scan(1000)
    table.scan(1000)

    assert reader.reads == [("memory", pid) for pid in range(10, 15)]


def test_vanished_processes_leave_the_table_and_no_memory_without_a_uid():
    reader, clock = FakeReader(), Clock()
    table = ProcessTable(reader, clock)
    reader.procs.update({10: {"start": 5, "cpu": 0.0}, 11: {"start": 6, "cpu": 0.0}})
    table.scan(None)
    del reader.procs[11]

    after = table.scan(None)

    assert [p.pid for p in after] == [10]
    assert ("memory", 10) not in reader.reads


def test_procfs_reader_reads_a_real_child_like_psutil():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "a b", ""])
    try:
        import psutil

        expected = psutil.Process(child.pid)
        for reader in (ProcfsReader(), PsutilReader()):
            proc = by_pid(ProcessTable(reader).scan(os.geteuid()))[child.pid]
            assert proc.ppid == os.getpid()
            assert proc.cmdline == expected.cmdline()
            assert proc.uid == expected.uids().real
            assert proc.user == expected.username()
            assert abs(proc.started_at - expected.create_time()) < 0.05
            assert proc.rss > 0 and proc.uss > 0 and proc.pss > 0
            assert proc.state in ("sleeping", "running")
    finally:
        child.kill()
        child.wait()


def test_a_name_cut_by_the_kernel_comes_from_the_command_line(tmp_path):
    long_name = tmp_path / "a-very-long-program-name"
    long_name.symlink_to("/bin/sleep")
    child = subprocess.Popen([str(long_name), "30"])
    try:
        proc = by_pid(ProcessTable(ProcfsReader()).scan(None))[child.pid]
        assert proc.name == "a-very-long-program-name"
    finally:
        child.kill()
        child.wait()


def fake_proc(root, pid, stat=None, status=None, cmdline=None):
    directory = root / str(pid)
    directory.mkdir()
    for name, data in [("stat", stat), ("status", status), ("cmdline", cmdline)]:
        if data is not None:
            (directory / name).write_bytes(data)


def stat_line(pid, name, state="S", ppid=1, ticks=(5, 3), threads=2, start=500):
    rest = [state, ppid, pid, pid, 0, -1, 0, 0, 0, 0, 0, *ticks, 0, 0, 20, 0]
    rest += [threads, 0, start, 1000000, 250, 0]
    # The 52 fields of Linux's stat line (psutil reads up to the 40th).
    rest += [0] * (52 - 2 - len(rest))
    return f"{pid} ({name}) {' '.join(map(str, rest))}\n".encode()


def test_odd_and_broken_proc_entries(tmp_path, monkeypatch):
    # Pids above any pid_max; psutil's fallback for USS finds no smaps.
    status = b"Name:\tx\nUmask:\t0022\nUid:\t1000\t1000\t1000\t1000\n"
    fake_proc(
        tmp_path,
        5000001,
        stat_line(5000001, "my (odd) name"),
        status,
        b"sshd: ann@pts/0",
    )
    fake_proc(tmp_path, 5000002, stat_line(5000002, "zombie", state="Z"), status, b"")
    fake_proc(tmp_path, 5000003, b"5000003 (cut", status, b"x\0")
    fake_proc(tmp_path, 5000004, stat_line(5000004, "gone"))  # exited mid-scan
    fake_proc(tmp_path, 5000005, stat_line(5000005, "x"), b"Name:\tx\n", b"x\0")
    (tmp_path / "self").mkdir()
    (tmp_path / "stat").write_text("cpu 0 0 0 0\nbtime 1000\n")  # psutil.boot_time()
    # The reader reads where psutil does (its pid list is psutil's).
    monkeypatch.setattr(psutil, "PROCFS_PATH", str(tmp_path))

    procs = by_pid(ProcessTable(ProcfsReader()).scan(1000))

    assert sorted(procs) == [5000001, 5000002]
    odd = procs[5000001]
    assert (odd.name, odd.cmdline, odd.uid, odd.ppid) == (
        "my (odd) name",
        ["sshd:", "ann@pts/0"],
        1000,
        1,
    )
    assert (odd.state, odd.threads, odd.uss, odd.pss) == ("sleeping", 2, None, None)
    assert odd.rss == 250 * os.sysconf("SC_PAGE_SIZE")
    assert (procs[5000002].state, procs[5000002].cmdline) == ("zombie", [])
