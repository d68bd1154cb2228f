"""The Hub section against a real JupyterHub with 10,000 users (issue 5).

The test hub of tests/hub (hub_launcher.Hub: JupyterHub 5.x and configurable-http-proxy
on 127.0.0.1; as root each user's server runs as a Unix account of its own, like TLJH).
BENCH_HUB_USERS (10000) users ``user00000``… made through POST /hub/api/users,
BENCH_HUB_BATCH (500) per request; the admin's and BENCH_HUB_RUNNING (20) users' servers
(spread over the names, none on the first page) started, at most 4 pending at once; each
must answer kernel-manager/processes (one that does not is restarted once). HTTP, with a
token holding the admin page's scopes: BENCH_HTTP_ROUNDS (20) rounds after 3 warm-ups of
the hub routes the section calls, the admin's all-users process list, each server's
processes through the proxy one at a time and all of them 4 at a time. Then
hub_browser.js. Always, on error and Ctrl-C too: SIGCONT, the hub stopped (it stops
every server), the run's Unix accounts removed.
"""

from __future__ import annotations

import concurrent.futures
import json
import signal
import sys
import time

import psutil
import requests

from common import ROOT, Scratch, env_int, ms, node, save, say, stats

sys.path.insert(0, str(ROOT / "tests" / "hub"))
from hub_launcher import ADMIN, ADMIN_PASSWORD, PAGINATION, Hub, HubError, granted_scopes

USERS = env_int("BENCH_HUB_USERS", 10000)
BATCH = env_int("BENCH_HUB_BATCH", 500)
RUNNING = env_int("BENCH_HUB_RUNNING", 20)
ROUNDS = env_int("BENCH_HTTP_ROUNDS", 20)
PAGE_SIZE = 50  # what the section asks for (src/hub)
FILTERS = ("0042", "0137", "0999")  # each matches 11 names of 10,000


