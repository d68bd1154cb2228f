"""Read small files that anyone may have replaced by a FIFO, a device or a huge file.

kernel.json files, markers and pyvenv.cfg are read under the environments lock; an
``open()`` of a FIFO blocks until a writer comes, and a ``read()`` of /dev/zero or of
a 20 GiB sparse file never ends or exhausts memory. Every such read goes through here:
regular files only, at most ``limit`` bytes, never blocking on open.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

KIB = 1024
MIB = 1024 * KIB
# Markers, metadata and pyvenv.cfg hold a few hundred bytes.
MARKER_LIMIT = 64 * KIB


class Unreadable(Exception):
    """Why a file cannot be read (the message); ``missing`` when it does not exist."""

    def __init__(self, why: str, *, missing: bool = False) -> None:
        super().__init__(why)
        self.missing = missing


def read_bytes(path: str, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file ``path``, if it holds at most ``limit``."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        # Checked before opening too: opening some devices has effects of its own.
        _check(os.stat(path, follow_symlinks=follow_symlinks), limit)
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise Unreadable("it is missing", missing=True) from None
    except OSError as error:
        raise Unreadable(_why(error)) from None
    try:
        # Again on what was opened: the path may have been replaced in between.
        _check(os.fstat(fd), limit)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise Unreadable(_why(error)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise Unreadable(f"it is larger than {_size(limit)}")
    return b"".join(chunks)


def read_text(path: str, limit: int, *, follow_symlinks: bool = True) -> str:
    """The UTF-8 text of a small regular file."""
    data = read_bytes(path, limit, follow_symlinks=follow_symlinks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("it is not UTF-8 text") from None


def read_json(path: str, limit: int, *, follow_symlinks: bool = True) -> Any:
    """The JSON value of a small regular file."""
    text = read_text(path, limit, follow_symlinks=follow_symlinks)
    try:
        return json.loads(text)
    except RecursionError:
        raise Unreadable("it is nested too deeply") from None
    except MemoryError:
        raise Unreadable("it is too large to parse") from None
    except ValueError as error:
        raise Unreadable(f"it is not valid JSON ({error})") from None


def _check(st: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise Unreadable(f"it is {_kind(st.st_mode)}, not a regular file")
    if st.st_size > limit:
        raise Unreadable(f"it is larger than {_size(limit)}")


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
        stat.S_ISLNK: "a symbolic link",
    }
    return next((kind for test, kind in kinds.items() if test(mode)), "special")


def _why(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def _size(limit: int) -> str:
    if limit >= MIB and limit % MIB == 0:
        return f"{limit // MIB} MiB"
    if limit >= KIB and limit % KIB == 0:
        return f"{limit // KIB} KiB"
    return f"{limit} bytes"
