/* N connects to one name that fails (a missing path, a stale socket file, an abstract
 * name nobody holds): what sockwhy's probes cost per failure. Used by
 * bench/failing_connects.sh. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s N PATH|@NAME\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int abstract = argv[2][0] == '@';
    size_t name = strlen(argv[2]);
    if (name >= sizeof a.sun_path)
        return 2;
    memcpy(a.sun_path, argv[2], name);
    if (abstract)
        a.sun_path[0] = 0;
    socklen_t len = offsetof(struct sockaddr_un, sun_path) + name + !abstract;
    int fails = 0;
    for (int i = 0; i < n; i++) {
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, len) < 0)
            fails++;
        close(s);
    }
    printf("%d of %d connects failed\n", fails, n);
    return 0;
}
