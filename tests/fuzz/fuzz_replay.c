/*
 * fuzz_replay.c — libFuzzer target for --replay: the sample-file loader, and
 * the screen and comparison table it feeds.
 *
 * A sample file is whatever a user was sent: the loader must turn any input
 * into a replay the views can draw, or into a FILE:LINE:COL message. The JSON
 * tokenizer has its own target (fuzz_json); this one starts from real --json
 * files, so mutations reach the loader's checks of each member. When an input
 * loads, the replay's invariants are checked, its samples go through the ui
 * as app.c plays them (first and last drawn as text), and the last sample's
 * models through the comparison table (the c key).
 *
 *   CC=clang ./configure --enable-fuzzing && make tests/fuzz/fuzz_replay
 *   tests/fuzz/fuzz_replay -max_total_time=60 -dict=tests/fuzz/replay.dict \
 *       tests/fuzz/corpus/replay
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/replay.h"
#include "report/report.h"
#include "ui/ui.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Drawing is the slow part: enough samples for the history ring to turn over once. */
#define FUZZ_SAMPLES_DRAWN 12

static void fuzz_check(const struct replay *rp)
{
    int n = replay_count(rp);
    if (n < 1 || replay_time(rp, 0) != 0)
        abort();
    for (int i = 0; i < n; i++) {
        const struct sample *s = replay_sample(rp, i);
        double t = replay_time(rp, i);
        if (!isfinite(t) || t < 0 || (i > 0 && t < replay_time(rp, i - 1)))
            abort();
        if (s->m.ncpu < 0 || s->m.ncpu > 4096 || s->m.cpu == NULL || s->ntree < 0)
            abort();
        for (int k = 0; k < s->ntree; k++) {
            const struct sample_tree *tr = &s->trees[k];
            if (tr->nproc < 0 || tr->ntask < 0 || tr->procs == NULL || tr->tasks == NULL ||
                tr->cpu_on_core == NULL || memchr(tr->label, 0, sizeof(tr->label)) == NULL)
                abort();
        }
        int nm = replay_nmodels(rp, i);
        if (nm < 0 || nm > RUN_MAX_MODELS)
            abort();
        for (int k = 0; k < nm; k++) {
            const struct run_figs *f = replay_figs(rp, i, k);
            if (f->name == NULL || f->ncpu < 0 || (size_t)f->ncpu > ARRAY_SIZE(f->on_core))
                abort();
        }
    }
}

static void fuzz_draw(const struct replay *rp)
{
    struct ui_opts uo = { .no_color = true, .ascii = true, .interval_ns = 100000000 };
    struct ui *ui;
    char *text;
    int n = replay_count(rp);
    if (ui_new(&uo, &ui) < 0)
        abort();
    for (int i = 0; i < n && i < FUZZ_SAMPLES_DRAWN; i++) {
        int at = i + 1 < FUZZ_SAMPLES_DRAWN ? i : n - 1;
        ui_set_sample(ui, replay_sample(rp, at), i == 0 ? replay_caps(rp) : NULL);
        if (i == 0 || at == n - 1) {
            if (ui_render_text(ui, 100, 30, &text) < 0)
                abort();
            free(text);
        }
    }
    ui_free(ui);

    struct report_cmp m[RUN_MAX_MODELS];
    int nm = replay_nmodels(rp, n - 1);
    memset(m, 0, sizeof(m));
    for (int i = 0; i < nm; i++)
        m[i].f = replay_figs(rp, n - 1, i);
    if (nm > 0)
        free(report_compare(m, nm));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct replay *rp;
    char err[512];
    if (replay_parse((const char *)data, size, "fuzz.json", &rp, err, sizeof(err)) < 0) {
        if (rp != NULL || strncmp(err, "fuzz.json:", 10) != 0)
            abort();                    /* every error names FILE:LINE:COL */
        return 0;
    }
    fuzz_check(rp);
    fuzz_draw(rp);
    replay_free(rp);
    return 0;
}
