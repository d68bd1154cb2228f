"""Packages in the user site (``pip install --user``) of kernels we did not make.

A kernelspec whose interpreter is a Python with its user site on (TLJH's
``/opt/tljh/user/bin/python``, a system or pyenv Python; never a venv) can take
packages in ``site.getusersitepackages()``: they apply to every kernel of that
Python version whose user site is on. Listed and removed with uv, confined to
that directory (``--target``: the system site and the environment are never
touched; a user site that is, or lies inside, one of the interpreter's own
site-packages or this server's environments, as ``PYTHONUSERBASE`` in a spec's
``env`` can make it, is refused); added with the interpreter's own pip (``--user``), which counts what
the environment ships as installed, through ``packages.parse_requirements`` and
a job, like environment installs.

The interpreter is probed without ``-I`` (which turns the user site off) but
with ``-B``, in an empty directory, with the kernelspec's ``env`` applied as the
kernel gets it, and only when the spec says it is Python and argv[0] is named
like a Python: a probe never runs some other program with Python's flags.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from . import backends as tools
from . import envdirs, kernelspecs
from .environments import Environments
from .errors import BadRequest, Conflict, NotFound
from .jobs import Job
from .packages import parse_requirements
from .probes import run_probe

PROBE_TIMEOUT = 15.0
LIST_TIMEOUT = 120.0
REMOVE_TIMEOUT = 120.0
MAX_CACHED = 64
MAX_ENV_VALUE = 32_768
_PYTHON_NAME = re.compile(r"python(\d+(\.\d+)?)?")
# A project name as pip and uv take it (PEP 508's name, bounded).
_PROJECT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?")
_MARK = "kernel-manager-usersite:"
# Run by the kernel's interpreter: one JSON line after the mark (a
# sitecustomize may print before it).
_PROBE = (
    "import importlib.util, json, os, site, sys, sysconfig\n"
    "stdlib = sysconfig.get_paths().get('stdlib') or ''\n"
    "print(" + repr(_MARK) + " + json.dumps({\n"
    " 'version': '%d.%d' % sys.version_info[:2],\n"
    " 'enabled': site.ENABLE_USER_SITE is True,\n"
    " 'user_site': site.getusersitepackages(),\n"
    " 'venv': sys.prefix != sys.base_prefix,\n"
    " 'pip': importlib.util.find_spec('pip') is not None,\n"
    " 'managed': os.path.isfile(os.path.join(stdlib, 'EXTERNALLY-MANAGED')),\n"
    " 'site': [p for p in {*site.getsitepackages(), *(sysconfig.get_paths().get(k) or ''\n"
    "          for k in ('purelib', 'platlib', 'stdlib'))} if p],\n"
    "}))"
)


@dataclass(frozen=True)
class Target:
    """A kernelspec's interpreter and what its probe found."""

    spec: str
    interpreter: str | None
    env: Mapping[str, str]
    reason: str | None = None
    python_version: str | None = None
    user_site: str | None = None

    @property
    def available(self) -> bool:
        return self.reason is None


