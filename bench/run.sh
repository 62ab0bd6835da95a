#!/usr/bin/env bash
# sockwhy against strace, side by side in one run (issue 14's table).
#
#   bash bench/run.sh [-r RUNS] [-q] [WORKLOAD...]
#
# Workloads (bench/workload.c): pingpong connects files server bulk compute, and three
# checks:
#   idle     pingpong, connects and server again while a helper holds 4,000 idle AF_UNIX
#            sockets (the cost must not depend on how many sockets the host has)
#   memory   the tracer's resident size sampled over a 2-million-call trace, with and
#            without --save
#   spin     sockwhy against sockwhy --spin 0 on compute and pingpong: what waiting
#            awake for the next stop buys, and that CPU-bound threads do not pay for it
# No workload named: all of them. -r: runs per measurement (default 5; medians are
# shown). -q: quick, smaller workloads and 3 runs (to check the bench, not to quote).
# SOCKWHY=path picks the binary (default: a release build of this tree); EXTRA="..."
# adds sockwhy options (e.g. EXTRA=--same-cpu).
#
# Each measurement runs untraced, under `strace -f -yy --seccomp-bpf -e trace=SET` and
# under sockwhy, both writing their text to /dev/null, the three taking turns so that a
# change of load hits all three. Overhead = traced minus untraced (median wall time; and
# the same for CPU time, user+sys of tracer and tracees); ratio = sockwhy's overhead /
# strace's (below 1: sockwhy costs less), the median of the ratios of each run's three
# measurements. Context
# switches (voluntary + involuntary, tracer and tracees, from wait4()) are per call of the
# trace set as strace reports them (sockwhy leaves out read/write on files); stops are
# sockwhy's ptrace stops (--stats).
# Needs only bash, awk, gcc, strace and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=5
QUICK=0
while [ $# -gt 0 ]; do
    case $1 in
    -r) RUNS=$2; shift 2 ;;
    -q) QUICK=1; RUNS=3; shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) break ;;
    esac
done
WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=(pingpong connects files server bulk compute idle memory spin)

if [ -z "${SOCKWHY:-}" ]; then
    cargo build --release -q
    SOCKWHY=target/release/sockwhy
fi
TMP=$(mktemp -d /tmp/sockwhy-bench-run-XXXXXX)
HELPER=
cleanup() {
    [ -z "$HELPER" ] || kill "$HELPER" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
gcc -O2 -o "$TMP/harness" bench/harness.c
gcc -O2 -pthread -o "$TMP/workload" bench/workload.c
H=$TMP/harness
W=$TMP/workload
# The calls sockwhy reports (model/traced.rs), for strace to trace the same set.
SET=socket,socketpair,bind,listen,accept,accept4,connect,getsockname,getpeername,sendto,recvfrom,sendmsg,recvmsg,sendmmsg,recvmmsg,shutdown,setsockopt,getsockopt,read,write,readv,writev,pread64,pwrite64,close
STRACE=(strace -f -yy --seccomp-bpf -e "trace=$SET")
# shellcheck disable=SC2206
SW=("$SOCKWHY" ${EXTRA:-})

if [ $QUICK = 1 ]; then
    PP=(5000 100) CN=(500) FL=(5000) SV=(500 4) BK=(256) CP=(2 1000) MEMCALLS=200000
else
    PP=(20000 100) CN=(2000) FL=(20000) SV=(2000 4) BK=(1024) CP=(2 4000) MEMCALLS=2000000
fi
args_of() { # workload name -> its arguments
    case $1 in
    pingpong) echo "pingpong ${PP[*]}" ;;
    connects) echo "connects ${CN[*]}" ;;
    files) echo "files ${FL[*]}" ;;
    server) echo "server ${SV[*]}" ;;
    bulk) echo "bulk ${BK[*]}" ;;
    compute) echo "compute ${CP[*]}" ;;
    esac
}

