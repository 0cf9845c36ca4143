/*
 * panels.c — the model panels.
 *
 * Every panel has the same rows in the same order, so a row read across the
 * screen compares the models on one thing:
 *
 *   title     "1 procs   8 tasks              running"
 *   cores     CPU used (cores of its share), one cell per core, history
 *   runq      waiting work as the model sees it: runnable OS tasks and their
 *             run-queue wait (procs, threads); ready callbacks and loop lag
 *             (loop); the runtime's ready queue (goroutines; its per-P local
 *             queues, global queue and steals take this row when run_figs
 *             carries them)
 *   tasks     one cell per task coloured (and shaped) by state; past the
 *             room, or past PANELS_GRID_MAX tasks, a proportional bar of the
 *             state counts; then the legend with the counts
 *   mem       RSS (and PSS for procs), per task, and a bar on one scale
 *             across the panels (the largest model fills it)
 *   csw       OS context switches per second, voluntary and involuntary, and
 *             beside them the runtime's own switches (callbacks, GIL
 *             hand-offs, goroutine switches), labelled as such
 *   work      units per second and, when tasks measure latency, p50 / p99
 *   note      one line derived from the numbers above (panels_note)
 *
 * Height: the nine rows are the minimum (eight when the legend fits beside
 * the tasks); rows beyond go to, in order, more note lines, a memory bar row
 * of its own, a second switches row, the task grid, one line per core with
 * its own history, and a second legend line.
 * Below nine rows the least telling rows drop out (legend first, the note
 * and the title last).
 *
 * A model waiting its turn (turns mode) keeps its last turn's figures, dimmed
 * and labelled; a failed one shows why in its note row.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "ui/panels.h"
#include "util.h"

#define PANELS_LW 6                 /* the label column: "cores ", "runq  " ... */
#define PANELS_SPARK_MAX 128

static const char *const panels__st_short[PROBE_ST_COUNT] = {
    [PROBE_ST_IDLE] = "idle", [PROBE_ST_RUNNING] = "run", [PROBE_ST_RUNNABLE] = "ready",
    [PROBE_ST_IO] = "io", [PROBE_ST_LOCK] = "lock", [PROBE_ST_CHAN] = "chan",
    [PROBE_ST_GIL] = "gil", [PROBE_ST_SLEEP] = "sleep", [PROBE_ST_DONE] = "done",
};

static enum theme_role panels__st_role(unsigned st)
{
    return st < PROBE_ST_COUNT ? (enum theme_role)(THEME_TASK_IDLE + st) : THEME_TASK_IDLE;
}

static const char *panels__unit(enum work_kind w)
{
    switch (w) {
    case WORK_CPU:      return "chunks";
    case WORK_IO:       return "req";
    case WORK_MIXED:    return "req";
    case WORK_LOCK:     return "updates";
    case WORK_FANOUT:   return "msgs";
    case WORK_SPAWN:    return "spawns";
    case WORK_PINGPONG: return "bounces";
    default:            return "units";
    }
}

/* ---- the ring ------------------------------------------------------------------ */

/*
 * The rings are mappings of their own: untouched until used whatever malloc's mmap
 * threshold has grown to (calloc from the heap may clear, so touch, the whole block).
 * MAP_NORESERVE keeps the kernel from merging them with malloc's mappings and marks
 * them in /proc/PID/smaps (VmFlags "nr"), where tests/bench/soak finds them: their
 * growth until full is by design, and it must not hide or fake a leak.
 */
static void *panels__map(size_t bytes)
{
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (m == MAP_FAILED) {
        fprintf(stderr, "schedwatch: out of memory (%zu bytes)\n", bytes);
        abort();
    }
    return m;
}

static size_t panels__ring_bytes(void)
{
    return (size_t)PANELS_HIST_CAP * sizeof(struct panels_entry);
}

static size_t panels__cpu_bytes(int ncpu)
{
    return (size_t)PANELS_HIST_CAP * (size_t)MAX(ncpu, 1) * sizeof(struct sample_cpu);
}

void panels_init(struct panels_state *p)
{
    memset(p, 0, sizeof(*p));
}

void panels_free(struct panels_state *p)
{
    if (p->ring != NULL)
        munmap(p->ring, panels__ring_bytes());
    if (p->cpu != NULL)
        munmap(p->cpu, panels__cpu_bytes(p->ncpu));
    memset(p, 0, sizeof(*p));
}

static void panels__grid_set(uint8_t *g, uint32_t i, unsigned st)
{
    uint8_t *b = &g[i / 2];

    if (i & 1)
        *b = (uint8_t)((*b & 0x0f) | ((st & 0x0f) << 4));
    else
        *b = (uint8_t)((*b & 0xf0) | (st & 0x0f));
}

static unsigned panels__grid_get(const uint8_t *g, uint32_t i)
{
    return (g[i / 2] >> ((i & 1) * 4)) & 0x0f;
}

void panels_set_models(struct panels_state *p, const struct panels_in *in)
{
    int n = CLAMP(in->n, 0, PANELS_MAX);

    p->pending = *in;
    p->pending.n = n;
    snprintf(p->pending_fairness, sizeof(p->pending_fairness), "%s",
             in->fairness != NULL ? in->fairness : "");
    p->pending.fairness = p->pending_fairness;
    for (int i = 0; i < n; i++) {
        const struct panels_model_in *m = &in->m[i];
        uint32_t ng = 0;

        p->pending_f[i] = *m->f;
        p->pending_f[i].affinity = NULL;
        p->pending.m[i].f = &p->pending_f[i];
        p->pending.m[i].slots = NULL;
        /* A grid only when every task has a slot: half a grid would mislead. */
        if (m->slots != NULL && m->f->ntasks <= PANELS_GRID_MAX && m->nslots >= m->f->ntasks)
            ng = m->f->ntasks;
        for (uint32_t t = 0; t < ng; t++) {
            unsigned st = atomic_load_explicit(&m->slots[t].state, memory_order_relaxed);

            panels__grid_set(p->pending_grid[i], t, st < PROBE_ST_COUNT ? st : PROBE_ST_IDLE);
        }
        p->pending_ngrid[i] = ng;
    }
}

