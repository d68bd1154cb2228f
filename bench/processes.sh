#!/usr/bin/env bash
# Benchmark of the Processes feature with 2,000 extra sleeping processes (not
# run by CI). See bench/README.md, section "Processes".
#
#   ./bench/processes.sh
#
# 1. Prepares the environment with scripts/setup.sh (skipped when VENV is set
#    or BENCH_SKIP_SETUP=1) and playwright-core in bench/node_modules.
# 2. A temporary directory (removed at the end, also on Ctrl-C) holds the
#    Jupyter directories. Two `jupyter lab` servers on 127.0.0.1 with a token:
#    "default" (the default process_scan_cache_seconds, 0.5 s) and "cache0"
#    (process_scan_cache_seconds=0: every poll scans).
# 3. A notebook session on "default" (POST api/sessions) whose kernel starts
#    BENCH_SLEEPS (2000) `sleep 600.<n>` children; their pids are tracked.
# 4. processes_browser.js: the Processes table's updates in headless Chromium
#    (processRefreshInterval set to BENCH_INTERVAL, 1 s, through the settings API).
# 5. processes_http.py: GET kernel-manager/processes against `ps -eo
#    pid,user,rss,pcpu,args` on both servers, and the server's CPU per poll.
# 6. The kernel kills its sleeps, the servers stop, anything left is killed
#    by pid (after checking its command line) and /proc is checked for
#    leftovers. Verdicts printed; figures in bench/results/processes-<date>.json.
#
# Environment: VENV, BENCH_SKIP_SETUP=1, BENCH_SLEEPS (2000), BENCH_INTERVAL (1),
# BENCH_UPDATES (15), BENCH_CLOSED_UPDATES (6), BENCH_HTTP_ROUNDS (30),
# BENCH_CPU_POLLS (30), BENCH_SKIP_BROWSER=1, BENCH_PROFILE=DIR, KM_CHROMIUM.
set -euo pipefail
# shellcheck source=bench/processes_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes_lib.sh"

SLEEPS="${BENCH_SLEEPS:-2000}"
INTERVAL="${BENCH_INTERVAL:-1}"
BROWSER=1
[ "${BENCH_SKIP_BROWSER:-0}" = 1 ] && BROWSER=0

if [ "$BROWSER" = 1 ]; then km_bench_env browser; else km_bench_env; fi
km_bench_tmp km-bench-proc
LOAD_BEFORE="$(km_loadavg)"
say "machine: $(nproc) cores, load average $LOAD_BEFORE"

km_start_server default
km_start_server cache0 --KernelManagerConfig.process_scan_cache_seconds=0
km_wait_server default
km_wait_server cache0
A="${SERVER_BASE[default]}"
B="${SERVER_BASE[cache0]}"

if [ "$BROWSER" = 1 ]; then
  status="$(curl -sS -o "$TMP/settings.out" -w '%{http_code}' -X PUT \
    -H "Authorization: token $TOKEN" -H 'Content-Type: application/json' \
    --data "{\"raw\": \"{\\\"processRefreshInterval\\\": $INTERVAL}\"}" \
    "${A}lab/api/settings/jupyterlab-kernel-manager:plugin")"
  [ "$status" = 204 ] || [ "$status" = 200 ] || die "setting processRefreshInterval failed: HTTP $status $(cat "$TMP/settings.out")"
  say "processRefreshInterval set to $INTERVAL s (settings API: HTTP $status)"
fi

KERNEL_ID="$(cd "$BENCH" && "$PY" processes_kernel.py start "$A" "$TOKEN" bench-processes.ipynb)"
(cd "$BENCH" && "$PY" processes_kernel.py spawn "$A" "$TOKEN" "$KERNEL_ID" "$SLEEPS")
SPAWNED_AT_MS="$("$PY" -c 'import time; print(int(time.time() * 1000))')"
say "$(wc -l <"$TMP/track.sleeps") sleeps (sleep $SLEEP_ARG) are children of kernel $KERNEL_ID; machine: $(ps -e --no-headers | wc -l) processes"

echo
if [ "$BROWSER" = 1 ]; then
  node "$BENCH/processes_browser.js" "$A" "$TOKEN" "$TMP/browser.json" "$SLEEPS" "$SPAWNED_AT_MS" || {
    status=$?
    [ "$status" -ge 128 ] && exit "$status"  # interrupted
    tail -n 20 "$TMP/server-default.log" >&2
    die "the browser part failed"
  }
  echo
else
  echo '{"verdicts": [], "skipped": true}' >"$TMP/browser.json"
fi
(cd "$BENCH" && "$PY" processes_http.py "$TOKEN" "$TMP/http.json" "default=$A" "cache0=$B")
echo
LOAD_AFTER="$(km_loadavg)"

(cd "$BENCH" && "$PY" processes_kernel.py kill "$A" "$TOKEN" "$KERNEL_ID") \
  || say "the kernel could not kill its sleeps: they are killed by pid at exit"

mkdir -p "$BENCH/results"
RESULT="$BENCH/results/processes-$(date -u +%Y%m%dT%H%M%SZ).json"
"$PY" - "$TMP/http.json" "$TMP/browser.json" "$RESULT" "$SLEEPS" "$LOAD_BEFORE" "$LOAD_AFTER" <<'EOF'
import json, os, platform, sys
from datetime import datetime, timezone
http_path, browser_path, result_path, sleeps, load_before, load_after = sys.argv[1:]
with open(http_path) as f:
    http = json.load(f)
with open(browser_path) as f:
    browser = json.load(f)
result = {
    "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                "loadavg_before": load_before, "loadavg_after": load_after},
    "sleeps": int(sleeps),
    "http": http,
    "browser": browser,
}
with open(result_path, "w") as f:
    json.dump(result, f, indent=1)
print(f"Verdicts (load average {load_before} before, {load_after} after)")
for line in [*http["verdicts"], *browser["verdicts"]]:
    print(f"  {line}")
EOF
say "figures kept in ${RESULT#"$ROOT"/}; total $SECONDS s"
