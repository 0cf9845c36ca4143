/*
 * tui_demo — a small full-screen program built on the ui module alone, with
 * hand-built samples (tests/ui_fixture.c). check_tui drives it in a pty to
 * test the harness and the terminal handling of the ui layer (start, keys,
 * resize, restore, crash restore) independently of the monitor loop.
 *
 *   tui_demo [--crash]    'c' then dereferences NULL (with --crash)
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ui/ui.h"
#include "ui_fixture.h"

static void crash_handler(int sig)
{
    ui_term_emergency_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char **argv)
{
    struct ui_opts o = { .interval_ns = 100000000 };
    bool crash = argc > 1 && strcmp(argv[1], "--crash") == 0;
    int ntasks[] = { 6 }, rc, sfd;
    unsigned seq = 1;
    bool paused = false;
    struct ui *ui;
    sigset_t set;

    setlocale(LC_ALL, "");
    rc = ui_new(&o, &ui);
    if (rc < 0) {
        fprintf(stderr, "tui_demo: %s\n", ui_last_error(ui));
        return 1;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        perror("tui_demo: signalfd");
        return 1;
    }
    signal(SIGSEGV, crash_handler);
    rc = ui_term_start(ui);
    if (rc < 0) {
        fprintf(stderr, "tui_demo: %s\n", ui_last_error(ui));
        ui_free(ui);
        return 1;
    }
    for (;;) {
        struct pollfd pfd[2] = { { ui_input_fd(ui), POLLIN, 0 }, { sfd, POLLIN, 0 } };
        struct ui_fixture f;
        int key;

        /* Paused, like the monitor, it stops sampling: nothing changes. */
        if (!paused) {
            ui_fixture_init(&f, 4, 1, ntasks, false, seq++);
            ui_set_sample(ui, &f.s, &f.caps);
            ui_fixture_free(&f);
        }
        ui_frame(ui);
        if (poll(pfd, 2, 100) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents & POLLIN) {
            struct signalfd_siginfo si;

            while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGWINCH)
                    ui_resize(ui);
                else
                    goto out;
            }
        }
        while ((key = ui_read_key(ui)) != UI_KEY_NONE) {
            /* A real fault, except under UBSan, which would report the
             * null store and exit 1 before any SIGSEGV: there, the signal. */
            if (crash && key == 'c') {
#ifdef SW_SANITIZERS
                raise(SIGSEGV);
#else
                *(volatile int *)NULL = 1;
#endif
            }
            switch (ui_handle_key(ui, key)) {
            case UI_ACT_QUIT:
                goto out;
            case UI_ACT_PAUSE:
                paused = !paused;
                ui_set_paused(ui, paused);
                break;
            default:
                break;
            }
        }
    }
out:
    ui_term_stop(ui);
    ui_free(ui);
    close(sfd);
    return 0;
}
