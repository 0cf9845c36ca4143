/*
 * check_lesson.c — the lesson language: every shipped lesson parses and
 * makes sense, expressions evaluate as written (precedence, units, division
 * by zero, missing figures), and every malformed lesson in
 * tests/fixtures/lessons gives its exact FILE:LINE:COL message.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson/lesson.h"
#include "util.h"

#define FIXTURES SW_TESTDIR "/fixtures/lessons"
#define LESSONS SW_SRCDIR "/data/lessons"

/* ---- a fake set of live figures ------------------------------------------------ */

struct fig {
    enum lesson_model model;
    enum lesson_metric metric;
    double value;
};

static const struct fig figs[] = {
    { LESSON_LOOP, LESSON_M_CORES, 0.98 },
    { LESSON_THREADS, LESSON_M_CORES, 1.9 },
    { LESSON_PROCS, LESSON_M_CORES, 1.95 },
    { LESSON_PROCS, LESSON_M_RSS, 320.0 * 1024 * 1024 },
    { LESSON_PROCS, LESSON_M_PSS, 70.0 * 1024 * 1024 },
    { LESSON_THREADS, LESSON_M_MEM_PER_TASK, 20480 },
    { LESSON_GOROUTINES, LESSON_M_MEM_PER_TASK, 2048 },
    { LESSON_LOOP, LESSON_M_LOOP_LAG, 0.015 },
    { LESSON_LOOP, LESSON_M_TASKS, 1000 },
    { LESSON_LOOP, LESSON_M_UNITS_PER_S, 45000 },
    { LESSON_GOROUTINES, LESSON_M_TASKS, 0 },
    { LESSON_MACHINE, LESSON_M_MACHINE_CORES, 2 },
    { LESSON_MACHINE, LESSON_M_MEM_AVAILABLE, 20.0 * 1024 * 1024 * 1024 },
    { LESSON_THREADS, LESSON_M_VCSW_PER_S, INFINITY },
    { LESSON_GOROUTINES, LESSON_M_RSS, 1e300 },
};

static int fig_lookup(void *ctx, enum lesson_model model, enum lesson_metric metric,
                      double *out)
{
    int *calls = ctx;
    if (calls)
        (*calls)++;
    for (size_t i = 0; i < ARRAY_SIZE(figs); i++)
        if (figs[i].model == model && figs[i].metric == metric) {
            *out = figs[i].value;
            return 0;
        }
    return -ENOENT;
}

static int one_lookup(void *ctx, enum lesson_model model, enum lesson_metric metric,
                      double *out)
{
    *out = 1;
    return 0;
}

/* ---- expressions ------------------------------------------------------------------ */

struct eval_case {
    const char *text;
    int rc;                 /* 0, -ENOENT, -EDOM, -ERANGE */
    double lhs;             /* when rc == 0 */
    bool holds;
};

static const struct eval_case eval_cases[] = {
    /* precedence and associativity */
    { "1 + 2 * 3 == 7", 0, 7, true },
    { "(1 + 2) * 3 == 9", 0, 9, true },
    { "8 / 4 / 2 == 1", 0, 1, true },
    { "10 - 4 - 3 == 3", 0, 3, true },
    { "-2 * -3 == 6", 0, 6, true },
    { "2 - -3 == 5", 0, 5, true },
    { "-(1 + 1) < 0", 0, -2, true },
    { "1 + 2 * (3 - 1) / 4 == 2", 0, 2, true },
    /* every comparison */
    { "1 < 2", 0, 1, true },
    { "2 < 2", 0, 2, false },
    { "2 <= 2", 0, 2, true },
    { "3 > 2", 0, 3, true },
    { "2 >= 3", 0, 2, false },
    { "2 != 3", 0, 2, true },
    { "2 \xe2\x89\xa4 2", 0, 2, true },               /* ≤ */
    { "1 \xe2\x89\xa5 2", 0, 1, false },              /* ≥ */
    /* units */
    { "20ms == 0.02", 0, 0.02, true },
    { "1.5k == 1500", 0, 1500, true },
    { "64MiB == 67108864", 0, 67108864, true },
    { "1kB == 1000", 0, 1000, true },
    { "250us == 0.25ms", 0, 0.00025, true },
    { "2min == 120s", 0, 120, true },
    { "1e3 == 1k", 0, 1000, true },
    { ".5 == 0.5", 0, 0.5, true },
    { "1M == 1000000", 0, 1e6, true },
    /* metrics */
    { "loop.cores <= 1.1", 0, 0.98, true },
    { "threads.cores <= 1.1", 0, 1.9, false },
    { "procs.pss < procs.rss", 0, 70.0 * 1024 * 1024, true },
    { "procs.pss < procs.rss / 4", 0, 70.0 * 1024 * 1024, true },
    { "goroutines.mem_per_task < threads.mem_per_task / 4", 0, 2048, true },
    { "goroutines.mem_per_task * 20 < threads.mem_per_task", 0, 40960, false },
    { "loop.loop_lag < 20ms", 0, 0.015, true },
    { "loop.units_per_s >= 0.8 * loop.tasks / 20ms", 0, 45000, true },
    { "machine.cores >= 2", 0, 2, true },
    /* missing figures: pending, even beside figures that have data */
    { "goroutines.cores >= 1.6", -ENOENT, 0, false },
    { "loop.cores + procs.runqueue > 0", -ENOENT, 0, false },
    /* division by zero is an error, not a crash or an infinity */
    { "1 / 0 > 0", -EDOM, 0, false },
    { "loop.cores / (2 - 2) < 1", -EDOM, 0, false },
    { "loop.tasks / goroutines.tasks > 1", -EDOM, 0, false },
    /* values that are not finite */
    { "threads.vcsw_per_s > 1", -ERANGE, 0, false },
    { "goroutines.rss * goroutines.rss > 1", -ERANGE, 0, false },
};

START_TEST(test_eval_table)
{
    const struct eval_case *tc = &eval_cases[_i];
    struct lesson_expr *e = NULL;
    char err[256];
    int r = lesson_expr_parse(tc->text, false, &e, err, sizeof(err));
    ck_assert_msg(r == 0, "%s: %s", tc->text, err);
    double v = -12345;
    bool holds = !tc->holds;
    r = lesson_eval(e, fig_lookup, NULL, &v, &holds);
    ck_assert_msg(r == tc->rc, "%s: rc %d, want %d", tc->text, r, tc->rc);
    if (tc->rc == 0) {
        ck_assert_msg(fabs(v - tc->lhs) <= 1e-9 * MAX(1.0, fabs(tc->lhs)),
                      "%s: value %.17g, want %.17g", tc->text, v, tc->lhs);
        ck_assert_msg(holds == tc->holds, "%s: holds %d", tc->text, holds);
    } else {
        /* out parameters untouched on error */
        ck_assert(v == -12345);
        ck_assert(holds == !tc->holds);
    }
    lesson_expr_free(e);
}
END_TEST

