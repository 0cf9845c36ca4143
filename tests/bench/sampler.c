/*
 * bench/sampler.c — what sampling costs: our sampler against htop, on the same
 * process with many threads, in the same run.
 *
 *   tests/bench/sampler [--threads N] [--seconds S] [--hz H] [--wake MS] [--budget PCT]
 *                       [--no-htop]
 *
 * A child starts N threads (small stacks). By default they sleep for good; with
 * --wake MS each wakes every MS milliseconds (every task then runs between
 * samples: the sampler's worst case). --budget sets the sampler's per-task read
 * budget in % of the interval (100: read every task every sample, to see what
 * full coverage costs). The sampler watches the child at H Hz for
 * S seconds; its CPU time per sample is this thread's CPU clock around
 * sampler_sample(), its share of a core is that CPU time over the wall time.
 * Then `htop -d 1 -p PID` runs in a pseudo-terminal (200x50, TERM=xterm, a
 * temporary HOME whose htoprc shows userland threads) for the same S seconds,
 * and its share of a core comes from /proc/<htop>/stat utime+stime.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "sample/sampler.h"
#include "util.h"

static long wake_ms;
static unsigned budget_pct;         /* 0: the sampler's default */

static void *bench__sleeper(void *arg)
{
    if (wake_ms <= 0) {
        for (;;)
            pause();
    }
    struct timespec ts = { wake_ms / 1000, (wake_ms % 1000) * 1000000 };
    for (;;)
        nanosleep(&ts, NULL);
    return arg;
}

