/*
 * check_view — the first screen rendered from hand-built samples at several
 * terminal sizes, asserted on as text.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/run.h"
#include "ui/canvas.h"
#include "ui/panels.h"
#include "ui/ui.h"
#include "ui_fixture.h"
#include "util.h"

static struct ui *new_ui(bool ascii)
{
    struct ui_opts o = { .ascii = ascii, .no_color = false, .theme = NULL,
                         .interval_ns = 100000000 };
    struct ui *ui;

    ck_assert_int_eq(ui_new(&o, &ui), 0);
    return ui;
}

/* Feeds two samples (so rates exist) and renders w x h. */
static char *render(struct ui *ui, int ncpu, int ntree, const int *ntasks, bool psi, int w,
                    int h)
{
    struct ui_fixture f;
    char *text;

    for (unsigned seq = 1; seq <= 2; seq++) {
        ui_fixture_init(&f, ncpu, ntree, ntasks, psi, seq);
        ui_set_sample(ui, &f.s, seq == 1 ? &f.caps : NULL);
        ui_fixture_free(&f);
    }
    ck_assert_int_eq(ui_render_text(ui, w, h, &text), 0);
    if (getenv("SW_VIEW_DUMP") != NULL)
        fprintf(stderr, "---- %dx%d\n%s\n", w, h, text);
    return text;
}

static int count_lines(const char *t)
{
    int n = 1;

    for (; *t; t++)
        n += *t == '\n';
    return n;
}

/* The text line that contains needle, or NULL. */
static char *line_with(const char *text, const char *needle, char *buf, size_t len)
{
    const char *p = strstr(text, needle), *a, *b;

    if (p == NULL)
        return NULL;
    for (a = p; a > text && a[-1] != '\n'; a--)
        ;
    for (b = p; *b && *b != '\n'; b++)
        ;
    snprintf(buf, len, "%.*s", (int)(b - a), a);
    return buf;
}

/* Check caps a message's length: a large screen is shown cut (SW_VIEW_DUMP=1
 * prints it whole). */
#define ck_assert_has(text, needle) \
    ck_assert_msg(strstr((text), (needle)) != NULL, "missing \"%s\" in:\n%.3000s", (needle), \
                  (text))
#define ck_assert_hasnt(text, needle) \
    ck_assert_msg(strstr((text), (needle)) == NULL, "unexpected \"%s\" in:\n%.3000s", \
                  (needle), (text))

