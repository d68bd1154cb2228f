"""Thin REST routes under ``<base_url>/kernel-manager/`` over the logic modules.

Each route belongs to a part of the API (``PARTS`` of config.py) that an
administrator may switch off: its routes stay, and answer every verb with a 404
once the request is authenticated and authorized as usual.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from . import kernelspecs
from .authz import check, permissions_of, requires
from .config import KernelManagerConfig
from .environments import Environments
from .errors import BadRequest, KernelManagerError, NotFound, http_status
from .hub import is_hub_admin
from .inputs import parse_epoch, parse_flag, parse_json_object, parse_since
from .processes import Processes
from .shared import SharedEnvironments
from .usersite import UserSites

# Every route is under <base_url>/<ROUTE_PREFIX>/.
ROUTE_PREFIX = "kernel-manager"
# Where each server keeps its UserSites (in the web application's settings).
USER_SITES = "kernel_manager_user_sites"
# DELETE on a job waits this long for the cancellation to finish before it replies.
CANCEL_WAIT = 10.0


def _json_errors(method):
    """Turn the logic's refusals into ``{"message", "reason"}`` replies (one place)."""

    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except KernelManagerError as error:
            self.reply_error(error)

    return wrapper


# What each route needs from Jupyter's Authorizer (see authz.py and the README).
READ_SPECS = ("read", "kernelspecs")
WRITE_SPECS = ("write", "kernelspecs")
# Installers run the packages' build code, as a kernel runs code.
RUN_CODE = ("execute", "kernels")
READ_KERNELS = ("read", "kernels")


def _force_shuts_kernels(handler) -> tuple:
    """DELETE ?force=1 shuts down the kernels that use what is deleted."""
    return (
        (("write", "kernels"),)
        if handler.get_query_argument("force", "0", strip=False) == "1"
        else ()
    )


class _BaseHandler(APIHandler):
    # Only for jupyter_server's own checks; each verb names its permissions (requires).
    auth_resource = "kernelspecs"

    def initialize(
        self,
        km_config: KernelManagerConfig,
        environments: Environments,
        processes: Processes,
        part: str,
    ) -> None:
        # Not "options": that would hide tornado's options() (CORS preflight).
        self.km_config = km_config
        self.environments = environments
        self.processes = processes
        self.part = part

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().prepare(*args, **kwargs)
            if not self.km_config.enabled(self.part):
                await self._refuse_switched_off()
        except web.HTTPError as error:
            # Jupyter refuses with 403 whatever is wrong; a request that carries no
            # credentials at all gets 401 (RFC 9110) with the scheme to use.
            if error.status_code == 403 and self._carries_no_credentials():
                raise web.HTTPError(401, "Authentication is required.") from None
            raise

    async def _refuse_switched_off(self) -> None:
        """Every verb of a switched-off part: a 404 for whoever may use the verb
        (nothing but authentication for a verb the route does not have)."""
        verb = getattr(type(self), self.request.method.lower(), None)
        await check(self, permissions_of(verb))
        self.reply_error(
            NotFound(
                f"An administrator has switched {self.part} off on this server.",
                "switched-off",
            )
        )

    def reply_error(self, error: KernelManagerError) -> None:
        self.set_status(http_status(error))
        body = {"message": error.message, "reason": error.reason}
        # A refused requirements file names each refused line (requirementfiles.py).
        problems = getattr(error, "problems", None)
        self.finish({**body, "problems": problems} if problems is not None else body)

    def _carries_no_credentials(self) -> bool:
        return (
            getattr(self, "_jupyter_current_user", None) is None
            and "Authorization" not in self.request.headers
            and not self.request.cookies
            and not self.get_query_argument("token", "")
        )

    def write_error(self, status_code: int, **kwargs) -> None:
        # Set after tornado cleared the headers for the error reply.
        if status_code == 401:
            self.set_header("WWW-Authenticate", "token")
        elif status_code == 405:
            self.set_header("Allow", ", ".join(self._allowed_methods()))
        super().write_error(status_code, **kwargs)

    def _allowed_methods(self) -> list[str]:
        """The verbs this route answers: those its class defines, and OPTIONS."""
        return [
            method
            for method in self.SUPPORTED_METHODS
            if getattr(type(self), method.lower())
            is not getattr(web.RequestHandler, method.lower())
        ]

    async def _with_specs(self, function, *args, **kwargs):
        """Run ``function(spec_dirs, ...)`` in a thread: it reads the disk."""
        find = self.kernel_spec_manager.find_kernel_specs
        return await asyncio.to_thread(lambda: function(find(), *args, **kwargs))

    def _json_object(self) -> dict:
        return parse_json_object(self.request.body)

    def _force(self) -> bool:
        return parse_flag("force", self.get_query_argument("force", "0", strip=False))

    def _running_kernel_names(self) -> list[str]:
        return [kernel["name"] for kernel in self.kernel_manager.list_kernels()]

    def _accepted_job(self, job) -> None:
        self.set_status(202)
        self.set_header("Location", url_path_join(self.base_url, ROUTE_PREFIX, "jobs", job.id))
        self.finish({"job": job.id, "environment": job.environment})


