/*
 * run.c — the models under the monitor.
 *
 * One struct run holds up to four model hosts (struct run__model) and, for
 * the io and mixed workloads, the latency server. After every sample,
 * run_update() merges the two sources of each model's figures: the sampler's
 * tree (what the kernel saw: CPU, cores, OS switches, memory) and the host's
 * probe board (what the model knows: units of work, latency, loop lag,
 * runtime switches). Rates are over a window of the last RUN_WINDOW samples.
 *
 * Fairness. Four models on the same cores compete: a comparison of their
 * throughput is only fair when each has the same cores to itself.
 *   shared  every host on every core (the honest default of "everything at
 *           once", labelled not comparable);
 *   split   each host pinned (sched_setaffinity, inherited by its threads and
 *           workers) to its own equal share of the cores; when there are
 *           fewer cores than models, shares overlap and the screen says so;
 *   turns   one model at a time for turn_ns: the others are stopped with
 *           SIGSTOP to their process group (immediate, and needs nothing from
 *           a host that may be stuck in a CPU-bound callback) and keep the
 *           figures of their last turn.
 * Changes (workload, tasks, GIL, offload, mode) restart the hosts concerned:
 * a restart costs a fraction of a second and leaves no state to reconcile.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/run.h"
#include "sample/sampler.h"
#include "util.h"

#define RUN_STOP_GRACE_NS   300000000ull    /* SIGTERM, then SIGKILL */
#define RUN_WARMUP_NS       1000000000ull   /* left out of the averages after a (re)start */
#define RUN_TURN_START_MAX_NS 10000000000ull /* turns: the most start-up a turn waits out */

struct run__win {
    uint64_t t_ns;
    uint64_t units, bytes, rtsw;
    uint64_t steals, preempts, netpoll;     /* goroutines: runtime counters */
    float    cpu_pct, vcsw, ivcsw, wait;
    bool     wait_ok;
};

struct run__model {
    enum probe_model kind;
    struct model *m;                /* NULL once failed (and stopped) */
    pid_t    pid;
    struct probe_snapshot snap;
    uint64_t generation;            /* of the board, to see host restarts */
    struct run_figs figs;
    cpu_set_t aff;
    bool     pinned;
    bool     stopped;               /* SIGSTOPped: waiting for its turn */
    bool     failed;
    uint64_t since_ns;              /* start or resume: warm-up is measured from here */
    /* window: ring of the last RUN_WINDOW+1 entries, hist alongside */
    struct run__win win[RUN_WINDOW + 1];
    uint64_t (*hist)[PROBE_HIST_BUCKETS];
    int      wpos, wn;
    /* averages over the active, warmed-up time (for summaries) */
    double   acc_s, acc_cores, acc_units;
    /* and the latency histogram over the same time: in turns mode a request in flight at
     * SIGSTOP completes at SIGCONT, its latency the whole wait for the turn (seconds) */
    uint64_t acc_hist[PROBE_HIST_BUCKETS];
    /* goroutines: the runtime's block, validated (gort_probe_copy), and its totals */
    unsigned char *gort;
    struct gort_probe_totals gtot;
    bool     gort_ok;
};

struct run {
    struct run_opts o;
    struct sampler *smp;
    struct model   *latency;
    uint16_t        port;
    struct run__model mod[RUN_MAX_MODELS];
    int      n;
    int      ncpu;                  /* cores this process may use */
    int      cpus[1024];            /* their numbers */
    int      active;                /* turns: the model whose turn it is */
    uint64_t turn_start_ns;         /* SIGCONT of the active model */
    uint64_t turn_ready_ns;         /* when it was first seen running this turn; 0: not yet */
    char     fairness[200];
    bool     fair;
    char     err[256];
};

static const char *const run__mode_names[RUN_MODE_COUNT] = { "shared", "split", "turns" };

const char *run_mode_name(enum run_mode m)
{
    return (unsigned)m < RUN_MODE_COUNT ? run__mode_names[m] : "?";
}

int run_mode_parse(const char *s, enum run_mode *out)
{
    for (int i = 0; i < RUN_MODE_COUNT; i++)
        if (strcmp(s, run__mode_names[i]) == 0) {
            *out = (enum run_mode)i;
            return 0;
        }
    return -EINVAL;
}

bool run_model_available(enum probe_model k)
{
    return k == PROBE_MODEL_PROCS || k == PROBE_MODEL_THREADS || k == PROBE_MODEL_LOOP ||
           k == PROBE_MODEL_GOROUTINES;
}

