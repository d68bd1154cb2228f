"""Thin REST routes under ``<base_url>/kernel-manager/`` over the logic modules."""

from __future__ import annotations

import asyncio
import functools
import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from . import kernelspecs
from .config import KernelManagerConfig
from .environments import Environments
from .errors import BadRequest, KernelManagerError, http_status
from .hub import is_hub_admin
from .processes import Processes

# DELETE on a job waits this long for the cancellation to finish before it replies.
CANCEL_WAIT = 10.0


def _json_errors(method):
    """Turn the logic's refusals into ``{"message", "reason"}`` replies (one place)."""

    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except KernelManagerError as error:
            self.set_status(http_status(error))
            self.finish({"message": error.message, "reason": error.reason})

    return wrapper


class _BaseHandler(APIHandler):
    # Jupyter's Authorizer sees these routes as reads and writes of kernelspecs.
    auth_resource = "kernelspecs"

    def initialize(
        self,
        options: KernelManagerConfig,
        environments: Environments,
        processes: Processes,
    ) -> None:
        self.options = options
        self.environments = environments
        self.processes = processes

    async def _with_specs(self, function, *args, **kwargs):
        """Run ``function(spec_dirs, ...)`` in a thread: it reads the disk."""
        find = self.kernel_spec_manager.find_kernel_specs
        return await asyncio.to_thread(lambda: function(find(), *args, **kwargs))

    def _json_object(self) -> dict:
        try:
            body = json.loads(self.request.body)
        except ValueError:
            raise BadRequest("The request body is not JSON.", "invalid-json") from None
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.", "invalid-body")
        return body

    def _running_kernel_names(self) -> list[str]:
        return [kernel["name"] for kernel in self.kernel_manager.list_kernels()]

    def _accepted_job(self, job) -> None:
        self.set_status(202)
        self.set_header(
            "Location", url_path_join(self.base_url, "kernel-manager", "jobs", job.id)
        )
        self.finish({"job": job.id, "environment": job.environment})


class KernelspecsHandler(_BaseHandler):
    @web.authenticated
    @authorized
    @_json_errors
    async def get(self):
        listing = await self._with_specs(
            kernelspecs.list_kernelspecs, self.options.protected_kernelspecs
        )
        self.finish(listing)


class KernelspecHandler(_BaseHandler):
    @web.authenticated
    @authorized
    @_json_errors
    async def patch(self, name: str):
        changes = self._json_object()
        if set(changes) != {"display_name"}:
            raise BadRequest(
                'The body must be exactly {"display_name": ...}.', "invalid-body"
            )
        spec = await self._with_specs(
            kernelspecs.rename_kernelspec,
            name,
            changes["display_name"],
            protected=self.options.protected_kernelspecs,
            max_length=self.options.max_display_name_length,
        )
        self.finish(spec)

    @web.authenticated
    @authorized
    @_json_errors
    async def delete(self, name: str):
        await self._with_specs(
            kernelspecs.remove_kernelspec,
            name,
            running=self._running_kernel_names(),
            force=self.get_query_argument("force", "0") == "1",
            protected=self.options.protected_kernelspecs,
        )
        self.set_status(204)
        self.finish()


class EnvironmentsHandler(_BaseHandler):
    @web.authenticated
    @authorized
    @_json_errors
    async def get(self):
        listing = await self.environments.describe(
            self.kernel_spec_manager.find_kernel_specs
        )
        self.finish(listing)

    @web.authenticated
    @authorized
    @_json_errors
    async def post(self):
        job = await self.environments.create(
            self._json_object(), self.kernel_spec_manager.find_kernel_specs
        )
        self._accepted_job(job)


class EnvironmentHandler(_BaseHandler):
    @web.authenticated
    @authorized
    @_json_errors
    async def delete(self, name: str):
        await self.environments.remove(
            name,
            self._running_kernel_names(),
            force=self.get_query_argument("force", "0") == "1",
        )
        self.set_status(204)
        self.finish()


class PackagesHandler(_BaseHandler):
    @web.authenticated
    @authorized
    @_json_errors
    async def get(self, name: str):
        self.finish(await self.environments.packages(name))

    @web.authenticated
    @authorized
    @_json_errors
    async def post(self, name: str):
        job = await self.environments.install(name, self._json_object())
        self._accepted_job(job)


class JobsHandler(_BaseHandler):
    @web.authenticated
    @authorized
    @_json_errors
    async def get(self):
        self.finish({"jobs": self.environments.jobs.summaries()})


class JobHandler(_BaseHandler):
    @web.authenticated
    @authorized
    @_json_errors
    async def get(self, job_id: str):
        since = self.get_query_argument("since", "0")
        if not (since.isascii() and since.isdigit()):
            raise BadRequest("since must be a non-negative integer.", "invalid-since")
        self.finish(self.environments.jobs.get(job_id).details(int(since)))

    @web.authenticated
    @authorized
    @_json_errors
    async def delete(self, job_id: str):
        job = self.environments.jobs.get(job_id)
        job.cancel()
        await job.wait(CANCEL_WAIT)
        self.set_status(202)
        self.finish(job.summary())


class ProcessesHandler(_BaseHandler):
    # Seeing and signalling every process of the server's user: the whole server.
    auth_resource = "server"
    # Set by get(): the snapshot's hash of its bytes, so tornado does not hash them again.
    _etag: str | None = None

    @web.authenticated
    @authorized
    @_json_errors
    async def get(self):
        all_users = self.get_query_argument("all_users", "0")
        if all_users not in ("0", "1"):
            raise BadRequest("all_users must be 0 or 1.", "invalid-query")
        body = await self.processes.listing(
            all_users=all_users == "1", is_admin=is_hub_admin(self.current_user)
        )
        self._etag = body.etag
        # The snapshot's bytes as they are: encoded and hashed once per scan.
        self.finish(body.data)

    def compute_etag(self) -> str | None:
        return self._etag if self._etag is not None else super().compute_etag()


class ProcessSignalHandler(_BaseHandler):
    auth_resource = "server"

    @web.authenticated
    @authorized
    @_json_errors
    async def post(self, pid: str):
        self.finish(self.processes.send_signal(pid, self._json_object()))


def setup_handlers(
    web_app,
    options: KernelManagerConfig,
    environments: Environments,
    processes: Processes,
) -> None:
    base = url_path_join(web_app.settings["base_url"], "kernel-manager")
    kwargs = {"options": options, "environments": environments, "processes": processes}
    # Any segment is accepted so a bad name gets a 400 JSON reply, not a bare 404 page.
    # Tornado percent-decodes it once before the handler sees it ("a%2Fb" gives "a/b").
    routes = [
        ("kernelspecs", KernelspecsHandler),
        ("kernelspecs/([^/]+)", KernelspecHandler),
        ("environments", EnvironmentsHandler),
        ("environments/([^/]+)", EnvironmentHandler),
        ("environments/([^/]+)/packages", PackagesHandler),
        ("jobs", JobsHandler),
        ("jobs/([^/]+)", JobHandler),
        ("processes", ProcessesHandler),
        ("processes/([^/]+)/signal", ProcessSignalHandler),
    ]
    web_app.add_handlers(
        ".*$",
        [(url_path_join(base, path), handler, kwargs) for path, handler in routes],
    )
