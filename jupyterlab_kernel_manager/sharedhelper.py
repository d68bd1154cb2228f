"""The one privileged entry point: environments shared with every user.

A hub admin's server runs it through sudo, argv only, no shell::

    sudo -n -- <python> -I -m jupyterlab_kernel_manager.sharedhelper check
    ... create NAME --backend uv --python 3.12 --display-name TEXT [--system-site-packages] -- REQ...
    ... install NAME -- REQ...
    ... remove NAME

It trusts nothing its caller says beyond these arguments, and checks them again
with the server's own rules (names, display names, requirements). Where it works
comes from the root-owned settings file alone (``sharedsettings``), and it
touches nothing outside the configured environments and kernels directories.
Its children get a clean environment and an empty working directory. Output is
the job's log; SIGTERM (sudo relays the server's cancel) stops the running step
and undoes a creation. Exit status: 0 done, 1 failed or cancelled, 2 refused.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from . import backends as tools
from . import envdirs, kernelspecs, sharedsettings, sharedsteps
from .errors import KernelManagerError
from .packages import parse_requirements
from .sharedsteps import Refused, Stopped

REFUSED, FAILED = 2, 1
MAX_DISPLAY_NAME = 256
# A claim older than the settings' timeout plus this is abandoned, whatever its pid.
ABANDONED_AFTER = 300.0
_PYTHON = re.compile(r"3\.\d{1,2}")
_LOGOS = ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(list(sys.argv[1:] if argv is None else argv))
    os.umask(0o022)
    try:
        if os.geteuid() != 0:
            raise Refused("This helper must run as root, through sudo.")
        settings = sharedsettings.load()
        if not settings.enabled:
            raise Refused(settings.problem or "Shared environments are off.")
        if args.verb == "check":
            print(json.dumps(_describe(settings)), flush=True)
            return 0
        name = _checked(envdirs.normalize_name, args.name)
        with sharedsteps.stoppable():
            if args.verb == "create":
                create(settings, name, args)
            elif args.verb == "install":
                install(settings, name, args.requirements)
            else:
                remove(settings, name)
        return 0
    except Refused as refusal:
        print(f"Refused: {refusal}", file=sys.stderr, flush=True)
        return REFUSED
    except Stopped:
        print("Stopped.", flush=True)
        return FAILED
    except (subprocess.SubprocessError, OSError, RuntimeError) as error:
        print(f"Failed: {error}", flush=True)
        return FAILED


def parse(words: list[str]) -> argparse.Namespace:
    # Requirements come after "--", never read as options (argparse's subcommands
    # do not honour "--" themselves).
    cut = words.index("--") if "--" in words else len(words)
    args = _parser().parse_args(words[:cut])
    args.requirements = words[cut + 1 :]
    if args.verb == "create" and args.display_name == []:
        # --display-name=-- (argparse before 3.12.7 drops a "--" value: gh-122232)
        args.display_name = "--"
    return args


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sharedhelper", allow_abbrev=False)
    verbs = parser.add_subparsers(dest="verb", required=True)
    verbs.add_parser("check")
    create_verb = verbs.add_parser("create", allow_abbrev=False)
    create_verb.add_argument("name")
    create_verb.add_argument("--backend", required=True)
    create_verb.add_argument("--python", required=True)
    create_verb.add_argument("--display-name", required=True)
    create_verb.add_argument("--system-site-packages", action="store_true")
    verbs.add_parser("install", allow_abbrev=False).add_argument("name")
    verbs.add_parser("remove", allow_abbrev=False).add_argument("name")
    return parser


def _describe(settings: sharedsettings.SharedSettings) -> dict:
    return {
        "environments_dir": settings.environments_dir,
        "kernels_dir": settings.kernels_dir,
        "backends": list(settings.backends),
    }


def _checked(check, *args, **kwargs):
    """The server's own validation, its refusal turned into ours."""
    try:
        return check(*args, **kwargs)
    except KernelManagerError as error:
        raise Refused(error.message) from None


def _requirements(settings: sharedsettings.SharedSettings, items: list[str], *, required: bool):
    return _checked(
        parse_requirements,
        list(items),
        allow_urls=settings.allow_url_requirements,
        max_count=settings.max_packages,
        required=required,
    )


