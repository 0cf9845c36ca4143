#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/json.h"
#include "report/report.h"
#include "util.h"

static void report__isolation(const struct run_figs *f, char *b, size_t n);
static void report__parallelism(const struct run_figs *f, char *b, size_t n);
static void report__best_for(const struct run_figs *f, char *b, size_t n);
enum { REPORT__ROWS = 10, REPORT__CELL = 40 };

/* A watched tree over the run, for the headless table of --pid trees. */
struct report__tree {
    pid_t    root;
    char     label[SAMPLE_LABEL_MAX];
    bool     alive;
    unsigned n;                     /* samples with a CPU figure */
    double   cpu_sum, vcsw_sum, ivcsw_sum;
    int      nproc, ntask, ntask_max;
    uint64_t rss, rss_max, pss;
    bool     pss_ok;
};

struct report {
    FILE       *jf, *cf;
    struct json j;
    uint64_t    t0_ns;
    const char *json_path, *csv_path;
    bool        caps_written;
    struct report__tree *trees;
    int         ntree;
};

static double report__nan_unless(bool ok, double v)
{
    return ok ? v : NAN;
}

static void report__config(struct json *j, const struct run *r, uint64_t interval_ns)
{
    const struct run_opts *o = run_options(r);
    json_key(j, "config");
    json_object_begin(j);
    json_kv_str(j, "workload", work_name(o->workload));
    json_kv_str(j, "mode", run_mode_name(o->mode));
    json_kv_str(j, "fairness", run_fairness(r));
    json_kv_bool(j, "fair", run_fair(r));
    json_kv_num(j, "interval_ms", interval_ns / 1e6);
    json_kv_num(j, "turn_s", o->turn_ns / 1e9);
    json_kv_bool(j, "gil", o->gil);
    json_kv_bool(j, "offload", o->offload);
    if (o->gomaxprocs)
        json_kv_uint(j, "gomaxprocs", o->gomaxprocs);
    json_key(j, "models");
    json_array_begin(j);
    for (int i = 0; i < o->nmodels; i++) {
        json_object_begin(j);
        json_kv_str(j, "name", probe_model_name(o->models[i]));
        json_kv_uint(j, "tasks", o->ntasks[o->models[i]]);
        json_object_end(j);
    }
    json_array_end(j);
    json_object_end(j);
}

int report_open(const char *json_path, const char *csv_path, const struct run *r,
                uint64_t interval_ns, struct report **out, char *err, size_t errlen)
{
    struct report *rep = xcalloc(1, sizeof(*rep));
    rep->json_path = json_path;
    rep->csv_path = csv_path;
    if (json_path != NULL && (rep->jf = fopen(json_path, "we")) == NULL) {
        int e = errno;
        snprintf(err, errlen, "--json %s: %s", json_path, strerror(e));
        free(rep);
        return -e;
    }
    if (csv_path != NULL && (rep->cf = fopen(csv_path, "we")) == NULL) {
        int e = errno;
        snprintf(err, errlen, "--csv %s: %s", csv_path, strerror(e));
        if (rep->jf)
            fclose(rep->jf);
        free(rep);
        return -e;
    }
    if (rep->jf != NULL) {
        json_init(&rep->j, rep->jf, true);
        json_object_begin(&rep->j);
        json_kv_str(&rep->j, "schedwatch", PACKAGE_VERSION);
        json_kv_int(&rep->j, "format", REPORT_FORMAT);
        json_key(&rep->j, "machine");
        json_object_begin(&rep->j);
        json_kv_int(&rep->j, "cores_online", sysconf(_SC_NPROCESSORS_ONLN));
        json_object_end(&rep->j);
        if (r != NULL)
            report__config(&rep->j, r, interval_ns);
        json_key(&rep->j, "samples");
        json_array_begin(&rep->j);
    }
    if (rep->cf != NULL)
        fputs("t_s,model,state,tasks,cores,rss,pss,mem_per_task,vcsw_per_s,ivcsw_per_s,"
              "runtime_switches_per_s,units_per_s,lat_p50_ms,lat_p99_ms,loop_lag_ms\n", rep->cf);
    rep->t0_ns = util_now_ns();     /* sample times count from the start of the run */
    *out = rep;
    return 0;
}

static void report__csv_num(FILE *f, bool ok, double v)
{
    if (ok && isfinite(v))
        fprintf(f, ",%.6g", v);
    else
        fputs(",", f);
}

