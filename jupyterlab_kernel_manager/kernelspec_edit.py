"""What an edit of a kernelspec may change in its kernel.json, and how.

A PATCH body holds any of ``display_name``, ``env``, ``extra_arguments`` and
``interrupt_mode``. Everything is checked before anything is written (``parse_body``);
``apply`` then builds the new kernel.json from the old one. Used by kernelspecs.py only.

Extra arguments are kept apart from the spec's own command line: the first edit records
the argv it found in ``metadata.kernel_manager.base_argv``, and every later edit writes
``base_argv + extra_arguments``, so edits replace each other instead of piling up and
never touch the interpreter or ``{connection_file}``.
"""

from __future__ import annotations

import copy
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping

from .errors import BadRequest, Conflict

EDIT_KEYS = frozenset({"display_name", "env", "extra_arguments", "interrupt_mode"})
INTERRUPT_MODES = ("signal", "message")
MAX_ENV_VARIABLES = 64
MAX_ENV_NAME_LENGTH = 128
MAX_ENV_VALUE_LENGTH = 4096
MAX_EXTRA_ARGUMENTS = 64
MAX_ARGUMENT_LENGTH = 1024
# Where this extension keeps its own notes in kernel.json.
METADATA_KEY = "kernel_manager"
BASE_ARGV_KEY = "base_argv"

_ENV_NAME = re.compile(rf"[A-Za-z_][A-Za-z0-9_]{{0,{MAX_ENV_NAME_LENGTH - 1}}}")
# jupyter_client fills "{name}" in every argument from its launch namespace, which
# holds the server's whole environment ("{env}"): on a shared machine, a command line
# every user can read in /proc. Placeholders stay the spec's own business.
_PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_]+\}")
# Options that point a kernel at another connection file (ipykernel's spelling,
# which most kernels share): an edit must not take the kernel off its own. A
# short option takes its value glued to it too (argparse: "-f/tmp/x.json").
_CONNECTION_FILE_OPTION = re.compile(
    r"-f.*|--f(=.*)?|--([A-Za-z_]+\.)?connection_file(=.*)?", re.DOTALL
)


# Edits of kernel.json by this server run one at a time (in threads): each reads
# what the one before it wrote.
EDITS = threading.Lock()


def fingerprint(path: str) -> tuple | None:
    """What tells a file from the one that replaced it: (device, inode, size, mtime)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def parse_body(body: Mapping[str, object], clean_display_name: Callable[[object], str]) -> dict:
    """The checked changes of a PATCH body, keyed as the body is; raises ``BadRequest``."""
    unknown = sorted(set(body) - EDIT_KEYS)
    if unknown or not body:
        raise BadRequest(
            "The body holds any of display_name, env, extra_arguments and interrupt_mode"
            + (f", not {', '.join(repr(key[:64]) for key in unknown[:5])}." if unknown else "."),
            "invalid-body",
        )
    changes: dict = {}
    if "display_name" in body:
        changes["display_name"] = clean_display_name(body["display_name"])
    if "env" in body:
        changes["env"] = _clean_env(body["env"])
    if "extra_arguments" in body:
        changes["extra_arguments"] = _clean_arguments(body["extra_arguments"])
    if "interrupt_mode" in body:
        mode = body["interrupt_mode"]
        if not isinstance(mode, str) or mode not in INTERRUPT_MODES:
            raise BadRequest(
                'interrupt_mode must be "signal" or "message".', "invalid-interrupt-mode"
            )
        changes["interrupt_mode"] = mode
    return changes


def _clean_env(value: object) -> dict[str, str]:
    """Environment variables: null or {} for none."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("env must be an object of strings, or null.", "invalid-env")
    if len(value) > MAX_ENV_VARIABLES:
        raise BadRequest(f"env may hold at most {MAX_ENV_VARIABLES} variables.", "invalid-env")
    for name, text in value.items():
        if not _ENV_NAME.fullmatch(name):
            raise BadRequest(
                f"Environment variable names are 1-{MAX_ENV_NAME_LENGTH} ASCII letters, "
                f"digits or '_', not starting with a digit: {name[:64]!r}.",
                "invalid-env",
            )
        if not isinstance(text, str):
            raise BadRequest(f"The value of {name} must be a string.", "invalid-env")
        problem = _text_problem(text, MAX_ENV_VALUE_LENGTH)
        if problem:
            raise BadRequest(f"The value of {name} {problem}.", "invalid-env")
    return dict(value)


