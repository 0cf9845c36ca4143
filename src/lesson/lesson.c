/*
 * lesson.c — reading lesson files: lines, steps, settings, captions and
 * expectations; finding and listing the shipped lessons.
 *
 * The language is line based so that a teacher can write it in any editor
 * and a mistake points at one line and column (schedwatch(1), LESSONS, has the full
 * description). Every line is first checked as text — length, NUL bytes,
 * UTF-8, control characters — so that nothing later has to worry about a
 * caption that could move the terminal's cursor or a byte that is not a
 * character. Then the first word decides what the line is:
 *
 *     title / summary / duration     the lesson's header (once each)
 *     at TIME / after TIME           a new step
 *     workload models tasks gil ...  a setting of the current step
 *     caption [TEXT]                 a caption line, or a block up to "end"
 *     expect COMPARISON [needs ...]  an expectation of the current step
 *
 * Rejected: an indentation-based block structure (tabs versus spaces would
 * become errors a teacher cannot see) and a general-purpose format such as
 * TOML or YAML (a dependency, and messages about the format instead of the
 * lesson).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson/lesson_int.h"
#include "util.h"

#define NS_PER_S 1000000000.0
#define LESSON__TIME_MAX (24.0 * 3600)                  /* seconds */
#define LESSON__TASKS_MAX 10000000L
#define LESSON__GOMAXPROCS_MAX 1024
#define LESSON__CAPTION_MAX 64                          /* lines */
#define LESSON__DEFAULT_TAIL_NS (30ull * 1000000000ull) /* after the last step */

struct lesson__parser {
    struct lesson__cur c;
    struct lesson *l;
    size_t cap_steps;
    size_t cap_expects;                 /* of the current (last) step */
    int title_line, summary_line, duration_line;
    int set_line[16];                   /* line of each LESSON_SET_* bit in this step */
    int tasks_all_line;
    /* caption block being read */
    bool in_caption;
    int caption_line, caption_col;
    size_t caption_lines;
    char *caption;                      /* grows; moved to the step at "end" */
    size_t caption_len;
};

/* ---- text checks ----------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t lesson__utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    size_t len;
    uint32_t v, min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xe0) == 0xc0) {
        len = 2; v = b & 0x1f; min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
        len = 3; v = b & 0x0f; min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
        len = 4; v = b & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

static int lesson__check_line(struct lesson__cur *c)
{
    if (c->len > LESSON_LINE_MAX)
        return lesson__error(c, LESSON_LINE_MAX, "line is longer than %d bytes",
                             LESSON_LINE_MAX);
    const unsigned char *s = (const unsigned char *)c->line;
    for (size_t i = 0; i < c->len;) {
        uint32_t cp;
        if (s[i] == 0)
            return lesson__error(c, i, "NUL byte in the text (is this a binary file?)");
        size_t n = lesson__utf8_len(s + i, c->len - i, &cp);
        if (n == 0) {
            /* Point at the bad byte, counting it as a character of its own. */
            struct lesson__cur t = *c;
            t.len = i;
            return lesson__error(&t, i, "invalid UTF-8 (byte 0x%02x): save the lesson as "
                                 "UTF-8", s[i]);
        }
        if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0))
            return lesson__error(c, i, "control character U+%04X in the text", cp);
        i += n;
    }
    return 0;
}

/* ---- small readers ------------------------------------------------------------ */

static bool lesson__word_is(const struct lesson__cur *c, size_t at, size_t len,
                            const char *w)
{
    return strlen(w) == len && memcmp(c->line + at, w, len) == 0;
}