class KernelspecsHandler(_BaseHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self):
        listing = await self._with_specs(
            kernelspecs.list_kernelspecs, self.km_config.protected_kernelspecs
        )
        self.finish(listing)


class KernelspecHandler(_BaseHandler):
    @web.authenticated
    @requires(WRITE_SPECS)
    @_json_errors
    async def patch(self, name: str):
        spec = await self._with_specs(
            kernelspecs.edit_kernelspec,
            name,
            self._json_object(),
            protected=self.km_config.protected_kernelspecs,
            max_length=self.km_config.max_display_name_length,
        )
        self.finish(spec)

    @web.authenticated
    @requires(WRITE_SPECS)
    @_json_errors
    async def delete(self, name: str):
        await self._with_specs(
            kernelspecs.remove_kernelspec,
            name,
            running=self._running_kernel_names(),
            force=self._force(),
            protected=self.km_config.protected_kernelspecs,
        )
        self.set_status(204)
        self.finish()


class _UserSiteHandler(_BaseHandler):
    def _user_sites(self) -> UserSites:
        # One per server (its probe cache), beside the Environments whose jobs it uses.
        sites = self.settings.get(USER_SITES)
        if sites is None:
            sites = self.settings.setdefault(USER_SITES, UserSites(self.environments))
        return sites

    async def _spec_dirs(self) -> dict:
        return await asyncio.to_thread(self.kernel_spec_manager.find_kernel_specs)


class UserPackagesHandler(_UserSiteHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self, name: str):
        self.finish(await self._user_sites().listing(await self._spec_dirs(), name))

    @web.authenticated
    @requires(WRITE_SPECS, RUN_CODE)
    @_json_errors
    async def post(self, name: str):
        body = self._json_object()
        job = await self._user_sites().install(await self._spec_dirs(), name, body)
        self._accepted_job(job)


class UserPackageHandler(_UserSiteHandler):
    @web.authenticated
    @requires(WRITE_SPECS)
    @_json_errors
    async def delete(self, name: str, package: str):
        self.finish(await self._user_sites().remove(await self._spec_dirs(), name, package))


class EnvironmentsHandler(_BaseHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self):
        listing = await self.environments.describe(self.kernel_spec_manager.find_kernel_specs)
        self.finish(listing)

    @web.authenticated
    @requires(WRITE_SPECS, RUN_CODE)
    @_json_errors
    async def post(self):
        job = await self.environments.create(
            self._json_object(), self.kernel_spec_manager.find_kernel_specs
        )
        self._accepted_job(job)


class BackendsHandler(_BaseHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self):
        # Waits for the detection started with the server.
        self.finish(await self.environments.describe_backends())


class EnvironmentHandler(_BaseHandler):
    @web.authenticated
    @requires(WRITE_SPECS, _force_shuts_kernels)
    @_json_errors
    async def delete(self, name: str):
        # With ?force=1 its kernels are shut down first: the reply names them.
        shut_down = await self.environments.remove(name, self.kernel_manager, force=self._force())
        self.finish({"shut_down": shut_down})


class ExportHandler(_BaseHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self, name: str):
        fmt = self.get_query_argument("format", "requirements.txt", strip=False)
        self.finish(await self.environments.export(name, fmt))


class CloneHandler(_BaseHandler):
    @web.authenticated
    @requires(WRITE_SPECS, RUN_CODE)
    @_json_errors
    async def post(self, name: str):
        job = await self.environments.clone(
            name, self._json_object(), self.kernel_spec_manager.find_kernel_specs
        )
        self._accepted_job(job)


class PackagesHandler(_BaseHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self, name: str):
        self.finish(await self.environments.packages(name))

    @web.authenticated
    @requires(WRITE_SPECS, RUN_CODE)
    @_json_errors
    async def post(self, name: str):
        job = await self.environments.install(name, self._json_object())
        self._accepted_job(job)


class _SharedHandler(_BaseHandler):
    @property
    def shared(self) -> SharedEnvironments:
        return self.settings["kernel_manager_shared"]


class SharedEnvironmentsHandler(_SharedHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self):
        find = self.kernel_spec_manager.find_kernel_specs
        self.finish(await self.shared.describe(self.current_user, find))

    @web.authenticated
    @requires(WRITE_SPECS, RUN_CODE)
    @_json_errors
    async def post(self):
        find = self.kernel_spec_manager.find_kernel_specs
        self._accepted_job(await self.shared.create(self.current_user, self._json_object(), find))


class SharedEnvironmentHandler(_SharedHandler):
    @web.authenticated
    @requires(WRITE_SPECS, _force_shuts_kernels)
    @_json_errors
    async def delete(self, name: str):
        shut_down = await self.shared.remove(
            self.current_user, name, self.kernel_manager, force=self._force()
        )
        self.finish({"shut_down": shut_down})


