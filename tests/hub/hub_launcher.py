"""A real JupyterHub (from PyPI) with configurable-http-proxy (from npm) on 127.0.0.1.

Used by the hub tests (``conftest.py`` beside this file) and, run as a script, by
``scripts/demo-hub.sh``::

    .venv/bin/python tests/hub/hub_launcher.py [--port 8000] [--info-file hub.json]

and by the hub's Galata tests (ui-tests/hub-global-setup.js), with ``--users ''``
(nobody but admin), ``--port 0`` (any free port) and ``--stop-with-parent``.

The hub's configuration is ``jupyterhub_config.py`` beside this file. Users log in
with a shared password (``admin`` with its own); ``admin`` is the hub admin.

Where the single-user servers come from:

- As root, as on TLJH, each hub user's server runs as a Unix account of its own
  (``kmh<run>-<name>``, made on its first start and removed when the hub stops), so
  it needs a Python that account can read: a venv from Debian's python3 in /var/tmp
  (``unix_users.shared_python``) with JupyterLab, JupyterHub and this project's
  dependencies, into which this project's wheel, built from the checkout, is
  installed (again whenever it changes), as TLJH's README section does with pip.
- Otherwise every server runs as the current user from .venv, where
  scripts/setup.sh installed all of it (SimpleLocalProcessSpawner).

``$KM_JUPYTERHUB_SPEC`` (default ``jupyterhub>=5,<6``, the line TLJH pins) picks
the JupyterHub release; any other spec gets a venv of its own, also when not root.
The hub runs from the same Python as the servers, so both are one release.

The scopes of the users' page tokens come from ``kernel_manager_scopes.py``, the
README's text. ``$KM_HUB_SCOPES_CONFIG`` names another file in its place, only to
check that the tests catch a wrong one (``unsafe_static_scopes.py``, the static
list that this project once recommended and that gave servers their visitors'
admin scopes: ``test_hub_scopes.py`` must fail with it).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import ctypes
import hashlib
import html
import importlib.metadata
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import psutil
import requests
import tomllib

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script: unix_users is in tests/
    sys.path.insert(0, str(HERE.parent))

import shared_setup  # noqa: E402
from shared_setup import SharedEnvironmentsSetup  # noqa: E402
from unix_users import INSTALL_OPTIONS, locked, remove_account, shared_python  # noqa: E402

from jupyterlab_kernel_manager.backends import find_uv  # noqa: E402

ROOT = HERE.parents[1]
CONFIG = HERE / "jupyterhub_config.py"
SCOPES_CONFIG = HERE / "kernel_manager_scopes.py"
DEFAULT_SPEC = "jupyterhub>=5,<6"
ADMIN = "admin"
USERS = ("alice", "bob")
USER_PASSWORD = "kernel-manager-demo"
# SharedPasswordAuthenticator wants at least 32 characters for admins.
ADMIN_PASSWORD = "kernel-manager-demo-admin-password"
ACCOUNT_COMMENT = "kernel-manager test hub, pid {pid}"
START_TIMEOUT = 60.0
SPAWN_TIMEOUT = 120.0
PAGINATION = "application/jupyterhub-pagination+json"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PROXY_MISSING = (
    "configurable-http-proxy (hub/node_modules) or node is missing: run scripts/setup.sh"
)
CANNOT_START = 3  # exit status of --check


def jupyterhub_spec() -> str:
    return os.environ.get("KM_JUPYTERHUB_SPEC") or DEFAULT_SPEC


def proxy_command() -> Path | None:
    """configurable-http-proxy from hub/node_modules (scripts/setup.sh installs it)."""
    found = Path(
        os.environ.get("KM_CONFIGURABLE_HTTP_PROXY")
        or ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
    )
    if found.is_file() and os.access(found, os.X_OK) and shutil.which("node"):
        return found
    return None


def scopes_config() -> Path:
    """The file that sets ``c.Spawner.oauth_client_allowed_scopes`` for this run."""
    return Path(os.environ.get("KM_HUB_SCOPES_CONFIG") or SCOPES_CONFIG).resolve()


def granted_scopes() -> list[str]:
    """The scopes of ``c.Spawner.oauth_client_allowed_scopes`` in
    kernel_manager_scopes.py: all that an admin's page gets (anybody else's page
    gets those its owner holds)."""
    for node in ast.walk(ast.parse(SCOPES_CONFIG.read_text())):
        if (
            isinstance(node, ast.Assign)
            and ast.unparse(node.targets[0]) == "c.Spawner.oauth_client_allowed_scopes"
        ):
            return ast.literal_eval(node.value.args[0])  # OwnerBoundScopes([...])
    raise LookupError(f"no oauth_client_allowed_scopes in {SCOPES_CONFIG}")


def free_port(preferred: int | None = None) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred or 0))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubError(RuntimeError):
    pass


class Hub:
    """One JupyterHub and its proxy, started and stopped by ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        port: int | None = None,
        spec: str | None = None,
        unix_accounts: bool | None = None,
    ):
        self.spec = spec or jupyterhub_spec()
        self.port = free_port(port)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.as_root = os.geteuid() == 0
        # One Unix account per hub user (as on TLJH) needs root; without them
        # every server runs as the hub's own user (SimpleLocalProcessSpawner).
        self.unix_accounts = self.as_root if unix_accounts is None else unix_accounts
        if self.unix_accounts and not self.as_root:
            raise HubError("one Unix account per hub user needs root")
        self.service_token = secrets.token_hex(16)
        self.scopes_config = scopes_config()
        # Unique per run, so that concurrent runs never share an account.
        self.unix_prefix = f"kmh{secrets.token_hex(2)}-"
        self.work: Path | None = None
        self.process: subprocess.Popen | None = None
        self.version: str | None = None
        self.python: str | None = None  # of the hub and the servers
        # As root: hub admins may share environments (sudo, as on TLJH).
        self.shared: SharedEnvironmentsSetup | None = None

    # --- life cycle --------------------------------------------------------------

    def start(self, users=USERS) -> Hub:
        """Starts the hub, waits until it answers, and adds ``users``."""
        proxy = proxy_command()
        if proxy is None:
            raise HubError(PROXY_MISSING)
        remove_leftovers()
        self.work = Path(tempfile.mkdtemp(prefix=f"km-hub-{os.getpid()}-"))
        private = self.work / "hub"
        private.mkdir(mode=0o700)
        self.python = python = self._runtime()
        if self.unix_accounts:
            self.shared = SharedEnvironmentsSetup(self.unix_prefix, python).start()
        settings = {
            "bind_url": self.url,
            "hub_bind_url": f"http://127.0.0.1:{free_port()}",
            "proxy_api_url": f"http://127.0.0.1:{free_port()}",
            "proxy": str(proxy),
            "user_password": USER_PASSWORD,
            "admin_password": ADMIN_PASSWORD,
            "admin": ADMIN,
            "service_token": self.service_token,
            "python": python,
            "unix_accounts": self.unix_accounts,
            "unix_prefix": self.unix_prefix,
            "account_comment": ACCOUNT_COMMENT.format(pid=os.getpid()),
            "home_dir_template": str(self.work / "home" / "{username}"),
            "scopes_config": str(self.scopes_config),
            "sudo_group": self.shared.group if self.shared else None,
        }
        settings_file = private / "settings.json"
        settings_file.write_text(json.dumps(settings, indent=1))
        bin_dir = str(Path(python).parent)
        env = {
            "PATH": f"{bin_dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "HOME": str(private),
            "KM_HUB_SETTINGS": str(settings_file),
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [python, "-m", "jupyterhub", "-f", str(CONFIG)],
                cwd=private,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=stop_with_parent,
            )
        try:
            self._wait_until_up()
            if users:
                created = self.api("POST", "users", json={"usernames": list(users)})
                if created.status_code != 201:
                    raise HubError(f"adding {users}: {created.status_code} {created.text}")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> list[str]:
        """Stops the hub (which stops the servers and the proxy); kills whatever it
        left and removes the run's Unix accounts. Returns what had to be killed."""
        leftovers: list[str] = []
        if self.process is not None:
            spawned = []
            with contextlib.suppress(psutil.Error):
                spawned = psutil.Process(self.process.pid).children(recursive=True)
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(45)
                except subprocess.TimeoutExpired:
                    leftovers.append(f"jupyterhub {self.process.pid}")
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
            for proc in psutil.wait_procs(spawned, timeout=5)[1]:
                with contextlib.suppress(psutil.Error):
                    leftovers.append(f"{proc.pid} {' '.join(proc.cmdline())}")
                    proc.kill()
            self.process = None
        if self.as_root:
            for account in self.accounts():
                uid = account.pw_uid
                for proc in psutil.process_iter(["uids", "cmdline"]):
                    if proc.info["uids"] and proc.info["uids"].real == uid:
                        leftovers.append(f"{proc.pid} {' '.join(proc.info['cmdline'])}")
                remove_account(account.pw_name)
        if self.shared is not None:
            self.shared.stop()
            self.shared = None
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
            self.work = None
        return leftovers

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def log_path(self) -> Path:
        return self.work / "hub" / "jupyterhub.log"

    def log_tail(self, chars: int = 4000) -> str:
        with contextlib.suppress(OSError, TypeError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise HubError(f"jupyterhub exited:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                reply = requests.get(f"{self.url}hub/api/", timeout=5)
                if reply.status_code == 200:
                    self.version = reply.json()["version"]
                    return
            if time.monotonic() > deadline:
                raise HubError(f"jupyterhub not up after {START_TIMEOUT} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def _runtime(self) -> str:
        """The python of the hub and the servers."""
        if not self.as_root and self.spec == DEFAULT_SPEC:
            return sys.executable
        python = shared_python(runtime_requirements(self.spec))
        install_project(python)
        return python

    # --- Unix accounts (root) ------------------------------------------------------

    def unix_name(self, user: str) -> str:
        """The Unix account that runs ``user``'s server."""
        return self.unix_prefix + user if self.unix_accounts else pwd.getpwuid(os.getuid()).pw_name

    def accounts(self) -> list[pwd.struct_passwd]:
        return [a for a in pwd.getpwall() if a.pw_name.startswith(self.unix_prefix)]

    # --- REST API --------------------------------------------------------------------

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        """``<hub>/hub/api/<path>`` through the proxy, as the tests' admin service
        unless another ``token`` is given."""
        headers = {"Authorization": f"token {token or self.service_token}"}
        headers.update(kwargs.pop("headers", {}))
        return requests.request(
            method, f"{self.url}hub/api/{path}", headers=headers, timeout=30, **kwargs
        )

    def user_token(self, user: str, scopes=None) -> str:
        """A new API token of ``user``'s, limited to ``scopes`` (default: all of
        the user's own permissions)."""
        reply = self.api(
            "POST",
            f"users/{user}/tokens",
            json={"scopes": scopes or ["inherit"], "note": "kernel-manager tests"},
        )
        if reply.status_code != 201:
            raise HubError(f"token for {user}: {reply.status_code} {reply.text}")
        return reply.json()["token"]

    def login(self, user: str, password: str | None = None) -> requests.Session:
        """A session logged in through /hub/login, as a browser does."""
        if password is None:
            password = ADMIN_PASSWORD if user == ADMIN else USER_PASSWORD
        session = requests.Session()
        form = session.get(f"{self.url}hub/login", timeout=30)
        form.raise_for_status()
        xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', form.text)
        if xsrf is None:
            raise HubError("no _xsrf field in the login form")
        reply = session.post(
            f"{self.url}hub/login",
            data={"username": user, "password": password, "_xsrf": xsrf.group(1)},
            allow_redirects=False,
            timeout=30,
        )
        if reply.status_code != 302:
            raise HubError(f"login as {user}: {reply.status_code}")
        return session

    def open_page(self, session: requests.Session, path: str) -> Page:
        """Opens the JupyterLab page at ``<hub>/<path>`` with ``session``'s
        cookies, as a browser does: through the server's OAuth redirects and, on
        somebody else's server, the hub's "Authorize access" form, which it
        submits with the scopes the hub put in it."""
        reply = session.get(f"{self.url}{path}", timeout=60)
        reply.raise_for_status()
        authorized = []
        if reply.url.split("?")[0] == f"{self.url}hub/api/oauth2/authorize":
            authorized = form_values(reply.text, "scopes")
            (xsrf,) = form_values(reply.text, "_xsrf")
            reply = session.post(reply.url, data={"_xsrf": xsrf, "scopes": authorized}, timeout=60)
            reply.raise_for_status()
        found = re.search(
            r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
            reply.text,
            re.DOTALL,
        )
        if found is None:
            raise HubError(f"no jupyter-config-data in {reply.url}")
        return Page(reply.url, json.loads(html.unescape(found.group(1))), authorized)

    def wait_for_server(self, user: str, *, ready: bool) -> dict:
        """Waits until ``user``'s default server is ready (or gone)."""
        deadline = time.monotonic() + SPAWN_TIMEOUT
        while True:
            model = self.api("GET", f"users/{user}").json()
            server = model.get("servers", {}).get("")
            if ready and server and server["ready"]:
                return server
            if not ready and not server:
                return {}
            if ready and not server and not model.get("pending"):
                raise HubError(f"{user}'s server failed to start:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise HubError(
                    f"{user}'s server: still not {'up' if ready else 'down'}\n{self.log_tail()}"
                )
            time.sleep(0.25)


class Page(NamedTuple):
    url: str
    config: dict  # its PageConfig: "token" is the page's hub token
    authorized: list[str]  # the scopes its user authorized on the hub's form, if asked


def form_values(page: str, name: str) -> list[str]:
    """The values of the hidden inputs named ``name`` in a hub page's form."""
    pattern = rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"'
    return [html.unescape(value) for value in re.findall(pattern, page)]


def stop_with_parent() -> None:
    """In the hub's child process: SIGTERM when the launcher dies, even by SIGKILL
    (a test run killed on time-out), so that the hub still stops its servers."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def runtime_requirements(spec: str) -> tuple[str, ...]:
    """This project's dependencies, the JupyterLab of .venv (the one its
    labextension is built for), ipykernel for notebooks, and ``spec``."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    lab = importlib.metadata.version("jupyterlab")
    return (*dependencies, f"jupyterlab=={lab}", "ipykernel", spec)


def install_project(python: str) -> None:
    """The wheel of the checkout (built labextension included) into ``python``'s
    venv, unless that very wheel is there already."""
    if not (ROOT / "jupyterlab_kernel_manager" / "labextension" / "package.json").is_file():
        raise HubError("the labextension is not built: run scripts/setup.sh")
    venv = Path(python).parents[1]
    stamp = venv / ".km-project"
    with tempfile.TemporaryDirectory() as wheels:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--wheel-dir",
                wheels,
                str(ROOT),
            ],
            check=True,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
            timeout=180,
        )
        (wheel,) = Path(wheels).glob("*.whl")
        # hatchling's wheels are reproducible: same sources, same bytes.
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        with locked("km-test-venv.lock", wait=300):
            if stamp.is_file() and stamp.read_text() == digest:
                return
            subprocess.run(
                [
                    find_uv(),
                    "pip",
                    "install",
                    *INSTALL_OPTIONS,
                    "--no-deps",
                    "--reinstall",
                    "--python",
                    python,
                    str(wheel),
                ],
                check=True,
                timeout=180,
            )
            subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
            stamp.write_text(digest)


