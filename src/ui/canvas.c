#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui/canvas.h"
#include "util.h"

const struct canvas_style canvas_style_default = {
    .fg = CANVAS_COLOR_DEFAULT, .bg = CANVAS_COLOR_DEFAULT, .attr = 0,
};

/* A front cell that matches no real cell, so the first diff reports all. */
#define CANVAS_UNKNOWN 0xFFFFFFFEu

static bool canvas__style_eq(struct canvas_style a, struct canvas_style b)
{
    return a.fg == b.fg && a.bg == b.bg && a.attr == b.attr;
}

static bool canvas__cell_eq(const struct canvas_cell *a, const struct canvas_cell *b)
{
    return a->cp == b->cp && canvas__style_eq(a->st, b->st);
}

static struct canvas_rect canvas__intersect(struct canvas_rect a, struct canvas_rect b)
{
    int x0 = MAX(a.x, b.x), y0 = MAX(a.y, b.y);
    int x1 = MIN(a.x + a.w, b.x + b.w), y1 = MIN(a.y + a.h, b.y + b.h);

    return (struct canvas_rect){ x0, y0, MAX(x1 - x0, 0), MAX(y1 - y0, 0) };
}

static void canvas__alloc(struct canvas *c, int w, int h)
{
    size_t n;

    c->w = MAX(w, 1);
    c->h = MAX(h, 1);
    n = (size_t)c->w * (size_t)c->h;
    c->back = xcalloc(n, sizeof(*c->back));
    c->front = xreallocarray(NULL, n, sizeof(*c->front));
    c->dirty = xcalloc((size_t)c->h, sizeof(*c->dirty));
    c->clip = canvas_full(c);
    canvas_clear(c);
    canvas_invalidate(c);
}

struct canvas *canvas_new(int w, int h)
{
    struct canvas *c = xcalloc(1, sizeof(*c));

    canvas__alloc(c, w, h);
    return c;
}

void canvas_free(struct canvas *c)
{
    if (c == NULL)
        return;
    free(c->back);
    free(c->front);
    free(c->dirty);
    free(c);
}

void canvas_resize(struct canvas *c, int w, int h)
{
    free(c->back);
    free(c->front);
    free(c->dirty);
    canvas__alloc(c, w, h);
}

void canvas_invalidate(struct canvas *c)
{
    size_t n = (size_t)c->w * (size_t)c->h;

    for (size_t i = 0; i < n; i++) {
        c->front[i].cp = CANVAS_UNKNOWN;
        c->front[i].st = canvas_style_default;
    }
    for (int y = 0; y < c->h; y++)
        c->dirty[y] = true;
}

struct canvas_rect canvas_full(const struct canvas *c)
{
    return (struct canvas_rect){ 0, 0, c->w, c->h };
}

struct canvas_rect canvas_clip(struct canvas *c, struct canvas_rect r)
{
    struct canvas_rect old = c->clip;

    c->clip = canvas__intersect(r, canvas_full(c));
    return old;
}

static bool canvas__inside(const struct canvas *c, int x, int y)
{
    return x >= c->clip.x && x < c->clip.x + c->clip.w &&
           y >= c->clip.y && y < c->clip.y + c->clip.h;
}

static struct canvas_cell *canvas__cell(struct canvas *c, int x, int y)
{
    return &c->back[(size_t)y * (size_t)c->w + (size_t)x];
}

const struct canvas_cell *canvas_at(const struct canvas *c, int x, int y)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return NULL;
    return &c->back[(size_t)y * (size_t)c->w + (size_t)x];
}

int canvas_cp_width(uint32_t cp)
{
    int w;

    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        return 1;
    /* Fast paths, which agree with every wcwidth(): text before the
     * combining marks, and the box, block and shape glyphs the widgets
     * draw. wcwidth() was most of the cost of a frame. */
    if (cp < 0x300 || (cp >= 0x2500 && cp < 0x2600))
        return 1;
    w = wcwidth((wchar_t)cp);
    /* Outside a UTF-8 locale wcwidth() knows nothing beyond ASCII; the
     * terminal layer then shows '?' in one column, so count one. */
    return w < 0 ? 1 : w;
}