START_TEST(test_eval_sides)
{
    struct lesson_expr *e;
    char err[256];
    ck_assert_int_eq(lesson_expr_parse("goroutines.mem_per_task < threads.mem_per_task / 4",
                                       false, &e, err, sizeof(err)), 0);
    double a, b;
    bool holds;
    int calls = 0;
    ck_assert_int_eq(lesson_eval_sides(e, fig_lookup, &calls, &a, &b, &holds), 0);
    ck_assert(a == 2048 && b == 5120 && holds);
    ck_assert_int_eq(calls, 2);
    lesson_expr_free(e);
}
END_TEST

static void count_metric(void *ctx, enum lesson_model m, enum lesson_metric metric)
{
    unsigned *seen = ctx;
    if (m == LESSON_LOOP && metric == LESSON_M_UNITS_PER_S)
        *seen |= 1;
    if (m == LESSON_LOOP && metric == LESSON_M_TASKS)
        *seen |= 2;
    if (m == LESSON_MACHINE)
        *seen |= 4;
}

START_TEST(test_expr_metrics)
{
    struct lesson_expr *e;
    char err[256];
    ck_assert_int_eq(lesson_expr_parse("loop.units_per_s >= 0.8 * loop.tasks / 20ms", false,
                                       &e, err, sizeof(err)), 0);
    unsigned seen = 0;
    lesson_expr_metrics(e, count_metric, &seen);
    ck_assert_uint_eq(seen, 3);
    lesson_expr_free(e);
}
END_TEST