static void report__figs_json(struct json *j, const struct run_figs *f)
{
    json_object_begin(j);
    json_kv_str(j, "name", f->name);
    json_kv_str(j, "state", run_mstate_name(f->state));
    if (f->text[0])
        json_kv_str(j, "text", f->text);
    json_kv_uint(j, "tasks", f->ntasks);
    json_kv_uint(j, "asked", f->asked);
    json_kv_str(j, "workload", work_name(f->workload));
    json_kv_bool(j, "gil", f->gil);
    json_kv_bool(j, "offload", f->offload);
    json_kv_int(j, "cores_allowed", f->ncores_allowed);
    json_kv_num(j, "cores", f->cores);
    json_key(j, "on_core");
    json_array_begin(j);
    for (int c = 0; c < f->ncpu; c++)
        json_num(j, f->on_core[c]);
    json_array_end(j);
    json_kv_int(j, "os_tasks", f->os_tasks);
    json_kv_int(j, "os_running", f->os_running);
    json_kv_num(j, "rq_wait_cores", report__nan_unless(f->rq_wait_ok, f->rq_wait));
    json_kv_uint(j, "rss", f->rss);
    json_kv_num(j, "pss", report__nan_unless(f->pss_ok, (double)f->pss));
    json_kv_num(j, "mem_per_task", report__nan_unless(f->mem_per_task_ok, f->mem_per_task));
    json_kv_num(j, "vcsw_per_s", f->vcsw_per_s);
    json_kv_num(j, "ivcsw_per_s", f->ivcsw_per_s);
    json_kv_num(j, "runtime_switches_per_s",
                report__nan_unless(f->rt_switch_what != NULL, f->rt_switch_per_s));
    if (f->rt_switch_what)
        json_kv_str(j, "runtime_switches", f->rt_switch_what);
    json_kv_num(j, "runtime_queue", report__nan_unless(f->rt_queue_ok, f->rt_queue));
    json_kv_num(j, "units_per_s", f->units_per_s);
    json_kv_num(j, "bytes_per_s", f->bytes_per_s);
    json_kv_uint(j, "units", f->units);
    json_kv_num(j, "lat_p50_ms", report__nan_unless(f->lat_ok, f->lat_p50_ms));
    json_kv_num(j, "lat_p99_ms", report__nan_unless(f->lat_ok, f->lat_p99_ms));
    json_kv_num(j, "loop_lag_ms", report__nan_unless(f->loop_ok, f->loop_lag_ms));
    json_kv_num(j, "loop_idle_pct", report__nan_unless(f->loop_ok, f->loop_idle_pct));
    json_kv_num(j, "create_ns", report__nan_unless(f->create_ok, f->create_ns));
    json_key(j, "states");
    json_object_begin(j);
    for (int k = 0; k < PROBE_ST_COUNT; k++)
        if (f->state_count[k] > 0)
            json_kv_int(j, probe_state_name((enum probe_state)k), f->state_count[k]);
    json_object_end(j);
    if (f->go_ok) {
        /* the goroutine runtime's own figures */
        json_key(j, "runtime");
        json_object_begin(j);
        json_kv_int(j, "gomaxprocs", f->go_procs);
        json_key(j, "runq");
        json_array_begin(j);
        for (int i = 0; i < f->go_procs; i++)
            json_num(j, f->go_runq[i] + (f->go_runnext[i] ? 1 : 0));
        json_array_end(j);
        json_kv_uint(j, "globrunq", f->go_globrunq);
        json_kv_num(j, "steals_per_s", f->go_steals_per_s);
        json_kv_num(j, "preemptions_per_s", f->go_preempt_per_s);
        json_kv_num(j, "netpoll_wakes_per_s", f->go_netpoll_per_s);
        json_kv_int(j, "ms_running", f->go_ms_running);
        json_kv_int(j, "ms_spinning", f->go_ms_spinning);
        json_kv_int(j, "ms_idle", f->go_ms_idle);
        json_kv_int(j, "ms_syscall", f->go_ms_syscall);
        json_object_end(j);
    }
    json_object_end(j);
}

/* Format 2: what --replay needs to draw the same screen (the machine's per-core split
 * and the trees' totals); format-1 readers ignore the extra members. */
