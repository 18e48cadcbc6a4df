#!/usr/bin/env bash
# bench.sh - run KOZO's microbenchmarks (and Linux's, for comparison) and print the table.
#
# Usage: scripts/bench.sh [--no-linux] [--no-wallclock] IMAGE OUTDIR
#   IMAGE           a bench image (make BENCH=1 image: services/bench in the initrd)
#   OUTDIR          where the logs, the raw figures and bench.json go
#   --no-linux      KOZO only
#   --no-wallclock  only the instruction counts (no run without icount)
#
# KOZO: IMAGE is booted headless with `-icount shift=0,sleep=off`, where the guest's TSC
# counts instructions: services/bench prints "BENCH <name> <ticks per op> <ops>" lines,
# exact and identical run after run. A second boot without icount gives wall-clock
# figures: ticks of the real TSC, turned into ns with the TSC rate the kernel measured
# against the PIT at boot ("TSC <n> kHz"). Linux: scripts/linux-bench.sh, the same
# two ways, in the same QEMU machine.
#
# Output: the table on stdout; OUTDIR/bench.json; OUTDIR/kozo-icount.txt,
# kozo-wall.txt, linux-icount.txt, linux-wall.txt (name ticks [ns] ops); consoles in
# OUTDIR/bench-*.log.
#
# Exit status: 0 all figures measured; 1 a run failed or a benchmark reported FAIL.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd)
root=$(cd -- "$here/.." && pwd)
linux=1 wall=1
while (($#)); do
    case "$1" in
    --no-linux) linux=0 ;;
    --no-wallclock) wall=0 ;;
    -*) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
    shift
done
(($# == 2)) || { echo "usage: $0 [--no-linux] [--no-wallclock] IMAGE OUTDIR" >&2; exit 2; }
img=$1 out=$2
mkdir -p -- "$out"

# Boot IMAGE until "BENCH DONE"; write "name ticks ops" lines to $3 and the TSC kHz to $3.khz.
kozo_run() {
    local suite=$1 opts=$2 dest=$3
    if ! BUILD=$out KOZO_QEMU_OPTS=$opts "$root/scripts/integration-test.sh" --timeout 600 \
        --suite "$suite" "$img" "$root/tests/bench/bench.checks" >"$out/$suite.out"; then
        cat "$out/$suite.out" >&2
        return 1
    fi
    tr -d '\r' <"$out/$suite.log" | awk '$1 == "BENCH" && NF == 4 && $3 ~ /^[0-9]+$/ { print $2, $3, $4 }' >"$dest"
    tr -d '\r' <"$out/$suite.log" | sed -n 's/.*TSC \([0-9]*\) kHz.*/\1/p' | head -n 1 >"$dest.khz"
    if grep -a '^BENCH FAIL' "$out/$suite.log" >&2; then
        return 1
    fi
}

rc=0
echo "bench: KOZO, instructions (TCG -icount shift=0,sleep=off)" >&2
kozo_run bench-kozo-icount --icount "$out/kozo-icount.txt" || rc=1
if ((wall)); then
    echo "bench: KOZO, wall clock (TCG)" >&2
    kozo_run bench-kozo-wall "" "$out/kozo-wall.txt" || rc=1
fi
if ((linux)); then
    echo "bench: Linux, instructions and wall clock (same machine)" >&2
    BUILD=$out "$root/scripts/linux-bench.sh" --icount "$out/linux-icount.txt" || rc=1
    if ((wall)); then
        BUILD=$out "$root/scripts/linux-bench.sh" "$out/linux-wall.txt" || rc=1
    fi
fi

# The table and the JSON, from the raw files (missing ones give "-").
awk -v wall="$wall" -v linux="$linux" -v json="$out/bench.json" '
    function num(x) { return x == "" ? "null" : x }
    FILENAME ~ /kozo-icount.txt$/ { ki[$1] = $2; kn[$1] = $3; order[++n] = $1; next }
    FILENAME ~ /kozo-wall.txt.khz$/ { khz = $1; next }
    FILENAME ~ /kozo-wall.txt$/ { kw[$1] = $2; next }
    FILENAME ~ /linux-icount.txt$/ { li[$1] = $2; next }
    FILENAME ~ /linux-wall.txt$/ { lw[$1] = $3; next }
    END {
        # KOZO figure, Linux figure, what is compared
        pair["null_syscall"] = "getppid"
        pair["ipc_roundtrip_inter_0w"] = "pipe_pingpong"
        pair2["ipc_roundtrip_inter_0w"] = "futex_pingpong"
        pair["thread_create_start_destroy"] = "fork_exit_wait"
        printf "%-34s %12s %10s   %-18s %12s %10s %8s\n", "KOZO", "instructions", "ns (TCG)", "Linux", "instructions", "ns (TCG)", "ratio"
        printf "%-34s %12s %10s   %-18s %12s %10s %8s\n", "----", "------------", "--------", "-----", "------------", "--------", "-----"
        printf "{\n  \"unit\": \"instructions per operation (TCG icount); ns per operation (TCG, no icount)\",\n  \"kozo\": {\n" > json
        for (i = 1; i <= n; i++) {
            k = order[i]
            ns = (k in kw && khz > 0) ? sprintf("%.0f", kw[k] * 1000000 / khz) : "-"
            line = sprintf("%-34s %12s %10s", k, ki[k], ns)
            for (p = 0; p < 2; p++) {
                l = p == 0 ? pair[k] : pair2[k]
                if (l == "" || !linux) continue
                ratio = (li[l] > 0 && ki[k] > 0) ? sprintf("%.1fx", li[l] / ki[k]) : "-"
                if (p == 1) line = sprintf("%-58s", "")
                line = line sprintf("   %-18s %12s %10s %8s", l, (l in li) ? li[l] : "-", (l in lw) ? lw[l] : "-", ratio)
                if (p == 0 && pair2[k] != "") { print line; line = "" }
            }
            if (line != "") print line
            printf "    \"%s\": { \"instructions\": %s, \"ns\": %s, \"operations\": %s }%s\n", k, num(ki[k]), ns == "-" ? "null" : ns, num(kn[k]), i < n ? "," : "" > json
        }
        printf "  },\n  \"linux\": {\n" > json
        m = 0
        for (l in li) names[++m] = l
        for (j = 1; j <= m; j++)
            printf "    \"%s\": { \"instructions\": %s, \"ns\": %s }%s\n", names[j], li[names[j]], (names[j] in lw) ? lw[names[j]] : "null", j < m ? "," : "" > json
        printf "  }\n}\n" > json
        if (linux) {
            print ""
            print "Linux only:"
            for (j = 1; j <= m; j++)
                if (names[j] != "getppid" && names[j] != "pipe_pingpong" && names[j] != "futex_pingpong" && names[j] != "fork_exit_wait")
                    printf "  %-32s %12s %10s\n", names[j], li[names[j]], (names[j] in lw) ? lw[names[j]] : "-"
        }
    }' "$out/kozo-icount.txt" \
    $( ((wall)) && [[ -f $out/kozo-wall.txt ]] && echo "$out/kozo-wall.txt.khz $out/kozo-wall.txt") \
    $( ((linux)) && [[ -f $out/linux-icount.txt ]] && echo "$out/linux-icount.txt") \
    $( ((linux && wall)) && [[ -f $out/linux-wall.txt ]] && echo "$out/linux-wall.txt")
echo "bench: figures in $out/bench.json" >&2
exit $rc
