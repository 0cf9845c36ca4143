/*
 * check_headless — the real binary, headless: its JSON, CSV and summary, the
 * fairness modes, a model host killed mid-run, and nothing left behind.
 *
 * Each run gets a tag in its environment (tests/tagged.h), so "nothing left
 * behind" is exact: no process carrying the tag may outlive the monitor.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/jsonr.h"
#include "tagged.h"
#include "util.h"

static const char *bin(void)
{
    const char *b = getenv("SW_BIN");
    return b != NULL ? b : SW_BUILDDIR "/schedwatch";
}

struct child {
    pid_t pid;
    char out[256];      /* stdout+stderr file */
    char tag[64];       /* SW_TEST_RUN=... in the environment of all it starts */
};

static void spawn(struct child *c, char *const argv[])
{
    snprintf(c->out, sizeof(c->out), "/tmp/sw-headless-%d-%ld.out", (int)getpid(),
             (long)util_now_ns());
    tagged_new(c->tag, sizeof(c->tag));
    c->pid = fork();
    ck_assert_int_ge(c->pid, 0);
    if (c->pid == 0) {
        setsid();
        /* If this test dies, its schedwatch dies too (and its hosts with it). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        putenv(c->tag);
        int fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        execv(bin(), argv);
        _exit(127);
    }
}

/* Waits up to timeout_s; returns the wait status, or kills and fails. */
static int reap(struct child *c, int timeout_s)
{
    int st;
    for (int i = 0; i < timeout_s * 20; i++) {
        pid_t r = waitpid(c->pid, &st, WNOHANG);
        if (r == c->pid)
            return st;
        usleep(50000);
    }
    kill(-c->pid, SIGKILL);
    waitpid(c->pid, &st, 0);
    ck_abort_msg("schedwatch did not end within %d s", timeout_s);
    return -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    char tmp[65536];
    while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0) {
        if (n + r + 1 > cap) {
            cap = (n + r + 1) * 2;
            buf = xrealloc(buf, cap);
        }
        memcpy(buf + n, tmp, r);
        n += r;
    }
    fclose(f);
    if (buf == NULL)
        buf = xcalloc(1, 1);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static const struct jsonr *model_in(const struct jsonr *arr, const char *name)
{
    for (size_t i = 0; arr != NULL && i < arr->n; i++)
        if (jsonr_str(&arr->kids[i], "name") && strcmp(jsonr_str(&arr->kids[i], "name"), name) == 0)
            return &arr->kids[i];
    return NULL;
}

static void load_json(const char *path, struct jsonr *doc)
{
    size_t len;
    char *text = slurp(path, &len), err[200];
    ck_assert_msg(jsonr_parse(text, len, doc, err, sizeof(err)) == 0, "%s: %s", path, err);
    free(text);
}

/* Runs a headless schedwatch whose argv writes --json json, expects exit 0, and loads the
 * file into doc (both files are removed). Returns the summary's models. */
static const struct jsonr *run_summary_models(char *const argv[], const char *json,
                                              struct jsonr *doc)
{
    struct child c;
    spawn(&c, argv);
    int st = reap(&c, 60);
    char *out = slurp(c.out, NULL);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d: %s", st, out);
    free(out);
    unlink(c.out);
    load_json(json, doc);
    unlink(json);
    return jsonr_get(jsonr_get(doc, "summary"), "models");
}

START_TEST(test_cpu_turns)
{
    char json[256], csv[256];
    snprintf(json, sizeof(json), "/tmp/sw-headless-%d.json", (int)getpid());
    snprintf(csv, sizeof(csv), "/tmp/sw-headless-%d.csv", (int)getpid());
    char *argv[] = { "schedwatch", "--headless", "-d", "17s", "--models",
                     "procs,threads,loop,goroutines",
                     "-w", "cpu", "--mode", "turns", "--turn", "4s", "--json", json,
                     "--csv", csv, NULL };
    struct child c;
    spawn(&c, argv);
    int st = reap(&c, 60);
    char *out = slurp(c.out, NULL);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d: %s", st, out);
    ck_assert_int_eq(tagged_survivors(c.tag, 2000), 0);
    /* The summary table names every model and the mode. */
    ck_assert_ptr_nonnull(strstr(out, "turns: 4 s each"));
    ck_assert_ptr_nonnull(strstr(out, "procs"));
    ck_assert_ptr_nonnull(strstr(out, "loop"));

    struct jsonr doc;
    load_json(json, &doc);
    const struct jsonr *samples = jsonr_get(&doc, "samples");
    ck_assert_ptr_nonnull(samples);
    ck_assert_uint_ge(samples->n, 120);             /* 10 Hz for 17 s, with slack */
    const struct jsonr *sum = jsonr_get(jsonr_get(&doc, "summary"), "models");
    ck_assert_ptr_nonnull(sum);
    double procs = jsonr_num(model_in(sum, "procs"), "cores", -1);
    double threads = jsonr_num(model_in(sum, "threads"), "cores", -1);
    double loop = jsonr_num(model_in(sum, "loop"), "cores", -1);
    double go = jsonr_num(model_in(sum, "goroutines"), "cores", -1);
    /* 2 cores: the loop is one thread; the others use both cores in their turn. */
    printf("turns: procs %.2f, threads %.2f, loop %.2f, goroutines %.2f cores\n", procs,
           threads, loop, go);
    ck_assert_msg(loop > 0.5 && loop <= 1.1, "loop used %.2f cores", loop);
#ifndef SW_SANITIZERS   /* instrumented code: its speed is the sanitizers' */
    ck_assert_msg(procs >= 1.6, "procs used %.2f cores", procs);
    ck_assert_msg(threads >= 1.6, "threads used %.2f cores", threads);
    ck_assert_msg(go >= 1.6, "goroutines used %.2f cores", go);
#endif
    /* Every sample names all four models, and while one runs the others wait.
     * In its turn the goroutine runtime's own figures come through: two Ps
     * (the cores), switches, and the preemption rate (a number, often 0: the
     * cpu workload's goroutines mostly switch at their channel receives, so
     * sysmon preempts about once a second; check_gort tests preemption). */
    int waiting_seen = 0, go_seen = 0;
    for (size_t i = 0; i < samples->n; i++) {
        const struct jsonr *ms = jsonr_get(&samples->kids[i], "models");
        ck_assert_uint_eq(ms->n, 4);
        for (size_t k = 0; k < ms->n; k++)
            if (strcmp(jsonr_str(&ms->kids[k], "state"), "waiting its turn") == 0)
                waiting_seen++;
        const struct jsonr *g = model_in(ms, "goroutines");
        const struct jsonr *rt = jsonr_get(g, "runtime");
        ck_assert_ptr_nonnull(g);
        if (strcmp(jsonr_str(g, "state"), "running") == 0 && rt != NULL &&
            jsonr_num(g, "runtime_switches_per_s", 0) > 0) {
            cpu_set_t set;
            ck_assert_int_eq(sched_getaffinity(0, sizeof(set), &set), 0);
            ck_assert_int_eq((int)jsonr_num(rt, "gomaxprocs", -1), CPU_COUNT(&set));
            ck_assert(jsonr_num(rt, "preemptions_per_s", -1) >= 0);
            go_seen++;
        }
    }
    ck_assert_int_gt(waiting_seen, 100);
    ck_assert_int_gt(go_seen, 10);
    int nsamples = (int)samples->n;
    jsonr_free(&doc);

    /* CSV: a header and one row per sample per model. */
    char *csvt = slurp(csv, NULL);
    ck_assert(strncmp(csvt, "t_s,model,state,", 16) == 0);
    int rows = 0;
    for (char *p = csvt; *p; p++)
        rows += *p == '\n';
    ck_assert_int_eq(rows - 1, 4 * nsamples);
    free(csvt);
    free(out);
    unlink(json);
    unlink(csv);
    unlink(c.out);
}
END_TEST

START_TEST(test_gil_and_offload)
{
    char json[256];
    snprintf(json, sizeof(json), "/tmp/sw-headless-g%d.json", (int)getpid());
    /* 8 tasks: the loop keeps libuv's 4 pool threads fed while finished chunks
     * wait for their callback on the loop thread. */
    char *argv[] = { "schedwatch", "--headless", "-d", "10s", "--models", "threads,loop",
                     "--gil", "--offload", "-n", "8", "--mode", "turns", "--turn", "4s",
                     "--json", json, NULL };
    struct jsonr doc;
    const struct jsonr *sum = run_summary_models(argv, json, &doc);
    double threads = jsonr_num(model_in(sum, "threads"), "cores", -1);
    double loop = jsonr_num(model_in(sum, "loop"), "cores", -1);
    ck_assert_msg(threads > 0.5 && threads <= 1.15, "threads with a GIL used %.2f cores",
                  threads);
    printf("gil: threads %.2f cores; offload: loop %.2f cores\n", threads, loop);
#ifndef SW_SANITIZERS
    ck_assert_msg(loop >= 1.5, "the loop with offload used %.2f cores", loop);
#endif
    jsonr_free(&doc);
}
END_TEST

/* In turns mode a model is stopped with requests in flight; they complete when it resumes,
 * their latency the wait for its turn (1.5 s here: 200 of the ~15,000 requests of a turn, over
 * 1 %). The summary's quantiles leave them out: the p99 is the server's 20 ms and the
 * model's own delays, not the turn (before: threads p99 1644 ms, now 28 ms). */
START_TEST(test_io_turns_latency)
{
    char json[256];
    snprintf(json, sizeof(json), "/tmp/sw-headless-t%d.json", (int)getpid());
    char *argv[] = { "schedwatch", "--headless", "-d", "13s", "--models", "procs,threads",
                     "-w", "io", "-n", "200", "--mode", "turns", "--turn", "1.5s",
                     "--json", json, NULL };
    struct jsonr doc;
    const struct jsonr *sum = run_summary_models(argv, json, &doc);
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "threads" : "procs";
        double p50 = jsonr_num(model_in(sum, name), "lat_p50_ms", -1);
        double p99 = jsonr_num(model_in(sum, name), "lat_p99_ms", -1);
        printf("io turns: %s p50 %.1f ms, p99 %.1f ms\n", name, p50, p99);
        ck_assert_msg(p50 >= 19 && p50 < 100, "%s p50 %.1f ms", name, p50);
        ck_assert_msg(p99 >= 19 && p99 < 1000, "%s p99 %.1f ms: a turn's wait", name, p99);
    }
    jsonr_free(&doc);
}
END_TEST

/* The comm of pid, or "" if gone. */
START_TEST(test_host_killed)
{
    char json[256];
    snprintf(json, sizeof(json), "/tmp/sw-headless-k%d.json", (int)getpid());
    char *argv[] = { "schedwatch", "--headless", "-d", "6s", "--models", "procs,threads",
                     "--mode", "shared", "--json", json, NULL };
    struct child c;
    spawn(&c, argv);
    pid_t host = 0;
    for (int i = 0; i < 100 && host == 0; i++) {
        usleep(50000);
        host = tagged_find(c.tag, "sw-procs");
    }
    ck_assert_int_gt(host, 0);
    usleep(1500000);
    ck_assert_int_gt(tagged_find(c.tag, "sw-procs-w"), 0);
    ck_assert_int_eq(kill(host, SIGKILL), 0);
    /* Its workers follow within a second. */
    pid_t w = 1;
    for (int i = 0; i < 20 && w != 0; i++) {
        usleep(50000);
        w = tagged_find(c.tag, "sw-procs-w");
    }
    ck_assert_msg(w == 0, "worker %d outlived its host by a second", (int)w);
    int st = reap(&c, 30);
    char *out = slurp(c.out, NULL);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit %d: %s", st, out);
    ck_assert_int_eq(tagged_survivors(c.tag, 2000), 0);
    struct jsonr doc;
    load_json(json, &doc);
    const struct jsonr *sum = jsonr_get(jsonr_get(&doc, "summary"), "models");
    const struct jsonr *p = model_in(sum, "procs"), *t = model_in(sum, "threads");
    ck_assert_str_eq(jsonr_str(p, "state"), "failed");
    ck_assert_ptr_nonnull(strstr(jsonr_str(p, "text"), "killed by signal 9"));
    ck_assert_str_eq(jsonr_str(t, "state"), "running");
    /* The threads model went on after procs died: its last samples have work. */
    const struct jsonr *samples = jsonr_get(&doc, "samples");
    const struct jsonr *last = model_in(jsonr_get(&samples->kids[samples->n - 1], "models"),
                                        "threads");
    ck_assert(jsonr_num(last, "units_per_s", 0) > 0);
    ck_assert_ptr_nonnull(strstr(out, "killed by signal 9"));
    jsonr_free(&doc);
    free(out);
    unlink(json);
    unlink(c.out);
}
END_TEST

START_TEST(test_signal_ends_cleanly)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    int sig = sigs[_i];
    char *argv[] = { "schedwatch", "--headless", "--models", "procs,threads,loop", "-w", "io",
                     "-n", "50", "--mode", "shared", NULL };
    struct child c;
    spawn(&c, argv);
    pid_t host = 0;
    for (int i = 0; i < 100 && host == 0; i++) {
        usleep(50000);
        host = tagged_find(c.tag, "sw-latency");
    }
    ck_assert_int_gt(host, 0);
    usleep(1000000);
    kill(c.pid, sig);
    int st = reap(&c, 20);
    ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == sig, "status %d after signal %d", st, sig);
    ck_assert_int_eq(tagged_survivors(c.tag, 2000), 0);
    char *out = slurp(c.out, NULL);
    ck_assert_ptr_nonnull(strstr(out, "units/s"));   /* the summary still printed */
    free(out);
    unlink(c.out);
}
END_TEST

