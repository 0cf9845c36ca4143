/*
 * check_record.c — asciicast v2 recordings: the encoder against libvterm
 * (what a player shows must be the canvas, frame after frame), the file's
 * structure, and the real binary recording itself in a pty, read back by
 * libvterm and by `asciinema cat` when it is installed.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vterm.h>

#include "pty.h"
#include "record/record.h"
#include "report/jsonr.h"
#include "ui/canvas.h"

/* ---- a terminal that plays events ------------------------------------------------ */

struct player {
    VTerm *vt;
    VTermScreen *screen;
    int w, h;
};

static void player_init(struct player *p, int w, int h)
{
    p->w = w;
    p->h = h;
    p->vt = vterm_new(h, w);
    vterm_set_utf8(p->vt, 1);
    p->screen = vterm_obtain_screen(p->vt);
    vterm_screen_reset(p->screen, 1);
}

static void player_feed(struct player *p, const char *s)
{
    vterm_input_write(p->vt, s, strlen(s));
    vterm_screen_flush_damage(p->screen);
}

/* The screen as canvas_to_text() writes a canvas: rows joined by '\n', trailing blanks cut. */
static char *player_text(struct player *p)
{
    struct canvas *c = canvas_new(p->w, p->h);
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            VTermScreenCell cell;
            VTermPos pos = { .row = y, .col = x };
            if (!vterm_screen_get_cell(p->screen, pos, &cell) || cell.chars[0] == 0)
                continue;
            canvas_put_cp(c, x, y, cell.chars[0], canvas_style_default);
        }
    char *t = canvas_to_text(c);
    canvas_free(c);
    return t;
}

static void player_free(struct player *p)
{
    vterm_free(p->vt);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t k;
    while ((k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap)
            b = realloc(b, cap *= 2);
    }
    b[n] = '\0';
    fclose(f);
    return b;
}

/*
 * Checks a cast file's structure and plays its events into a terminal.
 * Returns the number of "o" events; *last gets the screen after the last
 * event that was not the closing one (the caller frees it).
 */
static int check_cast(const char *path, int want_w, int want_h, char **last)
{
    char *text = slurp(path), *save = NULL, err[256];
    int line = 0, events = 0;
    double prev_t = 0;
    struct player pl = { 0 };
    *last = NULL;
    for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        struct jsonr v;
        line++;
        ck_assert_msg(jsonr_parse(ln, strlen(ln), &v, err, sizeof(err)) == 0, "%s:%d:%s",
                      path, line, err);
        if (line == 1) {
            ck_assert_int_eq(v.type, JSONR_OBJ);
            ck_assert_int_eq((int)jsonr_num(&v, "version", 0), 2);
            ck_assert_int_eq((int)jsonr_num(&v, "width", 0), want_w);
            ck_assert_int_eq((int)jsonr_num(&v, "height", 0), want_h);
            ck_assert(jsonr_num(&v, "timestamp", 0) > 1e9);
            const struct jsonr *env = jsonr_get(&v, "env");
            ck_assert(env != NULL && jsonr_str(env, "TERM") != NULL);
            ck_assert(env != NULL && jsonr_str(env, "SHELL") != NULL);
            ck_assert(jsonr_str(&v, "title") != NULL);
            player_init(&pl, want_w, want_h);
        } else {
            ck_assert_int_eq(v.type, JSONR_ARR);
            ck_assert_int_eq((int)v.n, 3);
            ck_assert_int_eq(v.kids[0].type, JSONR_NUM);
            ck_assert_msg(v.kids[0].num >= prev_t, "%s:%d: time goes back: %g after %g",
                          path, line, v.kids[0].num, prev_t);
            prev_t = v.kids[0].num;
            ck_assert_str_eq(v.kids[1].str, "o");
            ck_assert_int_eq(v.kids[2].type, JSONR_STR);
            /* The closing event only shows the cursor below: keep the last frame. */
            if (strstr(v.kids[2].str, "\033[?25h") == NULL) {
                player_feed(&pl, v.kids[2].str);
                free(*last);
                *last = player_text(&pl);
                events++;
            }
        }
        jsonr_free(&v);
    }
    ck_assert_int_ge(line, 2);
    player_free(&pl);
    free(text);
    return events;
}

static void tmpname(char *buf, size_t n, const char *what)
{
    snprintf(buf, n, "%s/check_record_%s_%d.cast", SW_BUILDDIR, what, (int)getpid());
}