const char *run_models_available(void)
{
    return "procs, threads, loop, goroutines";
}

uint32_t run_default_tasks(enum work_kind w, enum probe_model k)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    uint32_t c = ncpu > 0 ? (uint32_t)ncpu : 1;
    switch (w) {
    case WORK_CPU:      return 2 * c;       /* every core busy, with a task to spare */
    case WORK_IO:       return 100;
    case WORK_MIXED:    return 100;
    case WORK_LOCK:     return 2 * c;
    case WORK_FANOUT:   return 100;
    case WORK_SPAWN:    return c;
    case WORK_PINGPONG: return 2;           /* one pair */
    default:            return 4;
    }
}

enum run_mode run_mode_default(int ncpu)
{
    return ncpu >= 8 ? RUN_MODE_SPLIT : RUN_MODE_TURNS;
}

const char *run_mstate_name(enum run_mstate st)
{
    static const char *const names[] = { "starting", "running", "waiting its turn", "limited",
                                         "failed" };
    return (unsigned)st < ARRAY_SIZE(names) ? names[st] : "?";
}

static bool run__needs_server(enum work_kind w)
{
    return w == WORK_IO || w == WORK_MIXED;
}

/* ---- placement --------------------------------------------------------------------- */

static void run__placement(struct run *r)
{
    int n = r->n;
    for (int i = 0; i < n; i++) {
        struct run__model *rm = &r->mod[i];
        CPU_ZERO(&rm->aff);
        rm->pinned = false;
        rm->figs.ncores_allowed = r->ncpu;
    }
    switch (r->o.mode) {
    case RUN_MODE_SHARED:
        snprintf(r->fairness, sizeof(r->fairness),
                 "shared: %d model%s on the same %d cores: throughput not comparable", n,
                 n == 1 ? "" : "s", r->ncpu);
        r->fair = n <= 1;
        break;
    case RUN_MODE_SPLIT: {
        int per = r->ncpu / MAX(n, 1);
        if (per >= 1) {
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < per; c++)
                    CPU_SET(r->cpus[i * per + c], &r->mod[i].aff);
                r->mod[i].pinned = true;
                r->mod[i].figs.ncores_allowed = per;
            }
            snprintf(r->fairness, sizeof(r->fairness), "split: %d core%s per model, pinned",
                     per, per == 1 ? "" : "s");
            r->fair = true;
        } else {
            for (int i = 0; i < n; i++) {
                CPU_SET(r->cpus[i % r->ncpu], &r->mod[i].aff);
                r->mod[i].pinned = true;
                r->mod[i].figs.ncores_allowed = 1;
            }
            snprintf(r->fairness, sizeof(r->fairness),
                     "split: %d models on %d cores: models share cores, not comparable "
                     "(use turns)", n, r->ncpu);
            r->fair = false;
        }
        break;
    }
    case RUN_MODE_TURNS:
    default:
        snprintf(r->fairness, sizeof(r->fairness),
                 "turns: %.3g s each, one model at a time on all %d cores",
                 r->o.turn_ns / 1e9, r->ncpu);
        r->fair = true;
        break;
    }
}

/* ---- hosts ------------------------------------------------------------------------- */

static void run__signal(struct run__model *rm, int sig)
{
    if (rm->m != NULL && rm->pid > 0)
        kill(-rm->pid, sig);
}

static void run__reset_window(struct run__model *rm)
{
    rm->wn = 0;
    rm->wpos = 0;
    rm->since_ns = util_now_ns();
}

static int run__start_latency(struct run *r)
{
    if (r->latency != NULL || !run__needs_server(r->o.workload))
        return 0;
    /* Its own session: with autogroup scheduling (Linux's default) a session
     * shares the CPU as one, so a model's thousand runnable tasks cannot
     * starve the one thread that answers them and inflate every latency. */
    struct model_spec spec = { .kind = PROBE_MODEL_LATENCY, .quiet = true,
                               .own_session = true };
    work_params_default(&spec.work);
    spec.work.kind = r->o.workload;
    spec.work.resp_size = r->o.resp_size;
    spec.latency_ns = r->o.latency_ns;
    int rc = model_start(&spec, &r->latency, r->err, sizeof(r->err));
    if (rc < 0)
        return rc;
    r->port = model_port(r->latency);
    rc = model_wait_ready(r->latency, 5000000000ull);
    if (rc < 0) {
        snprintf(r->err, sizeof(r->err), "latency server did not start: %s",
                 model_failure(r->latency) ? model_failure(r->latency) : strerror(-rc));
        model_stop(r->latency, RUN_STOP_GRACE_NS);
        r->latency = NULL;
        return rc;
    }
    return 0;
}

