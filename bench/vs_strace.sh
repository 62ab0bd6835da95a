#!/usr/bin/env bash
# Side-by-side cost of tracing: the same fixture runs untraced, under strace, and under
# sockwhy (seccomp filter, and without it). Prints wall time (best of N runs), the
# slowdown against the untraced run, and peak RSS of the tracer.
#
#   bash bench/vs_strace.sh [ITERATIONS] [RUNS]
#
# Workloads (tests/fixtures/tracee.c):
#   pingpong  socket-heavy: ITERATIONS round trips over a socketpair between two processes
#   mixed     a typical program: ITERATIONS writes to /dev/null + getpid, a failing connect every 1000
#   storm     ITERATIONS write+read pairs on /dev/null, one socket write at the end
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
RUNS=${2:-3}
cargo build --release -q
SW=target/release/sockwhy
FIX=$(mktemp -d)/tracee
gcc -O2 -pthread -o "$FIX" tests/fixtures/tracee.c
TRACE_SET=socket,socketpair,bind,listen,accept,accept4,connect,getsockname,getpeername,sendto,recvfrom,sendmsg,recvmsg,sendmmsg,recvmmsg,shutdown,setsockopt,getsockopt,read,write,readv,writev,pread64,pwrite64,close

best() { # best wall seconds of RUNS runs of "$@", and that run's peak RSS (KiB)
    python3 bench/measure.py "$RUNS" "$@"
}

printf '%-10s %-34s %9s %9s %10s\n' workload tracer seconds slowdown "rss(KiB)"
for w in pingpong mixed storm; do
    base=$(best "$FIX" "$w" "$N"); b=${base% *}
    row() {
        local name=$1; shift
        local r; r=$(best "$@"); local t=${r% *} m=${r#* }
        printf '%-10s %-34s %9s %9s %10s\n' "$w" "$name" "$t" "$(python3 -c "print(f'{$t/$b:.1f}x')")" "$m"
    }
    printf '%-10s %-34s %9s %9s %10s\n' "$w" "untraced" "$b" "1.0x" "-"
    row "strace -f -yy (all calls)" strace -f -yy -o /dev/null "$FIX" "$w" "$N"
    row "strace -f -yy --seccomp-bpf -e SET" strace -f -yy --seccomp-bpf -e trace=$TRACE_SET -o /dev/null "$FIX" "$w" "$N"
    row "sockwhy (seccomp)" "$SW" -o /dev/null -- "$FIX" "$w" "$N"
    row "sockwhy --no-seccomp" "$SW" --no-seccomp -o /dev/null -- "$FIX" "$w" "$N"
done
echo
echo "ptrace stops taken by sockwhy on 'mixed $N' (--stats):"
"$SW" --stats -o /dev/stdout -- "$FIX" mixed "$N" | sed -n '/ptrace stops/,$p'