START_TEST(test_200x50)
{
    struct ui *ui = new_ui(false);
    int ntasks[] = { 5 };
    char *t = render(ui, 4, 1, ntasks, true, 200, 50), line[512];

    ck_assert_int_eq(count_lines(t), 50);
    ck_assert_has(t, "schedwatch");
    ck_assert_has(t, "4 cores");
    ck_assert_has(t, "every 100 ms");
    for (int c = 0; c < 4; c++) {
        char name[8];

        snprintf(name, sizeof(name), "cpu%d ", c);
        ck_assert_has(t, name);
    }
    /* cpu3 is 30 % busy in the fixture: its meter line says so. */
    ck_assert_ptr_nonnull(line_with(t, "cpu3 ", line, sizeof(line)));
    ck_assert_has(line, "30.0%");
    ck_assert_has(t, "load 1.25 0.75 0.50");
    ck_assert_has(t, "cpu pressure some 4.5% avg10");
    ck_assert_has(t, "ctxt/s 12345");
    ck_assert_has(t, "procs 3 running 1 blocked");
    ck_assert_has(t, "mem 5.0G available of 8.0G");
    ck_assert_has(t, "COMM");
    ck_assert_has(t, "WAIT%");
    ck_assert_has(t, "PSS");
    /* The tree title carries its totals. */
    ck_assert_ptr_nonnull(line_with(t, "pid 4000 fixproc", line, sizeof(line)));
    ck_assert_has(line, "1 proc 5 tasks");
    ck_assert_has(line, "cpu 150%  rss 45.0M pss 30.0M  run 2 blk 0  csw 420/21 /s  wait n/a");
    /* Task rows: leader with its RSS, threads indented; wait is n/a. */
    ck_assert_ptr_nonnull(line_with(t, "  worker-4", line, sizeof(line)));
    ck_assert_has(line, "4004");
    ck_assert_has(line, "n/a");
    ck_assert_ptr_nonnull(line_with(t, "fixproc  ", line, sizeof(line)));
    ck_assert_has(line, "45.0M");
    ck_assert_has(t, "q  quit");
    ck_assert_hasnt(t, "PAUSED");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_80x24)
{
    struct ui *ui = new_ui(false);
    int ntasks[] = { 5 };
    char *t = render(ui, 2, 1, ntasks, true, 80, 24), line[512];

    ck_assert_int_eq(count_lines(t), 24);
    ck_assert_has(t, "cpu0 ");
    ck_assert_has(t, "cpu1 ");
    ck_assert_has(t, "load 1.25");
    ck_assert_ptr_nonnull(line_with(t, "worker-2", line, sizeof(line)));
    ck_assert_has(line, "4002");
    ck_assert_has(t, "VCSW/s");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_40x10)
{
    struct ui *ui = new_ui(false);
    int ntasks[] = { 5 };
    char *t = render(ui, 2, 1, ntasks, true, 40, 10);

    ck_assert_int_eq(count_lines(t), 10);
    ck_assert_hasnt(t, "enlarge");
    ck_assert_has(t, "cpu");
    ck_assert_has(t, "load 1.25");
    ck_assert_has(t, "COMM");
    ck_assert_has(t, "pid 4000");
    ck_assert_has(t, "fixproc");
    ck_assert_has(t, "4000");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_tiny)
{
    struct ui *ui = new_ui(false);
    int ntasks[] = { 5 };
    char *t = render(ui, 2, 1, ntasks, true, 20, 5);

    /* Wrapped to 20 columns: every word of the message is there. */
    ck_assert_has(t, "enlarge the");
    ck_assert_has(t, "40x10");
    ck_assert_has(t, "(now 20x5)");
    ck_assert_hasnt(t, "cpu0");
    free(t);
    t = render(ui, 2, 1, ntasks, true, 39, 30);
    ck_assert_has(t, "(now 39x30)");
    free(t);
    t = render(ui, 2, 1, ntasks, true, 1, 1);   /* must not crash; shows what fits */
    ck_assert_str_eq(t, "e");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_psi_na)
{
    struct ui *ui = new_ui(false);
    int ntasks[] = { 2 };
    char *t = render(ui, 2, 1, ntasks, false, 200, 50);

    ck_assert_has(t, "cpu pressure n/a: absent (kernel built without CONFIG_PSI)");
    ck_assert_hasnt(t, "some 0.0%");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_first_sample_no_rates)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture f;
    int ntasks[] = { 2 };
    char *t, line[512];

    ui_fixture_init(&f, 2, 1, ntasks, true, 1);
    ui_set_sample(ui, &f.s, &f.caps);
    ui_fixture_free(&f);
    ck_assert_int_eq(ui_render_text(ui, 120, 30, &t), 0);
    ck_assert_has(t, "ctxt/s -");
    ck_assert_ptr_nonnull(line_with(t, "worker-1", line, sizeof(line)));
    ck_assert_hasnt(line, " 0 ");   /* no rate is 0 before there is an interval */
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_no_sample_yet)
{
    struct ui *ui = new_ui(false);
    char *t;

    ck_assert_int_eq(ui_render_text(ui, 80, 24, &t), 0);
    ck_assert_has(t, "waiting for the first sample");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_many_cores)
{
    struct ui *ui = new_ui(false);
    int ntasks[] = { 3 };
    char *t = render(ui, 128, 1, ntasks, true, 80, 24), line[512];

    /* 128 meters cannot fit in 80x24 beside a table: a heat strip does. */
    ck_assert_ptr_nonnull(line_with(t, "cpu", line, sizeof(line)));
    ck_assert_hasnt(t, "cpu127");
    ck_assert_has(t, "all 42%");
    ck_assert_has(t, "worker-2");
    free(t);
    ui_free(ui);
    /* Without a table the same cores get meter lines at 200x50. */
    ui = new_ui(false);
    t = render(ui, 128, 0, NULL, true, 200, 50);
    ck_assert_has(t, "cpu127");
    ck_assert_has(t, "schedwatch --pid PID");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_two_trees_scroll)
{
    struct ui *ui = new_ui(false);
    int ntasks[] = { 100, 3 };
    char *t = render(ui, 2, 2, ntasks, true, 80, 24);

    ck_assert_has(t, "worker-1 ");
    ck_assert_hasnt(t, "worker-99");
    ck_assert_has(t, "rows 1-");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_END), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 80, 24, &t), 0);
    ck_assert_has(t, "worker-99");
    ck_assert_has(t, "pid 5000");  /* the second tree */
    ck_assert_has(t, "/105");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_HOME), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 80, 24, &t), 0);
    ck_assert_has(t, "pid 4000");
    ck_assert_hasnt(t, "worker-99");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_keys_paused_help_status)
{
    struct ui *ui = new_ui(false);
    int ntasks[] = { 2 };
    char *t;

    ck_assert_int_eq(ui_handle_key(ui, 'q'), UI_ACT_QUIT);
    ck_assert_int_eq(ui_handle_key(ui, ' '), UI_ACT_PAUSE);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_ESC), UI_ACT_NONE);
    ck_assert_int_eq(ui_handle_key(ui, 'x'), UI_ACT_NONE);
    ui_set_paused(ui, true);
    ui_set_status(ui, "sampler: cannot open /proc/42/stat");
    t = render(ui, 2, 1, ntasks, true, 80, 24);
    ck_assert_has(t, "PAUSED");
    ck_assert_has(t, "sampler: cannot open /proc/42/stat");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, '?'), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 80, 24, &t), 0);
    ck_assert_has(t, "pause / resume sampling");
    ck_assert_has(t, "close this help");
    ck_assert_has(t, "run-queue wait");
    ck_assert_has(t, "n/a: reads 0: sched_info off");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_ESC), UI_ACT_REDRAW);
    ui_set_paused(ui, false);
    ui_set_status(ui, NULL);
    ck_assert_int_eq(ui_render_text(ui, 80, 24, &t), 0);
    ck_assert_hasnt(t, "close this help");
    ck_assert_hasnt(t, "PAUSED");
    ck_assert_hasnt(t, "sampler:");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_ascii)
{
    struct ui *ui = new_ui(true);
    int ntasks[] = { 4 };
    char *t = render(ui, 4, 1, ntasks, true, 100, 30);

    for (const char *p = t; *p; p++)
        ck_assert_msg((unsigned char)*p < 0x80, "non-ASCII byte in --ascii output:\n%s", t);
    ck_assert_has(t, "cpu3 [");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_bad_theme)
{
    struct ui_opts o = { .theme = "no-such-theme" };
    char path[] = "/tmp/check_view_XXXXXX.theme";
    struct ui *ui;
    int fd;

    ck_assert_int_eq(ui_new(&o, &ui), -ENOENT);
    ck_assert_has(ui_last_error(ui), "no-such-theme");
    ui_free(ui);

    fd = mkstemps(path, 6);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "user = red\nsys = chartreuse\n", 28), 28);
    close(fd);
    o.theme = path;
    ck_assert_int_eq(ui_new(&o, &ui), -EINVAL);
    ck_assert_has(ui_last_error(ui), ":2: unknown colour or attribute 'chartreuse'");
    ui_free(ui);
    unlink(path);

    o.theme = "high-contrast";
    ck_assert_int_eq(ui_new(&o, &ui), 0);
    ui_free(ui);
    o.theme = "mono";
    ck_assert_int_eq(ui_new(&o, &ui), 0);
    ui_free(ui);
}
END_TEST

