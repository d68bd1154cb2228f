"""Environments' health checks kept on disk between server starts.

A check runs the environment's interpreter (a quarter to half a second each);
after a restart an environment whose fingerprint has not moved is listed at
once from here. The file is the user's own and read as hostile all the same:
bounded, and anything of an unexpected shape is ignored (the check runs again).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from typing import Any

from jupyter_core import paths

from .smallfiles import Unreadable, read_json

VERSION = 1
LIMIT = 256 * 1024
MAX_ENTRIES = 500

Checks = dict[str, tuple[tuple, dict]]


def cache_path() -> str:
    return os.path.join(paths.jupyter_data_dir(), "kernel-manager", "checks.json")


def load(path: str) -> Checks:
    """The checks kept at ``path``; nothing when it is missing or not as written."""
    try:
        data = read_json(path, LIMIT, follow_symlinks=False)
    except (OSError, Unreadable):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    entries = data.get("checks")
    if not isinstance(entries, dict):
        return {}
    checks: Checks = {}
    for env_path, entry in list(entries.items())[:MAX_ENTRIES]:
        parsed = _entry(entry)
        if parsed is not None:
            checks[env_path] = parsed
    return checks


def save(path: str, checks: Checks) -> None:
    """Replace the file with ``checks`` (owner-only); a failure only costs a check."""
    entries = {
        env_path: {"fingerprint": list(key), "result": result}
        for env_path, (key, result) in list(checks.items())[:MAX_ENTRIES]
    }
    directory = os.path.dirname(path)
    with contextlib.suppress(OSError):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".checks.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": VERSION, "checks": entries}, f)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def _entry(entry: Any) -> tuple[tuple, dict] | None:
    if not isinstance(entry, dict):
        return None
    stamps = entry.get("fingerprint")
    result = entry.get("result")
    if not isinstance(stamps, list) or not isinstance(result, dict):
        return None
    key: list[tuple[int, int] | None] = []
    for stamp in stamps:
        if stamp is None:
            key.append(None)
        elif isinstance(stamp, list) and len(stamp) == 2 and all(type(n) is int for n in stamp):
            key.append((stamp[0], stamp[1]))
        else:
            return None
    if not _is_result(result):
        return None
    return tuple(key), result


def _is_result(result: dict) -> bool:
    """The shape ``Environments._run_check`` gives, and nothing more."""
    return (
        set(result) == {"python_version", "healthy", "problem", "size_bytes"}
        and isinstance(result["healthy"], bool)
        and (result["python_version"] is None or isinstance(result["python_version"], str))
        and (result["problem"] is None or isinstance(result["problem"], str))
        and (result["size_bytes"] is None or type(result["size_bytes"]) is int)
    )
