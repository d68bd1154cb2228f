#!/usr/bin/env bash
# Benchmark of the Environments feature: creating an environment through the
# server versus the same commands typed by hand (not run by CI).
#
#   ./bench/environments.sh
#
# 1. Prepares the environment with scripts/setup.sh (skipped when VENV is set
#    or BENCH_SKIP_SETUP=1).
# 2. Makes a temporary directory (removed at the end, also on Ctrl-C) with
#    JUPYTER_DATA_DIR (so the environments, in <data>/kernel-manager/envs, and
#    their kernelspecs), JUPYTER_CONFIG_DIR, JUPYTER_RUNTIME_DIR, IPYTHONDIR, a
#    root_dir and the directory of the bare runs. uv's and pip's caches are the
#    user's own (~/.cache/uv, ~/.cache/pip, or UV_CACHE_DIR / PIP_CACHE_DIR):
#    the point is the warm-cache case.
# 3. Starts one `jupyter server` on 127.0.0.1 with a token (and a second one
#    with prefer_cached_packages=False, unless BENCH_UV_ONLINE=0) and runs
#    environments_bench.py: per backend, one untimed warm-up, then BENCH_RUNS
#    creations through the API interleaved with the same argv run bare, one
#    kernel started and executed, sizes. All environments are deleted at the
#    very end.
# 4. Stops the server, prints the verdicts and keeps the figures in
#    bench/results/environments-<date>.json.
#
# Environment: VENV (a virtualenv whose bin/ has jupyter; default .venv, else
# PATH), BENCH_SKIP_SETUP=1, BENCH_RUNS (3), BENCH_POLL_MS (25),
# BENCH_BACKENDS (uv,venv,conda), BENCH_UV_ONLINE (1: also uv
# through a second server that always asks the index; 0 skips it),
# BENCH_KEEP_DONTWRITEBYTECODE=1 (keep PYTHONDONTWRITEBYTECODE if set).
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- environment -------------------------------------------------------------
km_bench_find_jupyter

