#!/usr/bin/env bash
# Benchmark of the kernelspec listing with 1,000 kernelspecs (not run by CI).
#
#   ./bench/kernelspecs.sh
#
# 1. Prepares the environment with scripts/setup.sh (skipped when VENV is set
#    or BENCH_SKIP_SETUP=1) and installs playwright-core in bench/node_modules.
# 2. Makes a temporary directory (removed at the end, also on Ctrl-C) with
#    JUPYTER_DATA_DIR, JUPYTER_CONFIG_DIR, JUPYTER_RUNTIME_DIR, a root_dir and
#    BENCH_SPECS (1000) kernelspecs in $JUPYTER_DATA_DIR/kernels.
# 3. Starts one `jupyter lab` on 127.0.0.1 with a token, then runs
#    kernelspecs_http.py (GET kernel-manager/kernelspecs vs GET api/kernelspecs)
#    and kernelspecs_browser.js (opening the panel in headless Chromium).
# 4. Stops the server, prints the verdicts and keeps the figures in
#    bench/results/kernelspecs-<date>.json.
#
# Environment: VENV (a virtualenv whose bin/ has jupyter; default .venv, else
# PATH), BENCH_SPECS (1000), BENCH_BROWSER_RUNS (5), BENCH_FILTER_ROUNDS (3),
# KM_CHROMIUM (/usr/bin/chromium), BENCH_SKIP_SETUP=1.
# When that environment does not have the extension installed (a plain
# JupyterLab venv), the server extension is loaded from this checkout and the
# built labextension from jupyterlab_kernel_manager/labextension.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SPECS="${BENCH_SPECS:-1000}"
CHROMIUM="${KM_CHROMIUM:-/usr/bin/chromium}"
export KM_CHROMIUM="$CHROMIUM"

# --- environment -------------------------------------------------------------
km_bench_find_jupyter
command -v node >/dev/null 2>&1 || die "node not found (Node.js >= 20 is needed for the browser part)"

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Chromium not found at $CHROMIUM: installing Debian's chromium package"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
  fi
  [ -x "$CHROMIUM" ] || die "Chromium is needed at $CHROMIUM (apt-get install chromium, or set KM_CHROMIUM); never 'playwright install'"
fi

if [ ! -f "$BENCH/node_modules/playwright-core/package.json" ] \
  || [ "$BENCH/package.json" -nt "$BENCH/node_modules/.package-lock.json" ]; then
  say "installing playwright-core in bench/node_modules"
  (cd "$BENCH" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
fi

# --- temporary Jupyter directories -------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/km-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    say "stopping the server"
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export JUPYTER_DATA_DIR="$TMP/data" JUPYTER_CONFIG_DIR="$TMP/config" JUPYTER_RUNTIME_DIR="$TMP/runtime"
export JUPYTER_PLATFORM_DIRS=0
unset JUPYTER_PATH JUPYTER_CONFIG_PATH
mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR" "$TMP/root"
say "writing $SPECS kernelspecs in $JUPYTER_DATA_DIR/kernels"
"$PY" "$BENCH/make_kernelspecs.py" "$JUPYTER_DATA_DIR/kernels" "$SPECS"

# --- the server ----------------------------------------------------------------
PORT="$(km_free_port)"
TOKEN="$("$PY" -c 'import secrets; print(secrets.token_hex(24))')"
BASE="http://127.0.0.1:$PORT/"
km_lab_args "$PORT"

say "starting jupyter lab on $BASE ($JUPYTER)"
# setsid: the server and its children get their own process group, stopped as one.
(cd "$TMP/root" && exec setsid "$JUPYTER" lab "${LAB_ARGS[@]}" >"$TMP/server.log" 2>&1) &
SERVER_PID=$!
start=$SECONDS
until curl -fsS -o /dev/null -H "Authorization: token $TOKEN" "${BASE}api/status" 2>/dev/null; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    tail -n 40 "$TMP/server.log" >&2
    die "jupyter lab exited before answering"
  fi
  [ $((SECONDS - start)) -lt 60 ] || { tail -n 40 "$TMP/server.log" >&2; die "jupyter lab did not answer within 60 s"; }
  sleep 0.2
done
say "server up in $((SECONDS - start)) s"
grep -q 'jupyterlab_kernel_manager.*extension was successfully loaded' "$TMP/server.log" \
  || { tail -n 40 "$TMP/server.log" >&2; die "the server extension jupyterlab_kernel_manager did not load"; }

# --- measurements --------------------------------------------------------------
echo
"$PY" "$BENCH/kernelspecs_http.py" "$BASE" "$TOKEN" "$TMP/http.json"
echo
node "$BENCH/kernelspecs_browser.js" "$BASE" "$TOKEN" "$TMP/browser.json" || {
  status=$?
  [ "$status" -ge 128 ] && exit "$status"  # interrupted
  tail -n 20 "$TMP/server.log" >&2
  die "the browser part failed"
}

# --- summary -------------------------------------------------------------------
mkdir -p "$BENCH/results"
RESULT="$BENCH/results/kernelspecs-$(date -u +%Y%m%dT%H%M%SZ).json"
"$PY" - "$TMP/http.json" "$TMP/browser.json" "$RESULT" "$SPECS" <<'EOF'
import json, os, platform, sys
from datetime import datetime, timezone
http_path, browser_path, result_path, specs = sys.argv[1:]
with open(http_path) as f:
    http = json.load(f)
with open(browser_path) as f:
    browser = json.load(f)
result = {
    "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
    "bench_kernelspecs": int(specs),
    "http": http,
    "browser": browser,
}
with open(result_path, "w") as f:
    json.dump(result, f, indent=1)
print()
print("Verdicts")
for line in [http["verdict"], *browser["verdicts"]]:
    print(f"  {line}")
EOF
say "figures kept in ${RESULT#"$ROOT"/}; total $SECONDS s"
