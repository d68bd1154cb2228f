"""The Processes feature: what the server's user runs, and signals to it.

A scan reads the whole process table (``proctable``) in a thread. Requests that
arrive while a scan runs share it, and a scan younger than
``process_scan_cache_seconds`` answers them directly. The user's processes are
those whose real uid is the server's effective uid; each is the server itself, a
kernel of this server (by its provisioner's pid, else by the ``kernel-<id>.json``
connection file on its command line), a terminal's shell, a child of a kernel or
terminal, or other. Other users' command lines leave this module only in the
``all_users`` body of a ``Snapshot``, which is given to JupyterHub admins alone.

Each scan's reply is encoded as JSON once, in the scan's thread, and each
variant of it (admin or not, with every user or not) is assembled and hashed
once, so concurrent and cached requests are served the same bytes. Each scan also
feeds the process history (``history.py``); while nobody asks, a task scans once
every ``process_history_idle_interval`` seconds to keep it fed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import hashlib
import json
import os
import pwd
import signal
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import NamedTuple

import psutil

from .config import KernelManagerConfig
from .errors import BadRequest, Forbidden, NotFound
from .history import History, culling_settings, epoch_seconds, sample_while_idle
from .limits import read_limits
from .proctable import Proc, ProcessTable

SIGNALS = {"INT": signal.SIGINT, "TERM": signal.SIGTERM, "KILL": signal.SIGKILL}
SIGNAL_KEYS = frozenset({"signal"})
# Linux pids stay below 2^22; anything past a C int is no pid at all.
MAX_PID = 2**31 - 1


class KernelRef(NamedTuple):
    id: str
    pid: int | None  # None for provisioners without a local process
    connection_file: str  # base name: kernel-<id>.json
    model: dict  # the "kernel" object of the reply


class Context(NamedTuple):
    """What the server knows of its kernels and terminals at scan time."""

    kernels: list[KernelRef]
    terminals: dict[int, str]  # shell pid -> terminal name
    culling: dict | None = None  # the server's culler settings, when it culls


async def jupyter_context(serverapp) -> Context:
    """Kernels with their sessions, and terminals, from the server's managers."""
    sessions = defaultdict(list)
    for session in await serverapp.session_manager.list_sessions():
        kernel = session.get("kernel") or {}
        sessions[kernel.get("id")].append(
            {key: session.get(key) for key in ("id", "path", "name", "type")}
        )
    kernel_manager = serverapp.kernel_manager
    kernels = []
    for kernel_id in kernel_manager.list_kernel_ids():
        model = kernel_manager.kernel_model(kernel_id)
        manager = kernel_manager.get_kernel(kernel_id)
        pid = getattr(getattr(manager, "provisioner", None), "pid", None)
        # The culler's clock: the last message the server saw from the kernel.
        active = getattr(manager, "last_activity", None)
        kernels.append(
            KernelRef(
                id=kernel_id,
                pid=pid if isinstance(pid, int) else None,
                connection_file=os.path.basename(manager.connection_file or ""),
                model={
                    "id": kernel_id,
                    "kernelspec": model.get("name"),
                    "execution_state": model.get("execution_state"),
                    "connections": model.get("connections", 0),
                    "last_activity": epoch_seconds(active),
                    "sessions": sessions.get(kernel_id, []),
                },
            )
        )
    terminals = {}
    # Absent when jupyter_server_terminals is not enabled.
    terminal_manager = serverapp.web_app.settings.get("terminal_manager")
    for name, terminal in list(getattr(terminal_manager, "terminals", {}).items()):
        pid = getattr(getattr(terminal, "ptyproc", None), "pid", None)
        if isinstance(pid, int):
            terminals[pid] = name
    return Context(kernels, terminals, culling_settings(kernel_manager))


def process_json(proc: Proc, kind: str = "other", **found) -> dict:
    """A process as the API shows it; ``found`` sets kernel, terminal or ancestor."""
    return {
        "pid": proc.pid,
        "ppid": proc.ppid,
        "name": proc.name,
        "cmdline": proc.cmdline,
        "user": proc.user,
        "state": proc.state,
        "started_at": proc.started_at,
        "cpu_percent": proc.cpu_percent,
        "rss_bytes": proc.rss,
        "uss_bytes": proc.uss,
        "pss_bytes": proc.pss,
        "threads": proc.threads,
        "kind": kind,
        "kernel": found.get("kernel"),
        "terminal": found.get("terminal"),
        "ancestor": found.get("ancestor"),
    }