START_TEST(test_no_color_means_mono)
{
    int ntasks[] = { 1 };
    struct ui *ui;
    char *t, line[512];

    /* NO_COLOR set and not empty: the mono theme, whose segments differ by
     * glyph (sys is a dark shade, user a full block). */
    setenv("NO_COLOR", "1", 1);
    ui = new_ui(false);
    t = render(ui, 4, 1, ntasks, true, 120, 30);
    ck_assert_ptr_nonnull(line_with(t, "cpu3 ", line, sizeof(line)));
    ck_assert_has(line, "\u2593");
    ck_assert_has(line, "\u2588");
    free(t);
    ui_free(ui);
    /* Empty NO_COLOR does not count: the default theme, blocks only. */
    setenv("NO_COLOR", "", 1);
    ui = new_ui(false);
    t = render(ui, 4, 1, ntasks, true, 120, 30);
    ck_assert_ptr_nonnull(line_with(t, "cpu3 ", line, sizeof(line)));
    ck_assert_hasnt(line, "\u2593");
    free(t);
    ui_free(ui);
    unsetenv("NO_COLOR");
}
END_TEST

START_TEST(test_no_tty)
{
    struct ui *ui = new_ui(false);
    int fd = open("/dev/null", O_RDWR);

    /* Not a terminal: refused before anything is written or changed. */
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    ck_assert_int_eq(ui_term_start(ui), -ENOTTY);
    ck_assert_has(ui_last_error(ui), "terminal");
    ck_assert_int_eq(ui_input_fd(ui), -1);
    ck_assert_int_eq(ui_read_key(ui), UI_KEY_NONE);
    ck_assert(!ui_frame(ui));
    ui_term_stop(ui);                 /* harmless when never started */
    ui_free(ui);
    close(fd);
}
END_TEST

/* ---- the model panels --------------------------------------------------------------- */

