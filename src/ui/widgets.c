#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ui/widgets.h"
#include "util.h"

void widgets_glyphs_init(struct widgets_glyphs *g, bool ascii)
{
    static const struct widgets_glyphs utf8 = {
        .ascii = false,
        .ramp = { 0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587, 0x2588 },
        .box = { 0x2500, 0x2502, 0x250c, 0x2510, 0x2514, 0x2518 },
        .ellipsis = 0x2026, .up = 0x2191, .down = 0x2193, .sep = 0x2502,
    };
    static const struct widgets_glyphs plain = {
        .ascii = true,
        .ramp = { '_', '.', ':', '-', '=', '+', '*', '#' },
        .box = { '-', '|', '+', '+', '+', '+' },
        .ellipsis = '~', .up = '^', .down = 'v', .sep = '|',
    };

    *g = ascii ? plain : utf8;
}

struct canvas_style widgets_style(const struct widgets_ctx *x, enum theme_role r)
{
    return x->th->e[r].st;
}

uint32_t widgets_glyph(const struct widgets_ctx *x, enum theme_role r, uint32_t fallback)
{
    uint32_t g = x->g->ascii ? x->th->e[r].glyph_ascii : x->th->e[r].glyph;

    return g != 0 ? g : fallback;
}

/* ---- numbers ------------------------------------------------------------ */

static int widgets__fit(char *buf, size_t len, int width, const char *s)
{
    int n = (int)strlen(s);

    if (n <= width) {
        snprintf(buf, len, "%s", s);
        return n;
    }
    return -1;
}

static int widgets__overflow(char *buf, size_t len, int width)
{
    int n = MIN(width, (int)len - 1);

    memset(buf, '+', (size_t)MAX(n, 0));
    buf[MAX(n, 0)] = '\0';
    return MAX(n, 0);
}

/* Tries v with suffixes at decreasing precision until it fits. */
static int widgets__scaled(char *buf, size_t len, int width, double v, double base,
                           const char *const *suffix, int nsuffix, const char *tail,
                           bool whole_above_10)
{
    char tmp[64];
    double s = v;
    int rc;

    if (!isfinite(v))
        return widgets__overflow(buf, len, width);
    for (int u = 0; u < nsuffix; u++) {
        /* "0k" for 12 would be a wrong figure: no unit larger than the value. */
        if (u > 0 && fabs(s) < 1)
            break;
        for (int prec = 1; prec >= 0; prec--) {
            /* Whole units carry no decimals; small scaled values one. */
            if (u == 0 && prec == 1 && (fabs(s) >= 1000 || (whole_above_10 && fabs(s) >= 10)))
                continue;
            snprintf(tmp, sizeof(tmp), "%.*f%s%s", prec, s, suffix[u], tail);
            rc = widgets__fit(buf, len, width, tmp);
            if (rc >= 0)
                return rc;
        }
        s /= base;
    }
    return widgets__overflow(buf, len, width);
}

int widgets_fmt_num(char *buf, size_t len, int width, double v)
{
    static const char *const suffix[] = { "", "k", "M", "G", "T" };

    return widgets__scaled(buf, len, width, v, 1000, suffix, ARRAY_SIZE(suffix), "", false);
}

int widgets_fmt_rate(char *buf, size_t len, int width, double v)
{
    static const char *const suffix[] = { "", "k", "M", "G", "T" };

    return widgets__scaled(buf, len, width, v, 1000, suffix, ARRAY_SIZE(suffix), "", true);
}

int widgets_fmt_pct(char *buf, size_t len, int width, double pct)
{
    static const char *const suffix[] = { "", "k" };

    return widgets__scaled(buf, len, width, pct, 1000, suffix, ARRAY_SIZE(suffix), "%", false);
}

int widgets_fmt_bytes(char *buf, size_t len, int width, double bytes)
{
    static const char *const suffix[] = { "B", "K", "M", "G", "T", "P" };
    char tmp[64];
    double s = bytes;

    if (!isfinite(bytes) || bytes < 0)
        return widgets__overflow(buf, len, width);
    /* Bytes are whole: "812B", never "812.0B"; above, one decimal if it fits. */
    snprintf(tmp, sizeof(tmp), "%.0fB", s);
    if (s < 1024 && widgets__fit(buf, len, width, tmp) >= 0)
        return (int)strlen(buf);
    for (size_t u = 1; u < ARRAY_SIZE(suffix); u++) {
        s /= 1024;
        if (s >= 1024 && u + 1 < ARRAY_SIZE(suffix))
            continue;
        for (int prec = s < 100 ? 1 : 0; prec >= 0; prec--) {
            snprintf(tmp, sizeof(tmp), "%.*f%s", prec, s, suffix[u]);
            if (widgets__fit(buf, len, width, tmp) >= 0)
                return (int)strlen(buf);
        }
        break;
    }
    return widgets__overflow(buf, len, width);
}

