#!/usr/bin/env bash
# Prepares the development environment, idempotently:
#   .venv (from python3) with JupyterLab 4.6 and the build tools,
#   node modules (jlpm install), the built extension (jlpm build),
#   the project installed editable with its test extras,
#   the labextension linked into .venv (jupyter-builder develop),
#   configurable-http-proxy in hub/node_modules (for the hub tests and demo),
#   and a check that JupyterLab sees both halves of the extension.
# Re-runs skip the installs whose inputs have not changed, and the build when
# the built labextension is newer than everything it is built from.
# Exits non-zero if any step failed; it still does every step it can, so the
# Python half is installed even when the frontend does not build.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KM_ROOT"

# JupyterLab itself is not a dependency of the package (the server it runs in
# provides it); development and the browser tests need it, in step with
# @jupyterlab/galata 5.6 in ui-tests/package.json.
JUPYTERLAB_REQ='jupyterlab>=4.6,<4.7'

PY="$KM_VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1
failed=()
start=$SECONDS

step() { km_say "[setup] $*"; }
fail() { km_warn "[setup] $1"; failed+=("$1"); }
# took NAME T0: says how long NAME took since SECONDS was T0.
took() { step "$1 took $((SECONDS - $2)) s"; }

# --- prerequisites -----------------------------------------------------------
command -v python3 >/dev/null 2>&1 || { km_warn "python3 not found (Python >= 3.9 is needed)"; exit 1; }
python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' \
  || { km_warn "Python >= 3.9 is needed; python3 is $(python3 --version 2>&1)"; exit 1; }
command -v node >/dev/null 2>&1 || { km_warn "node not found (Node.js >= 20 is needed to build the frontend)"; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || km_warn "Node.js >= 20 is expected; found $(node --version)"

# --- virtualenv --------------------------------------------------------------
# A venv is tied to its path (script shebangs): recreate it if it is broken or moved.
venv_ok() {
  "$PY" -c '' >/dev/null 2>&1 || return 1
  case "$(head -n1 "$KM_VENV/bin/pip" 2>/dev/null)" in
    "#!$KM_VENV/bin/python"*) return 0 ;;
    *) return 1 ;;
  esac
}
if ! venv_ok; then
  step "creating .venv with $(python3 --version 2>&1)"
  python3 -m venv --clear "$KM_VENV" || {
    km_warn "could not create .venv; on Debian/Ubuntu install the venv module: apt-get install python3-venv"
    exit 1
  }
fi
export PATH="$KM_VENV/bin:$PATH"
export VIRTUAL_ENV="$KM_VENV"

