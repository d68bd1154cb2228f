"""The pieces without a server: requirement checks, command lines, the job log."""

import sys

import pytest

from jupyterlab_kernel_manager import backends, envdirs, jobs
from jupyterlab_kernel_manager.jobs import HEAD_LINES, TAIL_LINES, JobLog
from jupyterlab_kernel_manager.packages import check_requirement


@pytest.mark.parametrize(
    "requirement",
    [
        "numpy",
        "numpy>=1.26,<3",
        "requests[socks]==2.*",
        "tomli; python_version < '3.11'",
        "zope.interface",
        "  spaced  ",
    ],
)
def test_requirements_that_pass(requirement):
    assert check_requirement(requirement, allow_urls=False) is None


def test_url_requirements_follow_the_setting():
    url = "pkg @ https://example.com/pkg-1.0.tar.gz"
    assert "URL" in check_requirement(url, allow_urls=False)
    assert check_requirement(url, allow_urls=True) is None
    assert "local" in check_requirement("pkg @ file:///srv/pkg", allow_urls=True)


def test_command_lines_of_each_backend():
    path = "/envs/e"
    venv = backends.Backend("venv", True, "/py", {"3.12": "/usr/bin/python3.12"}, "3.12")
    uv = backends.Backend("uv", True, "/bin/uv", {"3.12": "3.12"}, "3.12")
    conda = backends.Backend("conda", True, "/opt/bin/mamba", {"3.12": "3.12"}, "3.12")
    flags = ["--disable-pip-version-check", "--no-input", "--progress-bar", "off"]

    assert backends.create_commands(venv, path, "3.12", ["a"], system_site_packages=True) == [
        ["/usr/bin/python3.12", "-m", "venv", "--system-site-packages", path],
        ["/envs/e/bin/python", "-m", "pip", "install", *flags, "ipykernel", "a"],
    ]
    uv_install = ["/bin/uv", "pip", "install", "--python", "/envs/e/bin/python"]
    uv_venv = ["/bin/uv", "venv", "--no-python-downloads", "--python", "3.12", path]
    assert backends.create_commands(uv, path, "3.12", ["a"]) == [
        uv_venv,
        [*uv_install, "ipykernel", "pip", "a"],
    ]
    # From uv's cache alone first; the index only when the cache lacks something.
    offline = ["/bin/uv", "pip", "install", "--offline", "--python", "/envs/e/bin/python"]
    assert backends.create_commands(uv, path, "3.12", ["a"], prefer_cache=True) == [
        uv_venv,
        jobs.Fallback(
            [*offline, "ipykernel", "pip", "a"],
            [*uv_install, "ipykernel", "pip", "a"],
            backends.CACHE_MISS_NOTE,
        ),
    ]
    assert backends.create_commands(conda, path, "3.12", []) == [
        [
            "/opt/bin/mamba",
            "create",
            "-y",
            "-p",
            path,
            "python=3.12",
            "ipykernel",
            "pip",
        ],
    ]
    assert backends.create_commands(conda, path, "3.12", ["a"])[1] == [
        "/envs/e/bin/python",
        "-m",
        "pip",
        "install",
        *flags,
        "a",
    ]
    found = {"uv": uv, "conda": conda}
    assert backends.install_command("uv", found, path, ["a"]) == [*uv_install, "a"]
    assert backends.install_command("uv", found, path, ["a"], prefer_cache=True) == jobs.Fallback(
        [*offline, "a"], [*uv_install, "a"], backends.CACHE_MISS_NOTE
    )
    assert backends.install_command("conda", found, path, ["a"])[:4] == [
        "/envs/e/bin/python",
        "-m",
        "pip",
        "install",
    ]
    assert backends.list_command("conda", found, path) == [
        "/opt/bin/mamba",
        "list",
        "--json",
        "-p",
        path,
    ]


def test_default_backend_falls_back_to_the_first_available_allowed():
    found = {
        "uv": backends.Backend("uv", False, reason="x"),
        "venv": backends.Backend("venv", True),
        "conda": backends.Backend("conda", True),
    }
    assert backends.default_backend(found, "uv", ["conda", "venv"]) == "conda"
    assert backends.default_backend(found, "venv", ["conda", "venv"]) == "venv"
    assert backends.default_backend({}, "uv", ["uv"]) is None


def test_job_log_keeps_head_and_tail_with_stable_indices():
    log = JobLog()
    total = HEAD_LINES + TAIL_LINES + 500
    for i in range(total):
        log.append(f"line {i}")

    everything = log.since(0)

    assert log.total == total
    assert len(everything) == HEAD_LINES + 1 + TAIL_LINES
    assert everything[HEAD_LINES - 1] == f"line {HEAD_LINES - 1}"
    assert everything[HEAD_LINES] == "[... 500 lines omitted ...]"
    assert everything[-1] == f"line {total - 1}"
    assert log.since(total - 2) == [f"line {total - 2}", f"line {total - 1}"]
    assert log.since(total) == []
    assert log.since(HEAD_LINES + 10)[0] == "[... 490 lines omitted ...]"
    assert log.since(5)[0] == "line 5"


@pytest.mark.parametrize(("given", "normal"), [("MyEnv", "myenv"), ("a.b_c-1", "a.b_c-1")])
def test_names_are_lower_cased(given, normal):
    assert envdirs.normalize_name(given) == normal


@pytest.mark.parametrize("listing", ["exit 2", "echo '[]'", "echo 'not json'"])
async def test_uv_without_a_python_listing_builds_from_the_servers_interpreter(
    tmp_path, monkeypatch, listing
):
    fake_uv = tmp_path / "uv"
    fake_uv.write_text(f"#!/bin/sh\n{listing}\n")
    fake_uv.chmod(0o755)
    monkeypatch.setattr(backends, "find_uv", lambda: str(fake_uv))

    uv = (await backends.detect(["uv"]))["uv"]

    assert (uv.available, uv.executable) == (True, str(fake_uv))
    assert uv.pythons == {backends.SERVER_PYTHON: sys.executable}
    assert backends.create_commands(uv, "/e", backends.SERVER_PYTHON, [])[0][-3:] == [
        "--python",
        sys.executable,
        "/e",
    ]
