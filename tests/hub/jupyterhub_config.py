"""JupyterHub configuration of the hub that the hub tests and the demo start.

``hub_launcher.py`` runs ``jupyterhub -f`` on this file with ``$KM_HUB_SETTINGS``
naming a JSON file of what changes per run: ports, paths, the tests' service token,
the Python of the single-user servers and the prefix of their Unix accounts.
"""

import asyncio
import json
import os
import pwd
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)
settings = json.loads(Path(os.environ["KM_HUB_SETTINGS"]).read_text())

# --- what the Hub section of the extension needs -------------------------------
# The scopes of each JupyterLab page's OAuth token, bounded by the owner of the
# server: kernel_manager_scopes.py beside this file, whose text README.md gives
# word for word for TLJH (a file in jupyterhub_config.d, loaded as here) and Zero
# to JupyterHub. hub_launcher.py names it (or, on purpose, another one).
SCOPES = Path(settings["scopes_config"])
if not SCOPES.is_file():  # load_subconfig would pass over it in silence
    raise FileNotFoundError(SCOPES)
load_subconfig(str(SCOPES))  # noqa: F821 (defined by traitlets, as c is)

# --- addresses, all on 127.0.0.1 -----------------------------------------------
c.JupyterHub.bind_url = settings["bind_url"]
c.JupyterHub.hub_bind_url = settings["hub_bind_url"]
c.ConfigurableHTTPProxy.api_url = settings["proxy_api_url"]
c.ConfigurableHTTPProxy.command = [settings["proxy"]]

# --- state in the run's private directory (the working directory) -----------------
c.JupyterHub.db_url = "sqlite:///jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = "jupyterhub-proxy.pid"

# --- who may log in ------------------------------------------------------------------
# Any name with the user password; "admin" only with the admin password.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = settings["user_password"]
c.SharedPasswordAuthenticator.admin_password = settings["admin_password"]
c.Authenticator.admin_users = {settings["admin"]}
c.Authenticator.allow_all = True

# The tests call the REST API as this service, an admin, without logging in.
c.JupyterHub.services = [
    {"name": "km-tests", "api_token": settings["service_token"]},
]
c.JupyterHub.load_roles = [
    {
        "name": "km-tests",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"],
        "services": ["km-tests"],
    },
]

# --- single-user servers -------------------------------------------------------------
c.Spawner.cmd = [settings["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
# Named servers, as the Hub section lists and creates them (TLJH leaves them off;
# the section then learns so from the hub's 400).
c.JupyterHub.allow_named_servers = True
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.JupyterHub.concurrent_spawn_limit = 5


def account_exists(name):
    try:
        return bool(pwd.getpwnam(name))
    except KeyError:
        return False


class AccountSpawner(LocalProcessSpawner):
    """Runs hub user NAME's server as the Unix account <prefix>NAME, made on its
    first start, as TLJH runs it as jupyter-NAME. The prefix, unique per run,
    keeps these throwaway accounts apart from real ones and from other runs."""

    # useradd fails while another useradd holds /etc/passwd: one at a time here,
    # and a few tries against other processes.
    _useradd_lock = asyncio.Lock()

    def unix_name(self):
        return settings["unix_prefix"] + self.user.name

    async def start(self):
        name = self.unix_name()
        async with self._useradd_lock:
            for _ in range(5):
                if account_exists(name):
                    break
                useradd = await asyncio.create_subprocess_exec(
                    "useradd",
                    "--create-home",
                    "--shell",
                    "/bin/sh",
                    "--comment",
                    settings["account_comment"],
                    name,
                )
                if await useradd.wait() == 0:
                    break
                await asyncio.sleep(0.5)
            else:
                raise RuntimeError(f"useradd {name} failed")
            group = settings.get("sudo_group")
            if group and self.user.admin:
                # As TLJH puts hub admins in jupyterhub-admins (passwordless sudo).
                usermod = await asyncio.create_subprocess_exec("usermod", "-aG", group, name)
                await usermod.wait()
        return await super().start()

    def make_preexec_fn(self, name):
        return super().make_preexec_fn(self.unix_name())

    def user_env(self, env):
        account = pwd.getpwnam(self.unix_name())
        env.update(USER=account.pw_name, HOME=account.pw_dir, SHELL=account.pw_shell)
        return env


if settings["unix_accounts"]:
    c.JupyterHub.spawner_class = AccountSpawner
    # The extension's name for that naming, so that an admin's all-users process
    # list says whose server each account runs, as "jupyter-{username}" (its
    # default) does on TLJH. settings["hub_unix_user_template"] = "" turns it off
    # (the Hub section then asks every server through the proxy).
    template = settings.get("hub_unix_user_template", settings["unix_prefix"] + "{username}")
    c.Spawner.args = [f"--KernelManagerConfig.hub_unix_user_template={template}"]
else:
    # Everybody's server runs as the one user running the hub, in its own home
    # (root too, in the tests of that case: Jupyter Server then needs allow_root).
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = settings["home_dir_template"]
    if os.geteuid() == 0:
        c.Spawner.args = ["--ServerApp.allow_root=True"]
