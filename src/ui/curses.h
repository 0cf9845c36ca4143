/*
 * curses.h (ui/curses.h) — the one layer that talks to the terminal, through
 * ncursesw. Everything above it draws into a struct canvas; this copies the
 * cells that changed to curses and calls doupdate() once per frame.
 *
 * Only src/ui/curses.c includes <curses.h>.
 */
#ifndef SW_UI_CURSES_H
#define SW_UI_CURSES_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/canvas.h"

struct curses_term;

/* Takes the terminal on stdin/stdout. -ENOTTY if either is not a terminal,
 * -EINVAL if TERM is unknown or cannot position the cursor; err gets a
 * message. */
int curses_start(bool color, struct curses_term **out, char *err, size_t errlen);
/* Gives the terminal back (endwin + saved termios) and frees t. */
void curses_stop(struct curses_term *t);
/* Async-signal-safe: reset sequences and the saved termios. */
bool curses_emergency_restore(void);    /* false: no screen was up */

void curses_size(const struct curses_term *t, int *w, int *h);
/* Re-reads the window size from the tty; returns true if it changed. */
bool curses_resize(struct curses_term *t);
/* Makes the next flush repaint the whole screen. */
void curses_invalidate(struct curses_term *t);
bool curses_has_color(const struct curses_term *t);
/* True if the locale can show characters beyond ASCII. */
bool curses_utf8(void);

/* Sends what changed in c to the terminal; one doupdate(). */
void curses_flush(struct curses_term *t, struct canvas *c);

int curses_input_fd(const struct curses_term *t);
/* Next key (enum ui_key values or a code point), or -1 if none is waiting. */
int curses_read_key(struct curses_term *t);
/* The cell of the click that the last UI_KEY_MOUSE reported. */
void curses_mouse(const struct curses_term *t, int *x, int *y);

#endif