/* A "needs" clause: bare names are machine figures, models are refused. */
START_TEST(test_needs_grammar)
{
    struct lesson_expr *e;
    char err[256];
    double v;
    bool holds;
    ck_assert_int_eq(lesson_expr_parse("cores >= 4", true, &e, err, sizeof(err)), 0);
    ck_assert_int_eq(lesson_eval(e, fig_lookup, NULL, &v, &holds), 0);
    ck_assert(v == 2 && !holds);
    lesson_expr_free(e);
    ck_assert_int_eq(lesson_expr_parse("mem_available >= 8GiB", true, &e, err,
                                       sizeof(err)), 0);
    ck_assert_int_eq(lesson_eval(e, fig_lookup, NULL, &v, &holds), 0);
    ck_assert(holds);
    lesson_expr_free(e);
    ck_assert_int_eq(lesson_expr_parse("loop.cores >= 1", true, &e, err, sizeof(err)),
                     -EINVAL);
    ck_assert_str_eq(err, "expression:1:1: a 'needs' clause tests the machine only, "
                     "not loop.cores");
    ck_assert_int_eq(lesson_expr_parse("rss > 1", true, &e, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "expression:1:1: 'rss' is not a figure of machine");
}
END_TEST

struct parse_error_case {
    const char *text;
    const char *msg;
};

static const struct parse_error_case expr_errors[] = {
    { "", "expression:1:1: expected a comparison such as 'loop.cores <= 1.1'" },
    { "loop.cores", "expression:1:11: no comparison: add <, <=, >, >=, == or != and a "
      "value to compare with" },
    { "loop.cores <=", "expression:1:14: expected a number, a metric or '(' here" },
    { "loop.cores <= 1.1)", "expression:1:18: ')' without a matching '('" },
    { "loop <= 1", "expression:1:5: expected '.' and a metric after 'loop', as in "
      "loop.cores" },
    { "loop. <= 1", "expression:1:6: expected a metric name after 'loop.'" },
    { "loop.cores <= $1", "expression:1:15: unexpected '$1': expected a number, a metric "
      "or '('" },
    { "loop.cores <= 1 && loop.cores > 0", "expression:1:17: unexpected '&&' after the "
      "comparison" },
    { "loop.cores 1", "expression:1:12: unexpected '1': expected an operator or a "
      "comparison (<, <=, >, >=, ==, !=)" },
    { "machine.loop_lag > 1", "expression:1:9: 'loop_lag' is a figure of the loop model "
      "only, not of machine" },
    { "loop.ctxt_per_s > 1", "expression:1:6: 'ctxt_per_s' is a machine figure: write "
      "machine.ctxt_per_s" },
    { "loop.cores < 20ms", "expression:1:12: compares a count or a rate with a time: both "
      "sides must measure the same thing" },
    { "loop.rss + 1s > 0", "expression:1:10: adds a size in bytes with a time: both sides "
      "must measure the same thing" },
    { "loop.cores < 1..2", "expression:1:14: bad number '1..2'" },
    { "loop.cores < 1x", "expression:1:15: unknown unit 'x' in '1x' (units: ns us ms s min "
      "h, B KiB MiB GiB kB MB GB, k M G)" },
    { "a.b\nc", "expression:1:4: an expression is one line" },
};

START_TEST(test_expr_errors)
{
    const struct parse_error_case *tc = &expr_errors[_i];
    struct lesson_expr *e = NULL;
    char err[256] = "";
    ck_assert_int_eq(lesson_expr_parse(tc->text, false, &e, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, tc->msg);
    ck_assert_ptr_null(e);
}
END_TEST

/* Deep nesting is refused with a message, not a stack overflow. */
START_TEST(test_expr_depth)
{
    char buf[600];
    size_t n = 0;
    for (int i = 0; i < 200; i++)
        buf[n++] = '(';
    buf[n++] = '1';
    for (int i = 0; i < 200; i++)
        buf[n++] = ')';
    memcpy(buf + n, " > 0", 5);
    struct lesson_expr *e;
    char err[256];
    ck_assert_int_eq(lesson_expr_parse(buf, false, &e, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "expression:1:33: expression is nested too deeply (more than 32 "
                     "levels)");
    /* 20 levels are fine */
    n = 0;
    for (int i = 0; i < 20; i++)
        buf[n++] = '(';
    buf[n++] = '1';
    for (int i = 0; i < 20; i++)
        buf[n++] = ')';
    memcpy(buf + n, " > 0", 5);
    ck_assert_int_eq(lesson_expr_parse(buf, false, &e, err, sizeof(err)), 0);
    lesson_expr_free(e);
    /* so are long flat sums, up to the node limit */
    char *s = xmalloc(4096);
    n = 0;
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(s + n, 4096 - n, "1+");
    snprintf(s + n, 4096 - n, "1 > 0");
    ck_assert_int_eq(lesson_expr_parse(s, false, &e, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "expression is too long") != NULL, "%s", err);
    free(s);
}
END_TEST

/* ---- malformed lessons ------------------------------------------------------------ */

static const struct parse_error_case fixture_errors[] = {
    { "unknown-keyword", "4:5: unknown keyword 'wrkload' (did you mean 'workload'?)" },
    { "unknown-keyword-far", "4:5: unknown keyword 'frobnicate'" },
    { "bad-number", "4:11: bad number '1.2.3'" },
    { "bad-unit", "4:15: unknown unit 'xs' in '20xs' (units: ns us ms s min h)" },
    { "time-no-unit", "4:13: '20' needs a time unit, such as 20s or 20ms" },
    { "ambiguous-m", "4:12: unit 'm' is ambiguous in '2m': write 'min' for minutes or 'ms' "
      "for milliseconds" },
    { "unknown-model", "4:12: unknown model 'lop' (did you mean 'loop'?)" },
    { "unknown-model-in-list", "4:18: unknown model 'threds' (did you mean 'threads'?)" },
    { "unknown-metric", "4:17: unknown metric 'corse' for loop (did you mean 'cores'?)" },
    { "metric-wrong-model", "4:20: 'loop_lag' is a figure of the loop model only, not of "
      "threads" },
    { "bare-metric", "4:12: 'cores' needs a model: write loop.cores, threads.cores, ... or "
      "machine.cores" },
    { "no-comparison", "4:26: no comparison: add <, <=, >, >=, == or != and a value to "
      "compare with" },
    { "two-comparisons", "4:27: one comparison per expectation: write a second 'expect' "
      "line" },
    { "single-equals", "4:23: '=' is not a comparison: write '=='" },
    { "unbalanced-paren", "4:28: missing ')' to close the '(' at column 12" },
    { "kind-mismatch", "4:26: compares a time with a size in bytes: both sides must measure "
      "the same thing" },
    { "needs-model", "4:36: a 'needs' clause tests the machine only, not loop.cores" },
    { "unterminated-caption", "4:5: caption block is never closed: add a line 'end' after "
      "its text" },
    { "caption-swallows", "6:5: 'expect' inside the caption block of line 4: close the "
      "caption with 'end' first (or write '| expect' for text)" },
    { "empty-caption", "4:5: empty caption block" },
    { "backwards", "5:4: this step starts at 10s, before the step of line 4 (at 20s): steps "
      "must go forward in time" },
    { "same-time", "4:7: this step starts at 10s, at the same time as the step of line 3 "
      "(at 10s): steps must go forward in time" },
    { "empty", "1:1: empty lesson: write a 'title', a 'summary' and at least one step "
      "('at 0s')" },
    { "only-comments", "1:1: empty lesson: write a 'title', a 'summary' and at least one "
      "step ('at 0s')" },
    { "no-title", "1:1: the lesson has no title: add a line 'title ...'" },
    { "no-summary", "1:1: the lesson has no summary: add a line 'summary ...' (one line for "
      "--list-lessons)" },
    { "no-step", "2:1: the lesson has no step: add 'at 0s' and what to show" },
    { "setting-outside-step", "3:1: 'workload' belongs to a step: start one with 'at 0s'" },
    { "duplicate-setting", "5:5: 'workload' is already set in this step (line 4)" },
    { "duplicate-title", "3:1: the lesson already has a title (line 1)" },
    { "duration-short", "3:1: duration 10s ends before the last step (line 5, at 20s) "
      "begins" },
    { "settle-long", "3:1: this step lasts 5s, but its expectations wait 10s to settle: make "
      "the step longer or 'settle' shorter" },
    { "tasks-range", "4:11: a task count must be between 1 and 10000000, not '0'" },
    { "tasks-fraction", "4:11: a task count must be a whole number, not '1.5'" },
    { "tasks-no-equals", "4:19: expected '=' and a count after 'threads', as in "
      "threads=100" },
    { "bad-workload", "4:14: unknown workload 'cpus' (did you mean 'cpu'?)" },
    { "bad-on-off", "4:9: unknown value 'yes' (expected off, on)" },
    { "trailing-junk", "4:16: unexpected 'now' after the mode" },
    { "size-time", "4:17: '20ms' is not a size: use B, KiB, MiB, GiB (or K, M, G)" },
    { "control-char", "4:19: control character U+001B in the text" },
    { "invalid-utf8", "4:18: invalid UTF-8 (byte 0xff): save the lesson as UTF-8" },
    { "nul-byte", "4:14: NUL byte in the text (is this a binary file?)" },
    { "huge-line", "4:1025: line is longer than 1024 bytes" },
};

START_TEST(test_fixture_errors)
{
    const struct parse_error_case *tc = &fixture_errors[_i];
    char path[512], want[1024], err[1024] = "";
    snprintf(path, sizeof(path), "%s/%s.lesson", FIXTURES, tc->text);
    snprintf(want, sizeof(want), "%s:%s", path, tc->msg);
    struct lesson *l = NULL;
    ck_assert_int_eq(lesson_load(path, &l, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(l);
}
END_TEST

/* Every fixture file is in the table above (or is the good one). */
START_TEST(test_fixtures_all_listed)
{
    const char *dirs[] = { FIXTURES };
    struct lesson_entry *v;
    size_t n;
    ck_assert_int_eq(lesson_list_dirs(dirs, 1, &v, &n), 0);
    ck_assert_uint_eq(n, ARRAY_SIZE(fixture_errors) + 1);
    for (size_t i = 0; i < n; i++) {
        bool listed = false;
        for (size_t j = 0; j < ARRAY_SIZE(fixture_errors); j++)
            listed |= strcmp(v[i].name, fixture_errors[j].text) == 0;
        if (strcmp(v[i].name, "good-crlf-bom") == 0) {
            ck_assert_ptr_null(v[i].error);
            ck_assert_str_eq(v[i].summary, "A lesson that parses");
        } else {
            ck_assert_msg(listed, "fixture %s has no expected message", v[i].name);
            ck_assert_ptr_null(v[i].summary);
            ck_assert_ptr_nonnull(v[i].error);
        }
        if (i > 0)
            ck_assert(strcmp(v[i - 1].name, v[i].name) < 0);
    }
    lesson_list_free(v, n);
}
END_TEST

/* A file name given to lesson_parse() is what messages start with. */
START_TEST(test_parse_buffers)
{
    struct lesson *l = NULL;
    char err[256];
    ck_assert_int_eq(lesson_parse("", 0, "x.lesson", &l, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "x.lesson:1:1: empty lesson: write a 'title', a 'summary' and at "
                     "least one step ('at 0s')");
    /* a NUL in the middle of a buffer is seen, not taken for its end */
    static const char nul[] = "title T\nsummary S\nat 0s\0\n";
    ck_assert_int_eq(lesson_parse(nul, sizeof(nul) - 1, "b", &l, err, sizeof(err)),
                     -EINVAL);
    ck_assert_str_eq(err, "b:3:6: NUL byte in the text (is this a binary file?)");
    /* truncated UTF-8 at the very end */
    static const char trunc[] = "title caf\xc3";
    ck_assert_int_eq(lesson_parse(trunc, sizeof(trunc) - 1, "c", &l, err, sizeof(err)),
                     -EINVAL);
    ck_assert_str_eq(err, "c:1:10: invalid UTF-8 (byte 0xc3): save the lesson as UTF-8");
    /* overlong encodings and surrogates are not UTF-8 either */
    static const char overlong[] = "title \xc0\xaf";
    ck_assert_int_eq(lesson_parse(overlong, sizeof(overlong) - 1, "d", &l, err,
                                  sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "d:1:7: invalid UTF-8 (byte 0xc0): save the lesson as UTF-8");
    static const char surrogate[] = "title \xed\xa0\x80";
    ck_assert_int_eq(lesson_parse(surrogate, sizeof(surrogate) - 1, "e", &l, err,
                                  sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "e:1:7: invalid UTF-8 (byte 0xed): save the lesson as UTF-8");
    /* a C1 control character is refused like a C0 one */
    static const char c1[] = "title a\xc2\x9b" "2J";
    ck_assert_int_eq(lesson_parse(c1, sizeof(c1) - 1, "f", &l, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "f:1:8: control character U+009B in the text");
    /* no room for the message: still an error, no overflow */
    ck_assert_int_eq(lesson_parse("x", 1, "g", &l, err, 4), -EINVAL);
    ck_assert_str_eq(err, "g:1");
    ck_assert_int_eq(lesson_parse("x", 1, "g", &l, NULL, 0), -EINVAL);
    ck_assert_ptr_null(l);
}
END_TEST

/* The whole language in one lesson, read back field by field. */
START_TEST(test_parse_everything)
{
    static const char text[] =
        "# a comment\n"
        "title Everything\n"
        "summary Every keyword once\n"
        "duration 2min\n"
        "\n"
        "at 0s First step\n"
        "    workload io\n"
        "    models goroutines, loop\n"
        "    tasks 1000 threads=100\n"
        "    tasks goroutines=1.5k\n"
        "    gil on\n"
        "    offload off\n"
        "    gomaxprocs 2\n"
        "    mode split\n"
        "    latency 20ms\n"
        "    data-size 64M\n"
        "    response-size 4KiB\n"
        "    slice 2s\n"
        "    settle 1s\n"
        "    caption One line,\n"
        "    caption\n"
        "\n"
        "        then a block\t with a tab\n"
        "\n"
        "        and a # that is text\n"
        "        | expect: text after a bar\n"
        "\n"
        "    end\n"
        "    expect loop.cores <= 1.1   # a comment\n"
        "    expect goroutines.cores >= 3.2 needs cores >= 4\n"
        "after 10s\n"
        "    workload cpu\n"
        "    models all\n"
        "at 1min # no title\n"
        "    mode turns\n";
    struct lesson *l = NULL;
    char err[256];
    ck_assert_msg(lesson_parse(text, sizeof(text) - 1, "dir/every.lesson", &l, err,
                               sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(l->name, "every");
    ck_assert_str_eq(l->filename, "dir/every.lesson");
    ck_assert_str_eq(l->title, "Everything");
    ck_assert_str_eq(l->summary, "Every keyword once");
    ck_assert_uint_eq(l->duration_ns, 120000000000ull);
    ck_assert_uint_eq(l->nsteps, 3);

    const struct lesson_step *s = &l->steps[0];
    ck_assert_str_eq(s->title, "First step");
    ck_assert_int_eq(s->line, 6);
    ck_assert_uint_eq(s->at_ns, 0);
    const struct lesson_settings *st = &s->settings;
    ck_assert_uint_eq(st->set, LESSON_SET_WORKLOAD | LESSON_SET_MODELS | LESSON_SET_TASKS |
                      LESSON_SET_GIL | LESSON_SET_OFFLOAD | LESSON_SET_GOMAXPROCS |
                      LESSON_SET_MODE | LESSON_SET_LATENCY | LESSON_SET_DATA_SIZE |
                      LESSON_SET_RESPONSE_SIZE | LESSON_SET_SLICE | LESSON_SET_SETTLE);
    ck_assert_int_eq(st->workload, LESSON_W_IO);
    ck_assert_int_eq(st->nmodels, 2);
    ck_assert_int_eq(st->models[0], LESSON_GOROUTINES);
    ck_assert_int_eq(st->models[1], LESSON_LOOP);
    ck_assert_uint_eq(st->tasks_set, 0xf);
    ck_assert_int_eq(st->tasks[LESSON_PROCS], 1000);
    ck_assert_int_eq(st->tasks[LESSON_THREADS], 100);
    ck_assert_int_eq(st->tasks[LESSON_LOOP], 1000);
    ck_assert_int_eq(st->tasks[LESSON_GOROUTINES], 1500);
    ck_assert(st->gil && !st->offload);
    ck_assert_int_eq(st->gomaxprocs, 2);
    ck_assert_int_eq(st->mode, LESSON_MODE_SPLIT);
    ck_assert_uint_eq(st->latency_ns, 20000000);
    ck_assert_uint_eq(st->data_size, 64ull << 20);
    ck_assert_uint_eq(st->response_size, 4096);
    ck_assert_uint_eq(st->slice_ns, 2000000000ull);
    ck_assert_uint_eq(st->settle_ns, 1000000000ull);
    ck_assert_str_eq(s->caption, "One line,\n\nthen a block  with a tab\n\n"
                     "and a # that is text\nexpect: text after a bar");
    ck_assert_uint_eq(s->nexpects, 2);
    ck_assert_str_eq(s->expects[0].text, "loop.cores <= 1.1");
    ck_assert_ptr_null(s->expects[0].needs);
    ck_assert_int_eq(s->expects[0].line, 29);
    ck_assert_str_eq(s->expects[1].text, "goroutines.cores >= 3.2");
    ck_assert_str_eq(s->expects[1].needs_text, "cores >= 4");
    ck_assert_ptr_nonnull(s->expects[1].needs);

    ck_assert_uint_eq(l->steps[1].at_ns, 10000000000ull);
    ck_assert_ptr_null(l->steps[1].title);
    ck_assert_int_eq(l->steps[1].settings.nmodels, 4);
    ck_assert_ptr_null(l->steps[1].caption);
    ck_assert_uint_eq(l->steps[2].at_ns, 60000000000ull);
    ck_assert_ptr_null(l->steps[2].title);

    /* settings fold over the steps */
    struct lesson_settings base = { .settle_ns = LESSON_SETTLE_DEFAULT_NS,
                                    .latency_ns = 1 }, eff;
    lesson_effective(l, 2, &base, &eff);
    ck_assert_int_eq(eff.workload, LESSON_W_CPU);
    ck_assert_int_eq(eff.mode, LESSON_MODE_TURNS);
    ck_assert_int_eq(eff.nmodels, 4);
    ck_assert_int_eq(eff.tasks[LESSON_THREADS], 100);
    ck_assert_uint_eq(eff.latency_ns, 20000000);
    ck_assert(eff.gil);
    lesson_effective(l, 0, &base, &eff);
    ck_assert_int_eq(eff.workload, LESSON_W_IO);

    ck_assert_int_eq(lesson_step_at(l, 0), 0);
    ck_assert_int_eq(lesson_step_at(l, 9999999999ull), 0);
    ck_assert_int_eq(lesson_step_at(l, 10000000000ull), 1);
    ck_assert_int_eq(lesson_step_at(l, 500000000000ull), 2);
    lesson_free(l);
}
END_TEST

START_TEST(test_step_at_before_first)
{
    static const char text[] = "title T\nsummary S\nat 5s\n";
    struct lesson *l;
    char err[256];
    ck_assert_int_eq(lesson_parse(text, sizeof(text) - 1, "t", &l, err, sizeof(err)), 0);
    ck_assert_int_eq(lesson_step_at(l, 0), -1);
    ck_assert_int_eq(lesson_step_at(l, 5000000000ull), 0);
    /* no duration: 30 s after the last step */
    ck_assert_uint_eq(l->duration_ns, 35000000000ull);
    lesson_free(l);
}
END_TEST

/* More mistakes, written inline: "title T\nsummary S\nat 0s\n" comes first, so
 * the line under test is line 4. */
static const struct parse_error_case inline_errors[] = {
    { "at", "4:3: expected a time such as 10s or 500ms" },
    { "at soon", "4:4: expected a time such as 10s or 500ms, not 'soon'" },
    { "at 25h", "4:4: time '25h' is longer than a day" },
    { "after 23h\nafter 23h", "5:7: this step starts more than a day into the lesson" },
    { "at 5k", "4:4: '5k' needs a time unit, such as 5ks or 5kms" },
    { "at 5MiB", "4:5: '5MiB' is not a time: use ns, us, ms, s, min or h" },
    { "tasks", "4:6: 'tasks' needs a count, as in 'tasks 1000' or 'tasks threads=100 "
      "goroutines=10k'" },
    { "tasks many", "4:7: unknown model 'many' (expected procs, threads, loop, "
      "goroutines)" },
    { "tasks 5ms", "4:8: '5ms' is not a count: only k, M and G may follow it" },
    { "tasks 100G", "4:7: a task count must be between 1 and 10000000, not '100G'" },
    { "tasks 12345678901234567890", "4:7: number '12345678901234567890' is too large" },
    { "tasks procs=", "4:13: expected a task count" },
    { "tasks procs=x", "4:13: expected a task count, not 'x'" },
    { "tasks procs=3 procs=4", "4:15: tasks for procs are given twice" },
    { "tasks procs=3 100", "4:15: give the count for all models first, then per model: "
      "'tasks 1000 threads=100'" },
    { "tasks 100\ntasks 200", "5:7: a count for all models is already given" },
    { "models", "4:7: 'models' needs a list: procs threads loop goroutines, or all" },
    { "models loop loop", "4:13: model 'loop' is listed twice" },
    { "models all loop", "4:12: unexpected 'loop' after 'all'" },
    { "workload", "4:9: expected workload" },
    { "gomaxprocs 0", "4:12: a number of Ps must be between 1 and 1024, not '0'" },
    { "slice 0s", "4:1: slice must be more than 0s" },
    { "data-size", "4:10: expected a size such as 64MiB" },
    { "data-size 0", "4:11: size '0' is out of range (1 B to 1 PB)" },
    { "response-size 2P", "4:16: unknown unit 'P' in '2P' (units: B KiB MiB GiB, or K M G "
      "for KiB MiB GiB)" },
    { "latency 5 ms", "4:9: '5' needs a time unit, such as 5s or 5ms" },
    { "title", "4:1: the lesson already has a title (line 1)" },
    { "duration 0s", "4:1: duration must be more than 0s" },
    { "duration 1min\nduration 2min", "5:1: the lesson already has a duration (line 4)" },
    { "duration 1min 2", "4:15: unexpected '2' after the duration" },
    { ": x", "4:1: expected a keyword such as 'at', 'caption' or 'expect', not ':'" },
    { "expect: loop.cores < 1", "4:1: unknown keyword 'expect:'" },
    { "Expect loop.cores < 1", "4:1: unknown keyword 'Expect' (did you mean 'expect'?)" },
    { "expect", "4:7: expected a comparison such as 'loop.cores <= 1.1'" },
    { "expect loop.cores < 1 needs", "4:28: expected a comparison such as 'loop.cores <= "
      "1.1'" },
    { "expect loop.cores < 1 needs cores", "4:34: no comparison: add <, <=, >, >=, == or != "
      "and a value to compare with" },
    { "expect loop.cores needs cores > 1", "4:19: no comparison: add <, <=, >, >=, == or != "
      "and a value to compare with" },
    { "expect goroutines.cores > 1 needs corse > 1", "4:35: unknown metric 'corse' for "
      "machine (did you mean 'cores'?)" },
    { "expect looop.cores > 1", "4:8: unknown model 'looop' (did you mean 'loop'?)" },
    { "expect xyzzy.cores > 1", "4:8: unknown model 'xyzzy' (models: procs, threads, loop, "
      "goroutines, machine)" },
    { "caption\n  text\n  caption", "6:3: 'caption' inside the caption block of line 4: "
      "close the caption with 'end' first (or write '| caption' for text)" },
    { "caption\n  text\n  at 10s", "6:3: 'at' inside the caption block of line 4: close "
      "the caption with 'end' first (or write '| at' for text)" },
    { "title\xc2\xa0x", "4:1: unknown keyword 'title\xc2\xa0x'" },
};

START_TEST(test_inline_errors)
{
    const struct parse_error_case *tc = &inline_errors[_i];
    char *text, err[512];
    xasprintf(&text, "title T\nsummary S\nat 0s\n%s\n", tc->text);
    struct lesson *l = NULL;
    ck_assert_int_eq(lesson_parse(text, strlen(text), "in", &l, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strncmp(err, "in:", 3) == 0 && strcmp(err + 3, tc->msg) == 0,
                  "%s\n got: %s\nwant: in:%s", tc->text, err, tc->msg);
    ck_assert_ptr_null(l);
    free(text);
}
END_TEST

/* Things that are fine, that a stricter reading might refuse. */
START_TEST(test_inline_accepted)
{
    static const char *const ok[] = {
        "caption\n  after 20 ms, the next one\n  at the start, 5 tasks\nend",
        "caption # is text here",
        "at 1e1s\nat 1.5e1s",
        "latency 250\xc2\xb5s",
        "latency 0.25ms # a comment",
        "models procs, threads,loop",
        "tasks 1k procs=10 threads=1M",
        "tasks procs=1\ntasks threads=2",
        "data-size 1G\nresponse-size 512",
        "expect -loop.cores >= -1.1",
        "expect machine.busy_cores <= machine.cores",
        "expect loop.latency_p99 <= 2 * loop.latency_p50 + 1ms",
        "expect loop.rss / 1MiB < 100",
        "expect loop.cores\xe2\x89\xa0 2",
    };
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        char *text, err[512];
        xasprintf(&text, "title T\nsummary S\nat 0s\n%s\n", ok[i]);
        struct lesson *l = NULL;
        ck_assert_msg(lesson_parse(text, strlen(text), "in", &l, err, sizeof(err)) == 0,
                      "%s: %s", ok[i], err);
        lesson_free(l);
        free(text);
    }
    /* no unary plus: say so where it stands */
    struct lesson_expr *e;
    char err[256];
    ck_assert_int_eq(lesson_expr_parse("(loop.cores) <= +1", false, &e, err, sizeof(err)),
                     -EINVAL);
    ck_assert_str_eq(err, "expression:1:17: unexpected '+1': expected a number, a metric "
                     "or '('");
}
END_TEST

/* The limits are enforced with a message, not by running out of memory. */
START_TEST(test_limits)
{
    char err[512];
    struct lesson *l = NULL;
    size_t cap = 64 * 1024, n = 0;
    char *text = xmalloc(cap);

    n = (size_t)snprintf(text, cap, "title T\nsummary S\n");
    for (int i = 0; i <= LESSON_STEPS_MAX; i++)
        n += (size_t)snprintf(text + n, cap - n, "at %ds\n", i);
    ck_assert_int_eq(lesson_parse(text, n, "in", &l, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "in:259:1: too many steps (at most 256)");

    n = (size_t)snprintf(text, cap, "title T\nsummary S\nat 0s\n");
    for (int i = 0; i <= LESSON_EXPECTS_MAX; i++)
        n += (size_t)snprintf(text + n, cap - n, "expect loop.cores > %d\n", i);
    ck_assert_int_eq(lesson_parse(text, n, "in", &l, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "in:68:1: too many expectations in one step (at most 64)");

    n = (size_t)snprintf(text, cap, "title T\nsummary S\nat 0s\ncaption\n");
    for (int i = 0; i <= 64; i++)
        n += (size_t)snprintf(text + n, cap - n, "line %d\n", i);
    ck_assert_int_eq(lesson_parse(text, n, "in", &l, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "in:69:1: caption is longer than 64 lines");
    free(text);

    /* a file larger than a lesson can be is not read */
    char path[] = "/tmp/check_lesson.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, LESSON_FILE_MAX + 1), 0);
    close(fd);
    ck_assert_int_eq(lesson_load(path, &l, err, sizeof(err)), -EFBIG);
    ck_assert(strstr(err, ": larger than 1048576 bytes: not a lesson") != NULL);
    unlink(path);
}
END_TEST

/* ---- judging --------------------------------------------------------------------- */

static struct lesson *judge_lesson(void)
{
    static const char text[] =
        "title T\nsummary S\nat 0s\n"
        "expect loop.cores <= 1.1\n"
        "expect threads.cores <= 1.1\n"
        "expect goroutines.cores >= 1.6\n"
        "expect loop.cores >= 1 needs cores >= 4\n"
        "expect loop.cores <= 1.1 needs mem_available >= 64GiB\n"
        "expect loop.cores / (goroutines.tasks) > 1\n"
        "expect loop.cores <= 1.1 needs machine.load1 < 100\n";
    struct lesson *l;
    char err[256];
    ck_assert_int_eq(lesson_parse(text, sizeof(text) - 1, "j", &l, err, sizeof(err)), 0);
    return l;
}

START_TEST(test_judge)
{
    struct lesson *l = judge_lesson();
    const struct lesson_expect *x = l->steps[0].expects;
    struct lesson_judgement j;
    const uint64_t s = 1000000000ull;

    ck_assert_int_eq(lesson_judge(&x[0], fig_lookup, NULL, 10 * s, 5 * s, &j), LESSON_HOLDS);
    ck_assert(j.lhs == 0.98 && j.rhs == 1.1 && j.why[0] == '\0');
    ck_assert_int_eq(lesson_judge(&x[1], fig_lookup, NULL, 10 * s, 5 * s, &j), LESSON_FAILS);
    ck_assert(j.lhs == 1.9);
    /* settling first */
    ck_assert_int_eq(lesson_judge(&x[1], fig_lookup, NULL, 2 * s + 1, 5 * s, &j),
                     LESSON_PENDING);
    ck_assert_str_eq(j.why, "settling: 3s left");
    /* no data */
    ck_assert_int_eq(lesson_judge(&x[2], fig_lookup, NULL, 10 * s, 5 * s, &j),
                     LESSON_PENDING);
    ck_assert_str_eq(j.why, "no data yet for goroutines.cores");
    /* needs: skipped from the start, with the machine's figure */
    ck_assert_int_eq(lesson_judge(&x[3], fig_lookup, NULL, 0, 5 * s, &j), LESSON_SKIPPED);
    ck_assert_str_eq(j.why, "needs cores >= 4: this machine has 2");
    ck_assert_int_eq(lesson_judge(&x[4], fig_lookup, NULL, 0, 5 * s, &j), LESSON_SKIPPED);
    ck_assert_str_eq(j.why, "needs mem_available >= 64GiB: this machine has 20 GiB");
    /* division by zero */
    ck_assert_int_eq(lesson_judge(&x[5], fig_lookup, NULL, 10 * s, 5 * s, &j),
                     LESSON_PENDING);
    ck_assert_str_eq(j.why, "division by zero");
    /* a needs clause whose figure is missing keeps it pending */
    ck_assert_int_eq(lesson_judge(&x[6], fig_lookup, NULL, 10 * s, 5 * s, &j),
                     LESSON_PENDING);
    ck_assert_str_eq(j.why, "no data yet for machine.load1");
    lesson_free(l);
}
END_TEST

START_TEST(test_fmt_value)
{
    char b[32];
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 0.98, LESSON_KIND_NUMBER), "0.98");
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 2, LESSON_KIND_NUMBER), "2");
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 45000, LESSON_KIND_NUMBER), "45.0k");
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 1.5e6, LESSON_KIND_NUMBER), "1.50M");
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 0.02, LESSON_KIND_TIME), "20.0 ms");
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 2.5e-6, LESSON_KIND_TIME),
                     "2.50 \xc2\xb5s");
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 1.5e-7, LESSON_KIND_TIME), "150 ns");
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 3, LESSON_KIND_TIME), "3.00 s");
    ck_assert_str_eq(lesson_fmt_value(b, sizeof(b), 64.0 * 1024 * 1024, LESSON_KIND_BYTES),
                     "64 MiB");
    struct lesson_expr *e;
    char err[128];
    ck_assert_int_eq(lesson_expr_parse("2 * 3 < loop.loop_lag", false, &e, err,
                                       sizeof(err)), 0);
    ck_assert_int_eq(lesson_expr_kind(e), LESSON_KIND_TIME);
    lesson_expr_free(e);
    ck_assert_int_eq(lesson_expr_parse("loop.rss / loop.tasks > 1", false, &e, err,
                                       sizeof(err)), 0);
    ck_assert_int_eq(lesson_expr_kind(e), LESSON_KIND_NUMBER);
    lesson_expr_free(e);
}
END_TEST

