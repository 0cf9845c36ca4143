/*
 * ui.h — the terminal user interface as the monitor loop sees it.
 *
 * The loop owns the timing: it feeds samples (ui_set_sample), keys
 * (ui_read_key + ui_handle_key) and resizes (ui_resize) as they come, and
 * calls ui_frame() once per loop turn; ui_frame() draws only if something
 * changed since the last frame. Nothing here blocks and nothing draws from a
 * callback.
 *
 * Without a terminal (tests, --headless text dumps) ui_render_text() draws the
 * same screen into a canvas of any size and returns it as text.
 *
 * For the loop: when ui_input_fd() polls readable, call ui_read_key() until it
 * returns UI_KEY_NONE (curses may hold several keys from one read). SIGWINCH
 * may be caught by the loop (then call ui_resize()) or, if it is still at its
 * default disposition when ui_term_start() runs, by curses, which then reports
 * UI_KEY_RESIZE through ui_read_key(); ui_handle_key() resizes on that key.
 * Either way is fine. Crash handlers call ui_term_emergency_restore() and
 * re-raise.
 */
#ifndef SW_UI_UI_H
#define SW_UI_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "sample/sample.h"
#include "ui/panels.h"

struct ui;
struct run;

enum ui_key {
    UI_KEY_NONE = -1,
    UI_KEY_RESIZE = 0x110000,       /* past the last Unicode code point */
    UI_KEY_LEFT,
    UI_KEY_RIGHT,
    UI_KEY_UP,
    UI_KEY_DOWN,
    UI_KEY_ESC,
    UI_KEY_ENTER,
    UI_KEY_MOUSE,                   /* a click; ui_read_key() noted where (ui_click) */
    UI_KEY_PGUP,
    UI_KEY_PGDN,
    UI_KEY_HOME,
    UI_KEY_END,
    UI_KEY_BACKSPACE,
    UI_KEY_TAB,
    UI_KEY_BTAB,                    /* shift-tab */
    UI_KEY_F1,                      /* F1..F12 are consecutive */
    UI_KEY_F12 = UI_KEY_F1 + 11,
    /* other keys: their Unicode code point */
};

/* What a key asks of the app. The model actions come only while models run
 * (ui_set_models with n > 0); the app applies them with run_set_*(). */
enum ui_action {
    UI_ACT_NONE,
    UI_ACT_QUIT,
    UI_ACT_PAUSE,                   /* no models: toggles sampling (ui_set_paused shows it);
                                       with models space freezes the display instead */
    UI_ACT_REDRAW,
    UI_ACT_WORKLOAD,                /* w: the next workload (enum work_kind order) */
    UI_ACT_TASKS_MORE,              /* +: every model's task count x2 */
    UI_ACT_TASKS_FEWER,             /* -: every model's task count / 2 (at least 1) */
    UI_ACT_GIL,                     /* g: toggle the threads model's GIL */
    UI_ACT_OFFLOAD,                 /* o: toggle the loop model's offload */
    UI_ACT_GOMAXPROCS_UP,           /* P: only while the goroutines model runs */
    UI_ACT_GOMAXPROCS_DOWN,         /* p: likewise */
    UI_ACT_MODE,                    /* m: the next fairness mode */
    UI_ACT_RESTART,                 /* r: restart the workload */
};

struct ui_opts {
    bool ascii;                     /* force ASCII glyphs */
    bool no_color;
    const char *theme;              /* name or path; NULL = default */
    uint64_t interval_ns;           /* shown in the title bar (0: not shown) */
    int fixed_w, fixed_h;           /* lay out at this size whatever the terminal's
                                       (--size; 0: follow the terminal); the terminal
                                       shows the top-left part that fits */
};

/* Creates the ui; touches no terminal. Returns 0, or -ENOENT / -EINVAL for a
 * bad theme (message via ui_last_error; *out is still set so it can be read,
 * and must be freed). */
