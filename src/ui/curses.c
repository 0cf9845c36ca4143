/*
 * curses.c — the only file that includes <curses.h>.
 *
 * The canvas already knows which cells changed (canvas_diff); this file turns
 * each changed run into wide-character curses cells (setcchar + wadd_wch) on
 * stdscr and ends the frame with one wnoutrefresh + doupdate. There is no
 * clear() per frame: curses compares its virtual screen with the physical one
 * as well, so the terminal receives only the difference and nothing flickers.
 *
 * Restoring the terminal has three paths: curses_stop() on a normal exit
 * (endwin, then the termios saved before curses touched anything), and
 * curses_emergency_restore() for signal handlers, which may call neither
 * endwin nor stdio: it write()s the reset sequences and tcsetattr()s the same
 * saved termios, both async-signal-safe.
 *
 * Colours: the canvas speaks xterm-256 numbers. On terminals with fewer
 * colours they are folded to the 8 basic ones; colour pairs are allocated on
 * demand with alloc_pair() (ncurses >= 6.1), so themes need no pair table.
 */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "ui/curses.h"
#include "ui/theme.h"
#include "ui/ui.h"
#include "util.h"

struct curses_term {
    SCREEN *screen;
    int in_fd, out_fd;
    bool color;
    bool utf8;
    int colors;                     /* COLORS after start_color() */
    bool default_colors;            /* use_default_colors() worked */
    int mouse_x, mouse_y;           /* cell of the last click (UI_KEY_MOUSE) */
};

/* For the signal path: written before curses starts, read by the handler. */
static struct termios curses__saved;
static int curses__saved_fd = -1;
static volatile sig_atomic_t curses__active;

bool curses_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);

    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int curses_start(bool color, struct curses_term **out, char *err, size_t errlen)
{
    struct curses_term *t;
    const char *term = getenv("TERM");

    *out = NULL;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "standard input and output must be a terminal");
        return -ENOTTY;
    }
    if (term == NULL || term[0] == '\0') {
        snprintf(err, errlen, "TERM is not set");
        return -EINVAL;
    }
    if (tcgetattr(STDIN_FILENO, &curses__saved) < 0) {
        int e = errno;

        snprintf(err, errlen, "cannot read the terminal settings: %s", strerror(e));
        return -e;
    }
    curses__saved_fd = STDIN_FILENO;

    t = xcalloc(1, sizeof(*t));
    t->in_fd = STDIN_FILENO;
    t->out_fd = STDOUT_FILENO;
    t->utf8 = curses_utf8();
    /* newterm() rather than initscr(): it returns NULL for an unknown TERM
     * instead of printing and exiting. */
    t->screen = newterm(NULL, stdout, stdin);
    if (t->screen == NULL) {
        snprintf(err, errlen, "unknown terminal type '%s' (no terminfo entry)", term);
        free(t);
        curses__saved_fd = -1;
        return -EINVAL;
    }
    set_term(t->screen);
    curses__active = 1;
    {
        /* "dumb" and friends load fine but cannot place the cursor: a full
         * screen would come out as one long line of text. */
        char *cup = tigetstr("cup");

        if (cup == NULL || cup == (char *)-1) {
            snprintf(err, errlen, "terminal type '%s' cannot position the cursor; "
                     "the live view needs one that can (e.g. TERM=xterm)", term);
            curses_stop(t);
            return -EINVAL;
        }
    }
    /* cbreak, not raw: Ctrl-C stays SIGINT, which the loop turns into a
     * clean exit. */
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    leaveok(stdscr, TRUE);
    /* No typeahead check: ncurses would poll stdin and flush its buffer at every line it
     * updates (a dozen small writes a frame, each waking the terminal); a frame is small
     * and keys are read right after it anyway. */
    typeahead(-1);
    scrollok(stdscr, FALSE);
    set_escdelay(25);
    (void)curs_set(0);              /* ERR on terminals without the capability: fine */
    if (color && has_colors() && start_color() == OK) {
        t->color = true;
        t->default_colors = use_default_colors() == OK;
        t->colors = COLORS;
    }
    /* Clicks only (no motion): a click on a panel focuses it. Terminals
     * that do not report the mouse simply never send one. */
    mouseinterval(0);
    (void)mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
    t->mouse_x = t->mouse_y = -1;
    /* ncurses flushes after every cursor movement until the screen has once come back from
     * endwin (its _endwin stays "initial" after newterm): a dozen small writes a frame, each
     * waking the terminal. One endwin now, undone by the first frame's doupdate, makes a
     * frame one write. */
    endwin();
    *out = t;
    return 0;
}

void curses_stop(struct curses_term *t)
{
    if (t == NULL)
        return;
    (void)mousemask(0, NULL);       /* mouse reporting off before the shell gets the tty */
    if (!isendwin())
        endwin();
    delscreen(t->screen);
    if (curses__saved_fd >= 0)
        tcsetattr(curses__saved_fd, TCSADRAIN, &curses__saved);
    curses__active = 0;
    free(t);
}

bool curses_emergency_restore(void)
{
    static const char reset[] = "\033[?1000l"   /* mouse reporting off */
                                "\033[?1006l"
                                "\033[?1049l"   /* leave the alternate screen */
                                "\033[?25h"     /* show the cursor */
                                "\033[0m"       /* default attributes */
                                "\r\n";
    ssize_t n;

    if (!curses__active)
        return false;
    curses__active = 0;
    n = write(STDOUT_FILENO, reset, sizeof(reset) - 1);
    (void)n;                        /* nothing to do about a failed write here */
    if (curses__saved_fd >= 0)
        tcsetattr(curses__saved_fd, TCSANOW, &curses__saved);
    return true;
}

