"""Helper processes that answer a question: an interpreter's version, whether it
imports ipykernel, uv's interpreters, an environment's packages.

Each reads nothing from where the server runs (on a hub, the user's home): a
Python runs isolated (``ISOLATED``: neither the working directory nor PYTHON*
variables nor the user's site-packages, and no bytecode written, as
PYTHONDONTWRITEBYTECODE would, which ``-I`` ignores), every probe in an empty
working directory given by the caller, with no config file of pip or uv
(``child_environment``), which could redirect an install.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, NamedTuple

# Put after a Python interpreter in every probe's argv.
ISOLATED = ("-I", "-B")
# Variables of the server's own Python that would leak into another interpreter.
_PYTHON_VARIABLES = ("PYTHONPATH", "PYTHONHOME")


def child_environment(**extra: str) -> dict:
    """The server's environment for a child that runs another Python or a tool.

    No config file of pip (``os.devnull``: pip loads none, not even
    ``<environment>/pip.conf``, which a package could plant) or of uv
    (``uv.toml``, ``pyproject.toml`` of the working directory and its parents,
    the user's and the system's); their environment variables (caches, indexes)
    still apply.
    """
    env = {k: v for k, v in os.environ.items() if k not in _PYTHON_VARIABLES}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INPUT="1", UV_NO_CONFIG="1")
    env.update(extra)
    return env


class Answer(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


async def run_probe(
    argv: Sequence[str],
    *,
    cwd: str | None,
    timeout: float,
    extra_env: Mapping[str, str] | None = None,
) -> Answer:
    """Run ``argv`` (never a shell) and read what it answers.

    Its input is closed and its output captured; it gets ``child_environment()``
    and runs in ``cwd`` and in a session of its own, whose processes are killed
    when it does not end within ``timeout`` seconds or the caller is cancelled.
    A process, not a thread: slow probes never take the threads other routes
    need. ``extra_env`` (a kernelspec's own ``env``) is applied over
    ``child_environment()``. OSError when it cannot start, TimeoutError when it
    does not end in time.
    """
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=child_environment(**(extra_env or {})),
        cwd=cwd,
        start_new_session=True,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except asyncio.TimeoutError:
        raise TimeoutError(f"no answer within {timeout:g} s") from None
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    assert process.returncode is not None
    return Answer(
        process.returncode,
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace"),
    )


async def every(*awaitables: Awaitable[Any]) -> list[Any]:
    """``asyncio.gather`` that, failing or cancelled, still waits for every one to
    end: gather would give up at the first, leaving probes that are still killing
    their processes when the server's loop closes."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