static void run__stop_latency(struct run *r)
{
    if (r->latency != NULL) {
        model_stop(r->latency, RUN_STOP_GRACE_NS);
        r->latency = NULL;
    }
}

static int run__start_model(struct run *r, struct run__model *rm)
{
    /* quiet: a host's messages would garble the screen; its board's status
     * text carries them instead. own_session: with autogroup scheduling the
     * kernel shares the CPU between sessions first, so a model's thousands of
     * runnable threads cannot starve the monitor (in the monitor's session,
     * 2,600 CPU-bound threads kept it off the CPU for 40 s). */
    struct model_spec spec = { .kind = rm->kind, .quiet = true, .own_session = true };
    work_params_default(&spec.work);
    spec.work.kind = r->o.workload;
    spec.work.ntasks = r->o.ntasks[rm->kind];
    if (r->o.data_size)
        spec.work.data_size = r->o.data_size;
    spec.work.resp_size = r->o.resp_size;
    spec.work.port = r->port;
    spec.gil = r->o.gil;
    spec.offload = r->o.offload;
    if (rm->kind == PROBE_MODEL_GOROUTINES)
        spec.procs = r->o.gomaxprocs;
    spec.affinity = rm->pinned ? &rm->aff : NULL;

    char err[256];
    struct model *m;
    int rc = model_start(&spec, &m, err, sizeof(err));
    memset(&rm->figs, 0, sizeof(rm->figs));
    rm->figs.kind = rm->kind;
    rm->figs.name = probe_model_name(rm->kind);
    rm->figs.asked = spec.work.ntasks;
    rm->figs.workload = r->o.workload;
    rm->figs.ncores_allowed = rm->pinned ? CPU_COUNT(&rm->aff) : r->ncpu;
    rm->figs.affinity = rm->pinned ? &rm->aff : NULL;
    run__reset_window(rm);
    rm->acc_s = rm->acc_cores = rm->acc_units = 0;
    memset(rm->acc_hist, 0, sizeof(rm->acc_hist));
    if (rc < 0) {
        rm->m = NULL;
        rm->pid = 0;
        rm->failed = true;
        rm->figs.state = RUN_M_FAILED;
        snprintf(rm->figs.text, sizeof(rm->figs.text), "%.*s", (int)sizeof(rm->figs.text) - 1, err);
        return rc;
    }
    rm->m = m;
    rm->pid = model_pid(m);
    rm->failed = false;
    rm->stopped = false;
    rm->figs.pid = rm->pid;
    rm->figs.state = RUN_M_STARTING;
    rm->generation = 0;
    probe_snapshot_free(&rm->snap);
    probe_snapshot_init(&rm->snap, model_nslots(m));
    /* The sampler follows the host's tree: its workers and threads. */
    sampler_watch(r->smp, rm->pid, rm->figs.name);
    return 0;
}

static void run__stop_model(struct run *r, struct run__model *rm)
{
    if (rm->m == NULL)
        return;
    sampler_unwatch(r->smp, rm->pid);
    if (rm->stopped)
        run__signal(rm, SIGCONT);   /* a stopped host cannot act on SIGTERM */
    model_stop(rm->m, RUN_STOP_GRACE_NS);
    rm->m = NULL;
    rm->stopped = false;
}

/* Turns: stop every model but the active one. */
static void run__apply_turns(struct run *r)
{
    for (int i = 0; i < r->n; i++) {
        struct run__model *rm = &r->mod[i];
        bool want_stopped = r->o.mode == RUN_MODE_TURNS && i != r->active && r->n > 1;
        if (rm->m == NULL || want_stopped == rm->stopped)
            continue;
        run__signal(rm, want_stopped ? SIGSTOP : SIGCONT);
        rm->stopped = want_stopped;
        if (!want_stopped)
            run__reset_window(rm);
    }
    r->turn_start_ns = util_now_ns();
    r->turn_ready_ns = 0;
}

static int run__start_all(struct run *r)
{
    int rc = run__start_latency(r);
    if (rc < 0)
        return rc;
    run__placement(r);
    int started = 0;
    for (int i = 0; i < r->n; i++)
        if (run__start_model(r, &r->mod[i]) == 0)
            started++;
    if (started == 0) {
        snprintf(r->err, sizeof(r->err), "%s", r->mod[0].figs.text);
        return -EAGAIN;
    }
    r->active = 0;
    run__apply_turns(r);
    return 0;
}