void panels_push(struct panels_state *p, uint64_t seq, const struct sample_machine *m)
{
    struct panels_entry *e;
    struct timespec rt, mono;
    int ncpu = MAX(m->ncpu, 0);

    if (p->ring == NULL)
        p->ring = panels__map(panels__ring_bytes());
    if (ncpu != p->ncpu || p->cpu == NULL) {
        /* A changed core count (hotplug) starts the history again. */
        if (p->cpu != NULL)
            munmap(p->cpu, panels__cpu_bytes(p->ncpu));
        p->cpu = panels__map(panels__cpu_bytes(ncpu));
        p->ncpu = ncpu;
        p->len = p->head = 0;
    }
    e = &p->ring[p->head];
    e->seq = seq;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    {
        uint64_t now_rt = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
        uint64_t now_mono = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
        uint64_t age = now_mono > m->t_ns ? now_mono - m->t_ns : 0;

        e->wall_ns = now_rt - MIN(age, now_rt);
    }
    e->m = *m;
    e->m.cpu = NULL;
    if (ncpu > 0 && m->cpu != NULL)
        memcpy(&p->cpu[(size_t)p->head * (size_t)ncpu], m->cpu, (size_t)ncpu * sizeof(*p->cpu));
    e->nmodel = p->pending.n;
    for (int i = 0; i < e->nmodel; i++) {
        e->f[i] = p->pending_f[i];
        e->ngrid[i] = p->pending_ngrid[i];
        memcpy(e->grid[i], p->pending_grid[i], (p->pending_ngrid[i] + 1) / 2);
    }
    e->mode = p->pending.mode;
    e->fair = p->pending.fair;
    snprintf(e->fairness, sizeof(e->fairness), "%s", p->pending_fairness);
    e->latency_ms = p->pending.latency_ms;
    p->head = (p->head + 1) % PANELS_HIST_CAP;
    p->len = MIN(p->len + 1, PANELS_HIST_CAP);
}

const struct panels_entry *panels_at(const struct panels_state *p, int k)
{
    if (k < 0 || k >= p->len)
        return NULL;
    return &p->ring[(p->head - p->len + k + PANELS_HIST_CAP) % PANELS_HIST_CAP];
}

const struct sample_cpu *panels_cpu_at(const struct panels_state *p, int k)
{
    if (k < 0 || k >= p->len || p->ncpu == 0)
        return NULL;
    return &p->cpu[(size_t)((p->head - p->len + k + PANELS_HIST_CAP) % PANELS_HIST_CAP) *
                   (size_t)p->ncpu];
}

int panels_find(const struct panels_state *p, uint64_t seq)
{
    const struct panels_entry *newest = panels_at(p, p->len - 1);
    int k;

    if (newest == NULL || seq > newest->seq)
        return -1;
    k = p->len - 1 - (int)MIN(newest->seq - seq, (uint64_t)p->len);
    return k >= 0 && panels_at(p, k)->seq == seq ? k : -1;
}

/* ---- the note ------------------------------------------------------------------- */

static void panels__cores_text(double cores, int of, char *b, size_t len)
{
    double r = round(cores);

    /* "1 of 2" reads at a glance; below one core the decimals matter. */
    if (r >= 1 && fabs(cores - r) < 0.1)
        snprintf(b, len, "%.0f of %d core%s busy", r, of, of == 1 ? "" : "s");
    else
        snprintf(b, len, cores < 1 ? "%.2f of %d core%s busy" : "%.1f of %d core%s busy",
                 cores, of, of == 1 ? "" : "s");
}

void panels_note(const struct run_figs *f, double latency_ms, char *buf, size_t len)
{
    int of = f->ncores_allowed > 0 ? f->ncores_allowed : MAX(f->ncpu, 1);
    char cb[64], a[32], b[32];

    switch (f->state) {
    case RUN_M_FAILED:
        snprintf(buf, len, "failed: %s", f->text[0] ? f->text : "the host ended");
        return;
    case RUN_M_WAITING:
        snprintf(buf, len, "waiting its turn: these are its last turn's figures");
        return;
    case RUN_M_STARTING:
        snprintf(buf, len, "starting %u task%s", f->asked, f->asked == 1 ? "" : "s");
        return;
    default:
        break;
    }
    panels__cores_text(f->cores, of, cb, sizeof(cb));
    switch (f->workload) {
    case WORK_CPU:
    case WORK_MIXED:
        if (f->cores < 0.5 && f->rq_wait_ok && f->rq_wait >= 0.25) {
            /* Starved: whatever the model, its work waits for a core
             * (shared with other models or other programs). */
            snprintf(buf, len, "%s: its tasks wait for a core (%.1f waiting on average)", cb,
                     f->rq_wait);
        } else if (f->kind == PROBE_MODEL_LOOP && !f->offload && f->cores >= 0.5) {
            if (f->loop_ok && f->loop_lag_ms >= 10)
                snprintf(buf, len, "%s: CPU work blocks the loop (lag %.0f ms)", cb,
                         f->loop_lag_ms);
            else
                snprintf(buf, len, "%s: CPU work blocks the loop", cb);
        } else if (f->kind == PROBE_MODEL_LOOP && f->offload) {
            snprintf(buf, len, "%s: the thread pool computes, the loop hands out work", cb);
        } else if (f->kind == PROBE_MODEL_THREADS && f->gil) {
            snprintf(buf, len, "%s: the GIL lets one thread compute at a time", cb);
        } else if (f->cores >= 0.85 * of) {
            snprintf(buf, len, "%s: every core computes", cb);
        } else if (f->rq_wait_ok && f->rq_wait >= 0.25) {
            snprintf(buf, len, "%s; tasks queue for a core (%.1f waiting on average)", cb,
                     f->rq_wait);
        } else {
            snprintf(buf, len, "%s", cb);
        }
        return;
    case WORK_IO: {
        double ideal = latency_ms > 0 ? f->ntasks * 1000.0 / latency_ms : 0;
        char who[96];

        switch (f->kind) {
        case PROBE_MODEL_LOOP:
            snprintf(who, sizeof(who), "1 thread, %u requests in flight", f->ntasks);
            break;
        case PROBE_MODEL_THREADS:
            snprintf(who, sizeof(who), "%u threads block in I/O", f->ntasks);
            break;
        case PROBE_MODEL_PROCS:
            snprintf(who, sizeof(who), "%u processes block in I/O", f->ntasks);
            break;
        default:
            snprintf(who, sizeof(who), "%u tasks wait on I/O", f->ntasks);
            break;
        }
        if (ideal > 0) {
            widgets_fmt_rate(a, sizeof(a), 6, ideal);
            snprintf(buf, len, "%s: %.0f%% of the ideal %s req/s on %.2f cores", who,
                     100.0 * f->units_per_s / ideal, a, f->cores);
        } else {
            snprintf(buf, len, "%s, %.2f cores", who, f->cores);
        }
        return;
    }
    case WORK_LOCK:
        if (f->kind == PROBE_MODEL_LOOP)
            snprintf(buf, len, "one thread needs no lock; %s", cb);
        else if (f->kind == PROBE_MODEL_GOROUTINES)
            snprintf(buf, len, "%lld of %u tasks wait on the owner's channel; %s",
                     (long long)f->state_count[PROBE_ST_CHAN], f->ntasks, cb);
        else
            snprintf(buf, len, "%lld of %u tasks wait for the lock; %s",
                     (long long)f->state_count[PROBE_ST_LOCK], f->ntasks, cb);
        return;
    case WORK_PINGPONG:
        widgets_fmt_rate(a, sizeof(a), 6, f->units_per_s);
        snprintf(buf, len, "%s bounces/s, a switch each; %s", a, cb);
        return;
    case WORK_SPAWN:
        if (f->create_ok)
            snprintf(buf, len, "%.1f us to create and end a task; %s", f->create_ns / 1e3, cb);
        else
            snprintf(buf, len, "%s", cb);
        return;
    case WORK_FANOUT:
        if (f->lat_ok) {
            widgets_fmt_num(b, sizeof(b), 6, f->lat_p99_ms);
            snprintf(buf, len, "delivery p99 %s ms to %u subscribers; %s", b, f->ntasks, cb);
        } else {
            snprintf(buf, len, "%s", cb);
        }
        return;
    default:
        snprintf(buf, len, "%s", cb);
        return;
    }
}

