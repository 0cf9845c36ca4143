#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/theme.h"
#include "util.h"

static const char *const theme__names[THEME_ROLE_COUNT] = {
    [THEME_NORMAL] = "normal",
    [THEME_LABEL] = "label",
    [THEME_TITLE] = "title",
    [THEME_FOOTER] = "footer",
    [THEME_KEY] = "key",
    [THEME_USER] = "user",
    [THEME_SYS] = "sys",
    [THEME_IOWAIT] = "iowait",
    [THEME_IRQ] = "irq",
    [THEME_STEAL] = "steal",
    [THEME_METER_EMPTY] = "meter-empty",
    [THEME_SPARK] = "spark",
    [THEME_HEAT_LOW] = "heat-low",
    [THEME_HEAT_MID] = "heat-mid",
    [THEME_HEAT_HIGH] = "heat-high",
    [THEME_STATE_RUN] = "state-run",
    [THEME_STATE_SLEEP] = "state-sleep",
    [THEME_STATE_DISK] = "state-disk",
    [THEME_STATE_STOPPED] = "state-stopped",
    [THEME_STATE_ZOMBIE] = "state-zombie",
    [THEME_STATE_IDLE] = "state-idle",
    [THEME_NA] = "na",
    [THEME_WARN] = "warn",
    [THEME_PAUSED] = "paused",
    [THEME_TABLE_HEAD] = "table-head",
    [THEME_TREE_TITLE] = "tree-title",
    [THEME_BORDER] = "border",
    [THEME_TASK_IDLE] = "task-idle",
    [THEME_TASK_RUN] = "task-run",
    [THEME_TASK_READY] = "task-ready",
    [THEME_TASK_IO] = "task-io",
    [THEME_TASK_LOCK] = "task-lock",
    [THEME_TASK_CHAN] = "task-chan",
    [THEME_TASK_GIL] = "task-gil",
    [THEME_TASK_SLEEP] = "task-sleep",
    [THEME_TASK_DONE] = "task-done",
    [THEME_PANEL_TITLE] = "panel-title",
    [THEME_NOTE] = "note",
};

/*
 * The built-in theme, kept identical in meaning to data/themes/default.theme
 * (check_canvas parses both and compares): the binary must draw sensibly even
 * when it cannot find its data directory.
 */
static const char theme__builtin_text[] =
    "normal = default\n"
    "label = default dim\n"
    "title = black on #56B4E9 bold\n"
    "footer = default\n"
    "key = black on #56B4E9\n"
    "user = #009E73\n"
    "sys = #D55E00\n"
    "iowait = #56B4E9\n"
    "irq = #CC79A7\n"
    "steal = #E69F00\n"
    "meter-empty = default dim\n"
    "spark = #56B4E9\n"
    "heat-low = #009E73\n"
    "heat-mid = #E69F00\n"
    "heat-high = #D55E00\n"
    "state-run = #009E73 bold\n"
    "state-sleep = default\n"
    "state-disk = #E69F00 bold\n"
    "state-stopped = #CC79A7\n"
    "state-zombie = #D55E00 bold\n"
    "state-idle = default dim\n"
    "na = default dim\n"
    "warn = #E69F00 bold\n"
    "paused = black on #F0E442 bold\n"
    "table-head = default reverse\n"
    "tree-title = #56B4E9 bold\n"
    "border = #56B4E9\n"
    "task-idle = default dim\n"
    "task-run = #009E73 bold\n"
    "task-ready = #F0E442 bold\n"
    "task-io = #56B4E9\n"
    "task-lock = #D55E00 bold\n"
    "task-chan = #CC79A7\n"
    "task-gil = #E69F00 bold\n"
    "task-sleep = #0072B2\n"
    "task-done = default dim\n"
    "panel-title = #56B4E9 reverse bold\n"
    "note = default bold\n"
    "glyph.user = \u2588 |\n"
    "glyph.sys = \u2588 |\n"
    "glyph.iowait = \u2588 |\n"
    "glyph.irq = \u2588 |\n"
    "glyph.steal = \u2588 |\n"
    "glyph.meter-empty = \u00b7 .\n"
    "glyph.state-run = \u25cf R\n"
    "glyph.state-sleep = \u25cb S\n"
    "glyph.state-disk = \u25c6 D\n"
    "glyph.state-stopped = \u25a0 T\n"
    "glyph.state-zombie = \u2715 Z\n"
    "glyph.state-idle = \u00b7 I\n"
    "glyph.task-idle = \u00b7 .\n"
    "glyph.task-run = \u25cf R\n"
    "glyph.task-ready = \u25d0 r\n"
    "glyph.task-io = \u25cb i\n"
    "glyph.task-lock = \u25a0 L\n"
    "glyph.task-chan = \u25c6 C\n"
    "glyph.task-gil = \u25b2 G\n"
    "glyph.task-sleep = \u25cc s\n"
    "glyph.task-done = \u25ab d\n";

const char *theme_role_name(enum theme_role r)
{
    return (unsigned)r < THEME_ROLE_COUNT ? theme__names[r] : "?";
}