static void report__cpu_json(struct json *j, const struct sample_cpu *c)
{
    json_object_begin(j);
    json_kv_num(j, "user", c->user);
    json_kv_num(j, "sys", c->sys);
    json_kv_num(j, "iowait", c->iowait);
    json_kv_num(j, "irq", c->irq);
    json_kv_num(j, "steal", c->steal);
    json_kv_num(j, "busy", c->busy);
    json_kv_bool(j, "online", c->online);
    json_object_end(j);
}

static void report__machine_more(struct json *j, const struct sample_machine *m)
{
    json_kv_num(j, "dt_s", m->dt);
    json_key(j, "cpu");
    json_array_begin(j);
    for (int c = 0; c < m->ncpu; c++)
        report__cpu_json(j, &m->cpu[c]);
    json_array_end(j);
    json_key(j, "total");
    report__cpu_json(j, &m->total);
    json_kv_num(j, "forks_per_s", m->forks_per_s);
    json_key(j, "load");
    json_array_begin(j);
    for (int i = 0; i < 3; i++)
        json_num(j, m->load[i]);
    json_array_end(j);
    json_kv_uint(j, "nr_threads", m->nr_threads);
    json_kv_num(j, "psi_some_now", report__nan_unless(m->psi_ok, m->psi_some_now));
    json_kv_uint(j, "mem_total", m->mem_total);
    json_kv_uint(j, "mem_available", m->mem_available);
}

static void report__tree_json(struct json *j, const struct sample_tree *t, int ncpu)
{
    json_object_begin(j);
    json_kv_int(j, "root", t->root);
    json_kv_str(j, "label", t->label);
    json_kv_bool(j, "alive", t->alive);
    json_kv_int(j, "nproc", t->nproc);
    json_kv_int(j, "ntask", t->ntask);
    json_kv_num(j, "cpu_pct", t->cpu_pct);
    json_key(j, "cpu_on_core");
    json_array_begin(j);
    for (int c = 0; c < ncpu && t->cpu_on_core != NULL; c++)
        json_num(j, t->cpu_on_core[c]);
    json_array_end(j);
    json_kv_int(j, "nr_running", t->nr_running);
    json_kv_int(j, "nr_blocked", t->nr_blocked);
    json_kv_num(j, "vcsw_per_s", t->vcsw_per_s);
    json_kv_num(j, "ivcsw_per_s", t->ivcsw_per_s);
    json_kv_num(j, "wait_pct", t->wait_pct);
    json_kv_uint(j, "rss", t->rss);
    json_kv_num(j, "pss", report__nan_unless(t->pss_ok, (double)t->pss));
    /* Procs and tasks as compact rows: one line each, so a file of thousands of tasks
     * stays readable and a tenth of the size of an object per task. */
    bool pretty = j->pretty;
    json_key(j, "procs");
    json_array_begin(j);
    for (int i = 0; i < t->nproc; i++) {
        const struct sample_proc *p = &t->procs[i];
        char st[2] = { p->state ? p->state : '?', 0 };
        json_array_begin(j);
        j->pretty = false;
        json_int(j, p->pid);
        json_int(j, p->ppid);
        json_str(j, p->comm);
        json_str(j, st);
        json_int(j, p->nthreads);
        json_num(j, p->cpu_pct);
        json_uint(j, p->rss);
        json_uint(j, p->pss);
        json_bool(j, p->pss_ok);
        json_uint(j, p->vsize);
        json_array_end(j);
        j->pretty = pretty;
    }
    json_array_end(j);
    json_key(j, "tasks");
    json_array_begin(j);
    for (int i = 0; i < t->ntask; i++) {
        const struct sample_task *k = &t->tasks[i];
        char st[2] = { k->state ? k->state : '?', 0 };
        json_array_begin(j);
        j->pretty = false;
        json_int(j, k->tid);
        json_int(j, k->pid);
        json_str(j, k->comm);
        json_str(j, st);
        json_int(j, k->cpu);
        json_num(j, k->cpu_pct);
        json_num(j, k->user_pct);
        json_num(j, k->sys_pct);
        json_bool(j, k->cpu_ok);
        json_num(j, k->vcsw_per_s);
        json_num(j, k->ivcsw_per_s);
        json_bool(j, k->csw_ok);
        json_num(j, k->wait_pct);
        json_bool(j, k->wait_ok);
        json_array_end(j);
        j->pretty = pretty;
    }
    json_array_end(j);
    json_object_end(j);
}

