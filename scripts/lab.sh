#!/usr/bin/env bash
# Sets the environment up (scripts/setup.sh), then starts JupyterLab with the
# extension on 127.0.0.1, serving the directory this script was called from.
# It says first which URL and folder that will be; JupyterLab prints the URL
# with its token once it is ready. Extra arguments go to `jupyter lab`
# (e.g. --port=9999, --notebook-dir=DIR).
set -euo pipefail

here="$PWD"
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# What the arguments override of the address and folder served.
ip=127.0.0.1
port="${JUPYTER_PORT:-}"
root="$here"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  a="${args[i]}"
  next="${args[i + 1]:-}"
  case "$a" in
    --ip=* | --ServerApp.ip=*) ip="${a#*=}" ;;
    --ip | --ServerApp.ip) ip="$next" ;;
    --port=* | --ServerApp.port=*) port="${a#*=}" ;;
    --port | --ServerApp.port) port="$next" ;;
    --notebook-dir=* | --ServerApp.root_dir=*) root="${a#*=}" ;;
    --notebook-dir | --ServerApp.root_dir) root="$next" ;;
  esac
done
root="$(cd "$root" 2>/dev/null && pwd || printf '%s' "$root")"

# Prints the first free port from 8888 on, as JupyterLab would pick it, so
# that the address can be said before it starts.
free_port() {
  python3 -c '
import socket, sys
for port in range(8888, 8938):
    with socket.socket() as s:
        try:
            s.bind((sys.argv[1], port))
        except OSError:
            continue
        print(port)
        break
' "$ip" 2>/dev/null || true
}
chosen_port=""
[ -n "$port" ] || chosen_port="$(free_port)"
km_say "JupyterLab will serve the folder $root at http://$ip:${port:-${chosen_port:-<port>}}/lab (with a token, in the URL it prints when ready)"

if [ ! -x "$KM_VENV/bin/jupyter" ]; then
  km_say "first run: scripts/setup.sh makes .venv, installs JupyterLab and the node modules from PyPI and the npm registry, and builds the extension: 2 to 4 minutes"
fi
"$KM_ROOT/scripts/setup.sh" || {
  km_warn "setup failed (see above); not starting JupyterLab"
  exit 1
}

server_args=(--ip=127.0.0.1 --no-browser)
if [ -z "$port" ]; then
  # The set-up took a while: take the port again in case it is in use now.
  was="$chosen_port"
  chosen_port="$(free_port)"
  if [ -n "$chosen_port" ]; then
    server_args+=(--port="$chosen_port")
    [ "$chosen_port" = "$was" ] || km_say "port ${was:-8888} is in use now: JupyterLab will be at http://$ip:$chosen_port/lab"
  fi
fi
if km_is_root; then
  server_args+=(--allow-root)
fi
cd "$here"
export PATH="$KM_VENV/bin:$PATH"
km_say "starting JupyterLab: open the URL with the token that it prints below (Ctrl-C to stop)"
exec "$KM_VENV/bin/jupyter" lab "${server_args[@]}" "$@"
