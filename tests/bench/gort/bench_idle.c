/*
 * bench_idle.c — N goroutines (default 1,000,000) blocked on one channel: resident memory per
 * goroutine (RSS growth / N) and the mappings it took (against vm.max_map_count), against
 * idle.go. Then the channel is closed and all of them exit.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"
#include "gort/gort.h"

static long n = 1000000;
static double ours_bytes;
static long maps_before, maps_during;
static struct gort_waitgroup up = GORT_WAITGROUP_INIT, down = GORT_WAITGROUP_INIT;

static void waiter(void *arg)
{
    gort_wg_done(&up);
    gort_chan_recv(arg, NULL);
    gort_wg_done(&down);
}

static void bench_main(void *arg)
{
    struct gort_chan *c = gort_chan_new(0, 0);
    uint64_t rss0;

    (void)arg;
    gort_sleep_ns(1000 * 1000);
    rss0 = bench_rss();
    maps_before = bench_maps();
    gort_wg_add(&up, n);
    gort_wg_add(&down, n);
    for (long i = 0; i < n; i++)
        gort_spawn(waiter, c);
    gort_wg_wait(&up);
    gort_sleep_ns(10 * 1000 * 1000);
    ours_bytes = (double)(bench_rss() - rss0) / (double)n;
    maps_during = bench_maps();
    gort_chan_close(c);
    gort_wg_wait(&down);
    gort_chan_free(c);
}

int main(int argc, char **argv)
{
    struct gort_config cfg = {0};
    char args[64];
    double go = NAN;
    long max_map = -1;
    FILE *f;

    if (argc > 1)
        n = atol(argv[1]);
    cfg.max_goroutines = (size_t)n + 1024;
    if (gort_init(&cfg) != 0 || gort_main(bench_main, NULL) != 0)
        return 1;
    gort_fini();
    snprintf(args, sizeof(args), "%ld", n);
    if (bench_go("idle", args, &go, 1) != 1)
        go = NAN;
    if ((f = fopen("/proc/sys/vm/max_map_count", "r")) != NULL) {
        if (fscanf(f, "%ld", &max_map) != 1)
            max_map = -1;
        fclose(f);
    }
    bench_line("idle", ours_bytes / 1024.0, isnan(go) ? go : go / 1024.0, "KiB/goroutine");
    printf("# idle: %ld goroutines; mappings %ld before, %ld while blocked "
           "(vm.max_map_count %ld)\n",
           n, maps_before, maps_during, max_map);
    bench_repro(argc, argv);
    return 0;
}