/* Reads a word of letters, digits, '-' and '_'; its length (0 if none). */
static size_t lesson__word(struct lesson__cur *c)
{
    size_t i = c->pos;
    while (i < c->len) {
        char ch = c->line[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
            i++;
        else
            break;
    }
    size_t n = i - c->pos;
    c->pos = i;
    return n;
}

/* The rest of the line as text, trimmed; NULL if empty. */
static char *lesson__rest(struct lesson__cur *c)
{
    lesson__skip_space(c);
    size_t end = c->len;
    while (end > c->pos && (c->line[end - 1] == ' ' || c->line[end - 1] == '\t'))
        end--;
    if (end == c->pos)
        return NULL;
    char *s = xmalloc(end - c->pos + 1);
    memcpy(s, c->line + c->pos, end - c->pos);
    s[end - c->pos] = '\0';
    for (char *t = s; *t; t++)
        if (*t == '\t')
            *t = ' ';
    c->pos = c->len;
    return s;
}

static int lesson__end_of_setting(struct lesson__cur *c, const char *what)
{
    if (lesson__at_end(c))
        return 0;
    return lesson__error(c, c->pos, "unexpected '%.*s' after %s",
                         (int)MIN(lesson__token_len(c), (size_t)20), c->line + c->pos, what);
}

static int lesson__time(struct lesson__cur *c, uint64_t *out_ns)
{
    lesson__skip_space(c);
    size_t at = c->pos;
    if (lesson__at_end(c))
        return lesson__error(c, c->pos, "expected a time such as 10s or 500ms");
    if (!lesson__is_number_start(c))
        return lesson__error(c, at, "expected a time such as 10s or 500ms, not '%.*s'",
                             (int)MIN(lesson__token_len(c), (size_t)20), c->line + at);
    double v;
    int kind;
    int r = lesson__number(c, LESSON__NUM_TIME, &v, &kind);
    if (r < 0)
        return r;
    if (v > LESSON__TIME_MAX)
        return lesson__error(c, at, "time '%.*s' is longer than a day", (int)(c->pos - at),
                             c->line + at);
    *out_ns = (uint64_t)(v * NS_PER_S + 0.5);
    return 0;
}

static int lesson__count(struct lesson__cur *c, long lo, long hi, const char *what,
                         long *out)
{
    lesson__skip_space(c);
    size_t at = c->pos;
    if (lesson__at_end(c))
        return lesson__error(c, c->pos, "expected %s", what);
    if (!lesson__is_number_start(c))
        return lesson__error(c, at, "expected %s, not '%.*s'", what,
                             (int)MIN(lesson__token_len(c), (size_t)20), c->line + at);
    double v;
    int kind;
    int r = lesson__number(c, LESSON__NUM_COUNT, &v, &kind);
    if (r < 0)
        return r;
    if (v != (double)(long)v)
        return lesson__error(c, at, "%s must be a whole number, not '%.*s'", what,
                             (int)(c->pos - at), c->line + at);
    if (v < (double)lo || v > (double)hi)
        return lesson__error(c, at, "%s must be between %ld and %ld, not '%.*s'", what,
                             lo, hi, (int)(c->pos - at), c->line + at);
    *out = (long)v;
    return 0;
}

static int lesson__size(struct lesson__cur *c, uint64_t *out)
{
    lesson__skip_space(c);
    size_t at = c->pos;
    if (lesson__at_end(c) || !lesson__is_number_start(c))
        return lesson__error(c, at, "expected a size such as 64MiB");
    double v;
    int kind;
    int r = lesson__number(c, LESSON__NUM_SIZE, &v, &kind);
    if (r < 0)
        return r;
    if (v < 1 || v > 1e15)
        return lesson__error(c, at, "size '%.*s' is out of range (1 B to 1 PB)",
                             (int)(c->pos - at), c->line + at);
    *out = (uint64_t)(v + 0.5);
    return 0;
}

/* Reads one of `names` (count n) into *out. */
static int lesson__choice(struct lesson__cur *c, const char *what, const char *const *names,
                          int n, int *out)
{
    lesson__skip_space(c);
    size_t at = c->pos;
    if (lesson__at_end(c)) {
        return lesson__error(c, at, "expected %s", what);
    }
    size_t len = lesson__word(c);
    for (int i = 0; i < n; i++) {
        if (lesson__word_is(c, at, len, names[i])) {
            *out = i;
            return 0;
        }
    }
    if (len == 0)
        len = MIN(lesson__token_len(c), (size_t)20);
    const char *cand[16];
    for (int i = 0; i < n && i < 15; i++)
        cand[i] = names[i];
    cand[MIN(n, 15)] = NULL;
    const char *s = lesson__suggest(c->line + at, len, cand);
    if (s)
        return lesson__error(c, at, "unknown %s '%.*s' (did you mean '%s'?)", what,
                             (int)len, c->line + at, s);
    char list[256] = "";
    size_t o = 0;
    for (int i = 0; i < n && o < sizeof(list); i++)
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", names[i]);
    return lesson__error(c, at, "unknown %s '%.*s' (expected %s)", what, (int)len,
                         c->line + at, list);
}

/* ---- the parts of a lesson ---------------------------------------------------- */

static struct lesson_step *lesson__step(struct lesson__parser *p)
{
    return p->l->nsteps ? &p->l->steps[p->l->nsteps - 1] : NULL;
}

static int lesson__header_text(struct lesson__parser *p, size_t kw_at, const char *kw,
                               char **field, int *line)
{
    struct lesson__cur *c = &p->c;
    if (*field)
        return lesson__error(c, kw_at, "the lesson already has a %s (line %d)", kw, *line);
    char *s = lesson__rest(c);
    if (s == NULL)
        return lesson__error(c, c->pos, "'%s' needs text after it", kw);
    *field = s;
    *line = c->lineno;
    return 0;
}

static int lesson__new_step(struct lesson__parser *p, size_t kw_at, bool relative)
{
    struct lesson__cur *c = &p->c;
    struct lesson *l = p->l;
    struct lesson_step *prev = lesson__step(p);
    uint64_t t;
    lesson__skip_space(c);
    size_t at = c->pos;
    int r = lesson__time(c, &t);
    if (r < 0)
        return r;
    if (relative)
        t += prev ? prev->at_ns : 0;
    if (prev && t <= prev->at_ns)
        return lesson__error(c, at, "this step starts at %gs, %s the step of line %d "
                             "(at %gs): steps must go forward in time", (double)t / NS_PER_S,
                             t == prev->at_ns ? "at the same time as" : "before",
                             prev->line, (double)prev->at_ns / NS_PER_S);
    if ((double)t / NS_PER_S > LESSON__TIME_MAX)
        return lesson__error(c, at, "this step starts more than a day into the lesson");
    if (l->nsteps >= LESSON_STEPS_MAX)
        return lesson__error(c, kw_at, "too many steps (at most %d)", LESSON_STEPS_MAX);
    if (l->nsteps == p->cap_steps) {
        p->cap_steps = p->cap_steps ? p->cap_steps * 2 : 8;
        l->steps = xreallocarray(l->steps, p->cap_steps, sizeof(*l->steps));
    }
    struct lesson_step *s = &l->steps[l->nsteps++];
    memset(s, 0, sizeof(*s));
    s->at_ns = t;
    s->line = c->lineno;
    s->title = lesson__at_end(c) ? NULL : lesson__rest(c);
    p->cap_expects = 0;
    memset(p->set_line, 0, sizeof(p->set_line));
    p->tasks_all_line = 0;
    return 0;
}

static void lesson__caption_add(struct lesson__parser *p, const char *s, size_t len)
{
    struct lesson_step *st = lesson__step(p);
    size_t old = st->caption ? strlen(st->caption) : 0;
    st->caption = xrealloc(st->caption, old + (old ? 1 : 0) + len + 1);
    if (old)
        st->caption[old++] = '\n';
    memcpy(st->caption + old, s, len);
    st->caption[old + len] = '\0';
    for (char *t = st->caption + old; *t; t++)
        if (*t == '\t')
            *t = ' ';
}

/* A line inside a caption block: text, or "end". */
static int lesson__caption_line(struct lesson__parser *p)
{
    struct lesson__cur *c = &p->c;
    lesson__skip_space(c);
    size_t end = c->len;
    while (end > c->pos && (c->line[end - 1] == ' ' || c->line[end - 1] == '\t'))
        end--;
    if (end - c->pos == 3 && memcmp(c->line + c->pos, "end", 3) == 0) {
        p->in_caption = false;
        /* Blank lines at the end of a block are dropped. */
        struct lesson_step *st = lesson__step(p);
        if (st->caption) {
            size_t n = strlen(st->caption);
            while (n > 0 && st->caption[n - 1] == '\n')
                st->caption[--n] = '\0';
        }
        if (p->caption_lines == 0 || st->caption == NULL || st->caption[0] == '\0') {
            return lesson__error_lc(c, p->caption_line, p->caption_col,
                                    "empty caption block");
        }
        return 0;
    }
    if (++p->caption_lines > LESSON__CAPTION_MAX)
        return lesson__error(c, 0, "caption is longer than %d lines", LESSON__CAPTION_MAX);
    if (p->caption_lines == 1 && end == c->pos) {
        p->caption_lines--;             /* leading blank lines do not count */
        return 0;
    }
    size_t start = c->pos;
    if (end > start && c->line[start] == '|') {
        /* "| text" says: this is caption text, whatever its first word. */
        start++;
        if (start < end && c->line[start] == ' ')
            start++;
    } else {
        /* A forgotten "end" would swallow the rest of the lesson into the
         * caption without a word; lines that read as the language's own
         * keywords stop it (write "| expect ..." to mean the text). */
        size_t len = lesson__word(c);
        bool step = lesson__word_is(c, start, len, "at") ||
                    lesson__word_is(c, start, len, "after");
        if (step) {
            /* "at 10s" is a step; "after 20 ms, ..." is prose. */
            struct lesson__cur t = *c;
            double v;
            int kind;
            t.err = NULL;
            lesson__skip_space(&t);
            step = lesson__is_number_start(&t) &&
                   lesson__number(&t, LESSON__NUM_TIME, &v, &kind) == 0 &&
                   kind == LESSON_KIND_TIME;
        }
        if (step || lesson__word_is(c, start, len, "expect") ||
            lesson__word_is(c, start, len, "caption"))
            return lesson__error(c, start, "'%.*s' inside the caption block of line %d: "
                                 "close the caption with 'end' first (or write '| %.*s' "
                                 "for text)", (int)len, c->line + start, p->caption_line,
                                 (int)len, c->line + start);
    }
    lesson__caption_add(p, c->line + start, end - start);
    return 0;
}

static int lesson__once(struct lesson__parser *p, unsigned bit, size_t kw_at,
                        const char *kw)
{
    int i = __builtin_ctz(bit);
    if (p->set_line[i])
        return lesson__error(&p->c, kw_at, "'%s' is already set in this step (line %d)",
                             kw, p->set_line[i]);
    p->set_line[i] = p->c.lineno;
    lesson__step(p)->settings.set |= bit;
    return 0;
}

static int lesson__on_off(struct lesson__cur *c, bool *out)
{
    static const char *const names[] = { "off", "on" };
    int v, r;
    if ((r = lesson__choice(c, "value", names, 2, &v)) < 0)
        return r;
    *out = v == 1;
    return 0;
}

static int lesson__models(struct lesson__parser *p)
{
    struct lesson__cur *c = &p->c;
    struct lesson_settings *s = &lesson__step(p)->settings;
    static const char *const names[] = { "procs", "threads", "loop", "goroutines" };
    lesson__skip_space(c);
    if (lesson__at_end(c))
        return lesson__error(c, c->pos, "'models' needs a list: procs threads loop "
                             "goroutines, or all");
    size_t at = c->pos;
    size_t len = lesson__word(c);
    if (lesson__word_is(c, at, len, "all")) {
        for (int m = 0; m < LESSON_NMODELS; m++)
            s->models[m] = (enum lesson_model)m;
        s->nmodels = LESSON_NMODELS;
        return lesson__end_of_setting(c, "'all'");
    }
    c->pos = at;
    unsigned seen = 0;
    while (!lesson__at_end(c)) {
        at = c->pos;
        int m, r;
        if ((r = lesson__choice(c, "model", names, LESSON_NMODELS, &m)) < 0)
            return r;
        if (seen & (1u << m))
            return lesson__error(c, at, "model '%s' is listed twice", names[m]);
        seen |= 1u << m;
        s->models[s->nmodels++] = (enum lesson_model)m;
        if (!lesson__at_end(c) && c->line[c->pos] == ',')
            c->pos++;
    }
    return 0;
}

static int lesson__tasks(struct lesson__parser *p)
{
    struct lesson__cur *c = &p->c;
    struct lesson_settings *s = &lesson__step(p)->settings;
    static const char *const names[] = { "procs", "threads", "loop", "goroutines" };
    int r;
    lesson__skip_space(c);
    if (lesson__at_end(c))
        return lesson__error(c, c->pos, "'tasks' needs a count, as in 'tasks 1000' or "
                             "'tasks threads=100 goroutines=10k'");
    while (!lesson__at_end(c)) {
        size_t at = c->pos;
        long n;
        if (lesson__is_number_start(c)) {
            if (p->tasks_all_line)
                return lesson__error(c, at, "a count for all models is already given");
            if (s->tasks_set)
                return lesson__error(c, at, "give the count for all models first, then "
                                     "per model: 'tasks 1000 threads=100'");
            if ((r = lesson__count(c, 1, LESSON__TASKS_MAX, "a task count", &n)) < 0)
                return r;
            for (int m = 0; m < LESSON_NMODELS; m++)
                s->tasks[m] = n;
            s->tasks_set = (1u << LESSON_NMODELS) - 1;
            p->tasks_all_line = c->lineno;
            continue;
        }
        int m;
        if ((r = lesson__choice(c, "model", names, LESSON_NMODELS, &m)) < 0)
            return r;
        lesson__skip_space(c);
        if (c->pos >= c->len || c->line[c->pos] != '=')
            return lesson__error(c, c->pos, "expected '=' and a count after '%s', as in "
                                 "%s=100", names[m], names[m]);
        c->pos++;
        if ((r = lesson__count(c, 1, LESSON__TASKS_MAX, "a task count", &n)) < 0)
            return r;
        if (p->tasks_all_line == 0 && (s->tasks_set & (1u << m)))
            return lesson__error(c, at, "tasks for %s are given twice", names[m]);
        s->tasks[m] = n;
        s->tasks_set |= 1u << m;
    }
    return 0;
}

static int lesson__expect(struct lesson__parser *p, size_t kw_at)
{
    struct lesson__cur *c = &p->c;
    struct lesson_step *st = lesson__step(p);
    struct lesson_expect x = { .line = c->lineno };
    int r;

    if (st->nexpects >= LESSON_EXPECTS_MAX)
        return lesson__error(c, kw_at, "too many expectations in one step (at most %d)",
                             LESSON_EXPECTS_MAX);
    lesson__skip_space(c);
    size_t start = c->pos;
    if ((r = lesson__expr_parse(c, false, &x.expr)) < 0)
        return r;
    size_t end = c->pos;
    while (end > start && (c->line[end - 1] == ' ' || c->line[end - 1] == '\t'))
        end--;
    x.text = xmalloc(end - start + 1);
    memcpy(x.text, c->line + start, end - start);
    x.text[end - start] = '\0';
    if (!lesson__at_end(c)) {
        /* lesson__expr_parse stops only at the end, a comment or "needs". */
        c->pos += 5;
        lesson__skip_space(c);
        start = c->pos;
        if ((r = lesson__expr_parse(c, true, &x.needs)) < 0) {
            lesson_expr_free(x.expr);
            free(x.text);
            return r;
        }
        end = c->pos;
        while (end > start && (c->line[end - 1] == ' ' || c->line[end - 1] == '\t'))
            end--;
        x.needs_text = xmalloc(end - start + 1);
        memcpy(x.needs_text, c->line + start, end - start);
        x.needs_text[end - start] = '\0';
    }
    if (st->nexpects == p->cap_expects) {
        p->cap_expects = p->cap_expects ? p->cap_expects * 2 : 4;
        st->expects = xreallocarray(st->expects, p->cap_expects, sizeof(*st->expects));
    }
    st->expects[st->nexpects++] = x;
    return 0;
}

static const char *const lesson__keywords[] = {
    "title", "summary", "duration", "at", "after", "workload", "models", "tasks", "gil",
    "offload", "gomaxprocs", "mode", "latency", "data-size", "response-size", "slice",
    "settle", "caption", "expect", NULL,
};

static int lesson__line(struct lesson__parser *p)
{
    struct lesson__cur *c = &p->c;
    int r;

    if ((r = lesson__check_line(c)) < 0)
        return r;
    if (p->in_caption)
        return lesson__caption_line(p);
    if (lesson__at_end(c))
        return 0;                       /* blank or comment */

    size_t at = c->pos;
    size_t len = lesson__word(c);
    if (len == 0)
        return lesson__error(c, at, "expected a keyword such as 'at', 'caption' or "
                             "'expect', not '%.*s'",
                             (int)MIN(lesson__token_len(c), (size_t)20), c->line + at);
    if (c->pos < c->len && c->line[c->pos] != ' ' && c->line[c->pos] != '\t' &&
        c->line[c->pos] != '#') {
        c->pos = at;
        len = lesson__token_len(c);
        return lesson__error(c, at, "unknown keyword '%.*s'", (int)MIN(len, (size_t)40),
                             c->line + at);
    }
#define KW(w) lesson__word_is(c, at, len, w)
    if (KW("title"))
        return lesson__header_text(p, at, "title", &p->l->title, &p->title_line);
    if (KW("summary"))
        return lesson__header_text(p, at, "summary", &p->l->summary, &p->summary_line);
    if (KW("duration")) {
        if (p->duration_line)
            return lesson__error(c, at, "the lesson already has a duration (line %d)",
                                 p->duration_line);
        p->duration_line = c->lineno;
        if ((r = lesson__time(c, &p->l->duration_ns)) < 0)
            return r;
        if (p->l->duration_ns == 0)
            return lesson__error(c, at, "duration must be more than 0s");
        return lesson__end_of_setting(c, "the duration");
    }
    if (KW("at") || KW("after"))
        return lesson__new_step(p, at, KW("after"));

    bool known = false;
    for (size_t i = 0; lesson__keywords[i]; i++)
        known |= KW(lesson__keywords[i]);
    if (!known) {
        const char *s = lesson__suggest(c->line + at, len, lesson__keywords);
        if (s)
            return lesson__error(c, at, "unknown keyword '%.*s' (did you mean '%s'?)",
                                 (int)len, c->line + at, s);
        return lesson__error(c, at, "unknown keyword '%.*s'", (int)len, c->line + at);
    }
    struct lesson_step *st = lesson__step(p);
    if (st == NULL)
        return lesson__error(c, at, "'%.*s' belongs to a step: start one with 'at 0s'",
                             (int)len, c->line + at);
    struct lesson_settings *s = &st->settings;
    int v;

    if (KW("caption")) {
        lesson__skip_space(c);
        if (c->pos >= c->len) {
            p->in_caption = true;
            p->caption_line = c->lineno;
            p->caption_col = lesson__col(c, at);
            p->caption_lines = 0;
            if (st->caption)            /* a block after single lines: new paragraph */
                lesson__caption_add(p, "", 0);
            return 0;
        }
        lesson__skip_space(c);
        size_t end = c->len;
        while (end > c->pos && (c->line[end - 1] == ' ' || c->line[end - 1] == '\t'))
            end--;
        lesson__caption_add(p, c->line + c->pos, end - c->pos);
        return 0;
    }
    if (KW("expect"))
        return lesson__expect(p, at);
    if (KW("workload")) {
        static const char *const names[] = {
            "cpu", "io", "mixed", "lock", "fanout", "spawn", "pingpong",
        };
        if ((r = lesson__once(p, LESSON_SET_WORKLOAD, at, "workload")) < 0 ||
            (r = lesson__choice(c, "workload", names, LESSON_NWORKLOADS, &v)) < 0)
            return r;
        s->workload = (enum lesson_workload)v;
        return lesson__end_of_setting(c, "the workload");
    }
    if (KW("models")) {
        if ((r = lesson__once(p, LESSON_SET_MODELS, at, "models")) < 0)
            return r;
        return lesson__models(p);
    }
    if (KW("tasks")) {
        /* several tasks lines may add per-model counts; conflicts are caught inside */
        s->set |= LESSON_SET_TASKS;
        return lesson__tasks(p);
    }
    if (KW("gil")) {
        if ((r = lesson__once(p, LESSON_SET_GIL, at, "gil")) < 0 ||
            (r = lesson__on_off(c, &s->gil)) < 0)
            return r;
        return lesson__end_of_setting(c, "'gil on' or 'gil off'");
    }
    if (KW("offload")) {
        if ((r = lesson__once(p, LESSON_SET_OFFLOAD, at, "offload")) < 0 ||
            (r = lesson__on_off(c, &s->offload)) < 0)
            return r;
        return lesson__end_of_setting(c, "'offload on' or 'offload off'");
    }
    if (KW("gomaxprocs")) {
        long n;
        if ((r = lesson__once(p, LESSON_SET_GOMAXPROCS, at, "gomaxprocs")) < 0 ||
            (r = lesson__count(c, 1, LESSON__GOMAXPROCS_MAX, "a number of Ps", &n)) < 0)
            return r;
        s->gomaxprocs = (int)n;
        return lesson__end_of_setting(c, "the number of Ps");
    }
    if (KW("mode")) {
        static const char *const names[] = { "shared", "split", "turns" };
        if ((r = lesson__once(p, LESSON_SET_MODE, at, "mode")) < 0 ||
            (r = lesson__choice(c, "mode", names, LESSON_NMODES, &v)) < 0)
            return r;
        s->mode = (enum lesson_mode)v;
        return lesson__end_of_setting(c, "the mode");
    }
    if (KW("latency") || KW("slice") || KW("settle")) {
        unsigned bit = KW("latency") ? LESSON_SET_LATENCY :
                       KW("slice") ? LESSON_SET_SLICE : LESSON_SET_SETTLE;
        uint64_t *field = bit == LESSON_SET_LATENCY ? &s->latency_ns :
                          bit == LESSON_SET_SLICE ? &s->slice_ns : &s->settle_ns;
        char kw[16];
        snprintf(kw, sizeof(kw), "%.*s", (int)len, c->line + at);
        if ((r = lesson__once(p, bit, at, kw)) < 0 || (r = lesson__time(c, field)) < 0)
            return r;
        if (bit == LESSON_SET_SLICE && *field == 0)
            return lesson__error(c, at, "slice must be more than 0s");
        return lesson__end_of_setting(c, "the time");
    }
    /* data-size, response-size */
    unsigned bit = KW("data-size") ? LESSON_SET_DATA_SIZE : LESSON_SET_RESPONSE_SIZE;
    uint64_t *field = bit == LESSON_SET_DATA_SIZE ? &s->data_size : &s->response_size;
    if ((r = lesson__once(p, bit, at, bit == LESSON_SET_DATA_SIZE ? "data-size" :
                          "response-size")) < 0 || (r = lesson__size(c, field)) < 0)
        return r;
    return lesson__end_of_setting(c, "the size");
#undef KW
}

/* Checks what only the whole file can tell. */
static int lesson__finish(struct lesson__parser *p, int last_line)
{
    struct lesson__cur *c = &p->c;
    struct lesson *l = p->l;
    struct lesson__cur at1 = *c;
    at1.lineno = 1;
    at1.len = 0;

    if (p->in_caption) {
        return lesson__error_lc(c, p->caption_line, p->caption_col, "caption block is "
                                "never closed: add a line 'end' after its text");
    }
    if (l->title == NULL && l->summary == NULL && l->nsteps == 0)
        return lesson__error(&at1, 0, "empty lesson: write a 'title', a 'summary' and at "
                             "least one step ('at 0s')");
    if (l->title == NULL)
        return lesson__error(&at1, 0, "the lesson has no title: add a line 'title ...'");
    if (l->summary == NULL)
        return lesson__error(&at1, 0, "the lesson has no summary: add a line 'summary ...' "
                             "(one line for --list-lessons)");
    if (l->nsteps == 0) {
        struct lesson__cur t = *c;
        t.lineno = last_line;
        t.len = 0;
        return lesson__error(&t, 0, "the lesson has no step: add 'at 0s' and what to show");
    }
    uint64_t last = l->steps[l->nsteps - 1].at_ns;
    if (p->duration_line) {
        if (l->duration_ns <= last) {
            struct lesson__cur t = *c;
            t.lineno = p->duration_line;
            t.len = 0;
            return lesson__error(&t, 0, "duration %gs ends before the last step (line %d, "
                                 "at %gs) begins", (double)l->duration_ns / NS_PER_S,
                                 l->steps[l->nsteps - 1].line, (double)last / NS_PER_S);
        }
    } else {
        l->duration_ns = last + LESSON__DEFAULT_TAIL_NS;
    }
    /* An expectation judged only after the step has ended is never judged. */
    struct lesson_settings base = { .settle_ns = LESSON_SETTLE_DEFAULT_NS }, eff;
    for (size_t i = 0; i < l->nsteps; i++) {
        const struct lesson_step *st = &l->steps[i];
        if (st->nexpects == 0)
            continue;
        lesson_effective(l, i, &base, &eff);
        uint64_t end = i + 1 < l->nsteps ? l->steps[i + 1].at_ns : l->duration_ns;
        if (eff.settle_ns >= end - st->at_ns) {
            struct lesson__cur t = *c;
            t.lineno = st->line;
            t.len = 0;
            return lesson__error(&t, 0, "this step lasts %gs, but its expectations wait "
                                 "%gs to settle: make the step longer or 'settle' shorter",
                                 (double)(end - st->at_ns) / NS_PER_S,
                                 (double)eff.settle_ns / NS_PER_S);
        }
    }
    return 0;
}

static char *lesson__name(const char *filename)
{
    const char *base = strrchr(filename, '/');
    base = base ? base + 1 : filename;
    size_t n = strlen(base);
    if (n > 7 && strcmp(base + n - 7, ".lesson") == 0)
        n -= 7;
    char *s = xmalloc(n + 1);
    memcpy(s, base, n);
    s[n] = '\0';
    return s;
}

int lesson_parse(const char *text, size_t len, const char *filename, struct lesson **out,
                 char *err, size_t errlen)
{
    struct lesson__parser p = {
        .c = { .file = filename ? filename : "<lesson>", .err = err, .errlen = errlen },
    };
    p.l = xcalloc(1, sizeof(*p.l));
    p.l->filename = xstrdup(p.c.file);
    p.l->name = lesson__name(p.c.file);
    if (err && errlen)
        err[0] = '\0';

    size_t off = 0;
    /* A byte order mark some editors write is not part of the text. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        off = 3;
    int lineno = 0, r = 0;
    while (off < len) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t l = end - off;
        if (l > 0 && text[off + l - 1] == '\r')
            l--;
        lineno++;
        p.c.line = text + off;
        p.c.len = l;
        p.c.pos = 0;
        p.c.lineno = lineno;
        if ((r = lesson__line(&p)) < 0)
            goto out_free;
        off = nl ? end + 1 : len;
    }
    p.c.line = "";
    p.c.len = 0;
    p.c.pos = 0;
    p.c.lineno = MAX(lineno, 1);
    if ((r = lesson__finish(&p, MAX(lineno, 1))) < 0)
        goto out_free;
    *out = p.l;
    return 0;

out_free:
    lesson_free(p.l);
    return r;
}

void lesson_free(struct lesson *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->nsteps; i++) {
        struct lesson_step *s = &l->steps[i];
        for (size_t j = 0; j < s->nexpects; j++) {
            lesson_expr_free(s->expects[j].expr);
            lesson_expr_free(s->expects[j].needs);
            free(s->expects[j].text);
            free(s->expects[j].needs_text);
        }
        free(s->expects);
        free(s->caption);
        free(s->title);
    }
    free(l->steps);
    free(l->title);
    free(l->summary);
    free(l->name);
    free(l->filename);
    free(l);
}

int lesson_load(const char *path, struct lesson **out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    int r;
    if (fstat(fd, &st) < 0) {
        r = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(-r));
        goto out_close_fd;
    }
    if (!S_ISREG(st.st_mode)) {
        r = -EINVAL;
        snprintf(err, errlen, "%s: not a regular file", path);
        goto out_close_fd;
    }
    if (st.st_size > LESSON_FILE_MAX) {
        r = -EFBIG;
        snprintf(err, errlen, "%s: larger than %d bytes: not a lesson", path,
                 LESSON_FILE_MAX);
        goto out_close_fd;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            snprintf(err, errlen, "%s: %s", path, strerror(-r));
            goto out_free_buf;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    r = lesson_parse(buf, got, path, out, err, errlen);
out_free_buf:
    free(buf);
out_close_fd:
    close(fd);
    return r;
}

void lesson_effective(const struct lesson *l, size_t i, const struct lesson_settings *base,
                      struct lesson_settings *out)
{
    *out = *base;
    for (size_t k = 0; k <= i && k < l->nsteps; k++) {
        const struct lesson_settings *s = &l->steps[k].settings;
        if (s->set & LESSON_SET_WORKLOAD)
            out->workload = s->workload;
        if (s->set & LESSON_SET_MODELS) {
            out->nmodels = s->nmodels;
            memcpy(out->models, s->models, sizeof(out->models));
        }
        for (int m = 0; m < LESSON_NMODELS; m++)
            if (s->tasks_set & (1u << m))
                out->tasks[m] = s->tasks[m];
        out->tasks_set |= s->tasks_set;
        if (s->set & LESSON_SET_GIL)
            out->gil = s->gil;
        if (s->set & LESSON_SET_OFFLOAD)
            out->offload = s->offload;
        if (s->set & LESSON_SET_GOMAXPROCS)
            out->gomaxprocs = s->gomaxprocs;
        if (s->set & LESSON_SET_MODE)
            out->mode = s->mode;
        if (s->set & LESSON_SET_LATENCY)
            out->latency_ns = s->latency_ns;
        if (s->set & LESSON_SET_DATA_SIZE)
            out->data_size = s->data_size;
        if (s->set & LESSON_SET_RESPONSE_SIZE)
            out->response_size = s->response_size;
        if (s->set & LESSON_SET_SLICE)
            out->slice_ns = s->slice_ns;
        if (s->set & LESSON_SET_SETTLE)
            out->settle_ns = s->settle_ns;
        out->set |= s->set;
    }
}

long lesson_step_at(const struct lesson *l, uint64_t t_ns)
{
    long found = -1;
    for (size_t i = 0; i < l->nsteps && l->steps[i].at_ns <= t_ns; i++)
        found = (long)i;
    return found;
}

/* ---- judging ------------------------------------------------------------------ */

struct lesson__missing {
    lesson_lookup_fn lookup;
    void *ctx;
    int found;                          /* 0 until a figure without data is seen */
    enum lesson_model model;
    enum lesson_metric metric;
};

static void lesson__find_missing(void *ctx, enum lesson_model model,
                                 enum lesson_metric metric)
{
    struct lesson__missing *m = ctx;
    double v;
    if (m->found || m->lookup(m->ctx, model, metric, &v) == 0)
        return;
    m->found = 1;
    m->model = model;
    m->metric = metric;
}

static void lesson__why_error(const struct lesson_expr *e, int r, lesson_lookup_fn lookup,
                              void *ctx, char *why, size_t len)
{
    if (r == -ENOENT) {
        struct lesson__missing m = { .lookup = lookup, .ctx = ctx };
        lesson_expr_metrics(e, lesson__find_missing, &m);
        if (m.found)
            snprintf(why, len, "no data yet for %s.%s", lesson_model_name(m.model),
                     lesson_metric_info(m.metric)->name);
        else
            snprintf(why, len, "no data yet");
    } else if (r == -EDOM) {
        snprintf(why, len, "division by zero");
    } else if (r == -ERANGE) {
        snprintf(why, len, "a value is not finite");
    } else {
        snprintf(why, len, "cannot evaluate: %s", strerror(-r));
    }
}

enum lesson_verdict lesson_judge(const struct lesson_expect *x, lesson_lookup_fn lookup,
                                 void *ctx, uint64_t elapsed_ns, uint64_t settle_ns,
                                 struct lesson_judgement *out)
{
    double a, b;
    bool holds;
    int r;

    memset(out, 0, sizeof(*out));
    out->verdict = LESSON_PENDING;
    if (x->needs) {
        r = lesson_eval_sides(x->needs, lookup, ctx, &a, &b, &holds);
        if (r < 0) {
            lesson__why_error(x->needs, r, lookup, ctx, out->why, sizeof(out->why));
            return out->verdict;
        }
        if (!holds) {
            char v[32];
            lesson_fmt_value(v, sizeof(v), a, lesson_expr_kind(x->needs));
            snprintf(out->why, sizeof(out->why), "needs %s: this machine has %s",
                     x->needs_text, v);
            return out->verdict = LESSON_SKIPPED;
        }
    }
    if (elapsed_ns < settle_ns) {
        snprintf(out->why, sizeof(out->why), "settling: %.0fs left",
                 ceil((double)(settle_ns - elapsed_ns) / NS_PER_S));
        return out->verdict;
    }
    r = lesson_eval_sides(x->expr, lookup, ctx, &a, &b, &holds);
    if (r < 0) {
        lesson__why_error(x->expr, r, lookup, ctx, out->why, sizeof(out->why));
        return out->verdict;
    }
    out->lhs = a;
    out->rhs = b;
    return out->verdict = holds ? LESSON_HOLDS : LESSON_FAILS;
}

/* ---- finding lessons ------------------------------------------------------------ */

static bool lesson__is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *const lesson__dirs[] = {
    PKGDATADIR "/lessons",
    SW_SRCDIR "/data/lessons",
};

int lesson_find(const char *arg, char **out_path)
{
    size_t n = strlen(arg);
    if (strchr(arg, '/') || (n > 7 && strcmp(arg + n - 7, ".lesson") == 0)) {
        if (!lesson__is_file(arg))
            return -ENOENT;
        *out_path = xstrdup(arg);
        return 0;
    }
    if (n == 0 || arg[0] == '.')
        return -ENOENT;
    for (size_t i = 0; i < ARRAY_SIZE(lesson__dirs); i++) {
        char *path;
        xasprintf(&path, "%s/%s.lesson", lesson__dirs[i], arg);
        if (lesson__is_file(path)) {
            *out_path = path;
            return 0;
        }
        free(path);
    }
    return -ENOENT;
}

static int lesson__entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct lesson_entry *)a)->name,
                  ((const struct lesson_entry *)b)->name);
}