static void run__stop_all(struct run *r)
{
    for (int i = 0; i < r->n; i++)
        run__stop_model(r, &r->mod[i]);
    run__stop_latency(r);
}

int run_start(const struct run_opts *o, struct sampler *smp, struct run **out, char *err,
              size_t errlen)
{
    struct run *r = xcalloc(1, sizeof(*r));
    r->o = *o;
    r->smp = smp;
    if (r->o.turn_ns == 0)
        r->o.turn_ns = 5000000000ull;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        for (int c = 0; c < CPU_SETSIZE && r->ncpu < (int)ARRAY_SIZE(r->cpus); c++)
            if (CPU_ISSET(c, &set))
                r->cpus[r->ncpu++] = c;
    }
    if (r->ncpu == 0) {
        r->cpus[0] = 0;
        r->ncpu = 1;
    }
    /* Not fatal: without it, orphans go to PID 1 and model_stop waits out its bound. */
    models_adopt_orphans();
    r->n = o->nmodels;
    for (int i = 0; i < r->n; i++) {
        r->mod[i].kind = o->models[i];
        r->mod[i].hist = xcalloc(RUN_WINDOW + 1, sizeof(*r->mod[i].hist));
    }
    int rc = run__start_all(r);
    if (rc < 0) {
        snprintf(err, errlen, "%s", r->err);
        run_stop(r);
        return rc;
    }
    *out = r;
    return 0;
}

void run_stop(struct run *r)
{
    if (r == NULL)
        return;
    run__stop_all(r);
    for (int i = 0; i < r->n; i++) {
        probe_snapshot_free(&r->mod[i].snap);
        free(r->mod[i].hist);
        free(r->mod[i].gort);
    }
    free(r);
}

void run_reap(struct run *r)
{
    for (int i = 0; i < r->n; i++) {
        struct run__model *rm = &r->mod[i];
        if (rm->m == NULL || !model_poll(rm->m))
            continue;
        /* The host died: say why, make sure its workers follow it, keep going. */
        const char *why = model_failure(rm->m);
        snprintf(rm->figs.text, sizeof(rm->figs.text), "%s", why ? why : "exited");
        rm->figs.state = RUN_M_FAILED;
        rm->failed = true;
        kill(-rm->pid, SIGKILL);
        sampler_unwatch(r->smp, rm->pid);
        model_stop(rm->m, 0);
        rm->m = NULL;
        rm->stopped = false;
    }
    if (r->latency != NULL && model_poll(r->latency)) {
        const char *why = model_failure(r->latency);
        snprintf(r->err, sizeof(r->err), "the latency server died (%s): I/O tasks stall",
                 why ? why : "exited");
        model_stop(r->latency, 0);
        r->latency = NULL;
    }
    pid_t keep[RUN_MAX_MODELS + 1];
    int nkeep = 0;
    for (int i = 0; i < r->n; i++)
        if (r->mod[i].m != NULL)
            keep[nkeep++] = r->mod[i].pid;
    if (r->latency != NULL)
        keep[nkeep++] = model_pid(r->latency);
    models_reap_orphans(keep, nkeep);
}

/* ---- figures ------------------------------------------------------------------------ */

static const struct sample_tree *run__tree(const struct sample *s, pid_t pid)
{
    for (int i = 0; i < s->ntree; i++)
        if (s->trees[i].root == pid)
            return &s->trees[i];
    return NULL;
}

/* Runtime switches and queue as the model counts them. */
static void run__runtime(struct run__model *rm, uint64_t *rtsw, const char **what,
                         double *queue, bool *queue_ok)
{
    const struct probe_snapshot *p = &rm->snap;
    *rtsw = 0;
    *what = NULL;
    *queue = 0;
    *queue_ok = false;
    switch (rm->kind) {
    case PROBE_MODEL_LOOP:
        *rtsw = p->loop_callbacks;
        *what = "callbacks";
        *queue = (double)p->loop_ready;
        *queue_ok = true;
        break;
    case PROBE_MODEL_THREADS:
        if (p->flags & PROBE_F_GIL) {
            *rtsw = p->gil_handoffs;
            *what = "GIL hand-offs";
        }
        break;
    case PROBE_MODEL_GOROUTINES: {
        if (!rm->gort_ok)
            break;
        const struct gort_probe_hdr *gh = gort_probe_hdr(rm->gort);
        *rtsw = rm->gtot.switches;
        *what = "G switches";
        /* runnable Gs: the global queue, every P's local queue and runnext */
        double q = (double)gh->globrunq;
        for (uint32_t i = 0; i < gh->gomaxprocs && i < gh->max_p; i++) {
            const struct gort_probe_p *pr = gort_probe_prow(rm->gort, i);
            q += pr->runq_len + (pr->runnext != 0);
        }
        *queue = q;
        *queue_ok = true;
        break;
    }
    default:
        break;
    }
}

