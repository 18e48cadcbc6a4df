#!/usr/bin/env bash
# integration-test.sh - boot an image headless and check its serial console.
#
# Usage: scripts/integration-test.sh [--timeout SECONDS] [--junit FILE] [--suite NAME] IMAGE CHECKS_FILE
#   --timeout SECONDS  time limit for the whole run (default 60; decimals ok)
#   --junit FILE       write a JUnit XML report (one <testsuite>) to FILE
#   --suite NAME       suite name (default: CHECKS_FILE's basename without
#                      extension); [A-Za-z0-9._-] only
#
# CHECKS_FILE holds one step per line; blank lines and lines starting with
# '#' are ignored:
#   expect <regex>      wait until the console output matches <regex> (grep -E,
#                       C locale, CRs removed); each expect is a test case
#                       named after the regex. It only looks at output after
#                       the end of the previous expect's match, so two
#                       `expect prompt>` steps wait for two prompts.
#   send <text>         type <text> then Enter (CR) on COM1, 20 ms per byte
#   expect_not <regex>  test case checked at the end: the whole console log
#                       must not match <regex> (named "not: <regex>")
#   expect_log <regex>  test case checked at the end: the whole console log
#                       must match <regex>, wherever (for output whose place
#                       among the rest depends on scheduling)
#   name <test name>    readable name for the next expect / expect_not
# Steps run in order against one global deadline. After a failed expect the
# remaining expects are skipped (not run); expect_not cases are still checked.
# Once the last expect has matched QEMU is stopped. With no expect at all,
# QEMU runs until it exits by itself or the timeout ends (not a failure).
#
# QEMU is started with scripts/qemu.sh --headless IMAGE, its stdin fed from a
# FIFO. Files: ${BUILD:-build}/SUITE.log (console, COM1, raw),
# ${BUILD:-build}/SUITE.stderr (QEMU's stderr), and COM2 in
# $PANIC_LOG (default ${BUILD:-build}/SUITE.panic.log).
# Prints PASS: <case> / FAIL: <case> lines and "<suite>: N passed, M failed"
# (", K skipped" added when some were skipped); on failure the last 60
# console lines go to stderr.
#
# Environment:
#   BUILD           build folder (default build)
#   PANIC_LOG       where COM2 goes (default $BUILD/SUITE.panic.log)
#   KOZO_QEMU_OPTS  extra scripts/qemu.sh options, e.g. "--icount"
#   KOZO_QEMU_CMD   command run instead of qemu-system-x86_64 (see qemu.sh)
#
# Exit status: 0 every case passed; 1 some case failed or was skipped;
#              2 usage error, bad CHECKS_FILE or missing IMAGE.
set -euo pipefail
export LC_ALL=C

prog=integration-test
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

SEND_DELAY=0.02   # seconds per byte typed on COM1
POLL=0.2          # seconds between looks at the console log
TAIL_LINES=60

usage() {
    echo "usage: $0 [--timeout SECONDS] [--junit FILE] [--suite NAME] IMAGE CHECKS_FILE" >&2
    exit 2
}
bad() { echo "$prog: $*" >&2; exit 2; }