/* Feeds nsamples samples (models set before each) and renders w x h. */
static char *render_models(struct ui *ui, struct ui_fixture_run *r, int nsamples, int ntree,
                           int w, int h)
{
    int ntasks[] = { 3 };
    struct ui_fixture f;
    char *text;

    static unsigned seq;            /* across calls: samples only move forward */

    for (int k = 0; k < nsamples; k++) {
        seq++;
        ui_set_models(ui, &r->in);
        ui_fixture_init(&f, 2, ntree, ntasks, true, seq);
        f.s.m.t_ns = 100000000ull * seq;                /* 10 Hz */
        ui_set_sample(ui, &f.s, k == 0 ? &f.caps : NULL);
        ui_fixture_free(&f);
    }
    ck_assert_int_eq(ui_render_text(ui, w, h, &text), 0);
    if (getenv("SW_VIEW_DUMP") != NULL)
        fprintf(stderr, "---- models %dx%d\n%s\n", w, h, text);
    return text;
}

/* Occurrences of needle in s. */
static int count_of(const char *s, const char *needle)
{
    int n = 0;

    for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(test_panels_200x50)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t, line[1024];

    ui_fixture_run_init(&r, 4, WORK_CPU);
    t = render_models(ui, &r, 3, 0, 200, 50);
    ck_assert_int_eq(count_lines(t), 50);
    ck_assert_has(t, "workload cpu");
    /* Four columns: the titles share one line, and each row's label appears
     * once per panel on its own line, in the same order everywhere. */
    ck_assert_ptr_nonnull(line_with(t, " 1 procs", line, sizeof(line)));
    ck_assert_has(line, " 2 threads");
    ck_assert_has(line, " 3 loop");
    ck_assert_has(line, " 4 goroutines");
    ck_assert_has(line, "8 tasks");
    ck_assert_ptr_nonnull(line_with(t, "cores 2.00/2", line, sizeof(line)));
    ck_assert_int_eq(count_of(line, "cores "), 4);
    ck_assert_has(line, "cores 1.00/2");
    ck_assert_ptr_nonnull(line_with(t, "runq ", line, sizeof(line)));
    ck_assert_int_eq(count_of(line, "runq "), 4);
    ck_assert_has(line, "R 2/8  waiting 0.50");
    ck_assert_has(line, "ready 7  lag 250ms");        /* the loop's queue */
    ck_assert_has(line, "ready 3");                  /* the runtime's */
    /* Tasks: one cell per task, the legend beside them. */
    ck_assert_ptr_nonnull(line_with(t, "run 2", line, sizeof(line)));
    ck_assert_int_eq(count_of(line, "tasks "), 4);
    ck_assert_int_eq(count_of(line, "\u25cf\u25cf\u25d0\u25d0\u25d0\u25d0\u25d0\u25d0"), 4);
    ck_assert_has(line, "run 2");
    ck_assert_has(line, "ready 6");
    /* Memory: RSS and PSS for procs, RSS for the others, per task, one scale. */
    ck_assert_ptr_nonnull(line_with(t, "mem   RSS 10.0M PSS 5.0M 64.0K/task", line,
                                    sizeof(line)));
    ck_assert_has(line, "RSS 40.0M 64.0K/task");
    ck_assert_int_eq(count_of(line, "mem "), 4);
    ck_assert_ptr_nonnull(line_with(t, "csw   OS vol 420/s  invol 21/s", line, sizeof(line)));
    ck_assert_int_eq(count_of(line, "OS vol 420/s"), 4);
    ck_assert_has(t, "runtime 1234 callbacks/s");
    ck_assert_has(t, "runtime 5000 G switches/s");
    ck_assert_has(t, "runtime: none");
    ck_assert_ptr_nonnull(line_with(t, "work  100 chunks/s", line, sizeof(line)));
    ck_assert_has(line, "103 chunks/s");
    /* The derived notes. */
    ck_assert_has(t, "1 of 2 cores busy: CPU work blocks the loop");
    ck_assert_has(t, "2 of 2 cores busy: every core computes");
    /* Mode and fairness, footer with the model keys (p/P: goroutines run). */
    ck_assert_has(t, "mode split: 1 core per model, pinned");
    ck_assert_has(t, "workload");
    ck_assert_has(t, "GOMAXPROCS");
    ck_assert_hasnt(t, "FROZEN");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_io_120x40)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t, line[1024];

    ui_fixture_run_init(&r, 4, WORK_IO);
    t = render_models(ui, &r, 3, 0, 120, 40);
    ck_assert_int_eq(count_lines(t), 40);
    /* 120 columns still take four panels of 29. */
    ck_assert_ptr_nonnull(line_with(t, " 1 procs", line, sizeof(line)));
    ck_assert_has(line, " 4 goroutines");
    ck_assert_ptr_nonnull(line_with(t, "work  380 req/s", line, sizeof(line)));
    ck_assert_int_eq(count_of(line, "380 req/s"), 4);
    ck_assert_has(line, "20.5/31.0ms");
    ck_assert_int_eq(count_of(t, "io 8"), 4);
    /* 8 tasks in 20 ms: 400 req/s is the ideal, 380 is 95 % of it. */
    ck_assert_int_eq(count_of(t, "95%"), 4);
    ck_assert_has(t, "ideal 400 req/s");
    ck_assert_has(t, "1 thread, 8 requests in");
    ck_assert_has(t, "mode split");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_80x24)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t, line[1024];
    const char *p1, *p3;

    ui_fixture_run_init(&r, 4, WORK_CPU);
    t = render_models(ui, &r, 3, 0, 80, 24);
    ck_assert_int_eq(count_lines(t), 24);
    /* 2x2: procs beside threads, loop beside goroutines, below them. */
    ck_assert_ptr_nonnull(line_with(t, " 1 procs", line, sizeof(line)));
    ck_assert_has(line, " 2 threads");
    ck_assert_hasnt(line, " 3 loop");
    ck_assert_ptr_nonnull(line_with(t, " 3 loop", line, sizeof(line)));
    ck_assert_has(line, " 4 goroutines");
    p1 = strstr(t, " 1 procs");
    p3 = strstr(t, " 3 loop");
    ck_assert(p1 != NULL && p3 != NULL && p1 < p3);
    /* Every row still there, twice per line. */
    ck_assert_int_eq(count_of(t, "cores 2.00/2") + count_of(t, "cores 1.00/2"), 4);
    ck_assert_int_eq(count_of(t, "runq "), 4);
    ck_assert_int_eq(count_of(t, "run 2"), 4);
    ck_assert_int_eq(count_of(t, "mem "), 4);
    ck_assert_int_eq(count_of(t, "csw "), 4);
    ck_assert_int_eq(count_of(t, " chunks/s"), 4);
    ck_assert_has(t, "CPU work blocks the");
    ck_assert_has(t, "mode split");
    ck_assert_has(t, "q  quit");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_enlarge)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t;

    ui_fixture_run_init(&r, 4, WORK_CPU);
    t = render_models(ui, &r, 2, 0, 30, 8);
    ck_assert_has(t, "enlarge the terminal");
    ck_assert_has(t, "(now 30x8)");
    ck_assert_hasnt(t, "procs");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_waiting_failed)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t, line[1024];

    ui_fixture_run_init(&r, 3, WORK_CPU);
    r.f[1].state = RUN_M_WAITING;
    r.f[2].state = RUN_M_FAILED;
    snprintf(r.f[2].text, sizeof(r.f[2].text), "killed by signal 9 (SIGKILL)");
    r.in.mode = RUN_MODE_TURNS;
    r.in.fairness = "turns: 5 s each, one model at a time on all 2 cores";
    t = render_models(ui, &r, 2, 0, 200, 50);
    ck_assert_ptr_nonnull(line_with(t, " 2 threads", line, sizeof(line)));
    ck_assert_has(line, "waiting its turn");
    ck_assert_has(line, "failed");
    /* Last turn's figures stay, and say so; the failed one says why. */
    ck_assert_has(t, "waiting its turn: these are its last turn's figures");
    ck_assert_has(t, "failed: killed by signal 9 (SIGKILL)");
    ck_assert_int_eq(count_of(t, "cores 2.00/2"), 2);
    ck_assert_has(t, "mode turns: 5 s each");
    free(t);

    /* A model stopped before its first turn has no figures to show. */
    r.f[1].t_ns = 0;
    t = render_models(ui, &r, 1, 0, 200, 50);
    ck_assert_has(t, "waiting its first turn: no figures yet");
    ck_assert_int_eq(count_of(t, "cores 2.00/2"), 1);
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_unfair_shared)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t;

    ui_fixture_run_init(&r, 2, WORK_CPU);
    r.in.mode = RUN_MODE_SHARED;
    r.in.fairness = "shared: 2 models on the same 2 cores: throughput not comparable";
    r.in.fair = false;
    t = render_models(ui, &r, 2, 0, 120, 40);
    ck_assert_has(t, "mode shared: 2 models on the same 2 cores: throughput not comparable");
    /* No goroutines model: no GOMAXPROCS key. */
    ck_assert_hasnt(t, "GOMAXPROCS");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_many_tasks)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t, line[1024];

    ui_fixture_run_init(&r, 2, WORK_IO);
    /* Past PANELS_GRID_MAX: counts and a proportional bar, no grid. */
    r.f[0].ntasks = r.f[0].asked = 5000;
    r.f[0].state_count[PROBE_ST_IO] = 4000;
    r.f[0].state_count[PROBE_ST_RUNNABLE] = 1000;
    /* Running fewer than asked: the title says so. */
    r.f[1].asked = 100;
    t = render_models(ui, &r, 2, 0, 120, 40);
    ck_assert_ptr_nonnull(line_with(t, "io 4000", line, sizeof(line)));
    ck_assert_has(line, "tasks ");
    ck_assert_has(line, "ready 1000");
    /* The bar: 4/5 of it io, 1/5 ready, before the legend. */
    ck_assert_int_ge(count_of(line, "\u25d0"), 2);
    ck_assert_int_gt(count_of(line, "\u25cb"), 3 * count_of(line, "\u25d0") - 3);
    ck_assert_has(t, "8 of 100 tasks");
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_pid_table_beside)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t;

    ui_fixture_run_init(&r, 2, WORK_CPU);
    t = render_models(ui, &r, 2, 1, 120, 40);
    /* The --pid tree still has its table, below the panels. */
    ck_assert_has(t, " 1 procs");
    ck_assert_has(t, "pid 4000 fixproc");
    ck_assert_has(t, "COMM");
    ck_assert(strstr(t, " 1 procs") < strstr(t, "pid 4000 fixproc"));
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_keys_freeze_step)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t;

    ui_fixture_run_init(&r, 4, WORK_CPU);
    free(render_models(ui, &r, 5, 0, 200, 50));
    /* Model keys become actions for the app. */
    ck_assert_int_eq(ui_handle_key(ui, 'w'), UI_ACT_WORKLOAD);
    ck_assert_int_eq(ui_handle_key(ui, '+'), UI_ACT_TASKS_MORE);
    ck_assert_int_eq(ui_handle_key(ui, '-'), UI_ACT_TASKS_FEWER);
    ck_assert_int_eq(ui_handle_key(ui, 'g'), UI_ACT_GIL);
    ck_assert_int_eq(ui_handle_key(ui, 'o'), UI_ACT_OFFLOAD);
    ck_assert_int_eq(ui_handle_key(ui, 'p'), UI_ACT_GOMAXPROCS_DOWN);
    ck_assert_int_eq(ui_handle_key(ui, 'P'), UI_ACT_GOMAXPROCS_UP);
    ck_assert_int_eq(ui_handle_key(ui, 'm'), UI_ACT_MODE);
    ck_assert_int_eq(ui_handle_key(ui, 'r'), UI_ACT_RESTART);
    ck_assert_int_eq(ui_handle_key(ui, 'q'), UI_ACT_QUIT);

    /* Freeze, then step back: the shown sample's age changes. */
    ck_assert_int_eq(ui_handle_key(ui, ' '), UI_ACT_REDRAW);
    ck_assert(ui_frozen(ui));
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, "FROZEN");
    ck_assert_has(t, "-0.0 s");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_LEFT), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_LEFT), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, "-0.2 s");
    free(t);
    /* Samples still come while frozen; the shown one stays. */
    free(render_models(ui, &r, 1, 0, 40, 10));
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, "-0.3 s");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_RIGHT), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, "-0.2 s");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_HOME), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_LEFT), UI_ACT_REDRAW);   /* stays at the oldest */
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, "-0.5 s");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, ' '), UI_ACT_REDRAW);
    ck_assert(!ui_frozen(ui));
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_hasnt(t, "FROZEN");
    free(t);

    /* Focus: one panel with the whole width; 0 and Esc go back. */
    ck_assert_int_eq(ui_handle_key(ui, '2'), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, " 2 threads");
    ck_assert_has(t, "0:all");
    ck_assert_hasnt(t, " 1 procs");
    ck_assert_hasnt(t, " 3 loop");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, '0'), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, " 1 procs");
    ck_assert_has(t, " 3 loop");
    free(t);
    ck_assert_int_eq(ui_handle_key(ui, '4'), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_ESC), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, " 1 procs");
    free(t);

    /* A click on the third panel (x 100 of 200: the third of four columns). */
    ck_assert_int_eq(ui_click(ui, 120, 20), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 200, 50, &t), 0);
    ck_assert_has(t, " 3 loop");
    ck_assert_hasnt(t, " 1 procs");
    free(t);
    /* A click on the focused panel goes back to all. */
    ck_assert_int_eq(ui_click(ui, 120, 20), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_click(ui, 0, 0), UI_ACT_NONE);       /* the title bar */

    /* Help lists every key. */
    ck_assert_int_eq(ui_handle_key(ui, '?'), UI_ACT_REDRAW);
    ck_assert_int_eq(ui_render_text(ui, 120, 40, &t), 0);
    for (const char *k = "wgomr"; *k; k++) {
        char key[4] = { *k, ' ', 0 };

        ck_assert_has(t, key);
    }
    ck_assert_has(t, "freeze the display");
    ck_assert_has(t, "step back / forward");
    ck_assert_has(t, "GOMAXPROCS");
    ck_assert_has(t, "fairness mode");
    free(t);
    /* With help open, model keys do nothing. */
    ck_assert_int_eq(ui_handle_key(ui, 'w'), UI_ACT_NONE);
    ck_assert_int_eq(ui_handle_key(ui, UI_KEY_ESC), UI_ACT_REDRAW);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_no_goroutines_keys)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;

    ui_fixture_run_init(&r, 3, WORK_CPU);
    free(render_models(ui, &r, 2, 0, 120, 40));
    ck_assert_int_eq(ui_handle_key(ui, 'p'), UI_ACT_NONE);
    ck_assert_int_eq(ui_handle_key(ui, 'P'), UI_ACT_NONE);
    ck_assert_int_eq(ui_handle_key(ui, '4'), UI_ACT_NONE);    /* no fourth model */
    ui_free(ui);
}
END_TEST

