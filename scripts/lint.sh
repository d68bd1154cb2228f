#!/usr/bin/env bash
# Runs every linter and static check; a warning is a failure.
#   stylelint, prettier, eslint (typescript-eslint), import cycles (dpdm),
#   file length (no TypeScript file of src/ over 400 lines),
#   ruff check, ruff format --check, mypy.
# Every check runs even when an earlier one failed. Prints one line per check
# and, with a file argument, writes "<passed> <failed>" (checks) into it for
# scripts/test.sh. Expects scripts/setup.sh to have run.
set -uo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KM_ROOT"
export PATH="$KM_VENV/bin:$PATH"

MAX_LINES=400
passed=0
failed=0
results=()

check() {
  local name="$1"
  shift
  km_say "[lint] $name: $*"
  if "$@"; then
    passed=$((passed + 1))
    results+=("ok      $name")
  else
    failed=$((failed + 1))
    results+=("FAILED  $name")
  fi
}

long_files() {
  local long
  long="$(git ls-files 'src/*.ts' 'src/*.tsx' | xargs wc -l |
    awk -v max="$MAX_LINES" '$2 != "total" && $1 > max { print $2 " (" $1 " lines)" }')"
  if [ -n "$long" ]; then
    km_warn "files over $MAX_LINES lines (split them by what they do): $long"
    return 1
  fi
}

check stylelint jlpm stylelint:check --max-warnings=0
check prettier jlpm prettier:check
check eslint jlpm eslint:check --max-warnings=0
check cycles jlpm cycles:check
check file-length long_files
check ruff ruff check .
check ruff-format ruff format --check .
check mypy mypy

printf '%s\n' "${results[@]}"
[ -z "${1:-}" ] || echo "$passed $failed" > "$1"
[ "$failed" -eq 0 ]
