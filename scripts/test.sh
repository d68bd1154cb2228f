#!/usr/bin/env bash
# Sets the environment up (scripts/setup.sh), then runs every test suite:
#   lint   (scripts/lint.sh)                eslint, prettier, stylelint, import
#                                           cycles, file length, ruff, mypy: one
#                                           test per check, a warning fails it
#   jest   (jlpm test)                      TypeScript models and API clients
#   pytest (.venv/bin/python -m pytest)     the server extension
#   galata (scripts/ui-tests.sh)           the browser tests, in Debian's Chromium
# Every suite runs even when an earlier one (or the setup) failed. The last
# line of output is always "<N> passed, <N> failed": test counts summed over
# the suites, where a failed setup or a suite that fails without reporting a
# failed test (a crash, a compile error, no tests) counts as one failure.
# Exits non-zero if anything failed.
set -uo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$KM_ROOT"

# Time limits (seconds) per step; the defaults add up to 29 minutes, while a
# cold run takes a few minutes. Galata's two runs (lab, hub) share theirs.
SETUP_TIMEOUT="${KM_SETUP_TIMEOUT:-330}"
LINT_TIMEOUT="${KM_LINT_TIMEOUT:-120}"
JEST_TIMEOUT="${KM_JEST_TIMEOUT:-240}"
PYTEST_TIMEOUT="${KM_PYTEST_TIMEOUT:-510}"
GALATA_TIMEOUT="${KM_GALATA_TIMEOUT:-540}"

# What the tests must not leave behind: entries of the machine's temporary
# directory and of the real home's trash (Jupyter Server deletes to the trash).
system_tmp="${TMPDIR:-/tmp}"
real_trash="$HOME/.local/share/Trash/files"
list_entries() { ls -A "$1" 2>/dev/null | sort; }
tmp_before="$(list_entries "$system_tmp")"
trash_before="$(list_entries "$real_trash")"

work="$(mktemp -d "$system_tmp/km-test.XXXXXX")"
# Throwaway per-user Jupyter data for the browser tests (see ui-tests/README.md).
export KM_TEST_DATA_DIR="$work/jupyter-data"
mkdir -p "$KM_TEST_DATA_DIR"
# Every temporary file of the suites (pytest's tmp_path, servers, browsers) goes
# here and is removed with it.
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"
trap 'rm -rf "$work"' EXIT

names=()
statuses=()
passed_counts=()
failed_counts=()
durations=()

# record NAME RC PASSED FAILED SECONDS [NOTE]
record() {
  local name="$1" rc="$2" passed="$3" failed="$4" secs="$5" note="${6:-}"
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
    [ -n "$note" ] || note="exit code $rc without a failed test: see its output above"
  fi
  names+=("$name")
  if [ "$rc" -eq 0 ]; then statuses+=("ok"); else statuses+=("FAILED${note:+ ($note)}"); fi
  passed_counts+=("$passed")
  failed_counts+=("$failed")
  durations+=("$secs")
}

# Prints "passed failed" from a suite's machine-readable report, or nothing.
counts_jest() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites);
  ' "$1" 2>/dev/null
}
counts_pytest() {
  "$KM_VENV/bin/python" - "$1" 2>/dev/null <<'EOF'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(total - failed - skipped, failed)
EOF
}
# Playwright: DIR holds a JSON report per run (ui-tests.sh runs two: lab, hub);
# a run that wrote none (left out, or crashed) adds nothing, an error outside
# the tests (a global setup that failed) counts as a failure. Skipped tests are
# neither passed nor failed: skipped_playwright gives their number.
playwright_stats() {
  node -e '
    const fs = require("fs");
    const path = require("path");
    const sum = { passed: 0, failed: 0, skipped: 0 };
    for (const name of fs.readdirSync(process.argv[1]).filter(n => n.endsWith(".json"))) {
      let report;
      try {
        report = JSON.parse(fs.readFileSync(path.join(process.argv[1], name), "utf8"));
      } catch {
        continue;
      }
      sum.passed += report.stats.expected + report.stats.flaky;
      sum.failed += report.stats.unexpected + (report.errors || []).length;
      sum.skipped += report.stats.skipped;
    }
    console.log(process.argv[2].split(",").map(k => sum[k]).join(" "));
  ' "$1" "$2" 2>/dev/null
}
counts_playwright() { playwright_stats "$1" passed,failed; }
skipped_playwright() { playwright_stats "$1" skipped; }

# run_limited LIMIT COMMAND...: runs COMMAND with a time limit, returns its status.
# On time-out, `timeout` sends SIGINT, like Ctrl-C, so that Playwright still
# stops the jupyter server it started (it leaves it running on SIGTERM), and
# SIGKILL a minute later. `timeout` puts the command in a process group of its
# own, which the terminal's Ctrl-C does not reach: the trap forwards it (a
# second Ctrl-C kills), and an interrupted run stops there.
run_limited() {
  local limit="$1" pid rc interrupts=0
  shift
  timeout --signal=INT --kill-after=60 "$limit" "$@" </dev/null &
  pid=$!
  trap 'interrupts=$((interrupts + 1))
        if [ "$interrupts" -eq 1 ]; then kill -INT -- "-$pid"; else kill -KILL -- "-$pid"; fi 2>/dev/null' INT TERM
  while :; do
    wait "$pid"
    rc=$?
    kill -0 "$pid" 2>/dev/null || break
  done
  trap - INT TERM
  if [ "$interrupts" -gt 0 ]; then
    km_warn "interrupted"
    exit 130
  fi
  return "$rc"
}

