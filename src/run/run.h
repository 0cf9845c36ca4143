/*
 * run.h — the models running under the monitor: starting and stopping their
 * hosts and the latency server, the fairness mode, live changes, and the
 * figures the views, the headless report and the lessons read.
 *
 * Figures come from two sources merged here and nowhere else: the kernel's
 * view of the host's process tree (struct sample_tree, from the sampler) and
 * the host's own view of its tasks (its probe board). Each figure says
 * whether it carries data; a view shows "n/a" for one that does not.
 *
 * Rates and latency quantiles are over a sliding window (RUN_WINDOW samples,
 * about one second at the default interval), so a figure on screen is
 * neither one noisy interval nor a long average.
 */
#ifndef SW_RUN_H
#define SW_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "gort/gort_probe.h"
#include "models/models.h"
#include "probe/probe.h"
#include "sample/sample.h"
#include "work/work.h"

struct sampler;

#define RUN_MAX_MODELS 4
#define RUN_WINDOW     10
#define RUN_MAX_TASKS  1000000
#define RUN_GO_MAX_P   GORT_PROBE_MAX_P     /* P rows of the goroutine runtime */

enum run_mode { RUN_MODE_SHARED, RUN_MODE_SPLIT, RUN_MODE_TURNS, RUN_MODE_COUNT };

struct run_opts {
    enum probe_model models[RUN_MAX_MODELS];    /* in display order */
    int      nmodels;
    enum work_kind workload;
    uint32_t ntasks[PROBE_MODEL_COUNT];         /* tasks per model, by kind */
    bool     gil;                               /* threads: a GIL */
    bool     offload;                           /* loop: CPU chunks to the thread pool */
    enum run_mode mode;
    uint64_t turn_ns;                           /* turns: one model's slice */
    uint64_t data_size;                         /* cpu, mixed: dataset bytes */
    uint64_t latency_ns;                        /* io, mixed: the server's latency */
    uint32_t resp_size;                         /* io, mixed: response bytes */
    uint32_t gomaxprocs;                        /* goroutines: GOMAXPROCS; 0 = the cores
                                                   the model may use */
};

/* What one model is doing, as the screen shows it. */
enum run_mstate {
    RUN_M_STARTING,     /* host started, not running its tasks yet */
    RUN_M_RUNNING,
    RUN_M_WAITING,      /* turns: waiting for its turn; figures are from its last turn */
    RUN_M_LIMITED,      /* running fewer tasks than asked: see text */
    RUN_M_FAILED,       /* the host died or gave up: see text */
};

struct run_figs {
    enum probe_model kind;
    const char *name;                   /* "procs", "threads", "loop", "goroutines" */
    enum run_mstate state;
    char     text[PROBE_STATUS_MAX];    /* why LIMITED / FAILED; placement note */
    pid_t    pid;                       /* the host (and its process group) */
    uint64_t t_ns;                      /* when these figures were computed */
    uint32_t ntasks, asked;
    enum work_kind workload;
    bool     gil, offload;

    /* cores: from /proc, the host's whole tree */
    float    cores;                     /* CPU used, in cores (1.0 = one core busy) */
    int      ncpu;
    float    on_core[128];              /* per core, fraction of that core (0..1) */
    int      os_tasks;                  /* OS threads in the tree */
    int      os_running;                /* of them in state R */
    float    rq_wait;                   /* run-queue wait, in cores (sum of schedstat) */
    bool     rq_wait_ok;
    cpu_set_t *affinity;                /* not owned; NULL = every core */
    int      ncores_allowed;            /* cores the model may use in this mode */

    /* memory: from /proc */
    uint64_t rss, pss;
    bool     pss_ok;
    uint64_t vsize;
    double   mem_per_task;              /* (memory now - before tasks) / tasks, bytes;
                                           PSS for procs (shared pages shared), else RSS */
    bool     mem_per_task_ok;

    /* switches */
    float    vcsw_per_s, ivcsw_per_s;   /* OS context switches of the tree */
    double   rt_switch_per_s;           /* runtime switches (see rt_switch_what) */
    const char *rt_switch_what;         /* "G switches", "callbacks", "GIL hand-offs", NULL */

    /* run queue, as the model sees it */
    double   rt_queue;                  /* ready but not running: loop callbacks, Gs */
    bool     rt_queue_ok;
    double   loop_lag_ms;               /* loop: last timer lag */
    double   loop_idle_pct;             /* loop: share of time blocked in epoll */
    bool     loop_ok;

    /* work */
    double   units_per_s;
    double   bytes_per_s;
    double   lat_p50_ms, lat_p99_ms;
    bool     lat_ok;
    uint64_t units;                     /* since the host (re)started */
    int64_t  state_count[PROBE_ST_COUNT];

    /* costs, when the workload measures them */
    double   create_ns;                 /* spawn: creation + exit per task */
    bool     create_ok;

