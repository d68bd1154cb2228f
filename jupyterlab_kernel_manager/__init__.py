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

from .app import KernelManagerApp
from .config import KernelManagerConfig
from .jobs import kill_all_registries

__all__ = ["KernelManagerApp", "KernelManagerConfig", "__version__"]

# Jobs still running when the process exits are killed; the next start sweeps
# what they leave.
atexit.register(kill_all_registries)


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-kernel-manager"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_kernel_manager", "app": KernelManagerApp}]
