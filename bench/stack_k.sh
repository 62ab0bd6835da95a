#!/usr/bin/env bash
# The cost of -k: the same failure-heavy program (ITERATIONS failing connects, each from
# connect_to_daemon <- try_daemon <- main) untraced, under strace with and without -k, and
# under sockwhy with and without -k, side by side in one run. Prints the best wall time of
# RUNS runs and, for -k, the extra time per failing call over the same tracer without -k.
#
#   bash bench/stack_k.sh [ITERATIONS] [RUNS]
#
# Programs (tests/fixtures/stack/): the C client built with gcc -g -O2
# -fomit-frame-pointer (7 frames, walked by CFI), and the Rust client (rustc -g, 21 frames
# with inlined ones). Both tracers trace only connect (-e trace=connect), so the difference
# is the stacks. The load average is printed before and after: the numbers are only
# comparable within one run on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
RUNS=${2:-3}
cargo build --release -q
SW=target/release/sockwhy
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
gcc -g -O2 -fomit-frame-pointer -DCLOBBER_RBP -o "$TMP/client-c" tests/fixtures/stack/stackfix.c
rustc -g -C opt-level=1 --edition 2021 -o "$TMP/client-rust" tests/fixtures/stack/stackfix.rs
SOCK=/nonexistent/sockwhy-bench.sock

best() { # best wall seconds of RUNS runs of "$@" (and peak RSS, KiB)
    python3 bench/measure.py "$RUNS" "$@"
}
secs() { local r; r=$(best "$@"); echo "${r% *} ${r#* }"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) cores)"
# Check that -k really took a stack at every failure before timing it.
"$SW" -k -e trace=connect --save "$TMP/check.jsonl" -o /dev/null -- "$TMP/client-c" "$SOCK" 100
with=$(grep -c '"stack":\[' "$TMP/check.jsonl")
[ "$with" = 100 ] || { echo "expected 100 stacks in the check run, got $with" >&2; exit 1; }

printf '%-8s %-32s %9s %10s %14s\n' program tracer seconds "rss(KiB)" "-k per call"
for p in c rust; do
    prog=$TMP/client-$p
    read -r u _ < <(secs "$prog" "$SOCK" "$N")
    printf '%-8s %-32s %9s %10s %14s\n' "$p" untraced "$u" - -
    read -r s sm < <(secs strace -f -e trace=connect -o /dev/null "$prog" "$SOCK" "$N")
    printf '%-8s %-32s %9s %10s %14s\n' "$p" "strace -f -e trace=connect" "$s" "$sm" -
    read -r sk skm < <(secs strace -f -k -e trace=connect -o /dev/null "$prog" "$SOCK" "$N")
    printf '%-8s %-32s %9s %10s %14s\n' "$p" "strace -f -k -e trace=connect" "$sk" "$skm" \
        "$(python3 -c "print(f'{($sk-$s)/$N*1e6:.1f} us')")"
    read -r w wm < <(secs "$SW" -e trace=connect -o /dev/null -- "$prog" "$SOCK" "$N")
    printf '%-8s %-32s %9s %10s %14s\n' "$p" "sockwhy -e trace=connect" "$w" "$wm" -
    read -r wk wkm < <(secs "$SW" -k -e trace=connect -o /dev/null -- "$prog" "$SOCK" "$N")
    printf '%-8s %-32s %9s %10s %14s\n' "$p" "sockwhy -k -e trace=connect" "$wk" "$wkm" \
        "$(python3 -c "print(f'{($wk-$w)/$N*1e6:.1f} us')")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
