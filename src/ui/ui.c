/*
 * ui.c — the ui object: options, theme, glyphs, the view's state, the canvas
 * and (when started) the terminal. It decides *when* to draw (only when
 * something was marked changed); view.c decides *what*; curses.c does the
 * terminal.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run/run.h"
#include "ui/canvas.h"
#include "ui/curses.h"
#include "ui/lesson_view.h"
#include "ui/theme.h"
#include "ui/ui.h"
#include "ui/view.h"
#include "ui/widgets.h"
#include "util.h"

struct ui {
    struct ui_opts opts;
    struct theme theme;
    struct widgets_glyphs glyphs;
    struct view_state view;
    struct panels_state panels;     /* the models' history ring (view.panels points here) */
    int nmodels;                    /* models set by the last ui_set_models */
    uint64_t shown_seq;             /* frozen: the sample shown */
    int mouse_x, mouse_y;           /* the last click */
    struct canvas *canvas;          /* the terminal's size; NULL until started */
    struct curses_term *term;       /* NULL when the terminal is not ours */
    bool dirty;                     /* something changed since the last frame */
    bool color;
    char *overlay, *overlay_title;  /* ui_set_overlay, or NULL */
    ui_frame_fn *hook;              /* sees every composed frame (recording) */
    void *hook_arg;
    char theme_name[64];
    char err[512];
};

static bool ui__no_color_env(void)
{
    const char *e = getenv("NO_COLOR");

    return e != NULL && e[0] != '\0';   /* no-color.org: set and not empty */
}

int ui_new(const struct ui_opts *o, struct ui **out)
{
    struct ui *ui = xcalloc(1, sizeof(*ui));
    const char *theme;
    int rc;

    ui->opts = *o;
    ui->opts.theme = NULL;          /* not kept: the caller's string */
    ui->color = !o->no_color && !ui__no_color_env();
    /* Without colour the monochrome theme tells things apart by glyph,
     * unless a theme was asked for by name. */
    theme = o->theme != NULL ? o->theme : (ui->color ? "default" : "mono");
    rc = theme_load(theme, &ui->theme, ui->err, sizeof(ui->err));
    if (rc < 0)
        theme_builtin(&ui->theme);
    if (!ui->color)
        theme_strip_color(&ui->theme);
    snprintf(ui->theme_name, sizeof(ui->theme_name), "%s", ui->theme.name);
    widgets_glyphs_init(&ui->glyphs, o->ascii || !curses_utf8());
    view_init(&ui->view);
    panels_init(&ui->panels);
    ui->view.panels = &ui->panels;
    ui->view.focus = -1;
    ui->view.interval_ns = o->interval_ns;
    ui->view.theme_name = ui->theme_name;
    ui->view.color = ui->color;
    ui->dirty = true;
    *out = ui;
    return rc;
}

void ui_free(struct ui *ui)
{
    if (ui == NULL)
        return;
    ui_term_stop(ui);
    view_free(&ui->view);
    free(ui->overlay);
    free(ui->overlay_title);
    panels_free(&ui->panels);
    free(ui);
}

const char *ui_last_error(const struct ui *ui)
{
    return ui->err;
}

/* The layout's size: --size when given, else the terminal's. */
static void ui__size(struct ui *ui, int *w, int *h)
{
    curses_size(ui->term, w, h);
    if (ui->opts.fixed_w > 0 && ui->opts.fixed_h > 0) {
        *w = ui->opts.fixed_w;
        *h = ui->opts.fixed_h;
    }
}

int ui_term_start(struct ui *ui)
{
    int w, h, rc;

    if (ui->term != NULL)
        return 0;
    rc = curses_start(ui->color, &ui->term, ui->err, sizeof(ui->err));
    if (rc < 0)
        return rc;
    if (!curses_has_color(ui->term) && ui->color) {
        /* A monochrome terminal: the same as NO_COLOR. */
        ui->color = false;
        ui->view.color = false;
        theme_strip_color(&ui->theme);
    }
    ui__size(ui, &w, &h);
    ui->canvas = canvas_new(w, h);
    ui->dirty = true;
    return 0;
}

