/*
 * lesson_lex.c — the small pieces of lesson lexing: columns and messages,
 * blanks and comments, numbers with units, and "did you mean".
 *
 * Numbers are read by hand rather than with strtod(): the monitor calls
 * setlocale() for ncursesw, and in a locale whose decimal point is a comma
 * strtod("1.5") would stop at the dot. The mantissa is accumulated as an
 * integer with a decimal exponent, which is exact for every number a lesson
 * writes (at most 18 significant digits).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lesson/lesson_int.h"
#include "util.h"

int lesson__col(const struct lesson__cur *c, size_t at)
{
    int col = 1;
    for (size_t i = 0; i < at && i < c->len; i++)
        if (((unsigned char)c->line[i] & 0xc0) != 0x80)
            col++;
    return col;
}

static int lesson_lex__verror(const struct lesson__cur *c, int lineno, int col,
                              const char *fmt, va_list ap)
{
    if (c->err == NULL || c->errlen == 0)
        return -EINVAL;
    int n = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->file, lineno, col);
    if (n >= 0 && (size_t)n < c->errlen)
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    return -EINVAL;
}

int lesson__error(const struct lesson__cur *c, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = lesson_lex__verror(c, c->lineno, lesson__col(c, at), fmt, ap);
    va_end(ap);
    return r;
}

int lesson__error_lc(const struct lesson__cur *c, int lineno, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = lesson_lex__verror(c, lineno, col, fmt, ap);
    va_end(ap);
    return r;
}

void lesson__skip_space(struct lesson__cur *c)
{
    while (c->pos < c->len && (c->line[c->pos] == ' ' || c->line[c->pos] == '\t'))
        c->pos++;
}

bool lesson__at_end(struct lesson__cur *c)
{
    lesson__skip_space(c);
    return c->pos >= c->len || c->line[c->pos] == '#';
}

size_t lesson__token_len(const struct lesson__cur *c)
{
    size_t i = c->pos;
    while (i < c->len && c->line[i] != ' ' && c->line[i] != '\t')
        i++;
    return i - c->pos;
}

static bool lesson_lex__digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool lesson_lex__alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

bool lesson__is_number_start(const struct lesson__cur *c)
{
    if (c->pos >= c->len)
        return false;
    char ch = c->line[c->pos];
    return lesson_lex__digit(ch) ||
           (ch == '.' && c->pos + 1 < c->len && lesson_lex__digit(c->line[c->pos + 1]));
}

struct lesson_lex__unit {
    const char *name;
    int kind;                       /* lesson_kind or LESSON__ANY */
    double mult;                    /* to seconds, bytes or plain */
};

static const struct lesson_lex__unit lesson_lex__units[] = {
    { "ns", LESSON_KIND_TIME, 1e-9 },
    { "us", LESSON_KIND_TIME, 1e-6 },
    { "\xc2\xb5s", LESSON_KIND_TIME, 1e-6 },     /* µs */
    { "ms", LESSON_KIND_TIME, 1e-3 },
    { "s", LESSON_KIND_TIME, 1 },
    { "min", LESSON_KIND_TIME, 60 },
    { "h", LESSON_KIND_TIME, 3600 },
    { "B", LESSON_KIND_BYTES, 1 },
    { "KiB", LESSON_KIND_BYTES, 1024.0 },
    { "MiB", LESSON_KIND_BYTES, 1024.0 * 1024 },
    { "GiB", LESSON_KIND_BYTES, 1024.0 * 1024 * 1024 },
    { "TiB", LESSON_KIND_BYTES, 1024.0 * 1024 * 1024 * 1024 },
    { "kB", LESSON_KIND_BYTES, 1e3 },
    { "MB", LESSON_KIND_BYTES, 1e6 },
    { "GB", LESSON_KIND_BYTES, 1e9 },
    { "k", LESSON__ANY, 1e3 },
    { "M", LESSON__ANY, 1e6 },
    { "G", LESSON__ANY, 1e9 },
};

