"""Reproducing an environment through the server next to the same uv commands run bare.

Issue 11 (bench/README.md, "reproduce"): a clone of an environment with 50 packages, and
a creation from its exported pylock.toml, uv's cache warm. One ``jupyter server``; HOME
and UV_CACHE_DIR in the scratch directory; PYTHONDONTWRITEBYTECODE unset (unless
BENCH_KEEP_DONTWRITEBYTECODE=1). The source: a uv environment with BENCH_REPRO_PACKAGES
(50) of PACKAGES on top of ipykernel's closure and pip. One untimed clone and creation
from the file give the argv the bare runs execute. Then BENCH_RUNS (15) rounds, ours and
bare in alternating order, the previous round's environments deleted and disks synced:

- clone: ours = POST environments/src/clone; bare = ``uv pip freeze`` of the source, the
  clone's argv (``uv venv``, ``uv pip install --offline`` of the pins, the kernelspec),
  the kernel.json rewrite;
- from pylock.toml: ours = POST environments with requirements_file; bare = its argv,
  the same rewrite.

Ours runs from sending the POST to the job's finished_at (the server's clock), the job
polled every BENCH_POLL_MS (100) ms with ?since=N; the end as the client sees it and the
kernelspec listed are printed too, steps from the job log (±1 poll). For reference:
BENCH_NATIVE_RUNS (3) times ``uv pip install -r pylock.toml`` bare, the export against
``uv pip freeze`` + ``uv pip compile``. Goals: ratio of medians ≤ 1.10; clone < 1 s.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import statistics
import time
from datetime import datetime
from pathlib import Path

from common import Client, Scratch, cpu_seconds, env_int, loadavg, save, say, stats, verdict
from environments import first_kernel, label, rewrite_kernelspec, run_bare, substitute, unique

RUNS = env_int("BENCH_RUNS", 15)
NATIVE_RUNS = env_int("BENCH_NATIVE_RUNS", 3)
# The web UI asks every 500 ms; at 25 ms the polls cost the server ~0.07 s of CPU per
# clone, which the steps lose on 2 cores (at 250 ms, 0.03 s).
POLL = env_int("BENCH_POLL_MS", 100) / 1000
GOAL_RATIO, GOAL_CLONE = 1.10, 1.0
CACHE_MISS = "Not everything is in uv's cache: asking the package index."
# Pure-Python wheels without dependencies (on CPython 3.11, Linux), none of them in
# ipykernel's closure: the environment holds them plus the 30 every environment gets.
PACKAGES = (  # noqa: SIM905 (a list of words)
    "attrs blinker cachetools certifi click colorama cycler defusedxml distlib docutils "
    "et-xmlfile filelock humanize idna iniconfig itsdangerous jmespath jsonpointer mccabe "
    "mdurl more-itertools mpmath natsort pathspec pluggy ply pyasn1 pycodestyle pycparser "
    "pyflakes pyparsing python-dotenv pytz semantic-version six sniffio sortedcontainers "
    "soupsieve tabulate tenacity termcolor text-unidecode toml tomli tomlkit toolz "
    "urllib3 webencodings xmltodict zipp"
).split()
COUNT = min(len(PACKAGES), env_int("BENCH_REPRO_PACKAGES", 50))


def server_seconds(stamp: str | None, wall0: float) -> float | None:
    """A job's timestamp (ISO, UTC) as seconds after the client's ``wall0``."""
    return None if stamp is None else datetime.fromisoformat(stamp).timestamp() - wall0


def run_job(api: Client, pid: int, path: str, body: dict, name: str, kernels: Path) -> dict:
    """POST, poll the job until it ends, then check the kernelspec is listed."""
    cpu = cpu_seconds(pid)
    wall0, t0 = time.time(), time.perf_counter()
    reply = api.call("POST", path, body)
    posted = time.perf_counter() - t0
    job_id = reply.data["job"]
    since, log, events, polls = 0, [], [], 0
    while True:
        job = api.get(f"kernel-manager/jobs/{job_id}?since={since}")
        seen, polls, since = time.perf_counter() - t0, polls + 1, job["next"]
        for line in job["log"]:
            log.append(line)
            if line.startswith("$ "):
                events.append((seen, shlex.split(line[2:])))
        if job["state"] != "running":
            break
        time.sleep(POLL)
    job_seconds = time.perf_counter() - t0
    if job["state"] != "succeeded":
        raise SystemExit(f"{name}: {job['state']}: {job['error']}\n" + "\n".join(log[-15:]))
    if (
        not (kernels / name / "kernel.json").is_file()
        or name not in api.get("api/kernelspecs")["kernelspecs"]
    ):
        raise SystemExit(f"{name}: the job succeeded but its kernelspec is not listed")
    listed = time.perf_counter() - t0
    ends = [t for t, _ in events[1:]] + [job_seconds]
    return {
        "name": name,
        "job": job_id,
        # The job's end on the server's clock (its finished_at, after the last step):
        # what the client sees adds up to one poll interval.
        "seconds": server_seconds(job["finished_at"], wall0),
        "seen": job_seconds,
        "listed": listed,
        "post_reply": posted,
        "server_started": server_seconds(job["started_at"], wall0),
        "first_step": events[0][0] if events else None,
        "polls": polls,
        "server_cpu": cpu_seconds(pid) - cpu,
        "steps": [(label(argv), end - t) for (t, argv), end in zip(events, ends)],
        "commands": [argv for _, argv in events],
        "cache_miss": CACHE_MISS in log,
        "log": log,
    }


def bare(commands, name: str, env_path: Path, kernels: Path, bare_dir: Path, extra) -> dict:
    """The argv back to back, then the kernel.json rewrite."""
    t0 = time.perf_counter()
    steps = run_bare(commands, bare_dir, extra)
    start = time.perf_counter()
    rewrite_kernelspec(kernels / name / "kernel.json", env_path, name, "uv")
    steps.append(("kernel.json rewrite", time.perf_counter() - start))
    return {"name": name, "seconds": time.perf_counter() - t0, "steps": steps}


def warm_up(api, pid, path, body_for, prefix: str, kernels: Path) -> dict:
    """An untimed job; once more if uv had to ask the index (its cache has it now)."""
    for _ in range(2):
        name = unique(prefix)
        warm = run_job(api, pid, path, body_for(name), name, kernels)
        if not warm["cache_miss"]:
            break
    if warm["cache_miss"]:
        raise SystemExit(f"{prefix}: uv still asks the index:\n" + "\n".join(warm["log"][-15:]))
    print(f"  warm-up {prefix} (untimed) {warm['seconds']:.2f} s; steps:")
    for argv in warm["commands"]:
        text = shlex.join(argv)
        print(f"    $ {text if len(text) < 160 else text[:150] + ' …'}")
    return warm


def summary(title: str, ours: list[dict], bares: list[dict]) -> dict:
    out = {
        "ours": stats([r["seconds"] for r in ours]),
        "bare": stats([r["seconds"] for r in bares]),
        "ours_seen": stats([r["seen"] for r in ours]),
        "ours_listed": stats([r["listed"] for r in ours]),
        "post_reply": stats([r["post_reply"] for r in ours]),
        "job_run": stats([r["seconds"] - r["server_started"] for r in ours]),
        "paired_difference": stats([o["seconds"] - b["seconds"] for o, b in zip(ours, bares)]),
        # Each round's own ratio: what drifts from round to round (this machine's disk,
        # other users) weighs on both sides of a round alike.
        "paired_ratio": stats([o["seconds"] / b["seconds"] for o, b in zip(ours, bares)]),
        "server_cpu": statistics.median(r["server_cpu"] for r in ours),
        "polls": statistics.median(r["polls"] for r in ours),
    }
    o, b, seen = out["ours"], out["bare"], out["ours_seen"]
    out["ratio"] = o["median"] / b["median"]
    out["ratio_of_minima"] = o["min"] / b["min"]
    out["ratio_seen"] = seen["median"] / b["median"]
    print(f"--- {title} ---")
    for what, x, more in (
        ("ours, POST → finished_at", o, f"({o['min']:.3f}–{o['max']:.3f})"),
        ("ours, POST → the end seen", seen, f"(polled every {POLL * 1000:.0f} ms)"),
        ("ours, POST → kernelspec listed", out["ours_listed"], ""),
        ("bare (the same argv)", b, f"({b['min']:.3f}–{b['max']:.3f})"),
    ):
        print(f"  {what:32} median {x['median']:.3f} s, p90 {x['p90']:.3f} s {more}")
    print(
        f"  ratio of medians {out['ratio']:.3f} (goal ≤ {GOAL_RATIO}), of minima "
        f"{out['ratio_of_minima']:.3f}, as seen by the client {out['ratio_seen']:.3f}"
    )
    print(
        f"  in a round: ours / bare median {out['paired_ratio']['median']:.3f} (p90 "
        f"{out['paired_ratio']['p90']:.3f}), ours − bare median "
        f"{out['paired_difference']['median'] * 1000:+.0f} ms"
    )
    print(
        f"    POST reply {out['post_reply']['median'] * 1000:.0f} ms; job started_at → finished_at "
        f"{out['job_run']['median']:.3f} s; {out['polls']:.0f} polls; server CPU "
        f"{out['server_cpu']:.3f} s (its children apart)"
    )
    out["steps"] = {"ours": median_steps(ours), "bare": median_steps(bares)}
    ours_steps = dict(out["steps"]["ours"])
    first = statistics.median(r["first_step"] for r in ours)
    print(f"    steps (ours from the log as polled, ±{POLL * 1000:.0f} ms)")
    print(f"    {'POST → first step seen':34} ours {first:6.3f} s")
    for step, b_s in out["steps"]["bare"]:
        o_s = f"{ours_steps[step]:6.3f} s" if step in ours_steps else " " * 8
        print(f"    {step:34} ours {o_s}   bare {b_s:6.3f} s")
    return out


def median_steps(runs: list[dict]) -> list[tuple[str, float]]:
    names = [name for name, _ in runs[0]["steps"]]
    return [(n, statistics.median(r["steps"][i][1] for r in runs)) for i, n in enumerate(names)]


def clear(bare_dir: Path, kernels: Path) -> None:
    """The bare environments and their kernelspecs, removed."""
    for entry in bare_dir.iterdir():
        shutil.rmtree(kernels / entry.name, ignore_errors=True)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def wait_removed(envs: Path, timeout: float = 60.0) -> None:
    """Until the server has deleted the removed environments' trash."""
    deadline = time.monotonic() + timeout
    while any(p.name.startswith(".deleting-") for p in envs.iterdir()):
        if time.monotonic() > deadline:
            raise SystemExit(f"the server has not deleted the trash in {envs} in {timeout:g} s")
        time.sleep(0.05)


