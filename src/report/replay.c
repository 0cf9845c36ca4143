/*
 * replay.c — reading a --json file back into samples.
 *
 * The file is parsed whole into a jsonr tree (which keeps each value's line
 * and column), then walked once into frames. Every member is checked for its
 * type where it is present; members added by later formats are optional, so
 * a format-1 file replays with the machine's busy fraction per core and the
 * models' figures. Strings a struct run_figs or sample_caps points to (model
 * names, capability reasons) live in the replay's string pool.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"
#include "report/jsonr.h"
#include "report/replay.h"
#include "util.h"

#define REPLAY_T_MAX_S 1e10

struct replay__frame {
    double t_s;
    struct sample s;
    int nfigs;
    struct run_figs figs[RUN_MAX_MODELS];
};

struct replay {
    struct replay__frame *f;
    int n;
    struct sample_caps caps;
    bool have_caps;
    char config[256];
    uint64_t interval_ns;
    char **pool;
    size_t npool;
};

struct replay__ctx {
    const char *path;
    char *err;
    size_t errlen;
    struct replay *rp;
};

static int replay__fail(struct replay__ctx *c, const struct jsonr *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int replay__fail(struct replay__ctx *c, const struct jsonr *at, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->path, at->line, at->col, msg);
    return -EINVAL;
}

static const char *replay__keep(struct replay *rp, const char *s)
{
    for (size_t i = 0; i < rp->npool; i++)
        if (strcmp(rp->pool[i], s) == 0)
            return rp->pool[i];
    rp->pool = xreallocarray(rp->pool, rp->npool + 1, sizeof(*rp->pool));
    return rp->pool[rp->npool++] = xstrdup(s);
}

/* A member of a given type: 0 (absent: *out NULL), or -EINVAL when it has another type. */
static int replay__member(struct replay__ctx *c, const struct jsonr *obj, const char *key,
                          enum jsonr_type type, bool required, const struct jsonr **out)
{
    static const char *const tn[] = { "null", "true or false", "a number", "a string",
                                       "an array", "an object" };
    const struct jsonr *v = jsonr_get(obj, key);
    *out = NULL;
    if (v == NULL || (v->type == JSONR_NULL && type == JSONR_NUM && !required)) {
        if (required)
            return replay__fail(c, obj, "\"%s\" is missing", key);
        return 0;
    }
    if (v->type != type)
        return replay__fail(c, v, "\"%s\" should be %s", key, tn[type]);
    *out = v;
    return 0;
}

/*
 * A number bound for an integer must be in the integer's range: out of it (or NaN) the
 * conversion is undefined behaviour, not a wrap or a clamp. [lo, hi] is the type's range;
 * the fraction is cut, so anything above lo - 1 and below hi + 1 converts. what starts
 * the message ("\"key\" " or "").
 */
static int replay__fits(struct replay__ctx *c, const struct jsonr *at, const char *what,
                        double d, double lo, double hi)
{
    if (d > lo - 1 && d < hi + 1)
        return 0;
    return replay__fail(c, at, "%s%g: out of range (%.3g to %.3g)", what, d, lo, hi);
}

/* The range of the type of dst, for replay__fits; floating types take any number. */
#define REPLAY__LO(dst) _Generic((dst), int: (double)INT_MIN, long: (double)LONG_MIN,     \
        long long: (double)LLONG_MIN, unsigned: 0.0, unsigned long: 0.0,                 \
        unsigned long long: 0.0, default: -HUGE_VAL)
#define REPLAY__HI(dst) _Generic((dst), int: (double)INT_MAX, long: (double)LONG_MAX,     \
        long long: (double)LLONG_MAX, unsigned: (double)UINT_MAX,                        \
        unsigned long: (double)ULONG_MAX, unsigned long long: (double)ULLONG_MAX,        \
        default: HUGE_VAL)

/* A number member in [lo, hi]: *ok says whether it carried data (absent and null do not). */
static int replay__num_in(struct replay__ctx *c, const struct jsonr *obj, const char *key,
                          double lo, double hi, double *out, bool *ok)
{
    const struct jsonr *v;
    char what[64];
    int r = replay__member(c, obj, key, JSONR_NUM, false, &v);
    if (ok != NULL)
        *ok = v != NULL;
    if (r < 0 || v == NULL)
        return r;
    snprintf(what, sizeof(what), "\"%s\" ", key);
    if (replay__fits(c, v, what, v->num, lo, hi) < 0)
        return -EINVAL;
    *out = v->num;
    return 0;
}

