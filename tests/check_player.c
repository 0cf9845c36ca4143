/*
 * check_player.c — the player's one table from lesson metrics to measured
 * figures: units (latency and costs in seconds, memory in bytes), figures
 * without data (no lookup value, so the expectation stays pending), and the
 * machine's figures from a sample. The player on live models is checked by
 * check_lessons_headless.sh.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/player.h"

static struct run_figs figs(void)
{
    struct run_figs f;
    memset(&f, 0, sizeof(f));
    f.kind = PROBE_MODEL_THREADS;
    f.name = "threads";
    f.state = RUN_M_RUNNING;
    f.cores = 1.5f;
    f.rss = 8 << 20;
    f.pss = 6 << 20;
    f.pss_ok = true;
    f.mem_per_task = 12288;
    f.mem_per_task_ok = true;
    f.ntasks = 100;
    f.os_tasks = 101;
    f.vcsw_per_s = 300;
    f.ivcsw_per_s = 20;
    f.units_per_s = 4000;
    f.lat_ok = true;
    f.lat_p50_ms = 20;
    f.lat_p99_ms = 40;
    f.create_ok = true;
    f.create_ns = 15000;
    f.workload = WORK_PINGPONG;
    f.state_count[PROBE_ST_LOCK] = 3;
    f.state_count[PROBE_ST_CHAN] = 4;
    f.state_count[PROBE_ST_GIL] = 5;
    f.state_count[PROBE_ST_IO] = 7;
    return f;
}

static double metric(const struct run_figs *f, const struct sample *s, enum lesson_metric m)
{
    double v = -1;
    ck_assert_int_eq(player_metric(f, s, m, &v), 0);
    return v;
}

START_TEST(test_model_figures)
{
    struct run_figs f = figs();
    ck_assert_double_eq_tol(metric(&f, NULL, LESSON_M_CORES), 1.5, 1e-6);
    ck_assert_double_eq_tol(metric(&f, NULL, LESSON_M_CPU_PCT), 150, 1e-4);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_RSS), 8 << 20);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_PSS), 6 << 20);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_MEM_PER_TASK), 12288);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_TASKS), 100);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_OS_THREADS), 101);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_SWITCHES_PER_S), 320);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_VCSW_PER_S), 300);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_IVCSW_PER_S), 20);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_UNITS_PER_S), 4000);
    /* times are seconds in the lesson language */
    ck_assert_double_eq_tol(metric(&f, NULL, LESSON_M_LATENCY_P50), 0.020, 1e-12);
    ck_assert_double_eq_tol(metric(&f, NULL, LESSON_M_LATENCY_P99), 0.040, 1e-12);
    ck_assert_double_eq_tol(metric(&f, NULL, LESSON_M_CREATE_COST), 15e-6, 1e-15);
    ck_assert_double_eq_tol(metric(&f, NULL, LESSON_M_SWITCH_COST), 0.010, 1e-12);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_TASKS_SYNC_WAIT), 12);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_TASKS_IO_WAIT), 7);
    /* threads switch through the kernel only */
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_RUNTIME_SWITCHES_PER_S), 0);
    /* no GIL: no hand-offs; with one, its rate */
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_GIL_HANDOFFS_PER_S), 0);
    f.gil = true;
    f.rt_switch_what = "GIL hand-offs";
    f.rt_switch_per_s = 200;
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_GIL_HANDOFFS_PER_S), 200);
    ck_assert_double_eq(metric(&f, NULL, LESSON_M_RUNTIME_SWITCHES_PER_S), 0);
}
END_TEST

START_TEST(test_no_data)
{
    struct run_figs f = figs();
    double v = 42;
    f.pss_ok = false;
    f.mem_per_task_ok = false;
    f.lat_ok = false;
    f.create_ok = false;
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_PSS, &v), -ENOENT);
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_MEM_PER_TASK, &v), -ENOENT);
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_LATENCY_P50, &v), -ENOENT);
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_CREATE_COST, &v), -ENOENT);
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_SWITCH_COST, &v), -ENOENT);
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_LOOP_LAG, &v), -ENOENT);
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_STEALS_PER_S, &v), -ENOENT);
    /* pingpong's switch cost only from a pingpong run */
    f = figs();
    f.workload = WORK_IO;
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_SWITCH_COST, &v), -ENOENT);
    /* a host starting or failed has no figures at all */
    f.state = RUN_M_STARTING;
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_CORES, &v), -ENOENT);
    f.state = RUN_M_FAILED;
    ck_assert_int_eq(player_metric(&f, NULL, LESSON_M_CORES, &v), -ENOENT);
    ck_assert_int_eq(player_metric(NULL, NULL, LESSON_M_CORES, &v), -ENOENT);
    ck_assert_double_eq(v, 42);
}
END_TEST

START_TEST(test_machine_figures)
{
    struct sample_cpu cpu[3] = {
        { .busy = 0.5f, .online = true }, { .busy = 0.25f, .online = true },
        { .busy = 1.0f, .online = false },
    };
    struct sample s;
    memset(&s, 0, sizeof(s));
    s.m.ncpu = 3;
    s.m.cpu = cpu;
    s.m.dt = 0.1;
    s.m.ctxt_per_s = 1234;
    s.m.load[0] = 1.5;
    s.m.procs_running = 3;
    s.m.mem_total = 8ull << 30;
    s.m.mem_available = 6ull << 30;
    ck_assert_double_eq(metric(NULL, &s, LESSON_M_MACHINE_CORES), 2);
    ck_assert_double_eq_tol(metric(NULL, &s, LESSON_M_BUSY_CORES), 0.75, 1e-6);
    ck_assert_double_eq(metric(NULL, &s, LESSON_M_CTXT_PER_S), 1234);
    ck_assert_double_eq(metric(NULL, &s, LESSON_M_LOAD1), 1.5);
    ck_assert_double_eq(metric(NULL, &s, LESSON_M_PROCS_RUNNING), 3);
    ck_assert_double_eq(metric(NULL, &s, LESSON_M_MEM_AVAILABLE), 6ull << 30);
    double v;
    ck_assert_int_eq(player_metric(NULL, &s, LESSON_M_CPU_PRESSURE, &v), -ENOENT);
    ck_assert_int_eq(player_metric(NULL, NULL, LESSON_M_LOAD1, &v), -ENOENT);
    /* the first sample has no interval: no rates yet */
    s.m.dt = 0;
    ck_assert_int_eq(player_metric(NULL, &s, LESSON_M_CTXT_PER_S, &v), -ENOENT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("player");
    TCase *tc = tcase_create("player");
    tcase_add_test(tc, test_model_figures);
    tcase_add_test(tc, test_no_data);
    tcase_add_test(tc, test_machine_figures);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
