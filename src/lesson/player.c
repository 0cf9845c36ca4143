/*
 * player.c — a lesson on the live models.
 *
 * The clock is the monitor's: player_tick() runs after every sample, finds
 * the step in force (lesson times x pace), applies a new step's settings,
 * and judges the step's expectations on the figures of that sample. Settings
 * map onto struct run_opts; what run_set_* changes in place (task counts,
 * the GIL, offload) is changed in place, anything else starts a fresh run,
 * because a restart costs a fraction of a second and leaves nothing stale.
 *
 * Turns. In turns mode the model on the cores is mid-turn: its window may
 * hold a second of warm-up. So each model is judged on the figures it had
 * when its turn ended — the run keeps them while the model waits — and the
 * player copies them as it sees the model waiting after having seen it run
 * under the step's settings. A model that has not finished such a turn is
 * pending ("first turn not over").
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/player.h"
#include "util.h"

struct player {
    struct lesson *l;
    struct run_opts base;
    double pace;
    uint64_t t0_ns, now_ns, step_t0_ns;
    long step;
    bool started, done;
    struct lesson_settings eff;
    struct player_mark *marks;
    size_t nmarks;
    bool ran[PROBE_MODEL_COUNT];            /* seen running under this step's settings */
    bool have_turn[PROBE_MODEL_COUNT];
    struct run_figs turn[PROBE_MODEL_COUNT];/* figures of its last complete turn */
    bool turns;                             /* judge on last turns */
    const struct run *run;                  /* for the lookup, during a tick */
    const struct sample *s;
    char note[256];
    char err[256];
    FILE *log;
    int held, failed, skipped;
};

static enum probe_model player__kind(enum lesson_model m)
{
    static const enum probe_model k[LESSON_NMODELS] = {
        [LESSON_PROCS] = PROBE_MODEL_PROCS, [LESSON_THREADS] = PROBE_MODEL_THREADS,
        [LESSON_LOOP] = PROBE_MODEL_LOOP, [LESSON_GOROUTINES] = PROBE_MODEL_GOROUTINES,
    };
    return (unsigned)m < LESSON_NMODELS ? k[m] : PROBE_MODEL_NONE;
}

static uint64_t player__scale(const struct player *p, uint64_t ns)
{
    return (uint64_t)((double)ns * p->pace);
}

struct player *player_new(struct lesson *l, const struct run_opts *base, double pace)
{
    struct player *p = xcalloc(1, sizeof(*p));
    p->l = l;
    p->base = *base;
    p->pace = pace > 0 ? pace : 1;
    p->step = -1;
    return p;
}

void player_free(struct player *p)
{
    if (p == NULL)
        return;
    free(p->marks);
    lesson_free(p->l);
    free(p);
}

/* ---- figures: the one table from lesson metrics to what the run measured ---------- */

