"""Environment creation through the server next to the same commands run bare.

Usage: python environments_bench.py BASE_URL TOKEN BARE_DIR RESULT_JSON

Run by environments.sh, with the server's environment (JUPYTER_DATA_DIR...).
For each backend (uv, venv; conda when mamba, micromamba or conda is on PATH):

1. One untimed warm-up through the API (uv's and pip's caches warm, the
   backends detected); the argv the server ran is read from the
   job's log (each step is logged as ``$ <argv>``) and is what the bare runs
   execute, with a fresh path and name.
2. BENCH_RUNS times, interleaved: ours (t0 just before the POST; done when the
   job is ``succeeded`` AND <data>/kernels/<name>/kernel.json exists AND
   GET api/kernelspecs lists it; the job is polled every BENCH_POLL_MS), then
   bare (the same argv back to back with subprocess.run, same environment
   variables, same caches, then the kernel.json metadata rewrite the server
   does). Every run uses a new name; nothing is deleted before the end.
3. Once per backend, the stricter "usable": a kernel of the last environment
   made through the API (its first kernel) started with POST api/kernels and
   timed until it answers an execute.
4. Sizes: the API's size_bytes and `du -sb` of one environment.
   When BENCH_ONLINE_BASE is set (environments.sh's second server, started
   with KernelManagerConfig.prefer_cached_packages=False: uv asks the package
   index every time; its data directory in BENCH_ONLINE_DATA), uv is measured
   through it too. BENCH_SERVER_PID / BENCH_ONLINE_PID let it report the
   servers' CPU.

Prints tables and verdicts and writes every sample to RESULT_JSON. Needs
tornado (in any Jupyter Server environment) for the kernel's websocket.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import urlsplit

from jupyterlab_kernel_manager.backends import CACHE_MISS_NOTE

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
POLL = float(os.environ.get("BENCH_POLL_MS", "25")) / 1000
BACKENDS = [
    b.strip()
    for b in os.environ.get("BENCH_BACKENDS", "uv,venv,conda").split(",")
    if b.strip()
]
GOAL_RATIO = 1.10
GOAL_FAST = 1.0
JOB_TIMEOUT = 600.0
KERNEL_TIMEOUT = 120.0
CONDA_EXECUTABLES = ("mamba", "micromamba", "conda")


def now() -> float:
    return time.perf_counter()


def cpu_of(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process has used itself, children apart."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def stats(samples: list[float]) -> dict:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": samples,
    }


def label(argv: list[str]) -> str:
    """A short name for a step: `uv venv`, `python -m pip install`..."""
    program = os.path.basename(argv[0])
    if program.startswith("python"):
        program = "python"
    words = [program]
    rest = argv[1:]
    while rest and rest[0].startswith("-") and rest[0] != "-m" and rest[0] != "-c":
        words.append(rest.pop(0))  # -I, -S...
    if rest[:1] == ["-m"]:
        words += [w for w in rest[:3] if "/" not in w]
    elif rest[:1] == ["-c"]:
        words += ["-c", "…"]
    else:
        words += [w for w in rest[:2] if not w.startswith("-")]
    return " ".join(words)


# --- the server's API -----------------------------------------------------------


class Api:
    def __init__(self, base: str, token: str, pid: int | None = None) -> None:
        self.pid = pid  # the server's, for its CPU time
        url = urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.prefix = url.path if url.path.endswith("/") else url.path + "/"
        self.token = token
        self.headers = {
            "Authorization": f"token {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def call(self, method: str, path: str, body=None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body)
        # A keep-alive connection the server closed is retried once, anew;
        # never a POST, which might have been handled.
        attempts = 1 if method == "POST" else 2
        for attempt in range(1, attempts + 1):
            try:
                self.conn.request(method, self.prefix + path, data, self.headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=120
                )
                if attempt == attempts:
                    raise
        return response.status, json.loads(raw) if raw else None

    def ws_url(self, path: str) -> str:
        return f"ws://{self.host}:{self.port}{self.prefix}{path}"


# --- one creation through the API -----------------------------------------------


def create_ours(api: Api, backend: str, name: str, kernels_dir: str) -> dict:
    """POST, poll the job, check the kernelspec; per-step times from the log."""
    cpu_server, cpu_client = cpu_of(api.pid), time.process_time()
    t0 = now()
    status, reply = api.call(
        "POST", "kernel-manager/environments", {"name": name, "backend": backend}
    )
    t_posted = now()
    if status != 202:
        raise SystemExit(f"POST environments {name}: {status} {reply}")
    job_id, since, lines, events, polls = reply["job"], 0, [], [], 0
    while True:
        status, job = api.call("GET", f"kernel-manager/jobs/{job_id}?since={since}")
        seen = now() - t0
        polls += 1
        if status != 200:
            raise SystemExit(f"GET job {job_id}: {status} {job}")
        for line in job["log"]:
            lines.append(line)
            if line.startswith("$ "):
                events.append((seen, shlex.split(line[2:])))
            elif line.startswith("Kernelspec ") and " written to " in line:
                events.append((seen, None))
        since = job["next"]
        if job["state"] != "running":
            break
        if seen > JOB_TIMEOUT:
            raise SystemExit(f"job {job_id} still running after {JOB_TIMEOUT:g} s")
        time.sleep(POLL)
    t_job = now()
    if job["state"] != "succeeded":
        tail = "\n    ".join(lines[-15:])
        raise SystemExit(
            f"creating {name} with {backend}: {job['state']}: {job['error']}\n    {tail}"
        )
    kernel_json = os.path.join(kernels_dir, name, "kernel.json")
    if not os.path.isfile(kernel_json):
        raise SystemExit(f"{name}: the job succeeded but {kernel_json} is missing")
    status, specs = api.call("GET", "api/kernelspecs")
    if status != 200 or name not in specs["kernelspecs"]:
        raise SystemExit(f"{name}: GET api/kernelspecs does not list it ({status})")
    t1 = now()
    server_cpu = cpu_of(api.pid)
    steps, commands = [], [argv for _, argv in events if argv is not None]
    for (start, argv), (end, _) in zip(events, events[1:] + [(t_job - t0, None)]):
        steps.append(
            {
                "step": label(argv) if argv else "(spec written) → succeeded seen",
                "seconds": end - start,
            }
        )
    return {
        "name": name,
        "load": os.getloadavg()[0],
        "job": job_id,
        "seconds": t1 - t0,
        "post_seconds": t_posted - t0,
        "first_step_seen": events[0][0] if events else None,
        "job_seconds": t_job - t0,
        "polls": polls,
        "server_cpu": None
        if server_cpu is None or cpu_server is None
        else server_cpu - cpu_server,
        "client_cpu": time.process_time() - cpu_client,
        "steps": steps,
        "commands": commands,
        "log": lines,
    }


# --- the same commands, bare ----------------------------------------------------


def child_env(extra: dict | None = None) -> dict:
    """What the server gives its steps: its environment less PYTHONPATH/HOME."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def substitute(
    commands: list[list[str]],
    old_path: str,
    old_name: str,
    new_path: str,
    new_name: str,
) -> list[list[str]]:
    out = []
    for argv in commands:
        new = []
        for arg in argv:
            if arg == old_name:
                arg = new_name
            else:
                arg = arg.replace(old_path, new_path).replace(
                    f"({old_name})", f"({new_name})"
                )
            new.append(arg)
        out.append(new)
    return out


