"""Environments on disk: names, claims, orphans, safe removal, health and size.

Blocking file-system work, which callers run in a thread; ``check_health``
alone is a coroutine (a probe process, ``probes.run_probe``).

A creation first claims its name with a marker file beside the environment,
``<environments_dir>/.<name>.kernel-manager-incomplete``, naming the server
(host, pid) and the job. The marker sits beside the directory, not in it, because
``uv venv`` and ``conda create`` refuse a target directory that already holds a
file, and the claim must exist before the directory does. The marker goes away
when the creation succeeds; any marker whose job is not running any more (a
crashed or restarted server) marks an orphan, which ``sweep`` removes.

Each job's installers run in a directory of their own, ``<jupyter data
dir>/kernel-manager/jobs/.job-<hex>/`` with ``cwd/`` (their working directory,
kept empty: pip and uv read a requirement as a path when a file of that name
exists there) and ``tmp/`` (their ``TMPDIR``), removed when the job ends, and by
``sweep_jobs`` when a server died before. Not in the environments directory: uv
reads ``uv.toml`` and ``pyproject.toml`` in its working directory and every
parent, and an environment may have such a name. Other helpers (health checks,
listings, detection) run in ``jobs/empty/``, a directory kept empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import tempfile
import time
import uuid
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Any

from jupyter_core import paths

from . import kernelspecs, smallfiles
from .backends import env_python
from .errors import BadRequest, Conflict
from .probes import ISOLATED, run_probe

MARKER_SUFFIX = ".kernel-manager-incomplete"
METADATA_FILE = ".kernel-manager.json"
TRASH_PREFIX = ".deleting-"
JOB_DIR_PREFIX = ".job-"
_EMPTY_DIR = "empty"
_JOB_OWNER = "owner.json"
_TMP_SUFFIX = ".tmp"
HEALTH_TIMEOUT = 30.0
# A marker nobody could finish writing (crash between create and write).
UNREADABLE_MARKER_GRACE = 60.0
# Also not starting with "." (hidden, like our markers) or "-" (an option to
# `ipykernel install --name`).
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_HEALTH_CODE = "import sys; print(sys.version.split()[0], flush=True); import ipykernel"


def normalize_name(value: object) -> str:
    """Lower-cased as Jupyter does for kernelspec names, then checked."""
    name = value.lower() if isinstance(value, str) and value.isascii() else None
    if name is None or not _NAME.fullmatch(name):
        raise BadRequest(
            "Environment names are 1-64 characters among lower-case letters, "
            "digits, '.', '_' and '-', starting with a letter or digit.",
            "invalid-name",
        )
    return name


def marker_path(root: str, name: str) -> str:
    return os.path.join(root, f".{name}{MARKER_SUFFIX}")


def claim(root: str, name: str, job_id: str, backend: str) -> None:
    """Reserve ``name`` for a creation; only one claim can win."""
    try:
        os.makedirs(root, exist_ok=True)
        fd = os.open(marker_path(root, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        if not os.path.isdir(root):
            # A file or a dangling symbolic link where the directory should be.
            raise Conflict(
                f"Cannot create environments in {root}: it is not a directory.",
                "not-writable",
            ) from None
        raise Conflict(f"{name} is already being created.", "busy") from None
    except OSError as error:
        raise Conflict(
            f"Cannot create environments in {root}: {error.strerror or error}.",
            "not-writable",
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(_marker(job_id, backend), f)


def note_process(root: str, name: str, pgid: int) -> None:
    """Record the running step's process group, so a later sweep can stop it."""
    path = marker_path(root, name)
    data = read_marker(path) or {}
    data["pgid"] = pgid
    fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{name}.", suffix=_TMP_SUFFIX)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def release(root: str, name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(marker_path(root, name))


def read_marker(path: str) -> dict | None:
    try:
        data = smallfiles.read_json(path, smallfiles.MARKER_LIMIT, follow_symlinks=False)
    except smallfiles.Unreadable:
        return None
    return data if isinstance(data, dict) else None


def _marker(job_id: str, backend: str) -> dict:
    return {
        "job": job_id,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "backend": backend,
    }