/* Writes one cell, repairing a double-width pair it cuts in half. */
static void canvas__set(struct canvas *c, int x, int y, uint32_t cp, struct canvas_style st)
{
    struct canvas_cell *cell = canvas__cell(c, x, y);

    /* Overwriting the right half orphans the left half, and vice versa. */
    if (cp != CANVAS_CONT && cell->cp == CANVAS_CONT && x > 0)
        canvas__cell(c, x - 1, y)->cp = ' ';
    if (cell->cp != CANVAS_CONT && x + 1 < c->w && canvas__cell(c, x + 1, y)->cp == CANVAS_CONT)
        canvas__cell(c, x + 1, y)->cp = ' ';
    cell->cp = cp;
    cell->st = st;
    c->dirty[y] = true;
}

int canvas_put_cp(struct canvas *c, int x, int y, uint32_t cp, struct canvas_style st)
{
    int w;

    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        cp = '?';
    w = canvas_cp_width(cp);
    if (w == 0)
        return 0;       /* combining marks: dropped; the canvas holds one code point */
    if (!canvas__inside(c, x, y) || (w == 2 && !canvas__inside(c, x + 1, y)))
        return 0;
    canvas__set(c, x, y, cp, st);
    if (w == 2)
        canvas__set(c, x + 1, y, CANVAS_CONT, st);
    return w;
}

void canvas_fill(struct canvas *c, struct canvas_rect r, uint32_t cp, struct canvas_style st)
{
    struct canvas_rect in = canvas__intersect(r, c->clip);

    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
        cp = '?';
    if (canvas_cp_width(cp) != 1) {
        for (int y = in.y; y < in.y + in.h; y++)
            for (int x = in.x; x < in.x + in.w; x += 2)
                canvas_put_cp(c, x, y, cp, st);
        return;
    }
    /* Every frame starts with a fill of the whole screen: write the cells
     * directly, repairing only the pairs the rectangle's edges cut. */
    for (int y = in.y; y < in.y + in.h && in.w > 0; y++) {
        struct canvas_cell *row = canvas__cell(c, 0, y);
        int x0 = in.x, x1 = in.x + in.w;

        if (row[x0].cp == CANVAS_CONT && x0 > 0)
            row[x0 - 1].cp = ' ';
        if (x1 < c->w && row[x1].cp == CANVAS_CONT)
            row[x1].cp = ' ';
        for (int x = x0; x < x1; x++) {
            row[x].cp = cp;
            row[x].st = st;
        }
        c->dirty[y] = true;
    }
}

void canvas_clear(struct canvas *c)
{
    struct canvas_rect old = canvas_clip(c, canvas_full(c));

    canvas_fill(c, canvas_full(c), ' ', canvas_style_default);
    c->clip = old;
}

int canvas_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t v;
    int len;

    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if (u[0] >= 0xc2 && u[0] <= 0xdf) {
        len = 2;
        v = u[0] & 0x1f;
    } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
        len = 3;
        v = u[0] & 0x0f;
    } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
        len = 4;
        v = u[0] & 0x07;
    } else {
        *cp = '?';
        return 1;
    }
    if ((size_t)len > n) {
        *cp = '?';
        return 1;
    }
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = '?';
            return 1;
        }
        v = (v << 6) | (u[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
        (v >= 0xd800 && v <= 0xdfff)) {
        *cp = '?';
        return 1;
    }
    *cp = v;
    return len;
}

int canvas_str_width(const char *s)
{
    size_t n = strlen(s);
    int w = 0;

    while (n > 0) {
        uint32_t cp;
        int used = canvas_utf8_decode(s, n, &cp);

        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            cp = '?';
        w += canvas_cp_width(cp);
        s += used;
        n -= (size_t)used;
    }
    return w;
}

int canvas_put_str(struct canvas *c, int x, int y, const char *s, int max_w,
                   struct canvas_style st)
{
    size_t n = strlen(s);
    int col = 0;

    if (max_w < 0)
        max_w = c->w;
    while (n > 0 && col < max_w) {
        uint32_t cp;
        int used = canvas_utf8_decode(s, n, &cp);
        int w;

        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            cp = '?';
        w = canvas_cp_width(cp);
        if (col + w > max_w)
            break;
        if (w > 0) {
            /* A character cut by the clip still advances, as the text
             * around it would on a larger screen. */
            canvas_put_cp(c, x + col, y, cp, st);
            col += w;
        }
        s += used;
        n -= (size_t)used;
    }
    return col;
}

int canvas_printf(struct canvas *c, int x, int y, int max_w, struct canvas_style st,
                  const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return canvas_put_str(c, x, y, buf, max_w, st);
}

