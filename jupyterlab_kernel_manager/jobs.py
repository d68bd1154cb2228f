"""Long work as jobs: steps run one after another, with a streamed log.

A step is an argv list, run as a subprocess in its own process group (never a
shell, never blocking the event loop), a ``Fallback`` (an argv tried first, and
another run when that one exits non-zero), or a function run in a thread. A job that
fails, is cancelled or runs out of time runs its ``cleanup`` before it reports
its final state, so a client that sees ``failed`` or ``cancelled`` sees the end.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import itertools
import logging
import os
import shlex
import signal
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Union

from .errors import Conflict, NotFound


@dataclass(frozen=True)
class Fallback:
    """Run ``first``; if it exits non-zero, log ``note`` and run ``then``.

    Not taken on cancel or time-out: those end the job as usual.
    """

    first: Sequence[str]
    then: Sequence[str]
    note: str


Step = Union[Sequence[str], Fallback, Callable[["Job"], None]]

KILL_GRACE = 5.0
HEAD_LINES = 1_000
TAIL_LINES = 4_000
MAX_LINE = 4_000
# Characters kept of the head and of the tail of a log: with MAX_LINE, at most
# 4 MiB of memory per job (4 bytes a character at worst), 1 MiB for ASCII output.
HEAD_CHARS = 2**19
TAIL_CHARS = 2**19
READ_SIZE = 65_536
KEEP_FINISHED = 20

log = logging.getLogger(__name__)


def now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _clean(line: str, dropped: int = 0) -> str:
    """A line as the log keeps it: at most MAX_LINE characters, and a note of how
    many were left out (``dropped`` of them already, before the line got here)."""
    line = line.rstrip()
    if len(line) > MAX_LINE:
        dropped += len(line) - MAX_LINE
        line = line[:MAX_LINE]
    if dropped:
        line += f" [... {dropped:,} characters dropped]"
    return line


class JobLog:
    """Lines with stable indices; past the head's and the tail's budgets (in lines
    and in characters) the middle is dropped, so one job's log stays within
    HEAD_CHARS + TAIL_CHARS characters whatever its steps print."""

    def __init__(self) -> None:
        self._head: list[str] = []
        self._head_chars = 0
        # Closed at the first line that does not fit: the head is always the first
        # len(_head) lines, the tail always the last len(_tail).
        self._head_open = True
        self._tail: collections.deque[str] = collections.deque()
        self._tail_chars = 0
        self.total = 0

    def append(self, line: str, dropped: int = 0) -> None:
        self._add(_clean(line, dropped))

    def extend(self, lines: list[str]) -> None:
        """Many lines at once: only those the log can keep are cleaned, so a flood
        of output costs little more than counting it."""
        start = 0
        while self._head_open and start < len(lines):
            self._add(_clean(lines[start]))
            start += 1
        rest = lines[start:]
        # Past the head, only the last TAIL_LINES can stay.
        skipped = max(0, len(rest) - TAIL_LINES)
        self.total += skipped
        for line in rest[skipped:]:
            self._add(_clean(line))

    def _add(self, line: str) -> None:
        self.total += 1
        if self._head_open:
            if len(self._head) < HEAD_LINES and self._head_chars + len(line) <= HEAD_CHARS:
                self._head.append(line)
                self._head_chars += len(line)
                return
            self._head_open = False
        self._tail.append(line)
        self._tail_chars += len(line)
        while len(self._tail) > 1 and (
            len(self._tail) > TAIL_LINES or self._tail_chars > TAIL_CHARS
        ):
            self._tail_chars -= len(self._tail.popleft())

    def since(self, start: int) -> list[str]:
        """Lines from index ``start`` on, with a marker where lines were dropped."""
        lines = self._head[start:]
        tail_start = self.total - len(self._tail)
        start = max(start, len(self._head))
        if start < tail_start:
            lines.append(f"[... {tail_start - start} lines omitted ...]")
            start = tail_start
        return lines + list(itertools.islice(self._tail, start - tail_start, None))


class StepFailed(Exception):
    """Raised by a function step: its message is the job's one-line error."""


class _Stop(Exception):
    """Ends a job early with a final state and a one-line reason."""

    def __init__(self, state: str, error: str, *, exited: bool = False) -> None:
        super().__init__(error)
        self.state = state
        self.error = error
        # The step's process ran to its end and reported failure (vs. cancel, time-out).
        self.exited = exited


