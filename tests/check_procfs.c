/*
 * check_procfs.c — the /proc parsers on real captures from a 6.18 kernel
 * (tests/fixtures/proc/real) and on hostile text (tests/fixtures/proc/hostile).
 * Each fixture is loaded into a buffer of exactly its length, without a
 * terminating NUL, so a parser reading one byte too far trips ASan.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs/procfs.h"

struct fix {
    char  *p;
    size_t len;
};

static struct fix load(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fixtures/proc/%s", SW_TESTDIR, rel);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char tmp[65536];
    size_t n = fread(tmp, 1, sizeof(tmp), f);
    fclose(f);
    struct fix x = { malloc(n ? n : 1), n };
    memcpy(x.p, tmp, n);
    return x;
}

static struct fix text(const char *s)
{
    size_t n = strlen(s);
    struct fix x = { malloc(n ? n : 1), n };
    memcpy(x.p, s, n);
    return x;
}

/* ---- real captures ---- */

START_TEST(real_stat)
{
    struct fix f = load("real/stat");
    struct procfs_stat st;
    struct procfs_cpu_times cpu[8];
    const char *why = NULL;
    ck_assert_int_eq(procfs_parse_stat(f.p, f.len, &st, cpu, 8, &why), 0);
    ck_assert_int_eq(st.ncpu, 2);
    ck_assert(cpu[0].present && cpu[1].present && !cpu[2].present);
    ck_assert(st.total.idle >= cpu[0].idle + cpu[1].idle - 2);
    ck_assert_uint_gt(st.ctxt, 0);
    ck_assert_uint_gt(st.processes, 0);
    ck_assert_uint_ge(st.procs_running, 1);
    /* Too small an array: ncpu still tells the size needed. */
    ck_assert_int_eq(procfs_parse_stat(f.p, f.len, &st, cpu, 1, &why), 0);
    ck_assert_int_eq(st.ncpu, 2);
    free(f.p);
}
END_TEST

START_TEST(real_loadavg_psi_meminfo)
{
    struct fix f = load("real/loadavg");
    struct procfs_loadavg la;
    const char *why;
    ck_assert_int_eq(procfs_parse_loadavg(f.p, f.len, &la, &why), 0);
    ck_assert(la.load[0] >= 0 && la.load[0] < 1000);
    ck_assert_uint_gt(la.nr_threads, 10);
    ck_assert_int_gt(la.last_pid, 0);
    free(f.p);

    f = load("real/pressure_cpu");
    struct procfs_psi psi;
    ck_assert_int_eq(procfs_parse_psi(f.p, f.len, &psi, &why), 0);
    ck_assert(psi.full_ok);
    ck_assert_uint_gt(psi.some.total, 0);
    free(f.p);

    f = load("real/meminfo");
    struct procfs_meminfo mi;
    ck_assert_int_eq(procfs_parse_meminfo(f.p, f.len, &mi, &why), 0);
    ck_assert(mi.available_ok);
    ck_assert_uint_gt(mi.mem_total, 1ull << 20);
    ck_assert_uint_le(mi.mem_available, mi.mem_total);
    ck_assert_uint_eq(mi.mem_total % 1024, 0);
    free(f.p);
}
END_TEST

