/*
 * check_replay.c — --replay: a sample file written by the report module
 * reads back into the samples it was written from, so the screen drawn from
 * the replay is the screen drawn live (the whole text, not a few numbers);
 * format-1 files still replay; broken files fail at FILE:LINE:COL.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe.h"
#include "report/replay.h"
#include "report/report.h"
#include "sample/sampler.h"
#include "ui/ui.h"

static void tmpname(char *buf, size_t n, const char *what)
{
    snprintf(buf, n, "%s/check_replay_%s_%d.json", SW_BUILDDIR, what, (int)getpid());
}

static void spin_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

static char *render(struct ui *ui, int w, int h)
{
    char *t;
    ck_assert_int_eq(ui_render_text(ui, w, h, &t), 0);
    return t;
}

START_TEST(test_replay_renders_live_screen)
{
    char path[512], err[512];
    struct sampler_opts so = { 0 };
    struct sampler *smp;
    struct report *rep;
    struct ui *live, *back;
    struct ui_opts uo = { .no_color = true, .interval_ns = 50000000 };
    const struct sample *s;
    char *live_txt[3] = { NULL, NULL, NULL };
    int at[3] = { 2, 5, 9 }, k = 0;

    tmpname(path, sizeof(path), "live");
    ck_assert_int_eq(sampler_new(&so, &smp), 0);
    ck_assert_int_eq(sampler_watch(smp, getpid(), "check_replay"), 0);
    ck_assert_int_eq(report_open(path, NULL, NULL, 50000000, &rep, err, sizeof(err)), 0);
    ck_assert_int_eq(ui_new(&uo, &live), 0);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(sampler_sample(smp, &s), 0);
        report_sample(rep, s, sampler_caps(smp), NULL);
        ui_set_sample(live, s, i == 0 ? sampler_caps(smp) : NULL);
        if (k < 3 && i == at[k])
            live_txt[k++] = render(live, 120, 40);
        spin_ms(50);
    }
    ck_assert_int_eq(report_close(rep, NULL, err, sizeof(err)), 0);

    struct replay *rp;
    ck_assert_msg(replay_load(path, &rp, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(replay_count(rp), 10);
    ck_assert(replay_caps(rp) != NULL);
    ck_assert_double_eq(replay_time(rp, 0), 0);
    ck_assert(replay_time(rp, 9) > replay_time(rp, 8));
    ck_assert_int_eq(ui_new(&uo, &back), 0);
    k = 0;
    for (int i = 0; i < 10; i++) {
        ui_set_sample(back, replay_sample(rp, i), i == 0 ? replay_caps(rp) : NULL);
        if (k < 3 && i == at[k]) {
            char *t = render(back, 120, 40);
            ck_assert_msg(strstr(t, "check_replay") != NULL, "%s", t);
            /* The screen, character for character: header, meters, tree, task rows. */
            ck_assert_str_eq(t, live_txt[k]);
            free(t);
            free(live_txt[k]);
            k++;
        }
    }
    ui_free(live);
    ui_free(back);
    replay_free(rp);
    sampler_free(smp);
    unlink(path);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "we");
    ck_assert(f != NULL);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_format1)
{
    char path[512], err[512];
    struct replay *rp;
    tmpname(path, sizeof(path), "f1");
    write_file(path,
               "{\"schedwatch\": \"0.1\", \"format\": 1, \"machine\": {\"cores_online\": 2},\n"
               " \"samples\": [\n"
               "  {\"seq\": 1, \"t_s\": 0,"
               "   \"machine\": {\"busy\": [0.5, null], \"ctxt_per_s\": 10},"
               "   \"models\": [{\"name\": \"loop\", \"state\": \"running\", \"tasks\": 4,"
               "     \"cores\": 0.98, \"mem_per_task\": 2048, \"pss\": null,"
               "     \"runtime_switches_per_s\": 5, \"runtime_switches\": \"callbacks\"}]},\n"
               "  {\"seq\": 2, \"t_s\": 0.1, \"machine\": {\"busy\": [0.25, 1]}}\n"
               " ]}\n");
    ck_assert_msg(replay_load(path, &rp, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(replay_count(rp), 2);
    const struct sample *s = replay_sample(rp, 0);
    ck_assert_int_eq(s->m.ncpu, 2);
    ck_assert(s->m.cpu[0].online && !s->m.cpu[1].online);
    ck_assert_float_eq_tol(s->m.cpu[0].busy, 0.5, 1e-6);
    ck_assert_int_eq(replay_nmodels(rp, 0), 1);
    const struct run_figs *f = replay_figs(rp, 0, 0);
    ck_assert_str_eq(f->name, "loop");
    ck_assert_uint_eq(f->ntasks, 4);
    ck_assert(f->mem_per_task_ok && f->mem_per_task == 2048);
    ck_assert(!f->pss_ok);
    ck_assert_str_eq(f->rt_switch_what, "callbacks");
    ck_assert_int_eq(replay_nmodels(rp, 1), 0);
    replay_free(rp);
    unlink(path);
}
END_TEST

static const struct {
    const char *text, *msg;
} bad[] = {
    { "[1, 2]\n", ":1:1: not a schedwatch --json file (an object expected)" },
    { "{\"format\": 1}\n", ":1:1: \"samples\" is missing" },
    { "{\"format\": 3, \"samples\": []}\n",
      ":1:12: format 3: this schedwatch reads formats 1 and 2" },
    { "{\"format\": 2,\n \"samples\": []}\n", ":2:13: no samples to replay" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 0}]}\n", ":2:3: \"machine\" is missing" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": \"0\", \"machine\": {}}]}\n",
      ":2:11: \"t_s\" should be a number" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 1, \"machine\": {\"busy\": []}},\n"
      "  {\"t_s\": 0.5, \"machine\": {\"busy\": []}}]}\n",
      ":3:11: time goes back: 0.5 s after 1 s" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 0, \"machine\": {\"busy\": []},\n"
      "   \"models\": [{\"name\": \"fibers\"}]}]}\n", ":3:24: unknown model \"fibers\"" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 0, \"machine\": {\"busy\": []},\n"
      "   \"trees\": [{\"tasks\": [[1, 2]]}]}]}\n",
      ":3:25: a task should be an array of 14 values" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 0, \"machine\": {\"busy\": [}}]}\n",
      ":2:35: unexpected character" },
    /* Numbers bound for integers, out of their range (undefined behaviour, found by
     * fuzz_replay), and a time whose nanoseconds overflow. */
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 1e300, \"machine\": {\"busy\": []}}]}\n",
      ":2:11: \"t_s\" should be a time in seconds from 0 to 1e+10" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 0, \"seq\": -1, \"machine\": {\"busy\": []}}]}\n",
      ":2:21: \"seq\" -1: out of range (0 to 1.84e+19)" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 0, \"machine\": {\"busy\": [],\n"
      "   \"procs_running\": -1}}]}\n", ":3:21: \"procs_running\" -1: out of range (0 to 4.29e+09)" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 0, \"machine\": {\"busy\": []},\n"
      "   \"trees\": [{\"tasks\": [[null, 1, \"a\", \"R\", 0, 0, 0, 0, true, 0, 0, true, 0, true]]}]}]}\n",
      ":3:26: nan: out of range (-2.15e+09 to 2.15e+09)" },
    { "{\"format\": 2, \"samples\": [\n  {\"t_s\": 0, \"machine\": {\"busy\": []},\n"
      "   \"models\": [{\"name\": \"loop\", \"states\": {\"running\": 1e19}}]}]}\n",
      ":3:54: \"running\" 1e+19: out of range (-9.22e+18 to 9.22e+18)" },
};

