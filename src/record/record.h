/*
 * record.h — an asciicast v2 recording of the screen, encoded from the
 * canvas (what the views drew), not from the bytes curses happened to send.
 *
 * The file is one header line of JSON ({"version": 2, "width", "height",
 * "timestamp", "env": {"TERM", "SHELL"}, "title"}) and then one event line
 * per frame: [seconds since the start, "o", "terminal output"]. A frame's
 * output moves the cursor to each run of cells that changed since the
 * previous recorded frame and writes them with their SGR attributes; the
 * first frame (and any frame of another size) clears the screen and paints
 * every cell. Replaying the events into a terminal of width x height
 * therefore shows exactly the canvas of each frame.
 */
#ifndef SW_RECORD_H
#define SW_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ui/canvas.h"

struct record;

/* Creates (truncates) path and writes the header for a w x h screen.
 * 0 or -errno with "--record FILE: reason" in err. */
int record_open(const char *path, int w, int h, const char *title, struct record **out,
                char *err, size_t errlen);
/* Appends the canvas's back grid as one frame at t_ns (CLOCK_MONOTONIC;
 * times before the previous frame's are clamped to it). Writes nothing
 * when no cell changed. Returns the bytes of terminal output written. */
size_t record_frame_at(struct record *r, const struct canvas *c, uint64_t t_ns);
/* The same at util_now_ns(). */
size_t record_frame(struct record *r, const struct canvas *c);
/* Ends the screen (attributes reset, cursor shown), closes the file.
 * 0 or -EIO with a message (a write failed). r may be NULL. */
int record_close(struct record *r, char *err, size_t errlen);

/* The terminal output for cur given what prev showed (prev NULL or of
 * another size: a full repaint), appended to *buf (grown with xrealloc;
 * *len and *cap track it). Exposed for tests. */
void record_encode(const struct canvas_cell *prev, const struct canvas_cell *cur, int w, int h,
                   char **buf, size_t *len, size_t *cap);

#endif
