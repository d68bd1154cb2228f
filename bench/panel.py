"""Kernel Manager tab clicked → every section rendered, right after a server start
(issue 10, "the panel is ready at once").

BENCH_STARTS (6) times: a fresh ``jupyter lab`` on the same data directory, holding
BENCH_PANEL_ENVS (3) user environments made once through the extension's POST (HOME,
and so the installers' caches, in the scratch directory); as soon as it answers,
panel_browser.js opens JupyterLab in a fresh Chromium and, once JupyterLab shows
itself, clicks the tab and waits until each of BENCH_PANEL_SECTIONS
("Kernels,Environments,Processes") shows its content instead of a "Loading …"
placeholder. The server is stopped after each page.
"""

from __future__ import annotations

import os

from startup import make_environments

from common import Scratch, env_int, ms, node, save, stats, verdict

STARTS = env_int("BENCH_STARTS", 6)
ENVS = env_int("BENCH_PANEL_ENVS", 3)
SECTIONS = os.environ.get("BENCH_PANEL_SECTIONS") or "Kernels,Environments,Processes"
GOAL_MS = 500


def main() -> None:
    with Scratch("panel") as scratch:
        if ENVS:
            make_environments(scratch, 0, ENVS)
        runs = []
        for i in range(STARTS):
            server = scratch.server(f"lab-{i}").start()
            server.wait()
            runs.append(node(scratch, "panel_browser.js", server.base, server.token, SECTIONS))
            server.stop()
    s = stats([r["rendered"] for r in runs])
    each = {
        name: stats([r["sections"][name] for r in runs])["median"] for name in SECTIONS.split(",")
    }
    print(f"Click on the Kernel Manager tab → every section rendered, {STARTS} fresh starts:")
    print(f"  median {ms(s['median'])}, p90 {ms(s['p90'])}, min {ms(s['min'])}, max {ms(s['max'])}")
    print("  each section, median: " + ", ".join(f"{k} {ms(v)}" for k, v in each.items()))
    line = (
        f"panel open → every section rendered after a server start ({ENVS} environments): "
        f"median {ms(s['median'])}, p90 {ms(s['p90'])} (goal < {GOAL_MS} ms): "
        f"{verdict(s['median'] < GOAL_MS)}"
    )
    save("panel", {"environments": ENVS, "summary": s, "sections": each, "runs": runs}, [line])


if __name__ == "__main__":
    main()
