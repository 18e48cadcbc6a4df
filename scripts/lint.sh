#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# The gate that keeps the rules of docs/CONTRIBUTING.md: greps over the tracked files and a
# formatter check. `make lint` runs it alone; `make test` runs it and its self-test
# (tests/lint/test-lint.sh). One PASS or FAIL line per rule, then "lint: N passed, M failed".
#
# Rules (what exactly is looked at is in each check below):
#   arch-name   no architecture, register or paging-level name in portable code
#   arch-if     no preprocessor conditional on the architecture in portable code
#   arch-asm    no assembly or linker script outside an arch/ folder
#   include-up  no #include "../" out of a service's folder, nor from lib/ into services/
#   arg-index   no kernel argument read by position (args[3], a[3]): decoders use names
#   decode-const  a kernel decoder takes its invocation const: decode only checks
#   size        no file over 800 lines (600 is a warning, which does not fail)
#   format      clang-format (the tree's .clang-format) would change nothing
#
# Portable code is every C file under kernel/, lib/ and services/ outside a folder named
# arch/, and the ABI files outside abi/arch/. Comments and string contents are not code: a
# comment may say why x86 needs something; an identifier may not name it.
#
# Today's known offenders are listed in scripts/lint.allow, one line each. The list is a
# ratchet: an offence not on it fails, and so does an entry that no longer matches anything
# (fix the code, then delete its line; the list cannot rot or grow by accident).
#
# Usage: scripts/lint.sh [--root DIR] [--allow FILE] [--no-format]
#   --root DIR    the tree to check (a git checkout; default: this repository)
#   --allow FILE  the allowlist (default: DIR/scripts/lint.allow; a missing file is empty)
#   --no-format   skip the clang-format check
# Exit status: 0 if no rule failed.
set -uo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
allow=
do_format=1
while (($#)); do
    case $1 in
    --root) root=$(cd "$2" && pwd) && shift ;;
    --allow) allow=$2 && shift ;;
    --no-format) do_format=0 ;;
    *)
        echo "usage: $0 [--root DIR] [--allow FILE] [--no-format]" >&2
        exit 2
        ;;
    esac
    shift
done
allow=${allow:-$root/scripts/lint.allow}
[[ -f $allow ]] || allow=/dev/null
cd "$root" || exit 2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kozo-lint.XXXXXX")
trap '[[ -n ${LINT_KEEP:-} ]] || rm -rf "$tmp"' EXIT
git ls-files >"$tmp/files" || exit 2

pass=0 fail=0

# --- Line rules: one perl pass over the C and ABI files -----------------------------------
# Prints "rule<TAB>path: trimmed line<TAB>path:lineno" for every offending line. The key (the
# middle field) is what scripts/lint.allow lists: the path and the line's text, no number,
# so an entry survives edits elsewhere in the file.
cat >"$tmp/lines.pl" <<'EOF'
use strict;
use warnings;

# Architectures, their registers and their paging levels, as whole identifiers or as
# parts of one between underscores (KOZO_OBJ_PDPT, __x86_64__, ctx_rax). Case is ignored.
my $arch = qr/(?<![A-Za-z0-9])(?:x86_64|x86|x64|i[3-6]86|amd64|aarch64|arm64|riscv(?:32|64)?
    |r[abcd]x|r[sd]i|r[bs]p|rip|r(?:8|9|1[0-5])[dwb]?|e[abcd]x|e[sd]i|e[bs]p|eip|[re]flags
    |cr[0-8]|[fg]s_base|pml[45]e?|pdpte?|page_directory
    |(?:elr|spsr|esr|far|vbar|sp|tcr|sctlr|mair|ttbr[01])_el[0-3]|ttbr[01])(?![A-Za-z0-9])/xi;