def remove_leftovers() -> None:
    """Directories and accounts of hubs whose launcher died without stopping them
    (their hub stopped itself: see ``stop_with_parent``)."""
    for work in Path(tempfile.gettempdir()).glob("km-hub-*-*"):
        pid = work.name.split("-")[2]
        if (
            pid.isdigit()
            and not psutil.pid_exists(int(pid))
            and work.owner() == pwd.getpwuid(os.getuid()).pw_name
        ):
            shutil.rmtree(work, ignore_errors=True)
    if os.geteuid() != 0:
        return
    pattern = re.compile(re.escape(ACCOUNT_COMMENT).replace(r"\{pid\}", r"(\d+)"))
    for account in pwd.getpwall():
        match = pattern.fullmatch(account.pw_gecos)
        if match and not psutil.pid_exists(int(match.group(1))):
            remove_account(account.pw_name)
    prefixes = {a.pw_name[:8] for a in pwd.getpwall() if re.match(r"kmh[0-9a-f]{4}-", a.pw_name)}
    shared_setup.remove_leftovers(psutil.pid_exists, prefixes)


def write_private_json(path: Path, data: dict) -> None:
    """Whole or not at all (a reader waits for the file to appear), and for this
    user's eyes only: it holds the service token."""
    part = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=1)
    os.replace(part, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="taken if free (default 8000)")
    parser.add_argument(
        "--spec",
        default=None,
        help=f"JupyterHub requirement (default $KM_JUPYTERHUB_SPEC or {DEFAULT_SPEC})",
    )
    parser.add_argument(
        "--info-file",
        type=Path,
        help="write the URL, passwords and service token there as JSON",
    )
    parser.add_argument(
        "--users",
        default=",".join(USERS),
        help="comma-separated users to add besides admin (default %(default)s; '' for none)",
    )
    parser.add_argument(
        "--stop-with-parent",
        action="store_true",
        help="stop the hub when the process that started this one exits, "
        "even when it is killed (a test runner)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that a hub can start here: exit 0, or print why not "
        f"and exit {CANNOT_START}",
    )
    args = parser.parse_args(argv)
    users = tuple(name.strip() for name in args.users.split(",") if name.strip())

    if args.check:
        if proxy_command() is None:
            print(PROXY_MISSING, file=sys.stderr)
            return CANNOT_START
        return 0

    hub = Hub(port=args.port, spec=args.spec)
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if args.stop_with_parent:
        parent = os.getppid()
        stop_with_parent()
        if os.getppid() != parent:  # it died before prctl
            return 1
    print(f"Starting JupyterHub ({hub.spec}) on {hub.url} ...", flush=True)
    if hub.scopes_config != SCOPES_CONFIG:
        print(f"WARNING: scopes from {hub.scopes_config}, not the README's", flush=True)
    try:
        hub.start(users)
        if stopping:
            return 1
        info = {
            "url": hub.url,
            "version": hub.version,
            "admin": ADMIN,
            "users": list(users),
            "user_password": USER_PASSWORD,
            "admin_password": ADMIN_PASSWORD,
            "service_token": hub.service_token,
            "log": str(hub.log_path),
        }
        if args.info_file:
            write_private_json(args.info_file, info)
        accounts = (
            f"Servers run as the Unix accounts {hub.unix_prefix}<user>, removed on exit.\n"
            if hub.as_root
            else ""
        )
        print(
            f"\nJupyterHub {hub.version} is running at {hub.url}\n\n"
            f"  admin (the hub admin):  password {ADMIN_PASSWORD}\n"
            f"  {''.join(f'{name}, ' for name in users)}"
            f"{'or ' if users else ''}any other name:  password {USER_PASSWORD}\n\n"
            f"{accounts}Log: {hub.log_path}\nPress Ctrl-C to stop.",
            flush=True,
        )
        while not stopping:
            if hub.process.poll() is not None:
                print(f"jupyterhub exited:\n{hub.log_tail()}", file=sys.stderr)
                return 1
            time.sleep(0.5)
    except HubError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        print("Stopping JupyterHub ...", flush=True)
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
