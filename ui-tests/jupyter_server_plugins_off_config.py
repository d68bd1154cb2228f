"""Configuration of the second `jupyter lab` of the Galata tests (the
`plugins-off` project of playwright.config.js): the test configuration, with
a part of the kernel manager's REST API switched off, as an administrator
would write it.

Set here, not in a jupyter_server_config.json of the server's configuration
directory: a server started with `--config FILE` reads that file only. (The
frontend plugins it disables are in <config dir>/labconfig/page_config.json,
which JupyterLab reads whatever `--config` says; playwright.config.js writes it.)
"""

load_subconfig("jupyter_server_test_config.py")  # noqa: F821 (provided by traitlets' config loader)

c.KernelManagerConfig.disabled_routes = ["processes"]  # noqa: F821
