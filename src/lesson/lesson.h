/*
 * lesson.h — the lesson language: scripted classroom walk-throughs.
 *
 * A lesson is a text file (data/lessons/NAME.lesson) with a title, a one-line
 * summary and timed steps. Each step changes some settings (workload, models,
 * task counts, options, fairness mode), shows a caption, and states
 * expectations about the live numbers ("expect loop.cores <= 1.1"). The
 * language is described precisely in schedwatch(1), section LESSONS.
 *
 * This module parses and checks lessons and evaluates expectations against
 * figures that the caller supplies through a lookup function; it never reads
 * /proc or runs a model itself. The player (which applies the settings to the
 * live models and draws the captions and the ✓ / ✗ marks) sits on top of it.
 *
 * Ownership: everything reachable from a struct lesson belongs to it and is
 * freed by lesson_free(). Strings are NUL-terminated, valid UTF-8.
 */
#ifndef SW_LESSON_H
#define SW_LESSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest line a lesson may have, in bytes (without the newline). */
#define LESSON_LINE_MAX 1024
/* Largest lesson file lesson_load() reads. */
#define LESSON_FILE_MAX (1024 * 1024)
/* Most steps, and most expectations in one step. */
#define LESSON_STEPS_MAX 256
#define LESSON_EXPECTS_MAX 64

/* The four models, in their order on screen; LESSON_MACHINE names the
 * whole-machine figures (machine.cores). */
enum lesson_model {
    LESSON_PROCS,
    LESSON_THREADS,
    LESSON_LOOP,
    LESSON_GOROUTINES,
    LESSON_NMODELS,
    LESSON_MACHINE = LESSON_NMODELS,
};

enum lesson_workload {
    LESSON_W_CPU,
    LESSON_W_IO,
    LESSON_W_MIXED,
    LESSON_W_LOCK,
    LESSON_W_FANOUT,
    LESSON_W_SPAWN,
    LESSON_W_PINGPONG,
    LESSON_NWORKLOADS,
};

enum lesson_mode {
    LESSON_MODE_SHARED,
    LESSON_MODE_SPLIT,
    LESSON_MODE_TURNS,
    LESSON_NMODES,
};

/* Names as written in lessons and on the command line ("goroutines", "io",
 * "turns", "machine"); NULL when out of range. */
const char *lesson_model_name(enum lesson_model m);
const char *lesson_workload_name(enum lesson_workload w);
const char *lesson_mode_name(enum lesson_mode m);

/* ---- the metric vocabulary ---------------------------------------------- */

/*
 * Every figure an expectation may name, in one table (lesson_metric.c). The
 * player maps each to a sampled figure; a figure it cannot provide yet makes
 * the lookup return -ENOENT and the expectation stays pending.
 */
