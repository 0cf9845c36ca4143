/*
 * check_exit — every way schedwatch can end, with all four models and the
 * latency server running under the real screen (a pseudo-terminal read by
 * libvterm), and what must hold after each:
 *
 *   - no process of ours is left (the run's tag, tests/tagged.h);
 *   - no temporary file (the run gets a TMPDIR of its own, which must be
 *     empty) and no new shared-memory object in /dev/shm (the boards are
 *     memfds: there should never be one);
 *   - the terminal is restored wherever the monitor could still act (not
 *     after SIGKILL: nothing can run then).
 *
 * The ways: q; SIGINT; SIGTERM; SIGHUP (the terminal closed: the kernel sends
 * it to the controlling process); SIGKILL; a crash of the monitor
 * (SCHEDWATCH_TEST_CRASH=segv@N, at sample N with the models running); a
 * model host killed; a model host crashing (SIGSEGV); the latency server
 * killed. In the last three the monitor goes on, says what happened on
 * screen, and is then quit with q.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pty.h"
#include "tagged.h"

#define WAIT_MS 20000               /* bounds a failure on a slow machine */

enum exit_way {
    EXIT_Q, EXIT_SIGINT, EXIT_SIGTERM, EXIT_SIGHUP, EXIT_SIGKILL, EXIT_CRASH,
    EXIT_HOST_KILLED, EXIT_HOST_CRASH, EXIT_SERVER_KILLED, EXIT_COUNT
};

static const struct exit_case {
    const char *name;
    int sig;                        /* what the monitor dies of; 0: exits 0 */
    bool restored;                  /* the terminal can be restored */
    const char *victim;             /* a child to hit, and the screen's answer */
    int victim_sig;
    const char *says;
} exit_cases[EXIT_COUNT] = {
    [EXIT_Q] = { "q", 0, true, NULL, 0, NULL },
    [EXIT_SIGINT] = { "SIGINT", SIGINT, true, NULL, 0, NULL },
    [EXIT_SIGTERM] = { "SIGTERM", SIGTERM, true, NULL, 0, NULL },
    [EXIT_SIGHUP] = { "SIGHUP", SIGHUP, true, NULL, 0, NULL },
    [EXIT_SIGKILL] = { "SIGKILL", SIGKILL, false, NULL, 0, NULL },
    [EXIT_CRASH] = { "crash", SIGSEGV, true, NULL, 0, NULL },
    [EXIT_HOST_KILLED] = { "host killed", 0, true, "sw-goroutines", SIGKILL,
                           "killed by signal 9" },
    [EXIT_HOST_CRASH] = { "host crashed", 0, true, "sw-threads", SIGSEGV,
                          "killed by signal 11" },
    [EXIT_SERVER_KILLED] = { "server killed", 0, true, "sw-latency", SIGKILL,
                             "latency server died" },
};

static const char *sw_bin(void)
{
    const char *b = getenv("SW_BIN");

    ck_assert_msg(b != NULL, "SW_BIN is not set (run through make check)");
    return b;
}

/* Entries of a directory, "." and ".." aside; -1 if it cannot be read. */
static int dir_count(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

START_TEST(test_exit_way)
{
    const struct exit_case *c = &exit_cases[_i];
    /* io: all four models and the latency server; shared: all at once. */
    const char *argv[] = { sw_bin(), "-w", "io", "-n", "20", "--mode", "shared", NULL };
    char tag[64], tmpdir[] = "/tmp/sw-exit-XXXXXX", tmpenv[64];
    struct pty *p;
    int status;

    tagged_new(tag, sizeof(tag));
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", tmpdir);
    int shm = dir_count("/dev/shm");
    /* Under ASan its own SIGSEGV handler would report and exit 1: the
     * handler under test is ours. */
    const char *env[] = { tag, tmpenv, "ASAN_OPTIONS=handle_segv=0",
                          _i == EXIT_CRASH ? "SCHEDWATCH_TEST_CRASH=segv@30" : NULL, NULL };

    ck_assert_int_eq(pty_spawn(&p, argv, 120, 40, env), 0);
    /* Everything up: each host, a procs worker, the server. */
    static const char *const comms[] = { "sw-procs", "sw-procs-w", "sw-threads", "sw-loop",
                                         "sw-goroutines", "sw-latency" };
    for (size_t k = 0; k < sizeof(comms) / sizeof(comms[0]); k++) {
        bool up = false;
        for (int waited = 0; !up && waited < WAIT_MS; waited += 100) {
            pty_pump(p, 100);
            up = tagged_find(tag, comms[k]) != 0;
        }
        ck_assert_msg(up, "%s: %s never started", c->name, comms[k]);
    }
    ck_assert_msg(pty_wait_for(p, "goroutines", WAIT_MS), "%s: no model panels", c->name);

    if (c->victim != NULL) {
        pid_t v = tagged_find(tag, c->victim);
        ck_assert_int_gt(v, 0);
        ck_assert_int_eq(kill(v, c->victim_sig), 0);
        bool said = pty_wait_for(p, c->says, WAIT_MS);
        if (!said) {
            char *t = pty_screen_text(p);
            ck_abort_msg("%s: the screen never said \"%s\":\n%s", c->name, c->says, t);
        }
        /* It goes on: the monitor still draws and still answers q. */
        ck_assert_int_eq(pty_send(p, "q"), 0);
    } else if (_i == EXIT_Q) {
        ck_assert_int_eq(pty_send(p, "q"), 0);
    } else if (_i != EXIT_CRASH) {
        ck_assert_int_eq(kill(pty_pid(p), c->sig), 0);
    }
    ck_assert_msg(pty_wait_exit(p, WAIT_MS, &status) == 0, "%s: still running", c->name);
    if (c->sig == 0)
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: status %#x",
                      c->name, status);
    else
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == c->sig,
                      "%s: status %#x, not killed by signal %d", c->name, status, c->sig);
    if (c->restored) {
        ck_assert_msg(!pty_altscreen(p), "%s: still on the alternate screen", c->name);
        ck_assert_msg(pty_cursor_visible(p), "%s: cursor left hidden", c->name);
        ck_assert_msg(pty_termios_restored(p), "%s: termios not restored", c->name);
    }
    int left = tagged_survivors(tag, 3000);
    ck_assert_msg(left == 0, "%s: %d processes left behind", c->name, left);
    ck_assert_msg(dir_count(tmpdir) == 0, "%s: a temporary file was left in %s", c->name,
                  tmpdir);
    ck_assert_msg(dir_count("/dev/shm") <= shm, "%s: a shared-memory object was left",
                  c->name);
    rmdir(tmpdir);
    pty_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exit");
    TCase *tc = tcase_create("ways");
    SRunner *sr;
    int failed;

    setvbuf(stdout, NULL, _IOLBF, 0);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_exit_way, 0, EXIT_COUNT);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