/* ---- drawing helpers ----------------------------------------------------------- */

struct panels__ctx {
    const struct panels_state *p;
    const struct widgets_ctx *x;
    const struct panels_entry *e;
    const struct run_figs *f;
    int k, i;                       /* entry index, model index */
    int x0, w;                      /* the panel's columns */
    double mem_scale;               /* bytes that fill a memory bar */
    int mem_bar_w;                  /* cells of a memory bar: the same in every panel */
};

typedef float panels__get_fn(const struct run_figs *f, int arg);

/* History of one figure of this model up to the shown entry, oldest first,
 * divided by scale (<= 0: by the largest value). Returns the count. */
static int panels__hist(const struct panels__ctx *c, panels__get_fn *get, int arg, int n,
                        float scale, float *out)
{
    int cnt = 0;
    float mx = 0;

    n = MIN(n, PANELS_SPARK_MAX);
    for (int j = MAX(c->k - n + 1, 0); j <= c->k; j++) {
        const struct panels_entry *e = panels_at(c->p, j);

        if (e == NULL || c->i >= e->nmodel || e->f[c->i].kind != c->f->kind)
            continue;
        out[cnt] = get(&e->f[c->i], arg);
        mx = MAX(mx, out[cnt]);
        cnt++;
    }
    if (scale <= 0)
        scale = mx;
    for (int j = 0; j < cnt; j++)
        out[j] = scale > 0 ? CLAMP(out[j] / scale, 0.0f, 1.0f) : 0.0f;
    return cnt;
}

static void panels__spark(const struct panels__ctx *c, int x, int y, int w, panels__get_fn *get,
                          int arg, float scale)
{
    float hist[PANELS_SPARK_MAX];
    struct meter m = { .valid = true, .hist = hist };

    if (w <= 0)
        return;
    m.nhist = panels__hist(c, get, arg, w, scale, hist);
    meter_mode_spark.draw(c->x, (struct canvas_rect){ x, y, w, 1 }, &m);
}

static float panels__g_cores(const struct run_figs *f, int arg)
{
    (void)arg;
    return f->cores;
}

static float panels__g_core(const struct run_figs *f, int c)
{
    return c < f->ncpu ? f->on_core[c] : 0;
}

static float panels__g_rqwait(const struct run_figs *f, int arg)
{
    (void)arg;
    return f->rq_wait_ok ? f->rq_wait : (float)f->os_running;
}

static float panels__g_lag(const struct run_figs *f, int arg)
{
    (void)arg;
    return (float)f->loop_lag_ms;
}

static float panels__g_rtq(const struct run_figs *f, int arg)
{
    (void)arg;
    return (float)f->rt_queue;
}

static float panels__g_units(const struct run_figs *f, int arg)
{
    (void)arg;
    return (float)f->units_per_s;
}

static void panels__label(const struct panels__ctx *c, int y, const char *label)
{
    canvas_put_str(c->x->c, c->x0, y, label, PANELS_LW - 1, widgets_style(c->x, THEME_LABEL));
}

/* Puts s at x if it fits before the panel's right edge; returns the new x. */
static int panels__put(const struct panels__ctx *c, int x, int y, const char *s,
                       enum theme_role role)
{
    int right = c->x0 + c->w;

    if (x >= right)
        return x;
    return x + canvas_put_str(c->x->c, x, y, s, right - x, widgets_style(c->x, role));
}

static double panels__mem(const struct run_figs *f)
{
    return f->kind == PROBE_MODEL_PROCS && f->pss_ok ? (double)f->pss : (double)f->rss;
}

/* ---- rows -------------------------------------------------------------------------- */