START_TEST(real_task_files)
{
    const char *why;
    struct fix f = load("real/task_stat");
    struct procfs_task_stat st;
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), 0);
    ck_assert_str_eq(st.comm, "vsock-console");
    ck_assert_int_eq(st.state, 'S');
    ck_assert_int_eq(st.ppid, 0);
    ck_assert_uint_eq(st.utime, 0);         /* (14); (16) cutime is 3028 */
    ck_assert_uint_eq(st.stime, 4);         /* (15) */
    ck_assert_int_eq(st.num_threads, 11);   /* (20) */
    ck_assert_uint_eq(st.starttime, 33);    /* (22) */
    ck_assert_uint_eq(st.vsize, 38211584);  /* (23) */
    ck_assert_uint_eq(st.rss, 2695);        /* (24) */
    ck_assert_int_eq(st.processor, 0);      /* (39) */
    free(f.p);

    f = load("real/pid_stat");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), 0);
    ck_assert_int_eq(st.num_threads, 11);
    free(f.p);

    f = load("real/schedstat");
    struct procfs_schedstat ss;
    ck_assert_int_eq(procfs_parse_schedstat(f.p, f.len, &ss, &why), 0);
    ck_assert_uint_eq(ss.run_ns, 48875189);
    ck_assert_uint_eq(ss.wait_ns, 131576890);
    ck_assert_uint_eq(ss.slices, 1497);
    free(f.p);

    f = load("real/status");
    struct procfs_csw csw;
    ck_assert_int_eq(procfs_parse_status_csw(f.p, f.len, &csw, &why), 0);
    ck_assert_uint_gt(csw.vol + csw.invol, 0);
    free(f.p);

    f = load("real/smaps_rollup");
    struct procfs_smaps_rollup sr;
    ck_assert_int_eq(procfs_parse_smaps_rollup(f.p, f.len, &sr, &why), 0);
    ck_assert_uint_eq(sr.rss, 4172ull * 1024);
    ck_assert_uint_eq(sr.pss, 1131ull * 1024);
    ck_assert(sr.pss_split_ok);
    ck_assert_uint_eq(sr.pss, sr.pss_anon + sr.pss_file + sr.pss_shmem);
    free(f.p);

    f = load("real/children");
    pid_t kids[8];
    int n;
    ck_assert_int_eq(procfs_parse_children(f.p, f.len, kids, 8, &n, &why), 0);
    ck_assert_int_eq(n, 3);
    ck_assert_int_gt(kids[0], 0);
    ck_assert_int_eq(procfs_parse_children(f.p, f.len, kids, 1, &n, &why), 0);
    ck_assert_int_eq(n, 3);
    free(f.p);
}
END_TEST

/* ---- hostile ---- */

START_TEST(comm_with_parens_and_spaces)
{
    const char *why;
    struct procfs_task_stat st;
    struct fix f = load("hostile/stat_comm_parens");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), 0);
    ck_assert_str_eq(st.comm, "(a) (b)");
    ck_assert_int_eq(st.state, 'S');
    ck_assert_uint_eq(st.utime, 7);
    ck_assert_uint_eq(st.stime, 3);
    ck_assert_int_eq(st.num_threads, 2);
    ck_assert_int_eq(st.processor, 1);
    free(f.p);

    /* A comm that imitates the fields after it: only the last ')' counts. */
    f = load("hostile/stat_comm_fake_fields");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), 0);
    ck_assert_str_eq(st.comm, "x) R 1 2 3 4");
    ck_assert_int_eq(st.state, 'S');
    ck_assert_uint_eq(st.utime, 7);
    free(f.p);
}
END_TEST

START_TEST(stat_bad)
{
    const char *why = NULL;
    struct procfs_task_stat st;
    struct fix f = load("hostile/stat_truncated");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), -ENODATA);
    ck_assert_ptr_nonnull(why);
    free(f.p);

    f = load("hostile/stat_20digit_overflow");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), -ERANGE);
    free(f.p);

    f = load("hostile/stat_20digit_max");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), 0);
    ck_assert_uint_eq(st.utime, UINT64_MAX);
    ck_assert_uint_eq(st.vsize, UINT64_MAX);
    free(f.p);

    f = load("hostile/stat_garbage_field");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), -EINVAL);
    free(f.p);

    f = load("hostile/empty");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), -ENODATA);
    free(f.p);

    f = load("hostile/garbage");
    ck_assert_int_lt(procfs_parse_task_stat(f.p, f.len, &st, &why), 0);
    free(f.p);

    /* Cut one field short of (39) processor. */
    f = text("1 (a) S 0 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
             "16 17");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), -ENODATA);
    free(f.p);
    f = text("1 (a) S 0 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
             "16 17 3");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), 0);
    ck_assert_int_eq(st.processor, 3);
    free(f.p);
    /* Negative ppid. */
    f = text("1 (a) S -4 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
             "16 17 3");
    ck_assert_int_eq(procfs_parse_task_stat(f.p, f.len, &st, &why), -ERANGE);
    free(f.p);
}
END_TEST

