/* The workloads of bench/run.sh: each mode does one kind of socket work for real, the
 * same way every run, so untraced, strace and sockwhy runs can be held side by side.
 *
 *   workload pingpong N F   N round trips of 4 bytes over a socketpair between two
 *                           processes, and a failing connect (ENOENT) every F round trips
 *   workload connects M     M failing connects, alternately to a missing path (ENOENT)
 *                           and to a socket file nobody listens on (ECONNREFUSED)
 *   workload files N        N x (pwrite, pread on a file; write to /dev/null, read from
 *                           /dev/zero), then one socket write and read
 *   workload server C T     a listener served by T threads blocking in accept(); a client
 *                           process makes C short connections (connect, 16 bytes each way,
 *                           close)
 *   workload bulk MB        MB megabytes through a socketpair in 64 KiB writes and reads
 *   workload compute T N    T threads, each N times: compute for a while (about 200 us on
 *                           this project's VM), then a 1-byte write and read on its own
 *                           socketpair: CPU-bound threads whose calls are far apart
 *   workload idle N         hold N idle connected AF_UNIX sockets (N/2 socketpairs, every
 *                           eighth pair bound to an abstract name), print "ready", and
 *                           sleep until killed: the unrelated sockets of a busy host
 *
 * Exit status 0 when the work was done as meant (a traced run that changes what the
 * program sees fails the run). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void) {
    snprintf(dir, sizeof dir, "/tmp/sockwhy-bench-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
}

static socklen_t path_addr(struct sockaddr_un *a, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, name);
    return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

/* socket + connect + close; returns connect's errno (0 on success). */
static int try_connect(const struct sockaddr_un *a, socklen_t len) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    int r = connect(s, (const struct sockaddr *)a, len);
    int e = r ? errno : 0;
    close(s);
    return e;
}

static int pingpong(int n, int every) {
    struct sockaddr_un miss;
    make_dir();
    socklen_t ml = path_addr(&miss, "missing/x.sock");
    int sv[2];
    char b[16];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 2;
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < n; i++) {
            if (read(sv[1], b, 4) != 4) _exit(1);
            if (write(sv[1], b, 4) != 4) _exit(1);
        }
        _exit(0);
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        if (write(sv[0], "ping", 4) != 4 || read(sv[0], b, 4) != 4) bad = 1;
        if (every > 0 && i % every == 0 && try_connect(&miss, ml) != ENOENT) bad = 1;
    }
    int st;
    waitpid(c, &st, 0);
    rmdir(dir);
    return bad || !WIFEXITED(st) || WEXITSTATUS(st);
}

static int connects(int m) {
    struct sockaddr_un miss, stale;
    make_dir();
    socklen_t ml = path_addr(&miss, "missing/x.sock");
    socklen_t sl = path_addr(&stale, "stale.sock");
    /* A socket file whose socket is gone: connect gets ECONNREFUSED. */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(s, (struct sockaddr *)&stale, sl)) { perror("bind"); return 2; }
    close(s);
    int bad = 0;
    for (int i = 0; i < m; i++) {
        int e = i % 2 ? try_connect(&stale, sl) : try_connect(&miss, ml);
        if (e != (i % 2 ? ECONNREFUSED : ENOENT)) bad = 1;
    }
    unlink(stale.sun_path);
    rmdir(dir);
    return bad;
}