static void panels__title(const struct panels__ctx *c, int y, bool focused)
{
    const struct run_figs *f = c->f;
    struct canvas_style st = widgets_style(c->x, THEME_PANEL_TITLE);
    char left[128], right[64];
    int rw;

    canvas_fill(c->x->c, (struct canvas_rect){ c->x0, y, c->w, 1 }, ' ', st);
    if (f->ntasks < f->asked && (f->state == RUN_M_RUNNING || f->state == RUN_M_LIMITED))
        snprintf(left, sizeof(left), " %d %s  %u of %u tasks%s%s", c->i + 1, f->name,
                 f->ntasks, f->asked, f->gil ? "  +GIL" : "", f->offload ? "  +offload" : "");
    else
        snprintf(left, sizeof(left), " %d %s  %u task%s%s%s", c->i + 1, f->name,
                 MAX(f->ntasks, f->asked), MAX(f->ntasks, f->asked) == 1 ? "" : "s",
                 f->gil ? "  +GIL" : "", f->offload ? "  +offload" : "");
    snprintf(right, sizeof(right), "%s%s ", run_mstate_name(f->state),
             focused ? "  0:all" : "");
    rw = canvas_str_width(right);
    if (canvas_str_width(left) + 1 + rw > c->w)
        rw = 0;                     /* the name and tasks matter more */
    canvas_put_str(c->x->c, c->x0, y, left, c->w - rw, st);
    if (rw > 0)
        canvas_put_str(c->x->c, c->x0 + c->w - rw, y, right, rw, st);
}

/* One cell per core, compressed into `cells` cells when there are more cores. */
static void panels__core_cells(const struct panels__ctx *c, int x, int y, int cells)
{
    const struct run_figs *f = c->f;
    int n = f->ncpu;

    for (int i = 0; i < cells && n > 0; i++) {
        int a = i * n / cells, b = MAX((i + 1) * n / cells, a + 1);
        float sum = 0;

        for (int k = a; k < b && k < n; k++)
            sum += f->on_core[k];
        sum /= (float)(b - a);
        canvas_put_cp(c->x->c, x + i, y, meter_ramp_glyph(c->x, sum),
                      widgets_style(c->x, meter_heat_role(sum)));
    }
}

static void panels__cores(const struct panels__ctx *c, int y, int rows)
{
    const struct run_figs *f = c->f;
    int of = f->ncores_allowed > 0 ? f->ncores_allowed : MAX(f->ncpu, 1);
    int x = c->x0 + PANELS_LW, right = c->x0 + c->w, avail, cells;
    char buf[48];

    panels__label(c, y, "cores");
    snprintf(buf, sizeof(buf), "%.2f/%d", f->cores, of);
    x = panels__put(c, x, y, buf, THEME_NORMAL) + 1;
    avail = right - x;
    if (avail <= 0 || f->ncpu <= 0)
        return;
    /* Cores first (the point of the row), the history gets what is left. */
    cells = avail >= f->ncpu + 5 ? f->ncpu : MAX(MIN(f->ncpu, avail / 2), 1);
    panels__core_cells(c, x, y, cells);
    x += cells + 1;
    panels__spark(c, x, y, right - x, panels__g_cores, 0, (float)of);

    /* One line per core with its own history, when there is room. */
    for (int r = 1; r < rows && r - 1 < f->ncpu; r++) {
        int core = r - 1, bw, cx = c->x0 + PANELS_LW;
        float v = CLAMP(f->on_core[core], 0.0f, 1.0f);
        struct meter m = { .nseg = 1, .valid = true };

        snprintf(buf, sizeof(buf), "cpu%d", core);
        canvas_put_str(c->x->c, c->x0 + 1, y + r, buf, PANELS_LW - 1,
                       widgets_style(c->x, THEME_LABEL));
        bw = MIN(MAX((right - cx) / 3, 5), 22);
        m.seg[0] = v;
        m.role[0] = THEME_USER;
        meter_mode_bar.draw(c->x, (struct canvas_rect){ cx, y + r, bw, 1 }, &m);
        cx += bw + 1;
        widgets_fmt_pct(buf, sizeof(buf), 5, v * 100.0);
        cx = panels__put(c, cx, y + r, buf, THEME_NORMAL) + 1;
        panels__spark(c, cx, y + r, right - cx, panels__g_core, core, 1.0f);
    }
}

static void panels__runq(const struct panels__ctx *c, int y)
{
    const struct run_figs *f = c->f;
    int x = c->x0 + PANELS_LW, right = c->x0 + c->w;
    char buf[160], a[16];
    panels__get_fn *get;
    float scale = 0;

    panels__label(c, y, "runq");
    if (f->kind == PROBE_MODEL_GOROUTINES && f->go_ok && f->go_procs > 0) {
        /* Go's queues as they are: each P's local run queue ("+" when its
         * runnext slot holds a G too), the global queue, steals between Ps.
         * Too many Ps for the width: their sum. */
        char ps[112], st[16];
        int n = 0, np = MIN(f->go_procs, RUN_GO_MAX_P);
        uint64_t queued = 0;
        for (int i = 0; i < np; i++)
            queued += f->go_runq[i] + f->go_runnext[i];
        for (int i = 0; i < np && n < (int)sizeof(ps) - 16; i++)
            n += snprintf(ps + n, sizeof(ps) - (size_t)n, "%sP%d %u%s", i ? " " : "", i,
                          f->go_runq[i], f->go_runnext[i] ? "+" : "");
        widgets_fmt_rate(st, sizeof(st), 4, f->go_steals_per_s);
        int room = right - x - 9;               /* keep a short sparkline */
        snprintf(buf, sizeof(buf), "%s  glob %llu  steal %s/s", ps,
                 (unsigned long long)f->go_globrunq, st);
        if ((int)strlen(buf) > room)
            snprintf(buf, sizeof(buf), "%s  g%llu st %s/s", ps,
                     (unsigned long long)f->go_globrunq, st);
        if ((int)strlen(buf) > room)
            snprintf(buf, sizeof(buf), "%dP q%llu g%llu st %s/s", np,
                     (unsigned long long)queued, (unsigned long long)f->go_globrunq, st);
        /* The Ms (OS threads) under the Ps, where a wide panel has room. */
        char ms[64];
        snprintf(ms, sizeof(ms), "  M %d run %d spin %d idle %d sys", f->go_ms_running,
                 f->go_ms_spinning, f->go_ms_idle, f->go_ms_syscall);
        if ((int)(strlen(buf) + strlen(ms)) <= room)
            strcat(buf, ms);
        get = panels__g_rtq;
    } else if (f->kind == PROBE_MODEL_LOOP && f->loop_ok) {
        widgets_fmt_rate(a, sizeof(a), 5, f->loop_lag_ms);
        snprintf(buf, sizeof(buf), "ready %.0f  lag %sms", f->rt_queue, a);
        get = panels__g_lag;
    } else if (f->rt_queue_ok) {
        /* A runtime with its own ready queue (goroutines). */
        snprintf(buf, sizeof(buf), "ready %.0f", f->rt_queue);
        get = panels__g_rtq;
    } else {
        if (f->rq_wait_ok)
            /* rq_wait sums each task's share of time spent runnable but
             * waiting: the mean count of this model's tasks in a queue. */
            snprintf(buf, sizeof(buf), c->w >= 44 ? "R %d/%d  waiting %.2f" : "R %d/%d wait %.2f",
                     f->os_running, f->os_tasks, f->rq_wait);
        else
            snprintf(buf, sizeof(buf), "R %d/%d  waiting n/a", f->os_running, f->os_tasks);
        get = panels__g_rqwait;
        scale = f->rq_wait_ok ? 0 : (float)MAX(f->os_tasks, 1);
    }
    x = panels__put(c, x, y, buf, THEME_NORMAL) + 1;
    panels__spark(c, x, y, right - x, get, 0, scale);
}

