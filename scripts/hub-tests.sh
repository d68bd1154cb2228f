#!/usr/bin/env bash
# Runs every test that needs a real JupyterHub: pytest tests/hub, then the
# Galata run against a hub of its own (scripts/ui-tests.sh hub). Both start and
# stop their hub. $KM_JUPYTERHUB_SPEC picks the JupyterHub release (default
# 'jupyterhub>=5,<6', the line TLJH installs); any other spec gets a venv of its
# own in /var/tmp, made on first use. Expects scripts/setup.sh to have run
# (scripts/test.sh runs these tests too, with the default release).
#   ./scripts/hub-tests.sh
#   KM_JUPYTERHUB_SPEC='jupyterhub>=6,<7' ./scripts/hub-tests.sh
set -uo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KM_ROOT"

km_say "JupyterHub release: ${KM_JUPYTERHUB_SPEC:-jupyterhub>=5,<6 (default)}"
status=0
"$KM_VENV/bin/python" -m pytest tests/hub -q -p no:cacheprovider || status=1
"$KM_ROOT/scripts/ui-tests.sh" hub || status=1
if [ "$status" -eq 0 ]; then km_say "hub tests passed"; else km_warn "hub tests failed"; fi
exit "$status"
