/*
 * view.c — the first screen.
 *
 * Layout, top to bottom, recomputed every frame from the canvas size:
 *
 *   title bar      name, core count, interval; PAUSED at the right
 *   cores          one meter line per core (bar, busy %, history), in as many
 *                  columns as the width allows; when the cores do not fit in
 *                  the rows the cores may take, a heat strip: one cell per core
 *   machine        load, CPU pressure, ctxt/s, procs, memory, flowed over as
 *                  many lines as the width needs
 *   task table     column titles, then per watched tree a title line with the
 *                  tree's totals and one row per task; scrolls
 *   status         one line, only when there is a message
 *   footer         the main keys; the visible rows of the table
 *
 * Height is shared in that order of need: the table keeps at least three rows
 * when trees are watched, the cores at most half of the body then. Below
 * VIEW_MIN_W x VIEW_MIN_H nothing of this is readable, so the screen says how
 * large it must be instead.
 *
 * A figure the kernel does not provide is "n/a" (its reason in the help
 * overlay, and inline for CPU pressure); a rate before the second sample,
 * when there is no interval yet, is "-". Neither is ever drawn as 0.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/lesson_view.h"
#include "ui/view.h"
#include "util.h"

#define VIEW_CORE_COL_MIN 30        /* "cpu12 [bar....] 100% ▁▂▃▄" */

void view_init(struct view_state *v)
{
    memset(v, 0, sizeof(*v));
    v->color = true;
    v->theme_name = "default";
    v->focus = -1;
}

void view_free(struct view_state *v)
{
    free(v->cpu);
    free(v->core_hist);
    for (int i = 0; i < v->tree_cap; i++) {
        free(v->trees[i].t.procs);
        free(v->trees[i].t.tasks);
        free(v->trees[i].t.cpu_on_core);
    }
    free(v->trees);
    memset(v, 0, sizeof(*v));
}

static void view__copy_tree(struct view_tree *dst, const struct sample_tree *src, int ncpu)
{
    struct sample_proc *procs = dst->t.procs;
    struct sample_task *tasks = dst->t.tasks;
    float *cores = dst->t.cpu_on_core;

    if (src->nproc > dst->procs_cap) {
        dst->procs_cap = src->nproc;
        procs = xreallocarray(procs, (size_t)dst->procs_cap, sizeof(*procs));
    }
    if (src->ntask > dst->tasks_cap) {
        dst->tasks_cap = src->ntask;
        tasks = xreallocarray(tasks, (size_t)dst->tasks_cap, sizeof(*tasks));
    }
    if (ncpu > dst->cores_cap) {
        dst->cores_cap = ncpu;
        cores = xreallocarray(cores, (size_t)dst->cores_cap, sizeof(*cores));
    }
    dst->t = *src;
    dst->t.procs = procs;
    dst->t.tasks = tasks;
    dst->t.cpu_on_core = src->cpu_on_core != NULL ? cores : NULL;
    if (src->nproc > 0)
        memcpy(procs, src->procs, (size_t)src->nproc * sizeof(*procs));
    if (src->ntask > 0)
        memcpy(tasks, src->tasks, (size_t)src->ntask * sizeof(*tasks));
    if (src->cpu_on_core != NULL && ncpu > 0)
        memcpy(cores, src->cpu_on_core, (size_t)ncpu * sizeof(*cores));
}

void view_reset_history(struct view_state *v)
{
    v->hist_len = v->hist_head = 0;
}

void view_update_machine(struct view_state *v, uint64_t seq, const struct sample_machine *m)
{
    int ncpu = MAX(m->ncpu, 0);

    /* A changed core count (hotplug) restarts the histories. */
    if (ncpu != v->m.ncpu || v->cpu == NULL) {
        if (ncpu > v->cpu_cap) {
            v->cpu_cap = ncpu;
            v->cpu = xreallocarray(v->cpu, (size_t)ncpu, sizeof(*v->cpu));
            v->core_hist = xreallocarray(v->core_hist, (size_t)ncpu * VIEW_HIST,
                                         sizeof(*v->core_hist));
        }
        v->hist_len = v->hist_head = 0;
    }
    v->m = *m;
    v->m.cpu = v->cpu;
    if (ncpu > 0 && m->cpu != NULL)
        memcpy(v->cpu, m->cpu, (size_t)ncpu * sizeof(*v->cpu));
    v->seq = seq;
    v->have_sample = true;

    /* The first sample has no interval: its rates mean nothing yet. */
    if (m->dt > 0) {
        for (int c = 0; c < ncpu; c++)
            v->core_hist[(size_t)c * VIEW_HIST + (size_t)v->hist_head] =
                v->cpu[c].online ? CLAMP(v->cpu[c].busy, 0.0f, 1.0f) : 0.0f;
        v->ctxt_hist[v->hist_head] = (float)m->ctxt_per_s;
        v->hist_head = (v->hist_head + 1) % VIEW_HIST;
        v->hist_len = MIN(v->hist_len + 1, VIEW_HIST);
    }
}

