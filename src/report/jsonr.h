/*
 * jsonr.h — a small JSON reader into a tree, for sample files written by
 * --json (replay) and for tests that check what was written. Strict RFC 8259
 * with two limits that keep hostile input harmless: nesting depth
 * (JSONR_MAX_DEPTH) and the input size the caller chooses to read.
 */
#ifndef SW_JSONR_H
#define SW_JSONR_H

#include <stdbool.h>
#include <stddef.h>

#define JSONR_MAX_DEPTH 64

enum jsonr_type { JSONR_NULL, JSONR_BOOL, JSONR_NUM, JSONR_STR, JSONR_ARR, JSONR_OBJ };

struct jsonr {
    enum jsonr_type type;
    bool    b;
    double  num;
    char   *str;              /* JSONR_STR: NUL-terminated UTF-8 (embedded NUL cut) */
    size_t  n;                /* JSONR_ARR / JSONR_OBJ: number of children */
    char  **keys;             /* JSONR_OBJ: n keys */
    struct jsonr *kids;       /* n children, owned */
    int     line, col;        /* where the value starts (from 1; col in bytes), for
                                 messages about what it means */
};

/* Parses text; on error returns -EINVAL and writes "LINE:COL: message" to err. */
int jsonr_parse(const char *text, size_t len, struct jsonr *out, char *err, size_t errlen);
void jsonr_free(struct jsonr *v);

/* Object member by key, or NULL. */
const struct jsonr *jsonr_get(const struct jsonr *obj, const char *key);
/* Number member, or dflt when absent, null or not a number. */
double jsonr_num(const struct jsonr *obj, const char *key, double dflt);
/* String member, or NULL. */
const char *jsonr_str(const struct jsonr *obj, const char *key);

#endif
