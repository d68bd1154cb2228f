"""The first GET kernel-manager/environments after a server start, next to the first GET
api/kernelspecs on the same server (issue 10, "the panel is ready at once").

For each N of BENCH_STARTUP_ENVS ("0,3") user environments, BENCH_STARTS (6) fresh
``jupyter server``s on the same data directory: once ``api/status`` answers, the first
GET of each route, each on a new connection opened beforehand, one after the other; the
order alternates from start to start (environments first on even starts). Then a
second GET of each (warm, for reference). The environments are made once, through
the extension's own POST (the server's default backend), with HOME, and so the
installers' caches, in the scratch directory.
"""

from __future__ import annotations

import os
import time

from common import Client, Scratch, env_int, ms, save, say, stats, verdict

STARTS = env_int("BENCH_STARTS", 6)
SIZES = [int(n) for n in (os.environ.get("BENCH_STARTUP_ENVS") or "0,3").split(",")]
GOAL_RATIO = 1.5
ROUTES = {"environments": "kernel-manager/environments", "kernelspecs": "api/kernelspecs"}


def make_environments(scratch: Scratch, have: int, want: int) -> None:
    server = scratch.server(f"create-{want}", app="server").start()
    server.wait()
    client = Client(server.base, server.token)
    for i in range(have, want):
        t = time.monotonic()
        reply = client.call("POST", ROUTES["environments"], {"name": f"env-{i}"}).data
        while (job := client.get(f"kernel-manager/jobs/{reply['job']}"))["state"] == "running":
            time.sleep(0.2)
        if job["state"] != "succeeded":
            raise SystemExit(f"creating env-{i}: {job['state']}: {job.get('error')}")
        say(f"environment env-{i} made in {time.monotonic() - t:.1f} s")
    server.stop()


def one_start(scratch: Scratch, n: int, i: int) -> dict:
    server = scratch.server(f"n{n}-{i}", app="server").start()
    up = server.wait()
    order = list(ROUTES) if i % 2 == 0 else list(reversed(ROUTES))
    out = {"start_s": up, "first": order[0]}
    for key in order:
        client = Client(server.base, server.token)
        client.conn.connect()
        reply = client.call("GET", ROUTES[key])
        listed = len(reply.data["environments" if key == "environments" else "kernelspecs"])
        out[key] = {"first_ms": reply.seconds * 1000, "bytes": reply.size, "listed": listed}
    for key in order:
        out[key]["second_ms"] = (
            Client(server.base, server.token).call("GET", ROUTES[key]).seconds * 1000
        )
    server.stop()
    return out


def main() -> None:
    result, verdicts = {"starts": STARTS, "sizes": {}}, []
    with Scratch("startup") as scratch:
        have = 0
        for n in SIZES:
            if n > have:
                make_environments(scratch, have, n)
                have = n
            runs = [one_start(scratch, n, i) for i in range(STARTS)]
            first = {key: stats([r[key]["first_ms"] for r in runs]) for key in ROUTES}
            ratio = first["environments"]["median"] / first["kernelspecs"]["median"]
            print(
                f"N = {n} environments, {STARTS} fresh starts (server up in "
                f"{stats([r['start_s'] for r in runs])['median']:.1f} s, median)"
            )
            for key, route in ROUTES.items():
                s = first[key]
                by_order = [
                    stats([r[key]["first_ms"] for r in runs if (r["first"] == key) == lead])[
                        "median"
                    ]
                    for lead in (True, False)
                ]
                second = stats([r[key]["second_ms"] for r in runs])["median"]
                print(
                    f"  first GET {route:<28} median {ms(s['median']):>8}  p90 {ms(s['p90']):>8}  "
                    f"(asked first {ms(by_order[0])}, second {ms(by_order[1])}; next GET "
                    f"{ms(second)}; {runs[0][key]['listed']} listed)"
                )
            print(f"  ratio environments / kernelspecs: {ratio:.2f} (goal <= {GOAL_RATIO})")
            result["sizes"][n] = {"first": first, "ratio": ratio, "runs": runs}
            verdicts.append(
                f"first GET after a server start, {n} environments: environments "
                f"{ms(first['environments']['median'])} / kernelspecs "
                f"{ms(first['kernelspecs']['median'])} = {ratio:.2f} (goal <= {GOAL_RATIO}): "
                f"{verdict(ratio <= GOAL_RATIO)}"
            )
    save("startup", result, verdicts)


if __name__ == "__main__":
    main()