/* goroutines: the runtime's gauges, as of this snapshot */
static void run__go_figures(struct run__model *rm)
{
    struct run_figs *f = &rm->figs;
    f->go_ok = rm->gort_ok;
    if (!rm->gort_ok)
        return;
    const struct gort_probe_hdr *gh = gort_probe_hdr(rm->gort);
    f->go_procs = (int)MIN(gh->gomaxprocs, (uint32_t)RUN_GO_MAX_P);
    for (int i = 0; i < RUN_GO_MAX_P; i++) {
        const struct gort_probe_p *pr = gort_probe_prow(rm->gort, (uint32_t)i);
        bool live = i < f->go_procs && (uint32_t)i < gh->max_p;
        f->go_runq[i] = live ? pr->runq_len : 0;
        f->go_runnext[i] = live && pr->runnext != 0;
        f->go_p_m[i] = live ? pr->m : -1;
        f->go_on_p[i] = 0;
    }
    for (uint32_t i = 0; i < gh->nslots; i++) {
        const struct gort_probe_g *g = gort_probe_grow(rm->gort, i);
        if (g->gid != 0 && g->state != GORT_PG_IDLE && g->state != GORT_PG_DEAD &&
            g->p >= 0 && g->p < RUN_GO_MAX_P)
            f->go_on_p[g->p]++;
    }
    f->go_on_p_n = 0;
    for (int i = 0; i < RUN_GO_MAX_P; i++)
        f->go_on_p_n += f->go_on_p[i];
    f->go_live = rm->gtot.gstate[GORT_PG_RUNNABLE] + rm->gtot.gstate[GORT_PG_RUNNING] +
                 rm->gtot.gstate[GORT_PG_WAITING] + rm->gtot.gstate[GORT_PG_SYSCALL];
    f->go_globrunq = gh->globrunq;
    f->go_ms_running = (int)rm->gtot.ms_running;
    f->go_ms_spinning = (int)rm->gtot.ms_spinning;
    f->go_ms_idle = (int)rm->gtot.ms_idle;
    f->go_ms_syscall = (int)rm->gtot.ms_syscall;
    for (int k = 0; k < GORT_PG_NSTATES; k++)
        f->go_gs[k] = rm->gtot.gstate[k];
}

static void run__window_push(struct run__model *rm, const struct run__win *w)
{
    rm->win[rm->wpos] = *w;
    memcpy(rm->hist[rm->wpos], rm->snap.hist, sizeof(rm->snap.hist));
    rm->wpos = (rm->wpos + 1) % (RUN_WINDOW + 1);
    if (rm->wn < RUN_WINDOW + 1)
        rm->wn++;
}

/* Entry k back from the newest (0 = newest). */
static int run__widx(const struct run__model *rm, int k)
{
    return (rm->wpos - 1 - k + 2 * (RUN_WINDOW + 1)) % (RUN_WINDOW + 1);
}

/* acc += newer - older, bucket by bucket (a restarted board may read lower: 0); returns
 * the requests added. */
static uint64_t run__hist_add(uint64_t *acc, const uint64_t *newer, const uint64_t *older)
{
    uint64_t added = 0;
    for (unsigned b = 0; b < PROBE_HIST_BUCKETS; b++)
        if (newer[b] > older[b]) {
            acc[b] += newer[b] - older[b];
            added += newer[b] - older[b];
        }
    return added;
}