def create(settings: sharedsettings.SharedSettings, name: str, args: argparse.Namespace) -> None:
    display_name = _checked(kernelspecs.clean_display_name, args.display_name, MAX_DISPLAY_NAME)
    requirements = _requirements(settings, args.requirements, required=False)
    if args.backend not in settings.backends:
        raise Refused(f"The {args.backend!r} backend is not allowed for shared environments.")
    if not _PYTHON.fullmatch(args.python):
        raise Refused(f"{args.python!r} is not a Python version such as 3.12.")
    if args.system_site_packages and args.backend == "conda":
        raise Refused("--system-site-packages is for venv and uv environments.")
    backend = sharedsteps.backend_for(args.backend, args.python)
    root, kernels = _directories(settings)
    path, spec_dir = os.path.join(root, name), os.path.join(kernels, name)
    try:
        envdirs.claim(root, name, f"sudo-{os.getpid()}", backend.name)
    except KernelManagerError as error:
        raise Refused(error.message) from None
    # Checked under the claim: nothing of another creation is ever undone below.
    if os.path.lexists(path) or os.path.lexists(spec_dir):
        envdirs.release(root, name)
        raise Refused(f"{name} already exists in {root} or {kernels}.")
    done = False
    try:
        sharedsteps.say(f"Creating the shared environment {name} in {path}.")
        deadline = time.monotonic() + settings.timeout
        steps = tools.create_commands(
            backend,
            path,
            args.python,
            requirements,
            system_site_packages=args.system_site_packages,
        )
        with sharedsteps.workdir(root, settings.timeout + ABANDONED_AFTER) as workdir:
            for step in steps:
                sharedsteps.run_step(step, workdir, path, deadline)
        _write_kernelspec(path, spec_dir, name, display_name, backend.name)
        envdirs.write_metadata(
            path,
            {
                "name": name,
                "backend": backend.name,
                "python": args.python,
                "created_at": _now(),
                "kernelspec": name,
                "shared": True,
                "created_by": os.environ.get("SUDO_USER", ""),
            },
        )
        # mkstemp made it for root's eyes only: every user's server reads it.
        os.chmod(os.path.join(path, envdirs.METADATA_FILE), 0o644)
        done = True
        sharedsteps.say(f"Kernelspec {name} written to {spec_dir}: every user can start it.")
    finally:
        if not done:
            sharedsteps.say(f"Removing what the creation of {name} left.")
            _undo(root, kernels, name)
        envdirs.release(root, name)


def install(settings: sharedsettings.SharedSettings, name: str, items: list[str]) -> None:
    requirements = _requirements(settings, items, required=True)
    root, _ = _directories(settings)
    path = os.path.join(root, name)
    with _locked(settings, name):
        metadata = envdirs.read_metadata(path)
        if not os.path.isdir(path) or os.path.islink(path) or not metadata.get("shared"):
            raise Refused(f"No shared environment named {name}.")
        backend = str(metadata.get("backend") or "")
        uv = sharedsteps.find("uv")
        found = {"uv": tools.Backend("uv", True, executable=uv)} if uv else {}
        step = tools.install_command(backend, found, path, requirements)
        with sharedsteps.workdir(root, settings.timeout + ABANDONED_AFTER) as workdir:
            sharedsteps.run_step(step, workdir, path, time.monotonic() + settings.timeout)


def remove(settings: sharedsettings.SharedSettings, name: str) -> None:
    root, kernels = _directories(settings)
    path = os.path.join(root, name)
    with _locked(settings, name, abandoned_ok=True) as abandoned:
        if not abandoned and not envdirs.read_metadata(path).get("shared"):
            raise Refused(f"No shared environment named {name}.")
        _undo(root, kernels, name)
        envdirs.release(root, name)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(_lock_path(root, name))
    sharedsteps.say(f"Removed the shared environment {name} and its kernelspec.")