def rewrite_kernelspec(
    kernels_dir: str, name: str, env_path: str, backend: str
) -> None:
    """What the server's last step does: metadata in kernel.json, a metadata file."""
    kernel_json = os.path.join(kernels_dir, name, "kernel.json")
    with open(kernel_json, encoding="utf-8") as f:
        spec = json.load(f)
    metadata = spec.get("metadata") if isinstance(spec.get("metadata"), dict) else {}
    metadata["kernel_manager"] = {"environment": {"path": env_path, "backend": backend}}
    spec["metadata"] = metadata
    for path, data in (
        (kernel_json, spec),
        (
            os.path.join(env_path, ".kernel-manager.json"),
            {"name": name, "backend": backend},
        ),
    ):
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, path)


def run_plan(plan: list, cwd: str, env: dict | None = None) -> tuple[float, list[dict]]:
    """Steps back to back: ("cmd", argv, extra env) or ("py", label, callable)."""
    base_env = child_env(env)
    steps = []
    t0 = now()
    for step in plan:
        start = now()
        if step[0] == "cmd":
            _, argv, extra = step
            done = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env={**base_env, **extra},
                cwd=cwd,
                check=False,
            )
            if done.returncode != 0:
                tail = done.stdout.decode(errors="replace")[-2000:]
                raise SystemExit(
                    f"bare step failed ({done.returncode}): {shlex.join(argv)}\n{tail}"
                )
            steps.append({"step": label(argv), "seconds": now() - start})
        else:
            _, name, function = step
            function()
            steps.append({"step": name, "seconds": now() - start})
    return now() - t0, steps