def classify(procs: Iterable[Proc], uid: int, server_pid: int, context: Context) -> list[dict]:
    """The processes of ``uid``, each with its kind, in the order given."""
    everyone = {proc.pid: proc for proc in procs}
    mine = [proc for proc in everyone.values() if proc.uid == uid]
    kernels = _kernel_pids(mine, context.kernels)
    # Pid -> the (kind, id) of the kernel or terminal it is, or None.
    roots = {pid: ("kernel", kernel.id) for pid, kernel in kernels.items()}
    roots.update(
        (pid, ("terminal", name))
        for pid, name in context.terminals.items()
        if pid in everyone and everyone[pid].uid == uid
    )
    nearest: dict[int, tuple[str, str] | None] = {}

    def root_at_or_above(pid: int) -> tuple[str, str] | None:
        path, seen, found = [], set(), None
        while pid in everyone and pid not in seen:
            if pid in nearest:
                found = nearest[pid]
                break
            if pid in roots:
                found = roots[pid]
                break
            path.append(pid)
            seen.add(pid)
            pid = everyone[pid].ppid
        for step in path:
            nearest[step] = found
        return found

    listed = []
    for proc in mine:
        if proc.pid == server_pid:
            listed.append(process_json(proc, "server"))
        elif proc.pid in kernels:
            listed.append(process_json(proc, "kernel", kernel=kernels[proc.pid].model))
        elif proc.pid in context.terminals:
            terminal = {"name": context.terminals[proc.pid]}
            listed.append(process_json(proc, "terminal", terminal=terminal))
        else:
            above = root_at_or_above(proc.ppid)
            if above is None:
                listed.append(process_json(proc))
            else:
                ancestor = {"kind": above[0], "id": above[1]}
                listed.append(process_json(proc, "child", ancestor=ancestor))
    return listed


def _kernel_pids(mine: list[Proc], kernels: list[KernelRef]) -> dict[int, KernelRef]:
    """Pid -> kernel: the provisioner's pid, else the topmost process whose command
    line names the kernel's connection file (a kernel without a local pid)."""
    pids = {proc.pid for proc in mine}
    found = {k.pid: k for k in kernels if k.pid is not None and k.pid in pids}
    by_file = {
        k.connection_file: k
        for k in kernels
        if k.connection_file and not (k.pid is not None and k.pid in pids)
    }
    if not by_file:
        return found
    matches = defaultdict(list)
    for proc in mine:
        for arg in proc.cmdline:
            name = os.path.basename(arg)
            if name in by_file:
                matches[name].append(proc)
                break
    for name, procs in matches.items():
        same = {proc.pid for proc in procs}
        top = min(proc.pid for proc in procs if proc.ppid not in same)
        found[top] = by_file[name]
    return found


def totals(listed: list[dict]) -> dict:
    uss = [p["uss_bytes"] for p in listed if p["uss_bytes"] is not None]
    return {
        "count": len(listed),
        "cpu_percent": round(sum(p["cpu_percent"] or 0.0 for p in listed), 1),
        "rss_bytes": sum(p["rss_bytes"] for p in listed),
        "uss_bytes": sum(uss) if uss else None,
    }


class Body(NamedTuple):
    """A reply as sent: its JSON bytes and their HTTP entity tag."""

    data: bytes
    etag: str


def encode_json(value) -> bytes:
    """Compact JSON; ``</`` escaped as tornado's ``json_encode`` does, so that a
    command line can never close a ``<script>`` the reply is pasted into."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/").encode("utf-8")


class Snapshot:
    """One scan: the reply's shared parts, encoded once, and its variants."""

    def __init__(
        self,
        common: dict,
        procs: list[Proc],
        uid: int,
        hub_user_of: Callable[[str], str | None] = lambda account: None,
    ) -> None:
        # Built in the scan's thread, so the encoding stays off the event loop.
        # The object starts with "{" and has keys: the variant's own keys go
        # in front of the rest of it.
        self._common = encode_json(common)
        self._procs = procs
        self._uid = uid
        self._hub_user_of = hub_user_of
        self._bodies: dict[tuple[bool, bool], asyncio.Future[Body]] = {}

    async def body(self, *, is_admin: bool, all_users: bool) -> Body:
        """The reply for this kind of request, the same object for every request
        of that kind; built once in a thread."""
        if all_users and not is_admin:
            raise Forbidden("Only JupyterHub admins may list other users' processes.", "not-admin")
        key = (is_admin, all_users)
        if key not in self._bodies:
            self._bodies[key] = asyncio.ensure_future(
                asyncio.to_thread(self._encode, is_admin, all_users)
            )
        return await asyncio.shield(self._bodies[key])

    def _encode(self, is_admin: bool, all_users: bool) -> Body:
        parts = [b'{"is_admin":', b"true" if is_admin else b"false", b","]
        if all_users:
            parts += [b'"users":', encode_json(self._other_users()), b","]
        parts.append(self._common[1:])
        data = b"".join(parts)
        return Body(data, f'"{hashlib.sha1(data).hexdigest()}"')

    def _other_users(self) -> list[dict]:
        """Every other user's processes (with their command lines), by user, each
        with the JupyterHub user whose server runs as that account, if any."""
        groups = defaultdict(list)
        for proc in self._procs:
            if proc.uid != self._uid:
                groups[proc.user].append(process_json(proc))
        users = [
            {
                "user": user,
                "hub_user": self._hub_user_of(user),
                **totals(listed),
                "processes": listed,
            }
            for user, listed in groups.items()
        ]
        for user in users:
            del user["uss_bytes"]
        users.sort(key=lambda user: (-user["rss_bytes"], user["user"]))
        return users