void ui_term_stop(struct ui *ui)
{
    if (ui->term == NULL)
        return;
    curses_stop(ui->term);
    ui->term = NULL;
    canvas_free(ui->canvas);
    ui->canvas = NULL;
}

bool ui_term_emergency_restore(void)
{
    return curses_emergency_restore();
}

int ui_input_fd(const struct ui *ui)
{
    return ui->term != NULL ? curses_input_fd(ui->term) : -1;
}

int ui_read_key(struct ui *ui)
{
    int key = ui->term != NULL ? curses_read_key(ui->term) : UI_KEY_NONE;

    if (key == UI_KEY_MOUSE)
        curses_mouse(ui->term, &ui->mouse_x, &ui->mouse_y);
    return key;
}

void ui_resize(struct ui *ui)
{
    int w, h;

    if (ui->term == NULL)
        return;
    curses_resize(ui->term);
    ui__size(ui, &w, &h);
    if (w != ui->canvas->w || h != ui->canvas->h)
        canvas_resize(ui->canvas, w, h);
    else
        canvas_invalidate(ui->canvas);  /* the terminal was redrawn: send every cell */
    curses_invalidate(ui->term);
    ui->dirty = true;
}

/* "06:20:01.3  -2.4 s": the shown sample's clock time and its age against
 * the newest kept. */
static void ui__frozen_label(struct ui *ui)
{
    const struct panels_entry *e = panels_at(&ui->panels, ui->view.shown);
    const struct panels_entry *newest = panels_at(&ui->panels, ui->panels.len - 1);
    struct tm tm;
    time_t sec;
    char hms[16];

    if (e == NULL || newest == NULL) {
        ui->view.frozen_at[0] = '\0';
        return;
    }
    sec = (time_t)(e->wall_ns / 1000000000ull);
    localtime_r(&sec, &tm);
    strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
    snprintf(ui->view.frozen_at, sizeof(ui->view.frozen_at), "%s.%llu  -%.1f s", hms,
             (unsigned long long)(e->wall_ns % 1000000000ull / 100000000ull),
             (double)(newest->m.t_ns - e->m.t_ns) / 1e9);
}

/* Shows ring entry k: the panels read it directly; the header is rebuilt
 * from the entries up to it, so its histories end there too. */
static void ui__show(struct ui *ui, int k)
{
    struct view_state *v = &ui->view;

    if (ui->panels.len == 0)
        return;
    k = CLAMP(k, 0, ui->panels.len - 1);
    v->shown = k;
    ui->shown_seq = panels_at(&ui->panels, k)->seq;
    view_reset_history(v);
    for (int j = MAX(k - VIEW_HIST, 0); j <= k; j++) {
        const struct panels_entry *e = panels_at(&ui->panels, j);
        struct sample_machine m = e->m;

        m.cpu = (struct sample_cpu *)panels_cpu_at(&ui->panels, j);
        if (m.cpu == NULL)
            m.ncpu = 0;
        view_update_machine(v, e->seq, &m);
    }
    ui__frozen_label(ui);
}

static void ui__freeze(struct ui *ui, bool on)
{
    ui->view.frozen = on;
    ui__show(ui, ui->panels.len - 1);
}

enum ui_action ui_click(struct ui *ui, int x, int y)
{
    int i = panels_hit(&ui->panels, x, y);

    if (i < 0 || ui->view.help)
        return UI_ACT_NONE;
    ui->view.focus = ui->view.focus == i ? -1 : i;
    ui->dirty = true;
    return UI_ACT_REDRAW;
}

/* Keys of the model panels; UI_ACT_NONE for a key they do not take. */
static enum ui_action ui__model_key(struct ui *ui, int key)
{
    struct view_state *v = &ui->view;

