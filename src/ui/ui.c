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

#include "ui/canvas.h"
#include "ui/curses.h"
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
    struct canvas *canvas;          /* the terminal's size; NULL until started */
    struct curses_term *term;       /* NULL when the terminal is not ours */
    bool dirty;                     /* something changed since the last frame */
    bool color;
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
    free(ui);
}

const char *ui_last_error(const struct ui *ui)
{
    return ui->err;
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
    curses_size(ui->term, &w, &h);
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

void ui_term_emergency_restore(void)
{
    curses_emergency_restore();
}

int ui_input_fd(const struct ui *ui)
{
    return ui->term != NULL ? curses_input_fd(ui->term) : -1;
}

int ui_read_key(struct ui *ui)
{
    return ui->term != NULL ? curses_read_key(ui->term) : UI_KEY_NONE;
}

void ui_resize(struct ui *ui)
{
    int w, h;

    if (ui->term == NULL)
        return;
    curses_resize(ui->term);
    curses_size(ui->term, &w, &h);
    canvas_resize(ui->canvas, w, h);
    curses_invalidate(ui->term);
    ui->dirty = true;
}

enum ui_action ui_handle_key(struct ui *ui, int key)
{
    struct view_state *v = &ui->view;
    int page = MAX(v->page - 1, 1);

    switch (key) {
    case 'q':
    case 'Q':
        return UI_ACT_QUIT;
    case ' ':
        return UI_ACT_PAUSE;
    case '?':
    case UI_KEY_F1:
        v->help = !v->help;
        break;
    case UI_KEY_ESC:
        if (!v->help)
            return UI_ACT_NONE;
        v->help = false;
        break;
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
    view_update(&ui->view, s, caps);
    ui->dirty = true;
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
}

bool ui_frame(struct ui *ui)
{
    if (ui->term == NULL || !ui->dirty)
        return false;
    ui__compose(ui, ui->canvas);
    curses_flush(ui->term, ui->canvas);
    ui->dirty = false;
    return true;
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