START_TEST(test_list_print)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(lesson_list_print(f), 0);
    fclose(f);
    ck_assert_msg(strstr(buf, "cpu-bound           CPU") != NULL ||
                  strstr(buf, "cpu-bound  ") != NULL, "%s", buf);
    ck_assert(strstr(buf, "million-goroutines  Creating and keeping tasks: goroutines") != NULL);
    free(buf);
}
END_TEST

/* ---- the shipped lessons --------------------------------------------------------- */

static const char *const shipped[] = {
    "context-switch", "cpu-bound", "cpu-vs-io", "io-bound", "locks-vs-channels", "memory",
    "million-goroutines",
};

START_TEST(test_shipped_parse)
{
    const char *dirs[] = { LESSONS };
    struct lesson_entry *v;
    size_t n;
    ck_assert_int_eq(lesson_list_dirs(dirs, 1, &v, &n), 0);
    ck_assert_uint_eq(n, ARRAY_SIZE(shipped));
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(v[i].name, shipped[i]);
        ck_assert_msg(v[i].error == NULL, "%s", v[i].error);
        struct lesson *l;
        char err[512];
        ck_assert_msg(lesson_load(v[i].path, &l, err, sizeof(err)) == 0, "%s", err);
        /* a summary is one line that fits --list-lessons beside the name */
        ck_assert_msg(strlen(l->summary) <= 72, "%s: summary too long", l->name);
        ck_assert_ptr_nonnull(l->steps[0].caption);
        size_t nexp = 0;
        for (size_t s = 0; s < l->nsteps; s++) {
            const struct lesson_step *st = &l->steps[s];
            ck_assert_ptr_nonnull(st->caption);
            for (size_t k = 0; k < st->nexpects; k++) {
                double val;
                bool holds;
                ck_assert_int_eq(lesson_eval(st->expects[k].expr, one_lookup, NULL, &val,
                                             &holds), 0);
                if (st->expects[k].needs)
                    ck_assert_int_eq(lesson_eval(st->expects[k].needs, one_lookup, NULL,
                                                 &val, &holds), 0);
            }
            nexp += st->nexpects;
        }
        ck_assert_msg(nexp >= 2, "%s states too few expectations", l->name);
        /* the first step sets up the run fully: workload, models and tasks */
        unsigned need = LESSON_SET_WORKLOAD | LESSON_SET_MODELS | LESSON_SET_TASKS |
                        LESSON_SET_MODE;
        ck_assert_msg((l->steps[0].settings.set & need) == need, "%s: first step",
                      l->name);
        lesson_free(l);
    }
    lesson_list_free(v, n);
}
END_TEST