def bare_plan(commands, kernels_dir, name, path, backend, extra=None) -> list:
    return [("cmd", argv, extra or {}) for argv in commands] + [
        (
            "py",
            "kernel.json rewrite",
            lambda: rewrite_kernelspec(kernels_dir, name, path, backend),
        )
    ]


# --- a kernel that answers ------------------------------------------------------


async def _execute(api: Api, kernel_id: str, code: str) -> tuple[dict, str]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    request = HTTPRequest(
        api.ws_url(f"api/kernels/{kernel_id}/channels"),
        headers={"Authorization": f"token {api.token}"},
    )
    ws = await websocket_connect(request)
    msg_id, session = uuid.uuid4().hex, uuid.uuid4().hex
    await ws.write_message(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "username": "bench",
                    "session": session,
                    "msg_type": "execute_request",
                    "version": "5.3",
                    "date": datetime.now(timezone.utc).isoformat(),
                },
                "parent_header": {},
                "metadata": {},
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
                "channel": "shell",
                "buffers": [],
            }
        )
    )
    reply, idle, output = None, False, []
    try:
        while not (reply and idle):
            raw = await asyncio.wait_for(ws.read_message(), KERNEL_TIMEOUT)
            if raw is None:
                raise RuntimeError("the kernel's websocket closed")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg.get("msg_type") or msg["header"]["msg_type"]
            if kind == "stream":
                output.append(msg["content"]["text"])
            elif kind == "execute_reply":
                reply = msg["content"]
                reply["_at"] = now()
            elif kind == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
        return reply, "".join(output)
    finally:
        ws.close()


def kernel_answers(api: Api, spec_name: str, env_path: str) -> dict:
    """POST api/kernels, execute code over the websocket: seconds until the reply."""
    t0 = now()
    status, kernel = api.call("POST", "api/kernels", {"name": spec_name})
    t_started = now()
    if status not in (200, 201):
        raise SystemExit(f"POST api/kernels {spec_name}: {status} {kernel}")
    try:
        reply, out = asyncio.run(
            _execute(api, kernel["id"], "import sys; print(sys.prefix)")
        )
    finally:
        api.call("DELETE", f"api/kernels/{kernel['id']}")
    ok = reply.get("status") == "ok" and out.strip() == env_path
    if not ok:
        raise SystemExit(
            f"kernel of {spec_name}: {reply.get('status')} {out!r} (expected {env_path})"
        )
    return {
        "post_seconds": t_started - t0,
        "reply_seconds": reply["_at"] - t0,
        "prefix": out.strip(),
    }


# --- sizes ------------------------------------------------------------------------


def du_sb(path: str) -> int | None:
    try:
        done = subprocess.run(
            ["du", "-sb", path], capture_output=True, text=True, check=True
        )
        return int(done.stdout.split()[0])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def unshared_bytes(path: str) -> int:
    """Blocks of the files no other directory shares (link count 1): what the env adds."""
    total = 0
    for directory, dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(directory, name))
            except OSError:
                continue
            if st.st_nlink == 1:
                total += st.st_blocks * 512
    return total


def files_in(path: str) -> int:
    return sum(len(files) for _, _, files in os.walk(path))


# --- the benchmark ----------------------------------------------------------------


def fmt(s: dict) -> str:
    return f"{s['median']:6.2f} s  ({s['min']:.2f}–{s['max']:.2f})"