static int64_t panels__total(const struct run_figs *f)
{
    int64_t t = 0;

    for (int s = 0; s < PROBE_ST_COUNT; s++)
        t += MAX(f->state_count[s], 0);
    return t;
}

static bool panels__grid_fits(const struct panels__ctx *c, int rows)
{
    uint32_t ng = c->e->ngrid[c->i];

    return ng > 0 && ng == c->f->ntasks && (int64_t)ng <= (int64_t)(c->w - PANELS_LW) * rows;
}

static int panels__legend_width(const struct run_figs *f)
{
    char buf[32];
    int w = 0;

    for (int s = 0; s < PROBE_ST_COUNT; s++) {
        if (f->state_count[s] <= 0)
            continue;
        w += 2 + snprintf(buf, sizeof(buf), "%s %lld", panels__st_short[s],
                          (long long)f->state_count[s]) + (w > 0);
    }
    return w;
}

/* Whether the legend goes beside the tasks on their one row: after a grid
 * that leaves room, or after a proportional bar shortened to make room. */
static bool panels__legend_inline(const struct panels__ctx *c, int extra)
{
    uint32_t ng = c->e->ngrid[c->i];
    int gw = c->w - PANELS_LW, lw = panels__legend_width(c->f);
    bool grid = ng > 0 && ng == c->f->ntasks;

    if (grid && (int)ng <= gw)
        return (int)ng + 2 + lw <= gw;
    if (grid && (int)((ng + (uint32_t)gw - 1) / (uint32_t)gw) - 1 <= extra)
        return false;               /* a grid of several rows, the legend below */
    return lw + 1 + 8 <= gw;
}

/* Task grid rows (or the proportional bar), then `legend` legend rows (or
 * the legend beside them: inl). */
static void panels__tasks(const struct panels__ctx *c, int y, int rows, int legend, bool inl)
{
    const struct run_figs *f = c->f;
    int gw = c->w - PANELS_LW, x0 = c->x0 + PANELS_LW, bw;
    int64_t total = panels__total(f);
    char buf[32];

    panels__label(c, y, "tasks");
    if (gw <= 0)
        return;
    if (rows > 0 && panels__grid_fits(c, rows)) {
        const uint8_t *g = c->e->grid[c->i];

        for (uint32_t t = 0; t < c->e->ngrid[c->i]; t++) {
            unsigned st = panels__grid_get(g, t);
            enum theme_role role = panels__st_role(st);

            canvas_put_cp(c->x->c, x0 + (int)(t % (uint32_t)gw), y + (int)(t / (uint32_t)gw),
                          widgets_glyph(c->x, role, '?'), widgets_style(c->x, role));
        }
    } else if (rows > 0 && total > 0) {
        /* Too many to draw one by one: each state's share of the width,
         * boundaries at the rounded cumulative share. */
        int64_t cum = 0;
        int at = 0;

        bw = inl ? gw - panels__legend_width(f) - 1 : gw;
        for (int s = 0; s < PROBE_ST_COUNT; s++) {
            enum theme_role role = panels__st_role((unsigned)s);
            int end;

            cum += MAX(f->state_count[s], 0);
            end = (int)((cum * bw + total / 2) / total);
            /* A state with tasks gets a cell even if its share rounds away. */
            if (f->state_count[s] > 0 && end <= at && at < bw)
                end = at + 1;
            for (; at < end && at < bw; at++)
                canvas_put_cp(c->x->c, x0 + at, y, widgets_glyph(c->x, role, '?'),
                              widgets_style(c->x, role));
        }
    } else if (rows > 0) {
        panels__put(c, x0, y, f->state == RUN_M_STARTING ? "-" : "no task states", THEME_NA);
    }

    /* Legend: glyph, state, count; only states that have tasks. Inline,
     * after a grid that leaves room on its one row. */
    if (legend <= 0 && !inl)
        return;
    {
        int ly = y + rows, lx = x0, line = 0, right = c->x0 + c->w;

        if (legend <= 0) {
            legend = 1;
            ly = y;
            lx = x0 + (panels__grid_fits(c, 1) ? (int)c->e->ngrid[c->i] + 2
                                                : gw - panels__legend_width(f) + 1);
        } else if (rows > 0 && total > 0) {
            snprintf(buf, sizeof(buf), "%lld", (long long)total);
            canvas_put_str(c->x->c, c->x0, ly, buf, PANELS_LW - 1,
                           widgets_style(c->x, THEME_LABEL));
        }
        for (int s = 0; s < PROBE_ST_COUNT; s++) {
            enum theme_role role = panels__st_role((unsigned)s);
            int need;

            if (f->state_count[s] <= 0)
                continue;
            snprintf(buf, sizeof(buf), "%s %lld", panels__st_short[s],
                     (long long)f->state_count[s]);
            need = 1 + canvas_str_width(buf);
            if (lx > x0 && lx + need > right) {
                if (++line >= legend)
                    break;
                lx = x0;
            }
            canvas_put_cp(c->x->c, lx, ly + line, widgets_glyph(c->x, role, '?'),
                          widgets_style(c->x, role));
            lx = panels__put(c, lx + 1, ly + line, buf, THEME_NORMAL) + 1;
        }
        /* Goroutines: where they sit. Each P's goroutines (by the P they last ran on) and the
         * M holding that P now, as far as the legend's lines go. */
        for (int i = 0; f->go_ok && i < f->go_procs && line < legend; i++) {
            char mb[16] = "", item[64];
            int need;

            if (f->go_p_m[i] >= 0)
                snprintf(mb, sizeof(mb), "@M%d", f->go_p_m[i]);
            char lead[32] = "on ";

            /* The runtime's board has slots for the first few hundred goroutines only: say
             * how many of them these counts are. */
            if (f->go_live > f->go_on_p_n)
                snprintf(lead, sizeof(lead), "%u of %llu on ", f->go_on_p_n,
                         (unsigned long long)f->go_live);
            snprintf(item, sizeof(item), "%sP%d %u%s", i == 0 ? lead : "", i, f->go_on_p[i], mb);
            need = canvas_str_width(item) + 1;
            if (lx > x0 && lx + need > right) {
                if (++line >= legend)
                    break;
                lx = x0;
            }
            lx = panels__put(c, lx, ly + line, item, i == 0 ? THEME_LABEL : THEME_NORMAL) + 1;
        }
    }
}

