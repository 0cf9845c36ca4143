/*
 * widgets.h — the small pieces views are built from: meters (a bar of
 * stacked segments, a sparkline of its history, a one-cell heat mark, a
 * number), numbers formatted to fit a width, word-wrapped and flowed text,
 * and a table whose columns drop out by priority when the width runs short.
 *
 * A meter is drawn through a mode, a const table of functions in the manner
 * of htop's Meter.h: the same data can be a bar on a wide screen and a heat
 * cell on a narrow one, and the later panels add modes without touching the
 * callers.
 */
#ifndef SW_UI_WIDGETS_H
#define SW_UI_WIDGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui/canvas.h"
#include "ui/theme.h"

/* The glyphs of one mode (UTF-8 or ASCII). */
struct widgets_glyphs {
    bool ascii;
    uint32_t ramp[8];           /* sparkline/heat levels, lowest to highest */
    uint32_t box[6];            /* horizontal, vertical, corners tl tr bl br */
    uint32_t ellipsis;
    uint32_t up, down;          /* "more above/below" marks */
    uint32_t sep;               /* thin vertical separator */
};

void widgets_glyphs_init(struct widgets_glyphs *g, bool ascii);

/* What every widget draws with. */
struct widgets_ctx {
    struct canvas *c;
    const struct theme *th;
    const struct widgets_glyphs *g;
};

struct canvas_style widgets_style(const struct widgets_ctx *x, enum theme_role r);
/* The glyph of a role in the current mode; `fallback` if the theme has none. */
uint32_t widgets_glyph(const struct widgets_ctx *x, enum theme_role r, uint32_t fallback);

/* ---- numbers that fit ----------------------------------------------------
 * Each writes at most `width` columns into buf (len bytes) and returns the
 * columns used, trading precision for width ("12.3" -> "12" -> "12k"). A
 * value that cannot fit becomes "+" repeated to width (never a wrong figure).
 */
int widgets_fmt_num(char *buf, size_t len, int width, double v);
/* A count per second: decimals only below 10 ("7.5", "420", "12.3k"). */
int widgets_fmt_rate(char *buf, size_t len, int width, double v);
int widgets_fmt_pct(char *buf, size_t len, int width, double pct);   /* "45.2%" */
int widgets_fmt_bytes(char *buf, size_t len, int width, double bytes); /* "12.3M" */

/* ---- meters ---------------------------------------------------------------- */
#define METER_MAX_SEG 8                 /* CPU splits (5), task states (6), ... */

struct meter {
    int nseg;
    float seg[METER_MAX_SEG];           /* fractions of the whole (0..1), stacked */
    enum theme_role role[METER_MAX_SEG];
    const float *hist;                  /* history of the total, oldest first, 0..1 */
    int nhist;
    bool valid;                         /* false: no figure yet (first sample) */
};

struct meter_mode {
    const char *name;
    int min_w;                          /* below this the mode draws nothing */
    void (*draw)(const struct widgets_ctx *x, struct canvas_rect r, const struct meter *m);
};

extern const struct meter_mode meter_mode_bar;      /* [|||||///    ] stacked segments */
extern const struct meter_mode meter_mode_spark;    /* ▁▂▅▇ history, newest at the right */
extern const struct meter_mode meter_mode_heat;     /* one cell: level glyph + heat colour */
extern const struct meter_mode meter_mode_text;     /* "45.2%" */

float meter_total(const struct meter *m);
enum theme_role meter_heat_role(float busy);
uint32_t meter_ramp_glyph(const struct widgets_ctx *x, float v);

/* ---- text -------------------------------------------------------------------- */

/* Word-wraps text into r; returns the lines used. */
int widgets_wrap(const struct widgets_ctx *x, struct canvas_rect r, const char *text,
                 enum theme_role role);

/* One labelled figure for widgets_flow(): "LABEL VALUE". */
struct widgets_item {
    const char *label;
    char value[96];
    enum theme_role role;               /* of the value */
};

/* Lays items left to right, two blanks apart, wrapping to the next line of r
 * as needed; returns the lines used (at most r.h). */
int widgets_flow(const struct widgets_ctx *x, struct canvas_rect r,
                 const struct widgets_item *items, int n);

/* ---- tables ------------------------------------------------------------------ */
enum table_align { TABLE_LEFT, TABLE_RIGHT };

struct table_col {
    const char *title;
    int width;                          /* minimum width */
    int max_width;                      /* the flexible column grows up to this */
    int prio;                           /* 0 = always shown; higher drops first */
    enum table_align align;
};

/* Chooses the columns that fit in `width` (one blank between columns);
 * fills x[i] (offset) and w[i] (0 = hidden). Returns the columns shown. */
int table_layout(const struct table_col *cols, int ncols, int width, int *x, int *w);

void table_draw_header(const struct widgets_ctx *x, int x0, int y, int width,
                       const struct table_col *cols, int ncols, const int *cx, const int *cw);

/* Draws one cell; text longer than the column is cut with an ellipsis. */
void table_draw_cell(const struct widgets_ctx *x, int x0, int y, const struct table_col *col,
                     int cx, int cw, const char *text, enum theme_role role);

#endif
