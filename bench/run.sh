#!/usr/bin/env bash
# Runs benches (not run by CI): ./bench/run.sh NAME...   See bench/README.md.
#   NAME: kernelspecs environments processes load hub startup panel reproduce
# Prepares the environment with scripts/setup.sh unless VENV is set or
# BENCH_SKIP_SETUP=1; VENV (a virtualenv with JupyterLab 4) defaults to .venv,
# else the jupyter on PATH. Browser benches need Debian's Chromium (KM_CHROMIUM,
# /usr/bin/chromium; never `playwright install`) and playwright-core, installed
# here into bench/node_modules. Each bench is bench/NAME.py run by that Python.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(dirname "$BENCH")"
say() { printf '==> %s\n' "$*"; }
die() { printf '!!! %s\n' "$*" >&2; exit 1; }
[ $# -gt 0 ] || die "usage: $0 NAME... (kernelspecs environments processes load hub startup panel reproduce)"
for name in "$@"; do [ -f "$BENCH/$name.py" ] || die "no bench named $name"; done

if [ -z "${VENV:-}" ] && [ "${BENCH_SKIP_SETUP:-0}" != 1 ]; then
  say "preparing the environment (scripts/setup.sh; BENCH_SKIP_SETUP=1 skips it)"
  "$ROOT/scripts/setup.sh" || die "scripts/setup.sh failed; not benchmarking a broken build"
fi
if [ -n "${VENV:-}" ]; then JUPYTER="$VENV/bin/jupyter"
elif [ -x "$ROOT/.venv/bin/jupyter" ]; then JUPYTER="$ROOT/.venv/bin/jupyter"
else JUPYTER="$(command -v jupyter || true)"; fi
[ -n "$JUPYTER" ] && [ -x "$JUPYTER" ] || die "jupyter not found: run scripts/setup.sh, or set VENV"
PY="$(dirname "$JUPYTER")/python"

if [[ " $* " =~ \ (kernelspecs|processes|hub|panel)\  ]] && [ "${BENCH_SKIP_BROWSER:-0}" != 1 ]; then
  export KM_CHROMIUM="${KM_CHROMIUM:-/usr/bin/chromium}"
  command -v node >/dev/null || die "node (>= 20) is needed for the browser part"
  if [ ! -x "$KM_CHROMIUM" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
  fi
  [ -x "$KM_CHROMIUM" ] || die "Chromium is needed at $KM_CHROMIUM (apt-get install chromium, or set KM_CHROMIUM)"
  if [ ! -f "$BENCH/node_modules/playwright-core/package.json" ] \
    || [ "$BENCH/package.json" -nt "$BENCH/node_modules/.package-lock.json" ]; then
    say "installing playwright-core in bench/node_modules"
    (cd "$BENCH" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
fi

cd "$ROOT"
export PYTHONUNBUFFERED=1  # the figures as they come
for name in "$@"; do
  say "bench $name ($PY); machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$SECONDS
  # In the background, so that Ctrl-C or TERM reach it and its clean-up is waited for.
  "$PY" "$BENCH/$name.py" &
  pid=$!
  trap 'kill -TERM $pid 2>/dev/null || true; wait $pid; exit 130' INT TERM
  status=0
  wait $pid || status=$?
  trap - INT TERM
  [ "$status" -eq 0 ] || die "bench $name failed (exit status $status)"
  say "bench $name: $((SECONDS - start)) s"
done
