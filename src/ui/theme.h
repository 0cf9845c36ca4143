/*
 * theme.h — what each kind of thing on screen looks like: a style (colours,
 * attributes) and, for things told apart by shape in monochrome, a glyph.
 *
 * Theme files (data/themes/NAME.theme) are `key = value` lines:
 *
 *     # a comment: a line whose first non-blank character is '#'
 *     user       = #009E73
 *     title      = black on #56B4E9 bold
 *     glyph.user = █ #
 *
 * (a glyph line gives the UTF-8 glyph, then its ASCII fallback.) *
 * A colour is a name (black, red, green, yellow, blue, magenta, cyan, white,
 * bright-black ... bright-white, default), a number 0..255, or #rrggbb (taken
 * to the nearest of the 256 xterm colours). Attributes: bold, dim, reverse,
 * underline. Keys a file does not set keep the built-in default, which is the
 * same as data/themes/default.theme (a test checks they agree).
 */
#ifndef SW_UI_THEME_H
#define SW_UI_THEME_H

#include <stddef.h>
#include <stdint.h>

#include "ui/canvas.h"

enum theme_role {
    THEME_NORMAL,
    THEME_LABEL,            /* "load", "mem": names in front of figures */
    THEME_TITLE,            /* the top bar */
    THEME_FOOTER,           /* the bottom bar */
    THEME_KEY,              /* a key name in the footer and help */
    THEME_USER,             /* CPU segments: user + nice */
    THEME_SYS,
    THEME_IOWAIT,
    THEME_IRQ,
    THEME_STEAL,
    THEME_METER_EMPTY,      /* the idle part of a meter */
    THEME_SPARK,            /* sparkline history */
    THEME_HEAT_LOW,         /* heat strip: < 30 % busy */
    THEME_HEAT_MID,         /* < 70 % */
    THEME_HEAT_HIGH,
    THEME_STATE_RUN,        /* task states: R */
    THEME_STATE_SLEEP,      /* S */
    THEME_STATE_DISK,       /* D */
    THEME_STATE_STOPPED,    /* T t */
    THEME_STATE_ZOMBIE,     /* Z X */
    THEME_STATE_IDLE,       /* I and anything else */
    THEME_NA,               /* "n/a": a figure the kernel does not give */
    THEME_WARN,             /* status and error line */
    THEME_PAUSED,           /* the PAUSED marker */
    THEME_TABLE_HEAD,       /* column titles */
    THEME_TREE_TITLE,       /* a watched tree's title line with its totals */
    THEME_BORDER,           /* overlay frame */
    /* model task states (probe.h), in enum probe_state order */
    THEME_TASK_IDLE,    /* not started */
    THEME_TASK_RUN,     /* on a core */
    THEME_TASK_READY,   /* runnable, waiting for a core / the loop */
    THEME_TASK_IO,      /* waiting for I/O */
    THEME_TASK_LOCK,    /* waiting for a mutex */
    THEME_TASK_CHAN,    /* waiting on a channel, pipe or condition */
    THEME_TASK_GIL,     /* waiting for the GIL */
    THEME_TASK_SLEEP,   /* sleeping on a timer */
    THEME_TASK_DONE,    /* finished */
    THEME_PANEL_TITLE,  /* a model panel's title line */
    THEME_NOTE,         /* the derived "what is happening" line */
    THEME_ROLE_COUNT
};

struct theme_entry {
    struct canvas_style st;
    uint32_t glyph;                 /* UTF-8 mode glyph (0: none) */
    uint32_t glyph_ascii;           /* ASCII mode glyph */
};

struct theme {
    char name[64];
    struct theme_entry e[THEME_ROLE_COUNT];
};

/* The compiled-in default (the Okabe-Ito palette, safe for colour blindness). */
void theme_builtin(struct theme *t);

/*
 * Loads a theme: `name_or_path` containing a '/' or ending in ".theme" is a
 * file; otherwise PKGDATADIR/themes/NAME.theme, then SW_SRCDIR/data/themes/
 * (an uninstalled build). NULL or "default" with no file found gives the
 * built-in. Returns 0, -ENOENT (no such theme) or -EINVAL (parse error);
 * err receives "FILE:LINE: what is wrong" or "no theme NAME (looked in ...)".
 */
int theme_load(const char *name_or_path, struct theme *t, char *err, size_t errlen);

/* Parses theme text over *t (which keeps what the text does not set);
 * fname names it in messages. Returns 0 or -EINVAL with err set. */
int theme_parse(const char *text, const char *fname, struct theme *t, char *err, size_t errlen);

/* Drops every colour, keeping attributes and glyphs (NO_COLOR). */
void theme_strip_color(struct theme *t);

const char *theme_role_name(enum theme_role r);

/* The nearest xterm-256 colour to an RGB value, and the nearest of the 8
 * basic colours to a 256-colour index (for terminals with fewer colours). */
int theme_rgb_to_256(int r, int g, int b);
int theme_256_to_8(int c);

#endif
