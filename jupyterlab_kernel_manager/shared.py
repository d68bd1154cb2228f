"""Environments a hub admin shares with every user (the server's side).

Everyone may list them and their packages: their files are readable by all.
Creating, adding packages and removing go through the privileged helper
(``sharedhelper``) with ``sudo -n``, and only for the server's own owner when
that owner is a hub admin: a visiting admin's token on someone else's server
gets nothing, and sudo is never tried for other users (sudo reports failed
attempts to the administrator). The helper checks everything again as root.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable

import psutil

from . import envdirs, sharedsettings
from .environments import Environments, RunningKernels
from .errors import BadRequest, Conflict, Forbidden, NotFound
from .hub import is_hub_admin
from .jobs import Job
from .probes import run_probe

HELPER = "jupyterlab_kernel_manager.sharedhelper"
CHECK_TIMEOUT = 20.0
REMOVE_TIMEOUT = 300.0
# A successful sudo check holds 5 minutes; a failed one 10: sudo reports each
# failed attempt to the administrator, and the list is polled while shown.
CHECK_FOR = {True: 300.0, False: 600.0}
PROCESS_FIELDS = ("cmdline", "username")


def helper_command(*arguments: str) -> list[str]:
    """sudo without a password prompt, the server's own interpreter, isolated
    (no user site, no PYTHON* variables, no working directory on sys.path)."""
    return ["sudo", "-n", "--", sys.executable, "-I", "-m", HELPER, *arguments]


class SharedEnvironments:
    def __init__(self, environments: Environments) -> None:
        self.environments = environments
        # (ok, reason, time) of the last `sudo -n ... check`.
        self._sudo: tuple[bool, str | None, float] | None = None
        self._sudo_lock: asyncio.Lock | None = None

    async def settings(self) -> sharedsettings.SharedSettings:
        return await asyncio.to_thread(sharedsettings.load)

    async def describe(self, current_user, find_specs: Callable) -> dict:
        settings = await self.settings()
        can_manage, reason = await self.may_manage(current_user, settings)
        environments = []
        if settings.enabled:
            found = await asyncio.to_thread(_shared_environments, settings.environments_dir)
            listed = await self.environments.describe_found(found, find_specs)
            environments = [{**env, "shared": True} for env in listed]
        return {
            "enabled": settings.enabled,
            "can_manage": can_manage,
            "reason": reason,
            "environments_dir": settings.environments_dir,
            "kernels_dir": settings.kernels_dir,
            "environments": environments,
        }

    async def may_manage(self, current_user, settings=None) -> tuple[bool, str | None]:
        """Whether this request may change shared environments, and why not."""
        settings = settings or await self.settings()
        if not settings.enabled:
            return False, settings.problem
        owner = os.environ.get("JUPYTERHUB_USER")
        if owner is not None:
            if getattr(current_user, "username", None) != owner:
                return False, f"Only {owner}, whose server this is, may share environments here."
            if not is_hub_admin(current_user):
                return False, "Only hub admins may share environments with every user."
        return await self._sudo_works()

    async def _sudo_works(self) -> tuple[bool, str | None]:
        if self._sudo_lock is None:
            self._sudo_lock = asyncio.Lock()
        async with self._sudo_lock:
            if self._sudo is not None:
                ok, reason, at = self._sudo
                if time.monotonic() - at < CHECK_FOR[ok]:
                    return ok, reason
            ok, reason = await _check_sudo(await self._cwd())
            self._sudo = (ok, reason, time.monotonic())
            return ok, reason

    async def _require(self, current_user) -> sharedsettings.SharedSettings:
        settings = await self.settings()
        ok, reason = await self.may_manage(current_user, settings)
        if not ok:
            raise Forbidden(reason or "You may not change shared environments.", "not-allowed")
        return settings

    async def create(self, current_user, body: dict, find_specs: Callable) -> Job:
        # Bad input first (400): it needs no sudo to refuse.
        request = await self.environments.creation_request(body)
        if request.from_file is not None and request.from_file.conda_specs:
            raise BadRequest(
                "Conda packages from environment.yml are not offered for shared "
                "environments: list them under pip:, or create one of your own.",
                "invalid-file",
            )
        settings = await self._require(current_user)
        if request.backend.name not in settings.backends:
            raise BadRequest(
                f"The administrator does not allow {request.backend.name} for shared environments.",
                "invalid-backend",
            )
        if len(request.packages) > settings.max_packages:
            raise BadRequest(
                f"Shared environments take at most {settings.max_packages} packages at once.",
                "invalid-package",
            )
        found = await asyncio.to_thread(_shared_environments, settings.environments_dir)
        if any(env.name == request.name for env in found):
            raise Conflict(f"A shared environment named {request.name} exists.", "exists")
        # Its kernelspec would hide another of that name from every user.
        if request.name in await asyncio.to_thread(find_specs):
            raise Conflict(f"A kernelspec named {request.name} exists.", "exists")
        argv = [
            "create",
            request.name,
            "--backend",
            request.backend.name,
            "--python",
            request.python,
            # One word: a display name such as "-x" is never read as an option.
            f"--display-name={request.display_name}",
        ]
        if request.site:
            argv.append("--system-site-packages")
        return await self.environments.start_job(
            "create", request.name, [helper_command(*argv, "--", *request.packages)]
        )

    async def install(self, current_user, name: str, body: dict) -> Job:
        env = await self.existing(name)
        packages = self.environments.install_request(body)
        await self._require(current_user)
        return await self.environments.start_job(
            "install", env.name, [helper_command("install", env.name, "--", *packages)]
        )

    async def remove(
        self, current_user, name: str, kernels: RunningKernels, *, force: bool
    ) -> list[str]:
        """Refused while kernels of it run anywhere on the machine, unless ``force``:
        then this server's own are shut down, and the others keep running. A
        creation's claim goes to the helper too: it removes one whose helper was
        killed, and refuses one that runs."""
        env = await self.existing(name, busy_ok=True)
        await self._require(current_user)
        job = self.environments.jobs.running_for(env.name)
        if job is not None:
            # Before any kernel is shut down: the helper would refuse anyway.
            raise Conflict(f"A job ({job.kind}) is already running on {env.name}.", "busy")
        users = await asyncio.to_thread(kernels_using, env.path)
        if users and not force:
            count = sum(users.values())
            noun = "kernel" if count == 1 else "kernels"
            raise Conflict(
                f"{count} {noun} of {env.name} run on this machine ({', '.join(sorted(users))}).",
                "running",
            )
        shut_down = await self.environments.shut_down_kernels_of(kernels, env.name)
        answer = await run_probe(
            helper_command("remove", env.name), cwd=await self._cwd(), timeout=REMOVE_TIMEOUT
        )
        if answer.returncode != 0:
            raise Conflict(_last_line(answer) or "The helper could not remove it.", "not-removable")
        return shut_down

    async def packages(self, name: str) -> dict:
        return await self.environments.packages_of(await self.existing(name))

    async def export(self, name: str, fmt: object) -> dict:
        """Anyone may export a shared environment, to make one like it."""
        return await self.environments.export_found(await self.existing(name), fmt)

    async def existing(self, name: str, *, busy_ok: bool = False) -> envdirs.EnvDir:
        name = envdirs.normalize_name(name)
        settings = await self.settings()
        found = await asyncio.to_thread(_shared_environments, settings.environments_dir)
        env = next((env for env in found if env.name == name), None)
        if env is None or not settings.enabled:
            raise NotFound(f"No shared environment named {name}.", "not-found")
        if env.being_created and not busy_ok:
            raise Conflict(f"{name} is being created.", "busy")
        return env

    async def _cwd(self) -> str | None:
        try:
            return await asyncio.to_thread(envdirs.empty_dir)
        except OSError:
            return None


def _shared_environments(root: str) -> list[envdirs.EnvDir]:
    """What the helper made: its metadata says shared, or a creation's claim."""
    return [
        env
        for env in envdirs.scan(root)
        if env.being_created or envdirs.read_metadata(env.path).get("shared") is True
    ]