timeout_s=60 junit='' suite=''
while (($#)); do
    case "$1" in
    --timeout)
        (($# >= 2)) || usage
        timeout_s=$2
        shift
        ;;
    --timeout=*) timeout_s=${1#*=} ;;
    --junit)
        (($# >= 2)) || usage
        junit=$2
        shift
        ;;
    --junit=*) junit=${1#*=} ;;
    --suite)
        (($# >= 2)) || usage
        suite=$2
        shift
        ;;
    --suite=*) suite=${1#*=} ;;
    -h | --help) usage ;;
    --)
        shift
        break
        ;;
    -*) echo "$prog: unknown option: $1" >&2; usage ;;
    *) break ;;
    esac
    shift
done
(($# == 2)) || usage
image=$1 checks=$2

[[ $timeout_s =~ ^[0-9]+(\.[0-9]{1,3})?$ ]] || bad "--timeout wants seconds, got '$timeout_s'"
[[ -f $image ]] || bad "no such image: $image"
[[ -f $checks && -r $checks ]] || bad "cannot read checks file: $checks"
if [[ -z $suite ]]; then
    suite=${checks##*/}
    suite=${suite%.*}
fi
[[ $suite =~ ^[A-Za-z0-9._-]+$ ]] || bad "suite name must match [A-Za-z0-9._-]+ (got '$suite')"

# seconds (with up to 3 decimals) -> milliseconds
to_ms() {
    local s=$1 frac=000
    if [[ $s == *.* ]]; then
        frac=${s#*.}000
        frac=${frac:0:3}
        s=${s%%.*}
    fi
    echo $((10#$s * 1000 + 10#$frac))
}
now_ms() {
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
}
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# ---------------------------------------------------------------- checks file
kinds=() args=() names=()
pending_name=
lineno=0
while IFS= read -r line || [[ -n $line ]]; do
    lineno=$((lineno + 1))
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}   # strip leading blanks
    [[ -z $line || $line == \#* ]] && continue
    kind=${line%%[[:space:]]*}
    arg=${line:${#kind}}
    arg=${arg#"${arg%%[![:space:]]*}"}
    case "$kind" in
    expect | expect_not | expect_log)
        [[ -n $arg ]] || bad "$checks:$lineno: '$kind' needs a regex"
        rc=0
        grep -E -q -e "$arg" </dev/null 2>/dev/null || rc=$?
        ((rc != 2)) || bad "$checks:$lineno: invalid regex: $arg"
        if [[ -n $pending_name ]]; then
            cname=$pending_name
        elif [[ $kind == expect_not ]]; then
            cname="not: $arg"
        elif [[ $kind == expect_log ]]; then
            cname="log: $arg"
        else
            cname=$arg
        fi
        kinds+=("$kind") args+=("$arg") names+=("$cname")
        pending_name=
        ;;
    send)
        kinds+=(send) args+=("$arg") names+=("")
        ;;
    name)
        [[ -n $arg ]] || bad "$checks:$lineno: 'name' needs a test name"
        pending_name=$arg
        ;;
    *) bad "$checks:$lineno: unknown step '$kind' (expect, send, expect_not, expect_log, name)" ;;
    esac
done <"$checks"
[[ -z $pending_name ]] || bad "$checks: 'name $pending_name' is not followed by an expect"
nsteps=${#kinds[@]}
have_expect=0
for k in ${kinds[@]+"${kinds[@]}"}; do [[ $k == expect ]] && have_expect=1; done
((nsteps > 0)) || bad "$checks: no steps"

# ---------------------------------------------------------------- start QEMU
build=${BUILD:-build}
mkdir -p -- "$build"
log=$build/$suite.log
errlog=$build/$suite.stderr
export PANIC_LOG=${PANIC_LOG:-$build/$suite.panic.log}
: >"$log"
: >"$errlog"
: >"$PANIC_LOG"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kozo-itest.XXXXXX")
norm=$tmp/console.txt
fifo=$tmp/stdin
mkfifo "$fifo"
# Read-write open never blocks and keeps a reader, so writes can't SIGPIPE.
exec 3<>"$fifo"

qpid=
qemu_status=
stop_qemu() {
    [[ -n $qpid ]] || return 0
    if kill -0 "$qpid" 2>/dev/null; then
        kill -TERM -- "-$qpid" 2>/dev/null || true
        local i
        for ((i = 0; i < 20; i++)); do
            kill -0 "$qpid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$qpid" 2>/dev/null || true
    fi
    local rc=0
    wait "$qpid" 2>/dev/null || rc=$?
    [[ -n $qemu_status ]] || qemu_status=$rc
    qpid=
}
cleanup() {
    stop_qemu
    exec 3>&- || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "$prog: interrupted" >&2; exit 130' INT TERM

read -r -a qopts <<<"${KOZO_QEMU_OPTS:-}"
# setsid: QEMU (and whatever a KOZO_QEMU_CMD stand-in spawns) gets its own
# process group, so stop_qemu can end exactly it.
setsid "$here/qemu.sh" --headless ${qopts[@]+"${qopts[@]}"} "$image" <"$fifo" >"$log" 2>"$errlog" 3>&- &
qpid=$!
qemu_alive() {
    [[ -n $qpid ]] || return 1
    if kill -0 "$qpid" 2>/dev/null; then return 0; fi
    local rc=0
    wait "$qpid" 2>/dev/null || rc=$?
    qemu_status=$rc
    qpid=
    return 1
}

start_ms=$(now_ms)
deadline=$((start_ms + $(to_ms "$timeout_s")))
echo "$prog: suite $suite: booting $image (timeout ${timeout_s}s, console $log)"

refresh() { tr -d '\r' <"$log" >"$norm"; }

# match_from OFFSET REGEX: is REGEX in the console after byte OFFSET?
# On success sets match_end to the byte offset just past the match.
match_end=0
match_from() {
    local off=$1 re=$2 res boff text
    res=$(tail -c "+$((off + 1))" "$norm" | grep -a -E -o -b -m 1 -e "$re" 2>/dev/null) || true
    if [[ -n $res ]]; then
        res=${res%%$'\n'*}
        boff=${res%%:*}
        text=${res#*:}
        match_end=$((off + boff + ${#text}))
        return 0
    fi
    # A regex that only matches the empty string has no -o output.
    if tail -c "+$((off + 1))" "$norm" | grep -a -E -q -e "$re" 2>/dev/null; then
        match_end=$off
        return 0
    fi
    return 1
}

send_text() {
    local text=$1$'\r' i
    for ((i = 0; i < ${#text}; i++)); do
        printf '%s' "${text:i:1}" >&3
        sleep "$SEND_DELAY"
    done
}

# ---------------------------------------------------------------- run steps
# Per case: result (pass/fail/skip), message, time
result=() msg=() dur=()
for ((i = 0; i < nsteps; i++)); do result+=(""); msg+=(""); dur+=(0); done
npass=0 nfail=0 nskip=0
offset=0
failed_expect=0

record() { # INDEX RESULT MESSAGE
    result[$1]=$2
    msg[$1]=$3
    case $2 in
    pass)
        npass=$((npass + 1))
        echo "PASS: ${names[$1]}"
        ;;
    fail)
        nfail=$((nfail + 1))
        echo "FAIL: ${names[$1]}" >&2
        echo "      $3" >&2
        ;;
    skip)
        nskip=$((nskip + 1))
        echo "SKIP: ${names[$1]} ($3)"
        ;;
    esac
}

for ((i = 0; i < nsteps; i++)); do
    case ${kinds[i]} in
    send)
        ((failed_expect)) || send_text "${args[i]}"
        ;;
    expect)
        if ((failed_expect)); then
            record "$i" skip "not run: an earlier expect failed"
            continue
        fi
        t0=$(now_ms)
        while :; do
            refresh
            if match_from "$offset" "${args[i]}"; then
                offset=$match_end
                dur[i]=$(($(now_ms) - t0))
                record "$i" pass ""
                break
            fi
            if ! qemu_alive; then
                refresh
                if match_from "$offset" "${args[i]}"; then
                    offset=$match_end
                    dur[i]=$(($(now_ms) - t0))
                    record "$i" pass ""
                    break
                fi
                dur[i]=$(($(now_ms) - t0))
                record "$i" fail "QEMU exited (status $qemu_status) before the console matched /${args[i]}/"
                failed_expect=1
                break
            fi
            if (($(now_ms) >= deadline)); then
                dur[i]=$(($(now_ms) - t0))
                record "$i" fail "timed out after ${timeout_s}s waiting for /${args[i]}/"
                failed_expect=1
                break
            fi
            sleep "$POLL"
        done
        ;;
    esac
done

if ((!have_expect)); then
    # Nothing to wait for: let the guest run to its end or to the deadline.
    while qemu_alive && (($(now_ms) < deadline)); do sleep "$POLL"; done
fi
stop_qemu
refresh

for ((i = 0; i < nsteps; i++)); do
    [[ ${kinds[i]} == expect_log ]] || continue
    if grep -a -E -q -e "${args[i]}" "$norm" 2>/dev/null; then
        record "$i" pass ""
    else
        record "$i" fail "console never matched /${args[i]}/"
    fi
done
for ((i = 0; i < nsteps; i++)); do
    [[ ${kinds[i]} == expect_not ]] || continue
    hit=$(grep -a -E -m 1 -e "${args[i]}" "$norm" 2>/dev/null) || true
    if [[ -n $hit ]] || grep -a -E -q -e "${args[i]}" "$norm" 2>/dev/null; then
        record "$i" fail "console matched forbidden /${args[i]}/: ${hit:0:200}"
    else
        record "$i" pass ""
    fi
done

elapsed=$(($(now_ms) - start_ms))
summary="$suite: $npass passed, $nfail failed"
((nskip == 0)) || summary+=", $nskip skipped"

if ((nfail || nskip)); then
    {
        echo "---- last $TAIL_LINES lines of the console ($log) ----"
        tail -n "$TAIL_LINES" "$norm"
        [[ -z $(tail -c 1 "$norm") ]] || echo
        echo "---- end of console; QEMU status ${qemu_status:-?} ----"
        if [[ -s $errlog ]]; then
            echo "---- QEMU stderr ($errlog) ----"
            tail -n 20 "$errlog"
        fi
        if [[ -s $PANIC_LOG ]]; then
            echo "---- COM2 ($PANIC_LOG) ----"
            tr -d '\r' <"$PANIC_LOG" | tail -n 20
        fi
    } >&2
fi

# ---------------------------------------------------------------- JUnit XML
# XML text: valid UTF-8 only, no control characters but \t and \n, escaped.
xml_escape() {
    if command -v iconv >/dev/null 2>&1; then
        iconv -f UTF-8 -t UTF-8 -c 2>/dev/null || true
    else
        tr -d '\200-\377'
    fi | tr -d '\000-\010\013-\037\177' |
        sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'
}
esc() { printf '%s' "$1" | xml_escape; }

if [[ -n $junit ]]; then
    mkdir -p -- "$(dirname -- "$junit")"
    ncases=$((npass + nfail + nskip))
    console_xml=$(xml_escape <"$norm")
    panic_xml=$(xml_escape <"$PANIC_LOG")
    suite_x=$(esc "$suite")
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        printf '<testsuite name="%s" tests="%d" failures="%d" errors="0" skipped="%d" time="%s">\n' \
            "$suite_x" "$ncases" "$nfail" "$nskip" "$(ms_to_s "$elapsed")"
        for ((i = 0; i < nsteps; i++)); do
            [[ ${kinds[i]} == send ]] && continue
            name=${names[i]}
            printf '  <testcase classname="%s" name="%s" time="%s">' \
                "$suite_x" "$(esc "$name")" "$(ms_to_s "${dur[i]}")"
            case ${result[i]} in
            pass) ;;
            skip) printf '\n    <skipped message="%s"/>\n  ' "$(esc "${msg[i]}")" ;;
            *)
                printf '\n    <failure message="%s" type="%s">%s</failure>\n' \
                    "$(esc "${msg[i]}")" "${kinds[i]}" "$(esc "${msg[i]}")"
                printf '    <system-out>%s</system-out>\n' "$console_xml"
                [[ -z $panic_xml ]] || printf '    <system-err>%s</system-err>\n' "$panic_xml"
                printf '  '
                ;;
            esac
            printf '</testcase>\n'
        done
        echo '</testsuite>'
    } >"$junit.part.$$"
    mv -f -- "$junit.part.$$" "$junit"
fi

echo "$summary"
((nfail == 0 && nskip == 0))
