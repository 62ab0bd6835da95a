#!/usr/bin/env bash
# What sockwhy's probes cost per failing connect: N connects that fail the same way (a
# missing directory, a missing socket file, a stale socket file, an abstract name nobody
# holds), traced with --stats; per kind, the mean time each failing connect kept the
# program stopped (its entry and exit stops, the probes at the failure included) and the
# wall time of the whole run. With BASE=/path/to/an/older/sockwhy, the same for it, side
# by side (before/after a change). Uses the release build.
#
#   bash bench/failing_connects.sh [N]          (default 10000)
#   BASE=/tmp/old/sockwhy bash bench/failing_connects.sh 10000
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
cargo build --release -q
NEW=$PWD/target/release/sockwhy
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
gcc -O2 -Wall -o "$TMP/fc" bench/failing_connect.c
mkdir -p "$TMP/dir"
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$TMP/dir/stale.sock"

kinds=(
    "missing-directory $TMP/nodir/x.sock"
    "missing-file $TMP/dir/x.sock"
    "stale-socket $TMP/dir/stale.sock"
    "abstract-unbound @sockwhy-bench-nobody-$$"
)

# one SOCKWHY NAME: "mean_us wall_s" of one traced run
one() {
    local t0 t1 err
    # --stats writes where the text trace goes.
    err=$TMP/text
    t0=$(date +%s.%N)
    "$1" --stats -o "$err" -e trace=connect -- "$TMP/fc" "$N" "$2" >/dev/null
    t1=$(date +%s.%N)
    local mean
    mean=$(sed -n 's/.*calls, mean \([0-9.]*\) us.*/\1/p' "$err")
    python3 -c "print(f'{$mean:.1f} {$t1-$t0:.2f}')"
}

printf '%-18s %10s' kind untraced
printf ' %22s' "sockwhy (us/stop, s)"
[ -n "${BASE:-}" ] && printf ' %22s' "base (us/stop, s)"
echo
for k in "${kinds[@]}"; do
    set -- $k
    t0=$(date +%s.%N)
    "$TMP/fc" "$N" "$2" >/dev/null
    t1=$(date +%s.%N)
    printf '%-18s %9.3fs' "$1" "$(python3 -c "print($t1-$t0)")"
    read -r m w < <(one "$NEW" "$2")
    printf ' %12s us %6s s' "$m" "$w"
    if [ -n "${BASE:-}" ]; then
        read -r m w < <(one "$BASE" "$2")
        printf ' %12s us %6s s' "$m" "$w"
    fi
    echo
done
