"""Where environments shared with every user live, as the machine's administrator set it.

The settings are a JSON file in the server's Python prefix,
``<sys.prefix>/etc/jupyter/kernel_manager_shared.json`` (on TLJH
``/opt/tljh/user/etc/jupyter/...``), never the server's configuration: a user's
server reads ``~/.jupyter``, which its owner writes, and the privileged helper
(``sharedhelper.py``, run as root through ``sudo``) must not take orders from it.
The file counts only when it and every directory above it belong to root and
nobody else may write them (as sudo checks its own files). Without the file the
feature is off.

    {"enabled": true,
     "environments_dir": "/opt/tljh/user/kernel-manager/envs",
     "kernels_dir": "/opt/tljh/user/share/jupyter/kernels",
     "backends": ["uv", "venv", "conda"],
     "allow_url_requirements": false,
     "max_packages": 100,
     "timeout": 1800}
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field

from . import smallfiles
from .backends import BACKENDS

SETTINGS_NAME = "kernel_manager_shared.json"
SETTINGS_KEYS = frozenset(
    {
        "enabled",
        "environments_dir",
        "kernels_dir",
        "backends",
        "allow_url_requirements",
        "max_packages",
        "timeout",
    }
)


def settings_path(prefix: str | None = None) -> str:
    return os.path.join(prefix or sys.prefix, "etc", "jupyter", SETTINGS_NAME)


def default_environments_dir(prefix: str | None = None) -> str:
    return os.path.join(prefix or sys.prefix, "kernel-manager", "envs")


def default_kernels_dir(prefix: str | None = None) -> str:
    # A directory of jupyter_core's ENV_JUPYTER_PATH: every server of that Python reads it.
    return os.path.join(prefix or sys.prefix, "share", "jupyter", "kernels")


@dataclass(frozen=True)
class SharedSettings:
    enabled: bool
    environments_dir: str
    kernels_dir: str
    backends: tuple[str, ...] = BACKENDS
    allow_url_requirements: bool = False
    max_packages: int = 100
    timeout: float = 1800.0
    # Why the feature is off, for the administrator (None when it is on).
    problem: str | None = field(default=None)


def off(problem: str, prefix: str | None = None) -> SharedSettings:
    return SharedSettings(
        False,
        default_environments_dir(prefix),
        default_kernels_dir(prefix),
        problem=problem,
    )


def load(path: str | None = None, *, prefix: str | None = None) -> SharedSettings:
    """The settings, or settings that are off with the reason why."""
    path = path or settings_path(prefix)
    if not os.path.lexists(path):
        return off(f"The administrator has not enabled shared environments ({path}).", prefix)
    unsafe = insecure(path)
    if unsafe:
        return off(f"{path} is ignored: {unsafe}", prefix)
    try:
        data = smallfiles.read_json(path, 64 * 1024)
    except smallfiles.Unreadable as error:
        return off(f"{path} is unreadable: {error}", prefix)
    try:
        settings = _parse(data, prefix)
    except ValueError as error:
        return off(f"{path}: {error}", prefix)
    for place in (settings.environments_dir, settings.kernels_dir):
        unsafe = insecure(place, missing_ok=True)
        if unsafe:
            return off(f"{place} cannot hold shared environments: {unsafe}", prefix)
    return settings


def _parse(data: object, prefix: str | None) -> SharedSettings:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    unknown = sorted(set(data) - SETTINGS_KEYS)
    if unknown:
        raise ValueError(f"unknown keys {', '.join(unknown)}")
    enabled = data.get("enabled", False)
    allow_urls = data.get("allow_url_requirements", False)
    if not isinstance(enabled, bool) or not isinstance(allow_urls, bool):
        raise ValueError("enabled and allow_url_requirements are true or false")
    backends = data.get("backends", list(BACKENDS))
    if not isinstance(backends, list) or not backends or not set(backends) <= set(BACKENDS):
        raise ValueError(f"backends is a list among {', '.join(BACKENDS)}")
    max_packages = data.get("max_packages", 100)
    timeout = data.get("timeout", 1800)
    if type(max_packages) is not int or not 1 <= max_packages <= 1000:
        raise ValueError("max_packages is a whole number from 1 to 1000")
    if type(timeout) not in (int, float) or not 10 <= timeout <= 86400:
        raise ValueError("timeout is a number of seconds from 10 to 86400")
    envs = _absolute(data.get("environments_dir", default_environments_dir(prefix)))
    kernels = _absolute(data.get("kernels_dir", default_kernels_dir(prefix)))
    if _inside(envs, kernels) or _inside(kernels, envs):
        raise ValueError("environments_dir and kernels_dir must not contain each other")
    return SharedSettings(
        enabled,
        envs,
        kernels,
        tuple(dict.fromkeys(backends)),
        allow_urls,
        max_packages,
        float(timeout),
        None if enabled else "The administrator has switched shared environments off.",
    )


def _absolute(value: object) -> str:
    if not isinstance(value, str) or not value.startswith("/") or "\0" in value:
        raise ValueError(f"{value!r} is not an absolute path")
    if len(value) > 1024 or any(part in (".", "..") for part in value.split("/")):
        raise ValueError(f"{value!r} is not a plain absolute path")
    return os.path.normpath(value)


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def insecure(path: str, *, missing_ok: bool = False) -> str | None:
    """Why someone other than root could change ``path`` (None when nobody can).

    Every existing component must belong to root and be writable by nobody else,
    except a directory with the sticky bit (/tmp, /var/tmp), where others cannot
    rename or remove root's entries. A missing tail is fine with ``missing_ok``
    (the helper makes it, as root).
    """
    parts = [part for part in os.path.normpath(path).split("/") if part]
    current = "/"
    for index, part in enumerate(["", *parts]):
        current = os.path.join(current, part) if part else "/"
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            if missing_ok:
                return None
            return f"{current} does not exist"
        except OSError as error:
            return f"{current}: {error.strerror or error}"
        last = index == len(parts)
        if stat.S_ISLNK(info.st_mode):
            return f"{current} is a symbolic link"
        if info.st_uid != 0:
            return f"{current} does not belong to root"
        sticky_dir = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX
        if info.st_mode & 0o022 and not (sticky_dir and not last):
            return f"{current} is writable by others than root"
    return None