static pid_t bench__start_child(int nthreads)
{
    int p[2];
    if (pipe(p) != 0)
        util_die(1, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        util_die(1, "fork: %s", strerror(errno));
    if (pid == 0) {
        close(p[0]);
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, 64 * 1024);
        for (int i = 0; i < nthreads; i++) {
            pthread_t t;
            int r = pthread_create(&t, &a, bench__sleeper, NULL);
            if (r != 0) {
                fprintf(stderr, "bench: thread %d: %s\n", i, strerror(r));
                _exit(1);
            }
        }
        if (write(p[1], "r", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(p[1]);
    char c;
    if (read(p[0], &c, 1) != 1)
        util_die(1, "the child could not start %d threads", nthreads);
    close(p[0]);
    return pid;
}

static uint64_t bench__thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void bench__sleep_until(uint64_t t)
{
    uint64_t now = util_now_ns();
    if (t > now) {
        struct timespec ts = { (time_t)((t - now) / 1000000000u), (long)((t - now) % 1000000000u) };
        nanosleep(&ts, NULL);
    }
}

static void bench__loadavg(char *buf, size_t len)
{
    FILE *f = fopen("/proc/loadavg", "r");
    buf[0] = '\0';
    if (f != NULL) {
        if (fgets(buf, (int)len, f) != NULL)
            buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
    }
}

/* utime + stime of a process, in seconds; < 0 when unreadable. */
static double bench__proc_cpu_s(pid_t pid)
{
    char path[64];
    struct procfs_buf b = { 0 };
    struct procfs_task_stat st;
    const char *why;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    double r = -1;
    if (procfs_read_file(AT_FDCWD, path, &b) == 0 &&
        procfs_parse_task_stat(b.p, b.len, &st, &why) == 0)
        r = (double)(st.utime + st.stime) / (double)sysconf(_SC_CLK_TCK);
    procfs_buf_free(&b);
    return r;
}

struct bench_result {
    double cpu_ms_per_sample, wall_ms_per_sample, max_ms, share;
    double first_ms;
    double age_ms_mean, age_ms_max;
    int    ntask;
};

static void bench__run_sampler(pid_t child, int nthreads, double seconds, double hz,
                               struct bench_result *res)
{
    struct sampler *s;
    const struct sample *out;
    struct sampler_opts o = { .budget_pct = budget_pct };
    int r = sampler_new(&o, &s);
    if (r < 0)
        util_die(1, "sampler_new: %s", strerror(-r));
    if ((r = sampler_watch(s, child, "bench")) < 0)
        util_die(1, "sampler_watch: %s", strerror(-r));

    uint64_t c0 = bench__thread_cpu_ns(), w0 = util_now_ns();
    if ((r = sampler_sample(s, &out)) < 0)
        util_die(1, "sampler_sample: %s", strerror(-r));
    res->first_ms = (double)(bench__thread_cpu_ns() - c0) / 1e6;
    (void)w0;

    uint64_t period = (uint64_t)(1e9 / hz);
    uint64_t start = util_now_ns(), next = start + period;
    uint64_t cpu_total = 0, wall_total = 0, max_cpu = 0;
    double age_sum = 0, age_max = 0;
    long age_n = 0;
    int n = 0;
    struct sampler_stats st0 = *sampler_stats(s);
    uint64_t cpu_start = bench__thread_cpu_ns();
    while (util_now_ns() < start + (uint64_t)(seconds * 1e9)) {
        bench__sleep_until(next);
        next += period;
        uint64_t c = bench__thread_cpu_ns(), w = util_now_ns();
        if ((r = sampler_sample(s, &out)) < 0)
            util_die(1, "sampler_sample: %s", strerror(-r));
        uint64_t dc = bench__thread_cpu_ns() - c;
        cpu_total += dc;
        wall_total += util_now_ns() - w;
        max_cpu = MAX(max_cpu, dc);
        n++;
        if (out->ntree == 1) {
            const struct sample_tree *t = &out->trees[0];
            res->ntask = t->ntask;
            for (int i = 0; i < t->ntask; i++) {
                double age = (double)(out->m.t_ns - t->tasks[i].t_ns) / 1e6;
                age_sum += age;
                age_max = MAX(age_max, age);
                age_n++;
            }
        }
    }
    uint64_t cpu_all = bench__thread_cpu_ns() - cpu_start;
    double wall_s = (double)(util_now_ns() - start) / 1e9;
    const struct sampler_stats *st = sampler_stats(s);

    res->cpu_ms_per_sample = (double)cpu_total / n / 1e6;
    res->wall_ms_per_sample = (double)wall_total / n / 1e6;
    res->max_ms = (double)max_cpu / 1e6;
    res->share = (double)cpu_all / 1e9 / wall_s;
    res->age_ms_mean = age_n ? age_sum / age_n : 0;
    res->age_ms_max = age_max;

    printf("schedwatch sampler: %d samples at %.0f Hz over %.1f s, tree of %d tasks "
           "(expected %d)\n", n, hz, wall_s, res->ntask, nthreads + 1);
    printf("  first sample (every task new):  %.1f ms CPU\n", res->first_ms);
    printf("  per sample: %.2f ms CPU (max %.2f), %.2f ms wall\n", res->cpu_ms_per_sample,
           res->max_ms, res->wall_ms_per_sample);
    printf("  share of one core: %.1f%%\n", res->share * 100);
    printf("  per sample: %.0f schedstat, %.0f stat, %.0f status reads; %.2f smaps_rollup, "
           "%.2f task/ listings; %llu of %d samples over budget\n",
           (double)(st->reads_schedstat - st0.reads_schedstat) / n,
           (double)(st->reads_stat - st0.reads_stat) / n,
           (double)(st->reads_status - st0.reads_status) / n,
           (double)(st->reads_smaps - st0.reads_smaps) / n,
           (double)(st->readdirs - st0.readdirs) / n,
           (unsigned long long)(st->over_budget - st0.over_budget), n);
    printf("  age of a task's figures: mean %.0f ms, max %.0f ms; fds held %d (limit %d), "
           "reads by open/read/close %llu\n", res->age_ms_mean, res->age_ms_max,
           st->fds_cached, st->fds_limit, (unsigned long long)st->opens_uncached);
    sampler_free(s);
}

static void bench__write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        util_die(1, "cannot write %s", path);
}

/* Runs htop -d 1 -p child in a pty for `seconds`; returns its share of a core. */
static double bench__run_htop(pid_t child, double seconds)
{
    char home[] = "/tmp/sw-bench-htop-XXXXXX";
    if (mkdtemp(home) == NULL)
        util_die(1, "mkdtemp: %s", strerror(errno));
    char dir[128], rc[160], pidarg[16];
    snprintf(dir, sizeof(dir), "%s/.config", home);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/.config/htop", home);
    mkdir(dir, 0700);
    snprintf(rc, sizeof(rc), "%s/htoprc", dir);
    bench__write(rc, "config_reader_min_version=3\nhide_kernel_threads=1\n"
                     "hide_userland_threads=0\ntree_view=0\ndelay=1\n");
    snprintf(pidarg, sizeof(pidarg), "%d", (int)child);

    struct winsize ws = { .ws_row = 50, .ws_col = 200 };
    int master;
    pid_t htop = forkpty(&master, NULL, NULL, &ws);
    if (htop < 0)
        util_die(1, "forkpty: %s", strerror(errno));
    if (htop == 0) {
        setenv("TERM", "xterm", 1);
        setenv("HOME", home, 1);
        unsetenv("XDG_CONFIG_HOME");    /* htop reads $HOME/.config/htop/htoprc */
        execlp("htop", "htop", "-d", "1", "-p", pidarg, (char *)NULL);
        _exit(127);
    }

    /* Drain the screen so htop never blocks on output; measure after a
     * second of warm-up (its first scan of every task is not the steady
     * cost). */
    char buf[65536];
    size_t screen = 0;
    bool saw_threads = false;
    double cpu0 = -1, cpu1 = -1;
    uint64_t t_start = util_now_ns(), t0 = 0, t1 = 0;
    uint64_t warm = t_start + 1000000000u, end = warm + (uint64_t)(seconds * 1e9);
    for (;;) {
        uint64_t now = util_now_ns();
        if (t0 == 0 && now >= warm) {
            cpu0 = bench__proc_cpu_s(htop);
            t0 = now;
        }
        if (now >= end) {
            cpu1 = bench__proc_cpu_s(htop);
            t1 = now;
            break;
        }
        struct pollfd pfd = { master, POLLIN, 0 };
        if (poll(&pfd, 1, 50) > 0) {
            ssize_t n = read(master, buf, sizeof(buf) - 1);
            if (n <= 0)
                break;
            buf[n] = '\0';
            screen += (size_t)n;
            /* htop's header: "Tasks: N, M thr" counts threads when it shows them. */
            if (strstr(buf, " thr") != NULL)
                saw_threads = true;
        }
    }
    kill(htop, SIGTERM);
    waitpid(htop, NULL, 0);
    close(master);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", home);

    if (cpu0 < 0 || cpu1 < 0) {
        printf("htop: did not run (is it installed?)\n");
        return -1;
    }
    double wall = (double)(t1 - t0) / 1e9;
    double share = (cpu1 - cpu0) / wall;
    printf("htop -d 1 -p %d (pty 200x50, userland threads shown%s): %.1f s, "
           "%.1f%% of one core (%zu bytes of screen output)\n", (int)child,
           saw_threads ? "" : " -- header without thread count!", wall, share * 100, screen);
    return share;
}

int main(int argc, char **argv)
{
    int nthreads = 10000;
    double seconds = 10, hz = 10;
    bool htop = true;
    static const struct option opts[] = {
        { "threads", required_argument, NULL, 't' },
        { "seconds", required_argument, NULL, 's' },
        { "hz", required_argument, NULL, 'z' },
        { "wake", required_argument, NULL, 'w' },
        { "no-htop", no_argument, NULL, 'n' },
        { "budget", required_argument, NULL, 'b' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': nthreads = atoi(optarg); break;
        case 's': seconds = atof(optarg); break;
        case 'z': hz = atof(optarg); break;
        case 'w': wake_ms = atol(optarg); break;
        case 'n': htop = false; break;
        case 'b': budget_pct = (unsigned)atoi(optarg); break;
        default:
            fprintf(stderr, "usage: %s [--threads N] [--seconds S] [--hz H] [--wake MS] "
                    "[--budget PCT] [--no-htop]\n", argv[0]);
            return 2;
        }
    }
    if (nthreads < 1 || seconds <= 0 || hz <= 0)
        util_die(2, "bad arguments");

    char la0[128], la1[128];
    bench__loadavg(la0, sizeof(la0));
    pid_t child = bench__start_child(nthreads);
    if (wake_ms > 0)
        printf("child %d: %d threads, each waking every %ld ms\n", (int)child, nthreads, wake_ms);
    else
        printf("child %d: %d threads, all sleeping\n", (int)child, nthreads);

    struct bench_result res = { 0 };
    bench__run_sampler(child, nthreads, seconds, hz, &res);
    double h = htop ? bench__run_htop(child, seconds) : -1;

    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    bench__loadavg(la1, sizeof(la1));

    printf("\nsampler: %.2f ms per sample, %.1f%% of one core at %.0f Hz (target <= 15%%)\n",
           res.cpu_ms_per_sample, res.share * 100, hz);
    if (h > 0)
        printf("htop -d 1: %.1f%% of one core; sampler/htop = %.2f (target <= 0.25)\n",
               h * 100, res.share / h);
    printf("load average before: %s; after: %s\n", la0, la1);
    printf("reproduce: %s --threads %d --seconds %g --hz %g", argv[0], nthreads, seconds, hz);
    if (wake_ms > 0)
        printf(" --wake %ld", wake_ms);
    if (budget_pct > 0)
        printf(" --budget %u", budget_pct);
    printf("%s\n", htop ? "" : " --no-htop");
    return 0;
}