static void run__figures(struct run *r, struct run__model *rm, const struct sample *s)
{
    struct run_figs *f = &rm->figs;
    const struct sample_tree *t = run__tree(s, rm->pid);
    if (model_snapshot(rm->m, &rm->snap) < 0 || t == NULL)
        return;
    const struct probe_snapshot *p = &rm->snap;
    if (p->generation != rm->generation) {
        rm->generation = p->generation;
        run__reset_window(rm);
    }
    if (rm->kind == PROBE_MODEL_GOROUTINES) {
        if (rm->gort == NULL)
            rm->gort = xmalloc(PROBE_GORT_BYTES);
        rm->gort_ok = gort_probe_copy(rm->gort, PROBE_GORT_BYTES, p->gort,
                                      PROBE_GORT_BYTES) == 0;
        if (rm->gort_ok)
            gort_probe_totals(rm->gort, &rm->gtot);
        else
            memset(&rm->gtot, 0, sizeof(rm->gtot));
    }

    switch (p->status) {
    case PROBE_STATUS_STARTING: f->state = RUN_M_STARTING; break;
    case PROBE_STATUS_LIMITED: f->state = RUN_M_LIMITED; break;
    case PROBE_STATUS_FAILED: f->state = RUN_M_FAILED; break;
    default: f->state = RUN_M_RUNNING; break;
    }
    if (p->status == PROBE_STATUS_LIMITED || p->status == PROBE_STATUS_FAILED)
        snprintf(f->text, sizeof(f->text), "%s", p->status_text);
    else
        f->text[0] = '\0';
    f->t_ns = s->m.t_ns;
    f->ntasks = p->ntasks;
    f->asked = p->asked;
    f->workload = (enum work_kind)p->workload;
    f->gil = p->flags & PROBE_F_GIL;
    f->offload = p->flags & PROBE_F_OFFLOAD;
    f->units = p->units;
    for (int k = 0; k < PROBE_ST_COUNT; k++)
        f->state_count[k] = p->state_count[k];

    /* the kernel's view */
    struct run__win w = {
        .t_ns = s->m.t_ns, .units = p->units, .bytes = p->bytes,
        .cpu_pct = t->cpu_pct, .vcsw = t->vcsw_per_s, .ivcsw = t->ivcsw_per_s,
        .wait = t->wait_pct, .wait_ok = false,
    };
    for (int i = 0; i < t->ntask; i++)
        if (t->tasks[i].wait_ok)
            w.wait_ok = true;
    w.steals = rm->gtot.steals;
    w.preempts = rm->gtot.preemptions;
    w.netpoll = rm->gtot.netpoll_wakes;
    const char *what;
    run__runtime(rm, &w.rtsw, &what, &f->rt_queue, &f->rt_queue_ok);
    f->rt_switch_what = what;
    run__window_push(rm, &w);

    f->os_tasks = t->ntask;
    f->os_running = t->nr_running;
    /* The page walk's Rss where we have it: stat's is short by up to 32 pages a CPU,
     * which made 4 threads' stacks read "0 B" a task. The walk is slower to come
     * (sampler.c), so it counts only once taken in this run of the model. */
    uint64_t walked = UINT64_MAX;
    for (int i = 0; i < t->nproc; i++)
        walked = MIN(walked, t->procs[i].mem_t_ns);
    bool walk_ok = t->pss_ok && t->nproc > 0 && walked >= p->start_ns;
    f->rss = t->pss_ok ? t->rss_walk : t->rss;
    f->pss = t->pss;
    f->pss_ok = t->pss_ok;
    f->vsize = 0;
    for (int i = 0; i < t->nproc; i++)
        f->vsize += t->procs[i].vsize;
    f->ncpu = MIN(s->m.ncpu, (int)ARRAY_SIZE(f->on_core));
    for (int c = 0; c < f->ncpu; c++)
        f->on_core[c] = t->cpu_on_core != NULL ? t->cpu_on_core[c] / 100.0f : 0;

    bool procs = rm->kind == PROBE_MODEL_PROCS;
    uint64_t mem = !walk_ok ? t->rss : procs ? t->pss : t->rss_walk;
    uint64_t base = walk_ok && procs ? p->base_pss : p->base_rss;
    f->mem_per_task_ok = p->ntasks > 0 && base > 0 && p->status != PROBE_STATUS_STARTING &&
                         (walk_ok || !t->pss_ok);
    f->mem_per_task = f->mem_per_task_ok
        ? ((double)mem - (double)base) / p->ntasks : 0;
    if (f->mem_per_task < 0)
        f->mem_per_task = 0;

    /* window averages */
    int n = rm->wn;
    const struct run__win *nw = &rm->win[run__widx(rm, 0)];
    const struct run__win *ow = &rm->win[run__widx(rm, n - 1)];
    double cpu = 0, vc = 0, ivc = 0, wait = 0;
    for (int k = 0; k < n; k++) {
        const struct run__win *e = &rm->win[run__widx(rm, k)];
        cpu += e->cpu_pct;
        vc += e->vcsw;
        ivc += e->ivcsw;
        wait += e->wait;
    }
    f->cores = (float)(cpu / n / 100.0);
    f->vcsw_per_s = (float)(vc / n);
    f->ivcsw_per_s = (float)(ivc / n);
    f->rq_wait = (float)(wait / n / 100.0);
    f->rq_wait_ok = w.wait_ok;
    double dt = (nw->t_ns - ow->t_ns) / 1e9;
    if (n >= 2 && dt > 0) {
        f->units_per_s = (nw->units - ow->units) / dt;
        f->bytes_per_s = (nw->bytes - ow->bytes) / dt;
        f->rt_switch_per_s = what != NULL ? (nw->rtsw - ow->rtsw) / dt : 0;
        if (rm->kind == PROBE_MODEL_GOROUTINES) {
            f->go_switch_per_s = f->rt_switch_per_s;
            f->go_steals_per_s = (nw->steals - ow->steals) / dt;
            f->go_preempt_per_s = (nw->preempts - ow->preempts) / dt;
            f->go_netpoll_per_s = (nw->netpoll - ow->netpoll) / dt;
        }
        uint64_t d[PROBE_HIST_BUCKETS] = { 0 };
        f->lat_ok = run__hist_add(d, rm->hist[run__widx(rm, 0)], rm->hist[run__widx(rm, n - 1)]) > 0;
        f->lat_p50_ms = f->lat_ok ? probe_hist_quantile(d, 0.50) / 1e6 : 0;
        f->lat_p99_ms = f->lat_ok ? probe_hist_quantile(d, 0.99) / 1e6 : 0;
    }
    if (rm->kind == PROBE_MODEL_LOOP) {
        f->loop_ok = true;
        f->loop_lag_ms = p->loop_lag_ns / 1e6;
        double span = (s->m.t_ns - p->start_ns) / 1e9;
        f->loop_idle_pct = span > 0 ? 100.0 * (p->loop_idle_ns / 1e9) / span : 0;
    }
    if (rm->kind == PROBE_MODEL_GOROUTINES)
        run__go_figures(rm);
    if (p->spawned > 0) {
        f->create_ok = true;
        f->create_ns = (double)p->spawn_ns / p->spawned;
    }

    /* averages for the summary: active, warmed-up time only */
    if (s->m.t_ns - rm->since_ns > RUN_WARMUP_NS && s->m.dt > 0 && f->state != RUN_M_STARTING) {
        rm->acc_s += s->m.dt;
        rm->acc_cores += t->cpu_pct / 100.0 * s->m.dt;
        if (n >= 2) {
            const struct run__win *pw = &rm->win[run__widx(rm, 1)];
            rm->acc_units += (double)(nw->units - pw->units);
            run__hist_add(rm->acc_hist, rm->hist[run__widx(rm, 0)], rm->hist[run__widx(rm, 1)]);
        }
    }
}