/* The goroutines' runq row: each P's local queue ("+": its runnext slot
 * holds a G), the global queue, steals, and the Ms where there is room. */
START_TEST(test_panels_go_queues)
{
    struct ui *ui = new_ui(false);
    struct ui_fixture_run r;
    char *t, line[1024];

    ui_fixture_run_init(&r, 4, WORK_CPU);
    struct run_figs *g = &r.f[3];
    ck_assert_int_eq(g->kind, PROBE_MODEL_GOROUTINES);
    g->go_ok = true;
    g->go_procs = 2;
    g->go_runq[0] = 3;
    g->go_runnext[0] = true;
    g->go_globrunq = 5;
    g->go_steals_per_s = 12;
    g->go_ms_running = 2;
    g->go_ms_idle = 1;
    /* Where the goroutines sit: by the P they last ran on, and the M holding that P. */
    g->go_on_p[0] = 5;
    g->go_on_p[1] = 3;
    g->go_on_p_n = 8;
    g->go_live = 8;
    g->go_p_m[0] = 1;
    g->go_p_m[1] = -1;
    t = render_models(ui, &r, 3, 0, 200, 50);
    ck_assert_ptr_nonnull(line_with(t, "P0 3+ P1 0  glob 5  steal 12/s", line, sizeof(line)));
    ck_assert_has(line, "ready 7  lag 250ms");      /* the same row, the loop's queue */
    free(t);
    t = render_models(ui, &r, 3, 0, 300, 60);       /* room beside the tasks' legend */
    if (strstr(t, "on P0 5@M1 P1 3") == NULL) fputs(t, stderr);
    ck_assert_ptr_nonnull(strstr(t, "on P0 5@M1 P1 3"));
    free(t);
    /* More goroutines than the runtime's board has slots for: the counts say of how many. */
    g->go_live = 1001;
    t = render_models(ui, &r, 3, 0, 300, 60);
    if (strstr(t, "8 of 1001 on P0 5@M1 P1 3") == NULL) fputs(t, stderr);
    ck_assert_ptr_nonnull(strstr(t, "8 of 1001 on P0 5@M1 P1 3"));
    free(t);
    t = render_models(ui, &r, 3, 0, 300, 60);       /* wide panels: the Ms too */
    ck_assert_ptr_nonnull(line_with(t, "P0 3+ P1 0  glob 5  steal 12/s", line, sizeof(line)));
    ck_assert_has(line, "M 2 run 0 spin 1 idle 0 sys");
    free(t);
    /* Narrow panels: the Ps summed. */
    g->go_procs = 16;
    t = render_models(ui, &r, 3, 0, 80, 24);
    ck_assert_ptr_nonnull(line_with(t, "16P q4 g5", line, sizeof(line)));
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_mono_glyphs)
{
    struct ui_opts o = { .ascii = true, .no_color = true, .interval_ns = 100000000 };
    struct ui *ui;
    struct ui_fixture_run r;
    char *t, line[1024];

    ck_assert_int_eq(ui_new(&o, &ui), 0);
    ui_fixture_run_init(&r, 2, WORK_CPU);
    t = render_models(ui, &r, 2, 0, 120, 40);
    /* Without colour, states differ by glyph: R running, r ready. */
    ck_assert_ptr_nonnull(line_with(t, "Rrun 2", line, sizeof(line)));
    ck_assert_has(line, "RRrrrrrr");
    for (const char *c = t; *c; c++)
        ck_assert_msg((unsigned char)*c < 0x80, "non-ASCII with --ascii:\n%s", t);
    free(t);
    ui_free(ui);
}
END_TEST