def sweep(root: str, live_jobs: Container[str], stale_after: float) -> list[str]:
    """Remove what crashed or restarted servers left: orphan claims and trash."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if entry.name.startswith(TRASH_PREFIX) and entry.is_dir(follow_symlinks=False):
            remove_own_tree(entry.path)
        elif entry.name.startswith(JOB_DIR_PREFIX) and entry.is_dir(follow_symlinks=False):
            # Where job directories were before they moved to ``jobs_dir()``.
            _sweep_job_dir(entry.path, live_jobs, stale_after)
        elif entry.name.startswith(".") and entry.name.endswith(_TMP_SUFFIX):
            # A marker rewrite cut short by a crash.
            with contextlib.suppress(OSError):
                if time.time() - entry.stat().st_mtime > UNREADABLE_MARKER_GRACE:
                    os.unlink(entry.path)
        elif entry.name.startswith(".") and entry.name.endswith(MARKER_SUFFIX):
            name = entry.name[1 : -len(MARKER_SUFFIX)]
            if not _NAME.fullmatch(name):
                continue  # Not one of ours: never a path to remove.
            marker = read_marker(entry.path)
            with contextlib.suppress(FileNotFoundError):
                if _is_orphan(marker, entry.stat().st_mtime, live_jobs, stale_after):
                    discard(root, name, marker)
                    removed.append(name)
    return removed


def jobs_dir() -> str:
    """Where the jobs' directories are, outside any environments directory."""
    return os.path.join(paths.jupyter_data_dir(), "kernel-manager", "jobs")


def empty_dir() -> str:
    """``jobs/empty``, made when missing and emptied when not: the working
    directory of helpers that belong to no job."""
    path = os.path.join(jobs_dir(), _EMPTY_DIR)
    try:
        if not os.listdir(path):
            return path
        remove_own_tree(path)
    except FileNotFoundError:
        pass
    except NotADirectoryError:
        os.unlink(path)
    os.makedirs(path, 0o700, exist_ok=True)
    return path


def sweep_jobs(root: str, live_jobs: Container[str], stale_after: float) -> None:
    """Remove the job directories in ``root`` of jobs that are not running."""
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(JOB_DIR_PREFIX) and entry.is_dir(follow_symlinks=False):
            _sweep_job_dir(entry.path, live_jobs, stale_after)


def _sweep_job_dir(path: str, live_jobs: Container[str], stale_after: float) -> None:
    owner = os.path.join(path, _JOB_OWNER)
    try:
        mtime = os.lstat(owner).st_mtime
    except FileNotFoundError:
        mtime = os.lstat(path).st_mtime
    except OSError:
        return
    if _is_orphan(read_marker(owner), mtime, live_jobs, stale_after):
        remove_own_tree(path)


@dataclass(frozen=True)
class JobDir:
    """Where one job's processes run: ``cwd`` (kept empty) and ``tmp`` (TMPDIR)."""

    path: str

    @classmethod
    def new(cls, root: str) -> JobDir:
        return cls(os.path.join(root, f"{JOB_DIR_PREFIX}{uuid.uuid4().hex}"))

    @property
    def cwd(self) -> str:
        return os.path.join(self.path, "cwd")

    @property
    def tmp(self) -> str:
        return os.path.join(self.path, "tmp")

    def make(self, job_id: str) -> None:
        """Create it, owned by ``job_id`` of this server (for the sweep)."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        os.mkdir(self.path, 0o700)
        try:
            os.mkdir(self.cwd, 0o700)
            os.mkdir(self.tmp, 0o700)
            owner = {"job": job_id, "pid": os.getpid(), "host": socket.gethostname()}
            with open(os.path.join(self.path, _JOB_OWNER), "x", encoding="utf-8") as f:
                json.dump(owner, f)
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        remove_own_tree(self.path)


def remove_own_tree(path: str) -> None:
    """``rmtree`` of a tree this user made, read-only directories included."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return
    except OSError:
        # Build tools leave read-only directories: make them writable, try again.
        with contextlib.suppress(OSError):
            os.chmod(path, 0o700)
        for directory, subdirs, _files in os.walk(path):
            for sub in subdirs:
                full = os.path.join(directory, sub)
                if not os.path.islink(full):
                    with contextlib.suppress(OSError):
                        os.chmod(full, 0o700)
        shutil.rmtree(path, ignore_errors=True)


def discard(root: str, name: str, marker: dict | None = None) -> None:
    """Undo a creation: its processes, kernelspec, directory, then its claim."""
    path = os.path.join(root, name)
    if marker:
        _kill_strays(marker, path)
    remove_kernelspec_of(name, path)
    remove_tree(root, name)
    release(root, name)


