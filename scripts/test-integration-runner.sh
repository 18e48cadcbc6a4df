#!/usr/bin/env bash
# test-integration-runner.sh - self-test of scripts/integration-test.sh
# (and of the command line scripts/qemu.sh builds) without a kernel or QEMU:
# KOZO_QEMU_CMD points qemu.sh at a fake QEMU that checks its arguments,
# prints a console, echoes what is typed on "COM1" and writes to "COM2".
#
# Usage: scripts/test-integration-runner.sh
#   Needs no arguments; works in a temp dir and leaves nothing behind.
#
# Prints PASS:/FAIL: per check and "test-integration-runner: N passed,
# M failed". Exit status: 0 if every check passed, 1 otherwise.
# The check conditions below are single-quoted on purpose: check() evals them.
# shellcheck disable=SC2016
set -euo pipefail
export LC_ALL=C

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
runner=$here/integration-test.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kozo-runner-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export BUILD=$tmp/build
unset PANIC_LOG KOZO_QEMU_OPTS
image=$tmp/fake.img
echo "not really an image" >"$image"

# ------------------------------------------------------------ the fake QEMU
fake=$tmp/fake-qemu
cat >"$fake" <<'EOF'
#!/usr/bin/env bash
# Fake qemu-system-x86_64. FAKE_MODE: echo (default), hang, exit.
set -uo pipefail
echo "$$" >"$FAKE_DIR/pid"
printf '%s\n' "$@" >"$FAKE_DIR/args"
all=" $* "
for want in "-machine q35" "-serial stdio" "-display none" "-monitor none" \
    "-no-reboot" "-boot d" "-m 512M" "-smp 1" \
    "-device isa-debug-exit,iobase=0xf4,iosize=0x04"; do
    [[ $all == *" $want "* ]] || { echo "fake-qemu: missing '$want' in: $*" >&2; exit 99; }
done
com2=
for a in "$@"; do [[ $a == file:* ]] && com2=${a#file:}; done
[[ -n $com2 ]] || { echo "fake-qemu: no -serial file: for COM2" >&2; exit 99; }
printf 'COM2: fake panic channel\r\n' >>"$com2"
echo "fake-qemu: starting (stderr)" >&2

printf 'SeaBIOS (fake)\r\n'
case ${FAKE_MODE:-echo} in
echo)
    printf 'KOZO kernel booting\r\n'
    printf 'special: <tag attr="x"> & done \001\002\033[0m\r\n'
    printf 'bad utf8: \377\376 end\r\n'
    printf 'kozo> '
    line= t_first=
    while IFS= read -r -N 1 c; do
        [[ -n $t_first ]] || t_first=${EPOCHREALTIME/[.,]/}
        if [[ $c != $'\r' ]]; then
            line+=$c
            continue
        fi
        # received line, and microseconds from its first byte to the CR
        printf '%s\n' "$line" >>"$FAKE_DIR/rx"
        echo $((${EPOCHREALTIME/[.,]/} - t_first)) >>"$FAKE_DIR/rx-us"
        t_first=
        printf '%s\r\n' "$line"
        case $line in
        quit) printf 'bye\r\n'; exit 1 ;;
        panic) printf 'PANIC: simulated\r\n' ;;
        esac
        printf 'kozo> '
        line=
    done
    sleep 1000
    ;;
hang)
    printf 'KOZO kernel booting\r\n'
    sleep 1000 &
    wait
    ;;
exit)
    printf 'KOZO kernel booting\r\nTRIPLE FAULT <here>\r\n'
    exit 3
    ;;
esac
EOF
chmod +x "$fake"
export KOZO_QEMU_CMD=$fake

# ------------------------------------------------------------ helpers
npass=0 nfail=0
ok() { npass=$((npass + 1)); echo "PASS: $1"; }
ko() {
    nfail=$((nfail + 1))
    echo "FAIL: $1"
    shift
    local l
    for l in "$@"; do echo "      $l"; done
}

