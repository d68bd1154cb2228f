"""A JupyterLab extension to list, rename and remove kernelspecs."""

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

from .config import KernelManagerConfig
from .handlers import setup_handlers


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-kernel-manager"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_kernel_manager"}]


def _load_jupyter_server_extension(serverapp):
    """Register the REST routes with the running Jupyter Server."""
    config = KernelManagerConfig(parent=serverapp)
    setup_handlers(serverapp.web_app, config)
    serverapp.log.info("Registered jupyterlab_kernel_manager server extension")