START_TEST(test_panels_notes)
{
    struct run_figs f;
    char buf[256];

    ui_fixture_figs(&f, PROBE_MODEL_LOOP, WORK_CPU, 0);
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1 of 2 cores busy: CPU work blocks the loop (lag 250 ms)");
    ui_fixture_figs(&f, PROBE_MODEL_LOOP, WORK_IO, 0);
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1 thread, 8 requests in flight: 95% of the ideal 400 req/s on 0.05 "
                          "cores");
    ui_fixture_figs(&f, PROBE_MODEL_THREADS, WORK_CPU, 0);
    f.gil = true;
    f.cores = 1.02f;
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1 of 2 cores busy: the GIL lets one thread compute at a time");
    ui_fixture_figs(&f, PROBE_MODEL_LOOP, WORK_CPU, 0);
    f.offload = true;
    f.cores = 1.9f;
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1.9 of 2 cores busy: the thread pool computes, the loop hands out work");
    ui_fixture_figs(&f, PROBE_MODEL_PROCS, WORK_CPU, 0);
    f.cores = 0.5f;
    f.rq_wait = 1.5f;
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0.50 of 2 cores busy; tasks queue for a core (1.5 waiting on average)");
    ui_fixture_figs(&f, PROBE_MODEL_THREADS, WORK_LOCK, 0);
    f.state_count[PROBE_ST_LOCK] = 5;
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "5 of 8 tasks wait for the lock; 2 of 2 cores busy");
    ui_fixture_figs(&f, PROBE_MODEL_LOOP, WORK_CPU, 0);
    f.cores = 0.05f;
    f.rq_wait = 0.9f;
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf,
                     "0.05 of 2 cores busy: its tasks wait for a core (0.9 waiting on average)");
    f.rq_wait = 0;
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0.05 of 2 cores busy");
    f.state = RUN_M_STARTING;
    panels_note(&f, 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "starting 8 tasks");
}
END_TEST

