/*
 * fuzz_lesson.c — libFuzzer target for the lesson parser and evaluator.
 *
 * Lesson files come from teachers and from the network (a shared lesson is
 * a file someone downloaded): the parser must reject any input with a
 * message, never crash, read out of bounds or leak. Each input is parsed as
 * a lesson; when it parses, every expectation is evaluated against figures
 * derived from the input's bytes (some missing, some zero, some huge) and
 * judged as the screen would, and the settings are folded over every step.
 * The same bytes are also parsed as a single expression, in both grammars.
 *
 *   CC=clang ./configure --enable-fuzzing && make tests/fuzz/fuzz_lesson
 *   tests/fuzz/fuzz_lesson -max_total_time=60 -dict=tests/fuzz/lesson.dict \
 *       tests/fuzz/corpus/lesson
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/lesson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_figs {
    const uint8_t *data;
    size_t size;
};

static int fuzz_lookup(void *ctx, enum lesson_model model, enum lesson_metric metric,
                       double *out)
{
    const struct fuzz_figs *f = ctx;
    size_t i = ((size_t)model * LESSON_NMETRICS + (size_t)metric) % (f->size ? f->size : 1);
    uint8_t b = f->size ? f->data[i] : 0;
    switch (b & 7) {
    case 0: return -ENOENT;
    case 1: *out = 0; return 0;
    case 2: *out = 1e300; return 0;
    case 3: *out = -(double)b; return 0;
    case 4: *out = NAN; return 0;
    default: *out = (double)b / 7.0; return 0;
    }
}

static void fuzz_metric(void *ctx, enum lesson_model m, enum lesson_metric metric)
{
    (void)ctx;
    if ((unsigned)m > LESSON_MACHINE || (unsigned)metric >= LESSON_NMETRICS)
        abort();
}

static void fuzz_expr(const struct lesson_expr *e, struct fuzz_figs *f)
{
    double a, b;
    bool holds;
    int r = lesson_eval_sides(e, fuzz_lookup, f, &a, &b, &holds);
    if (r != 0 && r != -ENOENT && r != -EDOM && r != -ERANGE)
        abort();
    if (r == 0 && (!isfinite(a) || !isfinite(b)))
        abort();
    lesson_expr_metrics(e, fuzz_metric, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_figs figs = { data, size };
    char err[512];
    struct lesson *l = NULL;

    if (lesson_parse((const char *)data, size, "fuzz.lesson", &l, err, sizeof(err)) == 0) {
        if (l->nsteps == 0 || l->title == NULL || l->summary == NULL)
            abort();
        struct lesson_settings base = { .settle_ns = LESSON_SETTLE_DEFAULT_NS }, eff;
        for (size_t i = 0; i < l->nsteps; i++) {
            const struct lesson_step *s = &l->steps[i];
            if (i > 0 && s->at_ns <= l->steps[i - 1].at_ns)
                abort();
            lesson_effective(l, i, &base, &eff);
            if (eff.nmodels < 0 || eff.nmodels > LESSON_NMODELS)
                abort();
            for (size_t k = 0; k < s->nexpects; k++) {
                fuzz_expr(s->expects[k].expr, &figs);
                if (s->expects[k].needs)
                    fuzz_expr(s->expects[k].needs, &figs);
                struct lesson_judgement j;
                enum lesson_verdict v = lesson_judge(&s->expects[k], fuzz_lookup, &figs,
                                                     size * 100000000ull, eff.settle_ns, &j);
                if (v != j.verdict || memchr(j.why, '\0', sizeof(j.why)) == NULL)
                    abort();
                if ((v == LESSON_PENDING || v == LESSON_SKIPPED) && j.why[0] == '\0')
                    abort();
            }
            if (lesson_step_at(l, s->at_ns) != (long)i)
                abort();
        }
        if (l->duration_ns <= l->steps[l->nsteps - 1].at_ns)
            abort();
        lesson_free(l);
    } else if (strncmp(err, "fuzz.lesson:", 12) != 0) {
        abort();                        /* every error names FILE:LINE:COL */
    }

    /* The same bytes as one expression, if they are a C string. */
    if (size < 4096 && memchr(data, 0, size) == NULL) {
        char *s = malloc(size + 1);
        if (s == NULL)
            return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        for (int machine = 0; machine < 2; machine++) {
            struct lesson_expr *e;
            if (lesson_expr_parse(s, machine, &e, err, sizeof(err)) == 0) {
                fuzz_expr(e, &figs);
                lesson_expr_free(e);
            }
        }
        free(s);
    }
    return 0;
}