class UserSites:
    """One per server: probe answers, cached per interpreter and fingerprint."""

    def __init__(self, environments: Environments) -> None:
        self.environments = environments
        self._probes: dict[tuple, dict | str] = {}
        # User site -> its install job: specs of one interpreter share a user site.
        self._installs: dict[str, Job] = {}

    async def listing(self, spec_dirs: Mapping[str, str], name: str) -> dict:
        target = await self.target(spec_dirs, name)
        packages = await self._list(target) if target.available else []
        return {
            "available": target.available,
            "reason": target.reason,
            "python_version": target.python_version,
            "user_site": target.user_site,
            "packages": packages,
        }

    async def install(self, spec_dirs: Mapping[str, str], name: str, body: object) -> Job:
        if not isinstance(body, dict) or set(body) != {"packages"}:
            raise BadRequest('The body must be exactly {"packages": [...]}.', "invalid-body")
        config = self.environments.config
        packages = parse_requirements(
            body["packages"],
            allow_urls=config.allow_url_requirements,
            max_count=config.max_packages_per_request,
            required=True,
        )
        target = self._usable(await self.target(spec_dirs, name))
        environments = self.environments
        async with environments._claims():
            self._refuse_busy(target)
            job, workdir = environments._new_job("user-install", target.spec, target.env)
            assert target.interpreter is not None
            job.steps = [
                [
                    target.interpreter,
                    "-m",
                    "pip",
                    "install",
                    "--user",
                    "--no-warn-script-location",
                    *tools.PIP_FLAGS,
                    *packages,
                ]
            ]
            await environments._start(job, workdir)
            assert target.user_site is not None
            self._installs = {k: j for k, j in self._installs.items() if j.running}
            self._installs[target.user_site] = job
        return job

    async def remove(self, spec_dirs: Mapping[str, str], name: str, package: str) -> dict:
        """Uninstall ``package`` from the user site only (uv ``--target``)."""
        if not _PROJECT.fullmatch(package):
            raise BadRequest(f"{package[:80]!r} is not a package name.", "invalid-package")
        target = self._usable(await self.target(spec_dirs, name))
        uv = await asyncio.to_thread(tools.find_uv)
        if uv is None:
            raise Conflict("Removing user-site packages needs uv.", "unavailable")
        wanted = canonicalize_name(package)
        async with self.environments._claims():
            self._refuse_busy(target)
            present = {canonicalize_name(p["name"]): p["name"] for p in await self._list(target)}
            if wanted not in present:
                raise NotFound(
                    f"{package} is not in the user site of {target.spec} ({target.user_site}).",
                    "not-installed",
                )
            assert target.interpreter is not None and target.user_site is not None
            argv = [uv, "pip", "uninstall", "--python", target.interpreter]
            argv += ["--target", target.user_site, present[wanted]]
            answer = await run_probe(
                argv, cwd=await _empty_dir(), timeout=REMOVE_TIMEOUT, extra_env=target.env
            )
        if answer.returncode != 0:
            raise Conflict(f"Cannot remove {package}: {_last_line(answer.stderr)}", "broken")
        return await self.listing(spec_dirs, name)

    async def target(self, spec_dirs: Mapping[str, str], name: str) -> Target:
        kernelspecs.validate_name(name)
        key = name.lower()
        if key not in spec_dirs:
            raise NotFound(f"No kernelspec named {name}.", "not-found")
        spec, error = await asyncio.to_thread(kernelspecs.read_kernel_json, spec_dirs[key])
        if error:
            return Target(key, None, {}, reason=error)
        interpreter, env, reason = _interpreter_of(spec)
        if reason is not None or interpreter is None:
            return Target(key, interpreter, env, reason=reason)
        answer = await self._probe(interpreter, env)
        if isinstance(answer, str):
            return Target(key, interpreter, env, reason=answer)
        return Target(
            key,
            interpreter,
            env,
            reason=_why_unavailable(answer) or self._not_apart(answer),
            python_version=answer["version"],
            user_site=answer["user_site"],
        )

    async def _probe(self, interpreter: str, env: Mapping[str, str]) -> dict | str:
        try:
            st = await asyncio.to_thread(os.stat, interpreter)
        except OSError as error:
            return f"Its interpreter cannot be read: {error.strerror or error}."
        key = (interpreter, st.st_ino, st.st_size, st.st_mtime_ns, tuple(sorted(env.items())))
        cached = self._probes.get(key)
        if cached is None:
            cached = await _run_probe(interpreter, env)
            if len(self._probes) >= MAX_CACHED:
                self._probes.clear()
            self._probes[key] = cached
        return cached

    async def _list(self, target: Target) -> list[dict]:
        """What lives in the user site: uv reading that directory, else pip --user."""
        assert target.interpreter is not None and target.user_site is not None
        if not await asyncio.to_thread(os.path.isdir, target.user_site):
            return []
        uv = await asyncio.to_thread(tools.find_uv)
        if uv is not None:
            argv = [uv, "pip", "list", "--python", target.interpreter]
            argv += ["--target", target.user_site, "--format", "json"]
        else:
            argv = [target.interpreter, "-B", "-m", "pip", "list", "--user"]
            argv += ["--format", "json", "--disable-pip-version-check"]
        try:
            answer = await run_probe(
                argv, cwd=await _empty_dir(), timeout=LIST_TIMEOUT, extra_env=target.env
            )
            if answer.returncode != 0:
                raise ValueError(_last_line(answer.stderr))
            return tools.parse_package_list(answer.stdout)
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            raise Conflict(
                f"Cannot list the user site of {target.spec}: {error}", "broken"
            ) from None

    def _refuse_busy(self, target: Target) -> None:
        job = self._installs.get(target.user_site or "")
        if job is not None and job.running:
            raise Conflict(
                f"Packages are being added to {target.user_site} ({job.environment}).", "busy"
            )

    def _not_apart(self, found: dict) -> str | None:
        """Why the user site is not a place of its own (``PYTHONUSERBASE`` pointing
        at the interpreter's prefix or at an environment), or None."""
        user_site = _real(found["user_site"])
        for kind, places in (
            ("its Python's own site-packages", found["site"]),
            ("this server's environments", [self.environments.root]),
        ):
            for place in map(_real, places):
                if user_site == place or _inside(user_site, place) or _inside(place, user_site):
                    return f"Its user site ({found['user_site']}) is {kind}, not a user site."
        return None

    @staticmethod
    def _usable(target: Target) -> Target:
        if not target.available:
            raise Conflict(f"{target.spec} has no usable user site: {target.reason}", "unavailable")
        return target