void curses_size(const struct curses_term *t, int *w, int *h)
{
    (void)t;
    *w = COLS;
    *h = LINES;
}

bool curses_resize(struct curses_term *t)
{
    struct winsize ws;

    if (ioctl(t->out_fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
        return false;
    if (ws.ws_row == LINES && ws.ws_col == COLS)
        return false;
    resize_term(ws.ws_row, ws.ws_col);
    return true;
}

void curses_invalidate(struct curses_term *t)
{
    (void)t;
    clearok(curscr, TRUE);          /* one full repaint, after a resize */
}

bool curses_has_color(const struct curses_term *t)
{
    return t->color;
}

int curses_input_fd(const struct curses_term *t)
{
    return t->in_fd;
}

static int curses__colour(const struct curses_term *t, int c, bool fg, attr_t *attr)
{
    if (c < 0)
        return t->default_colors ? -1 : (fg ? COLOR_WHITE : COLOR_BLACK);
    if (c < t->colors)
        return c;
    if (c < 16) {
        /* Bright colours on an 8-colour terminal: bold is how they looked. */
        if (fg)
            *attr |= A_BOLD;
        return c & 7;
    }
    return theme_256_to_8(c);
}

static void curses__style(const struct curses_term *t, struct canvas_style st, attr_t *attr,
                          short *pair)
{
    *attr = A_NORMAL;
    *pair = 0;
    if (st.attr & CANVAS_BOLD)
        *attr |= A_BOLD;
    if (st.attr & CANVAS_DIM)
        *attr |= A_DIM;
    if (st.attr & CANVAS_REVERSE)
        *attr |= A_REVERSE;
    if (st.attr & CANVAS_UNDERLINE)
        *attr |= A_UNDERLINE;
    if (t->color && (st.fg != CANVAS_COLOR_DEFAULT || st.bg != CANVAS_COLOR_DEFAULT)) {
        int fg = curses__colour(t, st.fg, true, attr);
        int bg = curses__colour(t, st.bg, false, attr);
        int p = alloc_pair(fg, bg);

        /* Out of pairs: the text still shows, in the default colours. */
        *pair = p > 0 && p < 32768 ? (short)p : 0;
    }
}

struct curses__flush {
    struct curses_term *t;
};

static void curses__run(void *arg, int x, int y, const struct canvas_cell *cells, int n)
{
    struct curses__flush *f = arg;

    wmove(stdscr, y, x);
    for (int i = 0; i < n; i++) {
        wchar_t wc[2] = { 0, 0 };
        cchar_t cc;
        attr_t attr;
        short pair;

        if (cells[i].cp == CANVAS_CONT)
            continue;               /* the wide character before it covers it */
        if (y >= LINES || x + i >= COLS)
            break;                  /* --size larger than the terminal: clip */
        wc[0] = (wchar_t)cells[i].cp;
        if (!f->t->utf8 && cells[i].cp >= 0x80)
            wc[0] = L'?';
        curses__style(f->t, cells[i].st, &attr, &pair);
        if (setcchar(&cc, wc, attr, pair, NULL) == ERR)
            continue;
        /* wadd_wch() at the bottom-right cell returns ERR because the cursor
         * cannot advance; the cell is written all the same. */
        (void)wmove(stdscr, y, x + i);
        (void)wadd_wch(stdscr, &cc);
    }
}

void curses_flush(struct curses_term *t, struct canvas *c)
{
    struct curses__flush f = { t };

    canvas_diff(c, curses__run, &f);
    wnoutrefresh(stdscr);
    doupdate();
}

int curses_read_key(struct curses_term *t)
{
    wint_t wch;
    int rc = wget_wch(stdscr, &wch);

    if (rc == ERR)
        return UI_KEY_NONE;
    if (rc == KEY_CODE_YES) {
        switch (wch) {
        case KEY_RESIZE:
            return UI_KEY_RESIZE;
        case KEY_LEFT:
            return UI_KEY_LEFT;
        case KEY_RIGHT:
            return UI_KEY_RIGHT;
        case KEY_UP:
            return UI_KEY_UP;
        case KEY_DOWN:
            return UI_KEY_DOWN;
        case KEY_ENTER:
            return UI_KEY_ENTER;
        case KEY_PPAGE:
            return UI_KEY_PGUP;
        case KEY_NPAGE:
            return UI_KEY_PGDN;
        case KEY_HOME:
            return UI_KEY_HOME;
        case KEY_END:
            return UI_KEY_END;
        case KEY_BACKSPACE:
            return UI_KEY_BACKSPACE;
        case KEY_BTAB:
            return UI_KEY_BTAB;
        case KEY_MOUSE: {
            MEVENT ev;

            if (getmouse(&ev) != OK || !(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
                return UI_KEY_NONE;
            t->mouse_x = ev.x;
            t->mouse_y = ev.y;
            return UI_KEY_MOUSE;
        }
        default:
            if (wch >= KEY_F(1) && wch <= KEY_F(12))
                return UI_KEY_F1 + (int)(wch - KEY_F(1));
            return UI_KEY_NONE;     /* a key this program has no use for */
        }
    }
    switch (wch) {
    case 27:
        return UI_KEY_ESC;
    case '\r':
    case '\n':
        return UI_KEY_ENTER;
    case '\t':
        return UI_KEY_TAB;
    case 127:
    case 8:
        return UI_KEY_BACKSPACE;
    default:
        return (int)wch;
    }
}

void curses_mouse(const struct curses_term *t, int *x, int *y)
{
    *x = t->mouse_x;
    *y = t->mouse_y;
}