void view_update(struct view_state *v, const struct sample *s, const struct sample_caps *caps)
{
    int ncpu;

    if (caps != NULL) {
        v->caps = *caps;
        v->have_caps = true;
    }
    view_update_machine(v, s->seq, &s->m);
    ncpu = MAX(s->m.ncpu, 0);
    if (s->ntree > v->tree_cap) {
        v->trees = xreallocarray(v->trees, (size_t)s->ntree, sizeof(*v->trees));
        memset(v->trees + v->tree_cap, 0, (size_t)(s->ntree - v->tree_cap) * sizeof(*v->trees));
        v->tree_cap = s->ntree;
    }
    /* The model hosts' trees are the panels' business: the table shows the
     * --pid trees only. */
    v->ntree = 0;
    for (int i = 0; i < s->ntree; i++) {
        bool model = false;

        for (int k = 0; k < v->nmodel_pid; k++)
            model |= s->trees[i].root == v->model_pid[k];
        if (!model)
            view__copy_tree(&v->trees[v->ntree++], &s->trees[i], ncpu);
    }
}

/* Copies ring r (VIEW_HIST slots) oldest first into out; returns the count. */
static int view__hist(const struct view_state *v, const float *ring, float *out)
{
    int start = (v->hist_head - v->hist_len + VIEW_HIST) % VIEW_HIST;

    for (int i = 0; i < v->hist_len; i++)
        out[i] = ring[(start + i) % VIEW_HIST];
    return v->hist_len;
}

static bool view__rates_ok(const struct view_state *v)
{
    return v->have_sample && v->m.dt > 0;
}

/* ---- title and footer ----------------------------------------------------- */

static void view__title(struct view_state *v, const struct widgets_ctx *x, int y)
{
    struct canvas *c = x->c;
    struct canvas_style st = widgets_style(x, THEME_TITLE);
    char buf[200], iv[32], wl[48];
    int right = c->w;

    canvas_fill(c, (struct canvas_rect){ 0, y, c->w, 1 }, ' ', st);
    if (v->interval_ns > 0)
        snprintf(iv, sizeof(iv), "  every %g ms", (double)v->interval_ns / 1e6);
    else
        iv[0] = '\0';
    if (v->workload[0])
        snprintf(wl, sizeof(wl), "  workload %s", v->workload);
    else
        wl[0] = '\0';
    if (v->have_sample)
        snprintf(buf, sizeof(buf), " schedwatch  %d core%s%s%s", v->m.ncpu,
                 v->m.ncpu == 1 ? "" : "s", iv, wl);
    else
        snprintf(buf, sizeof(buf), " schedwatch%s%s", iv, wl);
    if (v->frozen) {
        char fz[96];
        int fw;

        snprintf(fz, sizeof(fz), " FROZEN %s ", v->frozen_at);
        fw = canvas_str_width(fz);
        right = MAX(c->w - fw, 0);
        canvas_put_str(c, right, y, fz, fw, widgets_style(x, THEME_PAUSED));
    } else if (v->paused) {
        right -= 8;
        canvas_put_str(c, right, y, " PAUSED ", 8, widgets_style(x, THEME_PAUSED));
    }
    canvas_put_str(c, 0, y, buf, MAX(right - 1, 0), st);
}

struct view__key {
    const char *key, *what;
};

/* Keys as text, with an ASCII spelling of the arrows. */
static const char *view__key_text(const struct widgets_ctx *x, const char *key)
{
    if (!x->g->ascii)
        return key;
    if (strcmp(key, "\u2191\u2193") == 0)
        return "up/dn";
    if (strcmp(key, "\u2191 \u2193") == 0)
        return "Up Down";
    if (strcmp(key, "\u2190\u2192") == 0)
        return "<- ->";
    if (strcmp(key, "\u2190 \u2192") == 0)
        return "Left Right";
    return key;
}

static const struct view__key view__footer_keys[] = {
    { "q", "quit" }, { "space", "pause" }, { "?", "help" }, { "\u2191\u2193", "scroll" },
};

static int view__footer_models(const struct view_state *v, struct view__key *k)
{
    static char focus[16];
    int n = 0;

    snprintf(focus, sizeof(focus), "1-%d", MAX(v->nmodel_pid, 1));
    k[n++] = (struct view__key){ "q", "quit" };
    k[n++] = (struct view__key){ "?", "help" };
    k[n++] = (struct view__key){ "space", v->frozen ? "live" : "freeze" };
    if (v->frozen)
        k[n++] = (struct view__key){ "\u2190\u2192", "step" };
    if (v->focus >= 0)
        k[n++] = (struct view__key){ "0", "all" };
    else
        k[n++] = (struct view__key){ focus, "focus" };
    k[n++] = (struct view__key){ "w", "workload" };
    k[n++] = (struct view__key){ "+-", "tasks" };
    k[n++] = (struct view__key){ "m", "mode" };
    k[n++] = (struct view__key){ "g", "GIL" };
    k[n++] = (struct view__key){ "o", "offload" };
    if (v->goroutines)
        k[n++] = (struct view__key){ "pP", "GOMAXPROCS" };
    k[n++] = (struct view__key){ "r", "restart" };
    return n;
}

