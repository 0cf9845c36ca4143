/*
 * bench_spawn.c — spawn + run + exit of N goroutines (default 1,000,000), each signalling a
 * wait group, against spawn.go.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "gort/gort.h"

static long n = 1000000;
static double ours_ns;
static uint64_t carved;
static struct gort_waitgroup wg = GORT_WAITGROUP_INIT;

static void child(void *arg)
{
    (void)arg;
    gort_wg_done(&wg);
}

static void bench_main(void *arg)
{
    uint64_t t0 = bench_now_ns();

    (void)arg;
    gort_wg_add(&wg, n);
    for (long i = 0; i < n; i++)
        gort_spawn(child, NULL);
    gort_wg_wait(&wg);
    ours_ns = (double)(bench_now_ns() - t0) / (double)n;
    carved = gort_probe_hdr(gort_probe_board(NULL))->stacks_carved;
}

int main(int argc, char **argv)
{
    char args[64];

    if (argc > 1)
        n = atol(argv[1]);
    snprintf(args, sizeof(args), "%ld", n);
    if (bench_alternate("spawn", args, bench_main, &ours_ns, "ns") != 0)
        return 1;
    printf("# spawn: %ld goroutines ran on %llu distinct stacks (last round)\n", n,
           (unsigned long long)carved);
    bench_repro(argc, argv);
    return 0;
}
