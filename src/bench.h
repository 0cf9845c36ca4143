/*
 * bench.h — `schedwatch bench`: what one task costs in each model, measured
 * on this machine: creating one (spawn workload), switching between two
 * (pingpong round trip), and keeping one alive while it waits (memory per
 * idle task, blocked on a socket).
 */
#ifndef SW_BENCH_H
#define SW_BENCH_H

/* argv[0] is "bench". Returns the exit status. */
int bench_main(int argc, char **argv);

#endif