static void view__footer(struct view_state *v, const struct widgets_ctx *x, int y,
                         int first, int shown, int total)
{
    struct canvas *c = x->c;
    struct view__key mk[16];
    const struct view__key *keys = view__footer_keys;
    size_t nkeys = ARRAY_SIZE(view__footer_keys);
    char pos[48];
    int col = 0, right = c->w;

    if (v->nmodel_pid > 0) {
        nkeys = (size_t)view__footer_models(v, mk);
        keys = mk;
    }
    canvas_fill(c, (struct canvas_rect){ 0, y, c->w, 1 }, ' ', widgets_style(x, THEME_FOOTER));
    if (total > shown && shown > 0) {
        snprintf(pos, sizeof(pos), "rows %d-%d/%d ", first + 1, first + shown, total);
        right = c->w - (int)strlen(pos);
        if (right > c->w / 2)
            canvas_put_str(c, right, y, pos, -1, widgets_style(x, THEME_LABEL));
        else
            right = c->w;
    }
    for (size_t i = 0; i < nkeys; i++) {
        const char *key = view__key_text(x, keys[i].key);
        int kw, ww;

        kw = canvas_str_width(key) + 2;
        ww = (int)strlen(keys[i].what);
        if (col + kw + 1 + ww > right)
            break;
        canvas_printf(c, col, y, kw, widgets_style(x, THEME_KEY), " %s ", key);
        canvas_put_str(c, col + kw + 1, y, keys[i].what, ww, widgets_style(x, THEME_FOOTER));
        col += kw + 1 + ww + (v->nmodel_pid > 0 ? 1 : 2);
    }
}

/* ---- cores ------------------------------------------------------------------ */

static void view__core_meter(const struct view_state *v, int c, struct meter *m, float *hist)
{
    const struct sample_cpu *cpu = &v->cpu[c];

    memset(m, 0, sizeof(*m));
    m->valid = view__rates_ok(v) && cpu->online;
    m->nseg = 5;
    m->seg[0] = cpu->user;
    m->role[0] = THEME_USER;
    m->seg[1] = cpu->sys;
    m->role[1] = THEME_SYS;
    m->seg[2] = cpu->irq;
    m->role[2] = THEME_IRQ;
    m->seg[3] = cpu->steal;
    m->role[3] = THEME_STEAL;
    m->seg[4] = cpu->iowait;
    m->role[4] = THEME_IOWAIT;
    m->hist = hist;
    m->nhist = view__hist(v, &v->core_hist[(size_t)c * VIEW_HIST], hist);
}

/* One core in a cell of width w: "cpuN [bar] 45% ▁▂▃". */
static void view__core_line(const struct view_state *v, const struct widgets_ctx *x, int c,
                            int x0, int y, int w, int label_w)
{
    struct meter m;
    float hist[VIEW_HIST];
    char label[16];
    int spark_w = CLAMP(w / 4, 0, 32), pct_w = 5, bar_w;

    view__core_meter(v, c, &m, hist);
    snprintf(label, sizeof(label), "cpu%d", c);
    canvas_put_str(x->c, x0, y, label, label_w, widgets_style(x, THEME_LABEL));
    bar_w = w - label_w - 1 - 1 - pct_w - (spark_w > 0 ? 1 + spark_w : 0) - 1;
    if (bar_w < 5) {
        spark_w = 0;
        bar_w = w - label_w - 1 - 1 - pct_w - 1;
    }
    /* A bar longer than this reads no better; the history gets the room. */
    if (bar_w > 52) {
        spark_w = MIN(spark_w + bar_w - 52, VIEW_HIST);
        bar_w = 52;
    }
    if (!v->cpu[c].online) {
        canvas_put_str(x->c, x0 + label_w + 1, y, "offline", w - label_w - 1,
                       widgets_style(x, THEME_NA));
        return;
    }
    meter_mode_bar.draw(x, (struct canvas_rect){ x0 + label_w + 1, y, bar_w, 1 }, &m);
    meter_mode_text.draw(x, (struct canvas_rect){ x0 + label_w + 1 + bar_w + 1, y, pct_w, 1 }, &m);
    if (spark_w > 0)
        meter_mode_spark.draw(x, (struct canvas_rect){ x0 + label_w + 1 + bar_w + 1 + pct_w + 1, y,
                                                       spark_w, 1 }, &m);
}

/* The heat strip: one cell per core, wrapped; the average at the end. */
static void view__heat(const struct view_state *v, const struct widgets_ctx *x, int y, int rows)
{
    struct canvas *c = x->c;
    char avg[32];
    int per_row, n = v->m.ncpu;

    if (view__rates_ok(v))
        snprintf(avg, sizeof(avg), "all %.0f%%", CLAMP(v->m.total.busy, 0.0f, 1.0f) * 100.0);
    else
        snprintf(avg, sizeof(avg), "all -");
    per_row = MAX(c->w - 5 - 9, 1);
    for (int r = 0; r < rows; r++) {
        canvas_put_str(c, 0, y + r, r == 0 ? "cpu" : "", 4, widgets_style(x, THEME_LABEL));
        for (int i = 0; i < per_row && r * per_row + i < n; i++) {
            int core = r * per_row + i;
            struct meter m;
            float hist[VIEW_HIST];

            view__core_meter(v, core, &m, hist);
            meter_mode_heat.draw(x, (struct canvas_rect){ 4 + i, y + r, 1, 1 }, &m);
        }
    }
    canvas_put_str(c, c->w - 9, y, avg, 9, widgets_style(x, THEME_NORMAL));
}

