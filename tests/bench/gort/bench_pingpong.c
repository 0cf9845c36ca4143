/*
 * bench_pingpong.c — unbuffered channel round trip between two goroutines (GOMAXPROCS =
 * CPUs, as Go's default), against the same program in Go (pingpong.go).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "gort/gort.h"

static long n = 1000000;
static double ours_ns;

static void pong(void *arg)
{
    struct gort_chan **c = arg;
    long v;
    while (gort_chan_recv(c[0], &v))
        gort_chan_send(c[1], &v);
    gort_chan_close(c[1]);
}

static void bench_main(void *arg)
{
    struct gort_chan *c[2] = {gort_chan_new(sizeof(long), 0), gort_chan_new(sizeof(long), 0)};
    uint64_t t0;
    long v = 0;

    (void)arg;
    gort_spawn(pong, c);
    t0 = bench_now_ns();
    for (long i = 0; i < n; i++) {
        gort_chan_send(c[0], &i);
        gort_chan_recv(c[1], &v);
    }
    ours_ns = (double)(bench_now_ns() - t0) / (double)n;
    gort_chan_close(c[0]);
    gort_chan_recv(c[1], &v); /* pong closes its side when it sees ours closed */
    gort_chan_free(c[0]);
    gort_chan_free(c[1]);
}

int main(int argc, char **argv)
{
    char args[64];

    if (argc > 1)
        n = atol(argv[1]);
    snprintf(args, sizeof(args), "%ld", n);
    if (bench_alternate("pingpong", args, bench_main, &ours_ns, "ns") != 0)
        return 1;
    bench_repro(argc, argv);
    return 0;
}