int player_metric(const struct run_figs *f, const struct sample *s, enum lesson_metric m,
                  double *out)
{
    double v;
    bool ok = true;
    if (m >= LESSON_M_MACHINE_CORES) {
        if (s == NULL)
            return -ENOENT;
        const struct sample_machine *mc = &s->m;
        int online = 0;
        double busy = 0;
        for (int c = 0; c < mc->ncpu; c++)
            if (mc->cpu[c].online) {
                online++;
                busy += mc->cpu[c].busy;
            }
        switch (m) {
        case LESSON_M_MACHINE_CORES: v = online; break;
        case LESSON_M_BUSY_CORES: v = busy; ok = mc->dt > 0; break;
        case LESSON_M_CTXT_PER_S: v = mc->ctxt_per_s; ok = mc->dt > 0; break;
        case LESSON_M_FORKS_PER_S: v = mc->forks_per_s; ok = mc->dt > 0; break;
        case LESSON_M_LOAD1: v = mc->load[0]; break;
        case LESSON_M_PROCS_RUNNING: v = mc->procs_running; break;
        case LESSON_M_CPU_PRESSURE: v = mc->psi_some_avg10; ok = mc->psi_ok; break;
        case LESSON_M_MEM_TOTAL: v = (double)mc->mem_total; ok = mc->mem_total > 0; break;
        case LESSON_M_MEM_AVAILABLE: v = (double)mc->mem_available; ok = mc->mem_total > 0;
            break;
        default: return -ENOENT;
        }
        if (!ok)
            return -ENOENT;
        *out = v;
        return 0;
    }
    if (f == NULL || f->state == RUN_M_STARTING || f->state == RUN_M_FAILED)
        return -ENOENT;
    const int64_t *sc = f->state_count;
    switch (m) {
    case LESSON_M_CORES: v = f->cores; break;
    case LESSON_M_CPU_PCT: v = f->cores * 100.0; break;
    case LESSON_M_RSS: v = (double)f->rss; ok = f->rss > 0; break;
    case LESSON_M_PSS: v = (double)f->pss; ok = f->pss_ok; break;
    case LESSON_M_MEM_PER_TASK: v = f->mem_per_task; ok = f->mem_per_task_ok; break;
    case LESSON_M_TASKS: v = f->ntasks; break;
    case LESSON_M_OS_THREADS: v = f->os_tasks; ok = f->os_tasks > 0; break;
    case LESSON_M_SWITCHES_PER_S: v = (double)f->vcsw_per_s + f->ivcsw_per_s; break;
    case LESSON_M_VCSW_PER_S: v = f->vcsw_per_s; break;
    case LESSON_M_IVCSW_PER_S: v = f->ivcsw_per_s; break;
    case LESSON_M_RUNTIME_SWITCHES_PER_S:
        /* procs and threads switch only through the kernel: no runtime switches */
        v = f->rt_switch_what != NULL && strcmp(f->rt_switch_what, "GIL hand-offs") != 0
            ? f->rt_switch_per_s : 0;
        break;
    case LESSON_M_UNITS_PER_S: v = f->units_per_s; break;
    case LESSON_M_LATENCY_P50: v = f->lat_p50_ms / 1e3; ok = f->lat_ok; break;
    case LESSON_M_LATENCY_P99: v = f->lat_p99_ms / 1e3; ok = f->lat_ok; break;
    case LESSON_M_RUNQUEUE: v = f->rt_queue; ok = f->rt_queue_ok; break;
    case LESSON_M_LOOP_LAG: v = f->loop_lag_ms / 1e3; ok = f->loop_ok; break;
    case LESSON_M_CREATE_COST: v = f->create_ns / 1e9; ok = f->create_ok; break;
    case LESSON_M_SWITCH_COST:
        /* pingpong: the initiator times each round trip, two hand-offs */
        v = f->lat_p50_ms / 1e3 / 2;
        ok = f->workload == WORK_PINGPONG && f->lat_ok;
        break;
    case LESSON_M_GIL_HANDOFFS_PER_S:
        v = f->rt_switch_per_s;
        ok = f->rt_switch_what != NULL && strcmp(f->rt_switch_what, "GIL hand-offs") == 0;
        if (!ok && f->kind == PROBE_MODEL_THREADS && !f->gil) {
            v = 0;                      /* no GIL, no hand-offs */
            ok = true;
        }
        break;
    case LESSON_M_TASKS_RUNNING: v = (double)sc[PROBE_ST_RUNNING]; break;
    case LESSON_M_TASKS_RUNNABLE: v = (double)sc[PROBE_ST_RUNNABLE]; break;
    case LESSON_M_TASKS_IO_WAIT: v = (double)sc[PROBE_ST_IO]; break;
    case LESSON_M_TASKS_SYNC_WAIT:
        v = (double)(sc[PROBE_ST_LOCK] + sc[PROBE_ST_CHAN] + sc[PROBE_ST_GIL]);
        break;
    case LESSON_M_TASKS_SLEEPING: v = (double)sc[PROBE_ST_SLEEP]; break;
    case LESSON_M_STEALS_PER_S:
    default:
        return -ENOENT;
    }
    if (!ok || !isfinite(v))
        return -ENOENT;
    *out = v;
    return 0;
}

static const struct run_figs *player__figs(struct player *p, enum probe_model k)
{
    if (p->run == NULL)
        return NULL;
    for (int i = 0; i < run_count(p->run); i++) {
        const struct run_figs *f = run_figs(p->run, i);
        if (f->kind != k)
            continue;
        if (!p->turns)
            return f;
        return p->have_turn[k] ? &p->turn[k] : NULL;
    }
    return NULL;
}