static int replay__num(struct replay__ctx *c, const struct jsonr *obj, const char *key,
                       double *out, bool *ok)
{
    return replay__num_in(c, obj, key, -HUGE_VAL, HUGE_VAL, out, ok);
}

static int replay__bool(struct replay__ctx *c, const struct jsonr *obj, const char *key,
                        bool *out)
{
    const struct jsonr *v;
    int r = replay__member(c, obj, key, JSONR_BOOL, false, &v);
    if (r == 0 && v != NULL)
        *out = v->b;
    return r;
}

#define NUM(obj, key, dst) do {                                         \
        double d_ = 0;                                                  \
        bool ok_;                                                       \
        if (replay__num_in(c, (obj), (key), REPLAY__LO(dst), REPLAY__HI(dst), \
                           &d_, &ok_) < 0)                              \
            return -EINVAL;                                             \
        if (ok_)                                                        \
            (dst) = d_;                                                 \
    } while (0)

/* An element of a compact row that must be a number (null reads as NaN). */
static int replay__row_num(struct replay__ctx *c, const struct jsonr *row, size_t i, double *out)
{
    if (i >= row->n)
        return replay__fail(c, row, "row too short: %zu values, %zu needed", row->n, i + 1);
    const struct jsonr *v = &row->kids[i];
    if (v->type == JSONR_NULL) {
        *out = NAN;
        return 0;
    }
    if (v->type != JSONR_NUM && v->type != JSONR_BOOL)
        return replay__fail(c, v, "should be a number");
    *out = v->type == JSONR_BOOL ? v->b : v->num;
    return 0;
}

/* An element of a compact row bound for an integer of range [lo, hi]: null will not do. */
static int replay__row_int(struct replay__ctx *c, const struct jsonr *row, size_t i,
                           double lo, double hi, double *out)
{
    if (replay__row_num(c, row, i, out) < 0)
        return -EINVAL;
    return replay__fits(c, &row->kids[i], "", *out, lo, hi);
}

/* The numbers of a row into v[], by column: 'i' an int, 'u' a uint64_t, 'n' any number
 * (null reads as NaN), 's' a string (left to replay__row_str). */
static int replay__row_nums(struct replay__ctx *c, const struct jsonr *row, const char *cols,
                            double *v)
{
    for (size_t k = 0; cols[k] != '\0'; k++) {
        int r = cols[k] == 'i' ? replay__row_int(c, row, k, INT_MIN, INT_MAX, &v[k])
              : cols[k] == 'u' ? replay__row_int(c, row, k, 0, (double)UINT64_MAX, &v[k])
              : cols[k] == 'n' ? replay__row_num(c, row, k, &v[k])
              : 0;
        if (r < 0)
            return -EINVAL;
    }
    return 0;
}

static int replay__row_str(struct replay__ctx *c, const struct jsonr *row, size_t i,
                           char *out, size_t len)
{
    if (i >= row->n)
        return replay__fail(c, row, "row too short: %zu values, %zu needed", row->n, i + 1);
    if (row->kids[i].type != JSONR_STR)
        return replay__fail(c, &row->kids[i], "should be a string");
    snprintf(out, len, "%s", row->kids[i].str);
    return 0;
}

static int replay__cpu(struct replay__ctx *c, const struct jsonr *o, struct sample_cpu *cpu)
{
    if (o->type != JSONR_OBJ)
        return replay__fail(c, o, "a core should be an object");
    NUM(o, "user", cpu->user);
    NUM(o, "sys", cpu->sys);
    NUM(o, "iowait", cpu->iowait);
    NUM(o, "irq", cpu->irq);
    NUM(o, "steal", cpu->steal);
    NUM(o, "busy", cpu->busy);
    return replay__bool(c, o, "online", &cpu->online);
}

