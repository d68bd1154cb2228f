"""List, edit and remove kernelspecs on disk.

Plain file-system logic with no web framework. Callers pass the ``name -> resource_dir``
mapping from the server's own ``KernelSpecManager.find_kernel_specs()``, so its
filters (``allowed_kernelspecs``, ``kernel_dirs``) are respected.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jupyter_core import paths

from . import kernelspec_edit, sharedsettings, smallfiles
from .errors import BadRequest, Conflict, Forbidden, NotFound

if TYPE_CHECKING:
    from typing import TypeGuard  # Python >= 3.10; annotations only

KERNEL_JSON = "kernel.json"
KERNEL_JSON_LIMIT = smallfiles.MIB
# In the user's kernels directory, where removed specs wait to be deleted.
TRASH_DIR = ".kernel-manager-trash"
_NAME = re.compile(r"[A-Za-z0-9._-]{1,255}")
# Unicode categories that break a one-line label: controls (newlines, tabs...),
# line/paragraph separators, and lone surrogates (not encodable in UTF-8).
_FORBIDDEN_CATEGORIES = {"Cc", "Zl", "Zp", "Cs"}
# Bidirectional embeddings, overrides, isolates and marks: a label that reads
# differently from what it holds.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def user_kernels_dir() -> str:
    """The user's own kernels directory, the only place this extension changes."""
    return os.path.abspath(os.path.join(paths.jupyter_data_dir(), "kernels"))


@dataclass(frozen=True)
class _Places:
    """Real paths that a spec's location is judged against, resolved once per call."""

    user: str
    sys_prefix: frozenset[str]
    protected: frozenset[str]

    @classmethod
    def current(cls, protected: Iterable[str]) -> _Places:
        # ENV_JUPYTER_PATH is [sys.prefix/share/jupyter], the same list the server's
        # kernel_dirs were built from; read at call time rather than import time.
        env_kernels = (os.path.join(d, "kernels") for d in paths.ENV_JUPYTER_PATH)
        return cls(
            user=os.path.realpath(user_kernels_dir()),
            sys_prefix=frozenset(os.path.realpath(d) for d in env_kernels),
            protected=frozenset(name.lower() for name in protected),
        )


def validate_name(name: str) -> None:
    """Refuse names that could leave the kernels directory or that Jupyter ignores."""
    if not _NAME.fullmatch(name) or name in (".", ".."):
        raise BadRequest(
            "Kernelspec names are 1-255 ASCII letters, digits, '.', '_' or '-'.",
            "invalid-name",
        )


def list_kernelspecs(spec_dirs: Mapping[str, str], protected: Iterable[str] = ()) -> dict:
    """Describe every kernelspec the server can see."""
    places = _Places.current(protected)
    # Many specs share one interpreter; resolve each distinct argv[0] only once.
    resolve = functools.cache(_resolve_interpreter)
    return {
        "user_kernels_dir": user_kernels_dir(),
        "kernelspecs": {
            name: _describe(name, resource_dir, places, resolve)
            for name, resource_dir in spec_dirs.items()
        },
    }