/*
 * On 2 cores the lessons must not expect what 2 cores cannot show: an
 * expectation that a model uses more cores than the machine has (or close
 * to it) must carry "needs cores >= N". Checked by evaluating every
 * expectation on a 2-core machine where every model uses all of its cores:
 * if it fails there, it fails everywhere with 2 cores.
 */
static int two_core_lookup(void *ctx, enum lesson_model model, enum lesson_metric metric,
                           double *out)
{
    if (metric == LESSON_M_CORES) {
        *out = 2.0;
        return 0;
    }
    if (metric == LESSON_M_MACHINE_CORES) {
        *out = 2;
        return 0;
    }
    return -ENOENT;
}

START_TEST(test_shipped_two_cores)
{
    for (size_t i = 0; i < ARRAY_SIZE(shipped); i++) {
        char *path;
        ck_assert_int_eq(lesson_find(shipped[i], &path), 0);
        struct lesson *l;
        char err[512];
        ck_assert_msg(lesson_load(path, &l, err, sizeof(err)) == 0, "%s", err);
        for (size_t s = 0; s < l->nsteps; s++) {
            const struct lesson_step *st = &l->steps[s];
            for (size_t k = 0; k < st->nexpects; k++) {
                const struct lesson_expect *x = &st->expects[k];
                double v;
                bool holds;
                if (x->needs) {
                    int r = lesson_eval(x->needs, two_core_lookup, NULL, &v, &holds);
                    if (r < 0 || !holds)
                        continue;           /* skipped on 2 cores, with the reason */
                }
                int r = lesson_eval(x->expr, two_core_lookup, NULL, &v, &holds);
                if (r == -ENOENT || strstr(x->text, ">=") == NULL)
                    continue;
                ck_assert_msg(holds, "%s:%d: '%s' cannot hold on 2 cores", path, x->line,
                              x->text);
            }
        }
        lesson_free(l);
        free(path);
    }
}
END_TEST