def _interpreter_of(spec: dict) -> tuple[str | None, dict[str, str], str | None]:
    """``(interpreter, env, reason it cannot be used)`` of a parsed kernel.json."""
    env, reason = _spec_env(spec.get("env"))
    if reason is not None:
        return None, {}, reason
    if kernelspecs.spec_environment(spec):
        return None, env, "Its environment was made here: use its Packages view."
    language = spec.get("language")
    argv = spec.get("argv")
    command = argv[0] if isinstance(argv, list) and argv else None
    if not isinstance(language, str) or language.lower() != "python":
        return None, env, "It is not a Python kernel."
    if not kernelspecs.usable_path(command) or not _PYTHON_NAME.fullmatch(
        os.path.basename(command)
    ):
        return None, env, "Its program is not named like a Python interpreter."
    interpreter, exists = kernelspecs._resolve_interpreter(command)
    if not exists or not os.path.isabs(interpreter):
        return None, env, "Its interpreter cannot be found."
    return interpreter, env, None


def _spec_env(value: object) -> tuple[dict[str, str], str | None]:
    """The spec's ``env`` as jupyter_client applies it (``${VAR}`` from the server's)."""
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        return {}, "Its env is not a JSON object."
    env = {}
    for key, item in value.items():
        if not isinstance(item, str):
            continue
        text = string.Template(item).safe_substitute(os.environ)
        if (
            not key
            or "=" in key
            or "\0" in key + text
            or len(text) > MAX_ENV_VALUE
            or not kernelspecs.usable_path(key + text)
        ):
            return {}, f"Its env variable {key[:40]!r} cannot be passed to a process."
        env[key] = text
    return env, None


async def _run_probe(interpreter: str, env: Mapping[str, str]) -> dict | str:
    """The probe's answer, or why there is none (a sentence)."""
    try:
        answer = await run_probe(
            [interpreter, "-B", "-c", _PROBE],
            cwd=await _empty_dir(),
            timeout=PROBE_TIMEOUT,
            extra_env=env,
        )
    except (OSError, TimeoutError) as error:
        return f"Its interpreter does not answer: {error}."
    lines = [line for line in answer.stdout.splitlines() if line.startswith(_MARK)]
    try:
        found = json.loads(lines[-1][len(_MARK) :]) if lines else None
    except ValueError:
        found = None
    if answer.returncode != 0 or not isinstance(found, dict) or not _well_formed(found):
        return (
            f"Its interpreter is not a Python this extension can use ({_last_line(answer.stderr)})."
        )
    return found


def _real(path: str) -> str:
    return os.path.realpath(os.path.abspath(path))


def _inside(path: str, directory: str) -> bool:
    return path.startswith(directory.rstrip(os.sep) + os.sep)


def _well_formed(found: dict) -> bool:
    return (
        isinstance(found.get("version"), str)
        and isinstance(found.get("user_site"), str)
        and os.path.isabs(found["user_site"])
        and isinstance(found.get("site"), list)
        and all(isinstance(p, str) and os.path.isabs(p) for p in found["site"])
        and all(isinstance(found.get(k), bool) for k in ("enabled", "venv", "pip", "managed"))
    )


def _why_unavailable(found: dict) -> str | None:
    if found["venv"]:
        return "It is a virtual environment, whose user site is off."
    if not found["enabled"]:
        return "Its Python has the user site turned off."
    if found["managed"]:
        return (
            "Its Python is managed by the system (EXTERNALLY-MANAGED): "
            "pip refuses --user installs there."
        )
    if not found["pip"]:
        return "Its Python has no pip."
    return None


async def _empty_dir() -> str | None:
    try:
        return await asyncio.to_thread(envdirs.empty_dir)
    except OSError:
        return None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"