/* A turn is turn_ns of running: a host's start-up (forking 1,000 workers and connecting
 * them) does not count, or after a restart the first model's turn would be spent starting
 * and give no figures, and every model would wait a whole round for its first. A host that
 * never gets going gives the machine up after RUN_TURN_START_MAX_NS. */
static bool run__turn_over(struct run *r)
{
    uint64_t now = util_now_ns();
    const struct run__model *am = &r->mod[r->active];
    if (r->turn_ready_ns == 0 && (am->m == NULL || am->figs.state != RUN_M_STARTING))
        r->turn_ready_ns = now;
    return r->turn_ready_ns != 0 ? now - r->turn_ready_ns >= r->o.turn_ns
                                 : now - r->turn_start_ns >= RUN_TURN_START_MAX_NS;
}

void run_update(struct run *r, const struct sample *s)
{
    run_reap(r);
    for (int i = 0; i < r->n; i++) {
        struct run__model *rm = &r->mod[i];
        if (rm->m == NULL)
            continue;
        if (rm->stopped) {
            rm->figs.state = RUN_M_WAITING;     /* figures stay those of its last turn */
            continue;
        }
        run__figures(r, rm, s);
    }
    if (r->o.mode == RUN_MODE_TURNS && r->n > 1 && run__turn_over(r)) {
        /* next live model */
        for (int k = 1; k <= r->n; k++) {
            int j = (r->active + k) % r->n;
            if (r->mod[j].m != NULL) {
                r->active = j;
                break;
            }
        }
        run__apply_turns(r);
    }
}

int run_count(const struct run *r) { return r->n; }
const struct run_figs *run_figs(const struct run *r, int i) { return &r->mod[i].figs; }
const struct run_opts *run_options(const struct run *r) { return &r->o; }
enum run_mode run_mode(const struct run *r) { return r->o.mode; }
const char *run_fairness(const struct run *r) { return r->fairness; }
bool run_fair(const struct run *r) { return r->fair; }
const char *run_error(const struct run *r) { return r->err; }

