"""A JupyterLab extension to manage kernelspecs and the environments behind them."""

try:
    from ._version import __version__
except ImportError:
    # Fallback when using the package in dev mode without installing in editable mode
    # with pip. It is highly recommended to install the package from a stable release or
    # in editable mode: https://pip.pypa.io/en/stable/topics/local-project-installs/#editable-installs
    import warnings

    warnings.warn(
        "Importing 'jupyterlab_kernel_manager' outside a proper installation.",
        stacklevel=2,
    )
    __version__ = "dev"

import atexit

from . import kernelspecs
from .config import KernelManagerConfig
from .environments import Environments
from .handlers import setup_handlers
from .jobs import kill_all_registries
from .processes import Processes

# Module extensions get no shutdown hook: stop running jobs when the process exits.
atexit.register(kill_all_registries)


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-kernel-manager"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_kernel_manager"}]


def _load_jupyter_server_extension(serverapp):
    """Register the REST routes with the running Jupyter Server."""
    config = KernelManagerConfig(parent=serverapp)
    environments = Environments(config)
    # No job runs yet: whatever a crashed or restarted server left is an orphan.
    removed = environments.sweep()
    if removed:
        serverapp.log.info("Removed unfinished environments: %s", ", ".join(removed))
    kernelspecs.sweep_trash(kernelspecs.user_kernels_dir())
    serverapp.web_app.settings["kernel_manager_environments"] = environments
    processes = Processes(config, serverapp)
    serverapp.web_app.settings["kernel_manager_processes"] = processes
    setup_handlers(serverapp.web_app, config, environments, processes)
    serverapp.log.info("Registered jupyterlab_kernel_manager server extension")