async def _check_sudo(cwd: str | None) -> tuple[bool, str | None]:
    try:
        answer = await run_probe(helper_command("check"), cwd=cwd, timeout=CHECK_TIMEOUT)
    except (OSError, TimeoutError) as error:
        return False, f"sudo could not run the helper: {error}"
    if answer.returncode == 0:
        try:
            json.loads(answer.stdout)
            return True, None
        except ValueError:
            pass
    line = _last_line(answer)
    if "password is required" in line or "not allowed" in line or "sudoers" in line:
        return False, (
            "Your account may not run the helper with sudo without a password "
            "(see the README: Shared environments)."
        )
    return False, line or f"sudo exited with status {answer.returncode}."


def _last_line(answer) -> str:
    lines = [line for line in (answer.stderr + answer.stdout).splitlines() if line.strip()]
    return lines[-1].strip()[:500] if lines else ""


def kernels_using(env_path: str) -> dict[str, int]:
    """Kernels of the environment anywhere on the machine, counted per user (what
    /proc shows: with hidepid, only one's own)."""
    prefixes = tuple(
        {os.path.join(path, "bin") + os.sep for path in (env_path, os.path.realpath(env_path))}
    )
    counts: dict[str, int] = {}
    for process in psutil.process_iter(PROCESS_FIELDS):
        command = process.info.get("cmdline") or []
        if not command or not str(command[0]).startswith(prefixes):
            continue
        if "ipykernel_launcher" not in command and "ipykernel" not in command:
            continue
        user = process.info.get("username") or "?"
        counts[user] = counts.get(user, 0) + 1
    return counts