static int player__lookup(void *ctx, enum lesson_model model, enum lesson_metric metric,
                          double *out)
{
    struct player *p = ctx;
    if (model == LESSON_MACHINE)
        return player_metric(NULL, p->s, metric, out);
    return player_metric(player__figs(p, player__kind(model)), p->s, metric, out);
}

/* ---- settings ------------------------------------------------------------------------ */

static void player__opts(struct player *p, struct run_opts *o)
{
    const struct lesson_settings *e = &p->eff;
    *o = p->base;
    p->note[0] = '\0';
    if (e->set & LESSON_SET_WORKLOAD)
        work_parse(lesson_workload_name(e->workload), &o->workload);
    if (e->set & LESSON_SET_MODELS) {
        o->nmodels = 0;
        for (int i = 0; i < e->nmodels; i++) {
            enum probe_model k = player__kind(e->models[i]);
            if (run_model_available(k))
                o->models[o->nmodels++] = k;
            else
                snprintf(p->note, sizeof(p->note), "the %s model is not in this build: "
                         "its expectations are skipped", probe_model_name(k));
        }
    }
    for (int m = 0; m < LESSON_NMODELS; m++) {
        enum probe_model k = player__kind((enum lesson_model)m);
        if (e->tasks_set & (1u << m))
            o->ntasks[k] = (uint32_t)e->tasks[m];
        else if (e->set & LESSON_SET_WORKLOAD)
            o->ntasks[k] = run_default_tasks(o->workload, k);
    }
    if (e->set & LESSON_SET_GIL)
        o->gil = e->gil;
    if (e->set & LESSON_SET_OFFLOAD)
        o->offload = e->offload;
    if (e->set & LESSON_SET_MODE)
        run_mode_parse(lesson_mode_name(e->mode), &o->mode);
    if (e->set & LESSON_SET_SLICE)
        o->turn_ns = MAX(player__scale(p, e->slice_ns), 500000000ull);
    else
        o->turn_ns = MAX(player__scale(p, o->turn_ns), 500000000ull);
    if (e->set & LESSON_SET_DATA_SIZE)
        o->data_size = e->data_size;
    if (e->set & LESSON_SET_LATENCY)
        o->latency_ns = e->latency_ns;
    if (e->set & LESSON_SET_RESPONSE_SIZE)
        o->resp_size = (uint32_t)e->response_size;
    if ((e->set & LESSON_SET_GOMAXPROCS) && !run_model_available(PROBE_MODEL_GOROUTINES) &&
        p->note[0] == '\0')
        snprintf(p->note, sizeof(p->note), "gomaxprocs %d: no goroutines model in this build",
                 e->gomaxprocs);
}

static bool player__same_models(const struct run_opts *a, const struct run_opts *b)
{
    return a->nmodels == b->nmodels &&
           memcmp(a->models, b->models, sizeof(a->models[0]) * (size_t)a->nmodels) == 0;
}

static int player__apply(struct player *p, struct run **run, struct sampler *smp)
{
    struct run_opts want;
    player__opts(p, &want);
    memset(p->ran, 0, sizeof(p->ran));
    memset(p->have_turn, 0, sizeof(p->have_turn));
    p->err[0] = '\0';
    if (*run != NULL) {
        const struct run_opts *cur = run_options(*run);
        if (player__same_models(cur, &want) && cur->workload == want.workload &&
            cur->mode == want.mode && cur->turn_ns == want.turn_ns &&
            cur->data_size == want.data_size && cur->latency_ns == want.latency_ns &&
            cur->resp_size == want.resp_size) {
            int rc = 0;
            for (int i = 0; i < want.nmodels; i++) {
                enum probe_model k = want.models[i];
                if (cur->ntasks[k] != want.ntasks[k] && run_set_tasks(*run, k, want.ntasks[k]) < 0)
                    rc = -EIO;
            }
            if (cur->gil != want.gil && run_set_gil(*run, want.gil) < 0)
                rc = -EIO;
            if (cur->offload != want.offload && run_set_offload(*run, want.offload) < 0)
                rc = -EIO;
            if (rc < 0)
                snprintf(p->err, sizeof(p->err), "%s", run_error(*run));
            return rc;
        }
        run_stop(*run);
        *run = NULL;
    }
    if (want.nmodels == 0) {
        snprintf(p->err, sizeof(p->err), "no model of this step is in this build");
        return -ENOENT;
    }
    return run_start(&want, smp, run, p->err, sizeof(p->err));
}

