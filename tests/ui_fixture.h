/*
 * ui_fixture.h — hand-built samples for the ui tests (check_view) and the
 * pty harness's own test program (tui_demo). The figures are chosen to be
 * recognisable in a text dump, not measured: they never reach the real binary.
 */
#ifndef SW_TESTS_UI_FIXTURE_H
#define SW_TESTS_UI_FIXTURE_H

#include <stdbool.h>

#include "sample/sample.h"

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

#endif
