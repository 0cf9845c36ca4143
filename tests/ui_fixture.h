/*
 * ui_fixture.h — hand-built samples for the ui tests (check_view) and the
 * pty harness's own test program (tui_demo). The figures are chosen to be
 * recognisable in a text dump, not measured: they never reach the real binary.
 */
#ifndef SW_TESTS_UI_FIXTURE_H
#define SW_TESTS_UI_FIXTURE_H

#include <stdbool.h>

#include "run/run.h"
#include "sample/sample.h"
#include "ui/panels.h"

struct ui_fixture {
    struct sample s;
    struct sample_caps caps;
};

/* ncpu cores (core i is (10 * i) % 101 percent busy), one tree per entry of
 * ntasks[] (ntree of them: a process "fixproc" with threads "worker-N"),
 * pressure readable or not. seq numbers the sample (dt = 0 when seq == 1). */
void ui_fixture_init(struct ui_fixture *f, int ncpu, int ntree, const int *ntasks, bool psi_ok,
                     unsigned seq);
void ui_fixture_free(struct ui_fixture *f);

/* Hand-built model figures: kind, workload and index i (pid 5001 + i, memory
 * 10 MiB x (i + 1)); cpu: 8 tasks, 2 running, 6 ready; io: 8 in I/O at
 * 380 req/s, p50 20.5 ms, p99 31 ms. */
#define UI_FIXTURE_PID0 5001        /* model hosts' pids; the --pid tree is 4000 */
void ui_fixture_figs(struct run_figs *f, enum probe_model kind, enum work_kind w, int i);

/* n models (procs, threads, loop, goroutines in that order) with their task
 * slots, as ui_set_models() takes them: split mode, 20 ms latency. */
struct ui_fixture_run {
    struct run_figs f[PANELS_MAX];
    struct probe_slot slots[PANELS_MAX][8];
    struct panels_in in;
};
void ui_fixture_run_init(struct ui_fixture_run *r, int n, enum work_kind w);

#endif
