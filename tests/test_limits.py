"""Memory and CPU limits from fake cgroup trees (v2, v1), the environment, the machine."""

import pytest

from jupyterlab_kernel_manager.limits import read_limits

GIB = 2**30
MACHINE = {"machine_memory": 16 * GIB, "cpu_count": 8}


def tree(tmp_path, membership: str, files: dict):
    """A fake /sys/fs/cgroup and /proc/self/cgroup; gives read_limits' keyword args."""
    root = tmp_path / "cgroup"
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    root.mkdir(exist_ok=True)
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(membership)
    return {"cgroup_root": str(root), "proc_cgroup": str(proc), "environ": {}}


def test_cgroup_v2_memory_max_and_cpu_max(tmp_path):
    where = tree(
        tmp_path,
        "0::/user.slice/jupyter-ann.service\n",
        {
            "cgroup.controllers": "cpu memory",
            "user.slice/jupyter-ann.service/memory.max": f"{2 * GIB}\n",
            "user.slice/jupyter-ann.service/cpu.max": "150000 100000\n",
        },
    )

    limits = read_limits(**MACHINE, **where)

    assert limits.to_json() == {
        "memory_bytes": 2 * GIB,
        "memory_source": "cgroup-v2",
        "cpu_cores": 1.5,
        "cpu_source": "cgroup-v2",
    }


def test_cgroup_v2_max_is_no_limit_and_a_parent_limit_applies(tmp_path):
    where = tree(
        tmp_path,
        "0::/user.slice/jupyter-ann.service\n",
        {
            "user.slice/memory.max": f"{4 * GIB}\n",
            "user.slice/cpu.max": "max 100000\n",
            "user.slice/jupyter-ann.service/memory.max": "max\n",
            "user.slice/jupyter-ann.service/cpu.max": "max 100000\n",
        },
    )

    limits = read_limits(**MACHINE, **where)

    assert (limits.memory_bytes, limits.memory_source) == (4 * GIB, "cgroup-v2")
    assert (limits.cpu_cores, limits.cpu_source) == (8.0, "machine")


def test_cgroup_v1_limit_in_bytes_and_cfs_quota(tmp_path):
    # A hybrid machine like this one: v2 mounted but without controllers.
    where = tree(
        tmp_path,
        "4:memory:/process_api/abc\n1:cpu,cpuacct:/process_api/abc\n0::/\n",
        {
            "memory/process_api/abc/memory.limit_in_bytes": f"{3 * GIB}\n",
            "memory/memory.limit_in_bytes": "9223372036854771712\n",
            "cpu,cpuacct/process_api/abc/cpu.cfs_quota_us": "50000\n",
            "cpu,cpuacct/process_api/abc/cpu.cfs_period_us": "100000\n",
        },
    )

    limits = read_limits(**MACHINE, **where)

    assert limits.to_json() == {
        "memory_bytes": 3 * GIB,
        "memory_source": "cgroup-v1",
        "cpu_cores": 0.5,
        "cpu_source": "cgroup-v1",
    }


@pytest.mark.parametrize(
    ("limit", "quota"),
    [("9223372036854771712", "-1"), (str(32 * GIB), "-1"), (str(2**61), "bad")],
)
def test_cgroup_v1_huge_values_mean_no_limit(tmp_path, limit, quota):
    where = tree(
        tmp_path,
        "4:memory:/\n1:cpu:/\n",
        {
            "memory/memory.limit_in_bytes": limit,
            "cpu/cpu.cfs_quota_us": quota,
            "cpu/cpu.cfs_period_us": "100000",
        },
    )

    limits = read_limits(**MACHINE, **where)

    assert limits.to_json() == {
        "memory_bytes": 16 * GIB,
        "memory_source": "machine",
        "cpu_cores": 8.0,
        "cpu_source": "machine",
    }


def test_a_container_sees_its_own_cgroup_at_the_root(tmp_path):
    # No cgroup namespace: /proc/self/cgroup names the host's path, which is not
    # mounted here; the container's own cgroup is the mount's root.
    where = tree(
        tmp_path,
        "0::/kubepods/burstable/pod123/abc\n",
        {"memory.max": f"{GIB}\n", "cpu.max": "200000 100000\n"},
    )

    limits = read_limits(**MACHINE, **where)

    assert (limits.memory_bytes, limits.cpu_cores) == (GIB, 2.0)


def test_environment_when_no_cgroup_limits(tmp_path):
    where = tree(tmp_path, "0::/\n", {"memory.max": "max", "cpu.max": "max 100000"})
    where["environ"] = {"MEM_LIMIT": str(GIB), "CPU_LIMIT": "0.5"}

    limits = read_limits(**MACHINE, **where)

    assert limits.to_json() == {
        "memory_bytes": GIB,
        "memory_source": "env",
        "cpu_cores": 0.5,
        "cpu_source": "env",
    }


def test_a_cgroup_limit_wins_over_the_environment(tmp_path):
    where = tree(tmp_path, "0::/\n", {"memory.max": str(2 * GIB)})
    where["environ"] = {"MEM_LIMIT": str(GIB), "CPU_LIMIT": "2"}

    limits = read_limits(**MACHINE, **where)

    assert (limits.memory_bytes, limits.memory_source) == (2 * GIB, "cgroup-v2")
    assert (limits.cpu_cores, limits.cpu_source) == (2.0, "env")


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"MEM_LIMIT": "", "CPU_LIMIT": ""},
        {"MEM_LIMIT": "lots", "CPU_LIMIT": "-1"},
        {"MEM_LIMIT": "0", "CPU_LIMIT": "0"},
        {"MEM_LIMIT": str(64 * GIB), "CPU_LIMIT": "16"},
    ],
)
def test_the_machine_when_nothing_else_limits(tmp_path, environ):
    limits = read_limits(
        **MACHINE,
        cgroup_root=str(tmp_path / "absent"),
        proc_cgroup=str(tmp_path / "absent-too"),
        environ=environ,
    )

    assert limits.to_json() == {
        "memory_bytes": 16 * GIB,
        "memory_source": "machine",
        "cpu_cores": 8.0,
        "cpu_source": "machine",
    }