def _clean_arguments(value: object) -> list[str]:
    """Arguments appended to the spec's own command line: null or [] for none."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(
            "extra_arguments must be a list of strings, or null.", "invalid-extra-arguments"
        )
    if len(value) > MAX_EXTRA_ARGUMENTS:
        raise BadRequest(
            f"extra_arguments may hold at most {MAX_EXTRA_ARGUMENTS} arguments.",
            "invalid-extra-arguments",
        )
    for argument in value:
        if not isinstance(argument, str):
            raise BadRequest("Each extra argument must be a string.", "invalid-extra-arguments")
        problem = _text_problem(argument, MAX_ARGUMENT_LENGTH) or _argument_problem(argument)
        if problem:
            raise BadRequest(
                f"The argument {argument[:64]!r} {problem}.", "invalid-extra-arguments"
            )
    return list(value)


def _text_problem(text: str, max_length: int) -> str | None:
    if len(text) > max_length:
        return f"is longer than {max_length} characters"
    if "\0" in text:
        return "holds a NUL character"
    if any(unicodedata.category(char) == "Cs" for char in text):
        return "holds a lone surrogate"
    return None


def _argument_problem(argument: str) -> str | None:
    if not argument:
        return "is empty"
    if _PLACEHOLDER.search(argument):
        return "holds a {placeholder}, which only the kernelspec's own arguments may use"
    if _CONNECTION_FILE_OPTION.fullmatch(argument):
        return "would change the kernel's connection file"
    return None


def apply(spec: dict, changes: Mapping[str, object]) -> dict:
    """A new kernel.json: ``spec`` with ``changes`` (from ``parse_body``) made.

    Raises ``Conflict`` (nothing changed) when the spec cannot take an edit.
    """
    spec = copy.deepcopy(spec)
    if "display_name" in changes:
        spec["display_name"] = changes["display_name"]
    if "env" in changes:
        if changes["env"]:
            spec["env"] = changes["env"]
        else:
            spec.pop("env", None)
    if "interrupt_mode" in changes:
        spec["interrupt_mode"] = changes["interrupt_mode"]
    if "extra_arguments" in changes:
        extra = changes["extra_arguments"]
        assert isinstance(extra, list)
        base = base_argv(spec)
        if base is None:
            raise Conflict(
                "Its argv is not a list of strings naming a program: "
                "extra arguments cannot be added to it.",
                "malformed",
            )
        metadata = spec.setdefault("metadata", {})
        if not isinstance(metadata, dict) or not isinstance(
            metadata.setdefault(METADATA_KEY, {}), dict
        ):
            raise Conflict("Its metadata is not a JSON object.", "malformed")
        metadata[METADATA_KEY][BASE_ARGV_KEY] = base
        spec["argv"] = [*base, *extra]
    return spec


def base_argv(spec: Mapping) -> list[str] | None:
    """The spec's own command line without the extra arguments; None if unusable.

    The recorded ``base_argv`` counts only while ``argv`` still starts with it: after
    a hand edit of argv, the argv as it is becomes the base.
    """
    argv = spec.get("argv")
    if not _is_command(argv):
        return None
    assert isinstance(argv, list)
    recorded = _recorded_base(spec)
    if recorded is not None and argv[: len(recorded)] == recorded:
        return recorded
    return list(argv)


def _recorded_base(spec: Mapping) -> list[str] | None:
    metadata = spec.get("metadata")
    manager = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    recorded = manager.get(BASE_ARGV_KEY) if isinstance(manager, dict) else None
    return recorded if _is_command(recorded) else None


def _is_command(argv: object) -> bool:
    return (
        isinstance(argv, list)
        and bool(argv)
        and all(isinstance(part, str) for part in argv)
        and bool(argv[0])
    )


def settings(spec: Mapping) -> dict:
    """What the edit form shows: the spec's env, extra arguments and interrupt mode."""
    env = spec.get("env")
    base = base_argv(spec)
    argv = spec.get("argv")
    mode = spec.get("interrupt_mode")
    return {
        # Only string values reach a kernel's environment; others are not shown.
        "env": {
            name: value
            for name, value in (env.items() if isinstance(env, dict) else ())
            if isinstance(value, str)
        },
        "extra_arguments": argv[len(base) :] if base is not None and isinstance(argv, list) else [],
        "interrupt_mode": mode if mode in INTERRUPT_MODES else "signal",
    }