/* In turns mode a step must settle for a full round of turns before its
 * expectations are judged, or some model is judged before its first turn. */
START_TEST(test_shipped_turns_settle)
{
    for (size_t i = 0; i < ARRAY_SIZE(shipped); i++) {
        char *path;
        ck_assert_int_eq(lesson_find(shipped[i], &path), 0);
        struct lesson *l;
        char err[512];
        ck_assert_msg(lesson_load(path, &l, err, sizeof(err)) == 0, "%s", err);
        struct lesson_settings base = {
            .settle_ns = LESSON_SETTLE_DEFAULT_NS, .slice_ns = 5000000000ull,
            .nmodels = LESSON_NMODELS,
        }, eff;
        for (size_t s = 0; s < l->nsteps; s++) {
            lesson_effective(l, s, &base, &eff);
            if (l->steps[s].nexpects == 0 || eff.mode != LESSON_MODE_TURNS)
                continue;
            uint64_t round = (uint64_t)eff.nmodels * eff.slice_ns + 1000000000ull;
            ck_assert_msg(eff.settle_ns >= round, "%s:%d: settle %gs < a round of turns",
                          path, l->steps[s].line, (double)eff.settle_ns / 1e9);
        }
        lesson_free(l);
        free(path);
    }
}
END_TEST

