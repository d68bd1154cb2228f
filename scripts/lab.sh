#!/usr/bin/env bash
# Sets the environment up (scripts/setup.sh), then starts JupyterLab with the
# extension on 127.0.0.1, in the directory this script was called from.
# JupyterLab prints the URL with its token once it is ready; extra arguments
# go to `jupyter lab` (e.g. --port=9999).
set -euo pipefail

here="$PWD"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$KM_ROOT/scripts/setup.sh" || {
  km_warn "setup failed (see above); not starting JupyterLab"
  exit 1
}

args=(--ip=127.0.0.1 --no-browser)
if km_is_root; then
  args+=(--allow-root)
fi
cd "$here"
export PATH="$KM_VENV/bin:$PATH"
km_say "starting JupyterLab: open the URL with a token that it prints below (Ctrl-C to stop)"
exec "$KM_VENV/bin/jupyter" lab "${args[@]}" "$@"
