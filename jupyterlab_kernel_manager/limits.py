"""The memory and CPU limits that apply to this server's processes.

In order: the server's own cgroup (v2, else v1; the smallest limit of the cgroup
and its ancestors, as the kernel enforces them), else ``MEM_LIMIT`` / ``CPU_LIMIT``
(JupyterHub's spawners set them: bytes and cores), else the machine's size.
A limit at least as large as the machine is no limit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

CGROUP_ROOT = "/sys/fs/cgroup"
# Read by hand: psutil has no cgroup API.
PROC_SELF_CGROUP = "/proc/self/cgroup"
# cgroup v1 writes "no limit" as a huge number (2^63 rounded down to a page).
HUGE = 2**60
# v1 controllers may be mounted together ("cpu,cpuacct").
V1_DIRS = {
    "memory": ("memory",),
    "cpu": ("cpu", "cpu,cpuacct", "cpuacct,cpu"),
}


@dataclass(frozen=True)
class Limits:
    memory_bytes: int
    memory_source: str
    cpu_cores: float
    cpu_source: str

    def to_json(self) -> dict:
        return {
            "memory_bytes": self.memory_bytes,
            "memory_source": self.memory_source,
            "cpu_cores": self.cpu_cores,
            "cpu_source": self.cpu_source,
        }


def read_limits(
    machine_memory: int,
    cpu_count: int,
    *,
    cgroup_root: str = CGROUP_ROOT,
    proc_cgroup: str = PROC_SELF_CGROUP,
    environ: Mapping[str, str] | None = None,
) -> Limits:
    """The limits for a machine of ``machine_memory`` bytes and ``cpu_count`` cores."""
    environ = os.environ if environ is None else environ
    v2, v1 = _memberships(_read(proc_cgroup) or "")
    v2_dirs = list(_dirs(cgroup_root, v2)) if v2 is not None else []
    memory, memory_source = _first_limit(
        machine_memory,
        ("cgroup-v2", _smallest(map(_v2_memory, v2_dirs))),
        ("cgroup-v1", _smallest(map(_v1_memory, _v1_dirs(cgroup_root, "memory", v1)))),
        ("env", _number(environ.get("MEM_LIMIT"))),
    )
    cpu, cpu_source = _first_limit(
        cpu_count,
        ("cgroup-v2", _smallest(map(_v2_cpu, v2_dirs))),
        ("cgroup-v1", _smallest(map(_v1_cpu, _v1_dirs(cgroup_root, "cpu", v1)))),
        ("env", _number(environ.get("CPU_LIMIT"))),
    )
    return Limits(int(memory), memory_source, round(float(cpu), 3), cpu_source)


def _first_limit(machine: float, *sources) -> tuple[float, str]:
    """The first source that limits anything on this machine, else the machine."""
    for name, value in sources:
        if value is not None and value < HUGE and value < machine:
            return value, name
    return machine, "machine"


def _memberships(text: str) -> tuple[str | None, dict[str, str]]:
    """The v2 path and each v1 controller's path from /proc/self/cgroup."""
    v2, v1 = None, {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and not controllers:
            v2 = path
        else:
            for controller in controllers.split(","):
                v1[controller] = path
    return v2, v1


def _dirs(base: str, path: str) -> Iterator[str]:
    """``base/path`` and its ancestors up to ``base``, those that exist.

    Without a cgroup namespace a container sees the host's path in /proc/self/cgroup
    while its own cgroup is mounted at ``base``: the missing levels are skipped.
    """
    parts = [p for p in path.split("/") if p and p not in (".", "..")]
    for depth in range(len(parts), -1, -1):
        directory = os.path.join(base, *parts[:depth])
        if os.path.isdir(directory):
            yield directory


def _v1_dirs(root: str, controller: str, paths: Mapping[str, str]) -> Iterator[str]:
    """The controller's cgroup and ancestors, if the controller is a v1 hierarchy."""
    if controller not in paths:
        return
    for name in V1_DIRS[controller]:
        base = os.path.join(root, name)
        if os.path.isdir(base):
            yield from _dirs(base, paths[controller])
            return


def _v2_memory(directory: str) -> float | None:
    return _number(_read(os.path.join(directory, "memory.max")))


def _v2_cpu(directory: str) -> float | None:
    fields = (_read(os.path.join(directory, "cpu.max")) or "").split()
    if len(fields) != 2:
        return None
    quota, period = _number(fields[0]), _number(fields[1])
    return quota / period if quota and period else None


def _v1_memory(directory: str) -> float | None:
    return _number(_read(os.path.join(directory, "memory.limit_in_bytes")))


def _v1_cpu(directory: str) -> float | None:
    quota = _number(_read(os.path.join(directory, "cpu.cfs_quota_us")))
    period = _number(_read(os.path.join(directory, "cpu.cfs_period_us")))
    return quota / period if quota and period else None


def _smallest(values: Iterable[float | None]) -> float | None:
    found = [value for value in values if value is not None]
    return min(found) if found else None


def _number(text: str | None) -> float | None:
    """A positive number; "max", -1, empty or garbage give None."""
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if 0 < value < float("inf") else None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError:
        return None