/* ---- meters -------------------------------------------------------------------- */

float meter_total(const struct meter *m)
{
    float t = 0;

    for (int i = 0; i < m->nseg; i++)
        t += m->seg[i];
    return CLAMP(t, 0.0f, 1.0f);
}

enum theme_role meter_heat_role(float busy)
{
    if (busy < 0.30f)
        return THEME_HEAT_LOW;
    if (busy < 0.70f)
        return THEME_HEAT_MID;
    return THEME_HEAT_HIGH;
}

uint32_t meter_ramp_glyph(const struct widgets_ctx *x, float v)
{
    int i = (int)lrintf(CLAMP(v, 0.0f, 1.0f) * 7.0f);

    return x->g->ramp[CLAMP(i, 0, 7)];
}

/*
 * Segments are rounded so that the cells of all of them together match the
 * rounded total: each boundary is placed at round(cumulative * width), the
 * way a stacked bar is read.
 */
static void meter__draw_bar(const struct widgets_ctx *x, struct canvas_rect r,
                            const struct meter *m)
{
    struct canvas_style empty = widgets_style(x, THEME_METER_EMPTY);
    uint32_t empty_g = widgets_glyph(x, THEME_METER_EMPTY, ' ');
    int inner = r.w - 2, at = 0;
    float cum = 0;

    canvas_put_cp(x->c, r.x, r.y, '[', widgets_style(x, THEME_LABEL));
    canvas_put_cp(x->c, r.x + r.w - 1, r.y, ']', widgets_style(x, THEME_LABEL));
    for (int s = 0; m->valid && s < m->nseg; s++) {
        int end;

        cum += CLAMP(m->seg[s], 0.0f, 1.0f);
        end = (int)lrintf(CLAMP(cum, 0.0f, 1.0f) * (float)inner);
        for (; at < end; at++)
            canvas_put_cp(x->c, r.x + 1 + at, r.y, widgets_glyph(x, m->role[s], '|'),
                          widgets_style(x, m->role[s]));
    }
    for (; at < inner; at++)
        canvas_put_cp(x->c, r.x + 1 + at, r.y, empty_g, empty);
}

static void meter__draw_spark(const struct widgets_ctx *x, struct canvas_rect r,
                              const struct meter *m)
{
    struct canvas_style st = widgets_style(x, THEME_SPARK);
    int n = MIN(m->nhist, r.w);

    /* Newest at the right edge; the left stays blank until history fills. */
    for (int i = 0; i < n; i++)
        canvas_put_cp(x->c, r.x + r.w - n + i, r.y, meter_ramp_glyph(x, m->hist[m->nhist - n + i]),
                      st);
}

static void meter__draw_heat(const struct widgets_ctx *x, struct canvas_rect r,
                             const struct meter *m)
{
    float busy = meter_total(m);

    if (!m->valid) {
        canvas_put_cp(x->c, r.x, r.y, '?', widgets_style(x, THEME_NA));
        return;
    }
    canvas_put_cp(x->c, r.x, r.y, meter_ramp_glyph(x, busy),
                  widgets_style(x, meter_heat_role(busy)));
}

static void meter__draw_text(const struct widgets_ctx *x, struct canvas_rect r,
                             const struct meter *m)
{
    char buf[32];
    int n;

    if (!m->valid) {
        canvas_put_str(x->c, r.x + MAX(r.w - 1, 0), r.y, "-", 1, widgets_style(x, THEME_NA));
        return;
    }
    n = widgets_fmt_pct(buf, sizeof(buf), r.w, meter_total(m) * 100.0);
    canvas_put_str(x->c, r.x + r.w - n, r.y, buf, r.w, widgets_style(x, THEME_NORMAL));
}

const struct meter_mode meter_mode_bar = { "bar", 3, meter__draw_bar };
const struct meter_mode meter_mode_spark = { "spark", 1, meter__draw_spark };
const struct meter_mode meter_mode_heat = { "heat", 1, meter__draw_heat };
const struct meter_mode meter_mode_text = { "text", 2, meter__draw_text };

/* ---- text ----------------------------------------------------------------------- */

static int widgets__width_n(const char *s, size_t n)
{
    char buf[256];

    n = MIN(n, sizeof(buf) - 1);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return canvas_str_width(buf);
}

