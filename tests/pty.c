#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

#include "pty.h"

struct pty {
    int master;
    pid_t pid;
    bool reaped;
    int status;
    bool eof;                       /* the slave side is closed: no more output */
    unsigned long bytes;            /* read from the program so far */
    int cols, rows;
    VTerm *vt;
    VTermScreen *screen;
    bool altscreen;
    bool cursor_visible;            /* the last DECTCEM (CSI ? 25 h/l) the program sent */
    struct {                        /* a CSI ? ... h/l being read, across reads */
        int state;                  /* 0 text, 1 ESC, 2 ESC [, 3 ESC [ ? params */
        int param;                  /* the parameter being read; -1: none */
        bool has25;
    } csi;
    struct termios initial;
};

static long long pty__now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int pty__settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct pty *p = user;

    /* Cursor visibility is not taken from the emulator: libvterm keeps one saved-cursor slot
     * for DECSC and mode 1049, visibility included, so a DECSC ncurses sends inside the
     * alternate screen (around a scroll region) makes leaving it hide the cursor again, which
     * xterm (a slot per screen, no visibility in it) does not. */
    if (prop == VTERM_PROP_ALTSCREEN)
        p->altscreen = val->boolean;
    return 1;
}

/* Follows CSI ? Pn ; ... h / l in the program's output: the cursor is shown when the last
 * such sequence naming 25 ended in h. */
static void pty__track_dectcem(struct pty *p, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];

        switch (p->csi.state) {
        case 0:
            p->csi.state = c == '\033';
            break;
        case 1:
            p->csi.state = c == '[' ? 2 : c == '\033';
            break;
        case 2:
            p->csi.state = c == '?' ? 3 : c == '\033';
            p->csi.param = -1;
            p->csi.has25 = false;
            break;
        case 3:
            if (c >= '0' && c <= '9') {
                p->csi.param = (p->csi.param < 0 ? 0 : p->csi.param * 10) + (c - '0');
                if (p->csi.param > 100000)
                    p->csi.param = 100000;
                break;
            }
            p->csi.has25 |= p->csi.param == 25;
            p->csi.param = -1;
            if (c == ';')
                break;
            if ((c == 'h' || c == 'l') && p->csi.has25)
                p->cursor_visible = c == 'h';
            p->csi.state = c == '\033';
            break;
        }
    }
}