field() { # FIELD < harness lines -> the values
    sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p"
}
median() { # < numbers -> their median
    sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

# strace's reported calls: its lines, less signals, exits and the second half of calls
# it printed in two parts.
strace_calls() {
    grep -cv -e '^[0-9]* *+++ ' -e '^[0-9]* *--- ' -e 'resumed>' "$1" || true
}

# measure NAME ARGS...: RUNS turns of untraced/strace/sockwhy; writes $TMP/NAME.{base,strace,sockwhy}
measure() {
    local name=$1; shift
    local r
    : >"$TMP/$name.base"; : >"$TMP/$name.strace"; : >"$TMP/$name.sockwhy"
    for ((r = 0; r < RUNS; r++)); do
        "$H" -- "$W" "$@" >>"$TMP/$name.base" || { echo "untraced $name failed" >&2; exit 1; }
        "$H" -- "${STRACE[@]}" -o /dev/null "$W" "$@" >>"$TMP/$name.strace" ||
            { echo "strace $name failed" >&2; exit 1; }
        "$H" -- "${SW[@]}" -o /dev/null -- "$W" "$@" >>"$TMP/$name.sockwhy" ||
            { echo "sockwhy $name failed" >&2; exit 1; }
    done
    # Untimed runs for the counts: what each reported, and sockwhy's stops.
    "${STRACE[@]}" -o "$TMP/$name.strace.out" "$W" "$@" >/dev/null 2>&1
    "${SW[@]}" --stats -o "$TMP/$name.sockwhy.out" -- "$W" "$@" >/dev/null 2>&1
}

# values NAME CONFIG KEY: one figure of each of a configuration's runs, a line each (KEY:
# a harness field, "cpu" for user+sys, "cs" for voluntary+involuntary switches).
values() {
    awk -v k="$3" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        print (k == "cpu" ? v["user"] + v["sys"] : k == "cs" ? v["vcsw"] + v["ivcsw"] : v[k]) }' \
        "$TMP/$1.$2"
}

# stat NAME CONFIG KEY: the median of one figure over a configuration's runs.
stat() { values "$@" | median; }

# round_ratio NAME KEY: the median over the runs of sockwhy's overhead / strace's, each
# run's three measurements taken one after the other (the load of a shared machine
# drifts over tens of seconds: a ratio within a run is steadier than a ratio of medians).
round_ratio() {
    local k=$2 c
    for c in base strace sockwhy; do
        values "$1" "$c" "$k" >"$TMP/$1.$c.$k"
    done
    paste "$TMP/$1.base.$k" "$TMP/$1.strace.$k" "$TMP/$1.sockwhy.$k" |
        awk '$2 > $1 { print ($3 - $1) / ($2 - $1) }' | median
}

# rows NAME: its line of the time table and of the counts table.
rows() {
    local name=$1
    local b s w cb cs cw
    b=$(stat "$name" base wall); s=$(stat "$name" strace wall); w=$(stat "$name" sockwhy wall)
    cb=$(stat "$name" base cpu); cs=$(stat "$name" strace cpu); cw=$(stat "$name" sockwhy cpu)
    local rw rc
    rw=$(round_ratio "$name" wall); rc=$(round_ratio "$name" cpu)
    TIMES+=("$(awk -v n="$name" -v b="$b" -v s="$s" -v w="$w" -v cb="$cb" -v cs="$cs" -v cw="$cw" \
        -v rw="$rw" -v rc="$rc" 'BEGIN {
        printf "%-14s %8.3f %8.3f %8.3f %9.3f %9.3f %6.2fx %9.3f %9.3f %6.2fx\n",
            n, b, s, w, s - b, w - b, rw, cs - cb, cw - cb, rc }')")
    local calls_s calls_w stops xs xw rs rw
    calls_s=$(strace_calls "$TMP/$name.strace.out")
    read -r stops calls_w < <(awk '$1=="total"{print $2+$3, $4; exit}' "$TMP/$name.sockwhy.out")
    xs=$(stat "$name" strace cs); xw=$(stat "$name" sockwhy cs)
    rs=$(stat "$name" strace maxrss); rw=$(stat "$name" sockwhy maxrss)
    COUNTS+=("$(awk -v n="$name" -v ks="$calls_s" -v kw="$calls_w" -v st="$stops" -v xs="$xs" \
        -v xw="$xw" -v rs="$rs" -v rw="$rw" 'BEGIN {
        printf "%-14s %9d %9d %9d %8.2f %8.2f %6.2fx %8d %8d\n",
            n, ks, kw, st, (ks ? xs / ks : 0), (ks ? xw / ks : 0), (xs ? xw / xs : 0), rs, rw }')")
}

