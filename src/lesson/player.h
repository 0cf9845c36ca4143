/*
 * player.h — plays a lesson on the live models: applies each step's settings
 * to the run (live changes where run_set_* can make them, a fresh run where
 * the models, mode, slice, dataset or server change), judges every
 * expectation after each sample, and keeps what the screen and the headless
 * report show: the step, its caption, and a verdict per expectation.
 *
 * Figures. Expectations name lesson metrics (lesson_metric.c); player.c maps
 * each to a field of struct run_figs or of the sample's machine in one
 * table. In turns mode a model is judged on the figures of its last complete
 * turn (taken while it waits, state RUN_M_WAITING), never on a turn in
 * progress; until every model named has had a turn since the step's settings
 * were applied, the expectation is pending.
 *
 * Verdicts. On screen each expectation shows its live verdict. When a step
 * ends, each of its expectations is final with the verdict it had last: a
 * pending one then counts as not holding ("never judged: reason"). An
 * expectation naming a model this build does not have is skipped with that
 * reason.
 *
 * Clock. The lesson's clock stops while a step's settings are applied
 * (stopping and starting hosts), so every step keeps its length.
 *
 * Pace. --lesson-pace F multiplies every time of the lesson (step starts,
 * duration, settle, slice) by F, so tests can play lessons faster; turns
 * keep the same share of a step.
 */
#ifndef SW_LESSON_PLAYER_H
#define SW_LESSON_PLAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lesson/lesson.h"
#include "run/run.h"
#include "sample/sample.h"

struct player;
struct sampler;

struct player_mark {
    const char *text;                   /* the expectation as written */
    const char *needs_text;             /* or NULL */
    struct lesson_judgement j;          /* live (or final, once the step ended) */
    enum lesson_kind kind;              /* of its values */
};

/* Takes the lesson (freed with the player). base: the command line's run options. */
struct player *player_new(struct lesson *l, const struct run_opts *base, double pace);
void player_free(struct player *p);

/*
 * After each sample (and once before the first, with s NULL, to start the
 * first step's run): moves to the step in force, applying its settings to
 * *run (which may be replaced: a new run is started with smp; *run NULL when
 * starting failed: the error is in player_error), then judges. Returns true
 * while the lesson runs, false once it is over.
 */
bool player_tick(struct player *p, uint64_t now_ns, struct run **run, struct sampler *smp,
                 const struct sample *s);

/* Step in force (-1 before the first tick), and what the screen shows of it. */
long player_step(const struct player *p);
const struct lesson *player_lesson(const struct player *p);
double player_elapsed_s(const struct player *p);       /* into the lesson */
double player_duration_s(const struct player *p);
size_t player_nmarks(const struct player *p);
const struct player_mark *player_mark(const struct player *p, size_t i);
/* Settings the step asked for that this build cannot apply ("gomaxprocs:
 * no goroutines model"), or "". */
const char *player_note(const struct player *p);
const char *player_error(const struct player *p);

/* Headless: each step's final verdicts are printed to f as the step ends
 * (and at the end). Counts of expectations that held, failed, were skipped. */
void player_set_log(struct player *p, FILE *f);
void player_counts(const struct player *p, int *held, int *failed, int *skipped);

/* The figure a lesson metric names, from run_figs or the machine (s may be NULL
 * for model figures): 0 or -ENOENT. Exposed for tests. */
int player_metric(const struct run_figs *f, const struct sample *s,
                  enum lesson_metric m, double *out);

#endif