class HubBench:
    def __init__(self) -> None:
        self.hub = Hub()
        self.session = requests.Session()
        self.result: dict = {}

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.hub.service_token}", **kwargs.pop("headers", {})}
        url = f"{self.hub.url}hub/api/{path}"
        return self.session.request(method, url, headers=headers, timeout=300, **kwargs)

    def create_users(self, names: list[str]) -> None:
        t0 = time.monotonic()
        for i in range(0, len(names), BATCH):
            reply = self.api("POST", "users", json={"usernames": names[i : i + BATCH]})
            if reply.status_code != 201:
                raise HubError(f"POST users: {reply.status_code} {reply.text[:300]}")
        took = time.monotonic() - t0
        total = self.api("GET", "users?limit=1", headers={"Accept": PAGINATION}).json()
        if total["_pagination"]["total"] != len(names) + 1:
            raise HubError(f"the hub lists {total['_pagination']['total']} users")
        say(
            f"{len(names):,} users created in {took:.1f} s ({took * 1000 / len(names):.1f} ms a user)"
        )
        self.result["create_users_s"] = took

    def start_servers(self, users: list[str], key: str = "start_servers") -> None:
        t0, todo, pending = time.monotonic(), list(users), set()
        while todo or pending:
            while todo and len(pending) < 4:  # below the hub's concurrent_spawn_limit (5)
                reply = self.api("POST", f"users/{todo[0]}/server")
                if reply.status_code == 429:
                    time.sleep(float(reply.headers.get("Retry-After", "1")))
                    break
                if reply.status_code not in (201, 202):
                    raise HubError(
                        f"starting {todo[0]}'s server: {reply.status_code} {reply.text[:300]}"
                    )
                pending.add(todo.pop(0))
            for name in list(pending):
                model = self.api("GET", f"users/{name}").json()
                server = model.get("servers", {}).get("")
                if server and server["ready"]:
                    pending.discard(name)
                elif not server and not model.get("pending"):
                    raise HubError(f"{name}'s server failed to start:\n{self.hub.log_tail()}")
            if time.monotonic() - t0 > 120 + 30 * len(users):
                raise HubError(f"servers still pending: {sorted(pending)}\n{self.hub.log_tail()}")
            time.sleep(0.25)
        self.result[key] = time.monotonic() - t0
        say(f"{len(users)} servers ready in {self.result[key]:.1f} s")

    def check_extension(self, users: list[str], session: requests.Session) -> None:
        """A server started while another run reinstalled the project into the test hub's
        shared venv lacks the extension: it is restarted, once."""

        def answers(user: str) -> bool:
            url = f"{self.hub.url}user/{user}/kernel-manager/processes"
            return session.get(url, timeout=60).status_code == 200

        missing = [user for user in users if not answers(user)]
        if missing:
            say(f"the extension does not answer on {missing}: restarting those servers")
            for user in missing:
                self.api("DELETE", f"users/{user}/server")
                self.hub.wait_for_server(user, ready=False)
            self.start_servers(missing, key="restart_servers")
            if not all(map(answers, missing)):
                raise HubError(f"the extension does not answer on the servers of {missing}")

    def server_process(self, user: str) -> tuple[psutil.Process, int]:
        """The process of ``user``'s server (the spawner's state) and its port."""
        state = self.api("GET", f"users/{user}").json()["servers"][""]["state"]
        proc = psutil.Process(state["pid"])
        if not any("singleuser" in part for part in proc.cmdline()):
            raise HubError(f"pid {proc.pid} is not a single-user server: {proc.cmdline()}")
        ports = [
            c.laddr.port for c in proc.net_connections("tcp") if c.status == psutil.CONN_LISTEN
        ]
        return proc, ports[0]

    def http(self, session: requests.Session, names: list[str], servers: list[str]) -> dict:
        deep = PAGE_SIZE * (len(names) // PAGE_SIZE // 2)
        page = f"users?offset=0&limit={PAGE_SIZE}&sort=name"
        routes = {
            "GET user (scopes)": "user",
            f"GET users, first page of {PAGE_SIZE} by name": page,
            f"GET users, page at offset {deep:,}": page.replace("offset=0", f"offset={deep}"),
            f"GET users, name_filter={FILTERS[0]}": f"{page}&name_filter={FILTERS[0]}",
            "GET users, state=ready": f"{page}&state=ready",
            'GET users, sort=-id (the "Newest" sort)': page.replace("sort=name", "sort=-id"),
        }

        def timed(url: str, **kwargs) -> float:
            t = time.perf_counter()
            reply = session.get(url, headers={"Accept": PAGINATION}, timeout=60, **kwargs)
            if reply.status_code != 200:
                raise HubError(f"GET {url}: {reply.status_code} {reply.text[:300]}")
            return (time.perf_counter() - t) * 1000

        processes = f"{self.hub.url}user/{{}}/kernel-manager/processes"
        cases = {label: (f"{self.hub.url}hub/api/{path}", {}) for label, path in routes.items()}
        cases[f"GET user/{ADMIN}/kernel-manager/processes?all_users=1"] = (
            processes.format(ADMIN),
            {"params": {"all_users": "1"}},
        )
        times = {label: [] for label in cases}
        for i in range(3 + ROUNDS):
            for label, (url, kwargs) in cases.items():
                took = timed(url, **kwargs)
                if i >= 3:
                    times[label].append(took)
        one = [timed(processes.format(user)) for _ in range(5) for user in servers]
        fanout = []
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for _ in range(5):
                t = time.perf_counter()
                list(pool.map(lambda user: timed(processes.format(user)), servers))
                fanout.append((time.perf_counter() - t) * 1000)
        times[f"GET user/<name>/kernel-manager/processes, {len(servers)} servers"] = one
        times[f"all {len(servers)} servers, 4 at a time (the fan-out, no browser)"] = fanout
        out = {label: stats(values) for label, values in times.items()}
        say(f"HTTP: {ROUNDS} rounds per route after 3 warm-ups (admin token, the page's scopes)")
        for label, s in out.items():
            print(f"    {label:<62} median {ms(s['median']):>8}  p90 {ms(s['p90']):>8}")
        return out


def main() -> None:
    names = [f"user{i:05d}" for i in range(USERS)]
    running = [names[int((k + 0.5) * len(names) / RUNNING)] for k in range(RUNNING)]
    bench = HubBench()
    stopped: list[psutil.Process] = []
    try:
        with Scratch("hub", jupyter=False) as scratch:
            scratch.cleanups.append(bench.hub.stop)
            scratch.cleanups.append(
                lambda: [p.send_signal(signal.SIGCONT) for p in stopped if p.is_running()]
            )
            say("starting JupyterHub with configurable-http-proxy")
            bench.hub.start(users=())
            say(
                f"JupyterHub {bench.hub.version} at {bench.hub.url}; Unix accounts: {bench.hub.as_root}"
            )
            bench.create_users(names)
            bench.start_servers([ADMIN, *running])
            session = requests.Session()
            session.headers["Authorization"] = (
                f"token {bench.hub.user_token(ADMIN, granted_scopes())}"
            )
            bench.check_extension([ADMIN, *running], session)
            bench.result["http"] = bench.http(session, names, [ADMIN, *running])
            # Stopped one at a time: the middle one of the fan-out's queue, then the last.
            victims = []
            for user in (running[len(running) // 2], running[-1]):
                proc, port = bench.server_process(user)
                stopped.append(proc)
                victims.append({"user": user, "pid": proc.pid, "port": port})
            ordered = sorted([ADMIN, *names])
            config = {
                "hubUrl": bench.hub.url,
                "user": ADMIN,
                "password": ADMIN_PASSWORD,
                "total": len(ordered),
                "pageSize": PAGE_SIZE,
                "pageFirsts": ordered[: PAGE_SIZE * 4 : PAGE_SIZE],
                "filters": [
                    {"filter": f, "expected": min(PAGE_SIZE, sum(f in n for n in ordered))}
                    for f in FILTERS
                ],
                "running": [ADMIN, *running],
                "stopped": victims,
                "goals": {"firstPageMs": 500, "fanoutMs": 2000},
            }
            config_path = scratch.path / "browser-config.json"
            config_path.write_text(json.dumps(config))
            bench.result["browser"] = node(scratch, "hub_browser.js", config_path)
    finally:
        left = [a.pw_name for a in bench.hub.accounts()] if bench.hub.as_root else []
        say("hub stopped; " + (f"Unix accounts left: {left}" if left else "no Unix account left"))
    save("hub", bench.result, bench.result["browser"]["verdicts"])


if __name__ == "__main__":
    main()