void canvas_restyle(struct canvas *c, struct canvas_rect r, struct canvas_style st)
{
    for (int y = MAX(r.y, c->clip.y); y < MIN(r.y + r.h, c->clip.y + c->clip.h); y++) {
        for (int x = MAX(r.x, c->clip.x); x < MIN(r.x + r.w, c->clip.x + c->clip.w); x++) {
            canvas__cell(c, x, y)->st = st;
            c->dirty[y] = true;
        }
    }
}

void canvas_add_attr(struct canvas *c, struct canvas_rect r, uint16_t attr)
{
    for (int y = MAX(r.y, c->clip.y); y < MIN(r.y + r.h, c->clip.y + c->clip.h); y++) {
        for (int x = MAX(r.x, c->clip.x); x < MIN(r.x + r.w, c->clip.x + c->clip.w); x++)
            canvas__cell(c, x, y)->st.attr |= attr;
        c->dirty[y] = true;
    }
}

void canvas_box(struct canvas *c, struct canvas_rect r, const uint32_t edges[6],
                struct canvas_style st)
{
    if (r.w < 2 || r.h < 2)
        return;
    for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
        canvas_put_cp(c, x, r.y, edges[0], st);
        canvas_put_cp(c, x, r.y + r.h - 1, edges[0], st);
    }
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        canvas_put_cp(c, r.x, y, edges[1], st);
        canvas_put_cp(c, r.x + r.w - 1, y, edges[1], st);
    }
    canvas_put_cp(c, r.x, r.y, edges[2], st);
    canvas_put_cp(c, r.x + r.w - 1, r.y, edges[3], st);
    canvas_put_cp(c, r.x, r.y + r.h - 1, edges[4], st);
    canvas_put_cp(c, r.x + r.w - 1, r.y + r.h - 1, edges[5], st);
}

bool canvas_is_dirty(const struct canvas *c)
{
    for (int y = 0; y < c->h; y++)
        if (c->dirty[y])
            return true;
    return false;
}

int canvas_diff(struct canvas *c, canvas_diff_fn *fn, void *arg)
{
    int total = 0;

    for (int y = 0; y < c->h; y++) {
        struct canvas_cell *b = &c->back[(size_t)y * (size_t)c->w];
        struct canvas_cell *f = &c->front[(size_t)y * (size_t)c->w];
        int x = 0;

        if (!c->dirty[y])
            continue;
        c->dirty[y] = false;
        while (x < c->w) {
            int start, end;

            if (canvas__cell_eq(&b[x], &f[x])) {
                x++;
                continue;
            }
            start = x;
            /* Back up to the left half of a pair; extend runs over the
             * right half so a wide character is always sent whole. */
            if (b[start].cp == CANVAS_CONT && start > 0)
                start--;
            end = x + 1;
            while (end < c->w && (!canvas__cell_eq(&b[end], &f[end]) ||
                                  b[end].cp == CANVAS_CONT))
                end++;
            fn(arg, start, y, &b[start], end - start);
            memcpy(&f[start], &b[start], (size_t)(end - start) * sizeof(*b));
            total += end - start;
            x = end;
        }
    }
    return total;
}

char *canvas_to_text(const struct canvas *c)
{
    /* Four bytes per cell, a newline per row, the terminator. */
    size_t cap = (size_t)c->w * (size_t)c->h * 4 + (size_t)c->h + 1;
    char *out = xmalloc(cap), *p = out;

    for (int y = 0; y < c->h; y++) {
        char *last = p;

        for (int x = 0; x < c->w; x++) {
            uint32_t cp = c->back[(size_t)y * (size_t)c->w + (size_t)x].cp;

            if (cp == CANVAS_CONT)
                continue;
            if (cp < 0x80) {
                *p++ = (char)cp;
            } else if (cp < 0x800) {
                *p++ = (char)(0xc0 | (cp >> 6));
                *p++ = (char)(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                *p++ = (char)(0xe0 | (cp >> 12));
                *p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *p++ = (char)(0x80 | (cp & 0x3f));
            } else {
                *p++ = (char)(0xf0 | (cp >> 18));
                *p++ = (char)(0x80 | ((cp >> 12) & 0x3f));
                *p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *p++ = (char)(0x80 | (cp & 0x3f));
            }
            if (cp != ' ')
                last = p;
        }
        p = last;
        if (y + 1 < c->h)
            *p++ = '\n';
    }
    *p = '\0';
    return out;
}