/* ---- the encoder ---------------------------------------------------------------------- */

START_TEST(test_frames_replay_to_canvas)
{
    char path[512], err[256];
    struct record *rec;
    struct canvas *c = canvas_new(30, 6);
    struct canvas_style bold = { 3, 4, CANVAS_BOLD }, rev = { 200, -1, CANVAS_REVERSE };
    tmpname(path, sizeof(path), "unit");
    ck_assert_int_eq(record_open(path, 30, 6, "unit \"test\"", &rec, err, sizeof(err)), 0);

    char *want[3];
    canvas_put_str(c, 0, 0, "schedwatch ▕██▏ 界 end", -1, bold);
    canvas_put_str(c, 2, 3, "cores 1.00", -1, canvas_style_default);
    want[0] = canvas_to_text(c);
    ck_assert_uint_gt(record_frame_at(rec, c, 1), 0);
    /* a change in the middle of a line, and one over a wide character */
    canvas_put_str(c, 8, 3, "42", -1, rev);
    canvas_put_str(c, 16, 0, "ab", -1, canvas_style_default);
    canvas_put_str(c, 29, 5, "Z", -1, rev);
    want[1] = canvas_to_text(c);
    ck_assert_uint_gt(record_frame_at(rec, c, 2000000000ull), 0);
    /* nothing changed: no event */
    ck_assert_uint_eq(record_frame_at(rec, c, 2500000000ull), 0);
    /* a time from the past is clamped */
    canvas_clear(c);
    canvas_put_str(c, 0, 5, "bye", -1, canvas_style_default);
    want[2] = canvas_to_text(c);
    ck_assert_uint_gt(record_frame_at(rec, c, 5), 0);
    ck_assert_int_eq(record_close(rec, err, sizeof(err)), 0);

    /* Play the frames one by one: each must leave the canvas of its time. */
    char *text = slurp(path), *save = NULL;
    struct player pl;
    int frame = 0;
    player_init(&pl, 30, 6);
    strtok_r(text, "\n", &save);
    for (char *ln = strtok_r(NULL, "\n", &save); ln && frame < 3;
         ln = strtok_r(NULL, "\n", &save), frame++) {
        struct jsonr v;
        ck_assert_int_eq(jsonr_parse(ln, strlen(ln), &v, err, sizeof(err)), 0);
        player_feed(&pl, v.kids[2].str);
        char *got = player_text(&pl);
        ck_assert_str_eq(got, want[frame]);
        free(got);
        jsonr_free(&v);
    }
    ck_assert_int_eq(frame, 3);
    player_free(&pl);
    free(text);

    char *last;
    ck_assert_int_eq(check_cast(path, 30, 6, &last), 3);
    ck_assert_str_eq(last, want[2]);
    free(last);
    for (int i = 0; i < 3; i++)
        free(want[i]);
    canvas_free(c);
    unlink(path);
}
END_TEST

START_TEST(test_open_error)
{
    char err[256];
    struct record *rec = NULL;
    ck_assert_int_eq(record_open("/nonexistent-dir/x.cast", 80, 24, NULL, &rec, err,
                                 sizeof(err)), -ENOENT);
    ck_assert_ptr_null(rec);
    ck_assert_str_eq(err, "--record /nonexistent-dir/x.cast: No such file or directory");
}
END_TEST

/* ---- the real binary ------------------------------------------------------------------ */

static bool have_asciinema(void)
{
    return system("command -v asciinema >/dev/null 2>&1") == 0;
}