def edit_kernelspec(
    spec_dirs: Mapping[str, str],
    name: str,
    body: Mapping[str, object],
    *,
    protected: Iterable[str] = (),
    max_length: int = 256,
) -> dict:
    """Change a user kernelspec's display name, env, extra arguments or interrupt mode
    (any of them, see kernelspec_edit.py), keeping every other kernel.json field.

    Everything is checked before kernel.json is replaced, in one rename. Edits run
    one at a time (each reads what the one before wrote), and one whose kernel.json
    changed on disk meanwhile is refused (``Conflict``) rather than undo that change."""
    changes = kernelspec_edit.parse_body(
        body, functools.partial(clean_display_name, max_length=max_length)
    )
    name, resource_dir = _find(spec_dirs, name)
    places = _Places.current(protected)
    _require_writable(name, resource_dir, places)
    path = os.path.join(resource_dir, KERNEL_JSON)
    with kernelspec_edit.EDITS:
        before = kernelspec_edit.fingerprint(path)
        spec, error = read_kernel_json(resource_dir)
        if error:
            raise Conflict(f"Cannot edit {name}: {error}", "malformed")
        spec = kernelspec_edit.apply(spec, changes)
        # ASCII (json.dumps escapes the rest): its length is the file's size.
        if len(json.dumps(spec, indent=1)) >= KERNEL_JSON_LIMIT:
            raise BadRequest(
                f"kernel.json would be larger than {KERNEL_JSON_LIMIT} bytes.", "too-large"
            )
        now = kernelspec_edit.fingerprint(path)
        if now is not None and now != before:
            raise Conflict(f"{name}'s kernel.json changed while it was being edited.", "changed")
        try:
            write_json_atomically(path, spec)
        except FileNotFoundError:
            # Removed (moved to the trash) while being edited.
            raise NotFound(f"No kernelspec named {name}.", "not-found") from None
        except OSError as exc:
            raise Conflict(f"Cannot edit {name}: {exc.strerror or exc}.", "not-writable") from None
    description = _describe(name, resource_dir, places, _resolve_interpreter)
    display_name = spec.get("display_name")
    return {**description, "display_name": display_name if isinstance(display_name, str) else name}


# Its first form, which only renamed.
rename_kernelspec = edit_kernelspec


def remove_kernelspec(
    spec_dirs: Mapping[str, str],
    name: str,
    *,
    running: Iterable[str] = (),
    force: bool = False,
    protected: Iterable[str] = (),
) -> None:
    """Delete a user kernelspec directory.

    ``running`` holds the spec names of live kernels; one in use needs ``force``.
    """
    name, resource_dir = _find(spec_dirs, name)
    _require_writable(name, resource_dir, _Places.current(protected))
    in_use = sum(1 for kernel_name in running if kernel_name.lower() == name)
    if in_use and not force:
        noun = "kernel uses" if in_use == 1 else "kernels use"
        raise Conflict(f"{in_use} running {noun} {name}.", "running")
    trash = move_to_trash(resource_dir)
    # Out of Jupyter's sight already; what cannot be deleted now waits for the sweep.
    shutil.rmtree(trash, ignore_errors=True)


def move_to_trash(resource_dir: str) -> str:
    """Take a spec directory out of its kernels directory in one rename.

    Refused (``Conflict``, nothing changed) when part of it could not be deleted
    afterwards, so a removal happens whole or not at all. Gives the trash path.
    """
    blocker = _undeletable_part(resource_dir)
    if blocker is not None:
        raise Conflict(
            f"Cannot remove {os.path.basename(resource_dir)}: {blocker} cannot be deleted.",
            "not-removable",
        )
    trash_root = os.path.join(os.path.dirname(resource_dir), TRASH_DIR)
    try:
        _make_trash_root(trash_root)
        trash = tempfile.mkdtemp(dir=trash_root)
        # A sub-directory of the trash: Jupyter lists only kernels/<name>/kernel.json.
        target = os.path.join(trash, os.path.basename(resource_dir))
        os.rename(resource_dir, target)
    except OSError as error:
        raise Conflict(
            f"Cannot remove {os.path.basename(resource_dir)}: {error.strerror or error}.",
            "not-removable",
        ) from None
    return trash


def _make_trash_root(trash_root: str) -> None:
    """The trash must be a real directory of the kernels directory: through a
    symlink, a removal would move a spec anywhere the link points."""
    try:
        st = os.lstat(trash_root)
    except FileNotFoundError:
        os.mkdir(trash_root, 0o700)
        return
    if not stat.S_ISDIR(st.st_mode):
        raise Conflict(
            f"Cannot remove kernelspecs: {trash_root} is not a directory.",
            "not-removable",
        )


