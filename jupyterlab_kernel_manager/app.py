"""The server extension: its routes, and what runs from the server's start to its stop."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from . import kernelspecs
from .config import KernelManagerConfig
from .environments import Environments
from .handlers import setup_handlers
from .processes import Processes
from .shared import SharedEnvironments


class KernelManagerApp(ExtensionApp):
    """An ExtensionApp, not a bare module: only these get a hook at server stop."""

    name = "jupyterlab_kernel_manager"
    load_other_extensions = True

    def initialize_settings(self) -> None:
        serverapp = self.serverapp
        assert serverapp is not None
        # Where it always was: c.KernelManagerConfig in the server's config.
        config = KernelManagerConfig(parent=serverapp)
        self.km_config = config
        self.environments = Environments(config)
        self.processes = Processes(config, serverapp)
        if config.enabled("environments"):
            # No job runs yet: whatever a crashed or restarted server left is an orphan.
            removed = self.environments.sweep()
            if removed:
                serverapp.log.info("Removed unfinished environments: %s", ", ".join(removed))
            # Detection and health checks in the background, on the server's event
            # loop: queued now, run as soon as the loop runs (before any request).
            serverapp.io_loop.add_callback(self.environments.start)
        if config.enabled("processes"):
            # The history's idle sampling (nothing when the history is off).
            serverapp.io_loop.add_callback(self.processes.start)
        if config.enabled("environments") or config.enabled("kernelspecs"):
            # Both remove kernelspecs through the kernels directory's trash.
            kernelspecs.sweep_trash(kernelspecs.user_kernels_dir())
        self.settings.update(
            kernel_manager_environments=self.environments,
            kernel_manager_shared=SharedEnvironments(self.environments),
            kernel_manager_processes=self.processes,
        )

    def initialize_handlers(self) -> None:
        assert self.serverapp is not None
        setup_handlers(self.serverapp.web_app, self.km_config, self.environments, self.processes)

    async def stop_extension(self) -> None:
        await self.environments.close()
        await self.processes.close()