# extra NAME: the figures that are not times (MB/s, us per failing connect).
extra() {
    local name=$1
    local b s w cb cs cw
    b=$(stat "$name" base wall); s=$(stat "$name" strace wall); w=$(stat "$name" sockwhy wall)
    cb=$(stat "$name" base cpu); cs=$(stat "$name" strace cpu); cw=$(stat "$name" sockwhy cpu)
    case $name in
    bulk*) awk -v mb="${BK[0]}" -v b="$b" -v s="$s" -v w="$w" -v n="$name" 'BEGIN {
        printf "  %s: throughput untraced %.0f MB/s, strace %.0f MB/s, sockwhy %.0f MB/s (%.2fx strace)\n",
            n, mb / b, mb / s, mb / w, s / w }' ;;
    connects*) awk -v m="${CN[0]}" -v b="$b" -v s="$s" -v w="$w" -v cb="$cb" -v cs="$cs" -v cw="$cw" \
        -v n="$name" 'BEGIN {
        printf "  %s: cost per failing connect beyond untraced: wall strace %.1f us, sockwhy %.1f us (%+.1f us); CPU strace %.1f us, sockwhy %.1f us (%+.1f us)\n",
            n, (s - b) / m * 1e6, (w - b) / m * 1e6, (w - s) / m * 1e6,
            (cs - cb) / m * 1e6, (cw - cb) / m * 1e6, (cw - cs) / m * 1e6 }' ;;
    esac
}

table() { # TITLE WORKLOAD...
    local title=$1; shift
    local before after w
    before=$(load)
    TIMES=() COUNTS=()
    local extras=()
    for w in "$@"; do
        # shellcheck disable=SC2046
        measure "$w" $(args_of "${w%%+*}")
        rows "$w"
        extras+=("$(extra "$w")")
    done
    after=$(load)
    echo
    echo "== $title"
    echo "   $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $before -> $after, medians of $RUNS runs"
    printf '%-14s %8s %8s %8s %9s %9s %7s %9s %9s %7s\n' "" untraced strace sockwhy \
        overhead overhead "" "CPU ovh" "CPU ovh" ""
    printf '%-14s %8s %8s %8s %9s %9s %7s %9s %9s %7s\n' "wall time (s)" "" "" "" \
        strace sockwhy ratio strace sockwhy ratio
    printf '%s\n' "${TIMES[@]}"
    printf '%-14s %9s %9s %9s %8s %8s %7s %8s %8s\n' "" calls reported sockwhy "switches" "per call" \
        "" "peak RSS" "(KiB)"
    printf '%-14s %9s %9s %9s %8s %8s %7s %8s %8s\n' counts strace sockwhy stops strace sockwhy \
        ratio strace sockwhy
    printf '%s\n' "${COUNTS[@]}"
    printf '%s\n' "${extras[@]}" | grep -v '^$' || true
}

memory() { # 2M calls: the tracer's RSS over the run, without and with --save
    local n=$((MEMCALLS / 4))
    echo
    echo "== memory over a $MEMCALLS-call trace (pingpong $n round trips): sockwhy's own VmRSS (KiB),"
    echo "   sampled every 200 ms, highest in each quarter of the run; load $(load)"
    printf '%-22s %9s %9s %9s %9s %9s\n' "" "1st" "2nd" "3rd" "4th" "samples"
    local how
    for how in plain save; do
        local opt=()
        [ $how = plain ] || opt=(--save "$TMP/mem.jsonl")
        "$H" -s 200 -S "$TMP/mem.$how" -- "${SW[@]}" "${opt[@]}" -o /dev/null -- "$W" pingpong "$n" 0 >"$TMP/mem.$how.run"
        awk -v how="$how" '{k[NR] = $2}
            END { printf "%-22s", (how == "plain" ? "sockwhy -o /dev/null" : "sockwhy --save FILE")
                  for (q = 0; q < 4; q++) { m = 0
                      for (i = int(NR * q / 4) + 1; i <= int(NR * (q + 1) / 4); i++) if (k[i] > m) m = k[i]
                      printf " %9d", m }
                  printf " %9d\n", NR }' "$TMP/mem.$how"
        rm -f "$TMP/mem.jsonl"
    done
}