/* ---- marks --------------------------------------------------------------------------- */

struct player__scan {
    unsigned missing;
};

static void player__scan_model(void *ctx, enum lesson_model m, enum lesson_metric metric)
{
    struct player__scan *sc = ctx;
    (void)metric;
    if (m != LESSON_MACHINE && !run_model_available(player__kind(m)))
        sc->missing |= 1u << m;
}

/* The model an expectation names that this build lacks, or -1. */
static int player__missing_model(const struct lesson_expect *x)
{
    struct player__scan sc = { 0 };
    lesson_expr_metrics(x->expr, player__scan_model, &sc);
    for (int m = 0; m < LESSON_NMODELS; m++)
        if (sc.missing & (1u << m))
            return m;
    return -1;
}

struct player__turns {
    struct player *p;
    int waiting;
};

static void player__scan_turn(void *ctx, enum lesson_model m, enum lesson_metric metric)
{
    struct player__turns *t = ctx;
    (void)metric;
    if (m != LESSON_MACHINE && t->waiting < 0 && !t->p->have_turn[player__kind(m)])
        t->waiting = (int)m;
}

/* Turns: a model the expectation names that has not finished a turn yet, or -1. */
static int player__no_turn_yet(struct player *p, const struct lesson_expect *x)
{
    struct player__turns t = { p, -1 };
    if (!p->turns)
        return -1;
    lesson_expr_metrics(x->expr, player__scan_turn, &t);
    return t.waiting;
}

static void player__log_step(struct player *p)
{
    const struct lesson_step *st = &p->l->steps[p->step];
    char a[32], b[32];
    if (p->log == NULL)
        return;
    fprintf(p->log, "step %ld/%zu at %gs: %s\n", p->step + 1, p->l->nsteps,
            st->at_ns / 1e9, st->title ? st->title : "");
    if (p->note[0])
        fprintf(p->log, "  note: %s\n", p->note);
    for (size_t i = 0; i < p->nmarks; i++) {
        const struct player_mark *mk = &p->marks[i];
        const struct lesson_judgement *j = &mk->j;
        switch (j->verdict) {
        case LESSON_HOLDS:
        case LESSON_FAILS:
            fprintf(p->log, "  %s %s  (%s vs %s)\n",
                    j->verdict == LESSON_HOLDS ? "\u2713" : "\u2717", mk->text,
                    lesson_fmt_value(a, sizeof(a), j->lhs, mk->kind),
                    lesson_fmt_value(b, sizeof(b), j->rhs, mk->kind));
            break;
        case LESSON_SKIPPED:
            fprintf(p->log, "  - %s  skipped: %s\n", mk->text, j->why);
            break;
        case LESSON_PENDING:
            fprintf(p->log, "  \u2717 %s  never judged: %s\n", mk->text, j->why);
            break;
        }
    }
    fflush(p->log);
}

/* The step is over: its marks are final. */
static void player__finish_step(struct player *p)
{
    if (p->step < 0)
        return;
    for (size_t i = 0; i < p->nmarks; i++) {
        switch (p->marks[i].j.verdict) {
        case LESSON_HOLDS: p->held++; break;
        case LESSON_SKIPPED: p->skipped++; break;
        default: p->failed++; break;
        }
    }
    player__log_step(p);
}

static void player__enter_step(struct player *p, long i)
{
    const struct lesson_step *st = &p->l->steps[i];
    struct lesson_settings none = { 0 };
    p->step = i;
    lesson_effective(p->l, (size_t)i, &none, &p->eff);
    free(p->marks);
    p->nmarks = st->nexpects;
    p->marks = xcalloc(MAX(p->nmarks, 1), sizeof(*p->marks));
    for (size_t k = 0; k < p->nmarks; k++) {
        p->marks[k].text = st->expects[k].text;
        p->marks[k].needs_text = st->expects[k].needs_text;
        p->marks[k].kind = lesson_expr_kind(st->expects[k].expr);
        p->marks[k].j.verdict = LESSON_PENDING;
        snprintf(p->marks[k].j.why, sizeof(p->marks[k].j.why), "settling");
    }
}