def _is_orphan(
    marker: dict | None, mtime: float, live_jobs: Container[str], stale_after: float
) -> bool:
    age = time.time() - mtime
    if marker is None:
        return age > UNREADABLE_MARKER_GRACE
    if age > stale_after:
        # Markers are rewritten at every step; older than a step may last is dead
        # whoever wrote it (pid reused, or another host sharing the directory).
        return True
    if marker.get("host") != socket.gethostname():
        return False
    pid = marker.get("pid")
    if pid == os.getpid():
        return marker.get("job") not in live_jobs
    return not _alive(pid)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_strays(marker: dict, path: str) -> None:
    """SIGKILL an orphan's step if it still runs, checked by its command line."""
    pgid = marker.get("pgid")
    if not isinstance(pgid, int) or pgid <= 0 or marker.get("host") != socket.gethostname():
        return
    try:
        # 4 µs; psutil.Process(pgid).cmdline() 16 µs.
        with open(f"/proc/{pgid}/cmdline", "rb") as f:
            command = f.read()
    except OSError:
        return
    # Every step names the environment's path; a reused pid will not.
    if os.fsencode(path) not in command:
        return
    # Whatever a dying process still writes lands in the renamed trash, not the name.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def remove_tree(root: str, name: str) -> None:
    """Remove ``root/name`` and nothing outside ``root``."""
    trash = move_to_trash(root, name)
    if trash is not None:
        remove_own_tree(trash)


def move_to_trash(root: str, name: str) -> str | None:
    """Rename ``root/name`` to a hidden trash directory: instant, and frees the name.

    What ``rmtree`` then cannot finish, the next sweep retries. Gives the trash
    path, or None when there was no directory (a stray link or file is unlinked).
    """
    path = os.path.join(root, name)
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
        return None
    if not os.path.isdir(path):
        return None
    if os.path.dirname(os.path.realpath(path)) != os.path.realpath(root):
        raise RuntimeError(f"Refusing to remove {path}: it is not in {root}.")
    trash = os.path.join(root, f"{TRASH_PREFIX}{name}-{uuid.uuid4().hex[:8]}")
    os.rename(path, trash)
    return trash


def remove_kernelspec_of(name: str, env_path: str) -> None:
    """Remove the user kernelspec ``name`` if it belongs to the environment."""
    spec_dir = os.path.join(kernelspecs.user_kernels_dir(), name)
    if os.path.islink(spec_dir) or not os.path.isdir(spec_dir):
        return
    if spec_belongs_to(spec_dir, env_path):
        shutil.rmtree(spec_dir, ignore_errors=True)


def spec_belongs_to(spec_dir: str, env_path: str) -> bool:
    """Whether a kernelspec was made for the environment at ``env_path``."""
    spec, _ = kernelspecs.read_kernel_json(spec_dir)
    environment = kernelspecs.spec_environment(spec)
    if environment is not None:
        return _same_path(environment["path"], env_path)
    argv = spec.get("argv")
    command = argv[0] if isinstance(argv, list) and argv else None
    # ipykernel has written it but we have not added the metadata yet.
    return isinstance(command, str) and _same_path(
        os.path.dirname(os.path.dirname(command)), env_path
    )


def _same_path(a: str, b: str) -> bool:
    # A NUL or a lone surrogate from a hostile kernel.json names no environment.
    usable = kernelspecs.usable_path
    return usable(a) and usable(b) and os.path.realpath(a) == os.path.realpath(b)