START_TEST(test_monitor_sigkill)
{
    char *argv[] = { "schedwatch", "--headless", "--models", "procs,threads,loop", "--mode",
                     "shared", NULL };
    struct child c;
    spawn(&c, argv);
    pid_t w = 0;
    for (int i = 0; i < 100 && w == 0; i++) {
        usleep(50000);
        w = tagged_find(c.tag, "sw-procs-w");
    }
    ck_assert_int_gt(w, 0);
    kill(c.pid, SIGKILL);
    int st;
    waitpid(c.pid, &st, 0);
    /* Hosts die with the monitor (PR_SET_PDEATHSIG), workers with their host. */
    ck_assert_int_eq(tagged_survivors(c.tag, 2000), 0);
    unlink(c.out);
}
END_TEST

START_TEST(test_usage_errors)
{
    static const char *const bad[][4] = {
        { "--headless", "--models", "fibers", NULL },
        { "--headless", "-w", "sleep", NULL },
        { "--headless", "-n", "0", NULL },
        { "--headless", "-n", "threads=abc", NULL },
        { "--headless", "--mode", "fair", NULL },
        { "--json", "/tmp/x.json", NULL, NULL },
        { "--headless", "--models", "none", NULL },
        { "--models", "loop", "--gil", NULL },
        { "--headless", "--models", "procs,procs", NULL },
        { "--headless", "--data-size", "12Q", NULL },
        { "--models", "loop", "--gomaxprocs", "2" },
        { "--headless", "--gomaxprocs", "0", NULL },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *argv[6] = { "schedwatch" };
        int n = 1;
        for (int k = 0; k < 4 && bad[i][k]; k++)
            argv[n++] = (char *)bad[i][k];
        argv[n] = NULL;
        struct child c;
        spawn(&c, argv);
        int st = reap(&c, 10);
        char *out = slurp(c.out, NULL);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s %s: status %d", argv[1],
                      argv[2], st);
        ck_assert_msg(strstr(out, "schedwatch: ") != NULL, "no message for %s", argv[1]);
        free(out);
        unlink(c.out);
    }
}
END_TEST

START_TEST(test_not_a_terminal)
{
    char *argv[] = { "schedwatch", NULL };
    struct child c;
    spawn(&c, argv);
    int st = reap(&c, 10);
    char *out = slurp(c.out, NULL);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    ck_assert_ptr_nonnull(strstr(out, "--headless"));
    free(out);
    unlink(c.out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("headless");
    setvbuf(stdout, NULL, _IOLBF, 0);
    TCase *quick = tcase_create("quick");
    tcase_set_timeout(quick, 120);
    tcase_add_test(quick, test_usage_errors);
    tcase_add_test(quick, test_not_a_terminal);
    tcase_add_test(quick, test_host_killed);
    tcase_add_loop_test(quick, test_signal_ends_cleanly, 0, 3);
    tcase_add_test(quick, test_monitor_sigkill);
    suite_add_tcase(s, quick);
    TCase *cpu = tcase_create("cpu");
    tcase_set_timeout(cpu, 180);
    tcase_add_test(cpu, test_cpu_turns);
    tcase_add_test(cpu, test_gil_and_offload);
    tcase_add_test(cpu, test_io_turns_latency);
    suite_add_tcase(s, cpu);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
