/*
 * panels.h — the model panels: one per model, side by side, the same rows in
 * the same order so the eye compares across (cores, run queue, tasks,
 * memory, switches, work, and one derived line that says what is happening).
 *
 * The panels draw from a history ring, not from the live figures: every
 * sample is pushed (the machine's figures, each model's struct run_figs and
 * its task states), and the screen shows one entry of the ring — the newest
 * while live, any kept one while frozen. Sparklines are the entries before
 * the shown one, so a frozen, stepped-back screen is the screen as it was.
 *
 * The ring keeps PANELS_HIST_CAP samples (5 minutes at the default 10 Hz).
 * An entry is about 9 KB (four models' figures and up to PANELS_GRID_MAX task
 * states each, four bits a task), so the ring is at most about 27 MB, touched
 * only as it fills (a MAP_NORESERVE mapping of its own; see panels.c).
 */
#ifndef SW_UI_PANELS_H
#define SW_UI_PANELS_H

#include <stdbool.h>
#include <stdint.h>

#include "probe/probe.h"
#include "run/run.h"
#include "sample/sample.h"
#include "ui/widgets.h"

#define PANELS_HIST_CAP 3000        /* samples kept for stepping back */
#define PANELS_GRID_MAX 1024        /* tasks kept one state each; past this, counts only */
#define PANELS_MAX      RUN_MAX_MODELS
#define PANELS_MIN_W    28          /* a panel narrower than this goes to the 2x2 layout */

/* One model as the app hands it over (nothing is kept of the pointers). */
struct panels_model_in {
    const struct run_figs *f;
    const struct probe_slot *slots;     /* the task slots, or NULL */
    uint32_t nslots;
};

/* The run as the app hands it over. */
struct panels_in {
    int n;
    struct panels_model_in m[PANELS_MAX];
    enum run_mode mode;
    const char *fairness;               /* run_fairness() */
    bool fair;
    double latency_ms;                  /* io: the latency server's delay */
    enum work_kind workload;
};

/* One sample in the ring. */
struct panels_entry {
    uint64_t seq;                       /* the sample's */
    uint64_t wall_ns;                   /* CLOCK_REALTIME of the sample */
    struct sample_machine m;            /* m.cpu: NULL; cores in panels_state.cpu */
    int nmodel;
    struct run_figs f[PANELS_MAX];      /* f.affinity cleared: not owned */
    uint32_t ngrid[PANELS_MAX];         /* task states kept (0: none) */
    uint8_t grid[PANELS_MAX][PANELS_GRID_MAX / 2];  /* enum probe_state, 4 bits each */
    enum run_mode mode;
    bool fair;
    char fairness[200];
    double latency_ms;
};

struct panels_state {
    struct panels_entry *ring;          /* PANELS_HIST_CAP entries, a mapping of its own */
    struct sample_cpu *cpu;             /* PANELS_HIST_CAP * ncpu, beside the ring */
    int ncpu;
    int len, head;                      /* entries kept; next slot to write */
    struct panels_in pending;           /* the models set for the next push */
    struct run_figs pending_f[PANELS_MAX];
    uint32_t pending_ngrid[PANELS_MAX];
    uint8_t pending_grid[PANELS_MAX][PANELS_GRID_MAX / 2];
    char pending_fairness[200];
    /* where each panel was drawn last, for mouse clicks */
    struct canvas_rect rect[PANELS_MAX];
    int nrect;
};

void panels_init(struct panels_state *p);
void panels_free(struct panels_state *p);

/* Copies the models' figures and task states for the next push. */
void panels_set_models(struct panels_state *p, const struct panels_in *in);
/* Pushes one entry: the machine of s and the models last set. */
void panels_push(struct panels_state *p, uint64_t seq, const struct sample_machine *m);

/* Entry k of the ring, 0 = oldest, len - 1 = newest; NULL if not kept. */
const struct panels_entry *panels_at(const struct panels_state *p, int k);
const struct sample_cpu *panels_cpu_at(const struct panels_state *p, int k);
/* The index of the entry with sample number seq, or -1. */
int panels_find(const struct panels_state *p, uint64_t seq);

/* Draws the panels of entry k in r: all of them (4 columns when each gets
 * PANELS_MIN_W, else 2x2), or only model `focus` (>= 0). */
void panels_draw(struct panels_state *p, const struct widgets_ctx *x, struct canvas_rect r,
                 int k, int focus);

/* The panel under a cell of the last draw, or -1. */
int panels_hit(const struct panels_state *p, int cx, int cy);

/* The derived "what is happening" line of one model. */
void panels_note(const struct run_figs *f, double latency_ms, char *buf, size_t len);

/* Rows a layout of n panels would like at width w (for sharing the height). */
int panels_min_rows(int n, int w, int focus);

#endif