def write_metadata(path: str, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path, prefix=".kernel-manager.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, os.path.join(path, METADATA_FILE))


def read_metadata(path: str) -> dict:
    data = read_marker(os.path.join(path, METADATA_FILE))
    return data or {}


@dataclass(frozen=True)
class EnvDir:
    """One environment directory, or a claim whose directory is being made."""

    name: str
    path: str
    backend: str | None
    created_at: str | None
    claim: dict | None

    @property
    def being_created(self) -> bool:
        return self.claim is not None


def scan(root: str) -> list[EnvDir]:
    """The environments in ``root``, by name: directories that hold one, and claims."""
    try:
        entries = {entry.name: entry for entry in os.scandir(root)}
    except OSError:
        return []
    found = {}
    for name, entry in entries.items():
        claimed = name[1 : -len(MARKER_SUFFIX)]
        if name.startswith(".") and name.endswith(MARKER_SUFFIX) and _NAME.fullmatch(claimed):
            marker = read_marker(entry.path) or {}
            found[claimed] = EnvDir(
                claimed,
                os.path.join(root, claimed),
                marker.get("backend"),
                None,
                marker,
            )
    for name, entry in entries.items():
        if name in found or name.startswith(".") or not _NAME.fullmatch(name):
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        metadata = read_metadata(entry.path)
        backend = metadata.get("backend") or infer_backend(entry.path)
        if backend is not None:
            found[name] = EnvDir(name, entry.path, backend, metadata.get("created_at"), None)
    return [found[name] for name in sorted(found)]


def infer_backend(path: str) -> str | None:
    """For environments we did not record: conda's, uv's or a plain venv."""
    if os.path.isdir(os.path.join(path, "conda-meta")):
        return "conda"
    try:
        config = smallfiles.read_text(os.path.join(path, "pyvenv.cfg"), smallfiles.MARKER_LIMIT)
    except smallfiles.Unreadable:
        return None
    return "uv" if re.search(r"^uv\s*=", config, re.MULTILINE) else "venv"


def fingerprint(path: str) -> tuple:
    """Cheap to read, and changes when packages or the interpreter change."""
    places = [path, os.path.join(path, "conda-meta"), env_python(path)]
    places += glob.glob(os.path.join(path, "lib", "python*", "site-packages"))
    stamps: list[tuple[int, int] | None] = []
    for place in places:
        try:
            st = os.stat(place)
        except OSError:
            stamps.append(None)
        else:
            stamps.append((st.st_ino, st.st_mtime_ns))
    return tuple(stamps)


async def check_health(path: str) -> dict:
    """Does the interpreter run and import ipykernel? Also gives its version."""
    python = env_python(path)
    cwd, problem = await asyncio.to_thread(_health_cwd, python)
    if problem is not None:
        return _health(None, problem)
    try:
        # Isolated: ipykernel from the environment's site-packages, never from
        # the server's working directory or PYTHONPATH. -B: writes no bytecode
        # into the environment (which would move its fingerprint).
        answer = await run_probe(
            [python, *ISOLATED, "-c", _HEALTH_CODE], cwd=cwd, timeout=HEALTH_TIMEOUT
        )
    except TimeoutError:
        return _health(None, f"The interpreter did not answer within {HEALTH_TIMEOUT:g} s.")
    except OSError as exc:
        return _health(None, f"The interpreter cannot run: {exc.strerror or exc}.")
    version = answer.stdout.strip() or None
    if answer.returncode == 0:
        return {"python_version": version, "healthy": True, "problem": None}
    errors = [line for line in answer.stderr.splitlines() if line.strip()]
    detail = errors[-1] if errors else f"exit status {answer.returncode}"
    if version is None:
        return _health(None, f"The interpreter fails: {detail}")
    return _health(version, f"ipykernel cannot be imported: {detail}")


def _health_cwd(python: str) -> tuple[str, str | None]:
    """The health check's working directory, or why the check cannot run."""
    if not os.path.exists(python):
        return "", f"The interpreter {python} is missing."
    try:
        return empty_dir(), None
    except OSError as exc:
        return "", f"Cannot make {jobs_dir()}: {exc.strerror or exc}."


def _health(version: str | None, problem: str) -> dict:
    return {"python_version": version, "healthy": False, "problem": problem}


def disk_usage(path: str) -> int:
    """Bytes on disk, each file once (uv hard-links files from its cache)."""
    seen, total = set(), 0
    for directory, dirs, files in os.walk(path):
        for name in (*dirs, *files):
            try:
                st = os.lstat(os.path.join(directory, name))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def specs_by_environment(
    spec_dirs: Iterable[tuple[str, str]],
) -> dict[str, tuple[str, Any]]:
    """Real environment path -> (kernelspec name, display name), from kernel.json metadata."""
    found: dict[str, tuple[str, Any]] = {}
    for name, resource_dir in spec_dirs:
        spec, _ = kernelspecs.read_kernel_json(resource_dir)
        environment = kernelspecs.spec_environment(spec)
        if environment is None:
            continue
        key = os.path.realpath(environment["path"])
        # Several specs may point at one environment: the one named like it wins.
        if key not in found or os.path.basename(key) == name:
            found[key] = (name, spec.get("display_name"))
    return found
