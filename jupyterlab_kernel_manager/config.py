"""What an admin sets in jupyter_server_config.py (``c.KernelManagerConfig...``)."""

from traitlets import Int, List, Unicode
from traitlets.config import Configurable


class KernelManagerConfig(Configurable):
    """Configuration of the kernel manager server extension."""

    max_display_name_length = Int(
        256,
        min=1,
        help="Longest display name (in characters) a user may give a kernelspec.",
    ).tag(config=True)

    protected_kernelspecs = List(
        Unicode(),
        default_value=[],
        help=(
            "Names of kernelspecs users may never rename or remove, "
            "even when they live in the user's own kernels directory."
        ),
    ).tag(config=True)