class SharedPackagesHandler(_SharedHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self, name: str):
        self.finish(await self.shared.packages(name))

    @web.authenticated
    @requires(WRITE_SPECS, RUN_CODE)
    @_json_errors
    async def post(self, name: str):
        job = await self.shared.install(self.current_user, name, self._json_object())
        self._accepted_job(job)


class SharedExportHandler(_SharedHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self, name: str):
        fmt = self.get_query_argument("format", "requirements.txt", strip=False)
        self.finish(await self.shared.export(name, fmt))


class JobsHandler(_BaseHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self):
        self.finish({"jobs": self.environments.jobs.summaries()})


class JobHandler(_BaseHandler):
    @web.authenticated
    @requires(READ_SPECS)
    @_json_errors
    async def get(self, job_id: str):
        since = parse_since(self.get_query_argument("since", "0", strip=False))
        self.finish(self.environments.jobs.get(job_id).details(since))

    @web.authenticated
    @requires(WRITE_SPECS)
    @_json_errors
    async def delete(self, job_id: str):
        job = self.environments.jobs.get(job_id)
        job.cancel()
        await job.wait(CANCEL_WAIT)
        self.set_status(202)
        self.finish(job.summary())


class ProcessesHandler(_BaseHandler):
    # Set by get(): the snapshot's hash of its bytes, so tornado does not hash them again.
    _etag: str | None = None

    @web.authenticated
    @requires(READ_KERNELS)
    @_json_errors
    async def get(self):
        all_users = parse_flag("all_users", self.get_query_argument("all_users", "0", strip=False))
        body = await self.processes.listing(
            all_users=all_users, is_admin=is_hub_admin(self.current_user)
        )
        self._etag = body.etag
        # The snapshot's bytes as they are: encoded and hashed once per scan.
        self.finish(body.data)

    def compute_etag(self) -> str | None:
        return self._etag if self._etag is not None else super().compute_etag()


class ProcessHistoryHandler(_BaseHandler):
    @web.authenticated
    @requires(READ_KERNELS)
    @_json_errors
    async def get(self):
        since = self.get_query_arguments("since", strip=False)
        flags = self.get_query_arguments("all_users", strip=False)
        if len(since) > 1:
            raise BadRequest("Give since once.", "invalid-since")
        if len(flags) > 1:
            raise BadRequest("Give all_users once.", "invalid-query")
        reply = await self.processes.history_reply(
            parse_epoch(since[0]) if since else None,
            all_users=parse_flag("all_users", flags[0]) if flags else False,
            is_admin=is_hub_admin(self.current_user),
        )
        self.finish(reply)


class ProcessSignalHandler(_BaseHandler):
    @web.authenticated
    @requires(RUN_CODE)
    @_json_errors
    async def post(self, pid: str):
        self.finish(self.processes.send_signal(pid, self._json_object()))


# (path under ROUTE_PREFIX, handler, the part of the API it belongs to). Any
# segment is accepted so a bad name gets a 400 JSON reply, not a bare 404 page.
# Tornado percent-decodes it once before the handler sees it ("a%2Fb" gives "a/b").
ROUTES = [
    ("kernelspecs", KernelspecsHandler, "kernelspecs"),
    ("kernelspecs/([^/]+)", KernelspecHandler, "kernelspecs"),
    ("kernelspecs/([^/]+)/user-packages", UserPackagesHandler, "kernelspecs"),
    ("kernelspecs/([^/]+)/user-packages/([^/]+)", UserPackageHandler, "kernelspecs"),
    ("environments", EnvironmentsHandler, "environments"),
    ("environments/([^/]+)", EnvironmentHandler, "environments"),
    ("environments/([^/]+)/packages", PackagesHandler, "environments"),
    ("environments/([^/]+)/export", ExportHandler, "environments"),
    ("environments/([^/]+)/clone", CloneHandler, "environments"),
    ("backends", BackendsHandler, "environments"),
    ("shared-environments", SharedEnvironmentsHandler, "environments"),
    ("shared-environments/([^/]+)", SharedEnvironmentHandler, "environments"),
    ("shared-environments/([^/]+)/packages", SharedPackagesHandler, "environments"),
    ("shared-environments/([^/]+)/export", SharedExportHandler, "environments"),
    ("jobs", JobsHandler, "environments"),
    ("jobs/([^/]+)", JobHandler, "environments"),
    ("processes", ProcessesHandler, "processes"),
    ("processes/history", ProcessHistoryHandler, "processes"),
    ("processes/([^/]+)/signal", ProcessSignalHandler, "processes"),
]


def setup_handlers(
    web_app,
    options: KernelManagerConfig,
    environments: Environments,
    processes: Processes,
) -> None:
    base = url_path_join(web_app.settings["base_url"], ROUTE_PREFIX)
    kwargs = {"km_config": options, "environments": environments, "processes": processes}
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, path), handler, {**kwargs, "part": part})
            for path, handler, part in ROUTES
        ],
    )
