"""Hostile input to the routes of reproducible environments and user-site packages,
against a real server: requirement files that crashed or stalled the parser,
exports of environments whose packages name themselves anything, and a kernelspec
whose user site is someone else's site-packages.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import create_environment, install_spec, unavailable

from jupyterlab_kernel_manager import reproduce, requirementfiles
from jupyterlab_kernel_manager.backends import find_uv
from jupyterlab_kernel_manager.errors import BadRequest

LOCK_HEAD = 'lock-version = "1.0"\n\n[[packages]]\nname = "x"\nversion = "1"\n'
DEEP = 120_000  # about the most a 256 KiB body can nest

REFUSED_FILES = [
    # TypeError (a 500) before: fields of the wrong type.
    ("pyproject.toml", "[project]\nname = 'x'\ndynamic = 5\n", 3),
    ("pyproject.toml", "[project]\ndynamic = [1, {a = 2}]\n", 2),
    ("pylock.toml", LOCK_HEAD + "wheels = 5\n", 3),
    ("pylock.toml", LOCK_HEAD + "wheels = [5]\n", 3),
    ("pylock.toml", LOCK_HEAD + 'sdist = "x"\n', 3),
    # A marker we would drop, installing the package everywhere.
    ("pylock.toml", LOCK_HEAD + "marker = 5\n", 3),
    # RecursionError (a 500) before.
    ("pyproject.toml", "a = " + "[" * DEEP + "]" * DEEP + "\n", 1),
    ("pylock.toml", "a = " + "{b = " * 20_000 + "1" + "}" * 20_000 + "\n", 1),
    ("environment.yml", "".join(" " * i + "a:\n" for i in range(700)), 9),
    # Minutes of the server's event loop, then a RecursionError, before.
    ("environment.yml", "[" * DEEP + "]" * DEEP, 1),
    ("environment.yml", "dependencies: " + "[" * DEEP + "]" * DEEP, 1),
    # Tags are refused, as the module says, not only on scalars.
    ("environment.yml", "dependencies: !!python/object:os.system [a]\n", 1),
    ("environment.yml", "dependencies:\n  - !custom [a]\n", 2),
]


@pytest.mark.parametrize(("fmt", "content", "line"), REFUSED_FILES)
async def test_hostile_files_are_refused_quickly_and_start_nothing(
    km, envs_dir, environments, fmt, content, line
):
    started = time.monotonic()
    status, reply, _ = await km(
        "environments",
        method="POST",
        body={"name": "hostile", "requirements_file": {"format": fmt, "content": content}},
    )
    took = time.monotonic() - started

    assert (status, reply["reason"]) == (400, "invalid-file"), reply
    assert reply["problems"][0]["line"] == line, reply
    assert took < 5, f"{took:.1f} s"
    assert environments.jobs.running() == []
    assert not envs_dir.exists() or list(envs_dir.iterdir()) == []


async def test_a_bom_and_an_empty_pyproject_are_accepted(
    km, envs_dir, user_kernels, without_server_pythonpath
):
    # Windows editors start UTF-8 files with a BOM; pip skips it.
    job, lines = await create_environment(
        km,
        {
            "name": "with-bom",
            "backend": "uv",
            "requirements_file": {
                "format": "requirements.txt",
                "content": "\ufeffiniconfig==2.0.0\r\n",
            },
        },
    )
    assert job["state"] == "succeeded", lines
    status, listing, _ = await km("environments", "with-bom", "packages")
    assert status == 200
    assert {p["name"].lower() for p in listing["packages"]} >= {"iniconfig", "ipykernel"}

    # An empty file asks for nothing, whatever its format (schemathesis found this).
    job, lines = await create_environment(
        km,
        {
            "name": "from-empty",
            "backend": "uv",
            "requirements_file": {"format": "pyproject.toml", "content": ""},
        },
    )
    assert job["state"] == "succeeded", lines


@pytest.mark.parametrize("fmt", requirementfiles.FORMATS)
def test_an_empty_file_asks_for_nothing(fmt):
    for content in ("", "\n\n", "\ufeff", "  \r\n"):
        parsed = requirementfiles.parse_body(
            {"format": fmt, "content": content}, allow_urls=False, conda=False
        )
        assert (parsed.packages, parsed.conda_specs, parsed.python) == ([], [], None)


@pytest.mark.parametrize(
    "spec",
    ["x.tar.bz2", "pkg-1.0-0.conda", "x.whl", "requirements.txt", "x.tar.bz2=1"],
)
def test_conda_specs_that_conda_reads_as_files_are_refused(spec):
    content = f"dependencies:\n  - {spec}\n"
    with pytest.raises(BadRequest) as refused:
        requirementfiles.parse_body(
            {"format": "environment.yml", "content": content}, allow_urls=False, conda=True
        )
    assert refused.value.problems[0]["line"] == 2  # type: ignore[attr-defined]


def test_complex_yaml_keys_are_named_plainly():
    with pytest.raises(BadRequest) as refused:
        requirementfiles.parse_body(
            {"format": "environment.yml", "content": "? [a, b]\n: c\n"},
            allow_urls=False,
            conda=False,
        )
    assert "Node" not in str(refused.value)


# Export of an environment whose packages name themselves anything


def _venv_with_pip(path: Path) -> None:
    uv = find_uv()
    if uv is None:
        unavailable("uv is not installed (a dependency: run scripts/setup.sh)")
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    subprocess.run([uv, "venv", "-q", "--python", base, str(path)], check=True)
    install = [uv, "pip", "install", "-q", "--python", str(path / "bin" / "python")]
    for offline in (["--offline"], []):
        if subprocess.run([*install, *offline, "pip"], check=False).returncode == 0:
            return
    unavailable("pip could not be installed into a venv (no package index, no cache)")


def _plant(site: Path, directory: str, name: str, version: str) -> None:
    dist = site / directory
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    (dist / "RECORD").write_text("", encoding="utf-8")


async def test_an_export_of_hostile_metadata_reads_back(tmp_path):
    """pip freeze (venv and conda environments) prints each package's metadata
    Name as it is: the file we write must still be one we accept back."""
    env = tmp_path / "env"
    await asyncio.to_thread(_venv_with_pip, env)
    site = next(env.glob("lib/python*/site-packages"))
    _plant(site, "evil-1.0.dist-info", "evil\x1b[2J\x07\x7fname", "1.0")
    _plant(site, "opt-2.0.dist-info", "-r /etc/passwd", "2.0")
    _plant(site, "long-3.0.dist-info", "y" * 5000, "3.0")

    for fmt in reproduce.EXPORT_FORMATS[::2]:  # requirements.txt, environment.yml
        reply = await reproduce.export(str(env), "venv", {}, fmt, name="src", cwd=str(tmp_path))
        assert all(name.isprintable() and name.isascii() for name in reply["left_out"])
        assert all(len(name) <= 100 for name in reply["left_out"]), reply["left_out"]
        parsed = requirementfiles.parse_body(
            {"format": fmt, "content": reply["content"]}, allow_urls=False, conda=False
        )
        assert "pip" in {p.split("==")[0] for p in parsed.packages}


# User-site packages


async def test_a_user_base_over_an_environment_is_not_a_user_site(
    km, envs_dir, user_kernels, without_server_pythonpath
):
    """PYTHONUSERBASE in a spec's env can make "the user site" an environment's (or
    the interpreter's own) site-packages: the route must not remove packages there."""
    base = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    plain = "import site, sys; print(site.ENABLE_USER_SITE and sys.prefix == sys.base_prefix)"
    answer = await asyncio.to_thread(
        subprocess.run, [base, "-c", plain], capture_output=True, text=True, check=False
    )
    if answer.stdout != "True\n":
        unavailable(
            f"{base}, the Python the server's venv was made from, is a venv or has no user site"
        )
    version = "{}.{}".format(*sys.version_info[:2])
    job, lines = await create_environment(
        km, {"name": "victim", "backend": "uv", "python": version, "packages": ["iniconfig"]}
    )
    assert job["state"] == "succeeded", lines
    victim = envs_dir / "victim"
    assert list(victim.glob("lib/python*/site-packages/iniconfig"))
    install_spec(
        user_kernels,
        "over-env",
        argv=[base, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        env={"PYTHONUSERBASE": str(victim)},
    )

    status, reply, _ = await km("kernelspecs", "over-env", "user-packages")
    assert status == 200, reply
    if reply["reason"] and "user site turned off" in reply["reason"]:
        unavailable(reply["reason"])
    assert reply["available"] is False, reply
    assert "site-packages" in reply["reason"]

    status, reply, _ = await km(
        "kernelspecs", "over-env", "user-packages", "iniconfig", method="DELETE"
    )
    assert (status, reply["reason"]) == (409, "unavailable"), reply
    assert list(victim.glob("lib/python*/site-packages/iniconfig"))


async def test_what_a_pth_file_prints_stays_out_of_an_export(tmp_path):
    """A .pth file runs (and may print) whenever the environment's Python starts,
    even isolated: the exported environment.yml gets the version, never that text."""
    env = tmp_path / "env"
    await asyncio.to_thread(_venv_with_pip, env)
    site = next(env.glob("lib/python*/site-packages"))
    injected = "9.9\\n  - pip:\\n      - evil-from-pth\\n# "
    (site / "zz-print.pth").write_text(f"import sys; print('{injected}')\n", encoding="utf-8")

    reply = await reproduce.export(
        str(env), "venv", {}, "environment.yml", name="src", cwd=str(tmp_path)
    )

    assert "evil-from-pth" not in reply["content"], reply["content"]
    version = "{}.{}".format(*sys.version_info[:2])
    assert f"  - python={version}\n" in reply["content"]
    parsed = requirementfiles.parse_body(
        {"format": "environment.yml", "content": reply["content"]}, allow_urls=False, conda=False
    )
    assert parsed.python == version