START_TEST(test_binary_records)
{
    const char *bin = getenv("SW_BIN");
    char path[512], *last;
    struct pty *p;
    int status;
    ck_assert_msg(bin != NULL, "SW_BIN is not set");
    tmpname(path, sizeof(path), "bin");
    /* The terminal is smaller than --size: the file still has 100x30. */
    const char *argv[] = { bin, "--models", "loop", "-w", "io", "-n", "10", "-d", "3s",
                           "--record", path, "--size", "100x30", NULL };
    ck_assert_int_eq(pty_spawn(&p, argv, 90, 26, NULL), 0);
    ck_assert_int_eq(pty_wait_exit(p, 60000, &status), 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
    ck_assert(pty_termios_restored(p));
    pty_free(p);

    int events = check_cast(path, 100, 30, &last);
    /* 3 s at 10 samples/s: the screen changed many times */
    ck_assert_int_ge(events, 5);
    ck_assert_msg(strstr(last, "schedwatch") != NULL && strstr(last, "cpu0") != NULL,
                  "last frame:\n%s", last);
    free(last);

    if (have_asciinema()) {
        /* asciinema cat wants a terminal: give it one as large as the recording. */
        const char *cat[] = { "/bin/sh", "-c", "exec asciinema cat \"$0\"", path, NULL };
        ck_assert_int_eq(pty_spawn(&p, cat, 100, 30, NULL), 0);
        ck_assert_int_eq(pty_wait_exit(p, 30000, &status), 0);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "asciinema cat: %#x",
                      status);
        char *screen = pty_screen_text(p);
        ck_assert_msg(strstr(screen, "schedwatch") != NULL, "asciinema cat showed:\n%s",
                      screen);
        free(screen);
        pty_free(p);
    } else {
        fprintf(stderr, "check_record: asciinema not installed: asciinema cat not tried\n");
    }
    unlink(path);
}
END_TEST

/* What CI keeps of the screen: ten seconds of the default run, all four models. */
START_TEST(test_binary_records_four_panels)
{
    const char *bin = getenv("SW_BIN");
    char path[512], *last;
    struct pty *p;
    int status;
    ck_assert_msg(bin != NULL, "SW_BIN is not set");
    tmpname(path, sizeof(path), "four");
    const char *argv[] = { bin, "-d", "10s", "--record", path, "--size", "160x45", NULL };
    ck_assert_int_eq(pty_spawn(&p, argv, 160, 45, NULL), 0);
    ck_assert_int_eq(pty_wait_exit(p, 60000, &status), 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
    ck_assert(pty_termios_restored(p));
    pty_free(p);

    int events = check_cast(path, 160, 45, &last);
    ck_assert_int_ge(events, 20);
    static const char *const panels[] = { "1 procs", "2 threads", "3 loop", "4 goroutines" };
    for (size_t i = 0; i < sizeof(panels) / sizeof(panels[0]); i++)
        ck_assert_msg(strstr(last, panels[i]) != NULL, "no '%s' panel in the last frame:\n%s",
                      panels[i], last);
    free(last);
    if (have_asciinema()) {
        const char *cat[] = { "/bin/sh", "-c", "exec asciinema cat \"$0\"", path, NULL };
        ck_assert_int_eq(pty_spawn(&p, cat, 160, 45, NULL), 0);
        ck_assert_int_eq(pty_wait_exit(p, 30000, &status), 0);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "asciinema cat: %#x",
                      status);
        char *screen = pty_screen_text(p);
        for (size_t i = 0; i < sizeof(panels) / sizeof(panels[0]); i++)
            ck_assert_msg(strstr(screen, panels[i]) != NULL, "asciinema cat showed:\n%s",
                          screen);
        free(screen);
        pty_free(p);
    }
    unlink(path);
}
END_TEST