static int replay__machine(struct replay__ctx *c, const struct jsonr *m, struct sample *s)
{
    const struct jsonr *busy, *cpu, *total, *load;
    if (replay__member(c, m, "busy", JSONR_ARR, true, &busy) < 0 ||
        replay__member(c, m, "cpu", JSONR_ARR, false, &cpu) < 0 ||
        replay__member(c, m, "total", JSONR_OBJ, false, &total) < 0 ||
        replay__member(c, m, "load", JSONR_ARR, false, &load) < 0)
        return -EINVAL;
    if (busy->n > 4096)
        return replay__fail(c, busy, "%zu cores: at most 4096", busy->n);
    s->m.ncpu = (int)busy->n;
    s->m.cpu = xcalloc(MAX(busy->n, 1), sizeof(*s->m.cpu));
    for (size_t i = 0; i < busy->n; i++) {
        const struct jsonr *b = &busy->kids[i];
        if (b->type != JSONR_NUM && b->type != JSONR_NULL)
            return replay__fail(c, b, "a core's busy fraction should be a number or null");
        s->m.cpu[i].online = b->type == JSONR_NUM;
        s->m.cpu[i].busy = b->type == JSONR_NUM ? (float)b->num : 0;
        s->m.cpu[i].user = s->m.cpu[i].busy;    /* format 1: busy is all we know */
    }
    if (cpu != NULL) {
        if (cpu->n != busy->n)
            return replay__fail(c, cpu, "%zu cores here, %zu in \"busy\"", cpu->n, busy->n);
        for (size_t i = 0; i < cpu->n; i++)
            if (replay__cpu(c, &cpu->kids[i], &s->m.cpu[i]) < 0)
                return -EINVAL;
    }
    if (total != NULL && replay__cpu(c, total, &s->m.total) < 0)
        return -EINVAL;
    double d = 0;
    NUM(m, "ctxt_per_s", s->m.ctxt_per_s);
    NUM(m, "forks_per_s", s->m.forks_per_s);
    NUM(m, "dt_s", s->m.dt);
    NUM(m, "procs_running", s->m.procs_running);
    NUM(m, "procs_blocked", s->m.procs_blocked);
    NUM(m, "load1", s->m.load[0]);
    if (load != NULL)
        for (size_t i = 0; i < MIN(load->n, 3); i++)
            if (replay__row_num(c, load, i, &s->m.load[i]) < 0)
                return -EINVAL;
    NUM(m, "nr_threads", s->m.nr_threads);
    bool ok;
    if (replay__num(c, m, "psi_some_avg10", &d, &ok) < 0)
        return -EINVAL;
    s->m.psi_ok = ok;
    s->m.psi_some_avg10 = (float)d;
    NUM(m, "psi_some_now", s->m.psi_some_now);
    NUM(m, "mem_total", s->m.mem_total);
    NUM(m, "mem_available", s->m.mem_available);
    return 0;
}