static void report__trees(struct report *rep, const struct sample *s)
{
    for (int i = 0; i < s->ntree; i++) {
        const struct sample_tree *t = &s->trees[i];
        struct report__tree *a = NULL;
        for (int k = 0; k < rep->ntree && a == NULL; k++)
            if (rep->trees[k].root == t->root)
                a = &rep->trees[k];
        if (a == NULL) {
            rep->trees = xreallocarray(rep->trees, (size_t)rep->ntree + 1, sizeof(*a));
            a = &rep->trees[rep->ntree++];
            memset(a, 0, sizeof(*a));
            a->root = t->root;
        }
        a->alive = t->alive;
        if (!t->alive)
            continue;
        memcpy(a->label, t->label, sizeof(a->label));
        /* The first sample of a tree has no interval yet: no rates. */
        if (s->seq > 1) {
            a->n++;
            a->cpu_sum += t->cpu_pct;
            a->vcsw_sum += t->vcsw_per_s;
            a->ivcsw_sum += t->ivcsw_per_s;
        }
        a->nproc = t->nproc;
        a->ntask = t->ntask;
        a->ntask_max = MAX(a->ntask_max, t->ntask);
        a->rss = t->rss;
        a->rss_max = MAX(a->rss_max, t->rss);
        a->pss = t->pss;
        a->pss_ok = t->pss_ok;
    }
}

void report_sample(struct report *rep, const struct sample *s, const struct sample_caps *caps,
                   const struct run *r)
{
    double t = s->m.t_ns > rep->t0_ns ? (s->m.t_ns - rep->t0_ns) / 1e9 : 0;
    report__trees(rep, s);
    if (rep->jf != NULL) {
        struct json *j = &rep->j;
        json_object_begin(j);
        json_kv_uint(j, "seq", s->seq);
        json_kv_num(j, "t_s", t);
        if (caps != NULL && !rep->caps_written) {
            json_key(j, "caps");
            json_object_begin(j);
            for (int c = 0; c < SAMPLE_CAP_COUNT; c++) {
                if (caps->ok[c])
                    json_kv_bool(j, sample_cap_name((enum sample_cap)c), true);
                else
                    json_kv_str(j, sample_cap_name((enum sample_cap)c),
                                caps->why[c] ? caps->why[c] : "unavailable");
            }
            json_object_end(j);
            rep->caps_written = true;
        }
        json_key(j, "machine");
        json_object_begin(j);
        json_key(j, "busy");
        json_array_begin(j);
        for (int c = 0; c < s->m.ncpu; c++)
            json_num(j, s->m.cpu[c].online ? s->m.cpu[c].busy : NAN);
        json_array_end(j);
        json_kv_num(j, "ctxt_per_s", s->m.ctxt_per_s);
        json_kv_uint(j, "procs_running", s->m.procs_running);
        json_kv_uint(j, "procs_blocked", s->m.procs_blocked);
        json_kv_num(j, "load1", s->m.load[0]);
        json_kv_num(j, "psi_some_avg10", report__nan_unless(s->m.psi_ok, s->m.psi_some_avg10));
        report__machine_more(j, &s->m);
        json_object_end(j);
        json_key(j, "trees");
        json_array_begin(j);
        for (int i = 0; i < s->ntree; i++)
            report__tree_json(j, &s->trees[i], s->m.ncpu);
        json_array_end(j);
        if (r != NULL) {
            json_key(j, "models");
            json_array_begin(j);
            for (int i = 0; i < run_count(r); i++)
                report__figs_json(j, run_figs(r, i));
            json_array_end(j);
        }
        json_object_end(j);
    }
    if (rep->cf != NULL && r != NULL) {
        for (int i = 0; i < run_count(r); i++) {
            const struct run_figs *f = run_figs(r, i);
            fprintf(rep->cf, "%.3f,%s,%s,%u", t, f->name, run_mstate_name(f->state), f->ntasks);
            report__csv_num(rep->cf, true, f->cores);
            report__csv_num(rep->cf, true, (double)f->rss);
            report__csv_num(rep->cf, f->pss_ok, (double)f->pss);
            report__csv_num(rep->cf, f->mem_per_task_ok, f->mem_per_task);
            report__csv_num(rep->cf, true, f->vcsw_per_s);
            report__csv_num(rep->cf, true, f->ivcsw_per_s);
            report__csv_num(rep->cf, f->rt_switch_what != NULL, f->rt_switch_per_s);
            report__csv_num(rep->cf, true, f->units_per_s);
            report__csv_num(rep->cf, f->lat_ok, f->lat_p50_ms);
            report__csv_num(rep->cf, f->lat_ok, f->lat_p99_ms);
            report__csv_num(rep->cf, f->loop_ok, f->loop_lag_ms);
            fputc('\n', rep->cf);
        }
    }
}