class Processes:
    """One per server: the process table, the shared scan, and signals."""

    def __init__(self, config: KernelManagerConfig, serverapp) -> None:
        self.config = config
        self.serverapp = serverapp
        self.table = ProcessTable()
        self.uid = os.geteuid()
        self.user = _user_name(self.uid)
        self.server_pid = os.getpid()
        # A signal starts a new generation: no scan from before it is reused.
        self._generation = 0
        self._latest: tuple[float, int, Snapshot] | None = None
        self._pending: tuple[int, asyncio.Future] | None = None
        # Every scan until it ends, one a signal superseded too (close() waits for them).
        self._scans: set[asyncio.Future] = set()
        seconds = config.process_history_seconds
        self.history = History(seconds) if seconds > 0 else None
        self.scanned_at = time.monotonic()  # when the latest scan started
        self._sampler: asyncio.Future | None = None
        self._closed = False

    async def listing(self, *, all_users: bool, is_admin: bool) -> Body:
        if all_users and not is_admin:
            # Refused before any scan is started for it.
            raise Forbidden("Only JupyterHub admins may list other users' processes.", "not-admin")
        if all_users and self.history is not None:
            self.history.want_users()
        snapshot = await self.snapshot()
        return await snapshot.body(is_admin=is_admin, all_users=all_users)

    async def snapshot(self) -> Snapshot:
        generation = self._generation
        if self._latest is not None:
            scanned_at, scanned_generation, snapshot = self._latest
            age = time.monotonic() - scanned_at
            if scanned_generation == generation and age < self.config.process_scan_cache_seconds:
                return snapshot
        if self._pending is None or self._pending[0] != generation:
            self._pending = (generation, asyncio.ensure_future(self._scan(generation)))
            self._scans.add(self._pending[1])
            self._pending[1].add_done_callback(self._scans.discard)
        return await asyncio.shield(self._pending[1])

    async def history_reply(self, since: float | None, *, all_users: bool, is_admin: bool) -> dict:
        """What the history holds (no scan), for the kernels running now."""
        if all_users and not is_admin:
            raise Forbidden("Only JupyterHub admins may list other users' processes.", "not-admin")
        if self.history is None:
            raise NotFound(
                "An administrator has turned the process history off on this server "
                "(c.KernelManagerConfig.process_history_seconds = 0).",
                "history-off",
            )
        if all_users:
            self.history.want_users()
        kernel_ids = list(self.serverapp.kernel_manager.list_kernel_ids())
        return await asyncio.to_thread(self.history.reply, since, kernel_ids, users=all_users)

    def start(self) -> None:
        """On the server's event loop: scan for the history while nobody asks."""
        if self.history is not None and self._sampler is None and not self._closed:
            self._sampler = asyncio.ensure_future(
                sample_while_idle(
                    lambda: self.scanned_at,
                    self.snapshot,
                    self.config.process_history_idle_interval,
                    self.serverapp.log,
                )
            )

    async def close(self) -> None:
        """At server stop: stop the idle sampling, wait for the scans still running (threads)."""
        self._closed = True
        if self._sampler is not None:
            self._sampler.cancel()
            await asyncio.gather(self._sampler, return_exceptions=True)
        await asyncio.gather(*self._scans, return_exceptions=True)

    def invalidate(self) -> None:
        self._generation += 1
        self._latest = None

    async def _scan(self, generation: int) -> Snapshot:
        started = self.scanned_at = time.monotonic()
        try:
            context = await jupyter_context(self.serverapp)
            snapshot = await asyncio.to_thread(self._build, context)
        finally:
            if self._pending is not None and self._pending[0] == generation:
                self._pending = None
        if generation == self._generation:
            self._latest = (started, generation, snapshot)
        return snapshot

    def _build(self, context: Context) -> Snapshot:
        """Blocking: the scan and everything computed from it."""
        timestamp = time.time()
        procs = self.table.scan(self.uid if self.config.measure_uss else None)
        memory, cpus = psutil.virtual_memory().total, os.cpu_count() or 1
        listed = classify(procs, self.uid, self.server_pid, context)
        summed = totals(listed)
        if self.history is not None:
            self.history.record(
                timestamp,
                listed,
                summed,
                lambda: ((p.user, p.rss, p.cpu_percent) for p in procs if p.uid != self.uid),
            )
        common = {
            "timestamp": round(timestamp, 3),
            "user": self.user,
            "server_pid": self.server_pid,
            "processes": listed,
            "totals": summed,
            "limits": read_limits(memory, cpus).to_json(),
            "machine": {"memory_bytes": memory, "cpu_count": cpus},
            "culling": context.culling,
            "history": self.history.settings() if self.history is not None else None,
        }
        return Snapshot(common, procs, self.uid, self.config.hub_user_for_account)

    def send_signal(self, pid_text: str, body: Mapping) -> dict:
        """Signal one of the user's own processes, never the server or its parents.

        Linux takes a thread's id wherever a pid goes (/proc, kill) and a signal
        sent to a thread reaches its whole process: only a process's own id is
        accepted. The checks and the signal are about one process: the one the
        pidfd holds, which keeps its pid from being reused until it is reaped.
        """
        pid = parse_pid(pid_text)
        name = parse_signal(body)
        with _pinned(pid) as (process, send):
            try:
                owner = process.uids().real
            except psutil.NoSuchProcess:
                raise NotFound(f"There is no process {pid}.", "not-found") from None
            except psutil.AccessDenied:
                owner = None
            if owner != self.uid:
                raise Forbidden(f"Process {pid} belongs to another user.", "not-yours") from None
            # Equality of psutil processes includes their start time.
            if process in self._server_lineage():
                raise Forbidden(
                    f"Process {pid} runs this Jupyter server: shut the server down instead.",
                    "server",
                )
            try:
                send(SIGNALS[name])
            except (ProcessLookupError, psutil.NoSuchProcess):
                # Ended (and reaped) since it was pinned.
                raise NotFound(f"There is no process {pid}.", "not-found") from None
            except (PermissionError, psutil.AccessDenied):
                raise Forbidden(f"Process {pid} belongs to another user.", "not-yours") from None
        self.invalidate()
        return {"pid": pid, "signal": name}

    def _server_lineage(self) -> list[psutil.Process]:
        """The server's process and its ancestors, as they are now."""
        try:
            server = psutil.Process(self.server_pid)
            return [server, *server.parents()]
        except psutil.Error:
            return []