    /* goroutines: the runtime's own view, read from the gort block of its
     * board (src/gort/gort_probe.h). Valid when go_ok. Rates are over the
     * same window as units_per_s; queue lengths and M counts are as of now. */
    bool     go_ok;
    int      go_procs;                  /* GOMAXPROCS now (P rows in use: go_runq[0..go_procs)) */
    uint32_t go_runq[RUN_GO_MAX_P];     /* per P: local run queue length (0..256) */
    bool     go_runnext[RUN_GO_MAX_P];  /* per P: a G waits in its runnext slot */
    int      go_p_m[RUN_GO_MAX_P];      /* per P: M row holding it, -1 none (idle) */
    uint32_t go_on_p[RUN_GO_MAX_P];     /* per P: live goroutines that last ran on it, of
                                           those with a board slot */
    uint32_t go_on_p_n;                 /* goroutines counted in go_on_p */
    uint64_t go_live;                   /* live goroutines, slot or not */
    uint64_t go_globrunq;               /* global run queue length */
    double   go_steals_per_s;           /* goroutines stolen between Ps, per second */
    int      go_ms_running;             /* Ms holding a P, running Gs or the scheduler */
    int      go_ms_spinning;            /* Ms holding a P, looking for work to steal */
    int      go_ms_idle;                /* Ms parked without a P (or in the netpoller) */
    int      go_ms_syscall;             /* Ms whose G is in a blocking system call */
    double   go_switch_per_s;           /* G switches (a G started or resumed) per second;
                                           the same figure as rt_switch_per_s */
    double   go_preempt_per_s;          /* Gs that yielded at sysmon's request, per second */
    double   go_netpoll_per_s;          /* Gs readied by the netpoller, per second */
    uint64_t go_gs[GORT_PG_NSTATES];    /* goroutines per runtime state (enum gort_probe_gstate:
                                           idle, runnable, running, waiting, syscall, dead) */
};

struct run;

/* Starts the hosts (and the latency server when the workload needs one) and
 * watches them with the sampler. Returns 0 or -errno with a message in err. */
int  run_start(const struct run_opts *o, struct sampler *smp, struct run **out,
               char *err, size_t errlen);
/* After each sample: reaps hosts that died, reads the boards, computes the
 * figures, and moves turns along. */
void run_update(struct run *r, const struct sample *s);
/* Reaps children (call on SIGCHLD). */
void run_reap(struct run *r);
int  run_count(const struct run *r);
const struct run_figs *run_figs(const struct run *r, int i);
const struct run_opts *run_options(const struct run *r);
enum run_mode run_mode(const struct run *r);
/* One line that says how fair the comparison is: "turns: 5 s each, one model at a
 * time (fair)", "shared: 4 models on 2 cores (throughput not comparable)". */
const char *run_fairness(const struct run *r);
bool run_fair(const struct run *r);
/* Model i's per-task slots from its latest board snapshot (state, core, work of
 * each task that has a slot): valid until the next run_update(). false (and
 * *n = 0) before the host wrote its first generation. */
bool run_slots(const struct run *r, int i, const struct probe_slot **slots, uint32_t *n);

/* Live changes; each restarts what it must. 0 or -errno (message via run_error). */
int  run_set_workload(struct run *r, enum work_kind w);
int  run_set_tasks(struct run *r, enum probe_model kind, uint32_t n);   /* PROBE_MODEL_NONE: all */
int  run_set_gil(struct run *r, bool on);
int  run_set_offload(struct run *r, bool on);
/* GOMAXPROCS of the goroutines model, live (no restart): 1..MODEL_PROCS_MAX;
 * -EINVAL out of range, -ENOENT when the goroutines model is not running. */
int  run_set_procs(struct run *r, uint32_t n);
int  run_set_mode(struct run *r, enum run_mode m);
int  run_restart(struct run *r);
const char *run_error(const struct run *r);

/* Averages over model i's active, warmed-up time (the first second after each
 * start or turn is left out): seconds counted, cores, units per second.
 * false when no time was counted. */
bool run_summary(const struct run *r, int i, double *secs, double *cores, double *units_per_s);
/* Latency quantiles over the same active, warmed-up time as run_summary: in turns mode the
 * requests a stopped model had in flight (their latency the wait for its turn) are left out. */
bool run_summary_latency(const struct run *r, int i, double *p50_ms, double *p99_ms);

/* Stops every host and the latency server; nothing of ours is left running. */
void run_stop(struct run *r);

/* Models whose host exists in this build, and their names as one string. */
bool run_model_available(enum probe_model k);
const char *run_models_available(void);
/* Tasks per model when -n is not given: enough to show the workload's point. */
uint32_t run_default_tasks(enum work_kind w, enum probe_model k);

const char *run_mode_name(enum run_mode m);
int  run_mode_parse(const char *s, enum run_mode *out);
const char *run_mstate_name(enum run_mstate st);
/* The default mode for this machine: split with at least 8 cores, turns below. */
enum run_mode run_mode_default(int ncpu);

#endif
