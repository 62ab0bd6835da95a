#!/usr/bin/env bash
# Stress: every call reported exactly once, against the program's own counts.
#   64 threads x 1,000 connects (half to a listener, half to a missing path), and a
#   forking server with 200 children whose SIGCHLD (SA_RESTART) interrupts its accept.
# Prints, per workload, what the program counted next to what the saved trace holds,
# the exit status, and the wall time. Uses the release build.
#
#   bash bench/stress.sh [THREADS] [CONNECTS] [CHILDREN]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-64}
K=${2:-1000}
C=${3:-200}
cargo build --release -q
SW=target/release/sockwhy
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
gcc -O2 -pthread -o "$TMP/stress" tests/fixtures/stress.c
gcc -O2 -pthread -o "$TMP/restart" tests/fixtures/restart.c

# count TRACE: calls per (syscall, errno, restart), sequence numbers, exits
count() {
    python3 - "$1" <<'PY'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
calls = [r for r in recs if r["type"] == "syscall"]
seqs = [r["seq"] for r in calls]
ok = len(set(seqs)) == len(seqs) == max(seqs)
print(f"  trace: {len(calls)} call records, sequence numbers 1..{max(seqs)} each once: {ok}")
for (name, errno, restart), n in sorted(collections.Counter(
        (r["syscall"], r["errno"] or "-", r.get("restart") or "-") for r in calls).items()):
    print(f"    {name:<8} errno={errno:<8} restart={restart:<12} {n}")
forks = sum(1 for r in recs if r.get("event") == "fork")
clones = sum(1 for r in recs if r.get("event") == "clone")
exits = sum(1 for r in recs if r.get("event") == "exit")
print(f"    processes forked {forks}, threads {clones}, exits {exits}")
PY
}

run() { # NAME CMD...
    local name=$1; shift
    echo "== $name"
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    "$SW" --save "$TMP/t.jsonl" -o /dev/null -- "$@" >"$TMP/out" || rc=$?
    t1=$(date +%s.%N)
    echo "  program: $(cat "$TMP/out")"
    echo "  exit status: $rc (untraced: $("$@" >/dev/null; echo $?)), traced wall time $(python3 -c "print(f'{$t1-$t0:.2f}')") s"
    count "$TMP/t.jsonl"
}

run "$T threads x $K connects, half failing" "$TMP/stress" connects "$T" "$K"
run "forking server, $C children" "$TMP/restart" accept-server "$C" restart
