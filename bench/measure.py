#!/usr/bin/env python3
"""Run a command RUNS times; print the best wall time (seconds) and its peak RSS (KiB).

Wall time by perf_counter (the untraced runs take milliseconds); peak RSS of the command
itself (the tracer, whose tracees it reaps) from GNU time, since a forked Python would
report its own size. Usage: measure.py RUNS CMD [ARGS...]
"""
import subprocess
import tempfile
import sys
import time


def one(cmd):
    with tempfile.NamedTemporaryFile("r") as f:
        t = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-o", f.name, "-f", "%M", *cmd],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t
        rss = int(f.read().strip().splitlines()[-1])
    return dt, rss


def main():
    runs = int(sys.argv[1])
    results = [one(sys.argv[2:]) for _ in range(runs)]
    best = min(results)
    print(f"{best[0]:.4f} {best[1]}")


main()