def sweep_trash(kernels_dir: str) -> None:
    """Delete what earlier removals left in ``kernels_dir``'s trash (blocking)."""
    shutil.rmtree(os.path.join(kernels_dir, TRASH_DIR), ignore_errors=True)


def _undeletable_part(tree: str) -> str | None:
    """A directory in ``tree`` (or its parent) whose entries cannot be removed.

    Deleting an entry needs write and search permission on the directory holding
    it; ``os.access`` also reports immutable directories, even to root.
    """
    parent = os.path.dirname(tree)
    if not os.access(parent, os.W_OK | os.X_OK):
        return parent
    for directory, subdirs, _files in os.walk(tree, onerror=_raise):
        if not os.access(directory, os.W_OK | os.X_OK):
            return os.path.relpath(directory, parent)
        # Symlinked directories are removed as links, never followed.
        subdirs[:] = [d for d in subdirs if not os.path.islink(os.path.join(directory, d))]
    return None


def _raise(error: OSError) -> None:
    raise Conflict(f"Cannot read {error.filename}: {error.strerror or error}.", "not-removable")


def _find(spec_dirs: Mapping[str, str], name: str) -> tuple[str, str]:
    validate_name(name)
    # Jupyter lists names lower-cased and looks them up case-insensitively.
    key = name.lower()
    if key not in spec_dirs:
        raise NotFound(f"No kernelspec named {name}.", "not-found")
    return key, spec_dirs[key]


def clean_display_name(value: object, max_length: int) -> str:
    if not isinstance(value, str):
        raise BadRequest("display_name must be a string.", "invalid-display-name")
    value = value.strip()
    if not value:
        raise BadRequest("display_name must not be empty.", "invalid-display-name")
    if len(value) > max_length:
        raise BadRequest(
            f"display_name must be at most {max_length} characters.",
            "invalid-display-name",
        )
    if any(
        unicodedata.category(char) in _FORBIDDEN_CATEGORIES or char in _BIDI_CONTROLS
        for char in value
    ):
        raise BadRequest(
            "display_name must not contain control characters, line breaks, "
            "bidirectional controls or lone surrogates.",
            "invalid-display-name",
        )
    return value


def _real_parent(resource_dir: str) -> str:
    """The kernels directory a spec was found in, with symlinks resolved."""
    return os.path.realpath(os.path.dirname(os.path.abspath(resource_dir)))


def _is_user_spec(resource_dir: str, places: _Places) -> bool:
    return _real_parent(resource_dir) == places.user


def _is_writable(name: str, resource_dir: str, places: _Places) -> bool:
    # A symlinked spec dir may point at another spec, even a protected one: never ours.
    return (
        name not in places.protected
        and _is_user_spec(resource_dir, places)
        and os.path.isdir(resource_dir)
        and not os.path.islink(resource_dir)
        and os.access(resource_dir, os.W_OK)
        and os.access(os.path.join(resource_dir, KERNEL_JSON), os.W_OK)
    )


def _require_writable(name: str, resource_dir: str, places: _Places) -> None:
    if name in places.protected:
        raise Forbidden(f"{name} is protected by the administrator.", "protected")
    if not _is_writable(name, resource_dir, places):
        raise Forbidden(
            f"{name} is not in your kernels directory, or you cannot write to it.",
            "not-writable",
        )


def _describe(
    name: str,
    resource_dir: str,
    places: _Places,
    resolve: Callable[[str], tuple[str, bool]],
) -> dict:
    spec, error = read_kernel_json(resource_dir)
    environment = spec_environment(spec)
    source, location = _origin(resource_dir, environment, places, shared=_marked_shared(spec))
    argv = spec.get("argv")
    command = argv[0] if isinstance(argv, list) and argv else None
    interpreter, exists = resolve(command) if usable_path(command) else (None, False)
    return {
        "name": name,
        "resource_dir": resource_dir,
        "source": source,
        "location": location,
        "writable": _is_writable(name, resource_dir, places),
        "interpreter": interpreter,
        "interpreter_exists": exists,
        "environment": environment,
        "error": error,
        **kernelspec_edit.settings(spec),
    }