int lesson_list_dirs(const char *const *dirs, size_t ndirs,
                     struct lesson_entry **out, size_t *out_n)
{
    struct lesson_entry *v = NULL;
    size_t n = 0, cap = 0;

    for (size_t d = 0; d < ndirs; d++) {
        DIR *dir = opendir(dirs[d]);
        if (dir == NULL)
            continue;
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            size_t len = strlen(de->d_name);
            if (len <= 7 || de->d_name[0] == '.' ||
                strcmp(de->d_name + len - 7, ".lesson") != 0)
                continue;
            char *name = lesson__name(de->d_name);
            bool dup = false;
            for (size_t i = 0; i < n && !dup; i++)
                dup = strcmp(v[i].name, name) == 0;
            char *path;
            xasprintf(&path, "%s/%s", dirs[d], de->d_name);
            if (dup || !lesson__is_file(path)) {
                free(name);
                free(path);
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                v = xreallocarray(v, cap, sizeof(*v));
            }
            struct lesson_entry *e = &v[n++];
            memset(e, 0, sizeof(*e));
            e->name = name;
            e->path = path;
            struct lesson *l;
            char err[512];
            if (lesson_load(path, &l, err, sizeof(err)) == 0) {
                e->summary = xstrdup(l->summary);
                lesson_free(l);
            } else {
                e->error = xstrdup(err);
            }
        }
        closedir(dir);
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), lesson__entry_cmp);
    *out = v;
    *out_n = n;
    return 0;
}

int lesson_list(struct lesson_entry **out, size_t *out_n)
{
    return lesson_list_dirs(lesson__dirs, ARRAY_SIZE(lesson__dirs), out, out_n);
}

int lesson_list_print(FILE *out)
{
    struct lesson_entry *v;
    size_t n;
    int r = lesson_list(&v, &n);
    if (r < 0)
        return r;
    int w = 0;
    for (size_t i = 0; i < n; i++)
        w = MAX(w, (int)strlen(v[i].name));
    for (size_t i = 0; i < n; i++) {
        if (v[i].summary)
            fprintf(out, "%-*s  %s\n", w, v[i].name, v[i].summary);
        else
            fprintf(out, "%-*s  (broken: %s)\n", w, v[i].name, v[i].error);
    }
    lesson_list_free(v, n);
    return ferror(out) ? -EIO : 0;
}

void lesson_list_free(struct lesson_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].path);
        free(v[i].summary);
        free(v[i].error);
    }
    free(v);
}
