"""Creating an environment through the server next to the same commands run bare.

uv's and pip's caches are the user's own (the point is the warm-cache case). Two
``jupyter server``s with max_environments=0: the main one as installed, and (unless
BENCH_UV_ONLINE=0) one with prefer_cached_packages=False (uv asks the index every time),
its own data directory. PYTHONDONTWRITEBYTECODE is unset (a user's server does not set it;
BENCH_KEEP_DONTWRITEBYTECODE=1 keeps it).

Per backend of BENCH_BACKENDS ("uv,venv,conda"; conda only when mamba, micromamba or conda
is on PATH): one untimed warm-up through the API, whose job log (``$ <argv>`` lines) gives
the argv the bare runs execute; then BENCH_RUNS (3) runs interleaved: "ours" (POST, the job
polled every BENCH_POLL_MS (25) ms with ?since=N, until it succeeded, kernel.json exists and
GET api/kernelspecs lists it) and "bare" (the same argv back to back, the environment
variables the server gives its steps, no pip or uv config file, then the kernel.json
rewrite the server does). Per step: ours from the job log
as it streams (±1 poll), bare timed around each call. Also the server's CPU per creation
and per poll, the first kernel of the last environment (POST api/kernels → an
execute_reply to ``print(sys.prefix)``), sizes on disk, and DELETE. Goals: ours / bare,
ratio of medians <= 1.10; uv with warm caches under 1 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import time
import uuid
from pathlib import Path

from common import Client, Scratch, cpu_seconds, env_int, execute_request, save, say, stats, verdict

RUNS = env_int("BENCH_RUNS", 3)
POLL = env_int("BENCH_POLL_MS", 25) / 1000
GOAL_RATIO, GOAL_FAST = 1.10, 1.0
CACHE_MISS = "Not everything is in uv's cache: asking the package index."


def label(argv: list[str]) -> str:
    """A step's short name: `uv venv`, `python -m pip install`, `python -c …`."""
    words = ["python" if Path(argv[0]).name.startswith("python") else Path(argv[0]).name]
    rest = argv[1:]
    while rest and rest[0].startswith("-") and rest[0] not in ("-m", "-c"):
        words.append(rest.pop(0))
    if rest[:1] == ["-c"]:
        return " ".join([*words, "-c", "…"])
    keep = rest[:3] if rest[:1] == ["-m"] else [w for w in rest[:2] if not w.startswith("-")]
    return " ".join(words + [w for w in keep if "/" not in w])


def create_ours(api: Client, pid: int, backend: str, name: str, kernels: Path) -> dict:
    """POST, poll the job until done, check the kernelspec; the steps from the log."""
    cpu = cpu_seconds(pid)
    t0 = time.perf_counter()
    job_id = api.call("POST", "kernel-manager/environments", {"name": name, "backend": backend})
    job_id = job_id.data["job"]
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
        raise SystemExit(
            f"{name} ({backend}): {job['state']}: {job['error']}\n" + "\n".join(log[-15:])
        )
    if (
        not (kernels / name / "kernel.json").is_file()
        or name not in api.get("api/kernelspecs")["kernelspecs"]
    ):
        raise SystemExit(f"{name}: the job succeeded but its kernelspec is not listed")
    ends = [t for t, _ in events[1:]] + [job_seconds]
    return {
        "name": name,
        "job": job_id,
        "seconds": time.perf_counter() - t0,
        "job_seconds": job_seconds,
        "first_step": events[0][0] if events else None,
        "polls": polls,
        "server_cpu": cpu_seconds(pid) - cpu,
        "steps": [(label(argv), end - t) for (t, argv), end in zip(events, ends)],
        "commands": [argv for _, argv in events],
        "log": log,
    }


