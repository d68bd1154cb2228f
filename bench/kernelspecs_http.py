"""Latency of GET kernel-manager/kernelspecs next to Jupyter Server's GET api/kernelspecs.

Usage: python kernelspecs_http.py BASE_URL TOKEN RESULT_JSON

BASE_URL is the server's URL with its base_url, e.g. http://127.0.0.1:8888/.
Both routes are fetched over one persistent HTTP/1.1 connection with a token
header: 3 warm-up requests each, then 30 each, interleaved (ours, stock, ours,
...), timed client-side from sending the request to having read the whole body.
Prints median, p90, min, max and the response sizes, and the ratio of the
medians (ours / stock), whose goal is <= 1.5. Writes the figures to RESULT_JSON.
Standard library only.
"""

from __future__ import annotations

import http.client
import json
import math
import statistics
import sys
import time
from urllib.parse import urlsplit

WARMUP = 3
ROUNDS = 30
GOAL_RATIO = 1.5


def p90(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]  # nearest rank


def main() -> int:
    base, token, result_path = sys.argv[1], sys.argv[2], sys.argv[3]
    url = urlsplit(base)
    prefix = url.path if url.path.endswith("/") else url.path + "/"
    routes = {
        "ours": prefix + "kernel-manager/kernelspecs",
        "stock": prefix + "api/kernelspecs",
    }
    headers = {"Authorization": f"token {token}", "Accept": "application/json"}
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    def fetch(path: str) -> tuple[float, bytes]:
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}: {body[:300]!r}")
        return elapsed, body

    bodies: dict[str, bytes] = {}
    for _ in range(WARMUP):
        for key, path in routes.items():
            _, bodies[key] = fetch(path)
    samples: dict[str, list[float]] = {key: [] for key in routes}
    for _ in range(ROUNDS):
        for key, path in routes.items():
            elapsed, bodies[key] = fetch(path)
            samples[key].append(elapsed * 1000)
    conn.close()

    counts = {key: len(json.loads(body)["kernelspecs"]) for key, body in bodies.items()}
    stats = {
        key: {
            "route": routes[key],
            "n": len(values),
            "median_ms": statistics.median(values),
            "p90_ms": p90(values),
            "min_ms": min(values),
            "max_ms": max(values),
            "bytes": len(bodies[key]),
            "kernelspecs": counts[key],
        }
        for key, values in samples.items()
    }
    ratio = stats["ours"]["median_ms"] / stats["stock"]["median_ms"]

    print(
        f"HTTP ({ROUNDS} interleaved requests per route after {WARMUP} warm-ups, "
        "one keep-alive connection, client-side wall time)"
    )
    print(
        f"  {'route':<34} {'median':>8} {'p90':>8} {'min':>8} {'max':>8} {'bytes':>9} {'specs':>6}"
    )
    for key in ("ours", "stock"):
        s = stats[key]
        print(
            f"  GET {s['route']:<30} {s['median_ms']:>6.1f}ms {s['p90_ms']:>6.1f}ms "
            f"{s['min_ms']:>6.1f}ms {s['max_ms']:>6.1f}ms {s['bytes']:>9,} {s['kernelspecs']:>6}"
        )
    print(f"  ratio of medians ours/stock: {ratio:.2f}")
    if counts["ours"] != counts["stock"]:
        print(f"  WARNING: the routes list different numbers of kernelspecs: {counts}")

    verdict = "OK" if ratio <= GOAL_RATIO else "NOT MET"
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "routes": stats,
                "ratio": ratio,
                "goal_ratio": GOAL_RATIO,
                "verdict": f"kernelspecs API ratio {ratio:.2f} (goal <= {GOAL_RATIO}): {verdict}",
            },
            f,
            indent=1,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
