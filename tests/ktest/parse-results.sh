#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# parse-results.sh - turn ktest's console lines into JUnit XML and a one-line summary.
#
# Usage: tests/ktest/parse-results.sh LOG JUNIT [SUITE]
#   LOG    the console log of a ktest boot (CRs are ignored)
#   JUNIT  the JUnit XML file to write (one <testsuite name="SUITE">, default ktest)
#
# ktest prints "KTEST START <count>", then one line per case:
#   KTEST PASS <name>[ (note)]
#   KTEST FAIL <name>: <reason>
#   KTEST KNOWN-FAIL <name>: <reason> [<failure>]   (a known kernel problem; JUnit: skipped)
#   KTEST SKIP <name>: <reason>                      (not run; JUnit: skipped)
# and "KTEST DONE" at the end. Prints each failure, then "ktest: N passed, M failed" (plus
# known failures and skipped), where cases that never reported (a hang, a crash) count as
# failed.
# Exit status: 0 if no case failed and every registered case reported; 1 otherwise;
#              2 usage error or unreadable LOG.
set -euo pipefail
export LC_ALL=C

(($# == 2 || $# == 3)) || { echo "usage: $0 LOG JUNIT [SUITE]" >&2; exit 2; }
log=$1 junit=$2 suite=${3:-ktest}
[[ -r $log ]] || { echo "parse-results: cannot read $log" >&2; exit 2; }
mkdir -p -- "$(dirname -- "$junit")"

# One pass: the JUnit file is written by awk, the summary goes to stdout (last line).
tr -d '\r' <"$log" | awk -v junit="$junit.part.$$" -v suite="$suite" '
function esc(s) {
    gsub(/[\001-\010\013-\037\177-\377]/, "", s)
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s)
    return s
}
/^KTEST START [0-9]+/ { registered = $3 + 0; started = 1; next }
/^KTEST DONE/ { done = 1; next }
/^KTEST (PASS|FAIL|KNOWN-FAIL|SKIP) / {
    kind = $2
    rest = substr($0, length("KTEST " kind " ") + 1)
    name = rest; sub(/[: ].*/, "", name)
    msg = substr(rest, length(name) + 1); sub(/^:? /, "", msg)
    n++; kinds[n] = kind; names[n] = name; msgs[n] = msg
    if (kind == "PASS") pass++
    else if (kind == "FAIL") { fail++; print "FAIL: " name ": " msg > "/dev/stderr" }
    else if (kind == "KNOWN-FAIL") known++
    else skip++
}
END {
    missing = 0
    if (!started) { problem = "ktest never started (no KTEST START line)"; missing = 1 }
    else if (n < registered) {
        missing = registered - n
        problem = "only " n " of " registered " cases reported"
        if (n > 0) problem = problem " (the last was " names[n] ")"
    } else if (!done) { problem = "ktest did not print KTEST DONE"; missing = 1 }
    if (problem != "") print "ktest: " problem > "/dev/stderr"

    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" > junit
    printf "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n", suite, \
        n + (missing ? 1 : 0), fail, (missing ? 1 : 0), known + skip > junit
    for (i = 1; i <= n; i++) {
        printf "  <testcase classname=\"%s\" name=\"%s\">", suite, esc(names[i]) > junit
        m = esc(msgs[i])
        if (kinds[i] == "FAIL") printf "<failure message=\"%s\" type=\"ktest\">%s</failure>", m, m > junit
        else if (kinds[i] == "KNOWN-FAIL") printf "<skipped message=\"known failure: %s\"/>", m > junit
        else if (kinds[i] == "SKIP") printf "<skipped message=\"not run: %s\"/>", m > junit
        printf "</testcase>\n" > junit
    }
    if (missing)
        printf "  <testcase classname=\"%s\" name=\"all cases report\"><error message=\"%s\"/></testcase>\n", suite, \
            esc(problem) > junit
    printf "</testsuite>\n" > junit
    extra = (known || skip) ? sprintf(" (%d known failures, %d skipped)", known, skip) : ""
    printf "ktest: %d passed, %d failed%s\n", pass, fail + missing, extra
    exit (fail || missing) ? 1 : 0
}' && rc=0 || rc=$?
mv -f -- "$junit.part.$$" "$junit"
exit "$rc"