static int view__heat_rows(const struct view_state *v, int w)
{
    int per_row = MAX(w - 5 - 9, 1);

    return MAX((v->m.ncpu + per_row - 1) / per_row, 1);
}

/* Draws the cores in at most max_rows rows; returns the rows used. */
static int view__cores(const struct view_state *v, const struct widgets_ctx *x, int y,
                       int max_rows)
{
    int n = v->m.ncpu, w = x->c->w, label_w;
    int maxcols = MAX(w / VIEW_CORE_COL_MIN, 1);

    if (n <= 0)
        return 0;
    label_w = (int)strlen("cpu") + snprintf(NULL, 0, "%d", n - 1);
    for (int cols = 1; cols <= MIN(maxcols, n); cols++) {
        int rows = (n + cols - 1) / cols, colw = (w - (cols - 1) * 2) / cols;

        if (rows > max_rows)
            continue;
        /* Column-major, like reading a list: cpu0..cpuK down the first column. */
        for (int c = 0; c < n; c++)
            view__core_line(v, x, c, (c / rows) * (colw + 2), y + c % rows, colw, label_w);
        return rows;
    }
    {
        int rows = MIN(view__heat_rows(v, w), max_rows);

        view__heat(v, x, y, rows);
        return rows;
    }
}

/* ---- machine line -------------------------------------------------------------- */

static void view__spark_text(const struct view_state *v, const struct widgets_ctx *x,
                             const float *ring, int n, char *out, size_t len)
{
    float hist[VIEW_HIST], mx = 0;
    int k = view__hist(v, ring, hist), start = MAX(k - n, 0);
    size_t at = 0;

    for (int i = start; i < k; i++)
        mx = MAX(mx, hist[i]);
    for (int i = start; i < k && at + 5 < len; i++) {
        uint32_t g = meter_ramp_glyph(x, mx > 0 ? hist[i] / mx : 0);

        if (g < 0x80) {
            out[at++] = (char)g;
        } else {
            out[at++] = (char)(0xe0 | (g >> 12));
            out[at++] = (char)(0x80 | ((g >> 6) & 0x3f));
            out[at++] = (char)(0x80 | (g & 0x3f));
        }
    }
    out[at] = '\0';
}

static int view__machine_items(const struct view_state *v, const struct widgets_ctx *x,
                               struct widgets_item *it)
{
    const struct sample_machine *m = &v->m;
    char a[32], b[32], spark[64];
    int n = 0;

    if (!v->have_sample) {
        it[n++] = (struct widgets_item){ .label = "", .value = "waiting for the first sample",
                                         .role = THEME_LABEL };
        return n;
    }
    it[n] = (struct widgets_item){ .label = "load", .role = THEME_NORMAL };
    if (v->have_caps && !v->caps.ok[SAMPLE_CAP_LOADAVG]) {
        snprintf(it[n].value, sizeof(it[0].value), "n/a: %s",
                 v->caps.why[SAMPLE_CAP_LOADAVG] ? v->caps.why[SAMPLE_CAP_LOADAVG]
                                                 : "/proc/loadavg unreadable");
        it[n].role = THEME_NA;
    } else {
        snprintf(it[n].value, sizeof(it[0].value), "%.2f %.2f %.2f", m->load[0], m->load[1],
                 m->load[2]);
    }
    n++;

    it[n] = (struct widgets_item){ .label = "cpu pressure", .role = THEME_NORMAL };
    if (m->psi_ok) {
        snprintf(it[n].value, sizeof(it[0].value), "some %.1f%% avg10", m->psi_some_avg10);
    } else {
        const char *why = v->have_caps && v->caps.why[SAMPLE_CAP_PSI] != NULL
                              ? v->caps.why[SAMPLE_CAP_PSI]
                              : "/proc/pressure/cpu unreadable";
        snprintf(it[n].value, sizeof(it[0].value), "n/a: %s", why);
        it[n].role = THEME_NA;
    }
    n++;

    it[n] = (struct widgets_item){ .label = "ctxt/s", .role = THEME_NORMAL };
    if (view__rates_ok(v)) {
        widgets_fmt_rate(a, sizeof(a), 6, m->ctxt_per_s);
        view__spark_text(v, x, v->ctxt_hist, 8, spark, sizeof(spark));
        snprintf(it[n].value, sizeof(it[0].value), "%s %s", a, spark);
    } else {
        snprintf(it[n].value, sizeof(it[0].value), "-");
    }
    n++;

    it[n] = (struct widgets_item){ .label = "procs", .role = THEME_NORMAL };
    snprintf(it[n++].value, sizeof(it[0].value), "%u running %u blocked", m->procs_running,
             m->procs_blocked);

    it[n] = (struct widgets_item){ .label = "mem", .role = THEME_NORMAL };
    if (m->mem_total > 0) {
        widgets_fmt_bytes(a, sizeof(a), 6, (double)m->mem_available);
        widgets_fmt_bytes(b, sizeof(b), 6, (double)m->mem_total);
        snprintf(it[n].value, sizeof(it[0].value), "%s available of %s", a, b);
    } else {
        snprintf(it[n].value, sizeof(it[0].value), "n/a: /proc/meminfo unreadable");
        it[n].role = THEME_NA;
    }
    n++;
    return n;
}