static void player__judge(struct player *p)
{
    const struct lesson_step *st = &p->l->steps[p->step];
    bool set = p->eff.set & LESSON_SET_SETTLE;
    uint64_t settle = player__scale(p, set ? p->eff.settle_ns : LESSON_SETTLE_DEFAULT_NS);
    uint64_t elapsed = p->now_ns - p->step_t0_ns;
    for (size_t k = 0; k < p->nmarks; k++) {
        const struct lesson_expect *x = &st->expects[k];
        struct player_mark *mk = &p->marks[k];
        int miss = player__missing_model(x);
        if (miss >= 0) {
            mk->j.verdict = LESSON_SKIPPED;
            snprintf(mk->j.why, sizeof(mk->j.why), "the %s model is not in this build",
                     lesson_model_name((enum lesson_model)miss));
            continue;
        }
        lesson_judge(x, player__lookup, p, elapsed, settle, &mk->j);
        int waiting = player__no_turn_yet(p, x);
        if (mk->j.verdict == LESSON_PENDING && elapsed >= settle && waiting >= 0)
            snprintf(mk->j.why, sizeof(mk->j.why), "waiting for the end of a %s turn",
                     lesson_model_name((enum lesson_model)waiting));
    }
}

/* Turns: keep each model's figures from the end of its turn. */
static void player__track_turns(struct player *p)
{
    const struct run *r = p->run;
    p->turns = r != NULL && run_mode(r) == RUN_MODE_TURNS && run_count(r) > 1;
    if (!p->turns)
        return;
    for (int i = 0; i < run_count(r); i++) {
        const struct run_figs *f = run_figs(r, i);
        if (f->state == RUN_M_RUNNING || f->state == RUN_M_LIMITED)
            p->ran[f->kind] = true;
        else if (f->state == RUN_M_WAITING && p->ran[f->kind]) {
            p->turn[f->kind] = *f;
            p->turn[f->kind].state = RUN_M_RUNNING;
            p->have_turn[f->kind] = true;
        }
    }
}

bool player_tick(struct player *p, uint64_t now_ns, struct run **run, struct sampler *smp,
                 const struct sample *s)
{
    if (p->done)
        return false;
    if (!p->started) {
        p->started = true;
        p->t0_ns = now_ns;
    }
    p->now_ns = MAX(now_ns, p->step_t0_ns);
    uint64_t t = now_ns - p->t0_ns;
    /* This sample was taken under the step in force until now: it judges that step
     * first, even when it is the step's last (on a loaded machine samples are few). */
    p->run = *run;
    p->s = s;
    if (p->step >= 0 && s != NULL) {
        player__track_turns(p);
        player__judge(p);
    }
    if (t >= player__scale(p, p->l->duration_ns)) {
        player__finish_step(p);
        p->done = true;
        return false;
    }
    long i = -1;
    for (size_t k = 0; k < p->l->nsteps; k++)
        if (player__scale(p, p->l->steps[k].at_ns) <= t)
            i = (long)k;
    if (i != p->step && i >= 0) {
        player__finish_step(p);
        player__enter_step(p, i);
        player__apply(p, run, smp);
        /* The lesson's clock stops while the models restart: stopping a thousand
         * processes and starting others takes a while on a busy machine, and the
         * step keeps its full length and settle time. */
        uint64_t after = MAX(util_now_ns(), now_ns);
        p->t0_ns += after - now_ns;
        p->step_t0_ns = after;
        p->run = *run;
        p->s = NULL;
        return true;            /* judged from the next sample, on the new settings */
    }
    return true;
}

long player_step(const struct player *p) { return p->step; }
const struct lesson *player_lesson(const struct player *p) { return p->l; }
size_t player_nmarks(const struct player *p) { return p->nmarks; }
const struct player_mark *player_mark(const struct player *p, size_t i) { return &p->marks[i]; }
const char *player_note(const struct player *p) { return p->note; }
const char *player_error(const struct player *p) { return p->err; }
void player_set_log(struct player *p, FILE *f) { p->log = f; }

double player_elapsed_s(const struct player *p)
{
    return p->started ? (p->now_ns - p->t0_ns) / 1e9 : 0;
}

double player_duration_s(const struct player *p)
{
    return player__scale(p, p->l->duration_ns) / 1e9;
}

void player_counts(const struct player *p, int *held, int *failed, int *skipped)
{
    *held = p->held;
    *failed = p->failed;
    *skipped = p->skipped;
}