def _origin(
    resource_dir: str, environment: dict | None, places: _Places, *, shared: bool = False
) -> tuple:
    """``(source, location)`` of a spec."""
    user_spec = _is_user_spec(resource_dir, places)
    system = "sys-prefix" if _real_parent(resource_dir) in places.sys_prefix else "system"
    if shared and environment and not user_spec and not _others_may_write(resource_dir):
        # A hub admin's shared environment (sharedhelper), where only root writes.
        return "shared", system
    if environment:
        return "environment", "environment"
    if user_spec:
        return "user", "user"
    return "system", system


def _others_may_write(resource_dir: str) -> bool:
    """Whether anyone but root could have written the spec (or its directories):
    such a spec's word that it is shared counts for nothing."""
    return sharedsettings.insecure(os.path.join(resource_dir, KERNEL_JSON)) is not None


def _marked_shared(spec: dict) -> bool:
    metadata = spec.get("metadata")
    manager = metadata.get("kernel_manager") if isinstance(metadata, dict) else None
    env = manager.get("environment") if isinstance(manager, dict) else None
    return isinstance(env, dict) and env.get("shared") is True


# jupyter_client launches these with the server's own interpreter, not PATH's.
_SERVER_PYTHON_ALIASES = frozenset(
    {
        "python",
        f"python{sys.version_info[0]}",
        "python{}.{}".format(*sys.version_info[:2]),
    }
)


def _resolve_interpreter(command: str) -> tuple[str, bool]:
    """Where argv[0] points; a bare command is looked up on PATH, as when launching."""
    if command in _SERVER_PYTHON_ALIASES and sys.executable:
        return sys.executable, os.access(sys.executable, os.X_OK)
    found = shutil.which(command)
    if found and os.sep not in command:
        return os.path.abspath(found), True
    return command, found is not None


def spec_environment(spec: dict) -> dict | None:
    """The environment recorded in ``metadata.kernel_manager.environment``, if any."""
    metadata = spec.get("metadata")
    manager = metadata.get("kernel_manager") if isinstance(metadata, dict) else None
    env = manager.get("environment") if isinstance(manager, dict) else None
    if (
        isinstance(env, dict)
        and usable_path(env.get("path"))
        and isinstance(env.get("backend"), str)
    ):
        return {"path": env["path"], "backend": env["backend"]}
    return None


def usable_path(value: object) -> TypeGuard[str]:
    """A string the file system can take as a path: no NUL, encodable."""
    if not isinstance(value, str) or "\0" in value:
        return False
    try:
        os.fsencode(value)
    except UnicodeEncodeError:
        return False
    return True


def read_kernel_json(resource_dir: str) -> tuple[dict, str | None]:
    """The parsed kernel.json (empty on failure) and why it could not be read, if so."""
    path = os.path.join(resource_dir, KERNEL_JSON)
    try:
        spec = smallfiles.read_json(path, KERNEL_JSON_LIMIT)
    except smallfiles.Unreadable as e:
        if not e.missing:
            return {}, f"kernel.json cannot be read: {e}."
        native = _native_spec(resource_dir)
        if native is not None:
            return native, None
        return {}, "kernel.json is missing."
    if not isinstance(spec, dict):
        return {}, "kernel.json is not a JSON object."
    return spec, None


def _native_spec(resource_dir: str) -> dict | None:
    """ipykernel's built-in python3 spec: jupyter_client adds it with no kernel.json."""
    # Imported lazily, as jupyter_client does: ipykernel is optional.
    try:
        from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    except ImportError:
        return None
    return get_kernel_dict() if resource_dir == RESOURCES else None


def write_json_atomically(path: str, data: dict) -> None:
    """Replace ``path`` so readers see the old file or the new one, never a mix."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    # Same directory, so os.replace is a rename within one file system.
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".kernel.json.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
