"""The Environments feature: list, create, add packages to and remove environments.

Each environment is a directory of ``environments_dir`` with a kernelspec in the
user's kernels directory, written by the environment's own ipykernel and tagged
with ``metadata.kernel_manager.environment = {path, backend}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from jupyter_core import paths
from jupyter_core.utils import ensure_async

from . import backends as tools
from . import checkcache, envdirs, kernelspecs, reproduce
from .config import KernelManagerConfig
from .errors import BadRequest, Conflict, Forbidden, NotFound
from .jobs import Job, JobRegistry, StepFailed
from .packages import parse_requirements
from .probes import child_environment, every, run_probe
from .requirementfiles import ParsedFile
from .requirementfiles import parse_body as parse_requirements_file

CREATE_KEYS = frozenset(
    {
        "name",
        "display_name",
        "backend",
        "python",
        "packages",
        "system_site_packages",
        "requirements_file",
    }
)
LIST_TIMEOUT = 120.0
# Package listings running at once (each a process, none a thread), whatever the
# environments: more wait their turn.
MAX_LISTINGS = 2
BEING_CREATED = "being created"

FindSpecs = Callable[[], Mapping[str, str]]


class RunningKernels(Protocol):
    """What removing an environment needs of the server's kernel manager."""

    def list_kernels(self) -> list[dict]: ...

    def shutdown_kernel(self, kernel_id: str) -> Awaitable[Any] | None: ...


@dataclass(frozen=True)
class CreationRequest:
    name: str
    display_name: str
    backend: tools.Backend
    python: str
    packages: list[str]
    site: bool
    # What a requirements file adds beyond packages (conda specs and channels).
    from_file: ParsedFile | None = None


# Seconds from the server's start (and the checks) to the backend detection.
DETECTION_DELAY = 2.0


