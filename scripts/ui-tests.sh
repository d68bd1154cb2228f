#!/usr/bin/env bash
# Runs the Galata browser tests (ui-tests/) in Debian's Chromium, in two runs:
#   lab  playwright.config.js: tests/*.spec.ts against a `jupyter lab` from
#        .venv that Playwright starts itself (port 8899);
#   hub  playwright.hub.config.js: tests-hub/*.spec.ts against a real JupyterHub
#        that its global setup starts (tests/hub/hub_launcher.py, free ports)
#        and its teardown stops. Without configurable-http-proxy or node its
#        tests are skipped, with the reason, except under CI ($CI), where they fail.
# Usage: ui-tests.sh [lab|hub] [arguments of `playwright test`]
# "lab" or "hub" runs that one only; otherwise both run, with the arguments
# (e.g. tests/smoke.spec.ts, -g smoke), and a run in which they select no test
# is left out. Reports for scripts/test.sh: $KM_PLAYWRIGHT_JSON (lab),
# $KM_PLAYWRIGHT_HUB_JSON (hub). Exits non-zero if either run failed.
# Expects scripts/setup.sh to have run; scripts/test.sh runs both.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=(lab hub)
case "${1:-}" in
  lab | hub)
    runs=("$1")
    shift
    ;;
esac

[ -x "$KM_VENV/bin/jupyter" ] || { km_warn "$KM_VENV/bin/jupyter is missing: run scripts/setup.sh first"; exit 1; }
export PATH="$KM_VENV/bin:$PATH"
km_ensure_chromium

cd "$KM_ROOT/ui-tests"
# ui-tests is a yarn project of its own: without a yarn.lock here, yarn would
# take it for a part of the root project and refuse to install.
[ -f yarn.lock ] || : > yarn.lock
ui_key() { km_hash package.json yarn.lock .yarnrc.yml "$(node --version)"; }
if ! { [ -f node_modules/.yarn-state.yml ] && km_stamp_ok ui-tests "$(ui_key)"; }; then
  km_say "[galata] jlpm install (ui-tests)"
  jlpm install
  km_stamp_set ui-tests "$(ui_key)"
fi

config_of() { if [ "$1" = hub ]; then echo playwright.hub.config.js; else echo playwright.config.js; fi; }

# Whether the arguments select a test of that run (listing needs no server).
selects_tests() {
  [ "$#" -gt 1 ] || return 0
  local run="$1" probe listed
  shift
  # playwright.config.js makes a data directory when none is given.
  probe="$(mktemp -d "${TMPDIR:-/tmp}/km-ui-list.XXXXXX")"
  listed="$(KM_TEST_DATA_DIR="${KM_TEST_DATA_DIR:-$probe}" \
    jlpm playwright test --config "$(config_of "$run")" --list "$@" 2>&1)" || true
  rm -rf "$probe"
  ! grep -q '^Total: 0 tests' <<<"$listed"
}

# Ctrl-C (or test.sh's time-out) reaches Playwright, which stops its server or
# hub; then no further run starts.
interrupted=0
trap 'interrupted=1' INT TERM
status=0
ran=0
for run in "${runs[@]}"; do
  if [ "${#runs[@]}" -gt 1 ] && ! selects_tests "$run" "$@"; then
    km_say "[galata] $run: the arguments select no test there; not run"
    continue
  fi
  ran=$((ran + 1))
  km_say "[galata] $run: playwright test --config $(config_of "$run") $*"
  t0=$SECONDS
  rc=0
  jlpm playwright test --config "$(config_of "$run")" "$@" || rc=$?
  km_say "[galata] $run: exit code $rc after $((SECONDS - t0)) s"
  [ "$rc" -eq 0 ] || status=$rc
  if [ "$interrupted" -eq 1 ] || [ "$rc" -eq 130 ]; then
    km_warn "interrupted"
    exit 130
  fi
done
if [ "$ran" -eq 0 ]; then
  km_warn "the arguments select no test in either run: $*"
  exit 1
fi
exit "$status"