@contextlib.contextmanager
def _pinned(
    pid: int,
) -> Iterator[tuple[psutil.Process, Callable[[int], None]]]:
    """Process ``pid`` and a function that signals it and nothing else; NotFound
    when ``pid`` is no process (gone, or a thread's id).

    On Linux a pidfd: opening it fails for a thread that is not its group's
    leader, and a signal through it reaches that process or none, even if the
    pid is reused; what is read of ``pid`` after it is opened is that process's
    if the signal gets through. Without pidfds, psutil: its Tgid check, and its
    start-time check before it signals.
    """
    missing = NotFound(f"There is no process {pid}.", "not-found")
    try:
        fd = os.pidfd_open(pid)
    except AttributeError:
        fd = None
    except OSError as exc:
        # ESRCH: no such id; ENOENT (Linux >= 6.9) or EINVAL: a thread's.
        if exc.errno in (errno.ESRCH, errno.ENOENT, errno.EINVAL):
            raise missing from None
        # No pidfds here (old kernel, or a seccomp filter that refuses them).
        if exc.errno not in (errno.ENOSYS, errno.EPERM):
            raise
        fd = None
    try:
        if fd is None and not psutil.pid_exists(pid):
            raise missing
        try:
            process = psutil.Process(pid)
        except psutil.NoSuchProcess:
            raise missing from None
        if fd is None:
            yield process, process.send_signal
        else:
            yield process, functools.partial(signal.pidfd_send_signal, fd)
    finally:
        if fd is not None:
            os.close(fd)


def parse_pid(text: str) -> int:
    # Length first: int() refuses strings of more than 4,300 digits with ValueError.
    if (
        len(text) > len(str(MAX_PID))
        or not (text.isascii() and text.isdigit())
        or not 0 < int(text) <= MAX_PID
    ):
        raise BadRequest("The process id must be a positive whole number.", "invalid-pid")
    return int(text)


def parse_signal(body: Mapping) -> str:
    if set(body) != SIGNAL_KEYS:
        raise BadRequest(
            'The body must be exactly {"signal": "INT" | "TERM" | "KILL"}.',
            "invalid-body",
        )
    name = body["signal"]
    if not isinstance(name, str) or name not in SIGNALS:
        raise BadRequest(f"Unknown signal {name!r}: choose INT, TERM or KILL.", "invalid-signal")
    return name


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
