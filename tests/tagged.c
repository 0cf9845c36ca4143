/* tagged.c — see tagged.h. */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tagged.h"
#include "util.h"

void tagged_new(char *tag, size_t len)
{
    snprintf(tag, len, "SW_TEST_RUN=%d-%llu", (int)getpid(),
             (unsigned long long)util_now_ns());
}

/* Whether pid's environment holds tag (NUL-separated entries). */
static bool tagged__has(pid_t pid, const char *tag)
{
    static char buf[1 << 16];
    char path[64];

    snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        if (strcmp(buf + i, tag) == 0)
            return true;
    return false;
}

/* State letter and comm from /proc/PID/stat; state 0 if gone. */
static char tagged__stat(pid_t pid, char *comm, size_t len)
{
    char path[64], buf[512];

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return 0;
    size_t r = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[r] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (open == NULL || close == NULL || close[1] != ' ')
        return 0;
    if (comm != NULL)
        snprintf(comm, len, "%.*s", (int)(close - open - 1), open + 1);
    return close[2];
}

static int tagged__scan(const char *tag, const char *comm, pid_t *first)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        pid_t pid = atoi(e->d_name);
        char c[64];
        char st = tagged__stat(pid, c, sizeof(c));
        if (st == 0 || st == 'Z' || st == 'X')
            continue;
        if (comm != NULL && strcmp(c, comm) != 0)
            continue;
        if (!tagged__has(pid, tag))
            continue;
        if (n++ == 0 && first != NULL)
            *first = pid;
    }
    closedir(d);
    return n;
}

pid_t tagged_find(const char *tag, const char *comm)
{
    pid_t pid = 0;

    return tagged__scan(tag, comm, &pid) > 0 ? pid : 0;
}

int tagged_survivors(const char *tag, int wait_ms)
{
    int n;

    for (int waited = 0;; waited += 50) {
        n = tagged__scan(tag, NULL, NULL);
        if (n <= 0 || waited >= wait_ms)
            return n;
        usleep(50000);
    }
}