static Suite *view_suite(void)
{
    Suite *s = suite_create("view");
    TCase *tc = tcase_create("render");

    tcase_add_test(tc, test_200x50);
    tcase_add_test(tc, test_80x24);
    tcase_add_test(tc, test_40x10);
    tcase_add_test(tc, test_tiny);
    tcase_add_test(tc, test_psi_na);
    tcase_add_test(tc, test_first_sample_no_rates);
    tcase_add_test(tc, test_no_sample_yet);
    tcase_add_test(tc, test_many_cores);
    tcase_add_test(tc, test_two_trees_scroll);
    tcase_add_test(tc, test_keys_paused_help_status);
    tcase_add_test(tc, test_ascii);
    tcase_add_test(tc, test_bad_theme);
    tcase_add_test(tc, test_no_color_means_mono);
    /* Changes stdin: needs its own process (Check forks per test). */
    if (getenv("CK_FORK") == NULL || strcmp(getenv("CK_FORK"), "no") != 0)
        tcase_add_test(tc, test_no_tty);
    suite_add_tcase(s, tc);
    tc = tcase_create("panels");
    tcase_add_test(tc, test_panels_200x50);
    tcase_add_test(tc, test_panels_io_120x40);
    tcase_add_test(tc, test_panels_80x24);
    tcase_add_test(tc, test_panels_enlarge);
    tcase_add_test(tc, test_panels_waiting_failed);
    tcase_add_test(tc, test_panels_unfair_shared);
    tcase_add_test(tc, test_panels_many_tasks);
    tcase_add_test(tc, test_panels_pid_table_beside);
    tcase_add_test(tc, test_panels_keys_freeze_step);
    tcase_add_test(tc, test_panels_no_goroutines_keys);
    tcase_add_test(tc, test_panels_go_queues);
    tcase_add_test(tc, test_panels_mono_glyphs);
    tcase_add_test(tc, test_panels_notes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    /* Widths of the block glyphs depend on the locale; C.UTF-8 is always there. */
    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        setlocale(LC_ALL, "");
    unsetenv("NO_COLOR");
    sr = srunner_create(view_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