int report_close(struct report *rep, const struct run *r, char *err, size_t errlen)
{
    int rc = 0;
    if (rep == NULL)
        return 0;
    if (rep->jf != NULL) {
        struct json *j = &rep->j;
        json_array_end(j);
        if (r != NULL) {
            json_key(j, "summary");
            json_object_begin(j);
            json_kv_str(j, "fairness", run_fairness(r));
            json_kv_bool(j, "fair", run_fair(r));
            if (run_error(r)[0])
                json_kv_str(j, "error", run_error(r));
            json_key(j, "models");
            json_array_begin(j);
            for (int i = 0; i < run_count(r); i++) {
                const struct run_figs *f = run_figs(r, i);
                double secs, cores, ups;
                bool ok = run_summary(r, i, &secs, &cores, &ups);
                json_object_begin(j);
                json_kv_str(j, "name", f->name);
                json_kv_str(j, "state", run_mstate_name(f->state));
                if (f->text[0])
                    json_kv_str(j, "text", f->text);
                json_kv_uint(j, "tasks", f->ntasks);
                json_kv_num(j, "measured_s", secs);
                json_kv_num(j, "cores", report__nan_unless(ok, cores));
                json_kv_num(j, "units_per_s", report__nan_unless(ok, ups));
                json_kv_num(j, "mem_per_task", report__nan_unless(f->mem_per_task_ok,
                                                                  f->mem_per_task));
                double p50, p99;
                bool lok = run_summary_latency(r, i, &p50, &p99);
                json_kv_num(j, "lat_p50_ms", report__nan_unless(lok, p50));
                json_kv_num(j, "lat_p99_ms", report__nan_unless(lok, p99));
                json_kv_num(j, "create_ns", report__nan_unless(f->create_ok, f->create_ns));
                json_kv_num(j, "switch_ns", report__nan_unless(
                    f->workload == WORK_PINGPONG && f->lat_ok, f->lat_p50_ms * 1e6 / 2));
                char isol[REPORT__CELL], par[REPORT__CELL], best[REPORT__CELL];
                report__isolation(f, isol, sizeof(isol));
                report__parallelism(f, par, sizeof(par));
                report__best_for(f, best, sizeof(best));
                json_kv_str(j, "isolation", isol);
                json_kv_str(j, "parallelism", par);
                json_kv_str(j, "best_for", best);
                json_object_end(j);
            }
            json_array_end(j);
            json_object_end(j);
        }
        json_object_end(j);
        if (ferror(rep->jf) | (fclose(rep->jf) != 0)) {
            rc = -EIO;
            snprintf(err, errlen, "--json %s: write failed", rep->json_path);
        }
    }
    if (rep->cf != NULL && (ferror(rep->cf) | (fclose(rep->cf) != 0))) {
        rc = -EIO;
        snprintf(err, errlen, "--csv %s: write failed", rep->csv_path);
    }
    free(rep->trees);
    free(rep);
    return rc;
}

void report_trees(FILE *f, const struct report *rep, const pid_t *roots, int nroots)
{
    bool head = false;

    for (int i = 0; i < nroots; i++) {
        const struct report__tree *a = NULL;
        for (int k = 0; k < rep->ntree && a == NULL; k++)
            if (rep->trees[k].root == roots[i])
                a = &rep->trees[k];
        if (a == NULL)
            continue;
        if (!head) {
            fprintf(f, "%-8s %-16s %6s %8s %8s %10s %10s %10s %10s\n", "pid", "tree",
                    "procs", "threads", "cpu %", "rss", "pss", "vcsw/s", "ivcsw/s");
            head = true;
        }
        char rss[16], pss[16], cpu[16], v[16], iv[16];
        util_fmt_bytes(rss, sizeof(rss), a->rss);
        if (a->pss_ok)
            util_fmt_bytes(pss, sizeof(pss), a->pss);
        else
            snprintf(pss, sizeof(pss), "n/a");
        if (a->n > 0) {
            snprintf(cpu, sizeof(cpu), "%.1f", a->cpu_sum / a->n);
            snprintf(v, sizeof(v), "%.0f", a->vcsw_sum / a->n);
            snprintf(iv, sizeof(iv), "%.0f", a->ivcsw_sum / a->n);
        } else {
            snprintf(cpu, sizeof(cpu), "n/a");
            snprintf(v, sizeof(v), "n/a");
            snprintf(iv, sizeof(iv), "n/a");
        }
        fprintf(f, "%-8d %-16.16s %6d %8d %8s %10s %10s %10s %10s%s\n", (int)a->root,
                a->label, a->nproc, a->ntask, cpu, rss, pss, v, iv,
                a->alive ? "" : "  (ended)");
    }
    if (head)
        fprintf(f, "cpu %% is of one core and ctxsw/s per second, averaged over the run; "
                "procs, threads, rss and pss as last seen\n");
}