def run_bare(commands, cwd: Path, extra_env: dict) -> list[tuple[str, float]]:
    """The steps back to back, each in its own process group (stopped on Ctrl-C)."""
    # What the server gives its steps (probes.child_environment): no pip or uv config file.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INPUT="1", UV_NO_CONFIG="1")
    env.update(PYTHONUNBUFFERED="1", TMPDIR=str(cwd), **extra_env)
    steps = []
    for argv in commands:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            out = proc.communicate()[0]
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        if proc.returncode:
            raise SystemExit(f"bare step failed: {shlex.join(argv)}\n{out.decode()[-2000:]}")
        steps.append((label(argv), time.perf_counter() - start))
    return steps


def rewrite_kernelspec(kernel_json: Path, env_path: Path, name: str, backend: str) -> None:
    """What the server's last step does: metadata in kernel.json, the environment's marker."""
    spec = json.loads(kernel_json.read_text())
    metadata = spec["metadata"] = spec.get("metadata") or {}
    metadata["kernel_manager"] = {"environment": {"path": str(env_path), "backend": backend}}
    marker = {"name": name, "backend": backend}
    for path, data in ((kernel_json, spec), (env_path / ".kernel-manager.json", marker)):
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(path)


async def first_kernel(api: Client, spec: str) -> tuple[float, str]:
    """POST api/kernels, then an execute over its websocket: seconds until the reply."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    t0 = time.perf_counter()
    kernel = api.call("POST", "api/kernels", {"name": spec}).data
    url = api.ws_url(f"api/kernels/{kernel['id']}/channels")
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {api.token}"}))
    msg_id, message = execute_request("import sys; print(sys.prefix)", uuid.uuid4().hex)
    await ws.write_message(message)
    out, replied, idle = "", None, False
    while replied is None or not idle:  # the output comes on iopub, maybe after the reply
        msg = json.loads(await asyncio.wait_for(ws.read_message(), 120))
        if msg["parent_header"].get("msg_id") == msg_id:
            kind = msg["msg_type"]
            if kind == "stream":
                out += msg["content"]["text"]
            elif kind == "execute_reply":
                replied = time.perf_counter() - t0
            idle |= kind == "status" and msg["content"]["execution_state"] == "idle"
    ws.close()
    api.call("DELETE", f"api/kernels/{kernel['id']}")
    return replied, out.strip()


def substitute(warm: dict, envs: Path, name: str, path: Path) -> list[list[str]]:
    """The warm-up's argv for another environment name and path."""
    old_name, old_path = warm["name"], str(envs / warm["name"])

    def one(arg: str) -> str:
        if arg == old_name:
            return name
        return arg.replace(old_path, str(path)).replace(f"({old_name})", f"({name})")

    return [[one(arg) for arg in argv] for argv in warm["commands"]]


def sizes(path: Path) -> dict:
    files = [f.lstat() for f in path.rglob("*") if f.is_file() and not f.is_symlink()]
    du = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    unshared = sum(f.st_blocks * 512 for f in files if f.st_nlink == 1)
    return {"du_sb": int(du.stdout.split()[0]), "files": len(files), "unshared_bytes": unshared}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def median_steps(runs: list[dict]) -> list[tuple[str, float]]:
    names = [name for name, _ in runs[0]["steps"]]
    return [(n, statistics.median(r["steps"][i][1] for r in runs)) for i, n in enumerate(names)]