/* Lines widgets_flow() would take for these items at width w. */
static int view__flow_height(const struct widgets_item *it, int n, int w)
{
    int col = 0, lines = n > 0 ? 1 : 0;

    for (int i = 0; i < n; i++) {
        int iw = (it[i].label[0] ? canvas_str_width(it[i].label) + 1 : 0) +
                 canvas_str_width(it[i].value);

        if (col > 0 && col + 2 + iw > w) {
            lines++;
            col = 0;
        }
        col += (col > 0 ? 2 : 0) + iw;
    }
    return lines;
}

/* ---- task table ------------------------------------------------------------------ */

enum view_col {
    VC_COMM, VC_TID, VC_STATE, VC_CORE, VC_CPU, VC_VCSW, VC_ICSW, VC_WAIT, VC_RSS, VC_PSS,
    VC_COUNT
};

static const struct table_col view__cols[VC_COUNT] = {
    [VC_COMM] = { "COMM", 8, 18, 0, TABLE_LEFT },
    [VC_TID] = { "TID", 7, 7, 0, TABLE_RIGHT },
    [VC_STATE] = { "S", 1, 1, 0, TABLE_LEFT },
    [VC_CORE] = { "CORE", 4, 4, 2, TABLE_RIGHT },
    [VC_CPU] = { "CPU%", 6, 6, 0, TABLE_RIGHT },
    [VC_VCSW] = { "VCSW/s", 6, 6, 1, TABLE_RIGHT },
    [VC_ICSW] = { "ICSW/s", 6, 6, 2, TABLE_RIGHT },
    [VC_WAIT] = { "WAIT%", 6, 6, 2, TABLE_RIGHT },
    [VC_RSS] = { "RSS", 6, 6, 1, TABLE_RIGHT },
    [VC_PSS] = { "PSS", 6, 6, 3, TABLE_RIGHT },
};

static enum theme_role view__state_role(char s)
{
    switch (s) {
    case 'R':
        return THEME_STATE_RUN;
    case 'S':
        return THEME_STATE_SLEEP;
    case 'D':
        return THEME_STATE_DISK;
    case 'T':
    case 't':
        return THEME_STATE_STOPPED;
    case 'Z':
    case 'X':
        return THEME_STATE_ZOMBIE;
    default:
        return THEME_STATE_IDLE;
    }
}

static int view__table_rows(const struct view_state *v)
{
    int n = 0;

    for (int i = 0; i < v->ntree; i++)
        n += 1 + v->trees[i].t.ntask;
    return n;
}

/* The tree's title line: root, size and totals, most important first. */
static void view__tree_title(const struct view_state *v, const struct widgets_ctx *x,
                             const struct sample_tree *t, int y)
{
    char buf[384], a[16], b[16];
    size_t at = 0;
    const char *name = t->nproc > 0 ? t->procs[0].comm : t->label;

#define VIEW_ADD(...) at += (size_t)snprintf(buf + at, at < sizeof(buf) ? sizeof(buf) - at : 0, \
                                             __VA_ARGS__)
    VIEW_ADD("pid %d %s", (int)t->root, t->label[0] ? t->label : name);
    if (!t->alive) {
        VIEW_ADD("  (exited)");
    } else {
        VIEW_ADD("  %d proc%s %d task%s", t->nproc, t->nproc == 1 ? "" : "s", t->ntask,
                 t->ntask == 1 ? "" : "s");
        if (view__rates_ok(v)) {
            widgets_fmt_pct(a, sizeof(a), 5, t->cpu_pct);
            VIEW_ADD("  cpu %s", a);
        }
        widgets_fmt_bytes(a, sizeof(a), 6, (double)t->rss);
        VIEW_ADD("  rss %s", a);
        if (t->pss_ok) {
            widgets_fmt_bytes(a, sizeof(a), 6, (double)t->pss);
            VIEW_ADD(" pss %s", a);
        } else {
            VIEW_ADD(" pss n/a");
        }
        VIEW_ADD("  run %d blk %d", t->nr_running, t->nr_blocked);
        if (view__rates_ok(v)) {
            widgets_fmt_rate(a, sizeof(a), 5, t->vcsw_per_s);
            widgets_fmt_rate(b, sizeof(b), 5, t->ivcsw_per_s);
            VIEW_ADD("  csw %s/%s /s", a, b);
            if (v->have_caps && !v->caps.ok[SAMPLE_CAP_SCHEDSTAT_WAIT]) {
                VIEW_ADD("  wait n/a");
            } else {
                widgets_fmt_pct(a, sizeof(a), 6, t->wait_pct);
                VIEW_ADD("  wait %s", a);
            }
        }
    }
#undef VIEW_ADD
    canvas_fill(x->c, (struct canvas_rect){ 0, y, x->c->w, 1 }, ' ',
                widgets_style(x, THEME_NORMAL));
    canvas_put_str(x->c, 0, y, buf, x->c->w, widgets_style(x, THEME_TREE_TITLE));
}

static const struct sample_proc *view__proc(const struct sample_tree *t, pid_t pid, int *hint)
{
    /* Tasks are grouped by process, so the last match is nearly always right. */
    if (*hint < t->nproc && t->procs[*hint].pid == pid)
        return &t->procs[*hint];
    for (int i = 0; i < t->nproc; i++) {
        if (t->procs[i].pid == pid) {
            *hint = i;
            return &t->procs[i];
        }
    }
    return NULL;
}

