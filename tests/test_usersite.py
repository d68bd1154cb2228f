"""User-site packages (``pip install --user``) of kernelspecs we did not make.

The real case is TLJH's: a kernel of a Python that is no venv, whose user site
is on. Here that Python is the base interpreter of the server's own venv
(``sys._base_executable``: pyenv's 3.11 on the dev machines), with ipykernel
installed once per module by its own ``pip install --user`` into a user base
under the test's tmp directory (``PYTHONUSERBASE``, set in the kernelspec's
``env`` as a TLJH admin could): the kernels start from there, and nothing is
written to the real ``~/.local`` or to that Python's own site-packages.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import install_spec, poll_job, run_in_kernel, unavailable

from jupyterlab_kernel_manager import usersite

BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
# A tiny pure-Python package that neither the base Python nor the venv ships.
SMALL = "tomli"
KERNEL_ARGV_TAIL = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


def _base_python_or_skip() -> str:
    probe = subprocess.run(
        [
            BASE_PYTHON,
            "-c",
            "import site, sys; print(site.ENABLE_USER_SITE, sys.prefix == sys.base_prefix)",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.stdout.split() != ["True", "True"]:
        unavailable(f"{BASE_PYTHON} is a venv or has no user site: {probe.stdout}{probe.stderr}")
    return BASE_PYTHON


@pytest.fixture(scope="module")
def user_base(tmp_path_factory) -> Path:
    """A user base where the base Python's ``pip install --user`` put ipykernel."""
    python = _base_python_or_skip()
    base = tmp_path_factory.mktemp("userbase")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PYTHONUSERBASE=str(base), HOME=str(base / "home"), PIP_NO_INPUT="1")
    done = subprocess.run(
        [python, "-m", "pip", "install", "--user", "--disable-pip-version-check", "ipykernel"],
        env=env,
        cwd=base,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        unavailable(f"cannot install ipykernel --user for {python}: {done.stdout}{done.stderr}")
    return base


def user_site_of(base: Path) -> Path:
    version = "{}.{}".format(*sys.version_info[:2])
    return base / "lib" / f"python{version}" / "site-packages"


@pytest.fixture
def tljh_spec(user_kernels, user_base, without_server_pythonpath) -> str:
    install_spec(
        user_kernels,
        "tljh-python",
        argv=[BASE_PYTHON, *KERNEL_ARGV_TAIL],
        env={"PYTHONUSERBASE": str(user_base)},
    )
    return "tljh-python"


def answer_of(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()


async def listing(km, spec):
    status, reply, _ = await km("kernelspecs", spec, "user-packages")
    assert status == 200, reply
    return reply


def names(reply) -> set[str]:
    return {p["name"].lower().replace("_", "-") for p in reply["packages"]}


async def start_kernel(jp_fetch, spec) -> str:
    response = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": spec}))
    return json.loads(response.body)["id"]


async def import_in_new_kernel(jp_fetch, jp_serverapp, spec, code):
    kernel_id = await start_kernel(jp_fetch, spec)
    try:
        return await run_in_kernel(jp_serverapp, kernel_id, code)
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")


# Detection


async def test_a_venv_python_has_no_user_site(km, user_kernels):
    install_spec(user_kernels, "venvpy", argv=[sys.executable, *KERNEL_ARGV_TAIL])

    reply = await listing(km, "venvpy")

    assert reply["available"] is False
    assert "virtual environment" in reply["reason"]
    assert reply["packages"] == []
    assert reply["python_version"] == "{}.{}".format(*sys.version_info[:2])


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"language": "R", "argv": ["R", "--slave"]}, "not a Python kernel"),
        # Never run with Python's flags: bash -c would run the probe as a script.
        ({"argv": ["bash", "-c", "exec python3 -m ipykernel_launcher"]}, "not named like"),
        ({"argv": ["/nowhere/bin/python3", "-f", "{connection_file}"]}, "cannot be found"),
        ({"env": {"A": "x\u0000y"}}, "cannot be passed"),
        ({"env": ["not", "an", "object"]}, "not a JSON object"),
        (
            {"metadata": {"kernel_manager": {"environment": {"path": "/e", "backend": "uv"}}}},
            "Packages view",
        ),
    ],
)
async def test_what_is_not_a_usable_python_says_why(km, user_kernels, fields, why):
    install_spec(user_kernels, "other", **fields)

    reply = await listing(km, "other")

    assert reply["available"] is False
    assert why in reply["reason"]
    assert reply["packages"] == [] and reply["user_site"] is None
    status, refused, _ = await km(
        "kernelspecs", "other", "user-packages", method="POST", body={"packages": [SMALL]}
    )
    assert (status, refused["reason"]) == (409, "unavailable")


