# Shared by the bench scripts (sourced): messages, and the Jupyter to measure.
# Sets BENCH, ROOT, JUPYTER and PY. Runs scripts/setup.sh first unless VENV is
# set or BENCH_SKIP_SETUP=1.

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(dirname "$BENCH")"

say() { printf '==> %s\n' "$*"; }
die() { printf '!!! %s\n' "$*" >&2; exit 1; }

km_bench_find_jupyter() {
  if [ -z "${VENV:-}" ] && [ "${BENCH_SKIP_SETUP:-0}" != 1 ] && [ -x "$ROOT/scripts/setup.sh" ]; then
    say "preparing the environment (scripts/setup.sh; BENCH_SKIP_SETUP=1 skips it)"
    "$ROOT/scripts/setup.sh" || die "scripts/setup.sh failed (see above); not benchmarking a broken build"
  fi
  if [ -n "${VENV:-}" ]; then
    JUPYTER="$VENV/bin/jupyter"
  elif [ -x "$ROOT/.venv/bin/jupyter" ]; then
    JUPYTER="$ROOT/.venv/bin/jupyter"
  else
    JUPYTER="$(command -v jupyter || true)"
  fi
  [ -n "$JUPYTER" ] && [ -x "$JUPYTER" ] || die "jupyter not found: run scripts/setup.sh, or set VENV to a virtualenv with JupyterLab 4"
  PY="$(dirname "$JUPYTER")/python"
  [ -x "$PY" ] || PY="$(command -v python3)"
}