/* A bar of fraction v in w cells on the shared memory scale. */
static void panels__mem_bar(const struct panels__ctx *c, int x, int y, int w, double v)
{
    struct meter m = { .nseg = 1, .valid = true };

    if (w < 4)
        return;
    m.seg[0] = (float)CLAMP(v, 0.0, 1.0);
    m.role[0] = THEME_USER;
    meter_mode_bar.draw(c->x, (struct canvas_rect){ x, y, w, 1 }, &m);
}

/* The memory figures as text: "RSS 326M PSS 64.5M" (PSS for procs), and the
 * part per task ("70.5K/task", or "" when not measured). */
static void panels__mem_text(const struct run_figs *f, char *figs, size_t flen, char *per,
                             size_t plen)
{
    char rss[16], pss[16], pt[16];

    widgets_fmt_bytes(rss, sizeof(rss), 6, (double)f->rss);
    widgets_fmt_bytes(pss, sizeof(pss), 6, (double)f->pss);
    if (f->kind == PROBE_MODEL_PROCS)
        snprintf(figs, flen, "RSS %s PSS %s", rss, f->pss_ok ? pss : "n/a");
    else
        snprintf(figs, flen, "RSS %s", rss);
    per[0] = '\0';
    if (f->mem_per_task_ok) {
        widgets_fmt_bytes(pt, sizeof(pt), 6, f->mem_per_task);
        snprintf(per, plen, "%s/task", pt);
    }
}

/* Whether figures, per task and the bar share one row. */
static bool panels__mem_inline(const struct panels__ctx *c)
{
    char figs[64], per[32];

    panels__mem_text(c->f, figs, sizeof(figs), per, sizeof(per));
    return canvas_str_width(figs) + 1 + (per[0] ? canvas_str_width(per) + 1 : 0) +
           c->mem_bar_w <= c->w - PANELS_LW;
}

static void panels__memory(const struct panels__ctx *c, int y, int rows)
{
    const struct run_figs *f = c->f;
    int x = c->x0 + PANELS_LW, right = c->x0 + c->w, bar_w = c->mem_bar_w;
    char figs[64], per[32];
    double frac = c->mem_scale > 0 ? panels__mem(f) / c->mem_scale : 0;

    /* One scale across the panels: the largest model fills a bar, and the
     * bar has the same width in every panel, at the right end of the row
     * or, when the figures need the row, on the next one. */
    panels__label(c, y, "mem");
    panels__mem_text(f, figs, sizeof(figs), per, sizeof(per));
    if (rows < 2)
        right -= bar_w + 1;
    if (x + canvas_str_width(figs) <= right)
        x = panels__put(c, x, y, figs, THEME_NORMAL) + 1;
    if (per[0] && x + canvas_str_width(per) <= right)
        panels__put(c, x, y, per, THEME_NORMAL);
    if (rows >= 2)
        panels__mem_bar(c, c->x0 + PANELS_LW, y + 1, bar_w, frac);
    else
        panels__mem_bar(c, c->x0 + c->w - bar_w, y, bar_w, frac);
}

static void panels__switches(const struct panels__ctx *c, int y, int rows)
{
    const struct run_figs *f = c->f;
    int x = c->x0 + PANELS_LW, right = c->x0 + c->w;
    char v[16], iv[16], rt[16], os[64], rts[64];

    panels__label(c, y, "csw");
    widgets_fmt_rate(v, sizeof(v), 6, f->vcsw_per_s);
    widgets_fmt_rate(iv, sizeof(iv), 6, f->ivcsw_per_s);
    if (f->rt_switch_what != NULL) {
        widgets_fmt_rate(rt, sizeof(rt), 6, f->rt_switch_per_s);
        snprintf(rts, sizeof(rts), "runtime %s %s/s", rt, f->rt_switch_what);
    } else {
        snprintf(rts, sizeof(rts), "runtime: none (the kernel switches)");
    }
    if (rows >= 2) {
        snprintf(os, sizeof(os), "OS vol %s/s  invol %s/s", v, iv);
        if (canvas_str_width(os) > right - x)
            snprintf(os, sizeof(os), "OS %s/%s vol/inv/s", v, iv);
        panels__put(c, x, y, os, THEME_NORMAL);
        if (f->rt_switch_what != NULL && canvas_str_width(rts) > right - x)
            snprintf(rts, sizeof(rts), "rt %s %s/s", rt, f->rt_switch_what);
        panels__put(c, x, y + 1, f->rt_switch_what != NULL ? rts : "runtime: none",
                    f->rt_switch_what != NULL ? THEME_NORMAL : THEME_NA);
        return;
    }
    snprintf(os, sizeof(os), "OS %s/%s/s", v, iv);
    x = panels__put(c, x, y, os, THEME_NORMAL) + 2;
    if (f->rt_switch_what != NULL) {
        snprintf(rts, sizeof(rts), "rt %s %s/s", rt, f->rt_switch_what);
        if (x + canvas_str_width(rts) > right) {
            widgets_fmt_rate(rt, sizeof(rt), 5, f->rt_switch_per_s);
            snprintf(rts, sizeof(rts), "rt %s/s", rt);
        }
        panels__put(c, x, y, rts, THEME_NORMAL);
    } else {
        panels__put(c, x, y, "rt none", THEME_NA);
    }
}