/* Inputs fuzz_replay found (tests/fuzz/regress/replay): each fails where it should. */
static const struct {
    const char *file, *msg;
} regress[] = {
    /* A process row with 11e19 threads: (int)1.1e20 was undefined behaviour. */
    { "proc-threads-1e20.json", ":1:3592: 1.1e+20: out of range (-2.15e+09 to 2.15e+09)" },
};

START_TEST(test_fuzz_regress)
{
    char path[512], err[512], want[700];
    struct replay *rp = NULL;
    snprintf(path, sizeof(path), "%s/fuzz/regress/replay/%s", SW_TESTDIR, regress[_i].file);
    ck_assert_int_eq(replay_load(path, &rp, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_null(rp);
    snprintf(want, sizeof(want), "%s%s", path, regress[_i].msg);
    ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_errors)
{
    char path[512], err[512], want[600];
    struct replay *rp = NULL;
    tmpname(path, sizeof(path), "bad");
    write_file(path, bad[_i].text);
    ck_assert_int_eq(replay_load(path, &rp, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_null(rp);
    snprintf(want, sizeof(want), "%s%s", path, bad[_i].msg);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got  %s\nwant %s", err, want);
    unlink(path);
}
END_TEST

/* The binary: a broken file is FILE:LINE:COL on stderr and status 2, terminal or not. */
START_TEST(test_binary_error)
{
    char path[512], cmd[1500], out[600] = "";
    const char *bin = getenv("SW_BIN");
    ck_assert(bin != NULL);
    tmpname(path, sizeof(path), "binbad");
    write_file(path, bad[4].text);
    snprintf(cmd, sizeof(cmd), "'%s' --replay '%s' 2>&1 </dev/null", bin, path);
    FILE *p = popen(cmd, "r");
    ck_assert(p != NULL);
    ck_assert(fgets(out, sizeof(out), p) != NULL);
    int st = pclose(p);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %#x", st);
    char want[600];
    snprintf(want, sizeof(want), "schedwatch: %s:2:3: \"machine\" is missing\n", path);
    ck_assert_str_eq(out, want);
    snprintf(cmd, sizeof(cmd), "'%s' --replay /nonexistent.json 2>/dev/null", bin);
    st = system(cmd);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    unlink(path);
}
END_TEST

/* The comparison table: one column per model, measured and qualitative rows. */
START_TEST(test_compare_table)
{
    struct run_figs f[2];
    struct report_cmp m[2];
    memset(f, 0, sizeof(f));
    memset(m, 0, sizeof(m));
    f[0].kind = PROBE_MODEL_THREADS;
    f[0].name = "threads";
    f[0].state = RUN_M_RUNNING;
    f[0].t_ns = 1;
    f[0].ntasks = 2;
    f[0].workload = WORK_PINGPONG;
    f[0].lat_ok = true;
    f[0].lat_p50_ms = 0.010;            /* round trip 10 us: a switch is 5 us */
    f[0].lat_p99_ms = 0.020;
    f[0].mem_per_task_ok = true;
    f[0].mem_per_task = 10240;
    f[0].gil = true;
    f[1].kind = PROBE_MODEL_LOOP;
    f[1].name = "loop";
    f[1].state = RUN_M_WAITING;         /* never had a turn: nothing measured */
    f[1].ntasks = 2;
    m[0].f = &f[0];
    m[0].avg_ok = true;
    m[0].cores = 0.98;
    m[0].units_per_s = 123456;
    m[1].f = &f[1];
    char *t = report_compare(m, 2);
    const char *want[] = {
        "                  threads (2)                      loop (2)",
        "memory per task   10 KiB                           n/a (not measured yet)",
        "creation cost     n/a: run -w spawn                n/a (not measured yet)",
        "switch cost       5.00 us                          n/a (not measured yet)",
        "cores used        0.98                             n/a (not measured yet)",
        "throughput        123456 units/s                   n/a (not measured yet)",
        "latency p50/p99   0.0 / 0.0 ms                     n/a (not measured yet)",
        "isolation         shared memory: a crash ends all  one thread: a stall stops all",
        "parallelism       one core at a time (GIL)         one core",
        "best for          CPU work on shared data          many tasks waiting on I/O",
        NULL,
    };
    char *save = NULL, *line = strtok_r(t, "\n", &save);
    for (size_t i = 0; want[i] != NULL; i++, line = strtok_r(NULL, "\n", &save)) {
        ck_assert_ptr_nonnull(line);
        ck_assert_str_eq(line, want[i]);
    }
    ck_assert_ptr_null(line);
    free(t);
}
END_TEST

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_replay_renders_live_screen);
    tcase_add_test(tc, test_format1);
    tcase_add_loop_test(tc, test_errors, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_loop_test(tc, test_fuzz_regress, 0, sizeof(regress) / sizeof(regress[0]));
    tcase_add_test(tc, test_binary_error);
    tcase_add_test(tc, test_compare_table);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
