"""Job steps run for real (small subprocesses): the ``Fallback`` step."""

import sys

import pytest

from jupyterlab_kernel_manager.jobs import Fallback, Job

pytestmark = pytest.mark.asyncio


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


async def run(*steps) -> Job:
    job = Job("install", "e", timeout=30.0)
    job.steps = list(steps)
    job.start()
    await job.wait(30.0)
    return job


async def test_fallback_runs_the_second_command_when_the_first_exits_non_zero():
    job = await run(
        Fallback(
            python("print('cache miss'); raise SystemExit(2)"),
            python("print('from the index')"),
            "Asking the index.",
        )
    )
    assert (job.state, job.exit_status, job.error) == ("succeeded", 0, None)
    lines = job.log.since(0)
    assert lines[1:3] == ["cache miss", "Asking the index."]
    assert lines[-1] == "from the index"


async def test_fallback_skips_the_second_command_when_the_first_succeeds():
    job = await run(Fallback(python("print('cached')"), python("print('no')"), "n"))
    assert job.state == "succeeded"
    assert "no" not in job.log.since(0) and "n" not in job.log.since(0)


async def test_fallback_failing_twice_fails_with_the_second_message():
    job = await run(
        Fallback(
            python("print('first'); raise SystemExit(3)"),
            python("print('second reason'); raise SystemExit(4)"),
            "again",
        )
    )
    assert (job.state, job.exit_status) == ("failed", 4)
    assert job.error.endswith("exited with status 4: second reason")


async def test_cancel_during_the_first_command_does_not_fall_back():
    job = Job("install", "e", timeout=30.0)
    job.steps = [
        Fallback(
            python("import time; print('started', flush=True); time.sleep(30)"),
            python("print('fallback ran')"),
            "falling back",
        )
    ]
    job.start()
    while "started" not in job.log.since(0):
        await job.wait(0.05)
    job.cancel()
    await job.wait(30.0)
    assert job.state == "cancelled"
    assert "falling back" not in job.log.since(0)
    assert "fallback ran" not in job.log.since(0)


async def test_time_out_of_the_first_command_does_not_fall_back():
    job = Job("install", "e", timeout=1.0)
    job.steps = [
        Fallback(python("import time; time.sleep(30)"), python("print('x')"), "n")
    ]
    job.start()
    await job.wait(30.0)
    assert (job.state, job.error) == ("failed", "Timed out after 1 seconds.")
    assert "n" not in job.log.since(0)
