/*
 * lesson_int.h — what the lesson module's files share and nobody else
 * needs: a cursor over one line, error messages that point at a column,
 * the lexer of numbers with units, and "did you mean".
 */
#ifndef SW_LESSON_INT_H
#define SW_LESSON_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "lesson/lesson.h"

/* One line of lesson text being read; errors point into it. */
struct lesson__cur {
    const char *file;               /* name for messages */
    const char *line;               /* start of the line (not NUL-terminated) */
    size_t len;                     /* bytes in the line, without newline */
    size_t pos;                     /* next byte to read */
    int lineno;                     /* from 1 */
    char *err;                      /* message buffer, may be NULL */
    size_t errlen;
};

/* Formats "FILE:LINE:COL: message" for byte offset `at` of the line and
 * returns -EINVAL. */
int lesson__error(const struct lesson__cur *c, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same at a line and column already known. */
int lesson__error_lc(const struct lesson__cur *c, int lineno, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Column (from 1, in characters) of byte offset `at` of the line. */
int lesson__col(const struct lesson__cur *c, size_t at);

void lesson__skip_space(struct lesson__cur *c);
/* At the end of the line or at a '#' comment (after skipping blanks). */
bool lesson__at_end(struct lesson__cur *c);
/* Length of the run of bytes from pos that are not blank (space, tab). */
size_t lesson__token_len(const struct lesson__cur *c);

/* Where a number is read: what its unit may be. */
enum lesson__numctx {
    LESSON__NUM_EXPR,               /* in an expression: any unit, kept as is */
    LESSON__NUM_TIME,               /* a duration: time unit, or a bare 0 */
    LESSON__NUM_COUNT,              /* a count: no unit but k, M, G */
    LESSON__NUM_SIZE,               /* a size: byte unit; K M G alone are KiB MiB GiB */
};

/* The kind a literal's unit gives it; LESSON__ANY for a plain number. */
#define LESSON__ANY (-1)

/*
 * Reads a number with an optional unit at pos (which must be a digit or a
 * '.') into *out, in seconds, bytes or plain; *kind gets the unit's kind or
 * LESSON__ANY. Returns 0 or an error (-EINVAL, message in c->err).
 */
int lesson__number(struct lesson__cur *c, enum lesson__numctx ctx, double *out, int *kind);

/* True if the byte starts a number. */
bool lesson__is_number_start(const struct lesson__cur *c);

/* The candidate closest to `word` by edit distance, if close enough to be a
 * likely typo; NULL otherwise. The candidates array ends with NULL. */
const char *lesson__suggest(const char *word, size_t len, const char *const *candidates);

/* Parses a comparison from the cursor up to the end of the line, a comment
 * or the word "needs" (when !machine_only). */
int lesson__expr_parse(struct lesson__cur *c, bool machine_only, struct lesson_expr **out);

/* Metric lookup by name for a model (LESSON_MACHINE included): 0 and *out,
 * or an error at `at` explaining what is wrong. */
int lesson__metric_find(struct lesson__cur *c, size_t at, enum lesson_model model,
                        const char *name, size_t len, enum lesson_metric *out);

/* Model by name, machine included; -1 if none. */
int lesson__model_find(const char *name, size_t len);

#endif