enum lesson_metric {
    /* per model */
    LESSON_M_CORES,                 /* cores busy: CPU time / wall time (1.0 = one core) */
    LESSON_M_CPU_PCT,               /* the same in percent of one core (100 = one core) */
    LESSON_M_RSS,                   /* bytes: sum of RSS of the model's processes */
    LESSON_M_PSS,                   /* bytes: sum of PSS (shared pages divided) */
    LESSON_M_MEM_PER_TASK,          /* bytes: (PSS now - PSS of the idle host) / tasks */
    LESSON_M_TASKS,                 /* tasks the model runs now (may be below the ask) */
    LESSON_M_OS_THREADS,            /* OS threads of the model, all its processes */
    LESSON_M_SWITCHES_PER_S,        /* OS context switches per s (vol. + invol.) */
    LESSON_M_VCSW_PER_S,            /* voluntary OS switches per s */
    LESSON_M_IVCSW_PER_S,           /* involuntary OS switches (preemptions) per s */
    LESSON_M_RUNTIME_SWITCHES_PER_S,/* goroutine switches / loop callbacks per s */
    LESSON_M_UNITS_PER_S,           /* work units done per s (throughput) */
    LESSON_M_LATENCY_P50,           /* s: median latency of a unit (io, mixed, fanout) */
    LESSON_M_LATENCY_P99,           /* s: 99th percentile latency */
    LESSON_M_RUNQUEUE,              /* runnable work waiting: OS tasks, ready callbacks,
                                       or goroutines in run queues */
    LESSON_M_LOOP_LAG,              /* s: how late the loop's timer fires (loop only) */
    LESSON_M_CREATE_COST,           /* s: time to create one task (spawn) */
    LESSON_M_SWITCH_COST,           /* s: one switch, half a pingpong round trip */
    LESSON_M_GIL_HANDOFFS_PER_S,    /* GIL hand-offs per s (threads only) */
    LESSON_M_STEALS_PER_S,          /* work steals between Ps per s (goroutines only) */
    LESSON_M_TASKS_RUNNING,         /* tasks in each probe-board state, now */
    LESSON_M_TASKS_RUNNABLE,
    LESSON_M_TASKS_IO_WAIT,
    LESSON_M_TASKS_SYNC_WAIT,       /* waiting on a lock, a channel or the GIL */
    LESSON_M_TASKS_SLEEPING,
    /* machine-wide */
    LESSON_M_MACHINE_CORES,         /* online cores */
    LESSON_M_BUSY_CORES,            /* cores' worth of CPU busy, whole machine */
    LESSON_M_CTXT_PER_S,            /* context switches per s, whole machine */
    LESSON_M_FORKS_PER_S,           /* processes + threads created per s */
    LESSON_M_LOAD1,                 /* 1-minute load average */
    LESSON_M_PROCS_RUNNING,         /* runnable OS tasks, whole machine */
    LESSON_M_CPU_PRESSURE,          /* %: PSI cpu "some" avg10 */
    LESSON_M_MEM_TOTAL,             /* bytes of RAM */
    LESSON_M_MEM_AVAILABLE,         /* bytes available (MemAvailable) */
    LESSON_NMETRICS,
};

/* What a figure measures; numbers with units must match it. */
enum lesson_kind {
    LESSON_KIND_NUMBER,             /* a count, a rate or a ratio */
    LESSON_KIND_TIME,               /* seconds */
    LESSON_KIND_BYTES,              /* bytes */
};

struct lesson_metric_info {
    const char *name;               /* as written after the dot: "mem_per_task" */
    enum lesson_kind kind;
    const char *unit;               /* for people: "cores", "bytes", "s", "/s", ... */
    unsigned models;                /* bit (1u << model) for each model that has it;
                                       (1u << LESSON_MACHINE) for machine figures */
    const char *help;               /* one line: what it is */
};

/* The table entry of m (never NULL for m < LESSON_NMETRICS). */
const struct lesson_metric_info *lesson_metric_info(enum lesson_metric m);

/* ---- expressions ----------------------------------------------------------- */

/* A parsed comparison "LHS OP RHS" (opaque; owned by its lesson or by the
 * caller of lesson_expr_parse). */
struct lesson_expr;

/*
 * Returns the figure `metric` of `model` (LESSON_MACHINE for machine figures)
 * in the units of the table: 0, or -ENOENT when there is no data (yet).
 */
typedef int (*lesson_lookup_fn)(void *ctx, enum lesson_model model,
                                enum lesson_metric metric, double *out);

/*
 * Evaluates a comparison. *out_value gets the left side's value (what the
 * screen shows next to the mark), *out_holds whether the comparison holds.
 * Returns 0; -ENOENT when a figure has no data (the expectation is pending,
 * neither true nor false); -EDOM on division by zero; -ERANGE when a value is
 * not finite; or another negative errno from the lookup. On error the out
 * parameters are left untouched.
 */
int lesson_eval(const struct lesson_expr *e, lesson_lookup_fn lookup, void *ctx,
                double *out_value, bool *out_holds);

/* The same, giving both sides' values (either out pointer may be NULL). */
int lesson_eval_sides(const struct lesson_expr *e, lesson_lookup_fn lookup, void *ctx,
                      double *out_lhs, double *out_rhs, bool *out_holds);

