#!/usr/bin/env bash
# Sets the environment up (scripts/setup.sh), then starts a JupyterHub with the
# extension on 127.0.0.1 for a person to try, in the foreground: port 8000 if it
# is free, else any free port. Users admin (the hub admin), alice and bob exist;
# it prints the URL and the passwords. Ctrl-C stops the hub, every server it
# started and, as root, the Unix accounts it made for them.
# Arguments go to tests/hub/hub_launcher.py (--port N, --spec 'jupyterhub>=6,<7').
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$KM_ROOT/scripts/setup.sh" || {
  km_warn "setup failed (see above); not starting the hub"
  exit 1
}

cd "$KM_ROOT"
exec "$KM_VENV/bin/python" tests/hub/hub_launcher.py "$@"