def step_table(runs: list[dict]) -> list[tuple[str, float]]:
    """Median seconds per step over runs, in order."""
    names = [step["step"] for step in runs[0]["steps"]]
    rows = []
    for i, name in enumerate(names):
        values = [run["steps"][i]["seconds"] for run in runs if len(run["steps"]) > i]
        rows.append((name, statistics.median(values)))
    return rows


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def bench_backend(
    api, backend, envs_dir, kernels_dir, bare_dir, title, bare_env=None
) -> dict:
    """Warm-up, interleaved runs, per-step times and a kernel, for one backend."""
    print(f"--- {title} ---")
    out: dict = {"runs": RUNS}
    # Warm-up: caches, detection, first run of each tool; not timed.
    name = unique(f"warm-{backend}")
    warm = create_ours(api, backend, name, kernels_dir)
    if CACHE_MISS_NOTE in warm["log"]:
        # uv's cache lacked something and the index was asked: the cache has it
        # now, and the template must be the command that runs from then on.
        name = unique(f"warm-{backend}")
        warm = create_ours(api, backend, name, kernels_dir)
    template = warm["commands"]
    template_name, template_path = name, os.path.join(envs_dir, name)
    print(
        f"  warm-up (untimed): one creation through the API, {warm['seconds']:.2f} s (uv's and pip's caches warm, backends detected)"
    )
    for argv in template:
        print(f"  step: {shlex.join(argv)}")
    out["commands"] = template
    out["template_name"], out["template_path"] = template_name, template_path
    out["warmup_seconds"] = warm["seconds"]

    ours, bare = [], []
    for i in range(RUNS):
        name = unique(f"{backend}-{i + 1}")
        ours.append(create_ours(api, backend, name, kernels_dir))
        bare_name = unique(f"bare-{backend}-{i + 1}")
        bare_path = os.path.join(bare_dir, bare_name)
        commands = substitute(
            template, template_path, template_name, bare_path, bare_name
        )
        seconds, steps = run_plan(
            bare_plan(commands, kernels_dir, bare_name, bare_path, backend),
            bare_dir,
            bare_env,
        )
        bare.append(
            {
                "name": bare_name,
                "seconds": seconds,
                "steps": steps,
                "load": os.getloadavg()[0],
            }
        )
        print(
            f"  run {i + 1}: ours {ours[-1]['seconds']:.2f} s ({ours[-1]['polls']} polls), bare {seconds:.2f} s"
        )
    ours_s = stats([r["seconds"] for r in ours])
    bare_s = stats([r["seconds"] for r in bare])
    ratio = ours_s["median"] / bare_s["median"]
    out.update(ours=ours_s, bare=bare_s, ratio=ratio)
    out["ours_runs"] = [{k: v for k, v in r.items() if k != "log"} for r in ours]
    out["bare_runs"] = bare
    out["ours_last_log"] = ours[-1]["log"]
    print(f"  ours (POST → usable kernelspec)  {fmt(ours_s)}")
    print(f"  bare (same argv, subprocess.run) {fmt(bare_s)}")
    out["ratio_of_minima"] = ours_s["min"] / bare_s["min"]
    print(
        f"  ratio of medians ours / bare: {ratio:.3f} (goal ≤ {GOAL_RATIO:.2f}); "
        f"of minima {out['ratio_of_minima']:.3f} (less sensitive to other load)"
    )
    print(
        "  per step, median (ours: from the job log as it streams, ±1 poll; bare: timed around each call):"
    )
    ours_steps, bare_steps = step_table(ours), step_table(bare)
    first_seen = statistics.median(r["first_step_seen"] for r in ours)
    after_job = statistics.median(r["seconds"] - r["job_seconds"] for r in ours)
    print(f"    {'POST → first step seen':44s} ours {first_seen:6.3f} s")
    for (o_name, o_sec), (b_name, b_sec) in zip(ours_steps, bare_steps):
        print(f"    {o_name:44s} ours {o_sec:6.3f} s   bare {b_sec:6.3f} s  ({b_name})")
    for b_name, b_sec in bare_steps[len(ours_steps) :]:
        print(f"    {'':44s}                 bare {b_sec:6.3f} s  ({b_name})")
    print(
        f"    {'succeeded seen → listed by api/kernelspecs':44s} ours {after_job:6.3f} s"
    )
    out["ours_steps"], out["bare_steps"] = ours_steps, bare_steps
    out["post_to_first_step"], out["succeeded_to_listed"] = first_seen, after_job

    # What following a job costs: CPU of the server process itself (its children,
    # the steps, apart) and of this client, per creation; then the server's CPU
    # per poll, polling the finished job as often.
    cpu = [r["server_cpu"] for r in ours if r["server_cpu"] is not None]
    client = statistics.median(r["client_cpu"] for r in ours)
    polls = statistics.median(r["polls"] for r in ours)
    job_id_path = f"kernel-manager/jobs/{ours[-1]['job']}?since=0"
    before = cpu_of(api.pid)
    for _ in range(40):
        api.call("GET", job_id_path)
        time.sleep(POLL)
    per_poll = None if before is None else (cpu_of(api.pid) - before) / 40
    out["cpu"] = {
        "server_per_creation": statistics.median(cpu) if cpu else None,
        "client_per_creation": client,
        "polls_per_creation": polls,
        "server_per_poll": per_poll,
    }
    if cpu:
        print(
            f"  CPU per creation through the API, median: server process {statistics.median(cpu):.3f} s"
            f" (steps apart), this client {client:.3f} s, over {polls:.0f} polls;"
            f" server CPU per poll alone ~{per_poll * 1000:.1f} ms"
        )
    # Stricter, on the last environment made through the API (its first kernel):
    # a kernel started and answering an execute.
    created = ours[-1]
    kernel = kernel_answers(
        api, created["name"], os.path.join(envs_dir, created["name"])
    )
    out["kernel"] = {"create_seconds": created["seconds"], **kernel}
    print(
        f"  strict, last run's environment: created in {created['seconds']:.2f} s, then POST api/kernels → execute reply "
        f"{kernel['reply_seconds']:.2f} s (POST answered in {kernel['post_seconds']:.2f} s); "
        f"{created['seconds'] + kernel['reply_seconds']:.2f} s from the POST of the environment"
    )
    out["sample_env"] = ours[0]["name"]
    out["sample_bare_env"] = bare[0]["name"]
    return out


