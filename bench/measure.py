#!/usr/bin/env python3
"""Run a command RUNS times; print the best wall time (seconds) and its peak RSS (KiB).

Wall time by perf_counter (the untraced runs take milliseconds); peak RSS of the command
itself (the tracer, whose tracees it reaps) from GNU time, since a forked Python would
report its own size. Usage: measure.py [--cpu] RUNS CMD [ARGS...]

With --cpu, a third figure: the least CPU time (user + system, seconds) of the command and
the processes it waited for, over the runs. On a shared machine it moves less than wall
time, which also counts the time spent waiting for a core.
"""
import subprocess
import tempfile
import sys
import time


def one(cmd):
    with tempfile.NamedTemporaryFile("r") as f:
        t = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-o", f.name, "-f", "%M %U %S", *cmd],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t
        rss, user, system = f.read().strip().splitlines()[-1].split()
    return dt, int(rss), float(user) + float(system)


def main():
    args = sys.argv[1:]
    cpu = args[0] == "--cpu"
    if cpu:
        args = args[1:]
    runs = int(args[0])
    results = [one(args[1:]) for _ in range(runs)]
    best = min(results)
    line = f"{best[0]:.4f} {best[1]}"
    if cpu:
        line += f" {min(r[2] for r in results):.2f}"
    print(line)


main()
