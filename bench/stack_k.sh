#!/usr/bin/env bash
# The cost of -k: the same failure-heavy program (ITERATIONS failing connects, each from
# connect_to_daemon <- try_daemon <- main) untraced, under strace with and without -k, and
# under sockwhy with and without -k, side by side in one run. Prints the best wall time of
# RUNS runs and, for -k, the extra time per failing call over the same tracer without -k.
#
#   bash bench/stack_k.sh [ITERATIONS] [RUNS]
#
# Also the least CPU time (user + system, tracer and tracee) of the runs, which moves less
# than wall time when other work shares the cores; the per-call figures use both.
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

secs() { # best wall seconds, peak RSS (KiB) and least CPU seconds of RUNS runs of "$@"
    python3 bench/measure.py --cpu "$RUNS" "$@"
}
per_call() { # extra microseconds per call of $1 over $2
    python3 -c "print(f'{($1-$2)/$N*1e6:.0f} us')"
}
row() { printf '%-8s %-30s %8s %8s %10s %11s %11s\n' "$@"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) cores)"
# Check that -k really took a stack at every failure before timing it.
"$SW" -k -e trace=connect --save "$TMP/check.jsonl" -o /dev/null -- "$TMP/client-c" "$SOCK" 100
with=$(grep -c '"stack":\[' "$TMP/check.jsonl")
[ "$with" = 100 ] || { echo "expected 100 stacks in the check run, got $with" >&2; exit 1; }

row program tracer wall cpu "rss(KiB)" "-k (wall)" "-k (cpu)"
for p in c rust; do
    prog=$TMP/client-$p
    read -r u _ uc < <(secs "$prog" "$SOCK" "$N")
    row "$p" untraced "$u" "$uc" - - -
    read -r s sm sc < <(secs strace -f -e trace=connect -o /dev/null "$prog" "$SOCK" "$N")
    row "$p" "strace -e trace=connect" "$s" "$sc" "$sm" - -
    read -r sk skm skc < <(secs strace -f -k -e trace=connect -o /dev/null "$prog" "$SOCK" "$N")
    row "$p" "strace -k -e trace=connect" "$sk" "$skc" "$skm" "$(per_call "$sk" "$s")" "$(per_call "$skc" "$sc")"
    read -r w wm wc < <(secs "$SW" -e trace=connect -o /dev/null -- "$prog" "$SOCK" "$N")
    row "$p" "sockwhy -e trace=connect" "$w" "$wc" "$wm" - -
    read -r wk wkm wkc < <(secs "$SW" -k -e trace=connect -o /dev/null -- "$prog" "$SOCK" "$N")
    row "$p" "sockwhy -k -e trace=connect" "$wk" "$wkc" "$wkm" "$(per_call "$wk" "$w")" "$(per_call "$wkc" "$wc")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