def _undo(root: str, kernels: str, name: str) -> None:
    """The kernelspec first (no launcher offers it any more), then the directory."""
    spec_dir = os.path.join(kernels, name)
    ours = os.path.isdir(spec_dir) and not os.path.islink(spec_dir)
    if ours and envdirs.spec_belongs_to(spec_dir, os.path.join(root, name)):
        trash = tempfile.mkdtemp(dir=kernels, prefix=envdirs.TRASH_PREFIX)
        os.rename(spec_dir, os.path.join(trash, name))
        shutil.rmtree(trash, ignore_errors=True)
    envdirs.remove_tree(root, name)


def _directories(settings: sharedsettings.SharedSettings) -> tuple[str, str]:
    """Both directories, made if missing one level at a time, each checked (root's,
    nobody else's) before the next is made in it: never through a link someone
    planted under a sticky directory such as /var/tmp."""
    for place in (settings.environments_dir, settings.kernels_dir):
        current = "/"
        for part in filter(None, place.split("/")):
            current = os.path.join(current, part)
            with contextlib.suppress(FileExistsError):
                os.mkdir(current, 0o755)
            # Every level made so far (a sticky one passes only above others).
            unsafe = sharedsettings.insecure(place, missing_ok=True)
            if unsafe:
                raise Refused(f"{place} cannot hold shared environments: {unsafe}")
    return settings.environments_dir, settings.kernels_dir


@contextlib.contextmanager
def _locked(settings: sharedsettings.SharedSettings, name: str, *, abandoned_ok: bool = False):
    """One change at a time per environment, whichever admin's server asks; the lock
    is root's alone (anyone who may open a file may flock it). Yields whether the
    name is the claim of an abandoned creation (its helper killed, or the machine
    restarted), which ``abandoned_ok`` accepts: what it left is to be removed."""
    root = settings.environments_dir
    path, marker = os.path.join(root, name), envdirs.marker_path(root, name)
    if not os.path.lexists(marker) and (not os.path.isdir(path) or os.path.islink(path)):
        # No lock file for a name that is not there.
        raise Refused(f"No shared environment named {name}.")
    fd = os.open(_lock_path(root, name), os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused(f"Another change to {name} is running.") from None
        abandoned = os.path.lexists(marker) and _abandoned(marker, settings.timeout)
        if os.path.lexists(marker) and not (abandoned and abandoned_ok):
            raise Refused(f"{name} is being created.")
        if not abandoned and (not os.path.isdir(path) or os.path.islink(path)):
            raise Refused(f"No shared environment named {name}.")
        yield abandoned
    finally:
        os.close(fd)


def _abandoned(marker: str, timeout: float) -> bool:
    """Whether the helper that claimed a name is gone: not running on this host,
    or older than any creation lasts."""
    try:
        mtime = os.lstat(marker).st_mtime
    except FileNotFoundError:
        return False
    claim = envdirs.read_marker(marker)
    return envdirs._is_orphan(claim, mtime, (), timeout + ABANDONED_AFTER)


def _lock_path(root: str, name: str) -> str:
    return os.path.join(root, f".{name}.lock")


def _write_kernelspec(path: str, spec_dir: str, name: str, display_name: str, backend: str):
    """kernel.json (and ipykernel's logos) in a hidden directory, then one rename."""
    kernels = os.path.dirname(spec_dir)
    staging = tempfile.mkdtemp(dir=kernels, prefix=f".{name}.")
    try:
        os.chmod(staging, 0o755)
        shipped = os.path.join(path, "share", "jupyter", "kernels", "python3")
        for logo in _LOGOS:
            source = os.path.join(shipped, logo)
            if os.path.isfile(source) and not os.path.islink(source):
                shutil.copyfile(source, os.path.join(staging, logo))
        spec = {
            "argv": [tools.env_python(path), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": display_name,
            "language": "python",
            "metadata": {
                "debugger": True,
                "kernel_manager": {
                    "environment": {"path": path, "backend": backend, "shared": True}
                },
            },
        }
        # A new file in a directory nobody sees yet: the rename below is the atomic step.
        with open(os.path.join(staging, kernelspecs.KERNEL_JSON), "x", encoding="utf-8") as f:
            json.dump(spec, f, indent=1)
            f.write("\n")
        os.rename(staging, spec_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


if __name__ == "__main__":
    sys.exit(main())
