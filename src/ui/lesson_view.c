/*
 * lesson_view.c — what a lesson adds to the screen: a strip at the bottom
 * with the step, its caption and the expectations' marks, and the centred
 * overlay the comparison table is shown in. Drawn from the player's state
 * only; nothing here judges.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lesson/player.h"
#include "ui/canvas.h"
#include "ui/lesson_view.h"
#include "util.h"

static int lesson_view__lines(const char *s)
{
    int n = s && s[0] ? 1 : 0;
    for (; s && *s; s++)
        if (*s == '\n')
            n++;
    return n;
}

/* Line k of a '\n'-separated text into buf. */
static void lesson_view__line(const char *s, int k, char *buf, size_t len)
{
    for (; k > 0 && s; k--) {
        s = strchr(s, '\n');
        if (s)
            s++;
    }
    const char *e = s ? strchr(s, '\n') : NULL;
    size_t n = s ? (e ? (size_t)(e - s) : strlen(s)) : 0;
    snprintf(buf, len, "%.*s", (int)MIN(n, len - 1), s ? s : "");
}

int lesson_view_draw(const struct player *p, const struct widgets_ctx *x, int bottom, int max_h)
{
    struct canvas *c = x->c;
    if (p == NULL || player_step(p) < 0 || max_h < 2)
        return 0;
    const struct lesson *l = player_lesson(p);
    const struct lesson_step *st = &l->steps[player_step(p)];
    size_t nm = player_nmarks(p);
    const char *note = player_note(p);
    int ncap = lesson_view__lines(st->caption);
    int want = 1 + ncap + (int)nm + (note[0] ? 1 : 0);
    int h = MIN(want, max_h);
    int cap_shown = MAX(ncap - (want - h), 0);  /* the marks matter more than the caption */
    int y = bottom - h;
    char buf[LESSON_LINE_MAX + 64], v1[32], v2[32];

    canvas_fill(c, (struct canvas_rect){ 0, y, c->w, h }, ' ', widgets_style(x, THEME_NORMAL));
    canvas_fill(c, (struct canvas_rect){ 0, y, c->w, 1 }, x->g->box[0],
                widgets_style(x, THEME_BORDER));
    snprintf(buf, sizeof(buf), " lesson: %s \u2014 step %ld/%zu: %s  %.0fs/%.0fs ", l->title,
             player_step(p) + 1, l->nsteps, st->title ? st->title : "", player_elapsed_s(p),
             player_duration_s(p));
    canvas_put_str(c, 1, y, buf, c->w - 2, widgets_style(x, THEME_TITLE));
    int row = y + 1;
    for (int k = 0; k < cap_shown && row < bottom; k++, row++) {
        lesson_view__line(st->caption, k, buf, sizeof(buf));
        canvas_put_str(c, 1, row, buf, c->w - 2, widgets_style(x, THEME_NORMAL));
    }
    for (size_t i = 0; i < nm && row < bottom; i++, row++) {
        const struct player_mark *m = player_mark(p, i);
        const char *mark;
        enum theme_role role;
        switch (m->j.verdict) {
        case LESSON_HOLDS:
            mark = x->g->ascii ? "ok" : "\u2713";
            role = THEME_STATE_RUN;
            snprintf(buf, sizeof(buf), "%s  (%s vs %s)", m->text,
                     lesson_fmt_value(v1, sizeof(v1), m->j.lhs, m->kind),
                     lesson_fmt_value(v2, sizeof(v2), m->j.rhs, m->kind));
            break;
        case LESSON_FAILS:
            mark = x->g->ascii ? "NO" : "\u2717";
            role = THEME_WARN;
            snprintf(buf, sizeof(buf), "%s  (%s vs %s)", m->text,
                     lesson_fmt_value(v1, sizeof(v1), m->j.lhs, m->kind),
                     lesson_fmt_value(v2, sizeof(v2), m->j.rhs, m->kind));
            break;
        case LESSON_SKIPPED:
            mark = "-";
            role = THEME_NA;
            snprintf(buf, sizeof(buf), "%s  skipped: %s", m->text, m->j.why);
            break;
        case LESSON_PENDING:
        default:
            mark = x->g->ascii ? ".." : "\u2026";
            role = THEME_LABEL;
            snprintf(buf, sizeof(buf), "%s  (%s)", m->text, m->j.why);
            break;
        }
        canvas_put_str(c, 1, row, mark, 2, widgets_style(x, role));
        canvas_put_str(c, 4, row, buf, c->w - 5, widgets_style(x, THEME_NORMAL));
    }
    if (note[0] && row < bottom)
        canvas_put_str(c, 1, row, note, c->w - 2, widgets_style(x, THEME_NA));
    return h;
}

void lesson_view_overlay(const struct widgets_ctx *x, const char *title, const char *text)
{
    struct canvas *c = x->c;
    int n = lesson_view__lines(text), w = 0;
    char buf[512];
    for (int k = 0; k < n; k++) {
        lesson_view__line(text, k, buf, sizeof(buf));
        w = MAX(w, canvas_str_width(buf));
    }
    w = MIN(w + 4, c->w);
    int h = MIN(n + 2, c->h);
    struct canvas_rect r = { (c->w - w) / 2, (c->h - h) / 2, w, h };
    struct canvas_rect old = canvas_clip(c, r);
    canvas_fill(c, r, ' ', widgets_style(x, THEME_NORMAL));
    canvas_box(c, r, x->g->box, widgets_style(x, THEME_BORDER));
    snprintf(buf, sizeof(buf), " %s ", title);
    canvas_put_str(c, r.x + 2, r.y, buf, w - 4, widgets_style(x, THEME_TITLE));
    for (int k = 0; k < n && k < h - 2; k++) {
        lesson_view__line(text, k, buf, sizeof(buf));
        canvas_put_str(c, r.x + 2, r.y + 1 + k, buf, w - 4,
                       widgets_style(x, k == 0 ? THEME_TABLE_HEAD : THEME_NORMAL));
    }
    canvas_clip(c, old);
}