async def test_a_program_not_named_python_is_never_run(km, user_kernels, tmp_path):
    marker = tmp_path / "ran"
    program = tmp_path / "start-kernel"
    program.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    program.chmod(0o755)
    install_spec(user_kernels, "wrapped", argv=[str(program), "-f", "{connection_file}"])

    reply = await listing(km, "wrapped")

    assert reply["available"] is False
    assert not marker.exists()


async def test_a_system_managed_python_is_refused_with_its_reason(km, user_kernels):
    system = "/usr/bin/python3"
    stdlib = await asyncio.to_thread(
        answer_of, [system, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"]
    )
    if not os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED")):
        pytest.skip(f"{system} is not marked EXTERNALLY-MANAGED here")
    install_spec(user_kernels, "debian", argv=[system, *KERNEL_ARGV_TAIL])

    reply = await listing(km, "debian")

    assert reply["available"] is False
    assert "EXTERNALLY-MANAGED" in reply["reason"]


async def test_the_user_site_is_under_the_servers_home(km, user_kernels):
    _base_python_or_skip()
    install_spec(user_kernels, "homepy", argv=[BASE_PYTHON, *KERNEL_ARGV_TAIL])

    reply = await listing(km, "homepy")

    assert reply["available"] is True, reply
    # pytest-jupyter's HOME, never the real one.
    assert reply["user_site"].startswith(os.environ["HOME"] + os.sep)
    assert not reply["user_site"].startswith(os.path.expanduser("~root") + os.sep)
    assert reply["packages"] == []


# The real thing


@pytest.mark.slow
async def test_add_import_remove_import_fails(km, jp_fetch, jp_serverapp, tljh_spec, user_base):
    site_dir = user_site_of(user_base)
    before = await listing(km, tljh_spec)
    assert before["available"] is True, before
    assert before["user_site"] == str(site_dir)
    assert before["python_version"] == "{}.{}".format(*sys.version_info[:2])
    # Only what lives in the user site: ipykernel, not the base Python's pip.
    assert "ipykernel" in names(before)
    assert "pip" not in names(before) and SMALL not in names(before)

    status, started, _ = await km(
        "kernelspecs", tljh_spec, "user-packages", method="POST", body={"packages": [SMALL]}
    )
    assert status == 202, started
    assert started["environment"] == tljh_spec
    job, lines, _ = await poll_job(km, started["job"])
    assert job["state"] == "succeeded", lines
    assert job["kind"] == "user-install"
    assert any("-m pip install --user" in line for line in lines)
    assert SMALL in names(await listing(km, tljh_spec))

    out, reply = await import_in_new_kernel(
        jp_fetch, jp_serverapp, tljh_spec, f"import {SMALL}; print({SMALL}.__file__)"
    )
    assert reply["status"] == "ok", out
    assert out.strip().startswith(str(site_dir)), out

    status, after, _ = await km("kernelspecs", tljh_spec, "user-packages", SMALL, method="DELETE")
    assert status == 200, after
    assert SMALL not in names(after) and "ipykernel" in names(after)
    assert not (site_dir / SMALL).exists()

    out, reply = await import_in_new_kernel(jp_fetch, jp_serverapp, tljh_spec, f"import {SMALL}")
    assert reply["status"] == "error"
    assert "ModuleNotFoundError" in out


# Refusals


async def test_a_package_outside_the_user_site_is_never_removed(km, tljh_spec):
    base_pip = await asyncio.to_thread(
        answer_of, [BASE_PYTHON, "-I", "-c", "import pip; print(pip.__file__)"]
    )
    assert base_pip

    status, reply, _ = await km("kernelspecs", tljh_spec, "user-packages", "pip", method="DELETE")

    assert (status, reply["reason"]) == (404, "not-installed")
    assert os.path.isfile(base_pip)


@pytest.mark.parametrize(
    "package", ["..", "-y", "pip --yes", "a/b", "x" * 300, "pip;ls", ".hidden", "name-"]
)
async def test_hostile_package_names_are_refused(km, tljh_spec, package, raw_api):
    segment = package.replace("/", "%2F").replace(" ", "%20").replace(";", "%3B")
    status, reply = await raw_api(f"{tljh_spec}/user-packages/{segment}", method="DELETE")

    assert status in (400, 404), reply
    if status == 400:
        assert reply["reason"] == "invalid-package"


@pytest.mark.parametrize(
    "body",
    [
        {"packages": ["--index-url=https://evil.example/simple", "x"]},
        {"packages": ["./local"]},
        {"packages": ["x.whl"]},
        {"packages": "tomli"},
        {"packages": []},
        {"packages": [SMALL], "extra": 1},
        ["tomli"],
    ],
)
async def test_hostile_requests_start_nothing(km, tljh_spec, body, environments):
    status, reply, _ = await km("kernelspecs", tljh_spec, "user-packages", method="POST", body=body)

    assert status == 400, reply
    assert reply["reason"] in ("invalid-package", "invalid-body")
    assert environments.jobs.running() == []


@pytest.mark.parametrize("name", ["..", "a%2Fb", "%2E%2E", "x" * 256, "a%20b"])
async def test_hostile_spec_names_are_refused(raw_api, name):
    status, reply = await raw_api(f"{name}/user-packages")

    assert (status, reply["reason"]) == (400, "invalid-name")


async def test_a_missing_spec_is_not_found(km):
    status, reply, _ = await km("kernelspecs", "missing", "user-packages")

    assert (status, reply["reason"]) == (404, "not-found")


async def test_one_install_at_a_time_per_user_site(km, tljh_spec, user_kernels, user_base):
    # A second spec of the same interpreter and user base shares the user site.
    install_spec(
        user_kernels,
        "tljh-twin",
        argv=[BASE_PYTHON, *KERNEL_ARGV_TAIL],
        env={"PYTHONUSERBASE": str(user_base)},
    )
    # Never reaches the index: refused by pip only after the second request.
    body = {"packages": ["kernel-manager-no-such-package-0b7e"]}
    status, first, _ = await km("kernelspecs", tljh_spec, "user-packages", method="POST", body=body)
    assert status == 202, first

    status, second, _ = await km(
        "kernelspecs", "tljh-twin", "user-packages", method="POST", body=body
    )
    status_rm, removal, _ = await km(
        "kernelspecs", "tljh-twin", "user-packages", "ipykernel", method="DELETE"
    )

    job, _lines, _ = await poll_job(km, first["job"])
    assert (status, second["reason"]) == (409, "busy")
    assert (status_rm, removal["reason"]) == (409, "busy")
    assert job["state"] == "failed"


async def test_the_probe_is_cached_per_interpreter(km, tljh_spec, monkeypatch):
    calls = []
    real = usersite._run_probe

    async def counting(interpreter, env):
        calls.append(interpreter)
        return await real(interpreter, env)

    monkeypatch.setattr(usersite, "_run_probe", counting)
    await asyncio.gather(*(listing(km, tljh_spec) for _ in range(3)))
    await listing(km, tljh_spec)

    assert 1 <= len(calls) <= 3
    calls.clear()
    await listing(km, tljh_spec)
    assert calls == []


async def test_listing_without_uv(km, tljh_spec, monkeypatch):
    monkeypatch.setattr(usersite.tools, "find_uv", lambda: None)

    reply = await listing(km, tljh_spec)

    assert "ipykernel" in names(reply) and "pip" not in names(reply)
