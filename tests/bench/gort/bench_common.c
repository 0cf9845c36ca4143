/*
 * bench_common.c — see bench_common.h. The Go twin is built with GO111MODULE=off and a fresh
 * GOCACHE in a temporary directory, so the build needs no network and leaves nothing behind.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "gort/gort.h"

uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;

    if (!f)
        return 0;
    /* statm: size resident shared text lib data dt (pages) */
    if (fscanf(f, "%lu %lu", &size, &res) != 2)
        res = 0;
    fclose(f);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

long bench_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    long n = 0;
    int c;

    if (!f)
        return -1;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static char bench__tmp[256];

static void bench__cleanup(void)
{
    char cmd[512];

    if (bench__tmp[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bench__tmp);
        (void)!system(cmd);
    }
}

int bench_go(const char *name, const char *args, double *out, int max)
{
    char cmd[2048], line[4096], bin[512];
    FILE *p;
    int n = 0;
    char *s, *end;

    if (system("command -v go >/dev/null 2>&1") != 0)
        return -1;
    if (!bench__tmp[0]) {
        strcpy(bench__tmp, "/tmp/gort-bench-XXXXXX");
        if (!mkdtemp(bench__tmp)) {
            bench__tmp[0] = 0;
            return -1;
        }
        atexit(bench__cleanup);
    }
    snprintf(bin, sizeof(bin), "%s/%s", bench__tmp, name);
    if (access(bin, X_OK) != 0) {
        snprintf(cmd, sizeof(cmd),
                 "cd '%s' && GO111MODULE=off GOCACHE='%s/cache' GOPATH='%s/gopath' GOFLAGS= "
                 "go build -o '%s' '%s/tests/bench/gort/%s.go' >&2",
                 bench__tmp, bench__tmp, bench__tmp, bin, SW_SRCDIR, name);
        if (system(cmd) != 0) {
            fprintf(stderr, "bench: building the Go twin %s.go failed\n", name);
            return -1;
        }
    }
    snprintf(cmd, sizeof(cmd), "'%s' %s", bin, args ? args : "");
    p = popen(cmd, "r");
    if (!p)
        return -1;
    if (!fgets(line, sizeof(line), p)) {
        pclose(p);
        return -1;
    }
    if (pclose(p) != 0)
        return -1;
    for (s = line; n < max; s = end) {
        double v = strtod(s, &end);
        if (end == s)
            break;
        out[n++] = v;
    }
    return n;
}

static int bench__cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof(*v), bench__cmp);
    return v[n / 2];
}

void bench_line(const char *name, double ours, double go, const char *unit)
{
    if (isnan(go) || go <= 0)
        printf("bench %s: ours %.4g %s, go n/a\n", name, ours, unit);
    else
        printf("bench %s: ours %.4g %s, go %.4g %s, ratio %.3f\n", name, ours, unit, go, unit,
               ours / go);
    fflush(stdout);
}

void bench_repro(int argc, char **argv)
{
    double load[3] = {0, 0, 0};

    printf("# reproduce:");
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    if (getloadavg(load, 3) == 3)
        printf("   (load average %.2f %.2f %.2f, %ld CPUs online)", load[0], load[1], load[2],
               sysconf(_SC_NPROCESSORS_ONLN));
    printf("\n");
    fflush(stdout);
}

#define BENCH_ROUNDS 3

int bench_alternate(const char *name, const char *args, void (*fn)(void *),
                    const double *ours_out, const char *unit)
{
    double ours[BENCH_ROUNDS], gos[BENCH_ROUNDS];
    int ngo = 0;
    for (int r = 0; r < BENCH_ROUNDS; r++) {
        if (gort_init(NULL) != 0 || gort_main(fn, NULL) != 0)
            return 1;
        gort_fini();
        ours[r] = *ours_out;
        if (bench_go(name, args, &gos[ngo], 1) == 1)
            ngo++;
    }
    bench_line(name, bench_median(ours, BENCH_ROUNDS), ngo ? bench_median(gos, ngo) : NAN, unit);
    return 0;
}
