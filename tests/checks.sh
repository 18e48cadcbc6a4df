# SPDX-License-Identifier: MIT OR Apache-2.0
# What the generators' test scripts share (sourced; they set WORK first): PASS/FAIL lines
# and their count.
#   ok NAME, bad NAME     one result
#   check NAME CMD...     PASS if CMD succeeds; on failure its output is shown. (Test bodies
#                         run in an `if`, where set -e is off: they chain with && on purpose.)
pass=0
fail=0
ok()  { echo "PASS: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() {
    local name=$1
    shift
    if "$@" >"$WORK/check.log" 2>&1; then
        ok "$name"
    else
        bad "$name"
        sed 's/^/    /' "$WORK/check.log"
    fi
}
