/*
 * bench_switch.c — the cost of one goroutine switch: two goroutines on one P taking turns
 * with gort_yield (each yield is one switch from one goroutine to the other, through the
 * scheduler), against two ucontexts taking turns with swapcontext in the same run. A second
 * line compares with Go's runtime.Gosched (switch.go). Eleven short rounds alternate ours and
 * swapcontext; the ratio printed is the median of the per-round ratios (each pair measured
 * within a few hundred ms of each other: the machine is shared and its load drifts).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include "bench_common.h"
#include "gort/gort.h"

static long n = 400000; /* switches per round and side */
static double ours_ns;
static volatile int stop;

static void yielder(void *arg)
{
    (void)arg;
    while (!stop)
        gort_yield();
}

static void bench_main(void *arg)
{
    uint64_t t0;

    (void)arg;
    gort_spawn(yielder, NULL);
    gort_yield();
    t0 = bench_now_ns();
    for (long i = 0; i < n; i++)
        gort_yield();
    /* each of our yields is answered by one of the yielder's: 2n switches */
    ours_ns = (double)(bench_now_ns() - t0) / (2.0 * (double)n);
    stop = 1;
    gort_yield();
}

static ucontext_t uc_main, uc_other;

static void other(void)
{
    for (;;)
        swapcontext(&uc_other, &uc_main);
}

static double swapcontext_ns(void)
{
    static char stack[64 * 1024];
    uint64_t t0;

    getcontext(&uc_other);
    uc_other.uc_stack.ss_sp = stack;
    uc_other.uc_stack.ss_size = sizeof(stack);
    uc_other.uc_link = NULL;
    makecontext(&uc_other, other, 0);
    swapcontext(&uc_main, &uc_other);
    t0 = bench_now_ns();
    for (long i = 0; i < n; i++)
        swapcontext(&uc_main, &uc_other);
    return (double)(bench_now_ns() - t0) / (2.0 * (double)n);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define ROUNDS 11

int main(int argc, char **argv)
{
    struct gort_config cfg = {.nprocs = 1};
    double ours[ROUNDS], scs[ROUNDS], ratios[ROUNDS];
    char args[64];
    double go = NAN, sc;

    if (argc > 1)
        n = atol(argv[1]);
    for (int r = 0; r < ROUNDS; r++) {
        stop = 0;
        if (gort_init(&cfg) != 0 || gort_main(bench_main, NULL) != 0)
            return 1;
        gort_fini();
        ours[r] = ours_ns;
        scs[r] = swapcontext_ns();
        ratios[r] = ours[r] / scs[r];
    }
    qsort(ours, ROUNDS, sizeof(double), cmp_double);
    qsort(scs, ROUNDS, sizeof(double), cmp_double);
    qsort(ratios, ROUNDS, sizeof(double), cmp_double);
    ours_ns = ours[ROUNDS / 2];
    sc = scs[ROUNDS / 2];
    printf("bench switch: ours %.4g ns, swapcontext %.4g ns, ratio %.3f\n", ours_ns, sc,
           ratios[ROUNDS / 2]);
    snprintf(args, sizeof(args), "%ld", n);
    if (bench_go("switch", args, &go, 1) != 1)
        go = NAN;
    bench_line("switch-go", ours_ns, go, "ns");
    bench_repro(argc, argv);
    return 0;
}
