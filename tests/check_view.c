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

#include "ui/canvas.h"
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

#define ck_assert_has(text, needle) \
    ck_assert_msg(strstr((text), (needle)) != NULL, "missing \"%s\" in:\n%s", (needle), (text))
#define ck_assert_hasnt(text, needle) \
    ck_assert_msg(strstr((text), (needle)) == NULL, "unexpected \"%s\" in:\n%s", (needle), (text))

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