static void panels__work(const struct panels__ctx *c, int y)
{
    const struct run_figs *f = c->f;
    int x = c->x0 + PANELS_LW, right = c->x0 + c->w;
    char u[16], buf[64], a[16], b[16];

    panels__label(c, y, "work");
    widgets_fmt_rate(u, sizeof(u), 6, f->units_per_s);
    snprintf(buf, sizeof(buf), "%s %s/s", u, panels__unit(f->workload));
    x = panels__put(c, x, y, buf, THEME_NORMAL) + 2;
    if (f->lat_ok) {
        widgets_fmt_num(a, sizeof(a), 5, f->lat_p50_ms);
        widgets_fmt_num(b, sizeof(b), 5, f->lat_p99_ms);
        snprintf(buf, sizeof(buf), "p50 %sms p99 %sms", a, b);
        if (x + canvas_str_width(buf) > right)
            snprintf(buf, sizeof(buf), "%s/%sms", a, b);
        x = panels__put(c, x, y, buf, THEME_NORMAL) + 2;
    } else if (f->workload == WORK_CPU && f->bytes_per_s > 0) {
        widgets_fmt_bytes(a, sizeof(a), 6, f->bytes_per_s);
        snprintf(buf, sizeof(buf), "%s/s", a);
        if (x + canvas_str_width(buf) <= right)
            x = panels__put(c, x, y, buf, THEME_LABEL) + 2;
    }
    /* Its history, when there is room for one worth reading. */
    if (right - x >= 6)
        panels__spark(c, x, y, right - x, panels__g_units, 0, 0);
}

/* ---- one panel --------------------------------------------------------------------- */

enum panels__row { PR_TITLE, PR_CORES, PR_RUNQ, PR_GRID, PR_LEGEND, PR_MEM, PR_CSW, PR_WORK,
                   PR_NOTE, PR_COUNT };

/* Rows each part gets in h rows; *inl: the legend goes beside the tasks. */
static void panels__heights(const struct panels__ctx *c, int h, const char *note, int *rows,
                            bool *inl)
{
    /* Which rows go first when the panel is short: least telling first. */
    static const enum panels__row drop[] = { PR_LEGEND, PR_RUNQ, PR_CSW, PR_MEM, PR_WORK,
                                             PR_CORES, PR_GRID, PR_NOTE, PR_TITLE };
    int used = PR_COUNT, extra;

    for (int r = 0; r < PR_COUNT; r++)
        rows[r] = 1;
    *inl = panels__legend_inline(c, h - PR_COUNT);
    if (*inl) {
        rows[PR_LEGEND] = 0;
        used--;
    }
    for (size_t d = 0; used > h && d < ARRAY_SIZE(drop); d++) {
        if (rows[drop[d]] == 0)
            continue;
        rows[drop[d]] = 0;
        used--;
    }
    extra = h - used;
    if (extra <= 0)
        return;
    {
        int gw = MAX(c->w - PANELS_LW, 1);
        uint32_t ng = c->e->ngrid[c->i];
        int want_grid = ng > 0 && ng == c->f->ntasks
                            ? (int)((ng + (uint32_t)gw - 1) / (uint32_t)gw) : 1;
        int add;

        /* The note first: up to three lines (a rough count: wrapping at
         * words takes a little more than width alone). */
        add = CLAMP((canvas_str_width(note) + c->w / 4) / MAX(c->w, 1), 0, 2);
        add = MIN(add, extra);
        rows[PR_NOTE] += add;
        extra -= add;
        if (extra > 0 && !panels__mem_inline(c)) {
            rows[PR_MEM]++;
            extra--;
        }
        if (extra > 0) {
            rows[PR_CSW]++;
            extra--;
        }
        /* A grid of several rows only when it fits whole (else the bar,
         * with its legend beside it). */
        add = !*inl && want_grid - 1 <= extra ? want_grid - 1 : 0;
        rows[PR_GRID] += add;
        extra -= add;
        if (c->f->ncpu > 1 && c->f->ncpu <= 16 && extra >= c->f->ncpu) {
            rows[PR_CORES] += c->f->ncpu;
            extra -= c->f->ncpu;
        }
        if (extra > 0 && rows[PR_LEGEND] > 0) {
            rows[PR_LEGEND]++;
            extra--;
        }
    }
}

/* One layout row of panels shares one set of row heights, so that each row
 * of figures is on the same screen line in every panel: the largest wish of
 * each part, then cut back (least telling extras first) to the height. */
static void panels__unify(int (*want)[PR_COUNT], int n, int h, int *rows)
{
    static const enum panels__row cut[] = { PR_LEGEND, PR_CORES, PR_GRID, PR_CSW, PR_MEM,
                                            PR_NOTE };
    static const enum panels__row drop[] = { PR_LEGEND, PR_RUNQ, PR_CSW, PR_MEM, PR_WORK,
                                             PR_CORES, PR_GRID, PR_NOTE, PR_TITLE };
    int sum = 0;

    for (int r = 0; r < PR_COUNT; r++) {
        rows[r] = 0;
        for (int j = 0; j < n; j++)
            rows[r] = MAX(rows[r], want[j][r]);
        sum += rows[r];
    }
    for (size_t k = 0; sum > h && k < ARRAY_SIZE(cut); k++) {
        int base = cut[k] == PR_LEGEND ? 0 : 1;

        while (sum > h && rows[cut[k]] > base) {
            rows[cut[k]]--;
            sum--;
        }
    }
    for (size_t k = 0; sum > h && k < ARRAY_SIZE(drop); k++) {
        sum -= rows[drop[k]];
        rows[drop[k]] = 0;
    }
}