static void view__task_row(const struct view_state *v, const struct widgets_ctx *x,
                           const struct sample_tree *t, const struct sample_task *k, int y,
                           const int *cx, const int *cw, int *hint)
{
    const struct table_col *col = view__cols;
    const struct sample_proc *p = k->tid == k->pid ? view__proc(t, k->pid, hint) : NULL;
    bool rates = view__rates_ok(v);
    char buf[96];

    /* Threads other than the leader are indented under it. */
    snprintf(buf, sizeof(buf), "%s%s", k->tid == k->pid ? "" : "  ", k->comm);
    table_draw_cell(x, 0, y, &col[VC_COMM], cx[VC_COMM], cw[VC_COMM], buf, THEME_NORMAL);
    snprintf(buf, sizeof(buf), "%d", (int)k->tid);
    table_draw_cell(x, 0, y, &col[VC_TID], cx[VC_TID], cw[VC_TID], buf, THEME_NORMAL);
    snprintf(buf, sizeof(buf), "%c", k->state);
    table_draw_cell(x, 0, y, &col[VC_STATE], cx[VC_STATE], cw[VC_STATE], buf,
                    view__state_role(k->state));
    snprintf(buf, sizeof(buf), "%d", k->cpu);
    table_draw_cell(x, 0, y, &col[VC_CORE], cx[VC_CORE], cw[VC_CORE], buf, THEME_NORMAL);

    if (rates)
        widgets_fmt_num(buf, sizeof(buf), cw[VC_CPU] > 0 ? cw[VC_CPU] : 6, k->cpu_pct);
    table_draw_cell(x, 0, y, &col[VC_CPU], cx[VC_CPU], cw[VC_CPU], rates ? buf : "-",
                    rates ? THEME_NORMAL : THEME_NA);

    if (!k->csw_ok || !rates) {
        const char *t0 = !k->csw_ok ? "n/a" : "-";

        table_draw_cell(x, 0, y, &col[VC_VCSW], cx[VC_VCSW], cw[VC_VCSW], t0, THEME_NA);
        table_draw_cell(x, 0, y, &col[VC_ICSW], cx[VC_ICSW], cw[VC_ICSW], t0, THEME_NA);
    } else {
        widgets_fmt_rate(buf, sizeof(buf), 6, k->vcsw_per_s);
        table_draw_cell(x, 0, y, &col[VC_VCSW], cx[VC_VCSW], cw[VC_VCSW], buf, THEME_NORMAL);
        widgets_fmt_rate(buf, sizeof(buf), 6, k->ivcsw_per_s);
        table_draw_cell(x, 0, y, &col[VC_ICSW], cx[VC_ICSW], cw[VC_ICSW], buf, THEME_NORMAL);
    }

    if (!k->wait_ok) {
        table_draw_cell(x, 0, y, &col[VC_WAIT], cx[VC_WAIT], cw[VC_WAIT], "n/a", THEME_NA);
    } else if (!rates) {
        table_draw_cell(x, 0, y, &col[VC_WAIT], cx[VC_WAIT], cw[VC_WAIT], "-", THEME_NA);
    } else {
        widgets_fmt_num(buf, sizeof(buf), 6, k->wait_pct);
        table_draw_cell(x, 0, y, &col[VC_WAIT], cx[VC_WAIT], cw[VC_WAIT], buf, THEME_NORMAL);
    }

    if (p != NULL) {
        widgets_fmt_bytes(buf, sizeof(buf), 6, (double)p->rss);
        table_draw_cell(x, 0, y, &col[VC_RSS], cx[VC_RSS], cw[VC_RSS], buf, THEME_NORMAL);
        if (p->pss_ok)
            widgets_fmt_bytes(buf, sizeof(buf), 6, (double)p->pss);
        table_draw_cell(x, 0, y, &col[VC_PSS], cx[VC_PSS], cw[VC_PSS], p->pss_ok ? buf : "n/a",
                        p->pss_ok ? THEME_NORMAL : THEME_NA);
    }
}

/* Draws the table in rows y..y+h-1; returns how many body rows were shown. */
static int view__table(struct view_state *v, const struct widgets_ctx *x, int y, int h)
{
    int cx[VC_COUNT], cw[VC_COUNT], total = view__table_rows(v), body = h - 1, row = 0;

    if (h <= 0)
        return 0;
    if (v->ntree == 0) {
        if (v->have_sample)
            widgets_wrap(x, (struct canvas_rect){ 0, y + MIN(1, h - 1), x->c->w, 1 },
                         "watch a program's threads: schedwatch --pid PID", THEME_LABEL);
        v->page = 0;
        return 0;
    }
    table_layout(view__cols, VC_COUNT, x->c->w, cx, cw);
    table_draw_header(x, 0, y, x->c->w, view__cols, VC_COUNT, cx, cw);
    v->page = body;
    v->scroll = CLAMP(v->scroll, 0, MAX(total - body, 0));
    for (int i = 0; i < v->ntree; i++) {
        const struct sample_tree *t = &v->trees[i].t;
        int hint = 0;

        if (row >= v->scroll && row - v->scroll < body)
            view__tree_title(v, x, t, y + 1 + row - v->scroll);
        row++;
        for (int k = 0; k < t->ntask; k++, row++) {
            if (row < v->scroll)
                continue;
            if (row - v->scroll >= body)
                break;
            view__task_row(v, x, t, &t->tasks[k], y + 1 + row - v->scroll, cx, cw, &hint);
        }
    }
    return MIN(body, total - v->scroll);
}