static int replay__tree(struct replay__ctx *c, const struct jsonr *o, int ncpu,
                        struct sample_tree *t)
{
    const struct jsonr *label, *coc, *procs, *tasks;
    double d = 0;
    if (o->type != JSONR_OBJ)
        return replay__fail(c, o, "a tree should be an object");
    if (replay__member(c, o, "label", JSONR_STR, false, &label) < 0 ||
        replay__member(c, o, "cpu_on_core", JSONR_ARR, false, &coc) < 0 ||
        replay__member(c, o, "procs", JSONR_ARR, false, &procs) < 0 ||
        replay__member(c, o, "tasks", JSONR_ARR, false, &tasks) < 0)
        return -EINVAL;
    NUM(o, "root", t->root);
    if (label != NULL)
        snprintf(t->label, sizeof(t->label), "%s", label->str);
    if (replay__bool(c, o, "alive", &t->alive) < 0)
        return -EINVAL;
    NUM(o, "cpu_pct", t->cpu_pct);
    t->cpu_on_core = xcalloc((size_t)MAX(ncpu, 1), sizeof(float));
    for (size_t i = 0; coc != NULL && i < MIN(coc->n, (size_t)ncpu); i++) {
        if (replay__row_num(c, coc, i, &d) < 0)
            return -EINVAL;
        t->cpu_on_core[i] = (float)d;
    }
    NUM(o, "nr_running", t->nr_running);
    NUM(o, "nr_blocked", t->nr_blocked);
    NUM(o, "vcsw_per_s", t->vcsw_per_s);
    NUM(o, "ivcsw_per_s", t->ivcsw_per_s);
    NUM(o, "wait_pct", t->wait_pct);
    NUM(o, "rss", t->rss);
    bool ok;
    d = 0;
    if (replay__num_in(c, o, "pss", 0, REPLAY__HI(t->pss), &d, &ok) < 0)
        return -EINVAL;
    t->pss_ok = ok;
    t->pss = (uint64_t)d;
    /* The counts come from the rows; without rows (format 1) there are none to show. */
    t->nproc = procs != NULL ? (int)procs->n : 0;
    t->ntask = tasks != NULL ? (int)tasks->n : 0;
    t->procs = xcalloc((size_t)MAX(t->nproc, 1), sizeof(*t->procs));
    t->tasks = xcalloc((size_t)MAX(t->ntask, 1), sizeof(*t->tasks));
    for (int i = 0; i < t->nproc; i++) {
        const struct jsonr *row = &procs->kids[i];
        struct sample_proc *p = &t->procs[i];
        double v[10];
        char st[8];
        if (row->type != JSONR_ARR || row->n != 10)
            return replay__fail(c, row, "a process should be an array of 10 values");
        /* pid, ppid, comm, state, threads, cpu %, rss, pss, pss ok, vsize */
        if (replay__row_nums(c, row, "iissinuunu", v) < 0 ||
            replay__row_str(c, row, 2, p->comm, sizeof(p->comm)) < 0 ||
            replay__row_str(c, row, 3, st, sizeof(st)) < 0)
            return -EINVAL;
        p->pid = (pid_t)v[0];
        p->ppid = (pid_t)v[1];
        p->state = st[0];
        p->nthreads = (int)v[4];
        p->cpu_pct = (float)v[5];
        p->rss = (uint64_t)v[6];
        p->pss = (uint64_t)v[7];
        p->pss_ok = v[8] != 0;
        p->vsize = (uint64_t)v[9];
    }
    for (int i = 0; i < t->ntask; i++) {
        const struct jsonr *row = &tasks->kids[i];
        struct sample_task *k = &t->tasks[i];
        double v[14];
        char st[8];
        if (row->type != JSONR_ARR || row->n != 14)
            return replay__fail(c, row, "a task should be an array of 14 values");
        /* tid, pid, comm, state, core, then figures and their flags */
        if (replay__row_nums(c, row, "iissinnnnnnnnn", v) < 0 ||
            replay__row_str(c, row, 2, k->comm, sizeof(k->comm)) < 0 ||
            replay__row_str(c, row, 3, st, sizeof(st)) < 0)
            return -EINVAL;
        k->tid = (pid_t)v[0];
        k->pid = (pid_t)v[1];
        k->state = st[0];
        k->cpu = (int)v[4];
        k->cpu_pct = (float)v[5];
        k->user_pct = (float)v[6];
        k->sys_pct = (float)v[7];
        k->cpu_ok = v[8] != 0;
        k->vcsw_per_s = (float)v[9];
        k->ivcsw_per_s = (float)v[10];
        k->csw_ok = v[11] != 0;
        k->wait_pct = (float)v[12];
        k->wait_ok = v[13] != 0;
    }
    return 0;
}

