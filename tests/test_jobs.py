"""Job steps run for real (subprocesses): the ``Fallback`` step, and output."""

from __future__ import annotations

import asyncio
import sys
import time
import tracemalloc
from dataclasses import dataclass

import pytest

from jupyterlab_kernel_manager.jobs import (
    HEAD_CHARS,
    HEAD_LINES,
    MAX_LINE,
    TAIL_CHARS,
    TAIL_LINES,
    Fallback,
    Job,
)

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
    job.steps = [Fallback(python("import time; time.sleep(30)"), python("print('x')"), "n")]
    job.start()
    await job.wait(30.0)
    assert (job.state, job.error) == ("failed", "Timed out after 1 seconds.")
    assert "n" not in job.log.since(0)


# Output: a child that writes a flood, one endless line, progress bars.

MB = 2**20
# Longest time the event loop may be kept from other work.
STALL = 0.050


def writer(megabytes: int, line_length: int | None) -> list[str]:
    """A child writing ``megabytes`` MiB, in lines of ``line_length`` bytes (newline
    included) or as one line with no newline at all."""
    if line_length is None:
        block = f"b'x' * {MB}"
    else:
        block = f"(b'x' * {line_length - 1} + b'\\n') * {MB // line_length}"
    return python(
        f"import sys\nblock = {block}\nfor _ in range({megabytes}): sys.stdout.buffer.write(block)"
    )


@dataclass
class Measured:
    """A job run while a ticker wakes every 5 ms.

    Gaps between two wake-ups are taken by the clock and by this thread's CPU
    time: on a busy machine the process may wait for a core for tens of ms,
    which the clock counts though the loop did nothing to cause it. The loop
    thread's CPU time is also the cost of the job to the server.
    """

    job: Job
    seconds: float
    cpu_seconds: float
    wall_gap: float
    cpu_gap: float


async def measure(argv: list[str]) -> Measured:
    loop = asyncio.get_running_loop()
    done = False
    gaps = [0.0, 0.0]

    async def tick():
        wall, cpu = loop.time(), time.thread_time()
        while not done:
            await asyncio.sleep(0.005)
            now_wall, now_cpu = loop.time(), time.thread_time()
            gaps[0] = max(gaps[0], now_wall - wall)
            gaps[1] = max(gaps[1], now_cpu - cpu)
            wall, cpu = now_wall, now_cpu

    ticker = asyncio.ensure_future(tick())
    started, started_cpu = time.perf_counter(), time.thread_time()
    job = await run(argv)
    seconds = time.perf_counter() - started
    cpu_seconds = time.thread_time() - started_cpu
    done = True
    await ticker
    assert job.state == "succeeded", job.log.since(0)[-3:]
    # Checked at once: the old quadratic pump fails here on its first run.
    assert gaps[1] <= STALL, f"the loop was busy for {gaps[1] * 1000:.0f} ms at once"
    return Measured(job, seconds, cpu_seconds, *gaps)


@pytest.mark.parametrize("line_length", [None, 100], ids=["one-line-no-newline", "100-byte-lines"])
async def test_a_flood_of_output_costs_linear_time_and_never_stalls_the_loop(
    line_length,
):
    # Alternating, twice each: the better of two runs leaves out a noisy moment.
    runs: dict[int, list[Measured]] = {25: [], 100: []}
    for megabytes in [25, 100, 25, 100]:
        runs[megabytes].append(await measure(writer(megabytes, line_length)))
    small, large = (min(runs[mb], key=lambda m: m.cpu_seconds) for mb in (25, 100))
    print(
        f"\n{line_length or 'one'}-byte lines: 25 MiB {small.seconds:.2f} s "
        f"({small.cpu_seconds:.2f} s CPU), 100 MiB {large.seconds:.2f} s "
        f"({large.cpu_seconds:.2f} s CPU, {100 / large.seconds:.0f} MiB/s); "
        f"longest gap {max(m.wall_gap for m in runs[100]) * 1000:.0f} ms"
    )

    # Linear: 4 times the output, about 4 times the work (quadratic would be 16).
    assert large.cpu_seconds / small.cpu_seconds <= 6
    for measured in runs.values():
        assert min(m.wall_gap for m in measured) <= STALL
    log = large.job.log.since(0)
    if line_length is None:
        assert len(log) == 2 and large.job.log.total == 2
        dropped = 100 * MB - MAX_LINE
        assert log[1] == "x" * MAX_LINE + f" [... {dropped:,} characters dropped]"
    else:
        lines = 100 * (MB // line_length)
        assert large.job.log.total == 1 + lines
        omitted = lines + 1 - HEAD_LINES - TAIL_LINES
        assert log[HEAD_LINES] == f"[... {omitted} lines omitted ...]"
        assert log[1:HEAD_LINES] + log[HEAD_LINES + 1 :] == ["x" * 99] * (
            HEAD_LINES + TAIL_LINES - 1
        )


async def test_an_endless_line_is_held_in_bounded_memory():
    tracemalloc.start()
    try:
        job = await run(writer(16, None))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert job.state == "succeeded"
    # The line is 16 MiB; what is kept of it, and a chunk or two in flight, is not.
    assert peak < 4 * MB, f"{peak / MB:.1f} MiB"


async def test_lines_end_at_newlines_and_carriage_returns():
    long = "y" * (MAX_LINE + 1234)
    job = await run(
        python(
            "import sys, time\n"
            "out = sys.stdout.buffer\n"
            # A progress bar, Windows line ends, blank lines.
            "out.write(b' 10%\\r 50%\\r100%\\r\\nnext\\r\\n\\n   \\n'); out.flush()\n"
            # An 'é' (c3 a9) and a line split across writes.
            "out.write(b'caf\\xc3'); out.flush(); time.sleep(0.2)\n"
            "out.write(b'\\xa9 au\\r'); out.flush(); time.sleep(0.2)\n"
            f"out.write(b'{long}\\n')\n"
            "out.write(b'half ' * 2000); out.flush(); time.sleep(0.2)\n"
            "out.write(b'and the end, unfinished')\n"
        )
    )

    assert job.state == "succeeded"
    assert job.log.since(1) == [
        " 10%",
        " 50%",
        "100%",
        "next",
        "café au",
        "y" * MAX_LINE + " [... 1,234 characters dropped]",
        ("half " * 800).rstrip() + " [... 6,023 characters dropped]",
    ]


async def test_a_log_keeps_to_its_character_budget_whatever_the_lines_hold():
    # 6,000 lines of 4,000 emoji (16 kB of UTF-8 each): 80 MB per job before.
    code = (
        "import sys\nfor i in range(6000): sys.stdout.write(str(i) + '\U0001f600' * 4000 + '\\n')"
    )
    job = await run(python(code))

    assert job.state == "succeeded"
    lines = job.log.since(0)
    kept = sum(map(len, lines))
    assert kept <= HEAD_CHARS + TAIL_CHARS + 200
    # The head is the first lines, the tail the last ones, with the gap marked.
    assert lines[1].startswith("0\U0001f600")
    assert lines[-1].startswith("5999\U0001f600")
    marker = next(line for line in lines if line.startswith("[... "))
    first_in_tail = int(lines[lines.index(marker) + 1].split("\U0001f600")[0])
    assert marker == f"[... {first_in_tail - (lines.index(marker) - 1)} lines omitted ...]"
    # Every line after the marker follows the one before it.
    tail = [int(line.split("\U0001f600")[0]) for line in lines[lines.index(marker) + 1 :]]
    assert tail == list(range(tail[0], 6000))
    # Asking from any index inside the tail gives the same lines.
    assert job.log.since(job.log.total - 3) == lines[-3:]
