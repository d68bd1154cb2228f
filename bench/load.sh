#!/usr/bin/env bash
# Load test of the Processes and kernelspecs routes while a kernel works (not
# run by CI). See bench/README.md, section "Processes".
#
#   ./bench/load.sh
#
# 1. Prepares the environment with scripts/setup.sh (skipped when VENV is set
#    or BENCH_SKIP_SETUP=1).
# 2. A temporary directory (removed at the end, also on Ctrl-C) holds the
#    Jupyter directories; one `jupyter lab` on 127.0.0.1 with a token and the
#    default configuration (so a 0.5 s scan cache: what users get).
# 3. load_bench.py: a kernel (POST api/kernels) answers execute requests of
#    `pass`, directly (jupyter_client, its connection file) and through the
#    server's websocket, idle and while BENCH_LOAD_POLLERS (50) pollers loop
#    GET kernel-manager/processes + GET kernel-manager/kernelspecs for
#    BENCH_LOAD_SECONDS (60) in each mode of BENCH_LOAD_MODES ("flat": no
#    pause; "paced": one cycle per BENCH_LOAD_PACE s per poller; "stock":
#    "flat" on Jupyter Server's own api/kernelspecs + api/kernels, a reference).
# 4. Stops the server, kills anything of the run left (checked in /proc),
#    prints the verdicts and keeps the figures in bench/results/load-<date>.json.
#
# Environment: VENV, BENCH_SKIP_SETUP=1, BENCH_LOAD_POLLERS (50),
# BENCH_LOAD_SECONDS (60), BENCH_LOAD_MODES (flat,paced,stock), BENCH_LOAD_PACE (1),
# BENCH_LOAD_IDLE_RTT (100), BENCH_RTT_GAP (0.02), BENCH_LOAD_SLEEPS (0: extra
# sleeping children of the kernel, e.g. 2000).
set -euo pipefail
# shellcheck source=bench/processes_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes_lib.sh"

km_bench_env
km_bench_tmp km-bench-load
LOAD_BEFORE="$(km_loadavg)"
say "machine: $(nproc) cores, load average $LOAD_BEFORE, $(ps -e --no-headers | wc -l) processes"

km_start_server default
km_wait_server default

echo
say "load: ${BENCH_LOAD_POLLERS:-50} pollers, ${BENCH_LOAD_SECONDS:-60} s per mode (${BENCH_LOAD_MODES:-flat,paced,stock}), default server configuration (scan cache 0.5 s)"
(cd "$BENCH" && "$PY" load_bench.py run "${SERVER_BASE[default]}" "$TOKEN" "$TMP/load.json")
echo
LOAD_AFTER="$(km_loadavg)"

mkdir -p "$BENCH/results"
RESULT="$BENCH/results/load-$(date -u +%Y%m%dT%H%M%SZ).json"
"$PY" - "$TMP/load.json" "$RESULT" "$LOAD_BEFORE" "$LOAD_AFTER" <<'EOF'
import json, os, platform, sys
from datetime import datetime, timezone
load_path, result_path, load_before, load_after = sys.argv[1:]
with open(load_path) as f:
    load = json.load(f)
result = {
    "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                "loadavg_before": load_before, "loadavg_after": load_after},
    "server_config": "default (process_scan_cache_seconds = 0.5)",
    "load": load,
}
with open(result_path, "w") as f:
    json.dump(result, f, indent=1)
print(f"Verdicts (load average {load_before} before, {load_after} after)")
for line in load["verdicts"]:
    print(f"  {line}")
EOF
say "figures kept in ${RESULT#"$ROOT"/}; total $SECONDS s"
