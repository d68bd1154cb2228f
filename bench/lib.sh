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

# km_free_port: a free TCP port on 127.0.0.1.
km_free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# km_lab_args PORT: sets LAB_ARGS, the options of a `jupyter lab` on
# 127.0.0.1:PORT with token $TOKEN, root_dir $TMP/root and the extension on.
# A JupyterLab venv without the project installed gets this checkout's halves:
# the package on PYTHONPATH, the built labextension through $TMP/labextensions.
km_lab_args() {
  LAB_ARGS=(
    --ip=127.0.0.1 --port="$1" --ServerApp.port_retries=0 --no-browser
    --IdentityProvider.token="$TOKEN" --ServerApp.root_dir="$TMP/root"
    --ServerApp.jpserver_extensions='{"jupyterlab_kernel_manager": True}'
    --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
  )
  [ "$(id -u)" -eq 0 ] && LAB_ARGS+=(--allow-root)
  if ! (cd "$TMP" && "$PY" -c 'import jupyterlab_kernel_manager' 2>/dev/null); then
    export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
    say "jupyterlab_kernel_manager is not installed in $(dirname "$(dirname "$JUPYTER")"): using $ROOT"
  fi
  if ! (cd "$TMP" && "$PY" - <<'PYEOF'
import os, sys
from jupyter_core.paths import jupyter_path
sys.exit(not any(os.path.isfile(os.path.join(d, "jupyterlab-kernel-manager", "package.json"))
                 for d in jupyter_path("labextensions")))
PYEOF
  ); then
    [ -f "$ROOT/jupyterlab_kernel_manager/labextension/package.json" ] \
      || die "the labextension is neither installed nor built (jlpm build)"
    mkdir -p "$TMP/labextensions"
    ln -sfn "$ROOT/jupyterlab_kernel_manager/labextension" "$TMP/labextensions/jupyterlab-kernel-manager"
    LAB_ARGS+=(--LabApp.extra_labextensions_path="$TMP/labextensions")
    say "the labextension is not installed in that environment: using $ROOT/jupyterlab_kernel_manager/labextension"
  fi
}