START_TEST(test_binary_record_error)
{
    const char *bin = getenv("SW_BIN");
    struct pty *p;
    int status;
    const char *argv[] = { bin, "--models", "none", "-d", "5s", "--record",
                           "/nonexistent-dir/x.cast", NULL };
    ck_assert_int_eq(pty_spawn(&p, argv, 80, 24, NULL), 0);
    ck_assert_int_eq(pty_wait_exit(p, 30000, &status), 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %#x", status);
    ck_assert(pty_termios_restored(p));
    pty_free(p);
}
END_TEST

/* The lesson strip, the comparison overlay and replay's keys, on the real screen. */
static const char quick_lesson[] =
    "title Quick\n"
    "summary A quick check of the strip\n"
    "duration 30s\n"
    "at 0s Loop alone\n"
    "    workload io\n"
    "    models loop\n"
    "    tasks 10\n"
    "    mode shared\n"
    "    settle 1s\n"
    "    caption One loop, ten waiting tasks.\n"
    "    expect loop.tasks == 10\n"
    "    expect loop.cores >= 3.2 needs cores >= 512\n";

START_TEST(test_binary_lesson_screen)
{
    const char *bin = getenv("SW_BIN");
    char path[512];
    struct pty *p;
    int status;
    snprintf(path, sizeof(path), "%s/check_record_quick_%d.lesson", SW_BUILDDIR, (int)getpid());
    FILE *f = fopen(path, "we");
    ck_assert(f != NULL);
    fputs(quick_lesson, f);
    fclose(f);
    const char *argv[] = { bin, "--lesson", path, NULL };
    ck_assert_int_eq(pty_spawn(&p, argv, 120, 40, NULL), 0);
    ck_assert(pty_wait_for(p, "lesson: Quick", 20000));
    ck_assert(pty_wait_for(p, "One loop, ten waiting tasks.", 5000));
    ck_assert(pty_wait_for(p, "\u2713  loop.tasks == 10  (10 vs 10)", 20000));
    ck_assert(pty_wait_for(p, "-  loop.cores >= 3.2  skipped: needs cores >= 512", 5000));
    ck_assert_int_eq(pty_send(p, "c"), 0);
    ck_assert(pty_wait_for(p, "models compared on this machine", 5000));
    ck_assert(pty_wait_for(p, "memory per task", 5000));
    ck_assert_int_eq(pty_send(p, PTY_KEY_ESC), 0);
    ck_assert(pty_wait_gone(p, "models compared on this machine", 5000));
    ck_assert_int_eq(pty_send(p, "q"), 0);
    ck_assert_int_eq(pty_wait_exit(p, 20000, &status), 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
    ck_assert(pty_termios_restored(p));
    pty_free(p);
    unlink(path);
}
END_TEST

START_TEST(test_binary_replay_keys)
{
    const char *bin = getenv("SW_BIN");
    char json[512], cmd[1200];
    struct pty *p;
    int status;
    snprintf(json, sizeof(json), "%s/check_record_run_%d.json", SW_BUILDDIR, (int)getpid());
    snprintf(cmd, sizeof(cmd), "'%s' --headless --models loop -w io -n 10 -d 2s --json '%s' "
             ">/dev/null", bin, json);
    ck_assert_int_eq(system(cmd), 0);
    const char *argv[] = { bin, "--replay", json, NULL };
    ck_assert_int_eq(pty_spawn(&p, argv, 120, 40, NULL), 0);
    ck_assert(pty_wait_for(p, "replay ", 10000));
    ck_assert_int_eq(pty_send(p, " "), 0);
    ck_assert(pty_wait_for(p, "PAUSED", 5000));
    /* Keys as xterm sends them with the keypad on (curses turns it on): SS3 forms. */
    ck_assert_int_eq(pty_send(p, "\033OH"), 0);                /* Home: the first sample */
    ck_assert(pty_wait_for(p, "sample 1 of ", 5000));
    ck_assert_int_eq(pty_send(p, "\033OC"), 0);                /* Right */
    ck_assert(pty_wait_for(p, "sample 2 of ", 5000));
    ck_assert_int_eq(pty_send(p, "\033OD"), 0);                /* Left */
    ck_assert(pty_wait_for(p, "sample 1 of ", 5000));
    /* The comparison at the last sample: the first may hold a host that has not yet said
     * how many tasks it runs ("loop (0)", on a loaded machine under the sanitizers). */
    char *t = pty_screen_text(p), last[64];
    int nsamples = 0;
    const char *at = strstr(t, "sample 1 of ");
    ck_assert_ptr_nonnull(at);
    ck_assert_int_eq(sscanf(at, "sample 1 of %d", &nsamples), 1);
    free(t);
    snprintf(last, sizeof(last), "sample %d of %d", nsamples, nsamples);
    ck_assert_int_eq(pty_send(p, "\033OF"), 0);                /* End */
    ck_assert(pty_wait_for(p, last, 5000));
    ck_assert_int_eq(pty_send(p, "c"), 0);
    if (!pty_wait_for(p, "loop (10)", 5000)) {
        t = pty_screen_text(p);
        ck_abort_msg("no \"loop (10)\" in the comparison:\n%s", t);
    }
    ck_assert_int_eq(pty_send(p, "q"), 0);
    ck_assert_int_eq(pty_wait_exit(p, 20000, &status), 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
    pty_free(p);
    unlink(json);
}
END_TEST

int main(void)
{
    /* The canvas measures characters with the locale's wcwidth, as the program does. */
    setlocale(LC_ALL, "C.UTF-8");
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("record");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_frames_replay_to_canvas);
    tcase_add_test(tc, test_open_error);
    tcase_add_test(tc, test_binary_records);
    tcase_add_test(tc, test_binary_records_four_panels);
    tcase_add_test(tc, test_binary_record_error);
    tcase_add_test(tc, test_binary_lesson_screen);
    tcase_add_test(tc, test_binary_replay_keys);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