class Environments:
    """One per server: the job registry, detected backends and the health cache."""

    def __init__(self, config: KernelManagerConfig) -> None:
        self.config = config
        self.jobs = JobRegistry()
        self._backends: asyncio.Future[dict[str, tools.Backend]] | None = None
        # The health checks of the environments found at start, run before anyone asks.
        self._warming: asyncio.Future | None = None
        self._lock: asyncio.Lock | None = None
        # Environment path -> (fingerprint, health and size).
        self._checks: dict[str, tuple[tuple, dict]] = {}
        # Keyed by (path, fingerprint): the check running, shared by every listing.
        self._checking = _InFlight()
        # Deletions of removed environments' files, still running.
        self._removals: set[asyncio.Future] = set()
        # Keyed by environment path: its package listing, shared by requests.
        self._listings = _InFlight()
        self._listing_slots: asyncio.Semaphore | None = None

    def start(self) -> None:
        """On the server's event loop, once it runs: check the environments, then
        detect the backends, in the background, so that the first requests find them."""
        if self._warming is None:
            # Before anything asks: unchanged environments then need no check.
            self._checks.update(checkcache.load(checkcache.cache_path()))
            self._warming = asyncio.ensure_future(self._warm_up())

    async def close(self) -> None:
        """At server stop: cancel the detection and the checks, and wait for them
        and for the removals' deletions (threads, which cannot be cancelled)."""
        tasks = [task for task in (self._backends, self._warming) if task is not None]
        tasks += self._checking.tasks() + self._listings.tasks()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.removals_done()

    async def removals_done(self) -> None:
        """Until the files of every removed environment are deleted."""
        while self._removals:
            await asyncio.wait(set(self._removals))

    @property
    def root(self) -> str:
        return self.config.resolved_environments_dir()

    def sweep(self) -> list[str]:
        """Remove orphans of crashed or restarted servers (blocking)."""
        live = {job.id for job in self.jobs.running()}
        stale_after = self.config.creation_timeout + 60
        envdirs.sweep_jobs(envdirs.jobs_dir(), live, stale_after)
        return envdirs.sweep(self.root, live, stale_after)

    def backends(self) -> Awaitable[dict[str, tools.Backend]]:
        """Detected once, from the server's start, then kept for its lifetime;
        everyone who waits shares the one detection."""
        # A request that gives up does not cancel the detection.
        return asyncio.shield(self._detection())

    def _detection(self) -> asyncio.Future[dict[str, tools.Backend]]:
        if self._backends is None:
            self._backends = asyncio.ensure_future(self._detect())
        return self._backends

    async def _detect(self) -> dict[str, tools.Backend]:
        cwd = await asyncio.to_thread(_helper_cwd)
        return await tools.detect(list(self.config.allowed_backends), cwd)

    async def describe_backends(self) -> dict:
        backends = await self.backends()
        return {
            "default_backend": tools.default_backend(
                backends, self.config.default_backend, self.config.allowed_backends
            ),
            "backends": [backend.to_json() for backend in backends.values()],
        }

    async def describe(self, find_specs: FindSpecs) -> dict:
        """What is on disk now, with each environment's health and size (cached,
        or the check already running). Neither waits for the backends nor sweeps."""
        root = self.root
        found = await asyncio.to_thread(envdirs.scan, root)
        for path in set(self._checks) - {env.path for env in found}:
            if os.path.dirname(path) == root:
                del self._checks[path]
        return {
            "environments_dir": root,
            "max_environments": self.config.max_environments,
            "environments": await self.describe_found(found, find_specs),
        }

    async def describe_found(self, found: list[envdirs.EnvDir], find_specs: FindSpecs) -> list:
        """Each environment found on disk (own or shared), with its kernelspec."""

        def read() -> dict[str, tuple]:
            specs = envdirs.specs_by_environment(find_specs().items())
            # Each environment's (kernelspec, display name), by its real path.
            return {env.path: specs.get(os.path.realpath(env.path), (None, None)) for env in found}

        specs = await asyncio.to_thread(read)
        return list(await asyncio.gather(*(self._describe(env, specs[env.path]) for env in found)))

    async def _warm_up(self) -> None:
        found = await asyncio.to_thread(envdirs.scan, self.root)
        checks = [self._check(env.path) for env in found if not env.being_created]
        # A failed check is not kept: the first listing runs it again and reports it.
        await asyncio.gather(*checks, return_exceptions=True)
        # The listing (what the panel shows first) waits for the checks, only the
        # backends route and creations for the detection: its dozen processes
        # would slow the checks, and the page's first requests, down. So it waits
        # for the page to load; anyone who asks earlier starts it at once.
        await asyncio.sleep(DETECTION_DELAY)
        self._detection()

    async def creation_request(self, body: dict) -> CreationRequest:
        """A creation's body, checked (shared environments take the same)."""
        unknown = sorted(set(body) - CREATE_KEYS)
        if unknown:
            raise BadRequest(f"Unknown keys in the request: {', '.join(unknown)}.", "invalid-body")
        name = envdirs.normalize_name(body.get("name"))
        display_name = body.get("display_name")
        display_name = kernelspecs.clean_display_name(
            f"Python ({name})" if display_name is None else display_name,
            self.config.max_display_name_length,
        )
        site = body.get("system_site_packages", False)
        if not isinstance(site, bool):
            raise BadRequest("system_site_packages must be true or false.", "invalid-body")
        packages = self._requirements(body.get("packages"), required=False)
        backend = self._backend(body.get("backend"), await self.backends())
        # Checked whole before anything runs (see requirementfiles).
        from_file = ParsedFile("none")
        if body.get("requirements_file") is not None:
            # Off the event loop: a 256 KiB file takes up to ~0.9 s to read.
            from_file = await asyncio.to_thread(
                parse_requirements_file,
                body["requirements_file"],
                allow_urls=self.config.allow_url_requirements,
                conda=backend.name == "conda",
            )
        packages += from_file.packages
        chosen = body.get("python")
        python = self._python(from_file.python if chosen is None else chosen, backend)
        if site and backend.name == "conda":
            raise BadRequest(
                "system_site_packages is for venv and uv environments, not conda.",
                "invalid-body",
            )
        return CreationRequest(name, display_name, backend, python, packages, site, from_file)

    async def create(self, body: dict, find_specs: FindSpecs) -> Job:
        request = await self.creation_request(body)
        name, display_name, backend = request.name, request.display_name, request.backend
        python, packages, site = request.python, request.packages, request.site
        job, workdir = self._new_job("create", name)
        async with self._claims():
            await asyncio.to_thread(self.sweep)
            self._refuse_busy(name)
            await asyncio.to_thread(self._claim, name, job.id, backend.name, find_specs)
            self._plan_creation(
                job, backend, python, packages, site, display_name, request.from_file
            )
            try:
                await self._start(job, workdir)
            except BaseException:
                await asyncio.to_thread(envdirs.release, self.root, name)
                raise
        return job

    def install_request(self, body: dict) -> list[str]:
        """The packages of an installation's body, checked."""
        if set(body) != {"packages"}:
            raise BadRequest('The body must be exactly {"packages": [...]}.', "invalid-body")
        return self._requirements(body["packages"], required=True)

    async def start_job(self, kind: str, name: str, steps: list) -> Job:
        """A job of argv steps with its own working directory (shared environments)."""
        async with self._claims():
            self._refuse_busy(name)
            job, workdir = self._new_job(kind, name)
            job.steps = list(steps)
            await self._start(job, workdir)
        return job

    async def shut_down_kernels_of(self, kernels: RunningKernels, spec_name: str) -> list[str]:
        """This server's kernels of a kernelspec, shut down; gives their ids."""
        in_use = [
            kernel["id"]
            for kernel in kernels.list_kernels()
            if str(kernel.get("name", "")).lower() == spec_name
        ]
        await asyncio.gather(*(_shut_down(kernels, kernel_id) for kernel_id in in_use))
        return in_use

    async def install(self, name: str, body: dict) -> Job:
        packages = self.install_request(body)
        name = envdirs.normalize_name(name)
        backends = await self.backends()
        async with self._claims():
            env = await self._existing(name)
            job, workdir = self._new_job("install", name)
            # Not undone on failure: pip and uv leave the environment as it was, or
            # with the packages installed before the failing one.
            job.steps = [
                tools.install_command(
                    env.backend,
                    backends,
                    env.path,
                    packages,
                    prefer_cache=self.config.prefer_cached_packages,
                )
            ]
            await self._start(job, workdir)
        return job

    async def export(self, name: str, fmt: object) -> dict:
        """An environment as a requirements.txt, pylock.toml or environment.yml."""
        name = envdirs.normalize_name(name)
        fmt = reproduce.check_format(fmt)
        return await self.export_found(await self._existing(name, busy_ok=True), fmt)

    async def export_found(self, env: envdirs.EnvDir, fmt: object) -> dict:
        """Export an environment found on disk (own or shared)."""
        fmt = reproduce.check_format(fmt)
        cwd = await asyncio.to_thread(_helper_cwd)
        backends = await self.backends()
        return await reproduce.export(env.path, env.backend, backends, fmt, name=env.name, cwd=cwd)

    async def clone(self, source: str, body: dict, find_specs: FindSpecs) -> Job:
        """A new environment with the source's Python and packages, as a creation job."""
        new_name, display_name = reproduce.parse_clone_body(body)
        name = envdirs.normalize_name(new_name)
        display_name = kernelspecs.clean_display_name(
            f"Python ({name})" if display_name is None else display_name,
            self.config.max_display_name_length,
        )
        env = await self._existing(envdirs.normalize_name(source))
        if env.backend not in tools.BACKENDS:
            raise Conflict(f"{env.name} has no backend this server knows.", "broken")
        cwd = await asyncio.to_thread(_helper_cwd)
        backends = await self.backends()
        # Its Python's version and its pins, asked at once (two processes of ~10 ms:
        # bench/run.sh reproduce); a failure of the first is reported first, as before.
        probes: list[Awaitable[Any]] = [reproduce.python_version(env.path, cwd)]
        if env.backend != "conda":
            probes.append(reproduce.frozen_pins(env.path, env.backend, backends, cwd))
        python, *frozen = await every(*probes)
        pins: list[str] = []
        if frozen:
            pins, left_out = frozen[0]
            if left_out:
                raise Conflict(
                    f"{env.name} holds editable or local packages ({', '.join(left_out)[:200]}), "
                    "which a clone cannot reinstall.",
                    "broken",
                )
        job, workdir = self._new_job("clone", name)
        async with self._claims():
            await asyncio.to_thread(self.sweep)
            self._refuse_busy(name)
            self._refuse_busy(env.name)
            await asyncio.to_thread(self._claim, name, job.id, env.backend, find_specs)
            try:
                build = await asyncio.to_thread(
                    reproduce.clone_commands,
                    env.backend,
                    backends,
                    env.path,
                    os.path.join(self.root, name),
                    pins,
                    prefer_cache=self.config.prefer_cached_packages,
                )
                self._plan_build(job, build, env.backend, python, display_name)
                await self._start(job, workdir)
            except BaseException:
                await asyncio.to_thread(envdirs.release, self.root, name)
                raise
        return job

    async def remove(self, name: str, kernels: RunningKernels, *, force: bool = False) -> list[str]:
        """Remove an environment and its kernelspecs, whole or not at all.

        Its running kernels refuse the removal (``Conflict``) unless ``force``,
        which shuts them down; gives the ids of the kernels shut down.
        """
        name = envdirs.normalize_name(name)
        async with self._claims():
            env = await self._existing(name)
            spec_dirs = await asyncio.to_thread(_user_specs_of, env.path)
            # Jupyter lists kernelspec names lower-cased.
            specs = {os.path.basename(spec_dir).lower() for spec_dir in spec_dirs}
            protected = {spec.lower() for spec in self.config.protected_kernelspecs}
            guarded = sorted(specs & protected)
            if guarded:
                raise Forbidden(
                    f"The kernelspec {guarded[0]} of {name} is protected by the administrator.",
                    "protected",
                )
            in_use = [
                kernel["id"]
                for kernel in kernels.list_kernels()
                if str(kernel.get("name", "")).lower() in specs
            ]
            if in_use and not force:
                noun = "kernel uses" if len(in_use) == 1 else "kernels use"
                raise Conflict(f"{len(in_use)} running {noun} {name}.", "running")
            # Renames only, undone if one fails: no launcher offers the kernel
            # any more, and the name is free.
            moved = await asyncio.to_thread(_move_aside, self.root, name, spec_dirs)
            try:
                await asyncio.gather(*(_shut_down(kernels, kid) for kid in in_use))
            except Exception as error:
                await asyncio.to_thread(_put_back, moved)
                raise Conflict(
                    f"Cannot shut down the kernels of {name}: {error}", "running"
                ) from None
            self._checks.pop(env.path, None)
        # Answer now, and delete the files after (0.2 s to several seconds). A
        # server stopped before the end leaves trash that the next start sweeps.
        removal = asyncio.ensure_future(asyncio.to_thread(_delete, [item.trash for item in moved]))
        self._removals.add(removal)
        removal.add_done_callback(self._removals.discard)
        return in_use

    async def packages(self, name: str) -> dict:
        name = envdirs.normalize_name(name)
        # Listing while packages are being added is harmless.
        env = await self._existing(name, busy_ok=True)
        return await self.packages_of(env)

    async def packages_of(self, env: envdirs.EnvDir) -> dict:
        """The packages of an environment found on disk (own or shared)."""
        argv = tools.list_command(env.backend, await self.backends(), env.path)
        try:
            output = await self._listings.run(env.path, lambda: self._list_packages(argv))
            return {"packages": tools.parse_package_list(output)}
        except (OSError, ValueError, TypeError) as exc:
            raise Conflict(f"Cannot list the packages of {env.name}: {exc}", "broken") from None

    async def _list_packages(self, argv: list[str]) -> str:
        """The listing's standard output."""
        if self._listing_slots is None:
            self._listing_slots = asyncio.Semaphore(MAX_LISTINGS)
        async with self._listing_slots:
            cwd = await asyncio.to_thread(_helper_cwd)
            try:
                answer = await run_probe(argv, cwd=cwd, timeout=LIST_TIMEOUT)
            except TimeoutError as error:
                raise ValueError(str(error)) from None
        if answer.returncode != 0:
            lines = [line for line in answer.stderr.splitlines() if line.strip()]
            raise ValueError(lines[-1] if lines else f"exit status {answer.returncode}")
        return answer.stdout

    def _claims(self) -> asyncio.Lock:
        # Sweeping, claiming a name and registering its job happen under one lock,
        # so a sweep never sees a claim whose job is not registered yet.
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def _refuse_busy(self, name: str) -> None:
        job = self.jobs.running_for(name)
        if job is not None:
            raise Conflict(f"A job ({job.kind}) is already running on {name}.", "busy")

    async def _existing(self, name: str, *, busy_ok: bool = False) -> envdirs.EnvDir:
        if not busy_ok:
            self._refuse_busy(name)
        found = await asyncio.to_thread(envdirs.scan, self.root)
        env = next((env for env in found if env.name == name), None)
        if env is None:
            raise NotFound(f"No environment named {name}.", "not-found")
        if env.being_created:
            raise Conflict(f"{name} is being created.", "busy")
        return env

    def _claim(self, name: str, job_id: str, backend: str, find_specs: FindSpecs) -> None:
        root = self.root
        if os.path.lexists(envdirs.marker_path(root, name)):
            raise Conflict(f"{name} is already being created.", "busy")
        user_spec = os.path.join(kernelspecs.user_kernels_dir(), name)
        if os.path.lexists(os.path.join(root, name)):
            raise Conflict(f"An environment named {name} already exists.", "exists")
        if name in find_specs() or os.path.lexists(user_spec):
            raise Conflict(f"A kernelspec named {name} already exists.", "exists")
        cap = self.config.max_environments
        if cap and len(envdirs.scan(root)) >= cap:
            noun = "environment" if cap == 1 else "environments"
            raise Conflict(f"You have reached the limit of {cap} {noun}.", "limit")
        envdirs.claim(root, name, job_id, backend)

    def _requirements(self, items: object, *, required: bool) -> list[str]:
        return parse_requirements(
            [] if items is None and not required else items,
            allow_urls=self.config.allow_url_requirements,
            max_count=self.config.max_packages_per_request,
            required=required,
        )

    def _default_packages(self) -> list[str]:
        # Checked when configured; passed on in the canonical form that was checked.
        defaults = list(self.config.default_packages)
        return parse_requirements(
            defaults, allow_urls=True, max_count=max(1, len(defaults)), required=False
        )

    def _backend(self, value: object, backends: Mapping[str, tools.Backend]) -> tools.Backend:
        if value is None:
            value = tools.default_backend(
                backends, self.config.default_backend, self.config.allowed_backends
            )
            if value is None:
                raise BadRequest("No backend is available on this server.", "invalid-backend")
        if not isinstance(value, str) or value not in backends:
            raise BadRequest(
                f"Unknown backend {value!r}; choose among {', '.join(backends)}.",
                "invalid-backend",
            )
        backend = backends[value]
        if not backend.available:
            raise BadRequest(
                f"The {value} backend is not available: {backend.reason}",
                "invalid-backend",
            )
        return backend

    @staticmethod
    def _python(value: object, backend: tools.Backend) -> str:
        if value is None:
            assert backend.default_python is not None
            return backend.default_python
        if not isinstance(value, str) or value not in backend.pythons:
            raise BadRequest(
                f"The {backend.name} backend cannot provide Python {value!r}; "
                f"choose among {', '.join(backend.pythons)}.",
                "invalid-python",
            )
        return value

    def _new_job(
        self, kind: str, name: str, extra_env: Mapping[str, str] | None = None
    ) -> tuple[Job, envdirs.JobDir]:
        """A job whose processes run in a directory of their own (see envdirs);
        ``extra_env`` (a kernelspec's own ``env``) comes under the variables below."""
        workdir = envdirs.JobDir.new(envdirs.jobs_dir())
        # JUPYTER_DATA_DIR pins `ipykernel install --user` to the kernels directory
        # this server reads, whatever jupyter_core version the environment has.
        # TMPDIR: what the tools leave there (ipykernel's install leaves an empty
        # tmp*_kernels) goes with the job's directory.
        env = child_environment(
            **(extra_env or {}),
            JUPYTER_DATA_DIR=paths.jupyter_data_dir(),
            PYTHONUNBUFFERED="1",
            TMPDIR=workdir.tmp,
        )
        job = Job(
            kind,
            name,
            timeout=self.config.creation_timeout,
            env=env,
            cwd=workdir.cwd,
        )
        return job, workdir

    async def _start(self, job: Job, workdir: envdirs.JobDir) -> None:
        """Make the job's directory, removed when the job ends however it ends,
        and start the job. Under the claims lock, as the sweep."""
        try:
            await asyncio.to_thread(workdir.make, job.id)
        except OSError as error:
            raise Conflict(
                f"Cannot make a working directory in {os.path.dirname(workdir.path)}: "
                f"{error.strerror or error}.",
                "not-writable",
            ) from None
        job.steps.append(functools.partial(_remove_workdir, workdir))
        job.cleanup = functools.partial(_clean_up, job.cleanup, workdir)
        self.jobs.add(job)

    def _plan_creation(
        self,
        job: Job,
        backend: tools.Backend,
        python: str,
        packages: list[str],
        site: bool,
        display_name: str,
        from_file: ParsedFile | None = None,
    ) -> None:
        path = os.path.join(self.root, job.environment)
        packages = [*self._default_packages(), *packages]
        build = tools.create_commands(
            backend,
            path,
            python,
            packages,
            system_site_packages=site,
            prefer_cache=self.config.prefer_cached_packages,
        )
        if from_file is not None:
            build = reproduce.add_conda_specs(build, from_file.conda_specs, from_file.channels)
        self._plan_build(job, build, backend.name, python, display_name)

    def _plan_build(
        self, job: Job, build: list, backend: str, python: str, display_name: str
    ) -> None:
        """``build`` makes the environment; then its kernelspec, and the claim released."""
        root, name = self.root, job.environment
        job.steps = [
            *build,
            tools.kernelspec_command(os.path.join(root, name), name, display_name),
            functools.partial(_finish_creation, root, name, backend, python),
        ]
        job.on_spawn = functools.partial(envdirs.note_process, root, name)
        job.cleanup = functools.partial(_undo_creation, root, name)

    async def _describe(self, env: envdirs.EnvDir, spec: tuple) -> dict:
        job = self.jobs.running_for(env.name)
        base = {
            "name": env.name,
            "path": env.path,
            "backend": env.backend,
            "created_at": env.created_at,
            "job": job.id if job else None,
        }
        if env.being_created:
            return {
                **base,
                "python_version": None,
                "size_bytes": None,
                "kernelspec": None,
                "display_name": None,
                "healthy": False,
                "problem": BEING_CREATED,
            }
        spec_name, display_name = spec
        return {
            **base,
            **await self._check(env.path),
            "kernelspec": spec_name,
            "display_name": display_name,
        }

    async def _check(self, path: str) -> dict:
        """Health and size, recomputed only when the environment's fingerprint
        moves; listings at the same time share one check."""
        key = await asyncio.to_thread(envdirs.fingerprint, path)
        cached = self._checks.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        return await self._checking.run((path, key), lambda: self._run_check(path, key))

    async def _run_check(self, path: str, key: tuple) -> dict:
        health, size = await every(
            envdirs.check_health(path),
            asyncio.to_thread(envdirs.disk_usage, path),
        )
        result = {**health, "size_bytes": size}
        self._checks[path] = (key, result)
        # Kept for the next start of the server.
        await asyncio.to_thread(checkcache.save, checkcache.cache_path(), dict(self._checks))
        return result


