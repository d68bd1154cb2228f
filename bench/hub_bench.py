"""The Hub benchmark of issue 5, against a real JupyterHub (run by bench/hub.sh).

    python bench/hub_bench.py RESULT_JSON

1. Starts the test hub of tests/hub (hub_launcher.Hub: JupyterHub 5.x and
   configurable-http-proxy on 127.0.0.1; as root each user's server runs as a
   Unix account of its own) with no users but ``admin``.
2. Creates BENCH_HUB_USERS (10,000) users ``user00000``... through
   ``POST /hub/api/users``, BENCH_HUB_BATCH (500) names per request, timed.
3. Starts the admin's server and BENCH_HUB_RUNNING (20) users' servers (names
   spread over the alphabet, none on the first page), at most 4 pending at once
   (the hub's concurrent_spawn_limit is 5; a 429 is met by waiting), timed; then
   checks that each answers ``kernel-manager/processes`` (a server started while
   another run reinstalled the project into the test hub's shared venv does
   not: it is restarted once).
4. HTTP, with an admin token holding what the admin's JupyterLab page gets
   (``oauth_client_allowed_scopes``): the hub routes the Hub section calls (and
   the ``sort=-id`` its "Newest" sort sends), the admin's all-users process
   list, and each running server's ``kernel-manager/processes`` through the
   proxy, one at a time and 4 at a time as the section fans out.
5. hub_browser.js in headless Chromium: logs in as admin through /hub/login, then
   opens the admin's JupyterLab (served by the admin's server behind the hub):
   first users page, panel opening, filter round trips, paging, and what each
   user runs, from the machine's all-users list and fanned out server by
   server, with one server stopped (SIGSTOP) for part of it: the middle one of
   the fan-out's queue, then the last one.
6. Always, also on error or Ctrl-C: SIGCONT to the stopped servers, the hub
   stopped (it stops every server), the run's Unix accounts removed; what had
   to be killed is printed.

Prints the figures and one verdict line per goal; writes them all to RESULT_JSON.
Environment: BENCH_HUB_USERS (10000), BENCH_HUB_BATCH (500), BENCH_HUB_RUNNING
(20), BENCH_HTTP_ROUNDS (20), and hub_browser.js's variables.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil
import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests" / "hub"))

from hub_launcher import (  # noqa: E402
    ADMIN,
    ADMIN_PASSWORD,
    PAGINATION,
    Hub,
    HubError,
    granted_scopes,
)

USERS = int(os.environ.get("BENCH_HUB_USERS", "10000"))
BATCH = int(os.environ.get("BENCH_HUB_BATCH", "500"))
RUNNING = int(os.environ.get("BENCH_HUB_RUNNING", "20"))
HTTP_ROUNDS = int(os.environ.get("BENCH_HTTP_ROUNDS", "20"))
# Below the hub's concurrent_spawn_limit (5, tests/hub/jupyterhub_config.py).
SPAWN_AT_ONCE = 4
# What the Hub section does (src/models/hub.ts): page size, usage fan-out.
PAGE_SIZE = 50
FANOUT_CONCURRENCY = 4
FIRST_PAGE_GOAL_MS = 500
FANOUT_GOAL_MS = 2000
# Filters typed in the users table: each matches 11 names of 10,000.
FILTERS = ("0042", "0137", "0999")


class Interrupted(BaseException):
    """SIGTERM, handled as Ctrl-C is."""


def on_term(signum, frame):
    raise Interrupted(f"signal {signum}")


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def stats(values) -> dict:
    values = sorted(values)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))],
        "min": values[0],
        "max": values[-1],
    }


def ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def user_names(count: int) -> list[str]:
    return [f"user{i:05d}" for i in range(count)]


def running_names(names: list[str], count: int) -> list[str]:
    """``count`` users spread over the name order, none on the first page."""
    step = len(names) / count
    return [names[int((k + 0.5) * step)] for k in range(count)]


class HubBench:
    def __init__(self) -> None:
        self.hub = Hub()
        self.service = requests.Session()
        self.service.headers["Authorization"] = f"token {self.hub.service_token}"
        self.result: dict = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            },
            "load_before": os.getloadavg(),
        }
        self.stopped: list[psutil.Process] = []

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.service.request(
            method, f"{self.hub.url}hub/api/{path}", timeout=300, **kwargs
        )

    # --- set-up ----------------------------------------------------------------

    def start_hub(self) -> None:
        say("starting JupyterHub with configurable-http-proxy")
        t = time.monotonic()
        self.hub.start(users=())
        took = time.monotonic() - t
        servers = (
            f"each user's server runs as the Unix account {self.hub.unix_prefix}<name>"
            if self.hub.as_root
            else "servers run as this user (SimpleLocalProcessSpawner)"
        )
        say(f"JupyterHub {self.hub.version} up at {self.hub.url} in {took:.1f} s; {servers}")
        self.result["hub"] = {
            "version": self.hub.version,
            "unix_accounts": self.hub.as_root,
            "python": self.hub.python,
            "start_s": took,
        }

    def create_users(self, names: list[str]) -> None:
        say(f"creating {len(names):,} users through POST /hub/api/users, {BATCH} per request")
        batches = []
        t0 = time.monotonic()
        for i in range(0, len(names), BATCH):
            chunk = names[i : i + BATCH]
            t = time.monotonic()
            reply = self.api("POST", "users", json={"usernames": chunk})
            batches.append(time.monotonic() - t)
            if reply.status_code != 201 or len(reply.json()) != len(chunk):
                raise HubError(f"POST users: {reply.status_code} {reply.text[:300]}")
            if len(batches) % 5 == 0:
                done = i + len(chunk)
                print(
                    f"    {done:,} users, {time.monotonic() - t0:.0f} s "
                    f"(last request {batches[-1]:.1f} s)",
                    flush=True,
                )
        total = time.monotonic() - t0
        reply = self.api("GET", "users?limit=1", headers={"Accept": PAGINATION})
        listed = reply.json()["_pagination"]["total"]
        if listed != len(names) + 1:
            raise HubError(f"the hub lists {listed} users, expected {len(names) + 1}")
        per_user_ms = total * 1000 / len(names)
        say(
            f"created {len(names):,} users in {total:.1f} s ({len(batches)} requests: "
            f"median {statistics.median(batches):.1f} s, first {batches[0]:.1f} s, "
            f"last {batches[-1]:.1f} s, max {max(batches):.1f} s; "
            f"{per_user_ms:.1f} ms per user); "
            f"the hub lists {listed:,}"
        )
        self.result["create_users"] = {
            "users": len(names),
            "batch": BATCH,
            "total_s": total,
            "per_user_ms": per_user_ms,
            "requests_s": batches,
        }

    def start_servers(self, users: list[str], key: str = "start_servers") -> None:
        say(
            f"starting {len(users)} servers (admin's and {len(users) - 1} users'), "
            f"at most {SPAWN_AT_ONCE} pending at once"
        )
        t0 = time.monotonic()
        todo = list(users)
        pending: dict[str, float] = {}
        ready: dict[str, float] = {}
        throttled = 0
        deadline = t0 + 120 + 30 * len(users)
        while todo or pending:
            while todo and len(pending) < SPAWN_AT_ONCE:
                name = todo[0]
                reply = self.api("POST", f"users/{name}/server")
                if reply.status_code == 429:
                    throttled += 1
                    time.sleep(float(reply.headers.get("Retry-After", "1")))
                    break
                if reply.status_code not in (201, 202):
                    raise HubError(
                        f"starting {name}'s server: {reply.status_code} {reply.text[:300]}"
                    )
                todo.pop(0)
                pending[name] = time.monotonic()
            for name in list(pending):
                model = self.api("GET", f"users/{name}").json()
                server = model.get("servers", {}).get("")
                if server and server["ready"]:
                    ready[name] = time.monotonic() - pending.pop(name)
                elif not server and not model.get("pending"):
                    raise HubError(f"{name}'s server failed to start:\n{self.hub.log_tail()}")
            if time.monotonic() > deadline:
                raise HubError(
                    f"servers still pending: {sorted(pending)}\n{self.hub.log_tail()}"
                )
            time.sleep(0.25)
        total = time.monotonic() - t0
        each = list(ready.values())
        say(
            f"{len(users)} servers ready in {total:.1f} s (each from POST to ready: median "
            f"{statistics.median(each):.1f} s, max {max(each):.1f} s; {throttled} answers 429)"
        )
        self.result[key] = {
            "servers": len(users),
            "total_s": total,
            "each_s": ready,
            "throttled_429": throttled,
        }

    def check_extension(self, users: list[str], token: str) -> None:
        """Each server answers ``kernel-manager/processes``; one that does not
        (it started while another run reinstalled the project into the shared
        venv of the test hub) is restarted, once."""
        session = requests.Session()
        session.headers["Authorization"] = f"token {token}"

        def answers(user: str) -> bool:
            reply = session.get(
                f"{self.hub.url}user/{user}/kernel-manager/processes", timeout=60
            )
            return reply.status_code == 200

        missing = [user for user in users if not answers(user)]
        if not missing:
            return
        say(f"the extension does not answer on {missing}: restarting those servers")
        for user in missing:
            self.api("DELETE", f"users/{user}/server")
        for user in missing:
            self.hub.wait_for_server(user, ready=False)
        self.start_servers(missing, key="restarted_servers")
        still = [user for user in missing if not answers(user)]
        if still:
            raise HubError(f"the extension does not answer on the servers of {still}")

    def server_process(self, user: str) -> tuple[psutil.Process, int]:
        """The process of ``user``'s server (from the spawner's state, which the
        service may read) and the port it listens on."""
        model = self.api("GET", f"users/{user}").json()
        state = (model.get("servers", {}).get("") or {}).get("state") or {}
        pid = state.get("pid")
        if not pid:
            raise HubError(f"no pid in {user}'s server state: {state}")
        proc = psutil.Process(pid)
        if "jupyterhub.singleuser" not in " ".join(proc.cmdline()) and not any(
            "singleuser" in part for part in proc.cmdline()
        ):
            raise HubError(f"pid {pid} is not a single-user server: {proc.cmdline()}")
        ports = [
            c.laddr.port
            for c in proc.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN
        ]
        if not ports:
            raise HubError(f"{user}'s server (pid {pid}) listens on no TCP port")
        return proc, ports[0]

    # --- HTTP -------------------------------------------------------------------

    def http(self, token: str, names: list[str], running: list[str]) -> dict:
        """The hub routes the section calls, and the servers' processes route."""
        say(
            f"HTTP: {HTTP_ROUNDS} rounds per route, after 3 warm-ups "
            "(admin token with the page's scopes)"
        )
        session = requests.Session()
        session.headers["Authorization"] = f"token {token}"
        paged = {"Accept": PAGINATION}
        deep = PAGE_SIZE * (len(names) // PAGE_SIZE // 2)
        routes = {
            "GET user (scopes)": ("user", {}),
            f"GET users, first page ({PAGE_SIZE}, sort=name)": (
                f"users?offset=0&limit={PAGE_SIZE}&sort=name",
                paged,
            ),
            f"GET users, page at offset {deep:,}": (
                f"users?offset={deep}&limit={PAGE_SIZE}&sort=name",
                paged,
            ),
            f"GET users, name_filter={FILTERS[0]}": (
                f"users?offset=0&limit={PAGE_SIZE}&sort=name&name_filter={FILTERS[0]}",
                paged,
            ),
            "GET users, state=ready": (
                f"users?offset=0&limit={PAGE_SIZE}&sort=name&state=ready",
                paged,
            ),
        }
        times: dict[str, list[float]] = {label: [] for label in routes}
        sizes: dict[str, int] = {}
        for round_ in range(HTTP_ROUNDS + 3):
            for label, (path, headers) in routes.items():
                t = time.perf_counter()
                reply = session.get(
                    f"{self.hub.url}hub/api/{path}", headers=headers, timeout=60
                )
                took = (time.perf_counter() - t) * 1000
                if reply.status_code != 200:
                    raise HubError(f"{label}: {reply.status_code} {reply.text[:300]}")
                sizes[label] = len(reply.content)
                if round_ >= 3:
                    times[label].append(took)
        # The section's "Newest" sort asks for sort=-id (ids grow with creation).
        newest = session.get(
            f"{self.hub.url}hub/api/users?offset=0&limit={PAGE_SIZE}&sort=-id",
            headers=paged,
            timeout=60,
        )
        out: dict = {"hub": {}}
        out["sort_newest"] = {"status": newest.status_code, "body": newest.text[:200]}
        for label, values in times.items():
            s = stats(values)
            out["hub"][label] = {**s, "bytes": sizes[label]}
            print(
                f"    {label:<44} median {ms(s['median']):>9}  p90 {ms(s['p90']):>9}  "
                f"({sizes[label] / 1024:.1f} kB)",
                flush=True,
            )

        if newest.status_code != 200:
            message = newest.json().get("message", "") if newest.headers.get(
                "Content-Type", ""
            ).startswith("application/json") else ""
            print(
                f"    !! GET users?sort=-id (the section's \"Newest\" sort) answers "
                f"{newest.status_code}: {message}",
                flush=True,
            )

        # Each running server's own process listing, through the proxy.
        def processes(user: str) -> float:
            t = time.perf_counter()
            reply = session.get(
                f"{self.hub.url}user/{user}/kernel-manager/processes", timeout=60
            )
            took = (time.perf_counter() - t) * 1000
            if reply.status_code != 200:
                raise HubError(f"{user}'s processes: {reply.status_code} {reply.text[:300]}")
            return took

        servers = [ADMIN, *running]
        for user in servers:  # warm-up: the servers' first token check with the hub
            processes(user)
        # The admin's own server's all-users view (one machine, as on TLJH).
        machine: list[float] = []
        for round_ in range(HTTP_ROUNDS + 3):
            t = time.perf_counter()
            reply = session.get(
                f"{self.hub.url}user/{ADMIN}/kernel-manager/processes",
                params={"all_users": "1"},
                timeout=60,
            )
            if reply.status_code != 200:
                raise HubError(f"all-users view: {reply.status_code} {reply.text[:300]}")
            if round_ >= 3:
                machine.append((time.perf_counter() - t) * 1000)
        groups = reply.json().get("users") or []
        named = sum(1 for group in groups if group.get("hub_user"))
        out["processes_all_users"] = {
            **stats(machine),
            "bytes": len(reply.content),
            "accounts": len(groups),
            "named": named,
        }
        print(
            f"    GET user/{ADMIN}/kernel-manager/processes?all_users=1              "
            f"median {ms(out['processes_all_users']['median'])}  p90 "
            f"{ms(out['processes_all_users']['p90'])}  ({len(reply.content) / 1024:.0f} kB; "
            f"{len(groups)} accounts, {named} named as hub users)",
            flush=True,
        )
        one: list[float] = []
        for _ in range(5):
            one.extend(processes(user) for user in servers)
        fanout: list[float] = []
        with concurrent.futures.ThreadPoolExecutor(FANOUT_CONCURRENCY) as pool:
            for _ in range(5):
                t = time.perf_counter()
                list(pool.map(processes, servers))
                fanout.append((time.perf_counter() - t) * 1000)
        out["processes_one"] = stats(one)
        out["processes_fanout"] = stats(fanout)
        print(
            f"    GET user/<name>/kernel-manager/processes, one at a time        "
            f"median {ms(out['processes_one']['median'])}  "
            f"p90 {ms(out['processes_one']['p90'])}"
            f"  ({len(servers)} servers × 5)",
            flush=True,
        )
        print(
            f"    the same for all {len(servers)} servers, {FANOUT_CONCURRENCY} at a time "
            "(the section's fan-out without a browser): "
            f"median {ms(out['processes_fanout']['median'])}, "
            f"max {ms(out['processes_fanout']['max'])} (5 rounds)",
            flush=True,
        )
        return out

    # --- browser ------------------------------------------------------------------

    def browser(self, config: dict, work: Path) -> dict:
        config_path = work / "browser-config.json"
        result_path = work / "browser.json"
        config_path.write_text(json.dumps(config))
        # Its own session, so that it and its Chromium are stopped as one group.
        node = subprocess.Popen(
            ["node", str(BENCH / "hub_browser.js"), str(config_path), str(result_path)],
            start_new_session=True,
        )
        try:
            status = node.wait()
        finally:
            if node.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(node.pid, signal.SIGTERM)
                try:
                    node.wait(10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(node.pid, signal.SIGKILL)
                    node.wait()
        if status != 0:
            raise HubError(f"the browser part failed (exit status {status})")
        return json.loads(result_path.read_text())

    # --- clean-up -------------------------------------------------------------------

    def resume_stopped(self) -> None:
        """SIGCONT to the servers the browser part may have stopped, if they are
        still those processes (``is_running`` compares the start time too)."""
        for proc in self.stopped:
            with contextlib.suppress(psutil.Error):
                if proc.is_running():
                    proc.send_signal(signal.SIGCONT)
        self.stopped = []

    def stop(self) -> None:
        say("stopping JupyterHub (and every server it started)")
        t = time.monotonic()
        leftovers = self.hub.stop()
        remaining = self.hub.accounts() if self.hub.as_root else []
        took = time.monotonic() - t
        if leftovers:
            say(f"had to kill: {leftovers}")
        if remaining:
            say(f"Unix accounts left: {[a.pw_name for a in remaining]}")
        say(
            f"hub stopped in {took:.1f} s; "
            + ("nothing left behind" if not leftovers and not remaining else "see above")
        )


def main() -> int:
    result_path = Path(sys.argv[1])
    signal.signal(signal.SIGTERM, on_term)
    bench = HubBench()
    names = user_names(USERS)
    running = running_names(names, RUNNING)
    work = Path(tempfile.mkdtemp(prefix="km-bench-hub-"))
    status = 1
    try:
        bench.start_hub()
        bench.create_users(names)
        bench.start_servers([ADMIN, *running])
        token = bench.hub.user_token(ADMIN, granted_scopes())
        bench.check_extension([ADMIN, *running], token)
        bench.result["http"] = bench.http(token, names, running)

        # The servers to stop, one at a time: the middle one of the fan-out's
        # queue (the page lists the admin first, whose figures come from its own
        # server, then the running users by name), and the last one.
        victims = []
        for user in (running[len(running) // 2], running[-1]):
            proc, port = bench.server_process(user)
            bench.stopped.append(proc)
            victims.append(
                {
                    "user": user,
                    "pid": proc.pid,
                    "port": port,
                    "position": running.index(user) + 1,
                }
            )
        ordered = sorted([ADMIN, *names])
        config = {
            "hubUrl": bench.hub.url,
            "user": ADMIN,
            "password": ADMIN_PASSWORD,
            "total": len(names) + 1,
            "pageSize": PAGE_SIZE,
            "pageFirsts": ordered[: PAGE_SIZE * 4 : PAGE_SIZE],
            "filters": [
                {"filter": f, "expected": min(PAGE_SIZE, sum(f in n for n in ordered))}
                for f in FILTERS
            ],
            "running": [ADMIN, *running],
            "stopped": victims,
            "goals": {"firstPageMs": FIRST_PAGE_GOAL_MS, "fanoutMs": FANOUT_GOAL_MS},
        }
        say(
            "browser: the unresponsive servers will be "
            + " and ".join(
                f"{v['user']}'s (pid {v['pid']}, position {v['position']} of {len(running)})"
                for v in victims
            )
        )
        bench.result["browser"] = bench.browser(config, work)
        bench.resume_stopped()
        bench.result["load_after"] = os.getloadavg()
        status = 0
    except (KeyboardInterrupt, Interrupted):
        print("\ninterrupted: cleaning up", file=sys.stderr, flush=True)
        status = 130
    except HubError as error:
        print(f"!!! {error}", file=sys.stderr, flush=True)
    finally:
        # No second Ctrl-C may cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        bench.resume_stopped()
        bench.stop()
        with contextlib.suppress(OSError):
            for path in work.iterdir():
                path.unlink()
            work.rmdir()
    if status == 0:
        result_path.parent.mkdir(parents=True, exist_ok=True)
        result_path.write_text(json.dumps(bench.result, indent=1))
        print("\nVerdicts")
        for line in bench.result["browser"]["verdicts"]:
            print(f"  {line}")
        print(f"figures kept in {result_path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