START_TEST(procstat_bad)
{
    const char *why = NULL;
    struct procfs_stat st;
    struct procfs_cpu_times cpu[4];
    struct fix f = load("hostile/procstat_short_cpu");
    ck_assert_int_eq(procfs_parse_stat(f.p, f.len, &st, cpu, 4, &why), -ENODATA);
    free(f.p);
    f = load("hostile/procstat_no_ctxt");
    ck_assert_int_eq(procfs_parse_stat(f.p, f.len, &st, cpu, 4, &why), -ENODATA);
    ck_assert_str_eq(why, "no ctxt line");
    free(f.p);
    f = load("hostile/procstat_ctxt_overflow");
    ck_assert_int_eq(procfs_parse_stat(f.p, f.len, &st, cpu, 4, &why), -ERANGE);
    free(f.p);
    f = load("hostile/empty");
    ck_assert_int_eq(procfs_parse_stat(f.p, f.len, &st, cpu, 4, &why), -ENODATA);
    free(f.p);
    f = load("hostile/garbage");
    ck_assert_int_lt(procfs_parse_stat(f.p, f.len, &st, cpu, 4, &why), 0);
    free(f.p);
    /* Offline CPUs leave holes. */
    f = load("hostile/procstat_sparse_cpus");
    ck_assert_int_eq(procfs_parse_stat(f.p, f.len, &st, cpu, 4, &why), 0);
    ck_assert_int_eq(st.ncpu, 4);
    ck_assert(!cpu[0].present && cpu[1].present && !cpu[2].present && cpu[3].present);
    ck_assert_uint_eq(cpu[3].guest_nice, 10);
    free(f.p);
}
END_TEST

/*
 * A seq file that walks a list hands out one page of records per read, however
 * much was asked: a task's children file with 1,200 pids (about 7 KiB) takes
 * two. Taking the first short read for the end found 682 of 1,000.
 */