static int files(int n) {
    char path[] = "/tmp/sockwhy-bench-file-XXXXXX";
    int f = mkstemp(path);
    int null = open("/dev/null", O_WRONLY), zero = open("/dev/zero", O_RDONLY);
    if (f < 0 || null < 0 || zero < 0) return 2;
    unlink(path);
    char b[64] = {0};
    int bad = 0;
    for (int i = 0; i < n; i++) {
        if (pwrite(f, b, sizeof b, 0) != sizeof b) bad = 1;
        if (pread(f, b, sizeof b, 0) != sizeof b) bad = 1;
        if (write(null, b, sizeof b) != sizeof b) bad = 1;
        if (read(zero, b, sizeof b) != sizeof b) bad = 1;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 2;
    if (write(sv[0], "ping", 4) != 4 || read(sv[1], b, 4) != 4) bad = 1;
    return bad;
}

static int listener;
static long served, to_serve;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;

static void *serve(void *arg) {
    (void)arg;
    char b[16];
    for (;;) {
        int c = accept(listener, NULL, NULL);
        if (c < 0) { perror("accept"); exit(3); }
        if (read(c, b, sizeof b) != sizeof b || write(c, b, sizeof b) != sizeof b) exit(4);
        close(c);
        pthread_mutex_lock(&mu);
        if (++served == to_serve) pthread_cond_signal(&all_done);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static int server(int conns, int threads) {
    struct sockaddr_un a;
    make_dir();
    socklen_t al = path_addr(&a, "server.sock");
    listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(listener, (struct sockaddr *)&a, al) || listen(listener, 128)) { perror("listen"); return 2; }
    to_serve = conns;
    pthread_t t;
    for (int i = 0; i < threads; i++) pthread_create(&t, NULL, serve, NULL);
    pid_t c = fork();
    if (c == 0) {
        char b[16] = "0123456789abcdef";
        for (int i = 0; i < conns; i++) {
            int s = socket(AF_UNIX, SOCK_STREAM, 0);
            if (connect(s, (struct sockaddr *)&a, al)) _exit(1);
            if (write(s, b, sizeof b) != sizeof b || read(s, b, sizeof b) != sizeof b) _exit(1);
            close(s);
        }
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    pthread_mutex_lock(&mu);
    while (served < to_serve) pthread_cond_wait(&all_done, &mu);
    pthread_mutex_unlock(&mu);
    unlink(a.sun_path);
    rmdir(dir);
    /* The serving threads are still in accept(): exit_group ends them. */
    exit(!WIFEXITED(st) || WEXITSTATUS(st));
}

static int bulk(long mb) {
    enum { CHUNK = 64 * 1024 };
    static char b[CHUNK];
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 2;
    pid_t c = fork();
    if (c == 0) {
        close(sv[0]);
        long got = 0;
        ssize_t r;
        while ((r = read(sv[1], b, CHUNK)) > 0) got += r;
        _exit(got != mb * 1024 * 1024);
    }
    close(sv[1]);
    for (long left = mb * 1024 * 1024; left > 0;) {
        ssize_t w = write(sv[0], b, left < CHUNK ? left : CHUNK);
        if (w <= 0) return 1;
        left -= w;
    }
    close(sv[0]);
    int st;
    waitpid(c, &st, 0);
    return !WIFEXITED(st) || WEXITSTATUS(st);
}

static int idle(int n) {
    struct rlimit rl = {n + 64, n + 64};
    if (setrlimit(RLIMIT_NOFILE, &rl)) { perror("setrlimit"); return 2; }
    for (int i = 0; i < n / 2; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) { perror("socketpair"); return 2; }
        if (i % 8 == 0) {
            struct sockaddr_un a = {.sun_family = AF_UNIX};
            int len = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "sockwhy-bench-idle-%d-%d", getpid(), i);
            int s = socket(AF_UNIX, SOCK_DGRAM, 0);
            if (bind(s, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + len)) return 2;
            close(sv[1]);
            sv[1] = s;
        }
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}

/* One compute thread: `arg` is its socketpair. */
static long compute_n;
static void *compute_thread(void *arg) {
    int *sv = arg;
    char c;
    unsigned long x = (unsigned long)sv[0];
    for (long i = 0; i < compute_n; i++) {
        for (int k = 0; k < 200000; k++) x = x * 6364136223846793005UL + 1442695040888963407UL;
        c = (char)(x >> 56);
        if (write(sv[0], &c, 1) != 1 || read(sv[1], &c, 1) != 1) return (void *)1;
    }
    return NULL;
}

static int compute(int threads, long n) {
    pthread_t t[64];
    int sv[64][2];
    if (threads < 1 || threads > 64) return 2;
    compute_n = n;
    for (int i = 0; i < threads; i++) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i])) return 2;
        pthread_create(&t[i], NULL, compute_thread, sv[i]);
    }
    int bad = 0;
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= r != NULL;
        close(sv[i][0]);
        close(sv[i][1]);
    }
    return bad;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
    if (!strcmp(mode, "pingpong")) return pingpong(a, b);
    if (!strcmp(mode, "connects")) return connects(a);
    if (!strcmp(mode, "files")) return files(a);
    if (!strcmp(mode, "server")) return server(a, b > 0 ? b : 4);
    if (!strcmp(mode, "bulk")) return bulk(a);
    if (!strcmp(mode, "compute")) return compute(a, b);
    if (!strcmp(mode, "idle")) return idle(a);
    fprintf(stderr, "usage: workload pingpong|connects|files|server|bulk|compute|idle ARGS\n");
    return 2;
}
