"""The tools that build environments: what is installed, and their command lines.

Detection runs subprocesses (interpreters, ``uv python list``): call it in a thread.
Command lines are argv lists for ``jobs``; nothing here runs a shell.

Every helper process reads nothing from where the server runs (on a hub, the
user's home): Pythons run isolated (``-I``: neither the working directory nor
PYTHON* variables nor the user's site-packages) and write no bytecode (``-B``,
as PYTHONDONTWRITEBYTECODE, which ``-I`` ignores), every process in an empty
working directory given by the caller, and with no config file of pip or uv
(``child_environment``), which could redirect an install.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .jobs import Fallback, Step

BACKENDS = ("uv", "venv", "conda")
CONDA_EXECUTABLES = ("mamba", "micromamba", "conda")
# conda channels provide these; nothing local says which, so the list is fixed
# (plus the server's own version, surely still on the channel).
CONDA_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
PIP_FLAGS = ("--disable-pip-version-check", "--no-input", "--progress-bar", "off")
PROBE_TIMEOUT = 15.0
_VERSIONED_PYTHON = re.compile(r"python3\.\d+")
# Variables of the server's own Python that would leak into another interpreter.
_PYTHON_VARIABLES = ("PYTHONPATH", "PYTHONHOME")
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


def child_environment(**extra: str) -> dict:
    """The server's environment for a child that runs another Python or a tool.

    No config file of pip (``os.devnull``: pip loads none, not even
    ``<environment>/pip.conf``, which a package could plant) or of uv
    (``uv.toml``, ``pyproject.toml`` of the working directory and its parents,
    the user's and the system's); their environment variables (caches, indexes)
    still apply.
    """
    env = {k: v for k, v in os.environ.items() if k not in _PYTHON_VARIABLES}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INPUT="1", UV_NO_CONFIG="1")
    env.update(extra)
    return env


def env_python(path: str) -> str:
    """The interpreter of an environment (POSIX layout: venv, uv and conda alike)."""
    return os.path.join(path, "bin", "python")


def detect(allowed: Sequence[str], cwd: str | None = None) -> dict[str, Backend]:
    """Every backend, in the order of ``BACKENDS``; disallowed ones are not probed.

    ``cwd``: an empty directory, the probes' working directory.
    """
    finders = {
        "uv": functools.partial(_detect_uv, cwd),
        "venv": functools.partial(_detect_venv, cwd),
        "conda": _detect_conda,
    }
    with ThreadPoolExecutor(max_workers=len(finders)) as pool:
        futures = {
            name: pool.submit(_safely, name, finders[name]) for name in BACKENDS if name in allowed
        }
        return {
            name: futures[name].result()
            if name in futures
            else Backend(name, False, reason="Not allowed by the administrator.")
            for name in BACKENDS
        }


def _safely(name: str, finder) -> Backend:
    # Detection is cached for the server's lifetime: a surprise must not poison it.
    try:
        return finder()
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


def _detect_venv(cwd: str | None) -> Backend:
    candidates = [sys.executable, *_versioned_pythons_on_path()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = list(pool.map(functools.partial(_probe_venv_python, cwd=cwd), candidates))
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


def _probe_venv_python(executable: str, cwd: str | None) -> str | None:
    """``"3.X"`` when ``executable`` runs and can make a venv with pip, else None."""
    code = "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"
    version = _probe(executable, code, cwd)
    return version if version and re.fullmatch(r"3\.\d+", version) else None


def _probe(executable: str, code: str, cwd: str | None) -> str | None:
    """What ``executable -I -B -c code`` prints, stripped; None when it fails."""
    try:
        done = subprocess.run(
            [executable, "-I", "-B", "-c", code],
            check=False,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            env=child_environment(),
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def find_uv() -> str | None:
    """uv from the PyPI package we depend on, else from PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def _detect_uv(cwd: str | None) -> Backend:
    uv = find_uv()
    if uv is None:
        return Backend("uv", False, reason="uv is not installed.")
    try:
        # Installed interpreters only: uv may not download one here.
        done = subprocess.run(
            [uv, "python", "list", "--only-installed", "--output-format", "json"],
            check=False,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT * 2,
            env=child_environment(),
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
        listing = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
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
    with ThreadPoolExecutor(max_workers=8) as pool:
        resolved = list(
            pool.map(
                functools.partial(_real_executable, cwd=cwd),
                (found[v] for v in ordered),
            )
        )
    return Backend(
        "uv",
        True,
        executable=uv,
        pythons={version: executable or version for version, executable in zip(ordered, resolved)},
        default_python=_pick_default(ordered),
    )


def _real_executable(path: str | None, cwd: str | None) -> str | None:
    """The interpreter behind ``path`` (a shim or symlink), as it reports itself."""
    if path is None:
        return None
    executable = _probe(path, "import sys; print(sys.executable)", cwd)
    return (
        executable
        if executable and os.path.isabs(executable) and os.access(executable, os.X_OK)
        else None
    )


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
    if backend.name == "uv":
        interpreter_request = backend.pythons[python]
        if os.path.isabs(interpreter_request) and not os.path.exists(interpreter_request):
            # Removed since detection: let uv look for the version itself.
            interpreter_request = python
        return [
            [
                backend.executable,
                "venv",
                "--no-python-downloads",
                *site,
                "--python",
                interpreter_request,
                path,
            ],
            # pip as a package, not `uv venv --seed`: one resolution instead of
            # two, and `%pip install` works in the new kernel all the same.
            _uv_install(backend.executable, path, ["ipykernel", "pip", *packages], prefer_cache),
        ]
    # conda: the channel gives Python, ipykernel and pip; the user's packages are
    # PEP 508 requirements, which the environment's pip reads exactly (conda's own
    # match specs and package names differ).
    commands: list[Step] = [
        [
            backend.executable,
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
    backend_name: str,
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


def list_command(backend_name: str, backends: Mapping[str, Backend], path: str) -> list[str]:
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
        "-I",
        "-B",
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
