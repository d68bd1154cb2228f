"""Shared environments on the test hub, set up as TLJH does for its admins.

As root, for a hub whose servers run as Unix accounts of their own:

- sudo (from apt when missing) and a group ``<prefix>admins`` with passwordless
  sudo in ``/etc/sudoers.d/<prefix>admins``, as TLJH's ``jupyterhub-admins``;
  the spawner puts hub admins' accounts in it (jupyterhub_config.py);
- the root-owned settings file in the servers' Python prefix
  (``<prefix>/etc/jupyter/kernel_manager_shared.json``) enabling the feature,
  with the environments in ``/var/tmp/km-shared-<pid>-<hex>/envs`` (readable by
  all) and their kernelspecs in the prefix's ``share/jupyter/kernels``, TLJH's
  default place.

``stop()`` removes all of it: the rule, the group, the settings, the
environments and the kernelspecs they left in the prefix.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SETTINGS_NAME = "kernel_manager_shared.json"
SUDOERS_DIR = Path("/etc/sudoers.d")


def ensure_sudo() -> None:
    if shutil.which("sudo"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=300)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "sudo"],
        check=True,
        env=env,
        timeout=300,
    )


class SharedEnvironmentsSetup:
    def __init__(self, unix_prefix: str, python: str) -> None:
        # sudo ignores files in sudoers.d whose name holds a dot.
        self.group = f"{unix_prefix}admins"
        self.prefix = Path(python).parents[1]
        self.settings_file = self.prefix / "etc" / "jupyter" / SETTINGS_NAME
        self.kernels_dir = self.prefix / "share" / "jupyter" / "kernels"
        self.sudoers = SUDOERS_DIR / self.group
        self.root: Path | None = None

    @property
    def environments_dir(self) -> Path:
        assert self.root is not None
        return self.root / "envs"

    def start(self) -> SharedEnvironmentsSetup:
        ensure_sudo()
        self.root = Path(tempfile.mkdtemp(prefix=f"km-shared-{os.getpid()}-", dir="/var/tmp"))
        self.root.chmod(0o755)
        subprocess.run(["groupadd", self.group], check=True)
        rule = f"%{self.group} ALL=(ALL) NOPASSWD: ALL\n"
        part = self.sudoers.with_name(f".{self.group}.tmp")
        part.write_text(rule)
        part.chmod(0o440)
        subprocess.run(["visudo", "-cqf", str(part)], check=True)
        part.rename(self.sudoers)
        self.settings_file.parent.mkdir(parents=True, exist_ok=True)
        self.settings_file.write_text(
            json.dumps(
                {
                    "enabled": True,
                    "environments_dir": str(self.environments_dir),
                    "kernels_dir": str(self.kernels_dir),
                    "backends": ["uv", "venv"],
                }
            )
        )
        self.settings_file.chmod(0o644)
        return self

    def stop(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.sudoers.unlink()
        subprocess.run(["groupdel", self.group], check=False, capture_output=True)
        if self.root is None:
            return
        with contextlib.suppress(FileNotFoundError, ValueError):
            if json.loads(self.settings_file.read_text()).get("environments_dir") == str(
                self.environments_dir
            ):
                self.settings_file.unlink()
        for spec in self.kernels_dir.glob("*/kernel.json"):
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                environment = json.loads(spec.read_text())["metadata"]["kernel_manager"]
                if environment["environment"]["path"].startswith(str(self.root)):
                    shutil.rmtree(spec.parent)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


def remove_leftovers(alive, account_prefixes: set[str]) -> None:
    """What runs that died without stopping left: their directories, and the
    sudo rules and groups of runs whose accounts are gone."""
    for root in Path("/var/tmp").glob("km-shared-*-*"):
        pid = root.name.split("-")[2]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(root, ignore_errors=True)
    for rule in SUDOERS_DIR.glob("kmh*-admins"):
        if rule.name[: -len("admins")] not in account_prefixes:
            rule.unlink()
            subprocess.run(["groupdel", rule.name], check=False, capture_output=True)