# In the portable kernel also the x86 I/O-port object and its instructions. (A user-space
# driver of a port-mapped device may name its ports: it is of one architecture by nature.)
my $ioport = qr/(?<![A-Za-z0-9])(?:io_?ports?|in[bwl]|out[bwl])(?![A-Za-z0-9])/i;
my $arch_word = qr/(?<![A-Za-z0-9])ARCH(?![A-Za-z0-9])/;
my $arg_index = qr/(?<![A-Za-z0-9_])(?:args|a)\s*\[\s*[0-9]+\s*\]/;
my $decode_mutable = qr/\bdecode_\w+\s*\(\s*struct\s+invocation\s*\*/;

my ($file, $in_block, $kind) = ('', 0, '');
while (my $line = <>) {
    if ($ARGV ne $file) {
        $file = $ARGV;
        $in_block = 0;
        $kind = $file =~ m{\.abi$} ? 'abi' : 'c';
    }
    chomp $line;
    my $code = $kind eq 'abi' ? $line : strip($line);
    (my $key = $line) =~ s/^\s+|\s+$//g;
    $key =~ s/\s+/ /g; # so that re-indenting or re-aligning a line keeps its entry
    my $where = "$file:$.";
    my @hit;
    my $portable = $file =~ m{^(kernel|lib|services)/} && $file !~ m{(^|/)arch/};
    if ($kind eq 'abi') {
        push @hit, 'arch-name' if $file !~ m{^abi/arch/} && $code =~ $arch;
    } else {
        if ($portable) {
            push @hit, 'arch-name'
                if $code =~ $arch || ($file =~ m{^kernel/} && $code =~ $ioport);
            if ($code =~ /^\s*#\s*(?:if|ifdef|ifndef|elif)\b(.*)/) {
                my $cond = $1;
                push @hit, 'arch-if'
                    if ($cond =~ $arch || $cond =~ $arch_word) && $cond !~ /^\s*\w+_H\s*$/;
            }
        }
        push @hit, 'arg-index' if $file =~ m{^kernel/} && $code =~ $arg_index;
        push @hit, 'decode-const' if $file =~ m{^kernel/} && $code =~ $decode_mutable;
        if ($code =~ /^\s*#\s*include\b/ && $line =~ /#\s*include\s*"([^"]*)"/) {
            my $to = resolve($file, $1);
            if (defined $to) {
                if ($file =~ m{^services/([^/]+)/}) {
                    push @hit, 'include-up' if index($to, "services/$1/") != 0;
                } elsif ($file =~ m{^lib/}) {
                    push @hit, 'include-up' if $to =~ m{^services/};
                }
            }
        }
    }
    print "$_\t$file: $key\t$where: $key\n" for @hit;
} continue {
    close ARGV if eof;
}

# The line with comments removed and string and character literals emptied; $in_block
# carries a /* comment */ over lines.
sub strip {
    my ($s) = @_;
    my ($out, $i, $n) = ('', 0, length $s);
    while ($i < $n) {
        if ($in_block) {
            my $e = index($s, '*/', $i);
            if ($e < 0) { $i = $n } else { $i = $e + 2; $in_block = 0; $out .= ' ' }
            next;
        }
        my $c = substr($s, $i, 1);
        my $c2 = substr($s, $i, 2);
        last if $c2 eq '//';
        if ($c2 eq '/*') { $in_block = 1; $i += 2; next }
        if ($c eq '"' || $c eq "'") {
            $i++;
            while ($i < $n) {
                my $d = substr($s, $i, 1);
                if ($d eq '\\') { $i += 2; next }
                $i++;
                last if $d eq $c;
            }
            $out .= "$c$c";
            next;
        }
        $out .= $c;
        $i++;
    }
    return $out;
}

# Where a quoted include that climbs ("../") lands, relative to the tree; undef otherwise.
sub resolve {
    my ($from, $inc) = @_;
    return undef unless $inc =~ m{(^|/)\.\./};
    my @parts = split m{/}, $from;
    pop @parts;
    for my $p (split m{/}, $inc) {
        next if $p eq '.' || $p eq '';
        if ($p eq '..') { return '../' if !@parts; pop @parts } else { push @parts, $p }
    }
    return join '/', @parts;
}
EOF
grep -E '\.(c|h|abi)$' "$tmp/files" | xargs -r -d '\n' perl "$tmp/lines.pl" >"$tmp/hits" || exit 2

# --- File rules ------------------------------------------------------------------------------
# arch-asm: machine code has one place per part (kernel/arch/<arch>/, lib/libkozo/arch/<arch>/).
grep -E '^(kernel|lib|services)/.*\.(S|s|ld)$' "$tmp/files" | grep -Ev '(^|/)arch/' |
    awk '{ printf "arch-asm\t%s\t%s\n", $0, $0 }' >>"$tmp/hits"
# size: code and build files; docs are not counted.
SIZE_FLAG=600 SIZE_MAX=800
: >"$tmp/warnings"
while IFS= read -r f; do
    [[ -f $f ]] || continue
    n=$(wc -l <"$f")
    if ((n > SIZE_MAX)); then
        printf 'size\t%s\t%s: %d lines\n' "$f" "$f" "$n" >>"$tmp/hits"
    elif ((n > SIZE_FLAG)); then
        printf '    %s: %d lines (over %d: split it before it reaches %d)\n' "$f" "$n" "$SIZE_FLAG" \
            "$SIZE_MAX" >>"$tmp/warnings"
    fi
done < <(grep -E '(\.(c|h|S|s|ld|sh|mk|abi|proto|sys|rs|py|pl)|(^|/)Makefile)$' "$tmp/files")

# --- Compare with the allowlist -----------------------------------------------------------------
# scripts/lint.allow: "<rule> <key>" per line; '#' starts a comment line. A key listed twice
# allows two identical lines.
grep -Ev '^[[:space:]]*(#|$)' "$allow" | sed -E 's/[[:space:]]+/ /g; s/ $//' >"$tmp/allow" || true
report() { # report RULE DESCRIPTION
    local rule=$1 what=$2
    awk -F'\t' -v r="$rule" '$1 == r { print $2 }' "$tmp/hits" | sort >"$tmp/found"
    awk -v r="$rule" '$1 == r { sub(/^[^ ]+ /, ""); print }' "$tmp/allow" | sort >"$tmp/allowed"
    comm -23 "$tmp/found" "$tmp/allowed" | uniq >"$tmp/new"
    comm -13 "$tmp/found" "$tmp/allowed" | uniq >"$tmp/stale"
    local nallow
    nallow=$(wc -l <"$tmp/allowed")
    if [[ ! -s $tmp/new && ! -s $tmp/stale ]]; then
        echo "PASS lint: $rule: $what ($nallow allowlisted)"
        pass=$((pass + 1))
        return
    fi
    echo "FAIL lint: $rule: $what"
    fail=$((fail + 1))
    awk -F'\t' -v r="$rule" 'NR == FNR { new[$0] = 1; next } $1 == r && ($2 in new) { print "    " $3 }' \
        "$tmp/new" "$tmp/hits"
    sed "s/^/    allowlisted but no longer found (delete it from scripts\/lint.allow): $rule /" "$tmp/stale"
}

report arch-name "no architecture, register or paging-level name in portable code"
report arch-if "no #if on the architecture in portable code"
report arch-asm "no assembly or linker script outside an arch/ folder"
report include-up "no #include \"../\" out of a service, nor from lib/ into services/"
report arg-index "no kernel argument read by position"
report decode-const "every kernel decoder takes a const struct invocation"
report size "no file over $SIZE_MAX lines"
if [[ -s $tmp/warnings ]]; then
    echo "WARN lint: size: over $SIZE_FLAG lines (a review flag, not a failure):"
    cat "$tmp/warnings"
fi
if awk '{ print $1 }' "$tmp/allow" | grep -Evx 'arch-name|arch-if|arch-asm|include-up|arg-index|decode-const|size' >"$tmp/bad"; then
    echo "FAIL lint: allowlist: $(sort -u "$tmp/bad" | tr '\n' ' ')is not a rule"
    fail=$((fail + 1))
fi

# --- Formatting --------------------------------------------------------------------------------
if ((do_format)); then
    if ! command -v clang-format >/dev/null 2>&1; then
        echo "FAIL lint: format: clang-format not found (scripts/preflight.sh --fuzz installs it)"
        fail=$((fail + 1))
    else
        version=$(clang-format --version | grep -oE '[0-9]+\.[0-9.]+' | head -1)
        : >"$tmp/unformatted"
        while IFS= read -r f; do
            clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f" >>"$tmp/unformatted"
        done < <(grep -E '\.(c|h)$' "$tmp/files" | grep -v '/golden/') # generators' output, as written
        if [[ -s $tmp/unformatted ]]; then
            echo "FAIL lint: format: clang-format $version would change $(wc -l <"$tmp/unformatted") files (make format):"
            sed 's/^/    /' "$tmp/unformatted"
            fail=$((fail + 1))
        else
            echo "PASS lint: format: clang-format $version changes nothing"
            pass=$((pass + 1))
        fi
    fi
fi

echo "lint: $pass passed, $fail failed"
((fail == 0))
