/*
 * view.h — the first screen: the machine header (per-core meters with a short
 * history, load, CPU pressure, context switches, procs, memory), one task
 * table per watched process tree, the footer, the help overlay and the
 * "enlarge the terminal" notice.
 *
 * The view owns a copy of what it shows (struct view_state), filled by
 * view_update() from a sample; it never keeps pointers into a sample, which
 * the sampler reuses. Drawing is a pure function of the state and the canvas
 * size, so tests render it at any size without a terminal.
 */
#ifndef SW_UI_VIEW_H
#define SW_UI_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "sample/sample.h"
#include "ui/panels.h"
#include "ui/widgets.h"

#define VIEW_HIST 64                /* samples of history kept per core and for ctxt/s */
#define VIEW_MIN_W 40               /* below this size only the "enlarge" notice shows */
#define VIEW_MIN_H 10
#define VIEW_STATUS_MAX 256

struct player;

struct view_tree {
    struct sample_tree t;           /* procs, tasks, cpu_on_core point into the arrays below */
    int procs_cap, tasks_cap, cores_cap;
};

struct view_state {
    bool have_sample;
    uint64_t seq;
    struct sample_machine m;        /* m.cpu points to cpu[] below */
    struct sample_cpu *cpu;         /* cpu_cap entries */
    int cpu_cap;
    float *core_hist;               /* ncpu rings of VIEW_HIST busy fractions */
    float ctxt_hist[VIEW_HIST];     /* ring of ctxt/s */
    int hist_len, hist_head;        /* entries in each ring; next slot to write */

    struct view_tree *trees;        /* ntree used, tree_cap allocated */
    int ntree, tree_cap;

    struct sample_caps caps;        /* why[] strings are static: safe to keep */
    bool have_caps;

    /* The model panels (owned by the ui), the entry shown, the model in
     * focus (-1: all), and the model hosts' trees, which the panels show and
     * the --pid table therefore leaves out. */
    struct panels_state *panels;
    int shown;
    int focus;
    pid_t model_pid[PANELS_MAX];
    int nmodel_pid;
    char workload[32];              /* "" without models */
    bool goroutines;                /* the goroutines model runs: p/P keys */

    /* Interaction state, read by the drawing code. */
    bool paused;
    bool frozen;                    /* the display stands still; the runs go on */
    char frozen_at[64];             /* "06:20:01.3  -2.4 s" of the shown sample */
    bool help;
    int scroll;                     /* first task-table row shown */
    int page;                       /* task rows visible at the last draw (for PgUp/PgDn) */
    uint64_t interval_ns;
    char status[VIEW_STATUS_MAX];
    const char *theme_name;
    bool color;
    const struct player *lesson;    /* --lesson: drawn by lesson_view.c, or NULL */
};

void view_init(struct view_state *v);
void view_free(struct view_state *v);

/* Copies what the screen needs out of s (and caps, if not NULL). */
void view_update(struct view_state *v, const struct sample *s, const struct sample_caps *caps);
/* The machine part alone (m->cpu read), and a restart of its histories: a
 * frozen screen rebuilds the header of a past sample from the panels' ring. */
void view_update_machine(struct view_state *v, uint64_t seq, const struct sample_machine *m);
void view_reset_history(struct view_state *v);

/* Draws the whole screen into x->c (sized to the terminal). */
void view_draw(struct view_state *v, const struct widgets_ctx *x);

/* Moves the task table by delta rows (large values go to an end). */
void view_scroll(struct view_state *v, int delta);

#endif