int ui_new(const struct ui_opts *o, struct ui **out);
void ui_free(struct ui *ui);
const char *ui_last_error(const struct ui *ui);

/* Takes the terminal: saves termios, starts curses (cbreak, no echo, keypad,
 * non-blocking input, hidden cursor, colours). -ENOTTY if stdin or stdout is
 * not a terminal, -EINVAL for an unknown TERM or one that cannot position
 * the cursor ("dumb"); the message via ui_last_error. */
int ui_term_start(struct ui *ui);
/* Gives it back: endwin and the saved termios. Idempotent. */
void ui_term_stop(struct ui *ui);
/* Async-signal-safe restore for the crash/signal path: leaves the alternate
 * screen, shows the cursor, resets attributes, restores the saved termios.
 * Does nothing if the terminal was never taken. */
bool ui_term_emergency_restore(void);   /* false: no screen was up */

int ui_input_fd(const struct ui *ui);       /* poll this for keys (-1: no terminal) */
int ui_read_key(struct ui *ui);             /* non-blocking: next key or UI_KEY_NONE */
void ui_resize(struct ui *ui);              /* after SIGWINCH: re-read the size, redraw all */
/* q quits, ? toggles help, Esc closes it, arrows/PgUp/PgDn/Home/End scroll
 * the task table. Without models space pauses; with models 1-4 focus a
 * panel, 0 or Esc go back to all, space freezes the display, Left/Right
 * (and Home/End) step through the kept samples while frozen, and w + - g o
 * p P m r return the model actions above. */
enum ui_action ui_handle_key(struct ui *ui, int key);
/* A click at cell x, y: focuses the panel there (a click on the focused
 * panel goes back to all). */
enum ui_action ui_click(struct ui *ui, int x, int y);

/* Copies what the screen needs from s (caps may be NULL after the first
 * call); keeps no pointer into s. */
void ui_set_sample(struct ui *ui, const struct sample *s, const struct sample_caps *caps);
void ui_set_paused(struct ui *ui, bool paused);
/* The models for the next ui_set_sample (call it first): their figures and
 * task states are copied into the history ring with that sample. */
void ui_set_models(struct ui *ui, const struct panels_in *in);
/* The same, read from a running struct run (NULL: no models). */
void ui_set_run(struct ui *ui, const struct run *r);
/* Frozen (space) and the sample shown, for tests and the app. */
bool ui_frozen(const struct ui *ui);
void ui_set_status(struct ui *ui, const char *msg);     /* NULL or "" clears it */

/* Composes and flushes the screen if anything changed; returns whether it
 * drew. Without a started terminal it does nothing. */
bool ui_frame(struct ui *ui);

/* --lesson: the player whose step, caption and marks the screen shows
 * (NULL: none). Call ui_touch() after each tick so the marks redraw. */
struct player;
void ui_set_lesson(struct ui *ui, const struct player *p);
/* An overlay in the middle of the screen (the comparison table); text NULL
 * closes it. The ui keeps a copy. */
void ui_set_overlay(struct ui *ui, const char *title, const char *text);
bool ui_overlay_shown(const struct ui *ui);
/* Marks the screen changed (state the ui reads by pointer moved on). */
void ui_touch(struct ui *ui);

/* Called by ui_frame() with each composed canvas, before it goes to the
 * terminal (the recorder's way in). fn NULL removes the hook. */
struct canvas;
typedef void ui_frame_fn(void *arg, const struct canvas *c);
void ui_set_frame_hook(struct ui *ui, ui_frame_fn *fn, void *arg);

/* Draws the screen into a w x h canvas without a terminal; *out_utf8 gets the
 * rows joined by '\n' (trailing blanks trimmed), to be freed by the caller. */
int ui_render_text(struct ui *ui, int w, int h, char **out_utf8);
/* Composes the screen into c (its size), as a frame does before the diff;
 * for benchmarks. */
struct canvas;
void ui_render(struct ui *ui, struct canvas *c);

#endif