static int replay__figs(struct replay__ctx *c, const struct jsonr *o, struct run_figs *f)
{
    const struct jsonr *name, *state, *text, *oc, *what, *states, *wl;
    if (o->type != JSONR_OBJ)
        return replay__fail(c, o, "a model should be an object");
    if (replay__member(c, o, "name", JSONR_STR, true, &name) < 0 ||
        replay__member(c, o, "state", JSONR_STR, false, &state) < 0 ||
        replay__member(c, o, "text", JSONR_STR, false, &text) < 0 ||
        replay__member(c, o, "on_core", JSONR_ARR, false, &oc) < 0 ||
        replay__member(c, o, "runtime_switches", JSONR_STR, false, &what) < 0 ||
        replay__member(c, o, "states", JSONR_OBJ, false, &states) < 0 ||
        replay__member(c, o, "workload", JSONR_STR, false, &wl) < 0)
        return -EINVAL;
    f->kind = PROBE_MODEL_NONE;
    for (int k = PROBE_MODEL_NONE + 1; k < PROBE_MODEL_COUNT; k++)
        if (strcmp(name->str, probe_model_name((enum probe_model)k)) == 0)
            f->kind = (enum probe_model)k;
    if (f->kind == PROBE_MODEL_NONE)
        return replay__fail(c, name, "unknown model \"%s\"", name->str);
    f->name = probe_model_name(f->kind);
    f->state = RUN_M_RUNNING;
    for (int st = 0; state != NULL && st <= RUN_M_FAILED; st++)
        if (strcmp(state->str, run_mstate_name((enum run_mstate)st)) == 0)
            f->state = (enum run_mstate)st;
    if (text != NULL)
        snprintf(f->text, sizeof(f->text), "%s", text->str);
    if (wl != NULL && work_parse(wl->str, &f->workload) < 0)
        return replay__fail(c, wl, "unknown workload \"%s\"", wl->str);
    double d = 0;
    bool ok;
    NUM(o, "tasks", f->ntasks);
    NUM(o, "asked", f->asked);
    if (replay__bool(c, o, "gil", &f->gil) < 0 || replay__bool(c, o, "offload", &f->offload) < 0)
        return -EINVAL;
    NUM(o, "cores_allowed", f->ncores_allowed);
    NUM(o, "cores", f->cores);
    f->ncpu = oc != NULL ? (int)MIN(oc->n, ARRAY_SIZE(f->on_core)) : 0;
    for (int i = 0; i < f->ncpu; i++) {
        if (replay__row_num(c, oc, (size_t)i, &d) < 0)
            return -EINVAL;
        f->on_core[i] = (float)d;
    }
    NUM(o, "os_tasks", f->os_tasks);
    NUM(o, "os_running", f->os_running);
    if (replay__num(c, o, "rq_wait_cores", &d, &f->rq_wait_ok) < 0)
        return -EINVAL;
    f->rq_wait = (float)d;
    NUM(o, "rss", f->rss);
    d = 0;
    if (replay__num_in(c, o, "pss", 0, REPLAY__HI(f->pss), &d, &f->pss_ok) < 0)
        return -EINVAL;
    f->pss = (uint64_t)d;
    if (replay__num(c, o, "mem_per_task", &f->mem_per_task, &f->mem_per_task_ok) < 0)
        return -EINVAL;
    NUM(o, "vcsw_per_s", f->vcsw_per_s);
    NUM(o, "ivcsw_per_s", f->ivcsw_per_s);
    if (replay__num(c, o, "runtime_switches_per_s", &f->rt_switch_per_s, &ok) < 0)
        return -EINVAL;
    f->rt_switch_what = ok && what != NULL ? replay__keep(c->rp, what->str) : NULL;
    if (replay__num(c, o, "runtime_queue", &f->rt_queue, &f->rt_queue_ok) < 0)
        return -EINVAL;
    NUM(o, "units_per_s", f->units_per_s);
    NUM(o, "bytes_per_s", f->bytes_per_s);
    NUM(o, "units", f->units);
    bool ok99;
    if (replay__num(c, o, "lat_p50_ms", &f->lat_p50_ms, &f->lat_ok) < 0 ||
        replay__num(c, o, "lat_p99_ms", &f->lat_p99_ms, &ok99) < 0)
        return -EINVAL;
    f->lat_ok = f->lat_ok && ok99;
    if (replay__num(c, o, "loop_lag_ms", &f->loop_lag_ms, &f->loop_ok) < 0)
        return -EINVAL;
    NUM(o, "loop_idle_pct", f->loop_idle_pct);
    if (replay__num(c, o, "create_ns", &f->create_ns, &f->create_ok) < 0)
        return -EINVAL;
    for (size_t i = 0; states != NULL && i < states->n; i++) {
        for (int k = 0; k < PROBE_ST_COUNT; k++)
            if (strcmp(states->keys[i], probe_state_name((enum probe_state)k)) == 0 &&
                states->kids[i].type == JSONR_NUM) {
                const struct jsonr *v = &states->kids[i];
                char lbl[64];
                snprintf(lbl, sizeof(lbl), "\"%s\" ", states->keys[i]);
                if (replay__fits(c, v, lbl, v->num, REPLAY__LO(f->state_count[k]),
                                 REPLAY__HI(f->state_count[k])) < 0)
                    return -EINVAL;
                f->state_count[k] = (int64_t)v->num;
            }
    }
    return 0;
}

