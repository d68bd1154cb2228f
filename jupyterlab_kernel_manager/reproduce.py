"""Reproducible environments: export an environment as a file, clone one.

Export works on an environment's directory and backend alone
(``export(env_dir, backend, backends, format, name=...)``), so environments
listed under another root can be exported the same way.

- requirements.txt: the pins of ``uv pip freeze`` (uv environments) or of the
  environment's own ``pip freeze --all`` (venv, conda). Editable installs and
  requirements that ``packages.normalize_requirement`` refuses (local paths,
  ``file://`` URLs) are left out, named in the reply's ``left_out`` and in a
  comment of the file: a file we write is one we accept back.
- pylock.toml: ``uv pip compile --format pylock.toml --no-deps`` over those pins,
  from uv's cache first (``--offline``), else asking the index.
- environment.yml: conda environments through ``conda env export``; others as
  ``python=X.Y``, ``pip`` and the pins under ``pip:``.

A clone is a creation job (same claim, log, cancel and clean-up) whose steps
rebuild the source: uv makes a venv with the same base interpreter and installs
the source's pins from its cache (hard links) before asking the index; venv the
same with pip; conda ``create --clone``.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Mapping, Sequence

from . import backends as tools
from .errors import BadRequest, Conflict
from .jobs import Fallback, Step
from .packages import normalize_requirement
from .probes import ISOLATED, run_probe

EXPORT_FORMATS = ("requirements.txt", "pylock.toml", "environment.yml")
EXPORT_TIMEOUT = 120.0
# A frozen environment of thousands of packages stays far below.
MAX_EXPORT_CHARS = 1024 * 1024
# A left-out name as the reply and the file's comment give it.
MAX_NAME_SHOWN = 100
CLONE_KEYS = frozenset({"name", "display_name"})
_VERSION_CODE = "import sys; print('%d.%d' % sys.version_info[:2])"
_FREEZE_MARK = "kernel-manager-freeze:"
# pip run after a line of ours: what the environment's .pth files print (they run
# at startup, even with -I) comes before it.
_PIP_AFTER_MARK = (
    f"import runpy, sys; print({_FREEZE_MARK!r}, flush=True); sys.argv[0] = 'pip'; "
    "sys.argv.append('--disable-pip-version-check'); "
    "runpy.run_module('pip', run_name='__main__', alter_sys=True)"
)


def export_filename(fmt: str, name: str) -> str:
    """Names the file browser's "Create environment from this file" recognises."""
    return {
        "requirements.txt": f"requirements-{name}.txt",
        "pylock.toml": f"pylock.{name}.toml",
        "environment.yml": f"environment-{name}.yml",
    }[fmt]


def check_format(value: object) -> str:
    if value not in EXPORT_FORMATS:
        raise BadRequest(f"format must be one of {', '.join(EXPORT_FORMATS)}.", "invalid-format")
    assert isinstance(value, str)
    return value


