"""The tools that build environments: what is installed, and their command lines.

Detection runs probes (``probes.run_probe``: interpreters, ``uv python list``), a
coroutine. Command lines are argv lists for ``jobs``; nothing here runs a shell.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from .jobs import Fallback, Step
from .probes import ISOLATED, every, run_probe

BACKENDS = ("uv", "venv", "conda")
CONDA_EXECUTABLES = ("mamba", "micromamba", "conda")
# conda channels provide these; nothing local says which, so the list is fixed
# (plus the server's own version, surely still on the channel).
CONDA_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
PIP_FLAGS = ("--disable-pip-version-check", "--no-input", "--progress-bar", "off")
PROBE_TIMEOUT = 15.0
# Interpreters probed at once during detection: more than the machine's cores
# finish no sooner (1.4 s here with 1, 2 or 8 at once, pyenv shims included) and
# slowed the server's first requests (the first /api/kernelspecs took 240 ms with
# 8, 45 ms with 2, 31 ms without detection).
MAX_PROBES = max(1, os.cpu_count() or 1)
T = TypeVar("T")
R = TypeVar("R")
_VERSIONED_PYTHON = re.compile(r"python3\.\d+")
SERVER_PYTHON = "{}.{}".format(*sys.version_info[:2])
# Run by the environment's own interpreter with the kernelspec's name and display
# name as arguments: what `python -m ipykernel install --user --name N
# --display-name D` does, without importing the whole kernel first (0.4 s).
_INSTALL_KERNELSPEC = (
    "import sys\n"
    "from ipykernel.kernelspec import install\n"
    "where = install(user=True, kernel_name=sys.argv[1], display_name=sys.argv[2])\n"
    "print(f'Installed kernelspec {sys.argv[1]} in {where}')"
)
CACHE_MISS_NOTE = "Not everything is in uv's cache: asking the package index."


@dataclass(frozen=True)
class Backend:
    """One backend as the API reports it."""

    name: str
    available: bool
    executable: str | None = None
    # Version users may choose -> what to pass to the tool (an interpreter for venv).
    pythons: Mapping[str, str] = field(default_factory=dict)
    default_python: str | None = None
    reason: str | None = None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "available": self.available,
            "executable": self.executable,
            "pythons": list(self.pythons),
            "default_python": self.default_python,
            "reason": self.reason,
        }


def env_python(path: str) -> str:
    """The interpreter of an environment (POSIX layout: venv, uv and conda alike)."""
    return os.path.join(path, "bin", "python")


async def detect(allowed: Sequence[str], cwd: str | None = None) -> dict[str, Backend]:
    """Every backend, in the order of ``BACKENDS``; disallowed ones are not probed.

    ``cwd``: an empty directory, the probes' working directory.
    """
    # Shared by every interpreter probe of the detection (see MAX_PROBES).
    slots = asyncio.Semaphore(MAX_PROBES)
    finders: dict[str, Callable[[], Awaitable[Backend]]] = {
        "uv": lambda: _detect_uv(cwd, slots),
        "venv": lambda: _detect_venv(cwd, slots),
        "conda": lambda: asyncio.to_thread(_detect_conda),
    }
    names = [name for name in BACKENDS if name in allowed]
    found = await every(*(_safely(name, finders[name]) for name in names))
    detected = dict(zip(names, found))
    return {
        name: detected.get(name) or Backend(name, False, reason="Not allowed by the administrator.")
        for name in BACKENDS
    }


async def _safely(name: str, finder: Callable[[], Awaitable[Backend]]) -> Backend:
    # Detection is cached for the server's lifetime: a surprise must not poison it.
    try:
        return await finder()
    except Exception as exc:
        return Backend(name, False, reason=f"Detection failed: {exc}")


def default_backend(
    backends: Mapping[str, Backend], preferred: str, allowed: Sequence[str]
) -> str | None:
    """The configured default if usable, else the first usable allowed backend."""
    for name in (preferred, *allowed):
        backend = backends.get(name)
        if backend is not None and backend.available:
            return name
    return None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _pick_default(versions: Iterable[str]) -> str | None:
    versions = list(versions)
    if SERVER_PYTHON in versions:
        return SERVER_PYTHON
    return max(versions, key=_version_key) if versions else None


async def _detect_venv(cwd: str | None, slots: asyncio.Semaphore) -> Backend:
    candidates = [sys.executable, *await asyncio.to_thread(_versioned_pythons_on_path)]
    versions = await _each(
        candidates, lambda executable: _probe_venv_python(executable, cwd), slots
    )
    pythons: dict[str, str] = {}
    # The server's own interpreter first, then PATH order: the first of a version wins.
    for executable, version in zip(candidates, versions):
        if version and version not in pythons:
            pythons[version] = executable
    if not pythons:
        return Backend(
            "venv",
            False,
            executable=sys.executable,
            reason=(
                "No Python with the venv and ensurepip modules was found "
                "(on Debian or Ubuntu: apt-get install python3-venv)."
            ),
        )
    ordered = dict(sorted(pythons.items(), key=lambda item: _version_key(item[0])))
    return Backend(
        "venv",
        True,
        executable=sys.executable,
        pythons=ordered,
        default_python=_pick_default(ordered),
    )


def _versioned_pythons_on_path() -> list[str]:
    found, seen = [], set()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        try:
            names = sorted(os.listdir(directory or "."))
        except OSError:
            continue
        for name in names:
            candidate = os.path.abspath(os.path.join(directory or ".", name))
            if (
                _VERSIONED_PYTHON.fullmatch(name)
                and os.access(candidate, os.X_OK)
                and os.path.realpath(candidate) not in seen
            ):
                seen.add(os.path.realpath(candidate))
                found.append(candidate)
    return found


async def _each(
    items: Sequence[T], probe: Callable[[T], Awaitable[R]], slots: asyncio.Semaphore
) -> list[R]:
    """``probe`` of every item, as ``slots`` allow, in the items' order."""

    async def one(item: T) -> R:
        async with slots:
            return await probe(item)

    return await every(*(one(item) for item in items))


