#!/usr/bin/env bash
# Benchmark of the Hub section against a real JupyterHub with 10,000 users
# (issue 5; not run by CI). See bench/README.md, section "Hub".
#
#   ./bench/hub.sh
#
# 1. Prepares the environment with scripts/setup.sh (skipped when VENV is set
#    or BENCH_SKIP_SETUP=1; the hub needs the project's .venv and
#    hub/node_modules, which setup.sh makes), Chromium and playwright-core in
#    bench/node_modules.
# 2. hub_bench.py: the test hub of tests/hub (JupyterHub 5.x, configurable-http-
#    proxy, on 127.0.0.1), BENCH_HUB_USERS (10000) users created through the
#    REST API, the admin's and BENCH_HUB_RUNNING (20) users' servers started;
#    the hub routes and the servers' processes route timed over HTTP.
# 3. hub_browser.js (headless Chromium): logged in as admin through /hub/login,
#    the admin's JupyterLab behind the hub: first users page, filter round trip,
#    paging, and the usage fan-out over the running servers, one of them stopped
#    with SIGSTOP for part of it.
# 4. Always, also on error or Ctrl-C: SIGCONT, the hub stopped with every server,
#    the run's Unix accounts (as root) removed. Verdicts printed; figures in
#    bench/results/hub-<date>.json.
#
# Environment: VENV, BENCH_SKIP_SETUP=1, BENCH_HUB_USERS (10000),
# BENCH_HUB_BATCH (500), BENCH_HUB_RUNNING (20), BENCH_HTTP_ROUNDS (20),
# BENCH_HUB_PAGES (5), BENCH_HUB_FANOUT_ROUNDS (5), BENCH_HUB_WHATIF
# ("timeout=1500"; "0" skips the what-if), BENCH_PROFILE=DIR, KM_CHROMIUM,
# KM_JUPYTERHUB_SPEC (the hub's release, as for the hub tests).
set -euo pipefail

# shellcheck source=bench/processes_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes_lib.sh"

km_bench_env browser
"$PY" -c 'import psutil, requests, jupyterlab_kernel_manager' 2>/dev/null \
  || die "$PY lacks psutil, requests or the project: run scripts/setup.sh"
[ -x "$ROOT/hub/node_modules/.bin/configurable-http-proxy" ] \
  || die "configurable-http-proxy is missing from hub/node_modules: run scripts/setup.sh"
[ -f "$ROOT/jupyterlab_kernel_manager/labextension/package.json" ] \
  || die "the labextension is not built: run scripts/setup.sh"

mkdir -p "$BENCH/results"
RESULT="$BENCH/results/hub-$(date -u +%Y%m%dT%H%M%SZ).json"
say "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# hub_bench.py stops everything it started in its own `finally` (SIGINT and
# SIGTERM included). It runs in the background so that this script's traps
# can pass a TERM or Ctrl-C on to it and wait for its clean-up.
BENCH_PID=""
forward() {
  trap '' INT TERM
  if [ -n "$BENCH_PID" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
    say "stopping the benchmark (it stops the hub and its servers)"
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  exit "$1"
}
trap 'forward 130' INT
trap 'forward 143' TERM

cd "$ROOT"
"$PY" "$BENCH/hub_bench.py" "$RESULT" &
BENCH_PID=$!
status=0
wait "$BENCH_PID" || status=$?
BENCH_PID=""
[ "$status" -eq 0 ] || die "the hub benchmark failed (exit status $status)"
say "total $SECONDS s"