/* In a size, K M G T alone mean binary units, as --data-size 64M does. */
static const struct lesson_lex__unit lesson_lex__size_aliases[] = {
    { "k", LESSON_KIND_BYTES, 1024.0 },
    { "K", LESSON_KIND_BYTES, 1024.0 },
    { "M", LESSON_KIND_BYTES, 1024.0 * 1024 },
    { "G", LESSON_KIND_BYTES, 1024.0 * 1024 * 1024 },
    { "T", LESSON_KIND_BYTES, 1024.0 * 1024 * 1024 * 1024 },
};

static const struct lesson_lex__unit *lesson_lex__unit_find(const char *s, size_t len,
                                                           enum lesson__numctx ctx)
{
    if (ctx == LESSON__NUM_SIZE)
        for (size_t i = 0; i < ARRAY_SIZE(lesson_lex__size_aliases); i++)
            if (strlen(lesson_lex__size_aliases[i].name) == len &&
                memcmp(lesson_lex__size_aliases[i].name, s, len) == 0)
                return &lesson_lex__size_aliases[i];
    for (size_t i = 0; i < ARRAY_SIZE(lesson_lex__units); i++)
        if (strlen(lesson_lex__units[i].name) == len &&
            memcmp(lesson_lex__units[i].name, s, len) == 0)
            return &lesson_lex__units[i];
    return NULL;
}