    switch (key) {
    case '1':
    case '2':
    case '3':
    case '4':
        if (key - '1' >= ui->nmodels)
            return UI_ACT_NONE;
        v->focus = key - '1';
        return UI_ACT_REDRAW;
    case '0':
        v->focus = -1;
        return UI_ACT_REDRAW;
    case ' ':
        ui__freeze(ui, !v->frozen);
        return UI_ACT_REDRAW;
    case UI_KEY_LEFT:
        /* From live, the first step back freezes. */
        if (!v->frozen)
            ui__freeze(ui, true);
        ui__show(ui, v->shown - 1);
        return UI_ACT_REDRAW;
    case UI_KEY_RIGHT:
        if (!v->frozen)
            return UI_ACT_NONE;
        ui__show(ui, v->shown + 1);
        return UI_ACT_REDRAW;
    case UI_KEY_HOME:
    case UI_KEY_END:
        if (!v->frozen)
            return UI_ACT_NONE;     /* live: the task table's */
        ui__show(ui, key == UI_KEY_HOME ? 0 : ui->panels.len - 1);
        return UI_ACT_REDRAW;
    case 'w':
        return UI_ACT_WORKLOAD;
    case '+':
    case '=':                       /* + without shift */
        return UI_ACT_TASKS_MORE;
    case '-':
        return UI_ACT_TASKS_FEWER;
    case 'g':
        return UI_ACT_GIL;
    case 'o':
        return UI_ACT_OFFLOAD;
    case 'p':
        return v->goroutines ? UI_ACT_GOMAXPROCS_DOWN : UI_ACT_NONE;
    case 'P':
        return v->goroutines ? UI_ACT_GOMAXPROCS_UP : UI_ACT_NONE;
    case 'm':
        return UI_ACT_MODE;
    case 'r':
        return UI_ACT_RESTART;
    default:
        return UI_ACT_NONE;
    }
}

enum ui_action ui_handle_key(struct ui *ui, int key)
{
    struct view_state *v = &ui->view;
    int page = MAX(v->page - 1, 1);

    if (ui->nmodels > 0 && !v->help) {
        enum ui_action a = ui__model_key(ui, key);

        if (a != UI_ACT_NONE) {
            ui->dirty = true;
            return a;
        }
    }
    switch (key) {
    case 'q':
    case 'Q':
        return UI_ACT_QUIT;
    case ' ':
        if (ui->nmodels > 0)
            return UI_ACT_NONE;     /* help is open: space does nothing */
        return UI_ACT_PAUSE;
    case '?':
    case UI_KEY_F1:
        v->help = !v->help;
        break;
    case UI_KEY_ESC:
        if (v->help)
            v->help = false;
        else if (v->focus >= 0)
            v->focus = -1;
        else
            return UI_ACT_NONE;
        break;
    case UI_KEY_MOUSE:
        return ui_click(ui, ui->mouse_x, ui->mouse_y);
    case UI_KEY_UP:
    case 'k':
        view_scroll(v, -1);
        break;
    case UI_KEY_DOWN:
    case 'j':
        view_scroll(v, 1);
        break;
    case UI_KEY_PGUP:
        view_scroll(v, -page);
        break;
    case UI_KEY_PGDN:
        view_scroll(v, page);
        break;
    case UI_KEY_HOME:
        view_scroll(v, -v->scroll);
        break;
    case UI_KEY_END:
        view_scroll(v, 1 << 30);
        break;
    case UI_KEY_RESIZE:
        ui_resize(ui);
        break;
    case 12:                        /* Ctrl-L: repaint everything */
        if (ui->term != NULL) {
            curses_invalidate(ui->term);
            canvas_invalidate(ui->canvas);
        }
        break;
    default:
        return UI_ACT_NONE;
    }
    ui->dirty = true;
    return UI_ACT_REDRAW;
}

void ui_set_sample(struct ui *ui, const struct sample *s, const struct sample_caps *caps)
{
    struct view_state *v = &ui->view;

    panels_push(&ui->panels, s->seq, &s->m);
    if (!v->frozen) {
        view_update(v, s, caps);
        v->shown = ui->panels.len - 1;
    } else {
        int k;

        if (caps != NULL) {
            v->caps = *caps;
            v->have_caps = true;
        }
        /* The ring moved under the frozen screen: follow the shown sample,
         * or the oldest kept once it is gone. */
        k = panels_find(&ui->panels, ui->shown_seq);
        if (k < 0)
            ui__show(ui, 0);
        else
            v->shown = k;
        ui__frozen_label(ui);
    }
    ui->dirty = true;
}