void theme_builtin(struct theme *t)
{
    char err[160];

    memset(t, 0, sizeof(*t));
    for (int i = 0; i < THEME_ROLE_COUNT; i++)
        t->e[i].st = canvas_style_default;
    if (theme_parse(theme__builtin_text, "built-in", t, err, sizeof(err)) < 0)
        util_die(70, "%s", err);    /* a bug in the text above */
    snprintf(t->name, sizeof(t->name), "default");
}

int theme_rgb_to_256(int r, int g, int b)
{
    static const int level[6] = { 0, 95, 135, 175, 215, 255 };
    int best = 16, best_d = 1 << 30;

    /* The 6x6x6 cube (16..231) and the grey ramp (232..255). */
    for (int i = 16; i < 256; i++) {
        int cr, cg, cb, d;

        if (i < 232) {
            cr = level[(i - 16) / 36];
            cg = level[(i - 16) / 6 % 6];
            cb = level[(i - 16) % 6];
        } else {
            cr = cg = cb = 8 + 10 * (i - 232);
        }
        d = (r - cr) * (r - cr) + (g - cg) * (g - cg) + (b - cb) * (b - cb);
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

int theme_256_to_8(int c)
{
    static const int level[6] = { 0, 95, 135, 175, 215, 255 };
    int r, g, b, mx;

    if (c < 0)
        return c;
    if (c < 16)
        return c & 7;
    if (c >= 232) {
        int v = 8 + 10 * (c - 232);
        return v < 64 ? 0 : 7;
    }
    r = level[(c - 16) / 36];
    g = level[(c - 16) / 6 % 6];
    b = level[(c - 16) % 6];
    mx = MAX(r, MAX(g, b));
    if (mx < 64)
        return 0;
    /* Keep each channel that is at least half the brightest one: the hue. */
    return (r * 2 >= mx ? 1 : 0) | (g * 2 >= mx ? 2 : 0) | (b * 2 >= mx ? 4 : 0);
}

static int theme__colour(const char *w, int *out)
{
    static const char *const names[8] = {
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    };
    long v;

    if (strcmp(w, "default") == 0) {
        *out = CANVAS_COLOR_DEFAULT;
        return 0;
    }
    for (int i = 0; i < 8; i++) {
        if (strcmp(w, names[i]) == 0) {
            *out = i;
            return 0;
        }
        if (strncmp(w, "bright-", 7) == 0 && strcmp(w + 7, names[i]) == 0) {
            *out = 8 + i;
            return 0;
        }
    }
    if (w[0] == '#') {
        unsigned r, g, b;
        int n = 0;

        if (strlen(w) != 7 || sscanf(w + 1, "%2x%2x%2x%n", &r, &g, &b, &n) != 3 || n != 6)
            return -EINVAL;
        *out = theme_rgb_to_256((int)r, (int)g, (int)b);
        return 0;
    }
    if (util_parse_long(w, 0, 255, &v) == 0) {
        *out = (int)v;
        return 0;
    }
    return -EINVAL;
}

static int theme__role(const char *key)
{
    for (int i = 0; i < THEME_ROLE_COUNT; i++)
        if (strcmp(key, theme__names[i]) == 0)
            return i;
    return -1;
}

/* Splits s in place at blanks; returns the number of words (at most max). */
static int theme__words(char *s, char **w, int max)
{
    char *save = NULL;
    int n = 0;

    for (char *tok = strtok_r(s, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
        if (n == max)
            return max + 1;
        w[n++] = tok;
    }
    return n;
}

static int theme__style(char *value, struct canvas_style *st, char *why, size_t len)
{
    char *w[8];
    int n = theme__words(value, w, 8), colours = 0;
    bool on = false;

    *st = canvas_style_default;
    if (n == 0 || n > 8) {
        snprintf(why, len, n == 0 ? "missing value" : "too many words");
        return -EINVAL;
    }
    for (int i = 0; i < n; i++) {
        int c;

        if (strcmp(w[i], "bold") == 0) {
            st->attr |= CANVAS_BOLD;
        } else if (strcmp(w[i], "dim") == 0) {
            st->attr |= CANVAS_DIM;
        } else if (strcmp(w[i], "reverse") == 0) {
            st->attr |= CANVAS_REVERSE;
        } else if (strcmp(w[i], "underline") == 0) {
            st->attr |= CANVAS_UNDERLINE;
        } else if (strcmp(w[i], "on") == 0) {
            if (on || i + 1 == n) {
                snprintf(why, len, "'on' must be followed by one background colour");
                return -EINVAL;
            }
            on = true;
        } else if (theme__colour(w[i], &c) == 0) {
            if (on && i > 0 && strcmp(w[i - 1], "on") == 0) {
                st->bg = (int16_t)c;
            } else if (colours == 0 && !on) {
                st->fg = (int16_t)c;
                colours++;
            } else {
                snprintf(why, len, "unexpected colour '%s' (write FG on BG)", w[i]);
                return -EINVAL;
            }
        } else {
            snprintf(why, len, "unknown colour or attribute '%s'", w[i]);
            return -EINVAL;
        }
    }
    return 0;
}

static int theme__glyph(char *value, struct theme_entry *e, char *why, size_t len)
{
    char *w[3];
    uint32_t u, a;

    if (theme__words(value, w, 2) != 2) {
        snprintf(why, len, "a glyph line needs two glyphs: UTF-8 then ASCII");
        return -EINVAL;
    }
    if ((size_t)canvas_utf8_decode(w[0], strlen(w[0]), &u) != strlen(w[0]) || u < 0x20 ||
        (u == '?' && strcmp(w[0], "?") != 0)) {
        snprintf(why, len, "'%s' is not one UTF-8 character", w[0]);
        return -EINVAL;
    }
    if (strlen(w[1]) != 1 || !isprint((unsigned char)w[1][0])) {
        snprintf(why, len, "'%s' is not one printable ASCII character", w[1]);
        return -EINVAL;
    }
    a = (unsigned char)w[1][0];
    e->glyph = u;
    e->glyph_ascii = a;
    return 0;
}

static char *theme__trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

int theme_parse(const char *text, const char *fname, struct theme *t, char *err, size_t errlen)
{
    char *copy = xstrdup(text), *save = NULL, *line;
    int lineno = 0, rc = 0;

    /* strtok_r would skip empty lines and miscount; split by hand. */
    for (line = copy; line != NULL; line = save) {
        char *nl = strchr(line, '\n'), *eq, *key, *value, why[120];
        bool glyph = false;
        int role;

        save = nl != NULL ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        lineno++;
        line = theme__trim(line);
        if (*line == '\0' || *line == '#')
            continue;
        eq = strchr(line, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected KEY = VALUE", fname, lineno);
            rc = -EINVAL;
            break;
        }
        *eq = '\0';
        key = theme__trim(line);
        value = theme__trim(eq + 1);
        if (strncmp(key, "glyph.", 6) == 0) {
            glyph = true;
            key += 6;
        }
        role = theme__role(key);
        if (role < 0) {
            snprintf(err, errlen, "%s:%d: unknown key '%s%s'", fname, lineno,
                     glyph ? "glyph." : "", key);
            rc = -EINVAL;
            break;
        }
        if (glyph)
            rc = theme__glyph(value, &t->e[role], why, sizeof(why));
        else
            rc = theme__style(value, &t->e[role].st, why, sizeof(why));
        if (rc < 0) {
            snprintf(err, errlen, "%s:%d: %s", fname, lineno, why);
            break;
        }
    }
    free(copy);
    return rc;
}

static int theme__read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "r");
    size_t len = 0, cap = 4096;
    char *buf;

    if (f == NULL)
        return -errno;
    buf = xmalloc(cap);
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);

        len += n;
        if (n == 0)
            break;
        if (len + 1 == cap) {
            if (cap >= 1 << 20) {   /* a theme is a few hundred bytes */
                free(buf);
                fclose(f);
                return -EFBIG;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    if (ferror(f)) {
        int e = errno ? -errno : -EIO;

        free(buf);
        fclose(f);
        return e;
    }
    fclose(f);
    buf[len] = '\0';
    *out = buf;
    return 0;
}

static int theme__load_file(const char *path, struct theme *t, char *err, size_t errlen)
{
    char *text = NULL;
    int rc = theme__read_file(path, &text);

    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc == -ENOENT ? -ENOENT : rc;
    }
    rc = theme_parse(text, path, t, err, errlen);
    free(text);
    return rc;
}

int theme_load(const char *name, struct theme *t, char *err, size_t errlen)
{
    const char *dirs[] = { PKGDATADIR "/themes", SW_SRCDIR "/data/themes" };
    size_t nlen;
    int rc;

    theme_builtin(t);
    if (name == NULL)
        name = "default";
    nlen = strlen(name);
    if (strchr(name, '/') != NULL || (nlen > 6 && strcmp(name + nlen - 6, ".theme") == 0)) {
        rc = theme__load_file(name, t, err, errlen);
        if (rc == 0)
            snprintf(t->name, sizeof(t->name), "%s", name);
        return rc;
    }
    if (nlen == 0 || nlen > 40) {
        snprintf(err, errlen, "bad theme name '%s'", name);
        return -EINVAL;
    }
    for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s.theme", dirs[i], name);
        rc = theme__load_file(path, t, err, errlen);
        if (rc == -ENOENT)
            continue;
        if (rc == 0)
            snprintf(t->name, sizeof(t->name), "%s", name);
        return rc;
    }
    if (strcmp(name, "default") == 0)
        return 0;                   /* the built-in is the default */
    snprintf(err, errlen, "no theme '%s' (looked in %s and %s)", name, dirs[0], dirs[1]);
    return -ENOENT;
}

void theme_strip_color(struct theme *t)
{
    for (int i = 0; i < THEME_ROLE_COUNT; i++) {
        t->e[i].st.fg = CANVAS_COLOR_DEFAULT;
        t->e[i].st.bg = CANVAS_COLOR_DEFAULT;
    }
}
