#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# crash-report.sh - turn a kernel crash record (COM2, panic.log) into an anonymised report.
#
# Usage: scripts/crash-report.sh PANIC_LOG [OUT]      (OUT defaults to crash-report.txt
#        next to PANIC_LOG)
#
# The record's message is reduced to its template: addresses and numbers, quoted strings
# (anything a user typed or named), MAC and IP addresses, serial-number-like tokens, user
# and host names and paths are replaced by placeholders. The backtrace is reduced to its
# function names. The Crash-ID is the BLAKE3 hash (b3sum) of template + function names:
# the same bug reached with other addresses or by another user gets the same ID. The
# report holds only the template, the function names and the IDs, never the raw values.
#
# Exit status: 0 report written; 1 no crash record in PANIC_LOG; 2 usage error.
set -euo pipefail
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 PANIC_LOG [OUT]" >&2; exit 2; }
log=$1
out=${2:-$(dirname -- "$log")/crash-report.txt}
[[ -r $log ]] || { echo "crash-report: cannot read $log" >&2; exit 2; }

# The last complete record in the log.
record=$(awk '/^KOZO-CRASH v1/ { buf = ""; inrec = 1 } inrec { buf = buf $0 "\n" }
              /^KOZO-CRASH-END/ && inrec { last = buf; inrec = 0 } END { printf "%s", last }' "$log" | tr -d '\r')
if [[ -z $record ]]; then
    echo "crash-report: no crash record in $log" >&2
    exit 1
fi

build=$(sed -n 's/^build: \([0-9A-Za-z._-]*\)$/\1/p' <<<"$record" | head -n 1)
message=$(sed -n 's/^message: //p' <<<"$record" | head -n 1)

# Order matters: quoted text first (it may contain anything), then structured identifiers,
# then bare numbers.
template=$(sed -E \
    -e "s/'[^']*'/<str>/g" -e 's/"[^"]*"/<str>/g' \
    -e 's/\b([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b/<mac>/g' \
    -e 's/\b([0-9]{1,3}\.){3}[0-9]{1,3}\b/<ip>/g' \
    -e 's#(/[A-Za-z0-9._-]+)+/?#<path>#g' \
    -e 's/\b(user|uid|owner|host|hostname) +([A-Za-z_][A-Za-z0-9._-]*)/\1 <name>/g' \
    -e 's/\b(serial|sn|s\/n|uuid|id)[:=# ]+[A-Za-z0-9-]+/\1 <id>/Ig' \
    -e 's/0[xX][0-9A-Fa-f]+/<addr>/g' \
    -e 's/\b[A-Za-z]*[0-9][A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*\b/<id>/g' \
    -e 's/\b[0-9]+\b/<num>/g' <<<"$message")

# Function names only: offsets and unsymbolised addresses say where, not which bug.
functions=$(awk '/^backtrace:/ { bt = 1; next } bt && /^  / { print $1 } bt && !/^  / { bt = 0 }' <<<"$record" |
    sed -E -e 's/\+0x[0-9a-f]+$//' -e 's/^0x[0-9a-f]+$/<unknown>/' | paste -sd ' ' -)

crash_id=$(printf 'template: %s\nfunctions: %s\n' "$template" "$functions" | b3sum --no-names | cut -c1-16)
{
    echo "Crash-ID: $crash_id | Build-ID: ${build:-unknown}"
    echo "Template: $template"
    echo "Backtrace: $functions"
} >"$out"
cat "$out"