/* Answers the emulator gives to the program's queries go back to it. */
static void pty__vterm_output(const char *s, size_t len, void *user)
{
    struct pty *p = user;

    while (len > 0) {
        ssize_t n = write(p->master, s, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

static const VTermScreenCallbacks pty__screen_cbs = {
    .settermprop = pty__settermprop,
};

static void pty__child(int slave, const char *const argv[], const char *const env[])
{
    setsid();
    /* If the test dies, the program under test dies too (and its hosts with it). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        _exit(126);
    dup2(slave, STDIN_FILENO);
    dup2(slave, STDOUT_FILENO);
    dup2(slave, STDERR_FILENO);
    if (slave > STDERR_FILENO)
        close(slave);
    setenv("TERM", "xterm-256color", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    unsetenv("LINES");
    unsetenv("COLUMNS");
    for (int i = 0; env != NULL && env[i] != NULL; i++) {
        const char *eq = strchr(env[i], '=');

        if (eq == NULL) {
            unsetenv(env[i]);
        } else {
            char name[128];

            snprintf(name, sizeof(name), "%.*s", (int)(eq - env[i]), env[i]);
            setenv(name, eq + 1, 1);
        }
    }
    execv(argv[0], (char *const *)argv);
    fprintf(stderr, "pty: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int pty_spawn(struct pty **out, const char *const argv[], int cols, int rows,
              const char *const env[])
{
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    struct pty *p = calloc(1, sizeof(*p));
    int slave, e;

    if (p == NULL)
        return -ENOMEM;
    if (openpty(&p->master, &slave, NULL, NULL, &ws) < 0) {
        e = -errno;
        free(p);
        return e;
    }
    /* Before the child can change anything. */
    tcgetattr(p->master, &p->initial);
    fcntl(p->master, F_SETFD, FD_CLOEXEC);
    p->pid = fork();
    if (p->pid < 0) {
        e = -errno;
        close(slave);
        close(p->master);
        free(p);
        return e;
    }
    if (p->pid == 0) {
        close(p->master);
        pty__child(slave, argv, env);
    }
    close(slave);
    fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
    p->cols = cols;
    p->rows = rows;
    p->cursor_visible = true;
    p->vt = vterm_new(rows, cols);
    vterm_set_utf8(p->vt, 1);
    vterm_output_set_callback(p->vt, pty__vterm_output, p);
    p->screen = vterm_obtain_screen(p->vt);
    vterm_screen_enable_altscreen(p->screen, 1);
    vterm_screen_set_callbacks(p->screen, &pty__screen_cbs, p);
    vterm_screen_reset(p->screen, 1);
    *out = p;
    return 0;
}

unsigned long pty_bytes(const struct pty *p)
{
    return p->bytes;
}

pid_t pty_pid(const struct pty *p)
{
    return p->pid;
}

static void pty__reap(struct pty *p, bool block)
{
    pid_t r;

    if (p->reaped)
        return;
    do
        r = waitpid(p->pid, &p->status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid)
        p->reaped = true;
}

void pty_free(struct pty *p)
{
    if (p == NULL)
        return;
    pty__reap(p, false);
    if (!p->reaped) {
        kill(p->pid, SIGKILL);
        pty__reap(p, true);
    }
    vterm_free(p->vt);
    close(p->master);
    free(p);
}

int pty_send(struct pty *p, const char *bytes)
{
    size_t len = strlen(bytes);

    while (len > 0) {
        ssize_t n = write(p->master, bytes, len);

        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            struct pollfd pfd = { p->master, POLLOUT, 0 };

            poll(&pfd, 1, 100);
            continue;
        }
        if (n < 0)
            return -errno;
        bytes += n;
        len -= (size_t)n;
    }
    return 0;
}

int pty_pump(struct pty *p, int timeout_ms)
{
    struct pollfd pfd = { p->master, POLLIN, 0 };
    char buf[8192];
    int total = 0;

    if (p->eof)
        return -EIO;
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return 0;
    for (;;) {
        ssize_t n = read(p->master, buf, sizeof(buf));

        if (n > 0) {
            vterm_input_write(p->vt, buf, (size_t)n);
            pty__track_dectcem(p, buf, (size_t)n);
            total += (int)n;
            p->bytes += (unsigned long)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        /* EIO (or 0): every slave descriptor is closed. */
        p->eof = true;
        break;
    }
    vterm_screen_flush_damage(p->screen);
    if (total == 0 && p->eof)
        return -EIO;
    return total;
}

char *pty_screen_text(struct pty *p)
{
    size_t cap = (size_t)p->rows * ((size_t)p->cols * 4 + 1) + 1, at = 0;
    char *out = malloc(cap);

    if (out == NULL)
        abort();
    for (int r = 0; r < p->rows; r++) {
        size_t line_end = at;

        for (int c = 0; c < p->cols; c++) {
            VTermScreenCell cell;
            VTermPos pos = { .row = r, .col = c };
            uint32_t cp;

            if (!vterm_screen_get_cell(p->screen, pos, &cell))
                continue;
            cp = cell.chars[0] != 0 ? cell.chars[0] : ' ';
            if (cp < 0x80) {
                out[at++] = (char)cp;
            } else if (cp < 0x800) {
                out[at++] = (char)(0xc0 | (cp >> 6));
                out[at++] = (char)(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                out[at++] = (char)(0xe0 | (cp >> 12));
                out[at++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[at++] = (char)(0x80 | (cp & 0x3f));
            } else {
                out[at++] = (char)(0xf0 | (cp >> 18));
                out[at++] = (char)(0x80 | ((cp >> 12) & 0x3f));
                out[at++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[at++] = (char)(0x80 | (cp & 0x3f));
            }
            if (cp != ' ')
                line_end = at;
            if (cell.width == 2)
                c++;
        }
        at = line_end;
        if (r + 1 < p->rows)
            out[at++] = '\n';
    }
    out[at] = '\0';
    return out;
}

bool pty_screen_contains(struct pty *p, const char *needle)
{
    char *t = pty_screen_text(p);
    bool found = strstr(t, needle) != NULL;

    free(t);
    return found;
}

static bool pty__wait(struct pty *p, const char *needle, bool present, int timeout_ms)
{
    long long deadline = pty__now_ms() + timeout_ms;

    for (;;) {
        long long left;

        if (pty_screen_contains(p, needle) == present)
            return true;
        left = deadline - pty__now_ms();
        if (left <= 0)
            return false;
        if (pty_pump(p, (int)(left < 50 ? left : 50)) == -EIO)
            return pty_screen_contains(p, needle) == present;
    }
}

bool pty_wait_for(struct pty *p, const char *needle, int timeout_ms)
{
    return pty__wait(p, needle, true, timeout_ms);
}

bool pty_wait_gone(struct pty *p, const char *needle, int timeout_ms)
{
    return pty__wait(p, needle, false, timeout_ms);
}

int pty_resize(struct pty *p, int cols, int rows)
{
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

    /* The emulator first, so output written for the new size lands right. */
    vterm_set_size(p->vt, rows, cols);
    p->cols = cols;
    p->rows = rows;
    if (ioctl(p->master, TIOCSWINSZ, &ws) < 0)
        return -errno;
    return 0;
}

int pty_wait_exit(struct pty *p, int timeout_ms, int *status)
{
    long long deadline = pty__now_ms() + timeout_ms, drain_end = 0;

    for (;;) {
        long long left = deadline - pty__now_ms();

        pty__reap(p, false);
        /* Reaped and drained: what it wrote last is on the screen. Drained means EOF (every
         * slave descriptor closed and the data read), not one empty poll: the kernel hands
         * the slave's last bytes to the master from a work queue, a moment after the write
         * (on a busy machine, a long moment), and they are what restores the terminal. */
        if (p->reaped && drain_end == 0)
            drain_end = pty__now_ms() + 2000;
        if (p->reaped && (p->eof || pty__now_ms() >= drain_end))
            break;
        if (left <= 0)
            return -ETIMEDOUT;
        pty_pump(p, (int)(left < 50 ? left : 50));
    }
    *status = p->status;
    return 0;
}

bool pty_altscreen(const struct pty *p)
{
    return p->altscreen;
}

bool pty_cursor_visible(const struct pty *p)
{
    return p->cursor_visible;
}

int pty_termios(const struct pty *p, struct termios *now)
{
    return tcgetattr(p->master, now) < 0 ? -errno : 0;
}

const struct termios *pty_termios_initial(const struct pty *p)
{
    return &p->initial;
}

bool pty_termios_restored(const struct pty *p)
{
    const tcflag_t lmask = ICANON | ECHO | ECHOE | ISIG | IEXTEN;
    const tcflag_t imask = ICRNL | IXON;
    const tcflag_t omask = OPOST | ONLCR;
    struct termios now;

    if (pty_termios(p, &now) < 0)
        return false;
    return (now.c_lflag & lmask) == (p->initial.c_lflag & lmask) &&
           (now.c_iflag & imask) == (p->initial.c_iflag & imask) &&
           (now.c_oflag & omask) == (p->initial.c_oflag & omask) &&
           now.c_cc[VMIN] == p->initial.c_cc[VMIN] && now.c_cc[VTIME] == p->initial.c_cc[VTIME];
}