static int replay__caps(struct replay__ctx *c, const struct jsonr *o)
{
    struct replay *rp = c->rp;
    for (size_t i = 0; i < o->n; i++)
        for (int k = 0; k < SAMPLE_CAP_COUNT; k++) {
            if (strcmp(o->keys[i], sample_cap_name((enum sample_cap)k)) != 0)
                continue;
            const struct jsonr *v = &o->kids[i];
            if (v->type == JSONR_BOOL) {
                rp->caps.ok[k] = v->b;
                rp->caps.why[k] = v->b ? NULL : "unavailable";
            } else if (v->type == JSONR_STR) {
                rp->caps.ok[k] = false;
                rp->caps.why[k] = replay__keep(rp, v->str);
            } else {
                return replay__fail(c, v, "a capability should be true or a reason");
            }
        }
    rp->have_caps = true;
    return 0;
}

static int replay__frame(struct replay__ctx *c, const struct jsonr *o, struct replay__frame *f,
                         uint64_t seq)
{
    const struct jsonr *t, *m, *trees, *models, *caps;
    if (o->type != JSONR_OBJ)
        return replay__fail(c, o, "a sample should be an object");
    if (replay__member(c, o, "t_s", JSONR_NUM, true, &t) < 0 ||
        replay__member(c, o, "machine", JSONR_OBJ, true, &m) < 0 ||
        replay__member(c, o, "trees", JSONR_ARR, false, &trees) < 0 ||
        replay__member(c, o, "models", JSONR_ARR, false, &models) < 0 ||
        replay__member(c, o, "caps", JSONR_OBJ, false, &caps) < 0)
        return -EINVAL;
    /* t_ns below must fit, and app.c's timer in ms (1e10 s: 317 years of samples). */
    if (!isfinite(t->num) || t->num < 0 || t->num > REPLAY_T_MAX_S)
        return replay__fail(c, t, "\"t_s\" should be a time in seconds from 0 to %g",
                            REPLAY_T_MAX_S);
    f->t_s = t->num;
    f->s.seq = seq;
    NUM(o, "seq", f->s.seq);
    f->s.m.t_ns = (uint64_t)(t->num * 1e9);
    if (replay__machine(c, m, &f->s) < 0)
        return -EINVAL;
    if (caps != NULL && replay__caps(c, caps) < 0)
        return -EINVAL;
    if (trees != NULL) {
        f->s.trees = xcalloc(MAX(trees->n, 1), sizeof(*f->s.trees));
        for (size_t i = 0; i < trees->n; i++) {
            f->s.ntree = (int)i + 1;
            if (replay__tree(c, &trees->kids[i], f->s.m.ncpu, &f->s.trees[i]) < 0)
                return -EINVAL;
        }
    }
    if (models != NULL) {
        if (models->n > RUN_MAX_MODELS)
            return replay__fail(c, models, "%zu models: at most %d", models->n,
                                RUN_MAX_MODELS);
        f->nfigs = (int)models->n;
        for (size_t i = 0; i < models->n; i++)
            if (replay__figs(c, &models->kids[i], &f->figs[i]) < 0)
                return -EINVAL;
    }
    return 0;
}