void report_table(FILE *f, const struct run *r)
{
    const struct run_opts *o = run_options(r);
    char b1[32];
    fprintf(f, "workload %s, %s\n", work_name(o->workload), run_fairness(r));
    fprintf(f, "%-11s %7s %6s %11s %11s %9s %9s %12s  %s\n", "model", "tasks", "cores",
            "units/s", "mem/task", "p50 ms", "p99 ms", "ctxsw/s", "state");
    for (int i = 0; i < run_count(r); i++) {
        const struct run_figs *m = run_figs(r, i);
        double secs, cores, ups;
        bool ok = run_summary(r, i, &secs, &cores, &ups);
        char c[16] = "n/a", u[24] = "n/a", p50[16] = "n/a", p99[16] = "n/a";
        if (ok) {
            snprintf(c, sizeof(c), "%.2f", cores);
            snprintf(u, sizeof(u), "%.1f", ups);
        }
        double l50, l99;
        if (run_summary_latency(r, i, &l50, &l99)) {
            snprintf(p50, sizeof(p50), "%.2f", l50);
            snprintf(p99, sizeof(p99), "%.2f", l99);
        }
        fprintf(f, "%-11s %7u %6s %11s %11s %9s %9s %12.0f  %s%s%s\n", m->name, m->ntasks, c, u,
                m->mem_per_task_ok ? util_fmt_bytes(b1, sizeof(b1), m->mem_per_task) : "n/a",
                p50, p99, m->vcsw_per_s + m->ivcsw_per_s, run_mstate_name(m->state),
                m->text[0] ? ": " : "", m->text);
    }
    if (!run_fair(r))
        fprintf(f, "note: the models shared cores; their throughput is not comparable "
                   "(use --mode turns or split)\n");
    if (run_error(r)[0])
        fprintf(f, "note: %s\n", run_error(r));
}

/* ---- the comparison table ----------------------------------------------------------- */

static void report__isolation(const struct run_figs *f, char *b, size_t n)
{
    switch (f->kind) {
    case PROBE_MODEL_PROCS: snprintf(b, n, "own memory: a crash stays put"); break;
    case PROBE_MODEL_THREADS: snprintf(b, n, "shared memory: a crash ends all"); break;
    case PROBE_MODEL_LOOP: snprintf(b, n, "one thread: a stall stops all"); break;
    default: snprintf(b, n, "shared memory: a panic ends all"); break;
    }
}

static void report__parallelism(const struct run_figs *f, char *b, size_t n)
{
    switch (f->kind) {
    case PROBE_MODEL_PROCS: snprintf(b, n, "every core"); break;
    case PROBE_MODEL_THREADS:
        snprintf(b, n, f->gil ? "one core at a time (GIL)" : "every core");
        break;
    case PROBE_MODEL_LOOP:
        snprintf(b, n, f->offload ? "one core + its thread pool" : "one core");
        break;
    default: snprintf(b, n, "GOMAXPROCS cores"); break;
    }
}

static void report__best_for(const struct run_figs *f, char *b, size_t n)
{
    switch (f->kind) {
    case PROBE_MODEL_PROCS: snprintf(b, n, "CPU work that must be isolated"); break;
    case PROBE_MODEL_THREADS: snprintf(b, n, "CPU work on shared data"); break;
    case PROBE_MODEL_LOOP: snprintf(b, n, "many tasks waiting on I/O"); break;
    default: snprintf(b, n, "many tasks, every core"); break;
    }
}