bool run_slots(const struct run *r, int i, const struct probe_slot **slots, uint32_t *n)
{
    const struct probe_snapshot *p = &r->mod[i].snap;

    *slots = NULL;
    *n = 0;
    if (r->mod[i].generation == 0 || p->slots == NULL)
        return false;
    *slots = p->slots;
    *n = MIN(p->nslots, p->slots_cap);
    return true;
}

/* Averages over the model's active, warmed-up time. */
bool run_summary(const struct run *r, int i, double *secs, double *cores, double *units_per_s)
{
    const struct run__model *rm = &r->mod[i];
    *secs = rm->acc_s;
    *cores = rm->acc_s > 0 ? rm->acc_cores / rm->acc_s : 0;
    *units_per_s = rm->acc_s > 0 ? rm->acc_units / rm->acc_s : 0;
    return rm->acc_s > 0;
}

bool run_summary_latency(const struct run *r, int i, double *p50_ms, double *p99_ms)
{
    const struct run__model *rm = &r->mod[i];
    uint64_t count = 0;
    for (unsigned b = 0; b < PROBE_HIST_BUCKETS; b++)
        count += rm->acc_hist[b];
    if (count == 0)
        return false;
    *p50_ms = probe_hist_quantile(rm->acc_hist, 0.50) / 1e6;
    *p99_ms = probe_hist_quantile(rm->acc_hist, 0.99) / 1e6;
    return true;
}

/* ---- live changes ------------------------------------------------------------------ */

static int run__restart_kind(struct run *r, enum probe_model kind)
{
    int rc = 0;
    for (int i = 0; i < r->n; i++) {
        struct run__model *rm = &r->mod[i];
        if (kind != PROBE_MODEL_NONE && rm->kind != kind)
            continue;
        run__stop_model(r, rm);
        int e = run__start_model(r, rm);
        if (e < 0) {
            snprintf(r->err, sizeof(r->err), "%s", rm->figs.text);
            rc = e;
        }
    }
    run__apply_turns(r);
    return rc;
}

int run_restart(struct run *r)
{
    r->err[0] = '\0';
    run__stop_all(r);
    return run__start_all(r);
}

int run_set_workload(struct run *r, enum work_kind w)
{
    r->o.workload = w;
    return run_restart(r);
}

int run_set_tasks(struct run *r, enum probe_model kind, uint32_t n)
{
    for (int k = 0; k < PROBE_MODEL_COUNT; k++)
        if (kind == PROBE_MODEL_NONE || kind == (enum probe_model)k)
            r->o.ntasks[k] = n;
    r->err[0] = '\0';
    return run__restart_kind(r, kind);
}

int run_set_gil(struct run *r, bool on)
{
    r->o.gil = on;
    r->err[0] = '\0';
    return run__restart_kind(r, PROBE_MODEL_THREADS);
}

int run_set_offload(struct run *r, bool on)
{
    r->o.offload = on;
    r->err[0] = '\0';
    return run__restart_kind(r, PROBE_MODEL_LOOP);
}

int run_set_procs(struct run *r, uint32_t n)
{
    int rc = -ENOENT;

    r->err[0] = '\0';
    if (n < 1 || n > MODEL_PROCS_MAX) {
        snprintf(r->err, sizeof(r->err), "GOMAXPROCS %u: choose 1 to %d", n, MODEL_PROCS_MAX);
        return -EINVAL;
    }
    for (int i = 0; i < r->n; i++) {
        struct run__model *rm = &r->mod[i];
        if (rm->kind != PROBE_MODEL_GOROUTINES || rm->m == NULL)
            continue;
        /* Live: the host calls gort_set_procs; a host stopped for turns
         * applies it when its turn comes. */
        struct model_ctl msg = { MODEL_OP_PROCS, n };
        rc = model_send(rm->m, &msg);
        if (rc < 0)
            snprintf(r->err, sizeof(r->err), "GOMAXPROCS: %s", strerror(-rc));
    }
    if (rc == -ENOENT)
        snprintf(r->err, sizeof(r->err), "GOMAXPROCS: the goroutines model is not running");
    else
        r->o.gomaxprocs = n;
    return rc;
}

int run_set_mode(struct run *r, enum run_mode m)
{
    r->o.mode = m;
    return run_restart(r);
}