def main() -> int:
    base, token, bare_dir, result_path = sys.argv[1:5]
    api = Api(base, token, int(os.environ.get("BENCH_SERVER_PID") or 0) or None)
    started = now()
    load_start = os.getloadavg()
    kernels_dir = os.path.join(os.environ["JUPYTER_DATA_DIR"], "kernels")
    status, listing = api.call("GET", "kernel-manager/environments")
    if status != 200:
        raise SystemExit(f"GET kernel-manager/environments: {status} {listing}")
    envs_dir = listing["environments_dir"]
    available = {b["name"]: b for b in listing["backends"]}
    print(
        f"Environments in {envs_dir}; bare runs in {bare_dir}; kernelspecs in {kernels_dir}"
    )
    print(
        f"{RUNS} timed runs per backend, ours and bare interleaved; job polled every {POLL * 1000:g} ms"
    )
    print(
        f"uv cache: {os.environ.get('UV_CACHE_DIR') or '~/.cache/uv (default)'}; pip cache: {os.environ.get('PIP_CACHE_DIR') or '~/.cache/pip (default)'}"
    )
    print(
        f"load average at start: {' '.join(f'{x:.2f}' for x in load_start)} ({os.cpu_count()} CPUs)"
    )
    print()
    result: dict = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_start": load_start,
        },
        "poll_ms": POLL * 1000,
        "runs": RUNS,
        "backends": {},
        "verdicts": [],
    }
    passes = []  # (key, title, api, backend, envs_dir, kernels_dir, bare_env)
    for backend in BACKENDS:
        info = available.get(backend)
        if backend == "conda":
            found = [n for n in CONDA_EXECUTABLES if shutil.which(n)]
            if not found or not (info and info["available"]):
                reason = (info or {}).get("reason") or "not detected"
                line = f"conda: not measured: none of mamba, micromamba or conda is on PATH (the API says: {reason})"
                passes.append(("conda", "conda", None, line, None, None, None))
                continue
        if not info or not info["available"]:
            line = (
                f"{backend}: not measured: not available ({(info or {}).get('reason')})"
            )
            passes.append((backend, backend, None, line, None, None, None))
            continue
        passes.append((backend, backend, api, backend, envs_dir, kernels_dir, None))
    online_base = os.environ.get("BENCH_ONLINE_BASE")
    if online_base and any(p[0] == "uv" and p[2] is not None for p in passes):
        online = Api(
            online_base, token, int(os.environ.get("BENCH_ONLINE_PID") or 0) or None
        )
        data = os.environ["BENCH_ONLINE_DATA"]
        status, other = online.call("GET", "kernel-manager/environments")
        passes.append(
            (
                "uv-online",
                "uv, index asked every time (second server, prefer_cached_packages=False)",
                online,
                "uv",
                other["environments_dir"],
                os.path.join(data, "kernels"),
                {"JUPYTER_DATA_DIR": data},
            )
        )
    for key, title, server, backend, edir, kdir, bare_env in passes:
        if server is None:  # skipped; `backend` holds why
            print(f"--- {title} ---\n  {backend}\n")
            result["backends"][key] = {"skipped": backend}
            result["verdicts"].append(backend)
            continue
        data = bench_backend(server, backend, edir, kdir, bare_dir, title, bare_env)
        data.update(title=title, api=server, envs_dir=edir)
        result["backends"][key] = data
        print()

    # Sizes, once all timing is done (the listing runs each environment's Python).
    print("--- size on disk of one environment ---")
    listed: dict[str, tuple] = {}
    for key, data in result["backends"].items():
        if "sample_env" not in data:
            continue
        server = data["api"]
        if id(server) not in listed:
            status, listing = server.call("GET", "kernel-manager/environments")
            listed[id(server)] = (
                server,
                {env["name"]: env for env in listing["environments"]},
            )
        env = listed[id(server)][1].get(data["sample_env"], {})
        path = os.path.join(data["envs_dir"], data["sample_env"])
        bare_path = os.path.join(bare_dir, data["sample_bare_env"])
        data["size"] = {
            "api_size_bytes": env.get("size_bytes"),
            "du_sb": du_sb(path),
            "unshared_bytes": unshared_bytes(path),
            "files": files_in(path),
            "bare_du_sb": du_sb(bare_path),
        }
        s = data["size"]
        print(
            f"  {key:10s} API size_bytes {s['api_size_bytes'] / 1e6:6.1f} MB, du -sb {s['du_sb'] / 1e6:6.1f} MB"
            f" ({s['files']} files; {s['unshared_bytes'] / 1e6:.1f} MB in files not hard-linked elsewhere);"
            f" bare env du -sb {s['bare_du_sb'] / 1e6:.1f} MB"
        )
    print()

    uv = result["backends"].get("uv", {})
    # Delete every environment made through the API, at the very end.
    deletions = []
    for server, names in listed.values():
        for name in sorted(names):
            start = now()
            status, _ = server.call("DELETE", f"kernel-manager/environments/{name}")
            deletions.append(now() - start)
            if status != 204:
                print(f"  DELETE {name}: {status}")
    if deletions:
        result["delete_seconds"] = stats(deletions)
        print(
            f"deleted {len(deletions)} environments through the API: median {statistics.median(deletions) * 1000:.0f} ms each"
        )

    skipped = result["verdicts"]
    verdicts = result["verdicts"] = []
    for data in result["backends"].values():
        data.pop("api", None)
    for backend in ("uv", "venv", "uv-online"):
        data = result["backends"].get(backend, {})
        if "ratio" in data:
            ok = data["ratio"] <= GOAL_RATIO
            verdicts.append(
                f"{backend}: overhead ratio {data['ratio']:.3f} = median ours {data['ours']['median']:.2f} s / "
                f"bare {data['bare']['median']:.2f} s (goal ≤ {GOAL_RATIO:.2f}): {'MET' if ok else 'NOT MET'}"
                f" (ratio of minima {data['ratio_of_minima']:.3f})",
            )
    verdicts += skipped
    if "ours" in uv:
        fast = uv["ours"]["median"]
        line = (
            f"fastest path, uv through the API with warm caches: median {fast:.2f} s "
            f"(min {uv['ours']['min']:.2f}) to a usable kernelspec (goal < {GOAL_FAST:.0f} s): "
            f"{'MET' if fast < GOAL_FAST else 'NOT MET'}"
        )
        online = result["backends"].get("uv-online", {})
        if "ours" in online:
            line += (
                f"; uv asking the index every time (prefer_cached_packages=False): median"
                f" {online['ours']['median']:.2f} s (min {online['ours']['min']:.2f})"
            )
        verdicts.append(line)
    result["load_end"] = os.getloadavg()
    result["total_seconds"] = now() - started
    with open(result_path, "w") as f:
        json.dump(result, f, indent=1)
    print()
    print(
        f"load average at the end: {' '.join(f'{x:.2f}' for x in result['load_end'])}; {result['total_seconds']:.0f} s"
    )
    print("Verdicts")
    for line in verdicts:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