idle() {
    "$W" idle 4000 >"$TMP/idle.out" &
    HELPER=$!
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q ready "$TMP/idle.out" 2>/dev/null && break
        sleep 0.1
    done
    grep -q ready "$TMP/idle.out" || { echo "the idle-socket helper did not start" >&2; exit 1; }
    table "with 4,000 idle AF_UNIX sockets held by another process" pingpong+idle connects+idle server+idle
    kill "$HELPER"
    wait "$HELPER" 2>/dev/null || true
    HELPER=
    local w
    for w in pingpong connects server; do
        [ -s "$TMP/$w.sockwhy" ] || continue
        local t k v=()
        for t in strace sockwhy; do
            for k in wall cpu; do
                v+=("$(stat "$w" base "$k")" "$(stat "$w" "$t" "$k")" \
                    "$(stat "$w+idle" base "$k")" "$(stat "$w+idle" "$t" "$k")")
            done
        done
        awk -v n="$w" -v v="${v[*]}" 'BEGIN { split(v, x, " ")
            for (i = 0; i < 4; i++) { a = x[4*i+2] - x[4*i+1]; b = x[4*i+4] - x[4*i+3]; q[i] = (a > 0 ? b / a : 0) }
            printf "  %s: overhead with the idle sockets / without: strace %.2fx (CPU %.2fx), sockwhy %.2fx (CPU %.2fx)\n",
                n, q[0], q[1], q[2], q[3] }'
    done
}

spin() { # sockwhy against sockwhy --spin 0, taking turns
    echo
    echo "== sockwhy (waits awake for the next stop, --spin 20) against sockwhy --spin 0"
    echo "   $(date -u +%Y-%m-%dT%H:%MZ), load $(load), medians of $RUNS runs, ratios the median of the runs' own"
    printf '%-14s %9s %9s %7s %9s %9s %7s\n' "" "wall (s)" "" "" "CPU (s)" "" ""
    printf '%-14s %9s %9s %7s %9s %9s %7s\n' "" "--spin 20" "--spin 0" ratio "--spin 20" "--spin 0" ratio
    local w r
    for w in compute pingpong; do
        : >"$TMP/$w.spin"; : >"$TMP/$w.nospin"
        for ((r = 0; r < RUNS; r++)); do
            # shellcheck disable=SC2046
            "$H" -- "${SW[@]}" -o /dev/null -- "$W" $(args_of $w) >>"$TMP/$w.spin" ||
                { echo "sockwhy $w failed" >&2; exit 1; }
            # shellcheck disable=SC2046
            "$H" -- "${SW[@]}" --spin 0 -o /dev/null -- "$W" $(args_of $w) >>"$TMP/$w.nospin" ||
                { echo "sockwhy --spin 0 $w failed" >&2; exit 1; }
        done
        local k v=()
        for k in wall cpu; do
            v+=("$(stat "$w" spin "$k")" "$(stat "$w" nospin "$k")")
            v+=("$(paste <(values "$w" spin "$k") <(values "$w" nospin "$k") |
                awk '$2 > 0 { print $1 / $2 }' | median)")
        done
        awk -v n="$w" -v v="${v[*]}" 'BEGIN { split(v, x, " ")
            printf "%-14s %9.3f %9.3f %6.2fx %9.3f %9.3f %6.2fx\n", n, x[1], x[2], x[3], x[4], x[5], x[6] }'
    done
}

echo "sockwhy $("$SOCKWHY" --version 2>/dev/null | awk '{print $2}') vs $(strace -V | head -1), kernel $(uname -r)"
main=()
for w in "${WORKLOADS[@]}"; do
    case $w in
    pingpong|connects|files|server|bulk|compute) main+=("$w") ;;
    idle|memory|spin) ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
    esac
done
[ ${#main[@]} -eq 0 ] || table "sockwhy vs strace -f -yy --seccomp-bpf" "${main[@]}"
for w in "${WORKLOADS[@]}"; do
    case $w in
    idle) idle ;;
    memory) memory ;;
    spin) spin ;;
    esac
done
