#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdatomic.h>

#include "ui_fixture.h"
#include "util.h"

void ui_fixture_init(struct ui_fixture *f, int ncpu, int ntree, const int *ntasks, bool psi_ok,
                     unsigned seq)
{
    struct sample_machine *m = &f->s.m;

    memset(f, 0, sizeof(*f));
    f->s.seq = seq;
    m->t_ns = 1000000000ull * seq;
    m->dt = seq > 1 ? 0.1 : 0;
    m->ncpu = ncpu;
    m->cpu = xcalloc((size_t)ncpu, sizeof(*m->cpu));
    for (int i = 0; i < ncpu; i++) {
        float busy = (float)((10 * i) % 101) / 100.0f;

        m->cpu[i] = (struct sample_cpu){
            .user = busy * 0.6f, .sys = busy * 0.3f, .irq = busy * 0.1f, .busy = busy,
            .online = true,
        };
    }
    m->total = (struct sample_cpu){ .user = 0.3f, .sys = 0.1f, .busy = 0.42f, .online = true };
    m->ctxt_per_s = 12345;
    m->procs_running = 3;
    m->procs_blocked = 1;
    m->load[0] = 1.25;
    m->load[1] = 0.75;
    m->load[2] = 0.5;
    m->nr_threads = 321;
    m->psi_ok = psi_ok;
    m->psi_some_avg10 = psi_ok ? 4.5f : 0;
    m->mem_total = 8ull << 30;
    m->mem_available = 5ull << 30;

    f->s.ntree = ntree;
    f->s.trees = xcalloc((size_t)MAX(ntree, 1), sizeof(*f->s.trees));
    for (int t = 0; t < ntree; t++) {
        struct sample_tree *tr = &f->s.trees[t];
        pid_t pid = 4000 + 1000 * t;

        tr->root = pid;
        snprintf(tr->label, sizeof(tr->label), "fixproc");
        tr->alive = true;
        tr->nproc = 1;
        tr->ntask = ntasks[t];
        tr->procs = xcalloc(1, sizeof(*tr->procs));
        tr->tasks = xcalloc((size_t)MAX(ntasks[t], 1), sizeof(*tr->tasks));
        tr->cpu_on_core = xcalloc((size_t)ncpu, sizeof(float));
        tr->procs[0] = (struct sample_proc){
            .pid = pid, .ppid = 1, .state = 'S', .nthreads = ntasks[t], .cpu_pct = 150,
            .rss = 45ull << 20, .pss = 30ull << 20, .pss_ok = true,
        };
        snprintf(tr->procs[0].comm, sizeof(tr->procs[0].comm), "fixproc");
        for (int k = 0; k < ntasks[t]; k++) {
            struct sample_task *tk = &tr->tasks[k];

            *tk = (struct sample_task){
                .tid = pid + k, .pid = pid, .state = k % 3 == 0 ? 'R' : 'S', .cpu = k % ncpu,
                .cpu_pct = 12.5f * (float)(k % 8), .vcsw_per_s = 100.0f + (float)k,
                .ivcsw_per_s = 7, .csw_ok = true, .wait_pct = 0, .wait_ok = false,
            };
            if (k == 0)
                snprintf(tk->comm, sizeof(tk->comm), "fixproc");
            else
                snprintf(tk->comm, sizeof(tk->comm), "worker-%d", k);
        }
        tr->cpu_pct = 150;
        tr->nr_running = (ntasks[t] + 2) / 3;
        tr->vcsw_per_s = 420;
        tr->ivcsw_per_s = 21;
        tr->rss = 45ull << 20;
        tr->pss = 30ull << 20;
        tr->pss_ok = true;
    }
    for (int i = 0; i < SAMPLE_CAP_COUNT; i++)
        f->caps.ok[i] = true;
    f->caps.ok[SAMPLE_CAP_SCHEDSTAT_WAIT] = false;
    f->caps.why[SAMPLE_CAP_SCHEDSTAT_WAIT] = "reads 0: sched_info off";
    if (!psi_ok) {
        f->caps.ok[SAMPLE_CAP_PSI] = false;
        f->caps.why[SAMPLE_CAP_PSI] = "absent (kernel built without CONFIG_PSI)";
    }
}