def bench_backend(api, server, backend, data_dir: Path, bare_dir: Path, title: str) -> dict:
    print(f"--- {title} ---")
    kernels, envs = (
        data_dir / "kernels",
        Path(api.get("kernel-manager/environments")["environments_dir"]),
    )
    extra = {"JUPYTER_DATA_DIR": str(data_dir)}
    warm = create_ours(api, server.pid, backend, unique(f"warm-{backend}"), kernels)
    if CACHE_MISS in warm["log"]:  # the cache has it now: the template is what runs from now on
        warm = create_ours(api, server.pid, backend, unique(f"warm-{backend}"), kernels)
    print(f"  warm-up (untimed) {warm['seconds']:.2f} s; steps:")
    for argv in warm["commands"]:
        print(f"    $ {shlex.join(argv)}")
    ours, bare = [], []
    for i in range(RUNS):
        ours.append(create_ours(api, server.pid, backend, unique(f"{backend}-{i + 1}"), kernels))
        name = unique(f"bare-{backend}-{i + 1}")
        t0 = time.perf_counter()
        steps = run_bare(substitute(warm, envs, name, bare_dir / name), bare_dir, extra)
        start = time.perf_counter()
        rewrite_kernelspec(kernels / name / "kernel.json", bare_dir / name, name, backend)
        steps.append(("kernel.json rewrite", time.perf_counter() - start))
        bare.append({"name": name, "seconds": time.perf_counter() - t0, "steps": steps})
        print(
            f"  run {i + 1}: ours {ours[-1]['seconds']:.2f} s ({ours[-1]['polls']} polls), bare {bare[-1]['seconds']:.2f} s"
        )
    out = {"ours": stats([r["seconds"] for r in ours]), "bare": stats([r["seconds"] for r in bare])}
    out["ratio"] = out["ours"]["median"] / out["bare"]["median"]
    out["ratio_of_minima"] = out["ours"]["min"] / out["bare"]["min"]
    o, b = out["ours"], out["bare"]
    print(f"  ours (POST → listed kernelspec) {o['median']:.2f} s ({o['min']:.2f}–{o['max']:.2f})")
    print(f"  bare (same argv)               {b['median']:.2f} s ({b['min']:.2f}–{b['max']:.2f})")
    print(
        f"  ratio of medians {out['ratio']:.3f} (goal ≤ {GOAL_RATIO}), of minima {out['ratio_of_minima']:.3f}"
    )
    out["steps"] = {"ours": median_steps(ours), "bare": median_steps(bare)}
    out["post_to_first_step"] = statistics.median(r["first_step"] for r in ours)
    out["succeeded_to_listed"] = statistics.median(r["seconds"] - r["job_seconds"] for r in ours)
    print(f"    {'POST → first step seen':40} ours {out['post_to_first_step']:6.3f} s")
    for (step, o_s), (_, b_s) in zip(out["steps"]["ours"], out["steps"]["bare"]):
        print(f"    {step:40} ours {o_s:6.3f} s   bare {b_s:6.3f} s")
    print(f"    {'kernel.json rewrite':40} {'':16} bare {out['steps']['bare'][-1][1]:6.3f} s")
    print(f"    {'succeeded seen → listed':40} ours {out['succeeded_to_listed']:6.3f} s")
    before = cpu_seconds(server.pid)
    for _ in range(40):
        api.get(f"kernel-manager/jobs/{ours[-1]['job']}?since=0")
        time.sleep(POLL)
    out["cpu"] = {"server_per_creation": statistics.median(r["server_cpu"] for r in ours)}
    out["cpu"]["server_per_poll"] = (cpu_seconds(server.pid) - before) / 40
    reply_s, prefix = asyncio.run(first_kernel(api, ours[-1]["name"]))
    if prefix != str(envs / ours[-1]["name"]):
        raise SystemExit(f"the kernel of {ours[-1]['name']} runs in {prefix}")
    out["first_kernel_reply"] = reply_s
    print(
        f"  server CPU per creation {out['cpu']['server_per_creation']:.3f} s (steps apart), per poll "
        f"{out['cpu']['server_per_poll'] * 1000:.1f} ms; last environment's first kernel: POST api/kernels "
        f"→ execute reply {reply_s:.2f} s"
    )
    path = envs / ours[0]["name"]
    listed = {e["name"]: e for e in api.get("kernel-manager/environments")["environments"]}
    out["size"] = {"api_size_bytes": listed[ours[0]["name"]]["size_bytes"], **sizes(path)}
    s = out["size"]
    print(
        f"  size: API {s['api_size_bytes'] / 1e6:.1f} MB, du -sb {s['du_sb'] / 1e6:.1f} MB, {s['files']:,} files, "
        f"{s['unshared_bytes'] / 1e6:.1f} MB not hard-linked elsewhere"
    )
    deletions = []
    for name in listed:
        deletions.append(api.call("DELETE", f"kernel-manager/environments/{name}").seconds * 1000)
    out["delete_ms"] = stats(deletions)
    print(
        f"  DELETE of {len(deletions)} environments: median {out['delete_ms']['median']:.0f} ms\n"
    )
    out["runs"] = {"ours": [{k: v for k, v in r.items() if k != "log"} for r in ours], "bare": bare}
    return out


