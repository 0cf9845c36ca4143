/*
 * record.c — asciicast v2 from the canvas.
 *
 * Each frame is encoded against the previous recorded frame, kept here (the
 * canvas's own front grid belongs to curses and is already updated when the
 * hook runs, so it cannot be used). The encoding is the smallest honest one
 * a terminal accepts everywhere: CUP to the first cell of each run of
 * changed cells, a full SGR (reset, then attributes and colours) whenever
 * the style changes, the characters as UTF-8. A run never starts on the
 * right half of a wide character nor ends between its halves, so a replay
 * draws whole characters. Colours 0-7 and 8-15 use the classic codes (30-37,
 * 90-97) so 16-colour players show them; the rest use 38;5;N.
 *
 * Event times come from CLOCK_MONOTONIC, relative to record_open(), clamped
 * so they never go backwards. The header's timestamp is wall-clock time, as
 * the format asks.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record/record.h"
#include "util.h"

struct record {
    FILE *f;
    char *path;
    int w, h;
    uint64_t t0_ns, last_ns;
    struct canvas_cell *prev;       /* w * h: the last frame written, NULL before the first */
    int prev_w, prev_h;
    char *buf;                      /* terminal output of one frame */
    size_t len, cap;
};

static void record__put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = MAX(*cap * 2, *len + n + 256);
        *buf = xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static void record__puts(char **buf, size_t *len, size_t *cap, const char *s)
{
    record__put(buf, len, cap, s, strlen(s));
}