/*
 * Parses one comparison from text, as after "expect". With `machine_only`,
 * metrics may only be machine figures and a bare name means machine.NAME (the
 * grammar of a "needs" clause). Errors go to err as "1:COL: message".
 * Returns 0 or -EINVAL.
 */
int lesson_expr_parse(const char *text, bool machine_only, struct lesson_expr **out,
                      char *err, size_t errlen);
void lesson_expr_free(struct lesson_expr *e);

/* What the comparison's sides measure (for formatting their values): the
 * kind of a side that names a figure or carries a unit; NUMBER otherwise. */
enum lesson_kind lesson_expr_kind(const struct lesson_expr *e);

/* Formats a value of that kind for the screen: "0.98", "45.0k", "20.0 ms",
 * "3.4 MiB". Returns buf. */
const char *lesson_fmt_value(char *buf, size_t len, double v, enum lesson_kind kind);

/* Calls fn for each metric the expression names (to sample only what is
 * needed, or to explain a pending mark). */
void lesson_expr_metrics(const struct lesson_expr *e,
                         void (*fn)(void *ctx, enum lesson_model, enum lesson_metric),
                         void *ctx);

/* ---- lessons ------------------------------------------------------------------ */

/* Bits of lesson_settings.set: which settings a step changes. */
enum {
    LESSON_SET_WORKLOAD     = 1u << 0,
    LESSON_SET_MODELS       = 1u << 1,
    LESSON_SET_TASKS        = 1u << 2,  /* see tasks_set for which models */
    LESSON_SET_GIL          = 1u << 3,
    LESSON_SET_OFFLOAD      = 1u << 4,
    LESSON_SET_GOMAXPROCS   = 1u << 5,
    LESSON_SET_MODE         = 1u << 6,
    LESSON_SET_LATENCY      = 1u << 7,
    LESSON_SET_DATA_SIZE    = 1u << 8,
    LESSON_SET_RESPONSE_SIZE = 1u << 9,
    LESSON_SET_SLICE        = 1u << 10,
    LESSON_SET_SETTLE       = 1u << 11,
};

/*
 * Settings a step applies. Only the fields whose bit is in `set` are
 * meaningful; the others keep what the previous steps (or the command line)
 * set. lesson_effective() folds the steps up to one into a full picture.
 */
struct lesson_settings {
    unsigned set;                       /* LESSON_SET_* bits */
    enum lesson_workload workload;
    int      nmodels;                   /* models to run, in the order given */
    enum lesson_model models[LESSON_NMODELS];
    unsigned tasks_set;                 /* bit (1u << model): tasks[model] is set */
    long     tasks[LESSON_NMODELS];     /* task count per model */
    bool     gil;                       /* threads: hold a global interpreter lock */
    bool     offload;                   /* loop: CPU chunks to the thread pool */
    int      gomaxprocs;                /* goroutines: Ps, 1..1024 */
    enum lesson_mode mode;
    uint64_t latency_ns;                /* io: the latency server's delay */
    uint64_t data_size;                 /* cpu: dataset bytes */
    uint64_t response_size;             /* io: response bytes */
    uint64_t slice_ns;                  /* turns: each model's slice */
    uint64_t settle_ns;                 /* expectations stay pending this long */
};

/* The default settle time, when no step sets one. */
#define LESSON_SETTLE_DEFAULT_NS (5ull * 1000000000ull)

struct lesson_expect {
    struct lesson_expr *expr;           /* the comparison; owned */
    struct lesson_expr *needs;          /* machine requirement, or NULL; owned */
    char    *text;                      /* the comparison as written (trimmed) */
    char    *needs_text;                /* the requirement as written, or NULL */
    int      line;                      /* line in the file, for messages */
};

struct lesson_step {
    uint64_t at_ns;                     /* start, from the start of the lesson */
    char    *title;                     /* text after the time, or NULL */
    int      line;                      /* line of its "at" / "after" */
    struct lesson_settings settings;
    char    *caption;                   /* lines joined by '\n', or NULL */
    size_t   nexpects;
    struct lesson_expect *expects;      /* nexpects entries */
};