def main() -> None:
    if (
        os.environ.get("PYTHONDONTWRITEBYTECODE")
        and os.environ.get("BENCH_KEEP_DONTWRITEBYTECODE") != "1"
    ):
        say("unsetting PYTHONDONTWRITEBYTECODE (BENCH_KEEP_DONTWRITEBYTECODE=1 keeps it)")
        del os.environ["PYTHONDONTWRITEBYTECODE"]
    backends = (os.environ.get("BENCH_BACKENDS") or "uv,venv,conda").split(",")
    result, verdicts = {"runs": RUNS, "poll_ms": POLL * 1000, "backends": {}}, []
    with Scratch("environments", home=False) as scratch:
        bare_dir = scratch.path / "bare"
        bare_dir.mkdir()
        main_data = Path(os.environ["JUPYTER_DATA_DIR"])
        args = ["--KernelManagerConfig.max_environments=0"]
        servers = {"main": (scratch.server("main", app="server", args=args).start(), main_data)}
        if os.environ.get("BENCH_UV_ONLINE", "1") == "1" and "uv" in backends:
            data = scratch.path / "data-online"
            online_args = [*args, "--KernelManagerConfig.prefer_cached_packages=False"]
            env = {"JUPYTER_DATA_DIR": str(data)}
            online = scratch.server("online", app="server", env=env, args=online_args)
            servers["online"] = (online.start(), data)
        for server, _ in servers.values():
            server.wait()
        main, _ = servers["main"]
        api = Client(main.base, main.token)
        # The backends: their own route, else (before it existed) the listing.
        reply = api.call("GET", "kernel-manager/backends", check=False)
        if reply.status != 200:
            reply = api.call("GET", "kernel-manager/environments")
        found = reply.data.get("backends", []) if isinstance(reply.data, dict) else reply.data
        available = {b["name"]: b for b in found}
        passes = []
        for backend in backends:
            info = available.get(backend) or {}
            missing = backend == "conda" and not any(
                map(shutil.which, ("mamba", "micromamba", "conda"))
            )
            if missing or not info.get("available", True):
                line = f"{backend}: not measured: {info.get('reason') or 'none of mamba, micromamba or conda is on PATH'}"
                print(f"--- {backend} ---\n  {line}\n")
                verdicts.append(line)
            else:
                passes.append((backend, main, backend, main_data, backend))
        if "online" in servers and any(p[0] == "uv" for p in passes):
            online, data = servers["online"]
            passes.append(
                (
                    "uv-online",
                    online,
                    "uv",
                    data,
                    "uv, the index asked every time (prefer_cached_packages=False)",
                )
            )
        for key, server, backend, data, title in passes:
            api = Client(server.base, server.token)
            result["backends"][key] = bench_backend(api, server, backend, data, bare_dir, title)
    for key, r in result["backends"].items():
        verdicts.append(
            f"{key}: overhead ratio {r['ratio']:.3f} = median ours {r['ours']['median']:.2f} s / bare "
            f"{r['bare']['median']:.2f} s (goal ≤ {GOAL_RATIO:.2f}): {verdict(r['ratio'] <= GOAL_RATIO)} "
            f"(ratio of minima {r['ratio_of_minima']:.3f})"
        )
    if "uv" in result["backends"]:
        fast = result["backends"]["uv"]["ours"]
        verdicts.append(
            f"fastest path, uv through the API with warm caches: median {fast['median']:.2f} s (min "
            f"{fast['min']:.2f}) to a listed kernelspec (goal < {GOAL_FAST:.0f} s): {verdict(fast['median'] < GOAL_FAST)}"
        )
    save("environments", result, verdicts)


if __name__ == "__main__":
    main()
