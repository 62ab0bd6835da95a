#!/usr/bin/env bash
# How sure the causes are, and whether that is earned: every bundled demo scenario and a
# set of real programs (redis, nginx, dbus, socat, python3, Xvfb, ssh-agent, gpg-agent,
# bash, namespaces by unshare when root) traced with --save; per run and in total, the
# failures, their confidence (high, medium, low, no cause), how many have evidence a probe
# could not check ("not checked: ..."), how many of those are still high (must be 0),
# and the classes (expected, consequential). Uses the release build; the real programs
# that are not installed are skipped (and said so).
#
#   bash bench/causes.sh
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q || exit 1
SW=$PWD/target/release/sockwhy
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
has() { command -v "$1" >/dev/null 2>&1; }
ROOT=$([ "$(id -u)" = 0 ] && echo 1 || echo 0)
n=0
trace() { # NAME CMD... : trace into $TMP/NAME.jsonl
    local name=$1; shift
    "$SW" --save "$TMP/$name.jsonl" -o /dev/null -- "$@" </dev/null >/dev/null 2>&1
    n=$((n + 1))
}
skip() { echo "skipped: $*"; }
wait_sock() { for _ in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.05; done; return 1; }

# The demos.
for s in $("$SW" demo --list | awk '{print $1}'); do
    "$SW" --save "$TMP/demo-$s.jsonl" -o /dev/null demo "$s" >/dev/null 2>&1
done

# Real programs.
trace bash-getent bash -c 'getent passwd root >/dev/null'
has socat && {
    trace socat-missing socat - UNIX-CONNECT:"$TMP/nodir/app.sock"
    trace socat-abstract socat - ABSTRACT-CONNECT:sockwhy-causes-nobody
}
has python3 && trace python3-mix python3 -c "
import socket, os
for p in ('$TMP/none.sock', 'relative/none.sock'):
    try: socket.socket(socket.AF_UNIX).connect(p)
    except OSError: pass
a, b = socket.socketpair(); a.setblocking(False)
try: a.recv(1)
except OSError: pass
b.close()
try: a.send(b'x')
except OSError: pass
"
if has redis-server && has redis-cli; then
    redis-server --port 0 --save '' --appendonly no --unixsocket "$TMP/redis-server.sock" >/dev/null 2>&1 &
    PIDS+=($!)
    wait_sock "$TMP/redis-server.sock"
    trace redis-cli redis-cli -s "$TMP/redis.sock" ping
else skip redis; fi
if has nginx && has curl; then
    mkdir -p "$TMP/nginx"
    cat >"$TMP/nginx/nginx.conf" <<EOF