# --- temporary Jupyter directories -------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/km-bench-env.XXXXXX")"
SERVER_PID="" ONLINE_PID="" DRIVER_PID=""
stop_server() {
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    say "stopping the benchmark"
    stop_server "$DRIVER_PID"  # its process group: the bare step running too
  fi
  if [ -n "$SERVER_PID$ONLINE_PID" ]; then
    say "stopping the server(s)"
    stop_server "$SERVER_PID"
    stop_server "$ONLINE_PID"
  fi
  say "removing $TMP"
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export JUPYTER_DATA_DIR="$TMP/data" JUPYTER_CONFIG_DIR="$TMP/config" JUPYTER_RUNTIME_DIR="$TMP/runtime"
export IPYTHONDIR="$TMP/ipython" JUPYTER_PLATFORM_DIRS=0
unset JUPYTER_PATH JUPYTER_CONFIG_PATH PYTHONPATH
# These machines set PYTHONDONTWRITEBYTECODE=1; a user's server does not, and it
# changes what `ipykernel install` and a new kernel cost (no .pyc ever kept).
if [ -n "${PYTHONDONTWRITEBYTECODE:-}" ] && [ "${BENCH_KEEP_DONTWRITEBYTECODE:-0}" != 1 ]; then
  say "unsetting PYTHONDONTWRITEBYTECODE for the servers and the bare runs (BENCH_KEEP_DONTWRITEBYTECODE=1 keeps it)"
  unset PYTHONDONTWRITEBYTECODE
fi
mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR" "$IPYTHONDIR" "$TMP/root" "$TMP/bare"

# --- the servers ---------------------------------------------------------------
TOKEN="$("$PY" -c 'import secrets; print(secrets.token_hex(24))')"
# A JupyterLab venv without the project installed: use this checkout.
if ! (cd "$TMP" && "$PY" -c 'import jupyterlab_kernel_manager' 2>/dev/null); then
  export PYTHONPATH="$ROOT"
  say "jupyterlab_kernel_manager is not installed in $(dirname "$(dirname "$JUPYTER")"): using $ROOT"
fi

# start_server LOG PORT [VAR=VALUE...] [-- SERVER-ARG...]: one `jupyter server`
# in its own process group (setsid), with extra environment variables and
# command-line options; sets LAST_PID.
start_server() {
  local log="$1" port="$2" vars=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  [ $# -eq 0 ] || shift
  local args=(
    --ip=127.0.0.1 --port="$port" --ServerApp.port_retries=0 --no-browser
    --IdentityProvider.token="$TOKEN" --ServerApp.root_dir="$TMP/root"
    --ServerApp.jpserver_extensions='{"jupyterlab_kernel_manager": True}'
    # Every run makes a new environment and none is deleted before the end.
    --KernelManagerConfig.max_environments=0
  )
  [ "$(id -u)" -eq 0 ] && args+=(--allow-root)
  args+=("$@")
  (cd "$TMP/root" && exec env "${vars[@]}" setsid "$JUPYTER" server "${args[@]}" >"$log" 2>&1) &
  LAST_PID=$!
}
wait_server() {  # wait_server PID BASE LOG
  local pid="$1" base="$2" log="$3" start=$SECONDS
  until curl -fsS -o /dev/null -H "Authorization: token $TOKEN" "${base}api/status" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$log" >&2
      die "jupyter server exited before answering"
    fi
    [ $((SECONDS - start)) -lt 60 ] || { tail -n 40 "$log" >&2; die "jupyter server did not answer within 60 s"; }
    sleep 0.2
  done
  grep -q 'jupyterlab_kernel_manager.*extension was successfully loaded' "$log" \
    || { tail -n 40 "$log" >&2; die "the server extension jupyterlab_kernel_manager did not load"; }
}

PORT="$(km_free_port)"
BASE="http://127.0.0.1:$PORT/"
say "starting jupyter server on $BASE ($JUPYTER)"
start=$SECONDS
start_server "$TMP/server.log" "$PORT" "JUPYTER_DATA_DIR=$JUPYTER_DATA_DIR"
SERVER_PID=$LAST_PID
# The second server: uv with the package index asked every time
# (prefer_cached_packages=False, what every creation did before it existed),
# its own data directory.
if [ "${BENCH_UV_ONLINE:-1}" = 1 ]; then
  ONLINE_PORT="$(km_free_port)"
  export BENCH_ONLINE_BASE="http://127.0.0.1:$ONLINE_PORT/" BENCH_ONLINE_DATA="$TMP/data-online"
  mkdir -p "$BENCH_ONLINE_DATA"
  say "starting a second jupyter server with prefer_cached_packages=False on $BENCH_ONLINE_BASE"
  start_server "$TMP/server-online.log" "$ONLINE_PORT" "JUPYTER_DATA_DIR=$BENCH_ONLINE_DATA" \
    -- --KernelManagerConfig.prefer_cached_packages=False
  ONLINE_PID=$LAST_PID
fi
export BENCH_SERVER_PID="$SERVER_PID" BENCH_ONLINE_PID="$ONLINE_PID"
wait_server "$SERVER_PID" "$BASE" "$TMP/server.log"
[ -z "$ONLINE_PID" ] || wait_server "$ONLINE_PID" "$BENCH_ONLINE_BASE" "$TMP/server-online.log"
say "server(s) up in $((SECONDS - start)) s"

# --- measurements --------------------------------------------------------------
mkdir -p "$BENCH/results"
RESULT="$BENCH/results/environments-$(date -u +%Y%m%dT%H%M%SZ).json"
echo
# The driver runs the bare commands with the server's environment (less
# PYTHONPATH, as the server does for its children).
# In its own process group, waited for in the background: a signal to this
# script runs the clean-up at once, which stops the driver and its step.
setsid "$PY" "$BENCH/environments_bench.py" "$BASE" "$TOKEN" "$TMP/bare" "$RESULT" &
DRIVER_PID=$!
status=0
wait "$DRIVER_PID" || status=$?
DRIVER_PID=""
if [ "$status" -ne 0 ]; then
  [ "$status" -ge 128 ] && exit "$status"  # interrupted
  tail -n 30 "$TMP/server.log" >&2
  die "the benchmark failed"
fi
say "figures kept in ${RESULT#"$ROOT"/}; total $SECONDS s"