void view_scroll(struct view_state *v, int delta)
{
    long s = (long)v->scroll + delta;

    v->scroll = (int)CLAMP(s, 0L, (long)view__table_rows(v));
}

/* ---- help overlay ------------------------------------------------------------------ */

static const struct view__key view__help_keys[] = {
    { "q", "quit" },
    { "space", "pause / resume sampling (PAUSED shows)" },
    { "?", "show / hide this help" },
    { "Esc", "close this help" },
    { "\u2191 \u2193", "scroll the task table by one row" },
    { "PgUp PgDn", "scroll the task table by a page" },
    { "Home End", "top / bottom of the task table" },
};

/* With models: every key of the panels screen (the man page's KEYS list). */
static const struct view__key view__help_model_keys[] = {
    { "q", "quit" },
    { "?", "show / hide this help" },
    { "1-4", "focus one model's panel (or click on it)" },
    { "0  Esc", "back to all panels (Esc first closes this help)" },
    { "space", "freeze the display (the workloads run on); again: live" },
    { "\u2190 \u2192", "frozen: step back / forward one sample (its time shows)" },
    { "Home End", "frozen: the oldest / newest sample kept (5 min at 10 Hz)" },
    { "w", "next workload: cpu io mixed lock fanout spawn pingpong" },
    { "+ -", "double / halve every model's task count" },
    { "g", "GIL on / off (threads)" },
    { "o", "offload CPU work to the thread pool on / off (loop)" },
    { "p P", "GOMAXPROCS down / up (goroutines)" },
    { "m", "next fairness mode: shared split turns" },
    { "r", "restart the workload" },
    { "\u2191 \u2193 PgUp PgDn", "scroll the --pid task table" },
};

static void view__help(struct view_state *v, const struct widgets_ctx *x)
{
    struct canvas *c = x->c;
    struct canvas_style st = widgets_style(x, THEME_NORMAL);
    const struct view__key *keys = view__help_keys;
    int nkeys = (int)ARRAY_SIZE(view__help_keys);
    int bw, bh, y, kx, dx, kw = 10;
    struct canvas_rect box, old;

    if (v->nmodel_pid > 0) {
        keys = view__help_model_keys;
        nkeys = (int)ARRAY_SIZE(view__help_model_keys);
        kw = 18;
    }
    /* Frame, keys, blank, title, one line per source, blank, theme line. */
    bw = MIN(c->w - 2, 90);
    bh = MIN(c->h - 2, 6 + nkeys + SAMPLE_CAP_COUNT);
    box = (struct canvas_rect){ (c->w - bw) / 2, (c->h - bh) / 2, bw, bh };
    y = box.y + 1;
    kx = box.x + 2;
    dx = kx + kw + 1;
    canvas_fill(c, box, ' ', st);
    canvas_box(c, box, x->g->box, widgets_style(x, THEME_BORDER));
    canvas_put_str(c, box.x + 2, box.y, " help ", bw - 4, widgets_style(x, THEME_BORDER));
    old = canvas_clip(c, (struct canvas_rect){ box.x + 1, box.y + 1, bw - 2, bh - 2 });
    for (int i = 0; i < nkeys; i++) {
        const char *key = keys[i].key;

        /* p P only where there is a GOMAXPROCS to change. */
        if (v->nmodel_pid > 0 && strcmp(key, "p P") == 0 && !v->goroutines)
            continue;
        if (x->g->ascii && strcmp(key, "\u2191 \u2193") == 0)
            key = "Up Down";
        else if (x->g->ascii && strcmp(key, "\u2191 \u2193 PgUp PgDn") == 0)
            key = "Up Down PgUp PgDn";
        else
            key = view__key_text(x, key);
        canvas_put_str(c, kx, y, key, kw, widgets_style(x, THEME_KEY));
        canvas_put_str(c, dx, y, keys[i].what, box.x + bw - 1 - dx, st);
        y++;
    }
    y++;
    canvas_put_str(c, kx, y++, "data sources", -1, widgets_style(x, THEME_TREE_TITLE));
    if (!v->have_caps) {
        canvas_put_str(c, kx, y++, "not probed yet", -1, widgets_style(x, THEME_NA));
    } else {
        for (int i = 0; i < SAMPLE_CAP_COUNT; i++, y++) {
            char buf[160];

            canvas_put_str(c, kx, y, sample_cap_name((enum sample_cap)i), 18,
                           widgets_style(x, THEME_LABEL));
            if (v->caps.ok[i])
                snprintf(buf, sizeof(buf), "ok");
            else
                snprintf(buf, sizeof(buf), "n/a: %s",
                         v->caps.why[i] != NULL ? v->caps.why[i] : "unavailable");
            canvas_put_str(c, kx + 19, y, buf, box.x + bw - 1 - (kx + 19),
                           widgets_style(x, v->caps.ok[i] ? THEME_NORMAL : THEME_NA));
        }
    }
    y++;
    canvas_printf(c, kx, y, -1, widgets_style(x, THEME_LABEL), "theme %s, %s glyphs, colour %s",
                  v->theme_name, x->g->ascii ? "ASCII" : "UTF-8", v->color ? "on" : "off");
    canvas_clip(c, old);
}

