"""What an admin sets in jupyter_server_config.py (``c.KernelManagerConfig...``)."""

import functools
import os
import re
import string

from jupyter_core import paths
from traitlets import Bool, Float, Int, List, TraitError, Unicode, validate
from traitlets.config import Configurable

from .backends import BACKENDS
from .packages import check_requirement

# The parts of the API an administrator may switch off (handlers.py says which
# routes each covers).
PARTS = ("kernelspecs", "environments", "processes")


class KernelManagerConfig(Configurable):
    """Configuration of the kernel manager server extension."""

    disabled_routes = List(
        Unicode(),
        default_value=[],
        help=(
            "Parts of the kernel manager's REST API switched off on this server, among "
            "'kernelspecs' (kernelspecs/*), 'environments' (environments/*, backends, "
            "jobs/*) and 'processes' (processes/*). Their routes still need an "
            "authenticated and authorized user, then answer every request with 404 and "
            '{"reason": "switched-off"}. With environments off, nothing of them runs: '
            "no backend detection, no sweep of unfinished environments, no health check."
        ),
    ).tag(config=True)

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

    environments_dir = Unicode(
        "",
        help=(
            "Directory holding the environments users create, one sub-directory each. "
            "Empty means <jupyter data dir>/kernel-manager/envs "
            "(~/.local/share/jupyter/kernel-manager/envs on Linux); '~' is expanded."
        ),
    ).tag(config=True)

    allowed_backends = List(
        Unicode(),
        default_value=["uv", "venv", "conda"],
        help=(
            "Tools users may create environments with, among 'uv', 'venv' and 'conda' "
            "(conda means mamba, micromamba or conda, the first found on PATH). "
            "The first allowed and available one is the default when "
            "default_backend is not."
        ),
    ).tag(config=True)

    default_backend = Unicode(
        "uv",
        help=(
            "Backend used when a request names none; falls back to the first "
            "available backend of allowed_backends."
        ),
    ).tag(config=True)

    default_packages = List(
        Unicode(),
        default_value=[],
        help=(
            "PEP 508 requirements installed into every new environment, after ipykernel "
            "and before the user's own packages."
        ),
    ).tag(config=True)

    max_environments = Int(
        20,
        min=0,
        help="Most environments a user may have in environments_dir; 0 means no cap.",
    ).tag(config=True)

    creation_timeout = Float(
        900.0,
        min=1.0,
        help=(
            "Seconds one job (creating an environment or adding packages) may run "
            "before it is stopped; a creation stopped this way leaves nothing behind."
        ),
    ).tag(config=True)

    prefer_cached_packages = Bool(
        True,
        help=(
            "uv backend: install from uv's cache alone when it holds everything a "
            "request needs, without asking the package index (a new environment is "
            "then usable in about a second), and ask the index only when something "
            "is missing. The versions are then the newest the cache has seen, which "
            "may lag the index; False always asks the index for the newest."
        ),
    ).tag(config=True)

    allow_url_requirements = Bool(
        False,
        help=(
            "Let users install from URL requirements ('name @ https://...'). "
            "Options (--index-url...) and local paths are always refused."
        ),
    ).tag(config=True)

    max_packages_per_request = Int(
        50,
        min=1,
        help="Most package requirements one request may name.",
    ).tag(config=True)

    measure_uss = Bool(
        True,
        help=(
            "Measure the unique (USS) and proportional (PSS) memory of the user's "
            "processes in the Processes section. It costs more than resident "
            "memory: a process that has not run since the last scan is measured "
            "again only after some seconds."
        ),
    ).tag(config=True)

    process_scan_cache_seconds = Float(
        0.5,
        min=0.0,
        help=(
            "Seconds a scan of the process table answers further requests for the "
            "process list (requests during a scan always share it). 0 scans anew "
            "for every request that does not arrive during a scan."
        ),
    ).tag(config=True)

    process_history_seconds = Int(
        1800,
        min=0,
        max=21600,
        help=(
            "Seconds of CPU and memory history the server keeps for the Processes "
            "section's charts: the user's total, each kernel with its children and, "
            "for a hub admin's all-users view, each other account, in slots of 5 s "
            "(the largest figures of the scans in each slot; 5,760 bytes per series "
            "for 30 minutes). 0 turns the history off (GET processes/history then "
            "answers 404)."
        ),
    ).tag(config=True)

    process_history_idle_interval = Float(
        30.0,
        min=1.0,
        help=(
            "While nobody asks for the process list, the server scans once for the "
            "history whenever no scan ran for this many seconds (its CPU figures are "
            "then averages over that time). Ignored when the history or the "
            "'processes' routes are off."
        ),
    ).tag(config=True)

    hub_unix_user_template = Unicode(
        "jupyter-{username}",
        help=(
            "Under JupyterHub: the Unix account a hub user's server runs as, with "
            "{username} for the hub user's name. 'jupyter-{username}' is The Littlest "
            "JupyterHub's naming; '{username}' fits hubs whose users are Unix users "
            "(LocalProcessSpawner with PAM). An admin's all-users process list names "
            "the hub user of each account that matches, so the Hub section reads what "
            "every user on this machine runs from one scan. Empty: no account is "
            "named, and the Hub section asks each server instead."
        ),
    ).tag(config=True)

    @validate("hub_unix_user_template")
    def _check_hub_unix_user_template(self, proposal):
        template = proposal["value"]
        if template:
            _account_pattern(template)
        return template

    def hub_user_for_account(self, account: str) -> str | None:
        """The hub user whose server runs as Unix ``account``, per
        ``hub_unix_user_template``, or None when the account does not fit it."""
        if not self.hub_unix_user_template:
            return None
        found = _account_pattern(self.hub_unix_user_template).fullmatch(account)
        return found.group(1) if found else None

    @validate("disabled_routes")
    def _check_disabled_routes(self, proposal):
        unknown = [name for name in proposal["value"] if name not in PARTS]
        if unknown:
            raise TraitError(
                f"disabled_routes: unknown parts {unknown}; choose among {list(PARTS)}."
            )
        return proposal["value"]

    def enabled(self, part: str) -> bool:
        """Whether the administrator left this part of the API on."""
        return part not in self.disabled_routes

    @validate("allowed_backends")
    def _check_backends(self, proposal):
        unknown = [name for name in proposal["value"] if name not in BACKENDS]
        if unknown:
            raise TraitError(f"Unknown backends {unknown}; choose among {list(BACKENDS)}.")
        return proposal["value"]

    @validate("default_packages")
    def _check_default_packages(self, proposal):
        # Checked like users' requests, so a typo stops the server with a clear
        # message instead of failing every creation later.
        for item in proposal["value"]:
            error = check_requirement(item, allow_urls=True)
            if error:
                raise TraitError(f"default_packages: {error}")
        return proposal["value"]

    def resolved_environments_dir(self) -> str:
        """The absolute directory environments live in."""
        configured = self.environments_dir or os.path.join(
            paths.jupyter_data_dir(), "kernel-manager", "envs"
        )
        return os.path.abspath(os.path.expanduser(configured))


@functools.lru_cache(maxsize=8)
def _account_pattern(template: str) -> re.Pattern:
    """The regular expression of the accounts ``template`` makes, capturing the
    hub user's name; TraitError unless it holds a bare {username} exactly once."""
    pattern, fields = "", []
    try:
        for literal, field, spec, conversion in string.Formatter().parse(template):
            pattern += re.escape(literal)
            if field is not None:
                fields.append((field, spec, conversion))
                pattern += "(.+)"
    except ValueError as error:
        raise TraitError(f"hub_unix_user_template: {error}") from None
    if fields != [("username", "", None)]:
        raise TraitError(
            "hub_unix_user_template must hold {username} exactly once and no other "
            f"field, e.g. 'jupyter-{{username}}'; got {template!r}."
        )
    return re.compile(pattern)