# run NAME [runner args...]: runs the runner; sets rc, out, err, secs, fdir.
run() {
    local name=$1
    shift
    fdir=$tmp/$name
    mkdir -p "$fdir"
    local t0=${EPOCHREALTIME/[.,]/}
    rc=0
    FAKE_DIR=$fdir "$runner" "$@" >"$fdir/out" 2>"$fdir/err" </dev/null || rc=$?
    local t1=${EPOCHREALTIME/[.,]/}
    msecs=$(((t1 - t0) / 1000))
    out=$(<"$fdir/out")
    err=$(<"$fdir/err")
}
has() { grep -qF -- "$2" <<<"$1"; }
# check NAME CONDITION...: all bash conditions (strings) must hold.
check() {
    local name=$1 c bad=()
    shift
    for c in "$@"; do
        eval "$c" || bad+=("failed: $c")
    done
    if ((${#bad[@]})); then
        ko "$name" "${bad[@]}" "rc=$rc time=${msecs}ms" "stdout: ${out//$'\n'/ | }" \
            "stderr: $(head -c 1500 <<<"${err//$'\n'/ | }")"
    else
        ok "$name"
    fi
}
xml_ok() { # FILE: well-formed XML (when a checker is available)
    if command -v xmllint >/dev/null 2>&1; then
        xmllint --noout "$1" 2>/dev/null
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$1" 2>/dev/null
    else
        grep -q '</testsuite>' "$1"
    fi
}
# group_gone PID: within 3 s, no process is left in the process group PID
# (killed processes may take a moment to disappear).
group_gone() {
    local d st f i left
    for ((i = 0; i < 30; i++)); do
        left=0
        for d in /proc/[0-9]*; do
            { st=$(<"$d/stat"); } 2>/dev/null || continue
            read -r -a f <<<"${st##*) }" # state ppid pgrp ...
            [[ ${f[2]:-} == "$1" ]] && left=1 && break
        done
        ((left)) || return 0
        sleep 0.1
    done
    return 1
}

# ------------------------------------------------------------ 1. pass, send/echo
cat >"$tmp/pass.checks" <<'EOF'
# a comment, then a blank line

name boot banner
expect KOZO kernel booting
expect ^kozo> $
send hello <world> & "q"
name echo of typed text
expect hello <world> & "q"
expect kozo>
send
expect kozo>
   expect_not PANIC
EOF
run pass --timeout 20 --junit "$tmp/pass.xml" --suite pass "$image" "$tmp/pass.checks"
check "pass: runner succeeds, one PASS line per case, summary line" \
    '((rc == 0))' \
    'has "$out" "PASS: boot banner"' \
    'has "$out" "PASS: echo of typed text"' \
    'has "$out" "PASS: not: PANIC"' \
    '(($(grep -c "^PASS: " <<<"$out") == 6))' \
    '[[ $(tail -n 1 <<<"$out") == "pass: 6 passed, 0 failed" ]]'
check "pass: typed text reaches COM1 exactly, one byte per 20 ms" \
    '[[ $(cat "$fdir/rx") == "hello <world> & \"q\"" ]]' \
    '(($(wc -l <"$fdir/rx") == 2))' \
    '(($(head -n 1 "$fdir/rx-us") >= 300000))' # 19 delays of 20 ms
check "pass: qemu.sh command line (headless, COM2 file, debug-exit)" \
    'grep -qx "file:$BUILD/pass.panic.log" "$fdir/args"' \
    'grep -qx "COM2: fake panic channel.*" "$BUILD/pass.panic.log"' \
    'grep -qx "$image" "$fdir/args"'
check "pass: console log kept at \$BUILD/<suite>.log, QEMU stopped" \
    'grep -q "^KOZO kernel booting" "$BUILD/pass.log"' \
    'grep -q "fake-qemu: starting" "$BUILD/pass.stderr"' \
    'group_gone "$(cat "$fdir/pid")"'
check "pass: JUnit XML well formed, 6 cases, no failure" \
    'xml_ok "$tmp/pass.xml"' \
    'grep -q "<testsuite name=\"pass\" tests=\"6\" failures=\"0\" errors=\"0\" skipped=\"0\"" "$tmp/pass.xml"' \
    '(($(grep -c "<testcase " "$tmp/pass.xml") == 6))' \
    '! grep -q "<failure" "$tmp/pass.xml"' \
    'grep -qF "name=\"^kozo&gt; \$\"" "$tmp/pass.xml"'

# ------------------------------------------------------------ 2. QEMU exits early
cat >"$tmp/early.checks" <<'EOF'
expect KOZO kernel
name never printed
expect this never appears
expect kozo>
expect_not FAULT
EOF
FAKE_MODE="exit" run early --timeout 30 --junit "$tmp/early.xml" "$image" "$tmp/early.checks"
check "exit: fails fast when QEMU exits, reports status, skips the rest" \
    '((rc == 1))' \
    '((msecs < 10000))' \
    'has "$out" "PASS: KOZO kernel"' \
    'has "$err" "FAIL: never printed"' \
    'has "$err" "QEMU exited (status 3)"' \
    'has "$out" "SKIP: kozo>"' \
    'has "$err" "FAIL: not: FAULT"' \
    '[[ $(tail -n 1 <<<"$out") == "early: 1 passed, 2 failed, 1 skipped" ]]'
check "exit: console tail, QEMU stderr and COM2 printed on failure" \
    'has "$err" "last 60 lines of the console"' \
    'has "$err" "TRIPLE FAULT <here>"' \
    'has "$err" "COM2: fake panic channel"' \
    'has "$err" "fake-qemu: starting"'
check "exit: JUnit has failures, skipped case and escaped console log" \
    'xml_ok "$tmp/early.xml"' \
    'grep -q "tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\"" "$tmp/early.xml"' \
    '(($(grep -c "<failure message=" "$tmp/early.xml") == 2))' \
    'grep -q "<skipped message=" "$tmp/early.xml"' \
    'grep -qF "TRIPLE FAULT &lt;here&gt;" "$tmp/early.xml"' \
    'grep -q "<system-out>" "$tmp/early.xml"' \
    'grep -qF "COM2: fake panic channel" "$tmp/early.xml"'

# ------------------------------------------------------------ 3. timeout
cat >"$tmp/hang.checks" <<'EOF'
expect booting
expect login:
EOF
FAKE_MODE="hang" run hang --timeout 2 --junit "$tmp/hang.xml" "$image" "$tmp/hang.checks"
check "timeout: fails after --timeout, QEMU and its children killed" \
    '((rc == 1))' \
    '((msecs >= 2000 && msecs < 8000))' \
    'has "$out" "PASS: booting"' \
    'has "$err" "FAIL: login:"' \
    'has "$err" "timed out after 2s"' \
    '[[ $(tail -n 1 <<<"$out") == "hang: 1 passed, 1 failed" ]]' \
    'group_gone "$(cat "$fdir/pid")"' \
    'xml_ok "$tmp/hang.xml"'

# ------------------------------------------------------------ 4. expect order
cat >"$tmp/order.checks" <<'EOF'
expect kozo>
name second prompt needs new output
expect kozo>
EOF
run order --timeout 1.5 "$image" "$tmp/order.checks"
check "order: an expect only sees output after the previous match" \
    '((rc == 1))' \
    'has "$err" "FAIL: second prompt needs new output"'

# ------------------------------------------------------------ 5. expect_not, XML escaping
cat >"$tmp/panic.checks" <<'EOF'
expect kozo>
send panic
expect PANIC: simulated
expect kozo>
expect_not PANIC
expect_not special: <tag
EOF
run panic --timeout 20 --junit "$tmp/panic.xml" "$image" "$tmp/panic.checks"
check "expect_not: forbidden output fails the case" \
    '((rc == 1))' \
    'has "$err" "FAIL: not: PANIC"' \
    'has "$err" "FAIL: not: special: <tag"' \
    '[[ $(tail -n 1 <<<"$out") == "panic: 3 passed, 2 failed" ]]'
check "junit: log escaped, control chars and bad UTF-8 removed" \
    'xml_ok "$tmp/panic.xml"' \
    'grep -qF "special: &lt;tag attr=&quot;x&quot;&gt; &amp; done [0m" "$tmp/panic.xml"' \
    'grep -qF "bad utf8:  end" "$tmp/panic.xml"' \
    '! LC_ALL=C grep -q "[[:cntrl:]]" <(tr -d "\n\t" <"$tmp/panic.xml")' \
    'grep -qF "message=\"console matched forbidden /special: &lt;tag/" "$tmp/panic.xml"'

# ------------------------------------------------------------ 5b. expect_log: anywhere in the log
cat >"$tmp/log.checks" <<'EOF'
expect kozo>
send panic
expect PANIC: simulated
expect_log kozo>
expect_log never printed
EOF
run log --timeout 20 "$image" "$tmp/log.checks"
check "expect_log: matches before the last expect's match, fails when absent" \
    '((rc == 1))' \
    'has "$out" "PASS: log: kozo>"' \
    'has "$err" "FAIL: log: never printed"'

# ------------------------------------------------------------ 6. no expect: run to exit
cat >"$tmp/noexp.checks" <<'EOF'
expect_not PANIC
EOF
FAKE_MODE="exit" run noexp --timeout 20 "$image" "$tmp/noexp.checks"
check "no expect: waits for QEMU to exit, then checks expect_not" \
    '((rc == 0))' \
    '((msecs < 10000))' \
    '[[ $(tail -n 1 <<<"$out") == "noexp: 1 passed, 0 failed" ]]'

# ------------------------------------------------------------ 7. usage errors
printf 'expect ok\nfrobnicate now\n' >"$tmp/bad1.checks"
run bad1 "$image" "$tmp/bad1.checks"
check "bad checks file: unknown step is a usage error" \
    '((rc == 2))' 'has "$err" "bad1.checks:2: unknown step"'
printf 'expect (unclosed\n' >"$tmp/bad2.checks"
run bad2 "$image" "$tmp/bad2.checks"
check "bad checks file: invalid regex is a usage error" \
    '((rc == 2))' 'has "$err" "invalid regex"'
run bad3 "$tmp/no-such.img" "$tmp/pass.checks"
check "missing image is a usage error" '((rc == 2))' 'has "$err" "no such image"'
run bad4 --suite "a b" "$image" "$tmp/pass.checks"
check "bad suite name is a usage error" '((rc == 2))'
run bad5 "$image"
check "missing CHECKS_FILE argument is a usage error" '((rc == 2))' 'has "$err" "usage:"'

echo "test-integration-runner: $npass passed, $nfail failed"
((nfail == 0))
