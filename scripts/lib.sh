# Helpers shared by the scripts in this directory. Source it; do not run it.
# shellcheck shell=bash

KM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
KM_VENV="$KM_ROOT/.venv"
KM_STAMPS="$KM_VENV/.km-setup"
# Galata drives Debian's Chromium; Playwright's own browser download does not work here.
KM_CHROMIUM="${KM_CHROMIUM:-/usr/bin/chromium}"

km_say() { printf '==> %s\n' "$*"; }
km_warn() { printf '!!! %s\n' "$*" >&2; }

km_is_root() { [ "$(id -u)" -eq 0 ]; }

# Prints a hash of the named files (missing ones count as empty) and extra strings.
km_hash() {
  local f
  {
    for f in "$@"; do
      if [ -f "$f" ]; then cat "$f"; else printf '%s' "$f"; fi
      printf '\0'
    done
  } | sha256sum | cut -d' ' -f1
}

km_stamp_ok() { [ -f "$KM_STAMPS/$1" ] && [ "$(cat "$KM_STAMPS/$1")" = "$2" ]; }
km_stamp_set() { mkdir -p "$KM_STAMPS" && printf '%s' "$2" > "$KM_STAMPS/$1"; }

km_strip_ansi() { sed -e 's/\x1b\[[0-9;]*[mK]//g'; }

# Succeeds when Chromium is at $KM_CHROMIUM, installing it with apt-get when
# running as root; otherwise explains how to install it and fails.
km_ensure_chromium() {
  if [ -x "$KM_CHROMIUM" ]; then
    return 0
  fi
  if km_is_root && command -v apt-get >/dev/null 2>&1; then
    km_say "Chromium not found at $KM_CHROMIUM: installing Debian's chromium package"
    if DEBIAN_FRONTEND=noninteractive apt-get update -q \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
      && [ -x "$KM_CHROMIUM" ]; then
      return 0
    fi
    km_warn "installing chromium with apt-get failed"
    return 1
  fi
  km_warn "The browser tests need Chromium at $KM_CHROMIUM, and it is missing."
  km_warn "Install it (as root) with:"
  km_warn "    sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium"
  km_warn "or point KM_CHROMIUM at another Chromium binary. (Do not run 'playwright install'.)"
  return 1
}