struct lesson {
    char    *name;                      /* file name without directory and ".lesson" */
    char    *filename;                  /* as given to lesson_parse() */
    char    *title;
    char    *summary;                   /* one line, for --list-lessons */
    uint64_t duration_ns;               /* total length; after the last step starts */
    size_t   nsteps;                    /* at least 1 */
    struct lesson_step *steps;          /* by start time, strictly increasing */
};

/*
 * Parses a lesson. `filename` is used in messages and to name the lesson.
 * On error, err receives "FILE:LINE:COL: message" (LINE and COL from 1, COL
 * in characters) and the result is -EINVAL; *out is set only on success.
 */
int lesson_parse(const char *text, size_t len, const char *filename, struct lesson **out,
                 char *err, size_t errlen);

/* Reads and parses a file: 0, or -errno with "FILE: reason" in err, or
 * -EINVAL with a parse error. */
int lesson_load(const char *path, struct lesson **out, char *err, size_t errlen);

void lesson_free(struct lesson *l);

/* The settings in force during step i: defaults (set == 0 fields untouched
 * in `base`), then every step up to i applied in order. `base` carries what
 * the command line chose; its `set` bits are kept and extended. */
void lesson_effective(const struct lesson *l, size_t i, const struct lesson_settings *base,
                      struct lesson_settings *out);

/* Index of the step in force at time t from the lesson's start, or -1
 * before the first step. */
long lesson_step_at(const struct lesson *l, uint64_t t_ns);

/* ---- judging an expectation (what the screen marks) ------------------------- */

enum lesson_verdict {
    LESSON_PENDING,                     /* settling, or a figure has no data (yet) */
    LESSON_HOLDS,                       /* ✓ */
    LESSON_FAILS,                       /* ✗ */
    LESSON_SKIPPED,                     /* the machine does not meet its "needs" */
};

struct lesson_judgement {
    enum lesson_verdict verdict;
    double lhs, rhs;                    /* both sides, for HOLDS and FAILS */
    char why[160];                      /* for PENDING and SKIPPED: the reason, for
                                           people ("needs cores >= 4: this machine
                                           has 2"); empty otherwise */
};

/*
 * Judges expectation x at `elapsed_ns` into its step, whose settle time is
 * settle_ns (from lesson_effective()). The "needs" clause comes first (a
 * skipped expectation is shown as skipped from the start), then settling,
 * then the comparison; no data, division by zero and values that are not
 * finite leave it pending with the reason. Returns out->verdict.
 */
enum lesson_verdict lesson_judge(const struct lesson_expect *x, lesson_lookup_fn lookup,
                                 void *ctx, uint64_t elapsed_ns, uint64_t settle_ns,
                                 struct lesson_judgement *out);

/*
 * Resolves --lesson NAME|FILE to a path (caller frees *out_path): an argument
 * with a '/' or ending in ".lesson" is a file; a name is looked up as
 * PKGDATADIR/lessons/NAME.lesson, then SW_SRCDIR/data/lessons/NAME.lesson.
 * Returns 0 or -ENOENT.
 */
int lesson_find(const char *arg, char **out_path);

struct lesson_entry {
    char *name;
    char *path;
    char *summary;                      /* NULL when the file does not parse */
    char *error;                        /* the parse error then, else NULL */
};

/* Lists the lessons in the directories, in order (a name found in an
 * earlier directory hides later ones), sorted by name. Missing directories
 * are skipped. Returns 0 or -errno. */
int lesson_list_dirs(const char *const *dirs, size_t ndirs,
                     struct lesson_entry **out, size_t *out_n);
/* The same over PKGDATADIR/lessons and SW_SRCDIR/data/lessons. */
int lesson_list(struct lesson_entry **out, size_t *out_n);
void lesson_list_free(struct lesson_entry *v, size_t n);

/* Prints the --list-lessons table (name and summary, or the parse error of
 * a broken file) to out. Returns 0 or -errno. */
int lesson_list_print(FILE *out);

#endif