class Job:
    """One creation or installation, from its first step to its final state."""

    def __init__(
        self,
        kind: str,
        environment: str,
        *,
        timeout: float,
        env: dict | None = None,
        cwd: str | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.kind = kind
        self.environment = environment
        self.state = "running"
        self.log = JobLog()
        self.exit_status: int | None = None
        self.error: str | None = None
        self.started_at = now()
        self.finished_at: str | None = None
        self.timeout = timeout
        self.steps: list[Step] = []
        self.cleanup: Callable[[Job], None] | None = None
        self.on_spawn: Callable[[int], None] | None = None
        self._env = env
        self._cwd = cwd
        self._cancel: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._process: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"

    def summary(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "environment": self.environment,
            "state": self.state,
            "exit_status": self.exit_status,
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }

    def details(self, since: int = 0) -> dict:
        return {**self.summary(), "log": self.log.since(since), "next": self.log.total}

    def start(self) -> None:
        self._cancel = asyncio.Event()
        self._task = asyncio.ensure_future(self._run())

    def cancel(self) -> None:
        if not self.running:
            raise Conflict(f"Job {self.id} has already {self.state}.", "finished")
        assert self._cancel is not None
        self._cancel.set()

    async def wait(self, timeout: float | None = None) -> None:
        """Until the job has finished (cleanup included), or ``timeout`` passes."""
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=timeout)

    def kill_now(self) -> None:
        """At interpreter exit: stop the running step's process group at once."""
        if self._process is not None and self._process.returncode is None:
            _signal_group(self._process.pid, signal.SIGKILL)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        state, error = "succeeded", None
        try:
            for step in self.steps:
                self._check_cancel()
                if callable(step):
                    await asyncio.to_thread(step, self)
                elif isinstance(step, Fallback):
                    await self._run_fallback(step, deadline)
                else:
                    await self._run_command(list(step), deadline)
        except _Stop as stop:
            state, error = stop.state, stop.error
        except StepFailed as exc:
            state, error = "failed", str(exc)
        except asyncio.CancelledError:
            # The loop is going away: no time for a graceful stop.
            self.kill_now()
            if self.cleanup is not None:
                self.cleanup(self)
            raise
        except Exception as exc:
            log.exception("Job %s failed", self.id)
            state, error = "failed", f"{type(exc).__name__}: {exc}"
        if state != "succeeded":
            self.log.append(str(error) if state == "cancelled" else f"Failed: {error}")
            if self.cleanup is not None:
                try:
                    await asyncio.to_thread(self.cleanup, self)
                except Exception as exc:
                    log.exception("Cleanup of job %s failed", self.id)
                    self.log.append(f"Cleanup failed: {exc}")
        self.state, self.error, self.finished_at = state, error, now()

    def _check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise _Stop("cancelled", "Cancelled by the user.")

    async def _run_fallback(self, step: Fallback, deadline: float) -> None:
        try:
            await self._run_command(list(step.first), deadline)
        except _Stop as stop:
            if not stop.exited:
                raise
            self._check_cancel()
            self.log.append(step.note)
            await self._run_command(list(step.then), deadline)

    async def _run_command(self, argv: list[str], deadline: float) -> None:
        self.log.append("$ " + shlex.join(argv))
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )
        except OSError as exc:
            raise _Stop("failed", f"Cannot run {argv[0]}: {exc.strerror or exc}") from None
        self._process = process
        if self.on_spawn is not None:
            self.on_spawn(process.pid)
        assert process.stdout is not None and self._cancel is not None
        last_lines: collections.deque[str] = collections.deque(maxlen=1)
        reader = asyncio.ensure_future(self._pump(process.stdout, last_lines))
        exited = asyncio.ensure_future(process.wait())
        cancelled = asyncio.ensure_future(self._cancel.wait())
        try:
            remaining = max(0.0, deadline - asyncio.get_running_loop().time())
            await asyncio.wait(
                {exited, cancelled},
                timeout=remaining,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not exited.done():
                await _terminate(process)
                self.exit_status = process.returncode
                await _drain(reader)
                if self._cancel.is_set():
                    raise _Stop("cancelled", "Cancelled by the user.")
                raise _Stop("failed", f"Timed out after {self.timeout:g} seconds.")
        finally:
            cancelled.cancel()
        self.exit_status = process.returncode
        await _drain(reader)
        if process.returncode != 0:
            program = os.path.basename(argv[0])
            detail = f": {last_lines[0]}" if last_lines else ""
            raise _Stop(
                "failed",
                f"{program} exited with status {process.returncode}{detail}",
                exited=True,
            )

    async def _pump(self, stream: asyncio.StreamReader, last: collections.deque) -> None:
        """Copy a child's output into the log line by line, as it arrives.

        Each chunk is split on its own and an unfinished line keeps at most
        MAX_LINE characters, so the work is linear in the output and the memory
        bounded however long a line runs (the decoder holds at most 3 bytes).
        """
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        unfinished = _Unfinished()
        while True:
            chunk = await stream.read(READ_SIZE)
            text = decoder.decode(chunk, final=not chunk)
            # Progress bars redraw with a bare carriage return: a line each. A
            # "\r\n" leaves an empty line between, skipped like any blank line.
            *ended, rest = text.replace("\r", "\n").split("\n")
            if ended:
                ended[0], dropped = unfinished.end(ended[0])
                self._add_output(ended, last, dropped)
            unfinished.add(rest)
            if not chunk:
                break
        line, dropped = unfinished.end("")
        self._add_output([line], last, dropped)

    def _add_output(self, lines: list[str], last: collections.deque, dropped: int = 0) -> None:
        """Whole lines in order; the first had ``dropped`` characters cut off."""
        if dropped:
            self.log.append(lines[0], dropped)
            last.append(lines[0].strip()[:300])
            lines = lines[1:]
        lines = [line for line in lines if line and not line.isspace()]
        if lines:
            self.log.extend(lines)
            last.append(lines[-1].strip()[:300])


class _Unfinished:
    """The line a child is writing: its first MAX_LINE characters, and a count
    of the rest."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._room = MAX_LINE
        self._dropped = 0

    def add(self, text: str) -> None:
        if len(text) > self._room:
            self._dropped += len(text) - self._room
            text = text[: self._room]
        if text:
            self._parts.append(text)
            self._room -= len(text)

    def end(self, text: str) -> tuple[str, int]:
        """The whole line, ended by ``text``, and how many characters it lost."""
        self.add(text)
        line, dropped = "".join(self._parts), self._dropped
        self._parts, self._room, self._dropped = [], MAX_LINE, 0
        return line, dropped


async def _drain(reader: asyncio.Future) -> None:
    # A grandchild that keeps the pipe open must not hold the job forever.
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(reader, KILL_GRACE)


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


async def _terminate(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to the whole group, SIGKILL after a grace period."""
    _signal_group(process.pid, signal.SIGTERM)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(process.wait(), KILL_GRACE)
    # Also whatever the leader left behind in its group.
    _signal_group(process.pid, signal.SIGKILL)
    await process.wait()


_registries: weakref.WeakSet[JobRegistry] = weakref.WeakSet()


class JobRegistry:
    """Running jobs and the last finished ones, in memory."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        _registries.add(self)

    def add(self, job: Job) -> Job:
        self._jobs[job.id] = job
        job.start()
        self._prune()
        return job

    def get(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NotFound(f"No job {job_id}.", "not-found") from None

    def running(self) -> list[Job]:
        return [job for job in self._jobs.values() if job.running]

    def running_for(self, environment: str) -> Job | None:
        return next((j for j in self.running() if j.environment == environment), None)

    def summaries(self) -> list[dict]:
        return [job.summary() for job in reversed(self._jobs.values())]

    async def cancel_all(self, timeout: float = 30.0) -> None:
        jobs = self.running()
        for job in jobs:
            job.cancel()
        for job in jobs:
            await job.wait(timeout)

    def kill_all_now(self) -> None:
        for job in self.running():
            job.kill_now()
            if job.cleanup is not None:
                with contextlib.suppress(Exception):
                    job.cleanup(job)

    def _prune(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if not job.running]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job_id]


def all_registries() -> list[JobRegistry]:
    """Every live registry: one per server in this process."""
    return list(_registries)


def kill_all_registries() -> None:
    """atexit: no job's process group outlives the server, nor its half-made work."""
    for registry in all_registries():
        registry.kill_all_now()