static void panels__one(const struct panels__ctx *c, struct canvas_rect r, bool focused,
                        const int *rows, bool inl)
{
    const struct run_figs *f = c->f;
    int y = r.y;
    char note[256];
    struct canvas_rect old = canvas_clip(c->x->c, r);
    bool dim = f->state == RUN_M_WAITING || f->state == RUN_M_FAILED;

    panels_note(f, c->e->latency_ms, note, sizeof(note));
    if (f->t_ns == 0 && f->state != RUN_M_FAILED) {
        /* No figures yet (starting, or stopped before its first turn):
         * rows of zeros would be read as measurements. */
        panels__title(c, y, focused);
        if (f->state == RUN_M_WAITING)
            snprintf(note, sizeof(note), "waiting its first turn: no figures yet");
        widgets_wrap(c->x, (struct canvas_rect){ r.x, y + 1, r.w, MAX(r.h - 1, 0) }, note,
                     THEME_NOTE);
        canvas_clip(c->x->c, old);
        return;
    }
    if (rows[PR_TITLE])
        panels__title(c, y, focused);
    y += rows[PR_TITLE];
    if (rows[PR_CORES])
        panels__cores(c, y, rows[PR_CORES]);
    y += rows[PR_CORES];
    if (rows[PR_RUNQ])
        panels__runq(c, y);
    y += rows[PR_RUNQ];
    if (rows[PR_GRID] || rows[PR_LEGEND])
        panels__tasks(c, y, rows[PR_GRID], rows[PR_LEGEND], inl);
    y += rows[PR_GRID] + rows[PR_LEGEND];
    if (rows[PR_MEM])
        panels__memory(c, y, rows[PR_MEM]);
    y += rows[PR_MEM];
    if (rows[PR_CSW])
        panels__switches(c, y, rows[PR_CSW]);
    y += rows[PR_CSW];
    if (rows[PR_WORK])
        panels__work(c, y);
    y += rows[PR_WORK];
    if (dim)
        canvas_add_attr(c->x->c, (struct canvas_rect){ r.x, r.y + rows[PR_TITLE], r.w,
                                                        y - r.y - rows[PR_TITLE] },
                        CANVAS_DIM);
    if (rows[PR_NOTE])
        widgets_wrap(c->x, (struct canvas_rect){ r.x, y, r.w, rows[PR_NOTE] }, note,
                     f->state == RUN_M_FAILED ? THEME_WARN : THEME_NOTE);
    canvas_clip(c->x->c, old);
}

/* ---- the layout -------------------------------------------------------------------- */

static void panels__grid_shape(int n, int w, int *cols, int *rows)
{
    if (n <= 1) {
        *cols = *rows = 1;
    } else if (w >= n * PANELS_MIN_W + (n - 1)) {
        *cols = n;
        *rows = 1;
    } else if (w >= 2 * PANELS_MIN_W + 1) {
        *cols = 2;
        *rows = (n + 1) / 2;
    } else {
        *cols = 1;
        *rows = n;
    }
}

int panels_min_rows(int n, int w, int focus)
{
    int cols, rows;

    if (n <= 0)
        return 0;
    panels__grid_shape(focus >= 0 ? 1 : n, w, &cols, &rows);
    return rows * PR_COUNT;
}

void panels_draw(struct panels_state *p, const struct widgets_ctx *x, struct canvas_rect r,
                 int k, int focus)
{
    const struct panels_entry *e = panels_at(p, k);
    struct panels__ctx c = { .p = p, .x = x, .e = e, .k = k };
    int list[PANELS_MAX], n = 0, cols, rows;

    p->nrect = 0;
    if (e == NULL || e->nmodel == 0 || r.w <= 0 || r.h <= 0)
        return;
    for (int i = 0; i < e->nmodel; i++) {
        c.mem_scale = MAX(c.mem_scale, panels__mem(&e->f[i]));
        if (focus < 0 || focus == i)
            list[n++] = i;
    }
    if (n == 0) {
        for (int i = 0; i < e->nmodel; i++)
            list[n++] = i;
        focus = -1;
    }
    panels__grid_shape(n, r.w, &cols, &rows);
    c.mem_bar_w = CLAMP((r.w - (cols - 1)) / cols - PANELS_LW - 22, 8, 16);
    for (int row = 0; row < rows; row++) {
        struct canvas_rect pr[PANELS_MAX];
        int want[PANELS_MAX][PR_COUNT], nw = 0, heights[PR_COUNT], first = row * cols;
        int last = MIN(first + cols, n);
        char note[256];
        bool inl;

        for (int j = first; j < last; j++) {
            int col = j - first, pw = (r.w - (cols - 1)) / cols, ph = r.h / rows;

            pr[col] = (struct canvas_rect){ r.x + col * (pw + 1), r.y + row * ph, pw, ph };
            if (col == cols - 1)
                pr[col].w = r.x + r.w - pr[col].x;
            if (row == rows - 1)
                pr[col].h = r.y + r.h - pr[col].y;
            c.i = list[j];
            c.f = &e->f[c.i];
            c.x0 = pr[col].x;
            c.w = pr[col].w;
            if (c.f->t_ns == 0 && c.f->state != RUN_M_FAILED)
                continue;           /* no figures: only a note, no rows to align */
            panels_note(c.f, e->latency_ms, note, sizeof(note));
            panels__heights(&c, pr[col].h, note, want[nw++], &inl);
        }
        panels__unify(want, nw, last > first ? pr[0].h : 0, heights);
        for (int j = first; j < last; j++) {
            int col = j - first;

            if (col > 0) {
                for (int yy = pr[col].y; yy < pr[col].y + pr[col].h; yy++)
                    canvas_put_cp(x->c, pr[col].x - 1, yy, x->g->sep,
                                  widgets_style(x, THEME_BORDER));
            }
            c.i = list[j];
            c.f = &e->f[c.i];
            c.x0 = pr[col].x;
            c.w = pr[col].w;
            panels__one(&c, pr[col], focus >= 0, heights, heights[PR_LEGEND] == 0);
            p->rect[c.i] = pr[col];
            p->nrect = MAX(p->nrect, c.i + 1);
        }
    }
    /* Panels not drawn (focus on another) cannot be clicked. */
    for (int i = 0; i < p->nrect; i++) {
        bool drawn = false;

        for (int j = 0; j < n; j++)
            drawn |= list[j] == i;
        if (!drawn)
            p->rect[i] = (struct canvas_rect){ 0, 0, 0, 0 };
    }
}

int panels_hit(const struct panels_state *p, int cx, int cy)
{
    for (int i = 0; i < p->nrect; i++) {
        const struct canvas_rect *r = &p->rect[i];

        if (cx >= r->x && cx < r->x + r->w && cy >= r->y && cy < r->y + r->h)
            return i;
    }
    return -1;
}