async def _answer(argv: Sequence[str], cwd: str | None, what: str) -> str:
    try:
        answer = await run_probe(argv, cwd=cwd, timeout=EXPORT_TIMEOUT)
    except OSError as error:  # TimeoutError included
        raise Conflict(f"Cannot {what}: {error}", "broken") from None
    if answer.returncode != 0:
        lines = [line for line in answer.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit status {answer.returncode}"
        raise Conflict(f"Cannot {what}: {detail}", "broken")
    if len(answer.stdout) > MAX_EXPORT_CHARS:
        raise Conflict(f"Cannot {what}: the output is too large.", "broken")
    return answer.stdout


def freeze_command(env_dir: str, backend: str | None, backends: Mapping[str, tools.Backend]):
    uv = backends.get("uv")
    python = tools.env_python(env_dir)
    if backend == "uv" and uv is not None and uv.executable:
        # Never coloured, even when the server runs under FORCE_COLOR.
        return [uv.executable, "pip", "freeze", "--color", "never", "--python", python]
    return [python, *ISOLATED, "-c", _PIP_AFTER_MARK, "freeze", "--all"]


async def frozen_pins(
    env_dir: str, backend: str | None, backends: Mapping[str, tools.Backend], cwd: str | None
) -> tuple[list[str], list[str]]:
    """(pins we accept back, what was left out) of an environment."""
    output = await _answer(freeze_command(env_dir, backend, backends), cwd, "list the packages")
    # pip's output only: a .pth file of the environment may print before it.
    output = output.rpartition(_FREEZE_MARK + "\n")[2]
    pins, left_out = [], []
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pin, why = normalize_requirement(line, allow_urls=False)
        if pin is None or why is not None or line.startswith("-"):
            left_out.append(_left_out_name(line))
        else:
            pins.append(pin)
    return pins, left_out


def _left_out_name(line: str) -> str:
    """The name of a line we leave out, fit for a comment of any of our formats.

    Names only: a local path is nobody else's business. pip freeze prints each
    package's metadata ``Name`` as it is: controls (which YAML refuses even in a
    comment), anything beyond ASCII and very long names are not passed on.
    """
    text = re.sub(r"^-e\s+", "", line)
    name = re.split(r"[\s=@<>!~;]", text, maxsplit=1)[0]
    # An editable's path or URL: its last part only.
    name = next((p for p in reversed(re.split(r"[/\\]", name.split("#")[0])) if p), name)
    name = re.sub(r"[^\x21-\x7e]", "?", name)
    return name if len(name) <= MAX_NAME_SHOWN else name[: MAX_NAME_SHOWN - 3] + "..."


async def python_version(env_dir: str, cwd: str | None) -> str:
    output = await _answer(
        [tools.env_python(env_dir), *ISOLATED, "-c", _VERSION_CODE], cwd, "run its Python"
    )
    # The last line: a .pth file of the environment may print before it (-I still
    # runs them), and what it prints must not reach an exported file.
    lines = output.strip().splitlines()
    if not lines or not re.fullmatch(r"\d+\.\d+", lines[-1].strip()):
        raise Conflict("Cannot run its Python: it did not give its version.", "broken")
    return lines[-1].strip()


async def export(
    env_dir: str,
    backend: str | None,
    backends: Mapping[str, tools.Backend],
    fmt: str,
    *,
    name: str,
    cwd: str | None,
) -> dict:
    """The file's text and name: ``{environment, format, filename, content, left_out}``."""
    fmt = check_format(fmt)
    left_out: list[str] = []
    conda = backends.get("conda")
    if fmt == "environment.yml" and backend == "conda" and conda and conda.executable:
        argv = [conda.executable, "env", "export", "-p", env_dir]
        content = await _answer(argv, cwd, "export the environment")
    else:
        pins, left_out = await frozen_pins(env_dir, backend, backends, cwd)
        note = f"# Left out (editable or local): {', '.join(left_out)}\n" if left_out else ""
        if fmt == "requirements.txt":
            content = f"# Exported from the environment {name}.\n{note}" + "".join(
                f"{pin}\n" for pin in pins
            )
        elif fmt == "pylock.toml":
            content = await _pylock(pins, env_dir, backends, cwd)
        else:
            version = await python_version(env_dir, cwd)
            content = (
                f"# Exported from the environment {name}.\n{note}name: {name}\n"
                f"dependencies:\n  - python={version}\n  - pip\n  - pip:\n"
                + "".join(f"      - {_yaml_string(pin)}\n" for pin in pins)
            )
    return {
        "environment": name,
        "format": fmt,
        "filename": export_filename(fmt, name),
        "content": content,
        "left_out": left_out,
    }


def _yaml_string(text: str) -> str:
    # Double-quoted YAML: the pins are printable ASCII; quotes and backslashes escaped.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def _pylock(
    pins: list[str], env_dir: str, backends: Mapping[str, tools.Backend], cwd: str | None
) -> str:
    uv = backends.get("uv")
    executable = uv.executable if uv is not None and uv.executable else tools.find_uv()
    if executable is None:
        raise Conflict("Cannot write pylock.toml: uv is not installed.", "broken")
    with tempfile.TemporaryDirectory(prefix="kernel-manager-export-") as scratch:
        pins_file = os.path.join(scratch, "pins.txt")
        await asyncio.to_thread(_write, pins_file, "".join(f"{pin}\n" for pin in pins))
        argv = [
            executable, "pip", "compile", "--format", "pylock.toml", "--no-deps",
            "--no-header", "--quiet", "--color", "never", "--python", tools.env_python(env_dir), pins_file,
        ]  # fmt: skip
        try:
            return await _answer([*argv[:3], "--offline", *argv[3:]], cwd, "write pylock.toml")
        except Conflict:
            return await _answer(argv, cwd, "write pylock.toml")


def _write(path: str, text: str) -> None:
    with open(path, "x", encoding="utf-8") as f:
        f.write(text)


def parse_clone_body(body: dict) -> tuple[object, object]:
    """(new name, display name or None), not yet checked."""
    unknown = sorted(set(body) - CLONE_KEYS)
    if unknown or "name" not in body:
        raise BadRequest('The body must be {"name": ..., "display_name"?: ...}.', "invalid-body")
    return body["name"], body.get("display_name")


def base_interpreter(env_dir: str) -> str:
    """The interpreter the source was made from (its ``bin/python`` resolved)."""
    return os.path.realpath(tools.env_python(env_dir))


def system_site_packages(env_dir: str) -> bool:
    try:
        with open(os.path.join(env_dir, "pyvenv.cfg"), encoding="utf-8") as f:
            config = f.read(64 * 1024)
    except OSError:
        return False
    return bool(re.search(r"^include-system-site-packages\s*=\s*true\s*$", config, re.M | re.I))


def clone_commands(
    backend: str,
    backends: Mapping[str, tools.Backend],
    source: str,
    target: str,
    pins: Sequence[str],
    *,
    prefer_cache: bool,
) -> list[Step]:
    """The steps that rebuild ``source`` at ``target`` (blocking: reads pyvenv.cfg)."""
    if backend == "conda":
        conda = backends.get("conda")
        if conda is None or not conda.executable:
            raise BadRequest("The conda backend is not available.", "invalid-backend")
        return [[conda.executable, "create", "-y", "-p", target, "--clone", source]]
    site = ["--system-site-packages"] if system_site_packages(source) else []
    interpreter = base_interpreter(source)
    packages = list(pins) or ["ipykernel"]
    uv = backends.get("uv")
    if backend == "uv" and uv is not None and uv.executable:
        make = [uv.executable, "venv", "--no-python-downloads", *site, "--python", interpreter]
        online = [uv.executable, "pip", "install", "--python", tools.env_python(target)]
        online += packages
        offline = [*online[:3], "--offline", *online[3:]]
        install: Step = Fallback(offline, online, tools.CACHE_MISS_NOTE) if prefer_cache else online
        return [[*make, target], install]
    pip = [tools.env_python(target), "-m", "pip", "install", *tools.PIP_FLAGS, *packages]
    return [[interpreter, "-m", "venv", *site, target], pip]


def add_conda_specs(steps: list[Step], specs: Sequence[str], channels: Sequence[str]) -> list[Step]:
    """A conda creation's steps with a file's conda specs and channels added."""
    if not specs and not channels:
        return steps
    first = steps[0]
    assert isinstance(first, list) and first[1] == "create", first
    chosen = ["--override-channels", *[a for c in channels for a in ("-c", c)]] if channels else []
    return [[*first[:2], *chosen, *first[2:], *specs], *steps[1:]]
