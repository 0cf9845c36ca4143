/*
 * bench_fanout.c — CPU-bound fan-out: the same total work split over 64 goroutines, timed at
 * GOMAXPROCS = 1..CPUs; the speedup T(1)/T(P) against Go's (fanout.go) at each P. Work per
 * run: argv[1] xorshift steps in total (default 4e8).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "gort/gort.h"

#define CHUNKS 64

static long work = 400000000; /* inner iterations in total */
static struct gort_waitgroup wg = GORT_WAITGROUP_INIT;
/* volatile: a result nobody read let gcc drop the whole xorshift, so "ours" timed an empty
 * loop against Go's real one (0.23 s vs 0.8 s for the same 4e8 steps) */
static volatile uint64_t sink[CHUNKS];
static double elapsed[GORT_MAX_PROCS + 1];

static void chunk(void *arg)
{
    long id = (long)(intptr_t)arg;
    uint64_t x = (uint64_t)id + 1;

    for (long i = 0; i < work / CHUNKS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if ((i & 1023) == 0)
            gort_preempt_point();
    }
    sink[id] = x;
    gort_wg_done(&wg);
}

static void bench_main(void *arg)
{
    long procs = (long)(intptr_t)arg;
    uint64_t t0 = bench_now_ns();

    gort_wg_add(&wg, CHUNKS);
    for (long i = 0; i < CHUNKS; i++)
        gort_spawn(chunk, (void *)(intptr_t)i);
    gort_wg_wait(&wg);
    elapsed[procs] = (double)(bench_now_ns() - t0) / 1e9;
}

#define ROUNDS 3

/* For each P, ours and Go's alternate over three rounds; speedups come from the medians. */
int main(int argc, char **argv)
{
    unsigned ncpu = gort_ncpus();
    double ours[GORT_MAX_PROCS + 1], go[GORT_MAX_PROCS + 1];
    char args[64], name[32];
    bool have_go = true;

    if (argc > 1)
        work = atol(argv[1]);
    if (ncpu > GORT_MAX_PROCS)
        ncpu = GORT_MAX_PROCS;
    for (unsigned p = 1; p <= ncpu; p++) {
        double o[ROUNDS], g[ROUNDS];
        int ng = 0;
        for (int r = 0; r < ROUNDS; r++) {
            struct gort_config cfg = {.nprocs = p};
            if (gort_init(&cfg) != 0 || gort_main(bench_main, (void *)(intptr_t)p) != 0)
                return 1;
            gort_fini();
            o[r] = elapsed[p];
            snprintf(args, sizeof(args), "%ld %u", work, p);
            if (have_go && bench_go("fanout", args, &g[ng], 1) == 1)
                ng++;
            else
                have_go = false;
        }
        ours[p] = bench_median(o, ROUNDS);
        go[p] = ng == ROUNDS ? bench_median(g, ng) : NAN;
    }
    for (unsigned p = 1; p <= ncpu; p++) {
        double os = ours[1] / ours[p], gs = go[1] / go[p];
        snprintf(name, sizeof(name), "fanout-P%u", p);
        if (isnan(gs))
            printf("bench %s: ours speedup %.3f (%.3f s), go n/a\n", name, os, ours[p]);
        else
            printf("bench %s: ours speedup %.3f (%.3f s), go speedup %.3f (%.3f s), "
                   "ratio %.3f\n",
                   name, os, ours[p], gs, go[p], os / gs);
    }
    bench_repro(argc, argv);
    return 0;
}