bool ui_frozen(const struct ui *ui)
{
    return ui->view.frozen;
}

void ui_set_models(struct ui *ui, const struct panels_in *in)
{
    struct view_state *v = &ui->view;
    int n = CLAMP(in->n, 0, PANELS_MAX);

    panels_set_models(&ui->panels, in);
    ui->nmodels = n;
    v->nmodel_pid = n;
    v->goroutines = false;
    for (int i = 0; i < n; i++) {
        v->model_pid[i] = in->m[i].f->pid;
        v->goroutines |= in->m[i].f->kind == PROBE_MODEL_GOROUTINES;
    }
    snprintf(v->workload, sizeof(v->workload), "%s", n > 0 ? work_name(in->workload) : "");
    if (v->focus >= n)
        v->focus = -1;
    ui->dirty = true;
}

void ui_set_run(struct ui *ui, const struct run *r)
{
    struct panels_in in = { 0 };

    if (r != NULL) {
        const struct run_opts *o = run_options(r);

        in.n = MIN(run_count(r), PANELS_MAX);
        for (int i = 0; i < in.n; i++) {
            in.m[i].f = run_figs(r, i);
            run_slots(r, i, &in.m[i].slots, &in.m[i].nslots);
        }
        in.mode = run_mode(r);
        in.fairness = run_fairness(r);
        in.fair = run_fair(r);
        in.workload = o->workload;
        in.latency_ms = (double)(o->latency_ns ? o->latency_ns : WORK_LATENCY_DEFAULT_NS) / 1e6;
    }
    ui_set_models(ui, &in);
}

void ui_set_paused(struct ui *ui, bool paused)
{
    if (ui->view.paused != paused)
        ui->dirty = true;
    ui->view.paused = paused;
}

void ui_set_status(struct ui *ui, const char *msg)
{
    const char *m = msg != NULL ? msg : "";

    if (strcmp(ui->view.status, m) != 0)
        ui->dirty = true;
    snprintf(ui->view.status, sizeof(ui->view.status), "%s", m);
}

static void ui__compose(struct ui *ui, struct canvas *c)
{
    struct widgets_ctx x = { .c = c, .th = &ui->theme, .g = &ui->glyphs };

    view_draw(&ui->view, &x);
    if (ui->overlay != NULL)
        lesson_view_overlay(&x, ui->overlay_title, ui->overlay);
}

void ui_set_lesson(struct ui *ui, const struct player *p)
{
    ui->view.lesson = p;
    ui->dirty = true;
}

void ui_set_overlay(struct ui *ui, const char *title, const char *text)
{
    free(ui->overlay);
    free(ui->overlay_title);
    ui->overlay = text ? xstrdup(text) : NULL;
    ui->overlay_title = text ? xstrdup(title ? title : "") : NULL;
    ui->dirty = true;
}

bool ui_overlay_shown(const struct ui *ui)
{
    return ui->overlay != NULL;
}

void ui_touch(struct ui *ui)
{
    ui->dirty = true;
}

void ui_render(struct ui *ui, struct canvas *c)
{
    ui__compose(ui, c);
}

bool ui_frame(struct ui *ui)
{
    if (ui->term == NULL || !ui->dirty)
        return false;
    ui__compose(ui, ui->canvas);
    if (ui->hook != NULL)
        ui->hook(ui->hook_arg, ui->canvas);
    curses_flush(ui->term, ui->canvas);
    ui->dirty = false;
    return true;
}

void ui_set_frame_hook(struct ui *ui, ui_frame_fn *fn, void *arg)
{
    ui->hook = fn;
    ui->hook_arg = arg;
}

int ui_render_text(struct ui *ui, int w, int h, char **out_utf8)
{
    struct canvas *c;

    if (w < 1 || h < 1)
        return -EINVAL;
    c = canvas_new(w, h);
    ui__compose(ui, c);
    *out_utf8 = canvas_to_text(c);
    canvas_free(c);
    return 0;
}