void ui_fixture_free(struct ui_fixture *f)
{
    for (int t = 0; t < f->s.ntree; t++) {
        free(f->s.trees[t].procs);
        free(f->s.trees[t].tasks);
        free(f->s.trees[t].cpu_on_core);
    }
    free(f->s.trees);
    free(f->s.m.cpu);
    memset(f, 0, sizeof(*f));
}

/* One model's hand-built figures: recognisable numbers, not measured ones. */
void ui_fixture_figs(struct run_figs *f, enum probe_model kind, enum work_kind w, int i)
{
    static const char *const names[] = { "?", "procs", "threads", "loop", "goroutines" };

    memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->name = names[kind];
    f->state = RUN_M_RUNNING;
    f->pid = UI_FIXTURE_PID0 + i;
    f->t_ns = 2000000000ull;
    f->ntasks = f->asked = 8;
    f->workload = w;
    f->ncpu = 2;
    f->ncores_allowed = 2;
    f->os_tasks = kind == PROBE_MODEL_LOOP ? 1 : 8;
    f->os_running = 2;
    f->rq_wait = 0.5f;
    f->rq_wait_ok = true;
    f->rss = (uint64_t)(10 + 10 * i) << 20;
    f->pss = 5ull << 20;
    f->pss_ok = true;
    f->mem_per_task = 64 * 1024;
    f->mem_per_task_ok = true;
    f->vcsw_per_s = 420;
    f->ivcsw_per_s = 21;
    if (kind == PROBE_MODEL_LOOP) {
        f->cores = 1.0f;
        f->on_core[0] = 1.0f;
        f->rt_switch_per_s = 1234;
        f->rt_switch_what = "callbacks";
        f->rt_queue = 7;
        f->rt_queue_ok = true;
        f->loop_ok = true;
        f->loop_lag_ms = 250;
    } else {
        f->cores = 2.0f;
        f->on_core[0] = f->on_core[1] = 1.0f;
    }
    if (kind == PROBE_MODEL_GOROUTINES) {
        f->rt_switch_per_s = 5000;
        f->rt_switch_what = "G switches";
        f->rt_queue = 3;
        f->rt_queue_ok = true;
    }
    f->units_per_s = 100 + i;
    if (w == WORK_IO) {
        f->lat_ok = true;
        f->lat_p50_ms = 20.5;
        f->lat_p99_ms = 31;
        f->units_per_s = 380;
        f->cores = 0.05f;
        f->state_count[PROBE_ST_IO] = 8;
    } else {
        f->state_count[PROBE_ST_RUNNING] = 2;
        f->state_count[PROBE_ST_RUNNABLE] = 6;
    }
}

void ui_fixture_run_init(struct ui_fixture_run *r, int n, enum work_kind w)
{
    static const enum probe_model kinds[] = { PROBE_MODEL_PROCS, PROBE_MODEL_THREADS,
                                              PROBE_MODEL_LOOP, PROBE_MODEL_GOROUTINES };

    memset(r, 0, sizeof(*r));
    r->in.n = n;
    r->in.mode = RUN_MODE_SPLIT;
    r->in.fairness = "split: 1 core per model, pinned";
    r->in.fair = true;
    r->in.workload = w;
    r->in.latency_ms = 20;
    for (int i = 0; i < n; i++) {
        ui_fixture_figs(&r->f[i], kinds[i], w, i);
        for (int t = 0; t < 8; t++) {
            unsigned st = w == WORK_IO ? PROBE_ST_IO : t < 2 ? PROBE_ST_RUNNING
                                                             : PROBE_ST_RUNNABLE;

            atomic_store(&r->slots[i][t].state, st);
        }
        r->in.m[i] = (struct panels_model_in){ .f = &r->f[i], .slots = r->slots[i], .nslots = 8 };
    }
}