# run_suite NAME LIMIT COUNTER REPORT COMMAND...: runs a suite and records its result.
run_suite() {
  local name="$1" limit="$2" counter="$3" report="$4"
  shift 4
  km_say "[$name] $*"
  local t0=$SECONDS rc counts note=""
  run_limited "$limit" "$@"
  rc=$?
  [ "$rc" -eq 124 ] && note="timed out after ${limit} s"
  counts="$("$counter" "$report")"
  [ -n "$counts" ] || counts="0 0"
  # shellcheck disable=SC2086
  record "$name" "$rc" $counts "$((SECONDS - t0))" "$note"
}

# --- setup ---------------------------------------------------------------------
t0=$SECONDS
km_say "[setup] scripts/setup.sh"
run_limited "$SETUP_TIMEOUT" "$KM_ROOT/scripts/setup.sh"
setup_rc=$?
if [ "$setup_rc" -eq 124 ]; then
  record setup "$setup_rc" 0 0 "$((SECONDS - t0))" "timed out after ${SETUP_TIMEOUT} s"
else
  record setup "$setup_rc" 0 0 "$((SECONDS - t0))" "see the [setup] messages above"
fi
export PATH="$KM_VENV/bin:$PATH"

# --- lint ----------------------------------------------------------------------
counts_lint() { cat "$1" 2>/dev/null; }
run_suite lint "$LINT_TIMEOUT" counts_lint "$work/lint.counts" \
  "$KM_ROOT/scripts/lint.sh" "$work/lint.counts"

# --- jest ----------------------------------------------------------------------
if command -v jlpm >/dev/null 2>&1; then
  run_suite jest "$JEST_TIMEOUT" counts_jest "$work/jest.json" \
    jlpm test --ci --json --outputFile="$work/jest.json"
else
  record jest 1 0 0 0 "jlpm missing: setup did not install it"
fi

# --- pytest --------------------------------------------------------------------
if [ -x "$KM_VENV/bin/python" ]; then
  run_suite pytest "$PYTEST_TIMEOUT" counts_pytest "$work/pytest.xml" \
    "$KM_VENV/bin/python" -m pytest --junitxml="$work/pytest.xml"
else
  record pytest 1 0 0 0 ".venv missing: setup failed"
fi

# --- galata ----------------------------------------------------------------------
# Two Playwright runs (ui-tests.sh): against `jupyter lab`, then against a real
# JupyterHub; both reports are counted.
mkdir -p "$work/playwright"
run_suite galata "$GALATA_TIMEOUT" counts_playwright "$work/playwright" \
  env KM_PLAYWRIGHT_JSON="$work/playwright/lab.json" \
  KM_PLAYWRIGHT_HUB_JSON="$work/playwright/hub.json" "$KM_ROOT/scripts/ui-tests.sh"
skipped="$(skipped_playwright "$work/playwright")"
if [ "${skipped:-0}" -gt 0 ]; then
  last=$((${#statuses[@]} - 1))
  statuses[last]="${statuses[last]} ($skipped skipped: see the reason above)"
fi

# --- leftovers -----------------------------------------------------------------
# Checked only against this run's own start. On a machine where other programs
# write there meanwhile, KM_TMP_IGNORE (an extended grep pattern of names) skips theirs.
new_tmp="$(comm -13 <(echo "$tmp_before") <(list_entries "$system_tmp") |
  grep -v -x -F "$(basename "$work")" |
  { if [ -n "${KM_TMP_IGNORE:-}" ]; then grep -v -E "$KM_TMP_IGNORE"; else cat; fi; })"
new_trash="$(comm -13 <(echo "$trash_before") <(list_entries "$real_trash"))"
if [ -n "$new_tmp$new_trash" ]; then
  [ -z "$new_tmp" ] || km_warn "left in $system_tmp: $(echo "$new_tmp" | tr '\n' ' ')"
  [ -z "$new_trash" ] || km_warn "left in $real_trash: $(echo "$new_trash" | tr '\n' ' ')"
  record leftovers 1 0 1 0 "files left outside the run's own directory: see above"
else
  record leftovers 0 1 0 0
fi

# --- summary -------------------------------------------------------------------
total_passed=0
total_failed=0
echo
echo "==================== test summary ===================="
for i in "${!names[@]}"; do
  if [ "${names[$i]}" = setup ]; then
    printf '%-7s %5ss  %-25s %s\n' "${names[$i]}" "${durations[$i]}" "" "${statuses[$i]}"
  else
    printf '%-7s %5ss  %4d passed, %4d failed   %s\n' "${names[$i]}" "${durations[$i]}" \
      "${passed_counts[$i]}" "${failed_counts[$i]}" "${statuses[$i]}"
  fi
  total_passed=$((total_passed + passed_counts[i]))
  total_failed=$((total_failed + failed_counts[i]))
done
echo "Playwright report: ui-tests/playwright-report/index.html; artifacts: ui-tests/test-results/"
echo "${total_passed} passed, ${total_failed} failed"
[ "$total_failed" -eq 0 ]
