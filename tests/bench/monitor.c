/*
 * bench/monitor.c — the monitor's own CPU while it watches the models: the
 * real binary in a pseudo-terminal (tests/pty.h), by default with 1,000 I/O
 * tasks per model at the default sampling rate, its screen read by libvterm
 * as a terminal would. The figure is the utime + stime of the monitor
 * process alone (/proc/PID/stat fields 14 and 15: its model hosts, workers
 * and the latency server are other processes), over a measured stretch
 * after a warm-up, as a share of one core. Then the same run --headless (no
 * screen at all: the sampler and the models' figures only) for as long, so
 * the screen's own share is the difference.
 *
 *   tests/bench/monitor [--bin PATH] [--warmup S] [--seconds S] [--cols C] [--rows R]
 *                       [-- schedwatch options]     (default: -w io -n 1000)
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../pty.h"

/* (14) utime + (15) stime of pid, in clock ticks; -1 if unreadable. */
static long long bench__cpu_ticks(pid_t pid)
{
    char path[64], buf[1024], *rp;
    unsigned long long ut, st;
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    ok = fgets(buf, sizeof(buf), f) != NULL && (rp = strrchr(buf, ')')) != NULL &&
         sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2;
    fclose(f);
    return ok ? (long long)(ut + st) : -1;
}

static double bench__now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
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

/* Reads the screen for `secs` seconds (the program must never block on output). */
static void bench__pump_for(struct pty *p, double secs)
{
    double end = bench__now() + secs;

    while (bench__now() < end)
        pty_pump(p, 100);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "bin", required_argument, NULL, 'b' }, { "warmup", required_argument, NULL, 'w' },
        { "seconds", required_argument, NULL, 's' }, { "cols", required_argument, NULL, 'c' },
        { "rows", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 },
    };
    const char *bin = getenv("SW_BIN") != NULL ? getenv("SW_BIN") : "./schedwatch";
    double warmup = 10, secs = 30, t0, t1;
    int cols = 200, rows = 50, o, status;
    const char *args[64];
    int na = 0;
    long long c0, c1;
    long tck = sysconf(_SC_CLK_TCK);
    struct pty *p;
    char load0[128], load1[128];

    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': bin = optarg; break;
        case 'w': warmup = atof(optarg); break;
        case 's': secs = atof(optarg); break;
        case 'c': cols = atoi(optarg); break;
        case 'r': rows = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: %s [--bin PATH] [--warmup S] [--seconds S] [--cols C] "
                    "[--rows R] [-- schedwatch options]\n", argv[0]);
            return 2;
        }
    }
    args[na++] = bin;
    if (optind < argc) {
        for (int i = optind; i < argc && na < 62; i++)
            args[na++] = argv[i];
    } else {
        args[na++] = "-w";
        args[na++] = "io";
        args[na++] = "-n";
        args[na++] = "1000";
    }
    args[na] = NULL;
    if (pty_spawn(&p, args, cols, rows, NULL) < 0) {
        perror("pty_spawn");
        return 1;
    }
    bench__pump_for(p, warmup);
    bench__loadavg(load0, sizeof(load0));
    c0 = bench__cpu_ticks(pty_pid(p));
    t0 = bench__now();
    bench__pump_for(p, secs);
    c1 = bench__cpu_ticks(pty_pid(p));
    t1 = bench__now();
    bench__loadavg(load1, sizeof(load1));
    if (c0 < 0 || c1 < 0) {
        char *t = pty_screen_text(p);

        fprintf(stderr, "the monitor ended early; its screen:\n%s\n", t);
        free(t);
        pty_free(p);
        return 1;
    }
    {
        char *t = pty_screen_text(p);
        const char *tasks = strstr(t, "tasks");

        printf("screen after %.0f s (%dx%d) shows tasks: %s\n", warmup + secs, cols, rows,
               tasks != NULL ? "yes" : "no");
        free(t);
    }
    printf("monitor pid %d: %.2f s of CPU in %.1f s = %.2f%% of one core "
           "(utime+stime of the monitor process only)\n", (int)pty_pid(p),
           (double)(c1 - c0) / (double)tck, t1 - t0,
           100.0 * (double)(c1 - c0) / (double)tck / (t1 - t0));
    printf("loadavg before: %s\nloadavg after:  %s\n", load0, load1);
    printf("command: %s --warmup %.0f --seconds %.0f --cols %d --rows %d --", argv[0], warmup,
           secs, cols, rows);
    for (int i = 1; i < na; i++)
        printf(" %s", args[i]);
    printf("\n");
    pty_send(p, "q");
    if (pty_wait_exit(p, 30000, &status) < 0)
        fprintf(stderr, "the monitor did not quit in 30 s\n");
    pty_free(p);

    /* The same without a screen. */
    {
        char dur[32];
        const char *hargs[72];
        int nh = 0, devnull;
        pid_t pid;

        snprintf(dur, sizeof(dur), "%.0fs", warmup + secs + 5);
        hargs[nh++] = bin;
        hargs[nh++] = "--headless";
        hargs[nh++] = "-d";
        hargs[nh++] = dur;
        for (int i = 1; i < na; i++)
            hargs[nh++] = args[i];
        hargs[nh] = NULL;
        pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, STDOUT_FILENO);
            execv(bin, (char *const *)hargs);
            _exit(127);
        }
        usleep((useconds_t)(warmup * 1e6));
        c0 = bench__cpu_ticks(pid);
        t0 = bench__now();
        usleep((useconds_t)(secs * 1e6));
        c1 = bench__cpu_ticks(pid);
        t1 = bench__now();
        waitpid(pid, &status, 0);
        if (c0 >= 0 && c1 >= 0)
            printf("the same --headless (no screen): %.2f s of CPU in %.1f s = %.2f%% of one "
                   "core\n", (double)(c1 - c0) / (double)tck, t1 - t0,
                   100.0 * (double)(c1 - c0) / (double)tck / (t1 - t0));
        bench__loadavg(load1, sizeof(load1));
        printf("loadavg after:  %s\n", load1);
    }
    return 0;
}