def main() -> None:
    if (
        os.environ.get("PYTHONDONTWRITEBYTECODE")
        and os.environ.get("BENCH_KEEP_DONTWRITEBYTECODE") != "1"
    ):
        say("unsetting PYTHONDONTWRITEBYTECODE (BENCH_KEEP_DONTWRITEBYTECODE=1 keeps it)")
        del os.environ["PYTHONDONTWRITEBYTECODE"]
    result: dict = {"runs": RUNS, "poll_ms": POLL * 1000, "load_start": loadavg()}
    with Scratch("reproduce") as scratch:
        os.environ["UV_CACHE_DIR"] = str(scratch.path / "uv-cache")
        bare_dir = scratch.path / "bare"
        bare_dir.mkdir()
        data = Path(os.environ["JUPYTER_DATA_DIR"])
        kernels = data / "kernels"
        extra = {"JUPYTER_DATA_DIR": str(data)}
        server = scratch.server(
            "main", app="server", args=["--KernelManagerConfig.max_environments=0"]
        ).start()
        server.wait()
        api = Client(server.base, server.token)
        uv = next(b for b in api.get("kernel-manager/backends")["backends"] if b["name"] == "uv")
        if not uv["available"]:
            raise SystemExit(f"uv is not available: {uv['reason']}")
        envs = Path(api.get("kernel-manager/environments")["environments_dir"])

        say(f"the source: a uv environment with {COUNT} packages (uv's cache: scratch)")
        body = {"name": "src", "backend": "uv", "packages": PACKAGES[:COUNT]}
        made = run_job(api, server.pid, "kernel-manager/environments", body, "src", kernels)
        export = api.get("kernel-manager/environments/src/export?format=requirements.txt")
        pins = [line for line in export["content"].splitlines() if line and line[0] != "#"]
        print(f"  made in {made['seconds']:.2f} s; {len(pins)} packages installed")
        result["source"] = {"asked": PACKAGES[:COUNT], "pins": pins, "seconds": made["seconds"]}
        lock = api.get("kernel-manager/environments/src/export?format=pylock.toml")["content"]
        freeze = [uv["executable"], "pip", "freeze", "--color", "never"]
        freeze += ["--python", str(envs / "src" / "bin" / "python")]

        clone_warm = warm_up(
            api, server.pid, "kernel-manager/environments/src/clone",
            lambda name: {"name": name}, "warm-clone", kernels,
        )  # fmt: skip
        installed = next(c for c in clone_warm["commands"] if c[1:3] == ["pip", "install"])
        if sorted(a for a in installed if "==" in a) != sorted(p for p in pins if "==" in p):
            raise SystemExit("the clone does not install the source's pins")

        def from_lock(name: str) -> dict:
            file = {"format": "pylock.toml", "content": lock}
            return {"name": name, "backend": "uv", "requirements_file": file}

        lock_warm = warm_up(
            api, server.pid, "kernel-manager/environments", from_lock, "warm-lock", kernels
        )
        lock_file = scratch.path / "pylock.toml"
        lock_file.write_text(lock)
        pins_file = scratch.path / "pins.txt"
        compile_argv = [uv["executable"], "pip", "compile", "--offline", "--format", "pylock.toml"]
        compile_argv += ["--no-deps", "--no-header", "--quiet", "--color", "never"]
        compile_argv += ["--python", str(envs / "src" / "bin" / "python"), str(pins_file)]

        runs: dict[str, list] = {k: [] for k in ("clone", "clone_bare", "lock", "lock_bare")}
        runs.update(native=[], export=[], export_bare=[])

        def native_run(offline: bool, name: str) -> dict:
            make, install, spec = substitute(lock_warm, envs, name, bare_dir / name)[:3]
            install = [*install[:3], *(["--offline"] if offline else [])]
            install += ["--python", str(bare_dir / name / "bin" / "python"), "-r", str(lock_file)]
            return bare([make, install, spec], name, bare_dir / name, kernels, bare_dir, extra)

        previous: list[str] = []
        print(f"\n{RUNS} rounds (load average {loadavg()})")
        for i in range(RUNS):
            for name in previous:  # the previous round's, now: the last ones get a kernel
                api.call("DELETE", f"kernel-manager/environments/{name}")
            wait_removed(envs)
            os.sync()  # the deletions' writes are not the next round's
            previous = []
            for kind, warm in (("clone", clone_warm), ("lock", lock_warm)):
                ours_name, bare_name = unique(f"{kind}-{i + 1}"), unique(f"bare-{kind}-{i + 1}")
                commands = substitute(warm, envs, bare_name, bare_dir / bare_name)
                if kind == "clone":
                    commands = [freeze, *commands]
                    path, body = "kernel-manager/environments/src/clone", {"name": ours_name}
                else:
                    path, body = "kernel-manager/environments", from_lock(ours_name)
                for side in ("ours", "bare") if i % 2 == 0 else ("bare", "ours"):
                    if side == "ours":
                        runs[kind].append(run_job(api, server.pid, path, body, ours_name, kernels))
                        previous.append(ours_name)
                    else:
                        env_path = bare_dir / bare_name
                        runs[f"{kind}_bare"].append(
                            bare(commands, bare_name, env_path, kernels, bare_dir, extra)
                        )
            # Export (reference).
            runs["export"].append(
                api.call("GET", "kernel-manager/environments/src/export?format=pylock.toml").seconds
            )
            t0 = time.perf_counter()
            run_bare([freeze], bare_dir, extra)
            pins_file.write_text("".join(f"{p}\n" for p in pins))
            run_bare([compile_argv], bare_dir, extra)
            runs["export_bare"].append(time.perf_counter() - t0)
            clear(bare_dir, kernels)
            c, cb, lo, lb = (
                runs[k][-1]["seconds"] for k in ("clone", "clone_bare", "lock", "lock_bare")
            )
            print(f"  round {i + 1}: clone ours {c:.3f} s / bare {cb:.3f} s; from pylock.toml ours {lo:.3f} s / bare {lb:.3f} s  (load {loadavg()})")  # fmt: skip
        result["load_end"] = loadavg()
        # uv reads pylock.toml itself; offline first, else (its cache is keyed by the
        # file's URLs, not the index's) online once untimed, then timed.
        # After the rounds: online, its requests would weigh on them.
        native, native_error = None, None
        for offline in (True, False):
            try:
                native_run(offline, unique("native-warm"))
                native = offline
                break
            except SystemExit as error:
                if offline:
                    native_error = str(error).splitlines()[-1].strip()[:300]
                    print(f"  uv pip install --offline -r pylock.toml fails: {native_error}")
        result["native_offline"] = native
        for i in range(NATIVE_RUNS if native is not None else 0):
            clear(bare_dir, kernels)
            os.sync()
            runs["native"].append(native_run(native, unique(f"native-{i + 1}")))
        clear(bare_dir, kernels)
        print()
        result["clone"] = summary(
            f"clone of an environment with {len(pins)} packages", runs["clone"], runs["clone_bare"]
        )
        result["lock"] = summary(
            "create from the exported pylock.toml", runs["lock"], runs["lock_bare"]
        )
        if runs["native"]:
            result["native"] = stats([r["seconds"] for r in runs["native"]])
            how = "--offline " if native else ""
            print(
                f"  for reference, uv venv + uv pip install {how}-r pylock.toml + kernelspec: median "
                f"{result['native']['median']:.3f} s, p90 {result['native']['p90']:.3f} s"
            )
        result["native_error"] = native_error
        result["export"] = {"ours": stats(runs["export"]), "bare": stats(runs["export_bare"])}
        e = result["export"]
        print(
            f"--- export pylock.toml (reference) ---\n  GET export median {e['ours']['median'] * 1000:.0f} ms, "
            f"bare freeze + compile --offline {e['bare']['median'] * 1000:.0f} ms"
        )
        # The last round's environments work: a kernel in each.
        for name in previous:
            took, prefix = asyncio.run(first_kernel(api, name))
            if prefix != str(envs / name):
                raise SystemExit(f"the kernel of {name} runs in {prefix}")
            result.setdefault("first_kernel", {})[name] = took
            print(
                f"  {name}: first kernel POST api/kernels → execute reply {took:.2f} s, in {prefix}"
            )
        for name in [*previous, "src", clone_warm["name"], lock_warm["name"]]:
            api.call("DELETE", f"kernel-manager/environments/{name}")
        wait_removed(envs)
        result["runs_detail"] = {
            k: [{x: y for x, y in r.items() if x != "log"} if isinstance(r, dict) else r for r in v]
            for k, v in runs.items()
        }
    verdicts = []
    for key, what in (("clone", "clone"), ("lock", "create from pylock.toml")):
        r = result[key]
        verdicts.append(
            f"{what}: overhead ratio {r['ratio']:.3f} = median ours {r['ours']['median']:.3f} s / bare "
            f"{r['bare']['median']:.3f} s (goal ≤ {GOAL_RATIO:.2f}): {verdict(r['ratio'] <= GOAL_RATIO)} "
            f"(p90 {r['ours']['p90']:.3f} / {r['bare']['p90']:.3f} s; as seen by the client "
            f"{r['ratio_seen']:.3f}; median of each round's ratio {r['paired_ratio']['median']:.3f})"
        )
    clone, seen = result["clone"]["ours"], result["clone"]["ours_seen"]
    verdicts.append(
        f"clone of {len(result['source']['pins'])} packages through the API, POST → finished_at: median "
        f"{clone['median']:.3f} s, p90 {clone['p90']:.3f} s (goal < {GOAL_CLONE:.0f} s): "
        f"{verdict(clone['median'] < GOAL_CLONE)} (seen by the client {seen['median']:.3f} s)"
    )
    save("reproduce", result, verdicts)


if __name__ == "__main__":
    main()
