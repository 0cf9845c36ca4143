/*
 * canvas.h — an in-memory grid of cells that views draw into.
 *
 * A cell is one terminal column: a Unicode code point and a style (colour
 * indexes and attributes). A double-width character takes two cells: the
 * first holds the code point, the second is a continuation (CANVAS_CONT).
 *
 * The canvas keeps two grids: `back`, which drawing writes, and `front`, what
 * the terminal was last told to show. Writes mark their row dirty;
 * canvas_diff() walks the dirty rows, reports the runs of cells that differ
 * from `front` and copies them over. Views therefore redraw everything every
 * frame (it is cheap: a few thousand cells) and the terminal receives only
 * what changed (tmux's grid + tty split).
 *
 * All drawing clips to the canvas and to the current clip rectangle, so a
 * view given a rectangle cannot scribble outside it. Strings are UTF-8;
 * invalid bytes and control characters show as '?'.
 */
#ifndef SW_UI_CANVAS_H
#define SW_UI_CANVAS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CANVAS_CONT 0xFFFFFFFFu     /* right half of a double-width character */
#define CANVAS_COLOR_DEFAULT (-1)   /* the terminal's own foreground/background */

enum canvas_attr {
    CANVAS_BOLD = 1 << 0,
    CANVAS_DIM = 1 << 1,
    CANVAS_REVERSE = 1 << 2,
    CANVAS_UNDERLINE = 1 << 3,
};

/* Colours are terminal colour numbers 0..255, or CANVAS_COLOR_DEFAULT. */
struct canvas_style {
    int16_t fg, bg;
    uint16_t attr;                  /* enum canvas_attr bits */
};

struct canvas_cell {
    uint32_t cp;                    /* code point, or CANVAS_CONT */
    struct canvas_style st;
};

struct canvas_rect {
    int x, y, w, h;
};

struct canvas {
    int w, h;
    struct canvas_cell *back;       /* w * h, what views drew */
    struct canvas_cell *front;      /* w * h, what the terminal shows */
    bool *dirty;                    /* h: row written since the last diff */
    struct canvas_rect clip;        /* drawing outside is dropped */
};

extern const struct canvas_style canvas_style_default;

/* Allocates a w x h canvas (sizes below 1 become 1) of blanks; front is
 * "unknown", so the first diff reports every cell. */
struct canvas *canvas_new(int w, int h);
void canvas_free(struct canvas *c);

/* Changes the size; contents become blank and every cell will be reported. */
void canvas_resize(struct canvas *c, int w, int h);

/* Forgets what the terminal shows: the next diff reports every cell. */
void canvas_invalidate(struct canvas *c);

/* Sets the clip rectangle (intersected with the canvas); returns the old one. */
struct canvas_rect canvas_clip(struct canvas *c, struct canvas_rect r);
struct canvas_rect canvas_full(const struct canvas *c);

/* Fills a rectangle with one code point (blank: ' '). */
void canvas_fill(struct canvas *c, struct canvas_rect r, uint32_t cp, struct canvas_style st);
void canvas_clear(struct canvas *c);

/* Puts one code point at x, y; returns the columns it took (0 if clipped). */
int canvas_put_cp(struct canvas *c, int x, int y, uint32_t cp, struct canvas_style st);

/* Puts a UTF-8 string at x, y, at most max_w columns (< 0: no limit but the
 * clip); a double-width character that does not fit max_w ends the string.
 * Characters outside the clip are dropped but still advance. Returns the
 * columns the string took. */
int canvas_put_str(struct canvas *c, int x, int y, const char *s, int max_w,
                   struct canvas_style st);
int canvas_printf(struct canvas *c, int x, int y, int max_w, struct canvas_style st,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Sets the style of existing cells without changing their characters. */
void canvas_restyle(struct canvas *c, struct canvas_rect r, struct canvas_style st);
/* Adds attributes (enum canvas_attr) to existing cells: a dimmed panel. */
void canvas_add_attr(struct canvas *c, struct canvas_rect r, uint16_t attr);

/* Draws a box outline with the given corner/edge code points:
 * edges[] = { horizontal, vertical, top-left, top-right, bottom-left, bottom-right }. */
void canvas_box(struct canvas *c, struct canvas_rect r, const uint32_t edges[6],
                struct canvas_style st);

const struct canvas_cell *canvas_at(const struct canvas *c, int x, int y);

/* Columns a UTF-8 string takes on the canvas. */
int canvas_str_width(const char *s);

/* Decodes one UTF-8 character from s (n bytes available); returns the bytes
 * used (at least 1), the code point in *cp ('?' for an invalid sequence). */
int canvas_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Columns one code point takes: 0 (combining), 1 or 2. Control characters
 * count 1 (they are drawn as '?'). */
int canvas_cp_width(uint32_t cp);

/*
 * Reports each run of cells on one row that differs from what the terminal
 * shows, then records them as shown. Runs never split a double-width pair.
 * Returns the number of cells reported.
 */
typedef void canvas_diff_fn(void *arg, int x, int y, const struct canvas_cell *cells, int n);
int canvas_diff(struct canvas *c, canvas_diff_fn *fn, void *arg);

/* True if any row was written since the last diff. */
bool canvas_is_dirty(const struct canvas *c);

/* The back grid as UTF-8 text: rows joined by '\n', trailing blanks removed.
 * The caller frees the result. */
char *canvas_to_text(const struct canvas *c);

#endif