class _InFlight:
    """One task per key while it runs, shared by every request asking for it."""

    def __init__(self) -> None:
        self._running: dict[Any, asyncio.Future] = {}

    def run(self, key: Any, start: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(start())
            self._running[key] = task
            task.add_done_callback(functools.partial(self._done, key))
        # A request that gives up does not cancel the others' task.
        return asyncio.shield(task)

    def tasks(self) -> list[asyncio.Future]:
        return list(self._running.values())

    def _done(self, key: Any, task: asyncio.Future) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # Retrieved: the requests waiting on it report it.


def _helper_cwd() -> str | None:
    """The working directory of helpers outside jobs: an empty one, else the
    server's (the helpers are isolated from it all the same: ``-I``, no config)."""
    try:
        return envdirs.empty_dir()
    except OSError:
        return None


def _finish_creation(root: str, name: str, backend: str, python: str, job: Job) -> None:
    """Tag the kernelspec with its environment and release the claim."""
    path = os.path.join(root, name)
    spec_dir = os.path.join(kernelspecs.user_kernels_dir(), name)
    kernel_json = os.path.join(spec_dir, kernelspecs.KERNEL_JSON)
    spec, error = kernelspecs.read_kernel_json(spec_dir)
    if error:
        raise StepFailed(f"ipykernel did not write {kernel_json}: {error}")
    metadata = spec.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    manager = metadata.get("kernel_manager")
    manager = manager if isinstance(manager, dict) else {}
    manager["environment"] = {"path": path, "backend": backend}
    spec["metadata"] = {**metadata, "kernel_manager": manager}
    kernelspecs.write_json_atomically(kernel_json, spec)
    envdirs.write_metadata(
        path,
        {
            "name": name,
            "backend": backend,
            "python": python,
            "created_at": job.started_at,
            "kernelspec": name,
        },
    )
    job.log.append(f"Kernelspec {name} written to {spec_dir}.")
    envdirs.release(root, name)


def _remove_workdir(workdir: envdirs.JobDir, job: Job) -> None:
    workdir.remove()


def _clean_up(undo: Callable[[Job], None] | None, workdir: envdirs.JobDir, job: Job) -> None:
    try:
        if undo is not None:
            undo(job)
    finally:
        workdir.remove()


def _undo_creation(root: str, name: str, job: Job) -> None:
    envdirs.discard(root, name)
    job.log.append(f"Removed the unfinished environment {os.path.join(root, name)}.")


def _user_specs_of(env_path: str) -> list[str]:
    """Kernelspec directories in the user's kernels directory made for the
    environment; every one, even several whose names differ only in case."""
    kernels = kernelspecs.user_kernels_dir()
    try:
        names = sorted(os.listdir(kernels))
    except OSError:
        return []
    return [
        spec_dir
        for spec_dir in (os.path.join(kernels, name) for name in names)
        if not os.path.islink(spec_dir)
        and os.path.isdir(spec_dir)
        and envdirs.spec_belongs_to(spec_dir, env_path)
    ]


@dataclass(frozen=True)
class _Moved:
    """A directory taken out of sight by a rename, and the trash to delete."""

    original: str
    now: str
    trash: str


def _move_aside(root: str, name: str, spec_dirs: Iterable[str]) -> list[_Moved]:
    """Rename the kernelspecs, then the environment, into trash; on any refusal
    (``Conflict``) the renames done are undone, so nothing has changed."""
    moved: list[_Moved] = []
    try:
        # The kernelspecs first: a launcher never offers a kernel whose
        # environment is gone. Refused when part of one could not be deleted.
        for spec_dir in spec_dirs:
            trash = kernelspecs.move_to_trash(spec_dir)
            now = os.path.join(trash, os.path.basename(spec_dir))
            moved.append(_Moved(spec_dir, now, trash))
        path = os.path.join(root, name)
        try:
            env_trash = envdirs.move_to_trash(root, name)
        except (OSError, RuntimeError) as error:
            reason = error.strerror if isinstance(error, OSError) else None
            raise Conflict(f"Cannot remove {name}: {reason or error}.", "not-removable") from None
        if env_trash is not None:
            moved.append(_Moved(path, env_trash, env_trash))
    except BaseException:
        _put_back(moved)
        raise
    return moved


def _put_back(moved: list[_Moved]) -> None:
    for item in reversed(moved):
        os.rename(item.now, item.original)
        if item.trash != item.now:
            # The kernelspec's trash and, when nothing else is in it, the trash's
            # own directory: the kernels directory is as it was.
            with contextlib.suppress(OSError):
                os.rmdir(item.trash)
                os.rmdir(os.path.dirname(item.trash))


async def _shut_down(kernels: RunningKernels, kernel_id: str) -> None:
    with contextlib.suppress(KeyError):  # Gone already.
        await ensure_async(kernels.shutdown_kernel(kernel_id))


def _delete(trash: list[str]) -> None:
    for path in trash:
        envdirs.remove_own_tree(path)
