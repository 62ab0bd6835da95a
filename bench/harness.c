/* Run one command and say what it cost, for bench/run.sh:
 *
 *   harness [-s MS] [-S FILE] -- CMD [ARGS...]
 *
 * Prints one line: wall seconds, user and system CPU seconds, voluntary and involuntary
 * context switches, peak RSS (KiB) and the exit status. The counts come from wait4(),
 * so they cover the command and every process it reaped: for a tracer, the tracer and
 * its tracees (each workload reaps its own children). The peak RSS is the largest of
 * those processes, which is the tracer's (the tracees are small C programs).
 *
 * With -s, the command's own resident size (VmRSS of /proc/PID/status: the tracer's,
 * not its tracees') is sampled every MS milliseconds and written to FILE as
 * "seconds kib" lines, to show whether memory stays flat over a long trace.
 *
 * The command's stdout and stderr go to /dev/null. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static long vmrss_kib(pid_t pid) {
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%d/status", pid);
    FILE *f = fopen(p, "r");
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) {
            kib = atol(line + 6);
            break;
        }
    if (f) fclose(f);
    return kib;
}

int main(int argc, char **argv) {
    int sample_ms = 0;
    const char *sample_file = NULL;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "-s") && i + 1 < argc) sample_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-S") && i + 1 < argc) sample_file = argv[++i];
        else { fprintf(stderr, "usage: harness [-s MS -S FILE] -- CMD [ARGS...]\n"); return 2; }
    }
    if (i + 1 >= argc) { fprintf(stderr, "usage: harness [-s MS -S FILE] -- CMD [ARGS...]\n"); return 2; }
    char **cmd = argv + i + 1;
    FILE *samples = NULL;
    if (sample_ms > 0) {
        samples = fopen(sample_file ? sample_file : "/dev/stderr", "w");
        if (!samples) { perror(sample_file); return 2; }
    }
    double t0 = now();
    pid_t c = fork();
    if (c == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp(cmd[0], cmd);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    if (samples) {
        struct timespec nap = {sample_ms / 1000, (sample_ms % 1000) * 1000000L};
        for (;;) {
            pid_t r = wait4(c, &st, WNOHANG, &ru);
            if (r == c) break;
            long kib = vmrss_kib(c);
            if (kib >= 0) fprintf(samples, "%.3f %ld\n", now() - t0, kib);
            nanosleep(&nap, NULL);
        }
        fclose(samples);
    } else {
        wait4(c, &st, 0, &ru);
    }
    double wall = now() - t0;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    printf("wall=%.6f user=%.6f sys=%.6f vcsw=%ld ivcsw=%ld maxrss=%ld status=%d\n", wall,
           ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
           ru.ru_nvcsw, ru.ru_nivcsw, ru.ru_maxrss, code);
    return code;
}
