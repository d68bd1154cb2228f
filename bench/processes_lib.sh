# Helpers shared by bench/processes.sh and bench/load.sh. Source it; do not run it.
# shellcheck shell=bash
#
# After `source`: BENCH, ROOT, say, die; then
#   km_bench_env [browser]   JUPYTER and PY (scripts/setup.sh first unless VENV
#                            is set or BENCH_SKIP_SETUP=1); with "browser", also
#                            Chromium and playwright-core in bench/node_modules
#   km_bench_tmp PREFIX      TMP (Jupyter dirs inside) and the EXIT/INT/TERM traps
#   km_start_server NAME [jupyter lab args...]
#                            one `jupyter lab` on 127.0.0.1, a free port, the
#                            token $TOKEN, in its own process group (setsid);
#                            sets SERVER_PID[NAME], SERVER_BASE[NAME]
#   km_wait_server NAME      waits until it answers and the extension loaded
# Processes the benchmarks start (kernels, sleeps) are tracked in pid files:
#   $TMP/track.sleeps  one pid a line, each a `sleep $SLEEP_ARG`
#   $TMP/track.kernels one pid a line, each a kernel whose command line names $TMP
# and killed at exit (after checking the command line still matches, so a
# reused pid is never hit), then the servers' process groups are stopped.

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

km_bench_env() {
  km_bench_find_jupyter
  "$PY" -c 'import jupyter_client, tornado' 2>/dev/null \
    || die "$PY lacks jupyter_client or tornado (they come with JupyterLab)"
  command -v ps >/dev/null 2>&1 || die "ps (procps) is needed"
  [ "${1:-}" = browser ] || return 0

  CHROMIUM="${KM_CHROMIUM:-/usr/bin/chromium}"
  export KM_CHROMIUM="$CHROMIUM"
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
}

declare -A SERVER_PID=() SERVER_BASE=()
TMP=""
# A unique argument, so our sleeps are told from anyone else's: `sleep 600.<n>`.
SLEEP_ARG="600.$(( (RANDOM << 15 | RANDOM) + 1 ))"
export SLEEP_ARG

# Pids of a tracking file whose /proc/<pid>/cmdline still matches.
_km_tracked() {
  local file="$1" kind="$2" pid args
  [ -f "$file" ] || return 0
  while read -r pid; do
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    args=()
    mapfile -d '' args 2>/dev/null <"/proc/$pid/cmdline" || continue
    case "$kind" in
      sleep) [ "${#args[@]}" -eq 2 ] && [ "${args[0]##*/}" = sleep ] && [ "${args[1]}" = "$SLEEP_ARG" ] && echo "$pid" ;;
      kernel) [[ "${args[*]}" == *"$TMP/"* ]] && echo "$pid" ;;
    esac
  done < "$file"
}

km_kill_tracked() {
  local pids pid n=0
  # Kernels first, as a group: they lead their own process group (the server
  # starts them in a new session), which holds the sleeps they started.
  mapfile -t pids < <(_km_tracked "$TMP/track.kernels" kernel)
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    n=$((n + 1))
  done
  [ "$n" -eq 0 ] || { sleep 1; for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; done; }
  mapfile -t pids < <(_km_tracked "$TMP/track.sleeps" sleep)
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ "$n" -eq 0 ] && [ "${#pids[@]}" -eq 0 ] || say "killed $n kernel group(s) and ${#pids[@]} sleep(s) left running"
}

km_stop_server() {
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

# How many of our sleeps and kernels exist (any process whose command line
# names SLEEP_ARG or TMP): 0 after the cleanup.
km_leftovers() {
  local pid args n=0
  for pid in /proc/[0-9]*; do
    args=()
    mapfile -d '' args 2>/dev/null <"$pid/cmdline" || continue
    [ "${#args[@]}" -gt 0 ] || continue
    if { [ "${args[0]##*/}" = sleep ] && [ "${args[1]:-}" = "$SLEEP_ARG" ]; } \
      || [[ -n "$TMP" && "${args[*]}" == *"$TMP/"* ]]; then
      n=$((n + 1))
    fi
  done
  echo "$n"
}

_km_cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$TMP" ]; then
    local name
    for name in "${!SERVER_PID[@]}"; do
      say "stopping server $name"
      km_stop_server "${SERVER_PID[$name]}"
    done
    # Kernels a server did not shut down (killed, or it failed), sleeps their
    # kernel did not kill: by pid, once their command line is checked.
    km_kill_tracked
    local left
    left="$(km_leftovers)"
    if [ "$left" -eq 0 ]; then
      say "no sleep, kernel or server of this run is left (checked /proc)"
    else
      printf '!!! %s process(es) of this run still exist (sleep %s, or naming %s)\n' "$left" "$SLEEP_ARG" "$TMP" >&2
    fi
    rm -rf "$TMP"
  fi
  exit "$status"
}

km_bench_tmp() {
  TMP="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  trap _km_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  export JUPYTER_DATA_DIR="$TMP/data" JUPYTER_CONFIG_DIR="$TMP/config" JUPYTER_RUNTIME_DIR="$TMP/runtime"
  export JUPYTER_PLATFORM_DIRS=0 IPYTHONDIR="$TMP/ipython"
  unset JUPYTER_PATH JUPYTER_CONFIG_PATH
  mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR" "$IPYTHONDIR" "$TMP/root"
  : >"$TMP/track.sleeps"
  : >"$TMP/track.kernels"
  TOKEN="$("$PY" -c 'import secrets; print(secrets.token_hex(24))')"
  export TRACK_SLEEPS="$TMP/track.sleeps" TRACK_KERNELS="$TMP/track.kernels"
}

km_start_server() {
  local name="$1"
  shift
  local port
  port="$(km_free_port)"
  km_lab_args "$port"
  local args=("${LAB_ARGS[@]}")
  args+=("$@")
  SERVER_BASE[$name]="http://127.0.0.1:$port/"
  say "starting server $name: jupyter lab on ${SERVER_BASE[$name]}${*:+ ($*)}"
  # setsid: the server and its children get their own process group, stopped as one.
  (cd "$TMP/root" && exec setsid "$JUPYTER" lab "${args[@]}" >"$TMP/server-$name.log" 2>&1) &
  SERVER_PID[$name]=$!
}

km_wait_server() {
  local name="$1" start=$SECONDS
  local pid="${SERVER_PID[$name]}" base="${SERVER_BASE[$name]}"
  until curl -fsS -o /dev/null -H "Authorization: token $TOKEN" "${base}api/status" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$TMP/server-$name.log" >&2
      die "server $name exited before answering"
    fi
    [ $((SECONDS - start)) -lt 90 ] || { tail -n 40 "$TMP/server-$name.log" >&2; die "server $name did not answer within 90 s"; }
    sleep 0.2
  done
  grep -q 'jupyterlab_kernel_manager.*extension was successfully loaded' "$TMP/server-$name.log" \
    || { tail -n 40 "$TMP/server-$name.log" >&2; die "the server extension did not load in server $name"; }
  say "server $name up (pid $pid)"
}

# The machine's load, for the record: "1-min 5-min 15-min".
km_loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
