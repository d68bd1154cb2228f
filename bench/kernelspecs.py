"""1,000 kernelspecs: GET kernel-manager/kernelspecs next to GET api/kernelspecs, and the
panel in Chromium (kernelspecs_browser.js).

BENCH_SPECS (1000) kernelspecs ``bench-NNNN`` in the scratch data directory: the argv
``ipykernel install`` writes, varied display names, 2 % with a missing interpreter
(broken), 10 % with a logo; exactly one in ten has "Quantum" in its name and nothing
else has a "q" (the browser part filters on it). Then one ``jupyter lab``: over one
keep-alive connection, 3 warm-ups and BENCH_HTTP_ROUNDS (30) rounds of both routes
interleaved, timed until the whole body is read; goal: ratio of medians <= 1.5.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sys
from pathlib import Path

from common import Client, Scratch, env_int, ms, node, save, say, stats, verdict

SPECS = env_int("BENCH_SPECS", 1000)
ROUNDS = env_int("BENCH_HTTP_ROUNDS", 30)
GOAL_RATIO = 1.5
ROUTES = {"ours": "kernel-manager/kernelspecs", "stock": "api/kernelspecs"}
# No word here contains a "q".
PYTHONS = ["Python 3.11", "Python 3.12", "Python 3.13", "Python 3.10", "PyPy 3.10"]
PROJECTS = ["analytics", "billing", "climate-model", "data-lake", "etl", "forecasting", "genomics"]
PROJECTS += ["imaging", "ml-platform", "nlp", "optimizer", "pricing", "reporting", "robotics"]
PROJECTS += ["search", "thesis", "trading", "vision", "web-scraper", "warehouse"]
FLAVOURS = ["", "GPU", "CPU only", "conda", "venv", "pinned", "nightly", "legacy"]


def make_kernelspecs(kernels: Path, count: int) -> None:
    logos = glob.glob(f"{sys.prefix}/lib/python*/site-packages/ipykernel/resources/logo-64x64.png")
    for i in range(1, count + 1):
        words = [PYTHONS[i % 5], f"({PROJECTS[i * 7 % 20]}"]
        words += ["Quantum"] if i % 10 == 3 else []
        words += [FLAVOURS[i * 3 % 8]] if FLAVOURS[i * 3 % 8] else []
        python = sys.executable if i % 50 != 7 else f"/opt/conda/envs/removed-{i:04d}/bin/python"
        spec = {
            "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": " ".join(words) + f", #{i})",
            "language": "python",
            "interrupt_mode": "signal",
            "metadata": {"debugger": True},
        }
        if i % 4 == 0:
            spec["env"] = {"PYTHONUNBUFFERED": "1", "PROJECT_ID": f"bench-{i:04d}"}
        directory = kernels / f"bench-{i:04d}"
        directory.mkdir(parents=True)
        (directory / "kernel.json").write_text(json.dumps(spec, indent=1))
        if logos and i % 10 == 0:
            shutil.copyfile(logos[0], directory / "logo-64x64.png")
    say(f"wrote {count} kernelspecs ({count // 50} broken, {count // 10 if logos else 0} logos)")


def http(client: Client) -> tuple[dict, list[str]]:
    samples: dict[str, list[float]] = {key: [] for key in ROUTES}
    info: dict[str, dict] = {}
    for i in range(3 + ROUNDS):
        for key, path in ROUTES.items():
            reply = client.call("GET", path)
            if i >= 3:
                samples[key].append(reply.seconds * 1000)
            info[key] = {"bytes": reply.size, "kernelspecs": len(reply.data["kernelspecs"])}
    print(f"HTTP: {ROUNDS} interleaved rounds after 3 warm-ups, one keep-alive connection")
    result = {}
    for key, path in ROUTES.items():
        s = result[key] = {**stats(samples[key]), **info[key]}
        print(
            f"  GET {path:<28} median {ms(s['median']):>8}  p90 {ms(s['p90']):>8}  "
            f"max {ms(s['max']):>8}  {s['bytes']:>9,} bytes  {s['kernelspecs']} specs"
        )
    ratio = result["ours"]["median"] / result["stock"]["median"]
    result["ratio"] = ratio
    print(f"  ratio of medians ours / stock: {ratio:.2f}")
    return result, [
        f"kernelspecs API ratio {ratio:.2f} (goal <= {GOAL_RATIO}): {verdict(ratio <= GOAL_RATIO)}"
    ]


def main() -> None:
    with Scratch("kernelspecs") as scratch:
        make_kernelspecs(Path(os.environ["JUPYTER_DATA_DIR"], "kernels"), SPECS)
        server = scratch.server().start()
        say(f"jupyter lab up in {server.wait():.1f} s")
        result, verdicts = http(Client(server.base, server.token))
        count = result["ours"]["kernelspecs"]
        if os.environ.get("BENCH_SKIP_BROWSER") != "1":
            result["browser"] = node(
                scratch, "kernelspecs_browser.js", server.base, server.token, count
            )
            verdicts += result["browser"]["verdicts"]
    save("kernelspecs", result, verdicts)


if __name__ == "__main__":
    main()
