"""Configuration of the `jupyter lab` that the Galata tests run against.

Playwright starts it (webServer in playwright.config.js) with JUPYTER_DATA_DIR
and KM_TEST_DATA_DIR pointing at a throwaway directory. When it is started by
hand (`jlpm start`), the same isolation is set up here.

Never use this configuration elsewhere: it turns off authentication.
"""

import os
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

# Galata's helper: a temporary root_dir and workspaces dir, no token, no XSRF
# check, the galata helper labextension, and `window.jupyterapp` exposed.
configure_jupyter_server(c)  # noqa: F821 (`c` is provided by traitlets' config loader)

c.ServerApp.port = int(os.environ.get("KM_UI_TEST_PORT", "8899"))  # noqa: F821

# User-level Jupyter data (kernelspecs in <dir>/kernels, ...) must never touch
# the real home directory.
data_dir = os.environ.get("KM_TEST_DATA_DIR") or mkdtemp(prefix="km-ui-tests-")
os.environ["KM_TEST_DATA_DIR"] = data_dir
os.environ["JUPYTER_DATA_DIR"] = data_dir

if hasattr(os, "geteuid") and os.geteuid() == 0:
    c.ServerApp.allow_root = True  # noqa: F821