START_TEST(read_long_children)
{
    enum { N = 1200 };
    static pid_t kids[N];
    for (int i = 0; i < N; i++) {
        kids[i] = fork();
        ck_assert_int_ge(kids[i], 0);
        if (kids[i] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            for (;;)
                pause();
        }
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
    struct procfs_buf b = { 0 };
    ck_assert_int_eq(procfs_read_file(AT_FDCWD, path, &b), 0);
    ck_assert_uint_gt(b.len, 4096);
    static pid_t got[N + 1];
    int n;
    const char *why;
    ck_assert_int_eq(procfs_parse_children(b.p, b.len, got, N + 1, &n, &why), 0);
    /* and again through a descriptor kept open, as the sampler reads */
    int fd = procfs_open(AT_FDCWD, path);
    ck_assert_int_ge(fd, 0);
    int n2 = 0;
    ck_assert_int_eq(procfs_pread_all(fd, &b), 0);
    ck_assert_int_eq(procfs_parse_children(b.p, b.len, got, N + 1, &n2, &why), 0);
    close(fd);
    procfs_buf_free(&b);
    for (int i = 0; i < N; i++)
        kill(kids[i], SIGKILL);
    for (int i = 0; i < N; i++)
        waitpid(kids[i], NULL, 0);
    ck_assert_int_eq(n, N);
    ck_assert_int_eq(n2, N);
}
END_TEST

START_TEST(small_files_bad)
{
    const char *why = NULL;
    struct procfs_meminfo mi;
    struct fix f = load("hostile/meminfo_no_total");
    ck_assert_int_eq(procfs_parse_meminfo(f.p, f.len, &mi, &why), -ENODATA);
    free(f.p);
    f = load("hostile/meminfo_no_available");
    ck_assert_int_eq(procfs_parse_meminfo(f.p, f.len, &mi, &why), 0);
    ck_assert(!mi.available_ok);
    ck_assert_uint_eq(mi.mem_total, 102400);
    free(f.p);
    f = load("hostile/meminfo_kb_overflow");
    ck_assert_int_eq(procfs_parse_meminfo(f.p, f.len, &mi, &why), -ERANGE);
    free(f.p);

    struct procfs_schedstat ss;
    f = load("hostile/schedstat_truncated");
    ck_assert_int_eq(procfs_parse_schedstat(f.p, f.len, &ss, &why), -ENODATA);
    free(f.p);
    f = load("hostile/empty");
    ck_assert_int_eq(procfs_parse_schedstat(f.p, f.len, &ss, &why), -ENODATA);
    free(f.p);
    f = text("1 2 3");              /* no newline: still whole */
    ck_assert_int_eq(procfs_parse_schedstat(f.p, f.len, &ss, &why), 0);
    ck_assert_uint_eq(ss.slices, 3);
    free(f.p);

    struct procfs_csw csw;
    f = load("hostile/status_missing_invol");
    ck_assert_int_eq(procfs_parse_status_csw(f.p, f.len, &csw, &why), -ENODATA);
    free(f.p);

    struct procfs_psi psi;
    f = load("hostile/psi_truncated");
    ck_assert_int_lt(procfs_parse_psi(f.p, f.len, &psi, &why), 0);
    free(f.p);
    f = load("hostile/psi_no_full");
    ck_assert_int_eq(procfs_parse_psi(f.p, f.len, &psi, &why), 0);
    ck_assert(!psi.full_ok);
    ck_assert_double_eq_tol(psi.some.avg60, 0.34, 1e-9);
    ck_assert_uint_eq(psi.some.total, 789);
    free(f.p);

    struct procfs_loadavg la;
    f = load("hostile/loadavg_truncated");
    ck_assert_int_eq(procfs_parse_loadavg(f.p, f.len, &la, &why), -ENODATA);
    free(f.p);
    f = load("hostile/loadavg_no_lastpid");
    ck_assert_int_eq(procfs_parse_loadavg(f.p, f.len, &la, &why), -ENODATA);
    free(f.p);

    struct procfs_smaps_rollup sr;
    f = load("hostile/smaps_no_pss");
    ck_assert_int_eq(procfs_parse_smaps_rollup(f.p, f.len, &sr, &why), -ENODATA);
    free(f.p);

    pid_t kids[4];
    int n;
    f = load("hostile/children_garbage");
    ck_assert_int_eq(procfs_parse_children(f.p, f.len, kids, 4, &n, &why), -EINVAL);
    free(f.p);
    f = load("hostile/empty");
    ck_assert_int_eq(procfs_parse_children(f.p, f.len, kids, 4, &n, &why), 0);
    ck_assert_int_eq(n, 0);
    free(f.p);
}
END_TEST

static Suite *procfs_suite(void)
{
    Suite *s = suite_create("procfs");
    TCase *tc = tcase_create("real");
    tcase_add_test(tc, real_stat);
    tcase_add_test(tc, real_loadavg_psi_meminfo);
    tcase_add_test(tc, real_task_files);
    tcase_add_test(tc, read_long_children);
    suite_add_tcase(s, tc);
    tc = tcase_create("hostile");
    tcase_add_test(tc, comm_with_parens_and_spaces);
    tcase_add_test(tc, stat_bad);
    tcase_add_test(tc, procstat_bad);
    tcase_add_test(tc, small_files_bad);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(procfs_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