async def _probe_venv_python(executable: str, cwd: str | None) -> str | None:
    """``"3.X"`` when ``executable`` runs and can make a venv with pip, else None."""
    code = "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"
    version = await _python_says(executable, code, cwd)
    return version if version and re.fullmatch(r"3\.\d+", version) else None


async def _python_says(executable: str, code: str, cwd: str | None) -> str | None:
    """What ``executable -I -B -c code`` prints, stripped; None when it fails."""
    try:
        answer = await run_probe(
            [executable, *ISOLATED, "-c", code], cwd=cwd, timeout=PROBE_TIMEOUT
        )
    except OSError:  # TimeoutError included
        return None
    return answer.stdout.strip() if answer.returncode == 0 else None


def find_uv() -> str | None:
    """uv from the PyPI package we depend on, else from PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


async def _detect_uv(cwd: str | None, slots: asyncio.Semaphore) -> Backend:
    uv = await asyncio.to_thread(find_uv)
    if uv is None:
        return Backend("uv", False, reason="uv is not installed.")
    try:
        # Installed interpreters only: uv may not download one here.
        answer = await run_probe(
            [uv, "python", "list", "--only-installed", "--output-format", "json"],
            cwd=cwd,
            timeout=PROBE_TIMEOUT * 2,
        )
        listing = json.loads(answer.stdout) if answer.returncode == 0 else None
    except (OSError, ValueError):
        listing = None
    # Version -> the first interpreter uv lists for it: the one `--python 3.X`
    # would find, uv's order being its discovery order.
    found: dict[str, str | None] = {}
    for entry in listing if isinstance(listing, list) else []:
        parts = entry.get("version_parts") if isinstance(entry, dict) else None
        if (
            isinstance(parts, dict)
            and entry.get("implementation") == "cpython"
            and entry.get("variant", "default") == "default"
        ):
            path = entry.get("path")
            found.setdefault(
                "{major}.{minor}".format(**parts),
                path if isinstance(path, str) and path else None,
            )
    versions = set(found)
    if not versions:
        # A uv without this JSON output, or one that does not see our interpreter
        # on PATH: it can still build from the interpreter's path.
        return Backend(
            "uv",
            True,
            executable=uv,
            pythons={SERVER_PYTHON: sys.executable},
            default_python=SERVER_PYTHON,
        )
    ordered = sorted(versions, key=_version_key)
    # Each version maps to that interpreter's real executable, resolved once here:
    # `uv venv --python 3.12` searches PATH on every creation (and runs every
    # pyenv-style shim it meets: ~0.1-0.3 s), a path costs nothing. A version uv
    # listed that cannot be resolved stays a version request (uv searches).
    resolved = await _each(
        [found[v] for v in ordered], lambda path: _real_executable(path, cwd), slots
    )
    return Backend(
        "uv",
        True,
        executable=uv,
        pythons={version: executable or version for version, executable in zip(ordered, resolved)},
        default_python=_pick_default(ordered),
    )


async def _real_executable(path: str | None, cwd: str | None) -> str | None:
    """The interpreter behind ``path`` (a shim or symlink), as it reports itself."""
    if path is None:
        return None
    executable = await _python_says(path, "import sys; print(sys.executable)", cwd)
    usable = executable and os.path.isabs(executable) and os.access(executable, os.X_OK)
    return executable if usable else None


def _detect_conda() -> Backend:
    versions = sorted({*CONDA_PYTHONS, SERVER_PYTHON}, key=_version_key)
    for name in CONDA_EXECUTABLES:
        executable = shutil.which(name)
        if executable:
            return Backend(
                "conda",
                True,
                executable=os.path.abspath(executable),
                pythons={version: version for version in versions},
                default_python=SERVER_PYTHON,
            )
    return Backend("conda", False, reason="None of mamba, micromamba or conda is on PATH.")


def create_commands(
    backend: Backend,
    path: str,
    python: str,
    packages: Sequence[str],
    *,
    system_site_packages: bool = False,
    prefer_cache: bool = False,
) -> list[Step]:
    """The steps that build an environment with ipykernel and ``packages``."""
    site = ["--system-site-packages"] if system_site_packages else []
    interpreter = env_python(path)
    if backend.name == "venv":
        return [
            [backend.pythons[python], "-m", "venv", *site, path],
            [interpreter, "-m", "pip", "install", *PIP_FLAGS, "ipykernel", *packages],
        ]
    executable = backend.executable
    assert executable is not None, f"{backend.name} is not available"
    if backend.name == "uv":
        interpreter_request = backend.pythons[python]
        if os.path.isabs(interpreter_request) and not os.path.exists(interpreter_request):
            # Removed since detection: let uv look for the version itself.
            interpreter_request = python
        return [
            [
                executable,
                "venv",
                "--no-python-downloads",
                *site,
                "--python",
                interpreter_request,
                path,
            ],
            # pip as a package, not `uv venv --seed`: one resolution instead of
            # two, and `%pip install` works in the new kernel all the same.
            _uv_install(executable, path, ["ipykernel", "pip", *packages], prefer_cache),
        ]
    # conda: the channel gives Python, ipykernel and pip; the user's packages are
    # PEP 508 requirements, which the environment's pip reads exactly (conda's own
    # match specs and package names differ).
    commands: list[Step] = [
        [
            executable,
            "create",
            "-y",
            "-p",
            path,
            f"python={python}",
            "ipykernel",
            "pip",
        ]
    ]
    if packages:
        commands.append([interpreter, "-m", "pip", "install", *PIP_FLAGS, *packages])
    return commands


def kernelspec_command(path: str, name: str, display_name: str) -> list[str]:
    """The environment's own ipykernel writes its kernelspec into the user's
    kernels directory (``$JUPYTER_DATA_DIR/kernels``)."""
    return [env_python(path), "-c", _INSTALL_KERNELSPEC, name, display_name]


def install_command(
    backend_name: str | None,
    backends: Mapping[str, Backend],
    path: str,
    packages: Sequence[str],
    *,
    prefer_cache: bool = False,
) -> Step:
    """Adding packages to an existing environment: uv for uv's, else its own pip."""
    uv = backends.get("uv")
    if backend_name == "uv" and uv is not None and uv.executable:
        return _uv_install(uv.executable, path, packages, prefer_cache)
    return [env_python(path), "-m", "pip", "install", *PIP_FLAGS, *packages]