static char *replay__read(const char *path, size_t *len, char *err, size_t errlen, int *rc)
{
    FILE *fp = fopen(path, "re");
    if (fp == NULL) {
        *rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, k;
    char *b = xmalloc(cap);
    while ((k = fread(b + n, 1, cap - n, fp)) > 0) {
        n += k;
        if (n > REPLAY_FILE_MAX) {
            fclose(fp);
            free(b);
            *rc = -EFBIG;
            snprintf(err, errlen, "%s: larger than %llu MiB", path, REPLAY_FILE_MAX >> 20);
            return NULL;
        }
        if (n == cap)
            b = xrealloc(b, cap *= 2);
    }
    if (ferror(fp)) {
        *rc = -EIO;
        snprintf(err, errlen, "%s: read error", path);
        fclose(fp);
        free(b);
        return NULL;
    }
    fclose(fp);
    *len = n;
    return b;
}

int replay_load(const char *path, struct replay **out, char *err, size_t errlen)
{
    size_t len;
    int rc = 0;
    *out = NULL;
    char *text = replay__read(path, &len, err, errlen, &rc);
    if (text == NULL)
        return rc;
    rc = replay_parse(text, len, path, out, err, errlen);
    free(text);
    return rc;
}

int replay_parse(const char *text, size_t len, const char *name, struct replay **out,
                 char *err, size_t errlen)
{
    char perr[200];
    int rc;
    *out = NULL;
    struct jsonr root;
    if (jsonr_parse(text, len, &root, perr, sizeof(perr)) < 0) {
        snprintf(err, errlen, "%s:%s", name, perr);
        return -EINVAL;
    }
    struct replay *rp = xcalloc(1, sizeof(*rp));
    struct replay__ctx cx = { name, err, errlen, rp }, *c = &cx;
    const struct jsonr *fmt, *samples, *cfg;
    rc = -EINVAL;
    if (root.type != JSONR_OBJ) {
        replay__fail(c, &root, "not a schedwatch --json file (an object expected)");
        goto out_free;
    }
    if (replay__member(c, &root, "format", JSONR_NUM, true, &fmt) < 0 ||
        replay__member(c, &root, "samples", JSONR_ARR, true, &samples) < 0 ||
        replay__member(c, &root, "config", JSONR_OBJ, false, &cfg) < 0)
        goto out_free;
    if (fmt->num != 1 && fmt->num != 2) {
        replay__fail(c, fmt, "format %g: this schedwatch reads formats 1 and 2", fmt->num);
        goto out_free;
    }
    if (samples->n == 0) {
        replay__fail(c, samples, "no samples to replay");
        goto out_free;
    }
    if (cfg != NULL) {
        const char *w = jsonr_str(cfg, "workload"), *fair = jsonr_str(cfg, "fairness");
        snprintf(rp->config, sizeof(rp->config), "replay: workload %s, %s", w ? w : "?",
                 fair ? fair : "");
        double iv = jsonr_num(cfg, "interval_ms", 0);
        rp->interval_ns = iv > 0 && iv < 1e7 ? (uint64_t)(iv * 1e6) : 0;
    }
    rp->f = xcalloc(samples->n, sizeof(*rp->f));
    for (size_t i = 0; i < samples->n; i++) {
        rp->n = (int)i + 1;
        if (replay__frame(c, &samples->kids[i], &rp->f[i], i + 1) < 0)
            goto out_free;
        if (i > 0 && rp->f[i].t_s < rp->f[i - 1].t_s) {
            replay__fail(c, jsonr_get(&samples->kids[i], "t_s"),
                         "time goes back: %g s after %g s", rp->f[i].t_s, rp->f[i - 1].t_s);
            goto out_free;
        }
    }
    jsonr_free(&root);
    *out = rp;
    return 0;
out_free:
    jsonr_free(&root);
    replay_free(rp);
    return rc;
}

void replay_free(struct replay *rp)
{
    if (rp == NULL)
        return;
    for (int i = 0; i < rp->n; i++) {
        struct sample *s = &rp->f[i].s;
        free(s->m.cpu);
        for (int k = 0; k < s->ntree; k++) {
            free(s->trees[k].cpu_on_core);
            free(s->trees[k].procs);
            free(s->trees[k].tasks);
        }
        free(s->trees);
    }
    free(rp->f);
    for (size_t i = 0; i < rp->npool; i++)
        free(rp->pool[i]);
    free(rp->pool);
    free(rp);
}

int replay_count(const struct replay *rp) { return rp->n; }
const struct sample *replay_sample(const struct replay *rp, int i) { return &rp->f[i].s; }
double replay_time(const struct replay *rp, int i) { return rp->f[i].t_s - rp->f[0].t_s; }
int replay_nmodels(const struct replay *rp, int i) { return rp->f[i].nfigs; }
const char *replay_config(const struct replay *rp) { return rp->config; }
uint64_t replay_interval_ns(const struct replay *rp) { return rp->interval_ns; }

const struct run_figs *replay_figs(const struct replay *rp, int i, int model)
{
    return &rp->f[i].figs[model];
}

const struct sample_caps *replay_caps(const struct replay *rp)
{
    return rp->have_caps ? &rp->caps : NULL;
}
