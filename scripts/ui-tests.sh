#!/usr/bin/env bash
# Runs the Galata browser tests (ui-tests/) in Debian's Chromium, against a
# `jupyter lab` from .venv that Playwright starts itself (port 8899).
# Expects scripts/setup.sh to have run; scripts/test.sh runs both.
# Arguments go to `playwright test` (e.g. tests/smoke.spec.ts, -g smoke).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

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
exec jlpm playwright test "$@"