int lesson__number(struct lesson__cur *c, enum lesson__numctx ctx, double *out, int *kind)
{
    size_t start = c->pos, i = c->pos;
    uint64_t mant = 0;
    int exp10 = 0, sig = 0;
    bool digits = false, dot = false;

    /* The whole token: digits, letters, dots, underscores and µ. */
    size_t end = start;
    while (end < c->len) {
        unsigned char ch = (unsigned char)c->line[end];
        if (lesson_lex__digit((char)ch) || lesson_lex__alpha((char)ch) || ch == '.' ||
            ch == '_')
            end++;
        else if (ch == 0xc2 && end + 1 < c->len && (unsigned char)c->line[end + 1] == 0xb5)
            end += 2;
        else
            break;
    }
    int tlen = (int)(end - start);
    const char *tok = c->line + start;

    for (; i < end; i++) {
        char ch = c->line[i];
        if (lesson_lex__digit(ch)) {
            digits = true;
            if (mant == 0 && ch == '0') {
                if (dot)
                    exp10--;
                continue;
            }
            if (sig < 18) {
                mant = mant * 10 + (uint64_t)(ch - '0');
                sig++;
                if (dot)
                    exp10--;
            } else if (!dot) {
                exp10++;
            }
        } else if (ch == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (!digits)
        return lesson__error(c, start, "bad number '%.*s'", tlen, tok);
    /* An exponent only when digits follow: "2e" is 2 with unit "e". */
    if (i < end && (c->line[i] == 'e' || c->line[i] == 'E')) {
        size_t j = i + 1;
        bool neg = false;
        if (j < end && (c->line[j] == '+' || c->line[j] == '-'))
            neg = c->line[j++] == '-';
        if (j < end && lesson_lex__digit(c->line[j])) {
            int e = 0;
            while (j < end && lesson_lex__digit(c->line[j])) {
                if (e < 10000)
                    e = e * 10 + (c->line[j] - '0');
                j++;
            }
            exp10 += neg ? -e : e;
            i = j;
        }
    }
    /* The rest of the token is the unit: letters only. */
    size_t ustart = i;
    for (size_t j = i; j < end; j++) {
        unsigned char ch = (unsigned char)c->line[j];
        if (!lesson_lex__alpha((char)ch) && ch != 0xc2 && ch != 0xb5)
            return lesson__error(c, start, "bad number '%.*s'", tlen, tok);
    }
    double v = (double)mant * pow(10.0, exp10);
    int k = LESSON__ANY;
    if (ustart < end) {
        const char *u = c->line + ustart;
        int ulen = (int)(end - ustart);
        if (ulen == 1 && u[0] == 'm')
            return lesson__error(c, ustart, "unit 'm' is ambiguous in '%.*s': write 'min' "
                                 "for minutes or 'ms' for milliseconds", tlen, tok);
        const struct lesson_lex__unit *un = lesson_lex__unit_find(u, (size_t)ulen, ctx);
        if (un == NULL) {
            static const char *const hint[] = {
                [LESSON__NUM_EXPR] = "ns us ms s min h, B KiB MiB GiB kB MB GB, k M G",
                [LESSON__NUM_TIME] = "ns us ms s min h",
                [LESSON__NUM_COUNT] = "k M G",
                [LESSON__NUM_SIZE] = "B KiB MiB GiB, or K M G for KiB MiB GiB",
            };
            return lesson__error(c, ustart, "unknown unit '%.*s' in '%.*s' (units: %s)",
                                 ulen, u, tlen, tok, hint[ctx]);
        }
        v *= un->mult;
        k = un->kind;
    }
    if (!isfinite(v) || v > 1e18)
        return lesson__error(c, start, "number '%.*s' is too large", tlen, tok);

    switch (ctx) {
    case LESSON__NUM_EXPR:
        break;
    case LESSON__NUM_TIME:
        if (k == LESSON__ANY && v != 0)
            return lesson__error(c, start, "'%.*s' needs a time unit, such as %.*ss or %.*sms",
                                 tlen, tok, tlen, tok, tlen, tok);
        if (k != LESSON__ANY && k != LESSON_KIND_TIME)
            return lesson__error(c, ustart, "'%.*s' is not a time: use ns, us, ms, s, min "
                                 "or h", tlen, tok);
        break;
    case LESSON__NUM_COUNT:
        if (k != LESSON__ANY)
            return lesson__error(c, ustart, "'%.*s' is not a count: only k, M and G may "
                                 "follow it", tlen, tok);
        break;
    case LESSON__NUM_SIZE:
        if (k != LESSON__ANY && k != LESSON_KIND_BYTES)
            return lesson__error(c, ustart, "'%.*s' is not a size: use B, KiB, MiB, GiB "
                                 "(or K, M, G)", tlen, tok);
        break;
    }
    c->pos = end;
    *out = v;
    *kind = k;
    return 0;
}

static char lesson_lex__lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Edit distance counting a swap of two neighbours as one edit (the commonest
 * typo: "corse" for "cores"). */
static size_t lesson_lex__distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[3][64];                /* rows i-2, i-1, i */
    if (la >= 64 || lb >= 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        d[1][j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *cur = d[(i + 1) % 3], *prev = d[i % 3], *prev2 = d[(i + 2) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char ca = lesson_lex__lower(a[i - 1]), cb = b[j - 1];
            size_t best = prev[j - 1] + (ca == cb ? 0 : 1);
            best = MIN(best, prev[j] + 1);
            best = MIN(best, cur[j - 1] + 1);
            if (i > 1 && j > 1 && ca == b[j - 2] && lesson_lex__lower(a[i - 2]) == cb)
                best = MIN(best, prev2[j - 2] + 1);
            cur[j] = best;
        }
    }
    return d[(la + 1) % 3][lb];
}

const char *lesson__suggest(const char *word, size_t len, const char *const *candidates)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX;
    for (size_t i = 0; candidates[i]; i++) {
        size_t d = lesson_lex__distance(word, len, candidates[i], strlen(candidates[i]));
        if (d < bestd) {
            bestd = d;
            best = candidates[i];
        }
    }
    /* Close enough to be a typo: up to a third of the word, at least 1. */
    size_t limit = MAX((size_t)1, len / 3);
    return bestd <= limit ? best : NULL;
}