int widgets_wrap(const struct widgets_ctx *x, struct canvas_rect r, const char *text,
                 enum theme_role role)
{
    struct canvas_style st = widgets_style(x, role);
    const char *p = text;
    int line = 0;

    while (line < r.h) {
        char buf[512];
        size_t len = 0;
        int col = 0;

        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        /* Take words while they fit; a word longer than the line is cut. */
        for (;;) {
            const char *w = p;
            int ww;

            while (*p != '\0' && *p != ' ')
                p++;
            ww = widgets__width_n(w, (size_t)(p - w));
            if (col > 0 && col + 1 + ww > r.w) {
                p = w;
                break;
            }
            if (col > 0 && len + 1 < sizeof(buf))
                buf[len++] = ' ';
            if (len + (size_t)(p - w) < sizeof(buf)) {
                memcpy(buf + len, w, (size_t)(p - w));
                len += (size_t)(p - w);
            }
            col += (col > 0) + ww;
            while (*p == ' ')
                p++;
            if (*p == '\0')
                break;
        }
        buf[len] = '\0';
        canvas_put_str(x->c, r.x, r.y + line, buf, r.w, st);
        line++;
    }
    return line;
}

int widgets_flow(const struct widgets_ctx *x, struct canvas_rect r,
                 const struct widgets_item *items, int n)
{
    struct canvas_style lab = widgets_style(x, THEME_LABEL);
    int col = 0, line = 0;

    for (int i = 0; i < n && line < r.h; i++) {
        int lw = items[i].label != NULL && items[i].label[0] ? canvas_str_width(items[i].label) + 1
                                                              : 0;
        int w = lw + canvas_str_width(items[i].value);

        if (col > 0 && col + 2 + w > r.w) {
            line++;
            col = 0;
            if (line == r.h)
                break;
        }
        if (col > 0)
            col += 2;
        if (lw > 0)
            canvas_put_str(x->c, r.x + col, r.y + line, items[i].label, r.w - col, lab);
        canvas_put_str(x->c, r.x + col + lw, r.y + line, items[i].value, MAX(r.w - col - lw, 0),
                       widgets_style(x, items[i].role));
        col += w;
    }
    return n == 0 ? 0 : MIN(line + 1, r.h);
}

/* ---- tables ------------------------------------------------------------------------ */

int table_layout(const struct table_col *cols, int ncols, int width, int *x, int *w)
{
    int used = 0, shown = 0, maxprio = 0;

    for (int i = 0; i < ncols; i++) {
        w[i] = 0;
        maxprio = MAX(maxprio, cols[i].prio);
    }
    /* Admit columns by priority, each while it still fits. */
    for (int p = 0; p <= maxprio; p++) {
        for (int i = 0; i < ncols; i++) {
            int need = cols[i].width + (shown > 0 ? 1 : 0);

            if (cols[i].prio != p || used + need > width)
                continue;
            w[i] = cols[i].width;
            used += need;
            shown++;
        }
    }
    /* What is left widens the flexible column(s), first come first served. */
    for (int i = 0; i < ncols && used < width; i++) {
        int grow;

        if (w[i] == 0 || cols[i].max_width <= cols[i].width)
            continue;
        grow = MIN(width - used, cols[i].max_width - cols[i].width);
        w[i] += grow;
        used += grow;
    }
    for (int i = 0, at = 0; i < ncols; i++) {
        x[i] = at;
        if (w[i] > 0)
            at += w[i] + 1;
    }
    return shown;
}

void table_draw_cell(const struct widgets_ctx *x, int x0, int y, const struct table_col *col,
                     int cx, int cw, const char *text, enum theme_role role)
{
    struct canvas_style st = widgets_style(x, role);
    int tw = canvas_str_width(text);

    if (cw <= 0)
        return;
    if (tw > cw) {
        canvas_put_str(x->c, x0 + cx, y, text, cw - 1, st);
        canvas_put_cp(x->c, x0 + cx + cw - 1, y, x->g->ellipsis, widgets_style(x, THEME_LABEL));
        return;
    }
    canvas_put_str(x->c, x0 + cx + (col->align == TABLE_RIGHT ? cw - tw : 0), y, text, cw, st);
}

void table_draw_header(const struct widgets_ctx *x, int x0, int y, int width,
                       const struct table_col *cols, int ncols, const int *cx, const int *cw)
{
    canvas_fill(x->c, (struct canvas_rect){ x0, y, width, 1 }, ' ',
                widgets_style(x, THEME_TABLE_HEAD));
    for (int i = 0; i < ncols; i++)
        table_draw_cell(x, x0, y, &cols[i], cx[i], cw[i], cols[i].title, THEME_TABLE_HEAD);
}