static size_t record__utf8(uint32_t cp, char out[4])
{
    if (cp == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
        (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
        cp = cp == 0 ? ' ' : '?';
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static bool record__same_style(struct canvas_style a, struct canvas_style b)
{
    return a.fg == b.fg && a.bg == b.bg && a.attr == b.attr;
}

static bool record__same(const struct canvas_cell *a, const struct canvas_cell *b)
{
    return a->cp == b->cp && record__same_style(a->st, b->st);
}

static void record__colour(char *s, size_t n, int c, bool fg)
{
    if (c < 8)
        snprintf(s, n, ";%d", (fg ? 30 : 40) + c);
    else if (c < 16)
        snprintf(s, n, ";%d", (fg ? 90 : 100) + c - 8);
    else
        snprintf(s, n, ";%d;5;%d", fg ? 38 : 48, c);
}

static void record__sgr(struct canvas_style st, char **buf, size_t *len, size_t *cap)
{
    char s[64] = "\033[0", part[16];

    if (st.attr & CANVAS_BOLD)
        strcat(s, ";1");
    if (st.attr & CANVAS_DIM)
        strcat(s, ";2");
    if (st.attr & CANVAS_UNDERLINE)
        strcat(s, ";4");
    if (st.attr & CANVAS_REVERSE)
        strcat(s, ";7");
    if (st.fg >= 0 && st.fg < 256) {
        record__colour(part, sizeof(part), st.fg, true);
        strcat(s, part);
    }
    if (st.bg >= 0 && st.bg < 256) {
        record__colour(part, sizeof(part), st.bg, false);
        strcat(s, part);
    }
    strcat(s, "m");
    record__puts(buf, len, cap, s);
}

void record_encode(const struct canvas_cell *prev, const struct canvas_cell *cur, int w, int h,
                   char **buf, size_t *len, size_t *cap)
{
    struct canvas_style st = canvas_style_default;
    bool st_known = false;

    if (prev == NULL) {
        record__puts(buf, len, cap, "\033[0m\033[?25l\033[H\033[2J");
        st_known = true;
    }
    for (int y = 0; y < h; y++) {
        const struct canvas_cell *row = cur + (size_t)y * w;
        const struct canvas_cell *prow = prev ? prev + (size_t)y * w : NULL;
        int x = 0;

        while (x < w) {
            if (prow != NULL && record__same(&row[x], &prow[x])) {
                x++;
                continue;
            }
            int start = x, end = x;
            while (end < w && (prow == NULL || !record__same(&row[end], &prow[end])))
                end++;
            /* Whole wide characters only: back up onto a left half, take a right half. */
            while (start > 0 && row[start].cp == CANVAS_CONT)
                start--;
            while (end < w && row[end].cp == CANVAS_CONT)
                end++;
            char cup[32];
            snprintf(cup, sizeof(cup), "\033[%d;%dH", y + 1, start + 1);
            record__puts(buf, len, cap, cup);
            for (int i = start; i < end; i++) {
                char u[4];
                if (row[i].cp == CANVAS_CONT)
                    continue;
                if (!st_known || !record__same_style(st, row[i].st)) {
                    record__sgr(row[i].st, buf, len, cap);
                    st = row[i].st;
                    st_known = true;
                }
                record__put(buf, len, cap, u, record__utf8(row[i].cp, u));
            }
            x = end;
        }
    }
}

/* A JSON string: quotes, backslashes and control characters escaped; UTF-8 as is. */
static void record__json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch == '\r')
            fputs("\\r", f);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

int record_open(const char *path, int w, int h, const char *title, struct record **out,
                char *err, size_t errlen)
{
    FILE *f = fopen(path, "we");
    if (f == NULL) {
        int e = errno;
        snprintf(err, errlen, "--record %s: %s", path, strerror(e));
        return -e;
    }
    struct record *r = xcalloc(1, sizeof(*r));
    r->f = f;
    r->path = xstrdup(path);
    r->w = MAX(w, 1);
    r->h = MAX(h, 1);
    r->t0_ns = util_now_ns();
    const char *term = getenv("TERM"), *shell = getenv("SHELL");
    fprintf(f, "{\"version\": 2, \"width\": %d, \"height\": %d, \"timestamp\": %lld, "
            "\"env\": {\"TERM\": ", r->w, r->h, (long long)time(NULL));
    record__json_str(f, term ? term : "xterm-256color", strlen(term ? term : "xterm-256color"));
    fputs(", \"SHELL\": ", f);
    record__json_str(f, shell ? shell : "/bin/sh", strlen(shell ? shell : "/bin/sh"));
    fputs("}, \"title\": ", f);
    title = title ? title : "schedwatch";
    record__json_str(f, title, strlen(title));
    fputs("}\n", f);
    *out = r;
    return 0;
}

size_t record_frame_at(struct record *r, const struct canvas *c, uint64_t t_ns)
{
    size_t n = (size_t)c->w * c->h;
    bool full = r->prev == NULL || r->prev_w != c->w || r->prev_h != c->h;

    r->len = 0;
    record_encode(full ? NULL : r->prev, c->back, c->w, c->h, &r->buf, &r->len, &r->cap);
    if (full) {
        free(r->prev);
        r->prev = xmalloc(n * sizeof(*r->prev));
        r->prev_w = c->w;
        r->prev_h = c->h;
    }
    memcpy(r->prev, c->back, n * sizeof(*r->prev));
    if (r->len == 0)
        return 0;
    if (t_ns < r->last_ns)
        t_ns = r->last_ns;
    r->last_ns = t_ns;
    double t = t_ns > r->t0_ns ? (t_ns - r->t0_ns) / 1e9 : 0;
    fprintf(r->f, "[%.6f, \"o\", ", t);
    record__json_str(r->f, r->buf, r->len);
    fputs("]\n", r->f);
    return r->len;
}

size_t record_frame(struct record *r, const struct canvas *c)
{
    return record_frame_at(r, c, util_now_ns());
}

int record_close(struct record *r, char *err, size_t errlen)
{
    int rc = 0;

    if (r == NULL)
        return 0;
    if (r->prev != NULL) {
        /* Leave a player's terminal as we found it: attributes off, cursor shown, below. */
        char end[48];
        snprintf(end, sizeof(end), "\033[0m\033[%d;1H\033[?25h", r->prev_h);
        uint64_t t = MAX(util_now_ns(), r->last_ns);
        fprintf(r->f, "[%.6f, \"o\", ", (t - r->t0_ns) / 1e9);
        record__json_str(r->f, end, strlen(end));
        fputs("]\n", r->f);
    }
    if (ferror(r->f) | (fclose(r->f) != 0)) {
        rc = -EIO;
        snprintf(err, errlen, "--record %s: write failed", r->path);
    }
    free(r->prev);
    free(r->buf);
    free(r->path);
    free(r);
    return rc;
}
