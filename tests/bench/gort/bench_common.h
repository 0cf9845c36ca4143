/*
 * bench_common.h — shared plumbing of the goroutine runtime's benchmarks: timing, RSS, and the
 * Go twin (tests/bench/gort/NAME.go), built offline and run in the same run when `go` exists.
 */
#ifndef SW_BENCH_GORT_COMMON_H
#define SW_BENCH_GORT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint64_t bench_now_ns(void);
/* Resident set size of this process in bytes (/proc/self/statm). */
uint64_t bench_rss(void);
/* Lines in /proc/self/maps (VMAs). */
long bench_maps(void);
/*
 * Builds NAME.go (once per process) and runs it with args; parses up to max numbers it prints
 * on its first line into out. Returns how many were read, or -1 when Go is not available or
 * the twin failed (the reason goes to stderr).
 */
int bench_go(const char *name, const char *args, double *out, int max);
/* Median of n values (sorts v). NAN for n == 0. */
double bench_median(double *v, int n);
/* Prints "bench NAME: ours X UNIT, go Y UNIT, ratio R" (or "go n/a"). */
void bench_line(const char *name, double ours, double go, const char *unit);
/*
 * Runs ours (gort_init, gort_main(fn), gort_fini; then *ours_out holds the round's figure) and
 * the Go twin alternately, three rounds each, and prints bench_line with both medians: the
 * machine is shared, and a burst of load during one side's only run would decide the ratio.
 * Returns 0, or 1 if the runtime failed to start.
 */
int bench_alternate(const char *name, const char *args, void (*fn)(void *),
                    const double *ours_out, const char *unit);
/* Prints how to reproduce: "# reproduce: argv..." and the load. */
void bench_repro(int argc, char **argv);

#endif