START_TEST(test_find)
{
    char *path = NULL;
    ck_assert_int_eq(lesson_find("cpu-bound", &path), 0);
    size_t n = strlen(path);
    ck_assert(n > 17 && strcmp(path + n - 17, "/cpu-bound.lesson") == 0);
    free(path);
    ck_assert_int_eq(lesson_find("no-such-lesson", &path), -ENOENT);
    ck_assert_int_eq(lesson_find("", &path), -ENOENT);
    ck_assert_int_eq(lesson_find("../lessons/cpu-bound", &path), -ENOENT);
    ck_assert_int_eq(lesson_find(FIXTURES "/empty.lesson", &path), 0);
    ck_assert_str_eq(path, FIXTURES "/empty.lesson");
    free(path);
    ck_assert_int_eq(lesson_find("missing.lesson", &path), -ENOENT);
    ck_assert_int_eq(lesson_find(FIXTURES, &path), -ENOENT);   /* a directory */

    struct lesson_entry *v;
    ck_assert_int_eq(lesson_list(&v, &n), 0);
    ck_assert_uint_ge(n, ARRAY_SIZE(shipped));
    lesson_list_free(v, n);

    /* an earlier directory hides the same name in a later one */
    const char *dirs[] = { LESSONS, FIXTURES, LESSONS, "/nonexistent" };
    ck_assert_int_eq(lesson_list_dirs(dirs, 4, &v, &n), 0);
    ck_assert_uint_eq(n, ARRAY_SIZE(shipped) + ARRAY_SIZE(fixture_errors) + 1);
    lesson_list_free(v, n);

    struct lesson *l;
    char err[512];
    ck_assert_int_eq(lesson_load(FIXTURES "/nonexistent.lesson", &l, err, sizeof(err)),
                     -ENOENT);
    ck_assert_str_eq(err, FIXTURES "/nonexistent.lesson: No such file or directory");
    ck_assert_int_eq(lesson_load(FIXTURES, &l, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, FIXTURES ": not a regular file");
}
END_TEST

START_TEST(test_names_and_table)
{
    ck_assert_str_eq(lesson_model_name(LESSON_GOROUTINES), "goroutines");
    ck_assert_str_eq(lesson_model_name(LESSON_MACHINE), "machine");
    ck_assert_ptr_null(lesson_model_name((enum lesson_model)99));
    ck_assert_str_eq(lesson_workload_name(LESSON_W_PINGPONG), "pingpong");
    ck_assert_ptr_null(lesson_workload_name(LESSON_NWORKLOADS));
    ck_assert_str_eq(lesson_mode_name(LESSON_MODE_TURNS), "turns");
    /* every metric has a name, a unit, a help line and at least one owner; names
     * are unique per owner */
    for (int i = 0; i < LESSON_NMETRICS; i++) {
        const struct lesson_metric_info *a = lesson_metric_info((enum lesson_metric)i);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(a->name);
        ck_assert_ptr_nonnull(a->unit);
        ck_assert_ptr_nonnull(a->help);
        ck_assert_uint_ne(a->models, 0);
        for (int j = 0; j < i; j++) {
            const struct lesson_metric_info *b = lesson_metric_info((enum lesson_metric)j);
            ck_assert_msg(strcmp(a->name, b->name) != 0 || (a->models & b->models) == 0,
                          "metric %s twice", a->name);
        }
    }
    ck_assert_ptr_null(lesson_metric_info(LESSON_NMETRICS));
}
END_TEST

static Suite *lesson_suite(void)
{
    Suite *s = suite_create("lesson");
    TCase *tc = tcase_create("expr");
    tcase_add_loop_test(tc, test_eval_table, 0, (int)ARRAY_SIZE(eval_cases));
    tcase_add_test(tc, test_eval_sides);
    tcase_add_test(tc, test_expr_metrics);
    tcase_add_test(tc, test_needs_grammar);
    tcase_add_loop_test(tc, test_expr_errors, 0, (int)ARRAY_SIZE(expr_errors));
    tcase_add_test(tc, test_expr_depth);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_fixture_errors, 0, (int)ARRAY_SIZE(fixture_errors));
    tcase_add_test(tc, test_fixtures_all_listed);
    tcase_add_test(tc, test_parse_buffers);
    tcase_add_test(tc, test_parse_everything);
    tcase_add_test(tc, test_step_at_before_first);
    tcase_add_test(tc, test_names_and_table);
    tcase_add_loop_test(tc, test_inline_errors, 0, (int)ARRAY_SIZE(inline_errors));
    tcase_add_test(tc, test_inline_accepted);
    tcase_add_test(tc, test_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("judge");
    tcase_add_test(tc, test_judge);
    tcase_add_test(tc, test_fmt_value);
    suite_add_tcase(s, tc);

    tc = tcase_create("shipped");
    tcase_add_test(tc, test_shipped_parse);
    tcase_add_test(tc, test_shipped_two_cores);
    tcase_add_test(tc, test_shipped_turns_settle);
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_list_print);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lesson_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