def _uv_install(uv: str, path: str, packages: Sequence[str], prefer_cache: bool) -> Step:
    """``uv pip install``; with ``prefer_cache``, from uv's cache alone when it has
    everything (no index request: the index's answers are often not cacheable),
    else as usual."""
    online = [uv, "pip", "install", "--python", env_python(path), *packages]
    if not prefer_cache:
        return online
    offline = [*online[:3], "--offline", *online[3:]]
    return Fallback(offline, online, CACHE_MISS_NOTE)


def list_command(backend_name: str | None, backends: Mapping[str, Backend], path: str) -> list[str]:
    """What lists an environment's packages as JSON, from its own tooling."""
    uv, conda = backends.get("uv"), backends.get("conda")
    if backend_name == "uv" and uv is not None and uv.executable:
        return [
            uv.executable,
            "pip",
            "list",
            "--python",
            env_python(path),
            "--format",
            "json",
        ]
    if backend_name == "conda" and conda is not None and conda.executable:
        return [conda.executable, "list", "--json", "-p", path]
    return [
        env_python(path),
        *ISOLATED,
        "-m",
        "pip",
        "list",
        "--format",
        "json",
        "--disable-pip-version-check",
    ]


def parse_package_list(output: str) -> list[dict]:
    """``[{"name", "version"}]`` from pip's, uv's or conda's JSON listing."""
    entries = json.loads(output)
    if not isinstance(entries, list):
        raise TypeError("the package list is not a JSON array")
    packages = [
        {"name": entry["name"], "version": str(entry.get("version", ""))}
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("name"), str)
    ]
    return sorted(packages, key=lambda package: package["name"].lower())