/* ---- the whole screen -------------------------------------------------------------- */

static void view__too_small(const struct widgets_ctx *x)
{
    char msg[128];

    snprintf(msg, sizeof(msg), "enlarge the terminal to at least %dx%d (now %dx%d)", VIEW_MIN_W,
             VIEW_MIN_H, x->c->w, x->c->h);
    widgets_wrap(x, canvas_full(x->c), msg, THEME_WARN);
}

/* The line above the footer with models: the mode and how fair the
 * comparison is, as of the sample shown. */
static void view__fairness(const struct widgets_ctx *x, int y,
                           const struct panels_entry *e)
{
    char buf[256];


    snprintf(buf, sizeof(buf), "mode %s", e->fairness);
    canvas_put_str(x->c, 0, y, buf, x->c->w, widgets_style(x, e->fair ? THEME_LABEL : THEME_WARN));
}

/* The screen with model panels: header (title, cores, machine line), the
 * panels, the --pid table below them when trees are watched, the status
 * (errors), the mode and fairness, the footer. */
static void view__draw_models(struct view_state *v, const struct widgets_ctx *x,
                              const struct panels_entry *e)
{
    struct canvas *c = x->c;
    struct widgets_item items[8];
    const char *fair = e->fairness;
    bool status = v->status[0] != '\0' && strcmp(v->status, fair) != 0;
    int bottom = c->h - 2 - (status ? 1 : 0);   /* first row below the body */
    int y = 0, body, nitems, sum_lines, core_rows, table_h = 0, panel_h, shown = 0, trows;

    view__title(v, x, y++);
    body = bottom - y;
    nitems = view__machine_items(v, x, items);
    /* The header stays short: the panels are the point. */
    core_rows = view__cores(v, x, y, c->h < 30 ? 1 : MAX(MIN(body / 10, 4), 1));
    y += core_rows;
    sum_lines = MIN(view__flow_height(items, nitems, c->w), c->h >= 40 ? 2 : 1);
    y += widgets_flow(x, (struct canvas_rect){ 0, y, c->w, sum_lines }, items, nitems);
    trows = view__table_rows(v);
    /* A lesson's caption and verdicts sit just above the fairness line; the
     * panels keep the rest. */
    bottom -= lesson_view_draw(v->lesson, x, bottom, MAX((bottom - y) / 3, 0));
    if (v->ntree > 0)
        table_h = CLAMP(trows + 1, 4, MAX((bottom - y) / 3, 4));
    panel_h = MAX(bottom - y - table_h, 0);
    panels_draw(v->panels, x, (struct canvas_rect){ 0, y, c->w, panel_h }, v->shown, v->focus);
    y += panel_h;
    if (table_h > 0)
        shown = view__table(v, x, y, MIN(table_h, bottom - y));
    else
        v->page = 0;
    if (status)
        canvas_put_str(c, 0, c->h - 3, v->status, c->w, widgets_style(x, THEME_WARN));
    view__fairness(x, c->h - 2, e);
    view__footer(v, x, c->h - 1, v->scroll, shown, trows);
}

void view_draw(struct view_state *v, const struct widgets_ctx *x)
{
    struct canvas *c = x->c;
    struct widgets_item items[8];
    int nitems, y = 0, body, sum_lines, table_min, core_cap, core_rows, shown = 0;
    bool status = v->status[0] != '\0';
    const struct panels_entry *e = v->panels != NULL ? panels_at(v->panels, v->shown) : NULL;

    canvas_clip(c, canvas_full(c));
    canvas_fill(c, canvas_full(c), ' ', widgets_style(x, THEME_NORMAL));
    if (c->w < VIEW_MIN_W || c->h < VIEW_MIN_H) {
        view__too_small(x);
        return;
    }
    if (e != NULL && e->nmodel > 0) {
        view__draw_models(v, x, e);
        if (v->help)
            view__help(v, x);
        return;
    }
    view__title(v, x, y++);
    body = c->h - 2 - (status ? 1 : 0);
    nitems = view__machine_items(v, x, items);
    table_min = v->ntree > 0 ? 3 : 0;
    sum_lines = MIN(view__flow_height(items, nitems, c->w), MAX(body - 1 - table_min, 1));
    core_cap = MAX(body - sum_lines - table_min, 1);
    if (v->ntree > 0)
        core_cap = MIN(core_cap, MAX(body / 2, 1));
    core_rows = view__cores(v, x, y, core_cap);
    y += core_rows;
    y += widgets_flow(x, (struct canvas_rect){ 0, y, c->w, sum_lines }, items, nitems);
    shown = view__table(v, x, y, c->h - 1 - (status ? 1 : 0) - y -
                        lesson_view_draw(v->lesson, x, c->h - 1 - (status ? 1 : 0), body / 2));
    if (status)
        canvas_put_str(c, 0, c->h - 2, v->status, c->w, widgets_style(x, THEME_WARN));
    view__footer(v, x, c->h - 1, v->scroll, shown, view__table_rows(v));
    if (v->help)
        view__help(v, x);
}