daemon off; master_process off; pid $TMP/nginx/pid; error_log $TMP/nginx/error.log;
events {}
http { access_log off;
  server { listen unix:$TMP/nginx/front.sock;
           location / { proxy_pass http://unix:$TMP/nginx/upstream.sock:/; } } }
EOF
    "$SW" --save "$TMP/nginx.jsonl" -o /dev/null -- nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >/dev/null 2>&1 &
    PIDS+=($!)
    wait_sock "$TMP/nginx/front.sock" && curl -s --unix-socket "$TMP/nginx/front.sock" http://x/ >/dev/null
    kill -QUIT "$(cat "$TMP/nginx/pid" 2>/dev/null)" 2>/dev/null
    n=$((n + 1))
else skip nginx; fi
if has Xvfb && has xdpyinfo; then
    d=$((70 + $$ % 200))
    Xvfb ":$d" -nolisten tcp >/dev/null 2>&1 &
    PIDS+=($!)
    wait_sock "/tmp/.X11-unix/X$d"
    trace xdpyinfo env DISPLAY=":$((d + 1))" xdpyinfo
else skip Xvfb; fi
has ssh-add && trace ssh-add env SSH_AUTH_SOCK=/tmp/ssh-sockwhy-none/agent.1 ssh-add -l
has gpg-connect-agent && trace gpg bash -c "mkdir -p -m 700 '$TMP/gnupg' && gpg-connect-agent --homedir '$TMP/gnupg' --no-autostart /bye"
has dbus-send && trace dbus-send env DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/4242/bus dbus-send --session --dest=org.freedesktop.DBus / org.freedesktop.DBus.Peer.Ping
if [ "$ROOT" = 1 ] && has socat; then
    mkdir -p "$TMP/private"
    unshare --mount --propagation private sh -c "mount -t tmpfs tmpfs '$TMP/private' && exec socat UNIX-LISTEN:'$TMP/private/s.sock',fork EXEC:/bin/cat" >/dev/null 2>&1 &
    PIDS+=($!)
    sleep 0.5
    trace ns-mount socat - UNIX-CONNECT:"$TMP/private/s.sock"
    unshare --net socat ABSTRACT-LISTEN:sockwhy-causes-ns,fork EXEC:/bin/cat >/dev/null 2>&1 &
    PIDS+=($!)
    sleep 0.5
    trace ns-net socat - ABSTRACT-CONNECT:sockwhy-causes-ns
else skip namespaces \(needs root and socat\); fi

# The same clients traced by an unprivileged sockwhy (as nobody): it may not look into
# root's processes (their fds, their root) nor join other network namespaces, so some
# facts cannot be checked; the causes must say so and not be high.
if [ "$ROOT" = 1 ] && has setpriv && has socat; then
    NB=$TMP/nobody
    mkdir -p "$NB" && chmod 777 "$NB" && chmod 755 "$TMP"
    as_nobody() { # NAME CMD...
        local name=$1; shift
        setpriv --reuid=65534 --regid=65534 --clear-groups \
            "$SW" --save "$NB/$name.jsonl" -o /dev/null -- "$@" </dev/null >/dev/null 2>&1
        mv "$NB/$name.jsonl" "$TMP/nobody-$name.jsonl" 2>/dev/null
    }
    as_nobody ns-mount socat - UNIX-CONNECT:"$TMP/private/s.sock"
    as_nobody ns-net socat - ABSTRACT-CONNECT:sockwhy-causes-ns
    has redis-cli && as_nobody redis-cli redis-cli -s "$TMP/redis.sock" ping
    # A socket file a root process holds, refused to nobody for want of write permission.
    socat UNIX-LISTEN:"$TMP/root-only.sock",fork,mode=700 EXEC:/bin/cat >/dev/null 2>&1 &
    PIDS+=($!)
    wait_sock "$TMP/root-only.sock"
    as_nobody eacces socat - UNIX-CONNECT:"$TMP/root-only.sock"
    # A stale file in a directory nobody may read the holders of.
    python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$NB/stale.sock"
    chmod 777 "$NB/stale.sock"
    as_nobody stale socat - UNIX-CONNECT:"$NB/stale.sock"
else skip the unprivileged runs \(needs root, setpriv and socat\); fi

python3 - "$TMP" <<'PY'
import glob, json, os, sys
rows = []
tot = {}
def add(d, k, v=1):
    d[k] = d.get(k, 0) + v
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.jsonl"))):
    name = os.path.basename(f)[:-6]
    r = {}
    for line in open(f):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("type") != "syscall" or not rec.get("errno"):
            continue
        c = rec.get("cause") or {}
        conf = c.get("confidence", "none")
        unchecked = any(e.startswith("not checked:") for e in c.get("evidence", []))
        cls = (rec.get("class") or {}).get("kind", "-")
        for d in (r, tot):
            add(d, "failures"); add(d, conf)
            if unchecked: add(d, "unchecked")
            if unchecked and conf == "high": add(d, "high+unchecked")
            add(d, cls)
    rows.append((name, r))
cols = ["failures", "high", "medium", "low", "none", "unchecked", "high+unchecked", "expected", "consequential"]
print(f"{'run':<26}" + "".join(f"{c:>15}" for c in cols))
for name, r in rows + [("TOTAL", tot)]:
    print(f"{name:<26}" + "".join(f"{r.get(c, 0):>15}" for c in cols))
PY