static void report__cells(const struct report_cmp *m, char cell[REPORT__ROWS][REPORT__CELL])
{
    const struct run_figs *f = m->f;
    char b[32];
    const char *na_state = f->state == RUN_M_STARTING ? "starting"
                         : f->state == RUN_M_FAILED ? "failed"
                         : f->t_ns == 0 && !m->avg_ok ? "not measured yet" : NULL;
    snprintf(cell[0], REPORT__CELL, "%s (%u)", f->name, f->ntasks);
    if (na_state != NULL) {
        for (int r = 1; r < 7; r++)
            snprintf(cell[r], REPORT__CELL, "n/a (%s)", na_state);
    } else {
        snprintf(cell[1], REPORT__CELL, "%s",
                 f->mem_per_task_ok ? util_fmt_bytes(b, sizeof(b), f->mem_per_task) : "n/a");
        if (f->create_ok)
            snprintf(cell[2], REPORT__CELL, "%.1f us", f->create_ns / 1e3);
        else
            snprintf(cell[2], REPORT__CELL, "n/a: run -w spawn");
        if (f->workload == WORK_PINGPONG && f->lat_ok)
            snprintf(cell[3], REPORT__CELL, "%.2f us", f->lat_p50_ms * 1e3 / 2);
        else
            snprintf(cell[3], REPORT__CELL, "n/a: run -w pingpong");
        snprintf(cell[4], REPORT__CELL, "%.2f", m->avg_ok ? m->cores : f->cores);
        snprintf(cell[5], REPORT__CELL, "%.0f units/s", m->avg_ok ? m->units_per_s
                                                                 : f->units_per_s);
        if (m->lat_ok)
            snprintf(cell[6], REPORT__CELL, "%.1f / %.1f ms", m->p50_ms, m->p99_ms);
        else if (f->lat_ok)
            snprintf(cell[6], REPORT__CELL, "%.1f / %.1f ms", f->lat_p50_ms, f->lat_p99_ms);
        else if (f->workload == WORK_IO || f->workload == WORK_MIXED ||
                 f->workload == WORK_FANOUT)
            snprintf(cell[6], REPORT__CELL, "n/a");
        else
            snprintf(cell[6], REPORT__CELL, "n/a: run -w io");
    }
    report__isolation(f, cell[7], REPORT__CELL);
    report__parallelism(f, cell[8], REPORT__CELL);
    report__best_for(f, cell[9], REPORT__CELL);
}

char *report_compare(const struct report_cmp *m, int n)
{
    static const char *const label[REPORT__ROWS] = {
        "", "memory per task", "creation cost", "switch cost", "cores used", "throughput",
        "latency p50/p99", "isolation", "parallelism", "best for",
    };
    char (*cell)[REPORT__ROWS][REPORT__CELL] = xcalloc((size_t)MAX(n, 1), sizeof(*cell));
    int w[RUN_MAX_MODELS] = { 0 };
    n = MIN(n, RUN_MAX_MODELS);
    for (int i = 0; i < n; i++) {
        report__cells(&m[i], cell[i]);
        for (int r = 0; r < REPORT__ROWS; r++)
            w[i] = MAX(w[i], (int)strlen(cell[i][r]));
    }
    size_t cap = (size_t)REPORT__ROWS * (18 + (size_t)n * (REPORT__CELL + 2) + 2) + 1, at = 0;
    char *out = xmalloc(cap);
    for (int r = 0; r < REPORT__ROWS; r++) {
        at += (size_t)snprintf(out + at, cap - at, "%-16s", label[r]);
        for (int i = 0; i < n; i++)
            at += (size_t)snprintf(out + at, cap - at, "  %-*s", i == n - 1 ? 0 : w[i],
                                   cell[i][r]);
        while (at > 0 && out[at - 1] == ' ')
            at--;
        at += (size_t)snprintf(out + at, cap - at, r + 1 < REPORT__ROWS ? "\n" : "");
    }
    out[at] = '\0';
    free(cell);
    return out;
}

char *report_compare_run(const struct run *r)
{
    struct report_cmp m[RUN_MAX_MODELS];
    int n = MIN(run_count(r), RUN_MAX_MODELS);
    for (int i = 0; i < n; i++) {
        double secs;
        memset(&m[i], 0, sizeof(m[i]));
        m[i].f = run_figs(r, i);
        m[i].avg_ok = run_summary(r, i, &secs, &m[i].cores, &m[i].units_per_s);
        m[i].lat_ok = run_summary_latency(r, i, &m[i].p50_ms, &m[i].p99_ms);
    }
    return report_compare(m, n);
}