# --- build tools and JupyterLab ----------------------------------------------
# pip installs editable with --no-build-isolation below, so the PEP 517 build
# requirements (hatchling, hatch-jupyter-builder, jupyter-builder, which brings
# jlpm) must be in .venv: read them from pyproject.toml and ask the backend.
tools_key="$(km_hash pyproject.toml "$JUPYTERLAB_REQ" "$(python3 --version 2>&1)")"
if ! km_stamp_ok tools "$tools_key"; then
  step "installing build requirements and $JUPYTERLAB_REQ into .venv"
  t0=$SECONDS
  mapfile -t build_reqs < <("$PY" -c '
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["build-system"]["requires"]))')
  "$PY" -m pip install -q "${build_reqs[@]}" "$JUPYTERLAB_REQ"
  mapfile -t editable_reqs < <("$PY" -c '
import importlib, tomllib
with open("pyproject.toml", "rb") as f:
    backend = tomllib.load(f)["build-system"]["build-backend"]
print("\n".join(importlib.import_module(backend).get_requires_for_build_editable()))')
  if [ "${#editable_reqs[@]}" -gt 0 ]; then
    "$PY" -m pip install -q "${editable_reqs[@]}"
  fi
  km_stamp_set tools "$tools_key"
  took "installing the build requirements and JupyterLab" "$t0"
fi
command -v jlpm >/dev/null 2>&1 || { km_warn "jlpm is missing from .venv (it comes with jupyter-builder)"; exit 1; }

# --- node modules and frontend build -----------------------------------------
frontend_ok=1
node_installed=0
node_key() { km_hash package.json yarn.lock .yarnrc.yml "$(node --version)"; }
if [ -f node_modules/.yarn-state.yml ] && km_stamp_ok node "$(node_key)"; then
  : # node_modules are current
else
  step "jlpm install"
  t0=$SECONDS
  if jlpm install; then
    # jlpm install may rewrite yarn.lock: stamp what it left behind.
    km_stamp_set node "$(node_key)"
    node_installed=1
    took "jlpm install" "$t0"
  else
    fail "jlpm install failed"
    frontend_ok=0
  fi
fi
# jlpm build runs tsc (src/ into lib/), then jupyter-builder (lib/, style/,
# schema/ and package.json, with node_modules, into the labextension). Its
# last write is the labextension's package.json: when that is newer than every
# input file and directory (a directory's time changes when a file is added,
# removed or renamed in it), the build is current. lib/ is the build's own
# output, made from src/.
build_stamp=jupyterlab_kernel_manager/labextension/package.json
build_inputs=(src style schema package.json tsconfig.json node_modules/.yarn-state.yml)
build_current() {
  local f
  [ -f "$build_stamp" ] || return 1
  for f in "${build_inputs[@]}"; do
    [ -e "$f" ] || return 1
  done
  [ -z "$(find "${build_inputs[@]}" -newer "$build_stamp" -print -quit)" ]
}
if [ "$frontend_ok" = 1 ]; then
  if [ "$node_installed" = 0 ] && build_current; then
    step "jlpm build skipped: the labextension is newer than src/, style/, schema/ and package.json"
  else
    step "jlpm build"
    t0=$SECONDS
    build_start="$(date +%s)"
    if jlpm build; then
      # Dated from its start, so that a file saved while it ran counts as newer.
      touch -d "@$build_start" "$build_stamp"
      took "jlpm build" "$t0"
    else
      fail "jlpm build failed (see the TypeScript / jupyter-builder output above)"
      frontend_ok=0
    fi
  fi
fi

# --- configurable-http-proxy for the hub tests and the demo hub -----------------
# hub/ is a yarn project of its own; tests/hub/hub_launcher.py runs its
# node_modules/.bin/configurable-http-proxy.
hub_key() { km_hash hub/package.json hub/yarn.lock hub/.yarnrc.yml "$(node --version)"; }
if [ -x hub/node_modules/.bin/configurable-http-proxy ] && km_stamp_ok hub "$(hub_key)"; then
  : # hub/node_modules are current
else
  step "jlpm install in hub/ (configurable-http-proxy)"
  t0=$SECONDS
  if (cd hub && jlpm install); then
    km_stamp_set hub "$(hub_key)"
    took "jlpm install in hub/" "$t0"
  else
    fail "jlpm install in hub/ failed (configurable-http-proxy, for the hub tests)"
  fi
fi

# --- the Python package, editable --------------------------------------------
labext_link="$KM_VENV/share/jupyter/labextensions/jupyterlab-kernel-manager"
installed_from_here() {
  "$PY" - "$KM_ROOT" <<'EOF' >/dev/null 2>&1
import json, sys
from importlib.metadata import distribution
from pathlib import Path
info = json.loads(distribution("jupyterlab_kernel_manager").read_text("direct_url.json"))
sys.exit(not (info.get("dir_info", {}).get("editable")
              and info["url"].rstrip("/") == Path(sys.argv[1]).resolve().as_uri()))
EOF
}
py_key="$(km_hash pyproject.toml package.json install.json jupyter-config/server-config/jupyterlab_kernel_manager.json)"
if installed_from_here && km_stamp_ok python "$py_key"; then
  : # the editable install is current; Python source changes need no reinstall
else
  step 'pip install -e ".[test]"'
  # pip would write (and on uninstall delete) the labextension's files through
  # the development symlink, that is inside the source tree: drop the link first.
  [ -L "$labext_link" ] && rm -f "$labext_link"
  # This script has just run jlpm install and jlpm build itself, so the
  # hatch-jupyter-builder hook would only repeat them (or repeat a failure).
  t0=$SECONDS
  if SKIP_JUPYTER_BUILDER=1 "$PY" -m pip install -q --no-build-isolation -e ".[test]"; then
    km_stamp_set python "$py_key"
    took 'pip install -e ".[test]"' "$t0"
  else
    fail 'pip install -e ".[test]" failed'
  fi
fi

# --- link the labextension for development -----------------------------------
if [ -f jupyterlab_kernel_manager/labextension/package.json ]; then
  if [ "$(readlink "$labext_link" 2>/dev/null)" != "$KM_ROOT/jupyterlab_kernel_manager/labextension" ]; then
    step "jupyter-builder develop --overwrite ."
    jupyter-builder develop --overwrite . || fail "jupyter-builder develop failed"
  fi
elif [ "$frontend_ok" = 1 ]; then
  fail "jlpm build produced no jupyterlab_kernel_manager/labextension/package.json"
fi

# --- check that JupyterLab sees both halves ----------------------------------
# The two listings take about 3 s each (starting Python and importing
# JupyterLab): run them side by side.
lab_list_file="$(mktemp "$KM_VENV/.km-labextension-list.XXXXXX")"
trap 'rm -f "$lab_list_file"' EXIT
if [ "$frontend_ok" = 1 ]; then
  jupyter labextension list >"$lab_list_file" 2>&1 &
  lab_list_pid=$!
fi
server_list="$(jupyter server extension list 2>&1 | km_strip_ansi || true)"
if ! grep -Eq '^\s*jupyterlab_kernel_manager\s+enabled' <<<"$server_list"; then
  fail "the server extension jupyterlab_kernel_manager is not enabled (jupyter server extension list)"
elif ! grep -Eq '^\s*jupyterlab_kernel_manager\s.*\sOK\s*$' <<<"$server_list"; then
  fail "the server extension jupyterlab_kernel_manager is enabled but does not load:"
  grep -A3 'Validating jupyterlab_kernel_manager' <<<"$server_list" >&2 || true
fi
if [ "$frontend_ok" = 1 ]; then
  wait "$lab_list_pid" || true
  lab_list="$(km_strip_ansi <"$lab_list_file")"
  grep -Eq '^\s*jupyterlab-kernel-manager\s.*enabled.*OK' <<<"$lab_list" \
    || fail "the labextension jupyterlab-kernel-manager is not listed as enabled and OK (jupyter labextension list)"
fi

if [ "${#failed[@]}" -gt 0 ]; then
  km_warn "[setup] finished with ${#failed[@]} problem(s) in $((SECONDS - start)) s:"
  for f in "${failed[@]}"; do km_warn "    - $f"; done
  exit 1
fi
step "ready in $((SECONDS - start)) s: .venv, jupyterlab-kernel-manager (labextension) and jupyterlab_kernel_manager (server extension)"
