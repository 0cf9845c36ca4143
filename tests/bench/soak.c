/*
 * bench/soak.c — does the monitor leak over a long run? The real binary in a
 * pseudo-terminal (tests/pty.h), its screen read by libvterm as a terminal
 * would, driven through one fixed cycle of live keys again and again: every
 * workload (w), task counts up and down (+ -), GIL (g), offload (o),
 * GOMAXPROCS (P p), the three fairness modes (m), focus (1-4 0), freeze and
 * step back (space, Left, Right), restart (r), the comparison report (c) and
 * the help (?). Every change is undone within the cycle, so each cycle starts
 * in the same state: the cpu workload at the starting task counts, live.
 *
 * Every few seconds the monitor process alone (the pid started here, not its
 * model hosts or workers) is sampled: VmRSS from /proc/PID/status, the Rss of
 * the panels' history rings from /proc/PID/smaps, and its descriptors in
 * /proc/PID/fd. Growth is judged like with like: at the end of each cycle's
 * first step (the cpu workload, the same task counts, mode and overlays each
 * time), from the start of the first cycle after the warm-up to the end of
 * the run (a closing baseline step). The warm-up takes every code path once,
 * so buffers sized by the task counts, the screen and the report reach their
 * high-water marks there: one cycle when a step lasts 6 s or more, two when
 * steps are shorter than it takes a host to start 128 tasks on a loaded
 * machine (so the first pass leaves some of them to the second).
 *
 * What is judged, and why:
 *  - RSS less the history rings. The rings (src/ui/panels.h: 3,000 samples,
 *    about 27 MB, five minutes at 10 Hz) are mapped once and touched as they
 *    fill, so before they are full VmRSS grows about 5.5 MB a minute by
 *    design. They are MAP_NORESERVE mappings of their own, found in smaps by
 *    that flag and their size, computed here from the same headers. A
 *    30-minute run's warm-up cycle (7.4 min) outlasts the filling, so there
 *    VmRSS itself must hold still too; both are printed, and RSS's parts
 *    (anon, file, shmem: file pages are code first run). Limit: 1 MiB.
 *  - Descriptors, but for those the sampler holds on /proc files of tasks
 *    that still exist: it keeps up to three open per watched task, so their
 *    number follows the tasks the models have at that instant. A descriptor
 *    on the /proc files of a task that is gone is counted (a leak there looks
 *    exactly like that). Limit: no growth.
 *  - The monitor must live, and its screen must keep changing (output at
 *    least every 15 s); each key whose effect shows on screen (w, space, c,
 *    ?) must show it within 15 s.
 * After the run: q, exit status 0, the terminal given back (main screen,
 * cursor shown, termios as found), and no process carrying this run's tag
 * (SW_TEST_RUN in the environment, inherited by everything the monitor
 * starts) left alive. Exit status 1 if anything failed, and why.
 *
 * Short runs scale down: the run is split into whole cycles of 12-15 s a
 * step, at least 3 (--cycles N sets how many, 2 or more); the table gives
 * each cycle's growth, so growth dying down shows apart from growth that
 * keeps on. A 30-minute run has 4 cycles of 7.4 min, 13 s a step: 1 warm-up
 * and 3 measured. A 2-minute run (--seconds 120, the CI version) has 3 of
 * 40 s, 1.3 s a step: 2 warm-up, 1 measured; it churns every path but does
 * not let each setting settle. A step marked "quick" (focus keys) takes 0.4
 * of a step.
 *
 *   tests/bench/soak [--bin PATH] [--minutes M | --seconds S] [--cycles N] [--cols C]
 *                    [--rows R] [--verbose] [-- schedwatch options]  (default: 30 min; -n 8)
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../pty.h"
#include "ui/panels.h"

#define SOAK_RSS_LIMIT_KB   1024    /* growth allowed over the measured stretch */
#define SOAK_STALL_S        15.0    /* no output for this long: the screen stopped */
#define SOAK_EXPECT_MS      15000   /* a key's effect must show within this */
#define SOAK_STEP_S         12.0    /* the shortest step a long run is split into */

/* One step of the cycle: keys sent in order, then the rest of the step runs. */
struct soak__keys {
    const char *key;                /* one key as a terminal sends it */
    int n;                          /* sent n times, 30 ms apart */
};

struct soak__step {
    const char *label;
    struct soak__keys keys[3];
    const char *expect;             /* the screen must show this after the keys */
    const char *gone;               /* ... or no longer show this */
    double weight;                  /* of a step's time */
};

/*
 * The cycle. Task counts go 8 -> 16 (cpu) -> 128 (io, mixed, with GIL and
 * offload on) -> 16 (lock, fanout, spawn) -> 8 (pingpong, cpu): the peak is
 * 16x the start, never more. m is pressed three times, g o P/p and c ? twice.
 */
static const struct soak__step soak__cycle[] = {
    { "baseline: cpu", { { NULL, 0 } }, "workload cpu", NULL, 1 },
    { "+", { { "+", 1 } }, NULL, NULL, 1 },
    { "g", { { "g", 1 } }, NULL, NULL, 1 },
    { "o", { { "o", 1 } }, NULL, NULL, 1 },
    { "w:io", { { "w", 1 } }, "workload io", NULL, 1 },
    { "+++", { { "+", 3 } }, NULL, NULL, 1 },
    { "P", { { "P", 1 } }, NULL, NULL, 1 },
    { "m", { { "m", 1 } }, NULL, NULL, 1 },
    { "w:mixed", { { "w", 1 } }, "workload mixed", NULL, 1 },
    { "1", { { "1", 1 } }, NULL, NULL, 0.4 },
    { "2", { { "2", 1 } }, NULL, NULL, 0.4 },
    { "3", { { "3", 1 } }, NULL, NULL, 0.4 },
    { "4", { { "4", 1 } }, NULL, NULL, 0.4 },
    { "0", { { "0", 1 } }, NULL, NULL, 0.4 },
    { "---", { { "-", 3 } }, NULL, NULL, 1 },
    { "w:lock", { { "w", 1 } }, "workload lock", NULL, 1 },
    { "space Left*30 Right*10", { { " ", 1 }, { PTY_KEY_LEFT, 30 }, { PTY_KEY_RIGHT, 10 } },
      "FROZEN", NULL, 1 },
    { "space", { { " ", 1 } }, NULL, "FROZEN", 1 },
    { "m", { { "m", 1 } }, NULL, NULL, 1 },
    { "w:fanout", { { "w", 1 } }, "workload fanout", NULL, 1 },
    { "c", { { "c", 1 } }, "models compared", NULL, 1 },
    { "c", { { "c", 1 } }, NULL, "models compared", 1 },
    { "?", { { "?", 1 } }, "show / hide this help", NULL, 1 },
    { "?", { { "?", 1 } }, NULL, "show / hide this help", 1 },
    { "r", { { "r", 1 } }, NULL, NULL, 1 },
    { "w:spawn", { { "w", 1 } }, "workload spawn", NULL, 1 },
    { "p", { { "p", 1 } }, NULL, NULL, 1 },
    { "g", { { "g", 1 } }, NULL, NULL, 1 },
    { "o", { { "o", 1 } }, NULL, NULL, 1 },
    { "-", { { "-", 1 } }, NULL, NULL, 1 },
    { "m", { { "m", 1 } }, NULL, NULL, 1 },
    { "w:pingpong", { { "w", 1 } }, "workload pingpong", NULL, 1 },
    { "w:cpu", { { "w", 1 } }, "workload cpu", NULL, 1 },
};
#define SOAK_NSTEPS ((int)(sizeof(soak__cycle) / sizeof(soak__cycle[0])))

struct soak__sample {
    double t;                       /* seconds since the start */
    int cycle;                      /* 1-based; ncycles + 1 for the closing baseline */
    bool checkpoint;                /* taken at the end of a cycle's baseline step */
    long rss_kb, ring_kb;           /* VmRSS; Rss of the history rings */
    long anon_kb, file_kb, shmem_kb;   /* VmRSS's parts (the boards are shmem) */
    int fds, fds_live_proc;         /* all; the sampler's on /proc of live tasks */
};

struct soak {
    struct pty *p;
    pid_t pid;
    double t0;
    double every;                   /* seconds between samples */
    double next_sample;
    double last_output;             /* when the screen last changed */
    bool peeked;                    /* a slow screen's report was printed */
    double next_state;              /* when to look whether the monitor still lives */
    unsigned long last_bytes;
    size_t ring_bytes, cpu_ring_bytes;
    bool ring_found;                /* the rings were seen as mappings of their own */
    bool verbose;
    int warm;                       /* cycles of warm-up, not judged */
    double slowest_read;            /* the longest a sample of the monitor took, s */
    struct soak__sample *s;
    int ns, cap;
    char **fds_start, **fds_end;    /* descriptor targets at the judged samples */
    int nfds_start, nfds_end;
    char why[2048];                 /* the reasons for failing, one a line */
    bool dead;                      /* the monitor ended, or its screen stopped */
    const char *step;               /* the step being played, for a stall's report */
    double last_pump;               /* when the soak last pumped, s since t0 */
    double max_gap;                 /* the longest the soak itself went without pumping */
    double step_t;                  /* when it started, s since t0 */
};

static double soak__now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void soak__fail(struct soak *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void soak__fail(struct soak *s, const char *fmt, ...)
{
    size_t at = strlen(s->why);
    va_list ap;

    if (at + 2 >= sizeof(s->why))
        return;
    va_start(ap, fmt);
    vsnprintf(s->why + at, sizeof(s->why) - at - 1, fmt, ap);
    va_end(ap);
    at = strlen(s->why);
    s->why[at] = '\n';
    s->why[at + 1] = '\0';
}

static void soak__loadavg(char *buf, size_t len)
{
    FILE *f = fopen("/proc/loadavg", "r");

    buf[0] = '\0';
    if (f != NULL) {
        if (fgets(buf, (int)len, f) != NULL)
            buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
    }
}

/* The monitor's core count as its sampler sees it: the highest cpuN in /proc/stat + 1. */
static int soak__ncpu(void)
{
    FILE *f = fopen("/proc/stat", "r");
    char line[512];
    int n = 0, k;

    if (f == NULL)
        return 1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (isdigit((unsigned char)line[3]) && sscanf(line, "cpu%d ", &k) == 1 && k + 1 > n)
            n = k + 1;
    fclose(f);
    return n > 0 ? n : 1;
}

/* 'R', 'S', 'Z' ... of pid; 0 if it does not exist. */
static char soak__state(pid_t pid)
{
    char path[64], buf[512], *rp;
    FILE *f;
    char st = 0;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fgets(buf, sizeof(buf), f) != NULL && (rp = strrchr(buf, ')')) != NULL)
        st = rp[2];
    fclose(f);
    return st;
}

/* VmRSS and its parts, from /proc/PID/status. */
static int soak__rss(pid_t pid, struct soak__sample *x)
{
    char path[64], line[256];
    int n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -errno;
    while (fgets(line, sizeof(line), f) != NULL)
        n += sscanf(line, "VmRSS: %ld kB", &x->rss_kb) + sscanf(line, "RssAnon: %ld kB",
             &x->anon_kb) + sscanf(line, "RssFile: %ld kB", &x->file_kb) +
             sscanf(line, "RssShmem: %ld kB", &x->shmem_kb);
    fclose(f);
    return n == 4 ? 0 : -ENOENT;
}

/* Whether an anonymous mapping of size bytes can be the history rings: either of them, or
 * both merged (the kernel merges adjacent mappings with the same flags). */
static bool soak__ring_size(const struct soak *s, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), need[3];

    need[0] = s->ring_bytes;
    need[1] = s->cpu_ring_bytes;
    need[2] = s->ring_bytes + s->cpu_ring_bytes;
    for (int i = 0; i < 3; i++)
        if (size >= need[i] && size <= need[i] + 2 * page)
            return true;
    return false;
}

/*
 * Rss of the mappings that hold the history rings: anonymous, MAP_NORESERVE
 * (VmFlags "nr", which keeps them from merging with the heap's mappings; see
 * src/ui/panels.c) and of their size.
 */
static int soak__rings(struct soak *s, long *kb, bool *found)
{
    char path[64], line[512];
    unsigned long lo, hi;
    bool anon = false;
    long rss = 0, v;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/smaps", (int)s->pid);
    f = fopen(path, "r");
    if (f == NULL)
        return -errno;
    *kb = 0;
    *found = false;
    while (fgets(line, sizeof(line), f) != NULL) {
        char name[256] = "";

        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &lo, &hi, name) >= 2 &&
            strchr(line, '-') < strchr(line, ' ')) {
            anon = name[0] == '\0' && soak__ring_size(s, hi - lo);
            rss = 0;
        } else if (sscanf(line, "Rss: %ld kB", &v) == 1) {
            rss = v;
        } else if (anon && strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " nr") != NULL) {
            /* VmFlags ends each mapping's block. */
            *kb += rss;
            *found = true;
        }
    }
    fclose(f);
    return 0;
}

/* Whether a /proc path names a task that still exists: /proc/P[/task/T]/... */
static bool soak__proc_live(const char *target)
{
    char dir[128];
    const char *q = target + strlen("/proc/");
    size_t n;

    if (!isdigit((unsigned char)*q))
        return true;                /* /proc/stat and the like */
    while (isdigit((unsigned char)*q))
        q++;
    if (strncmp(q, "/task/", 6) == 0 && isdigit((unsigned char)q[6])) {
        q += 6;
        while (isdigit((unsigned char)*q))
            q++;
    }
    n = (size_t)(q - target);
    if (n >= sizeof(dir))
        return true;
    memcpy(dir, target, n);
    dir[n] = '\0';
    return access(dir, F_OK) == 0;
}

static int soak__cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void soak__free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/*
 * The monitor's descriptors: all of them, and those on /proc files of tasks
 * that still exist. With names != NULL, the targets of the others, sorted.
 */
static int soak__fds(pid_t pid, int *all, int *live_proc, char ***names, int *nnames)
{
    char path[64], link[512], target[512];
    struct dirent *e;
    char **v = NULL;
    int nv = 0, cap = 0;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    d = opendir(path);
    if (d == NULL)
        return -errno;
    *all = *live_proc = 0;
    while ((e = readdir(d)) != NULL) {
        ssize_t n;

        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        (*all)++;
        snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
            continue;               /* closed since the listing */
        target[n] = '\0';
        if (strncmp(target, "/proc/", 6) == 0 && soak__proc_live(target)) {
            (*live_proc)++;
            continue;
        }
        if (names == NULL)
            continue;
        if (nv == cap) {
            cap = cap ? cap * 2 : 64;
            v = realloc(v, (size_t)cap * sizeof(*v));
            if (v == NULL)
                abort();
        }
        v[nv] = strdup(target);
        if (v[nv] == NULL)
            abort();
        nv++;
    }
    closedir(d);
    if (names != NULL) {
        if (nv > 0)
            qsort(v, (size_t)nv, sizeof(*v), soak__cmp_str);
        *names = v;
        *nnames = nv;
    }
    return 0;
}

/* One sample of the monitor; at a checkpoint, the descriptors' targets too. */
static void soak__sample(struct soak *s, int cycle, bool checkpoint)
{
    struct soak__sample *x;
    char **names = NULL;
    int nnames = 0;
    bool found = false;
    double t_read;

    if (s->ns == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->s = realloc(s->s, (size_t)s->cap * sizeof(*s->s));
        if (s->s == NULL)
            abort();
    }
    x = &s->s[s->ns];
    memset(x, 0, sizeof(*x));
    t_read = soak__now();
    x->t = soak__now() - s->t0;
    x->cycle = cycle;
    x->checkpoint = checkpoint;
    if (soak__rss(s->pid, x) < 0 || soak__rings(s, &x->ring_kb, &found) < 0 ||
        soak__fds(s->pid, &x->fds, &x->fds_live_proc, checkpoint ? &names : NULL,
                  &nnames) < 0)
        return;                     /* gone: the caller finds out from its state */
    s->ring_found |= found;
    s->ns++;
    /* Reading smaps waits for the monitor's mmap lock: a long wait here is the monitor
     * (or the machine) stuck, and it also keeps the stall check from running. */
    if (soak__now() - t_read > s->slowest_read)
        s->slowest_read = soak__now() - t_read;
    if (checkpoint) {
        /* The first one after the warm-up stays; the last one is the end. */
        if (cycle == s->warm + 1 && s->fds_start == NULL) {
            s->fds_start = names;
            s->nfds_start = nnames;
        } else {
            soak__free_names(s->fds_end, s->nfds_end);
            s->fds_end = names;
            s->nfds_end = nnames;
        }
    }
    if (s->verbose)
        printf("  t %7.1f  cycle %d%s  VmRSS %6ld KiB  rings %6ld  less rings %6ld (anon %ld "
               "file %ld shmem %ld)  fds %d (%d on live /proc)\n", x->t, cycle,
               checkpoint ? " *" : "  ", x->rss_kb, x->ring_kb, x->rss_kb - x->ring_kb,
               x->anon_kb - x->ring_kb, x->file_kb, x->shmem_kb, x->fds, x->fds_live_proc);
}

/* What the monitor is doing, for a failure message: its state and where it waits. */
static void soak__where(pid_t pid, char *buf, size_t len)
{
    char path[64], wchan[64] = "?", sc[128] = "?";
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
    if ((f = fopen(path, "r")) != NULL) {
        if (fgets(wchan, sizeof(wchan), f) == NULL)
            snprintf(wchan, sizeof(wchan), "?");
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
    if ((f = fopen(path, "r")) != NULL) {
        if (fgets(sc, sizeof(sc), f) != NULL)
            sc[strcspn(sc, " \n")] = '\0';
        else
            snprintf(sc, sizeof(sc), "?");
        fclose(f);
    }
    snprintf(buf, len, "state %c, waiting in %s, system call %s", soak__state(pid), wchan, sc);
}

/* On a stall, what the machine and the monitor were doing: the load, CPU
 * pressure, the busiest processes, the monitor's stacks (gdb, if there) and
 * two seconds of its system calls (strace, if there). */
static void soak__stall_report(pid_t pid)
{
    char cmd[1024];

    fflush(stdout);
    snprintf(cmd, sizeof(cmd),
             "echo '# schedstat (on-cpu ns, run-queue wait ns, slices): the monitor' "
             "$(cat /proc/%d/schedstat) ', the soak' $(cat /proc/%d/schedstat); sleep 1; "
             "echo '# a second later: the monitor' $(cat /proc/%d/schedstat) ', the soak' "
             "$(cat /proc/%d/schedstat); "
             "echo '# loadavg:' $(cat /proc/loadavg); echo '# cpu pressure:' "
             "$(cat /proc/pressure/cpu 2>/dev/null | head -n1); "
             "ps -eo pid,stat,pcpu,etime,comm --sort=-pcpu | head -n 12 | sed 's/^/# /'; "
             "command -v gdb >/dev/null && timeout 30 gdb -p %d -batch -nx "
             "-ex 'thread apply all bt 20' 2>/dev/null | grep -E '^(#|Thread)' | "
             "sed 's/^/# /' | head -n 60; "
             "command -v strace >/dev/null && timeout 2 strace -p %d -tt -s 48 2>&1 | "
             "head -n 40 | sed 's/^/# strace: /'", (int)pid, (int)getpid(), (int)pid,
             (int)getpid(), (int)pid, (int)pid);
    if (system(cmd) != 0)
        printf("# (no stack: gdb missing or refused)\n");
    fflush(stdout);
}

/* Pumps the screen until t_end (seconds since the start), sampling on the way. */
static void soak__run_until(struct soak *s, double t_end, int cycle)
{
    for (;;) {
        double now = soak__now() - s->t0;
        char st;

        if (s->dead || now >= t_end)
            return;
        /* Never past t_end: a burst of keys waits 30 ms after each, not a whole pump. */
        if (s->last_pump > 0 && now - s->last_pump > s->max_gap)
            s->max_gap = now - s->last_pump;
        pty_pump(s->p, t_end - now < 0.1 ? (int)((t_end - now) * 1000) : 100);
        now = soak__now() - s->t0;
        s->last_pump = now;
        if (pty_bytes(s->p) != s->last_bytes) {
            s->last_bytes = pty_bytes(s->p);
            s->last_output = now;
        }
        if (now >= s->next_state) {
            /* Not every pump: the output comes in many small reads, and this is three
             * system calls. */
            st = soak__state(s->pid);
            if (st == 0 || st == 'Z' || st == 'X') {
                soak__fail(s, "schedwatch ended during cycle %d, at %.1f s", cycle, now);
                s->dead = true;
                return;
            }
            s->next_state = now + 0.5;
        }
        /* Halfway to a stall: where the monitor is now, while it is still stuck. */
        if (now - s->last_output > SOAK_STALL_S / 3 && !s->peeked) {
            char where[256];

            s->peeked = true;
            soak__where(s->pid, where, sizeof(where));
            printf("# no output for %.0f s (cycle %d, at %.1f s, step %s from %.1f s); "
                   "the monitor: %s\n", now - s->last_output, cycle, now,
                   s->step ? s->step : "-", s->step_t, where);
            char *text = pty_screen_text(s->p);
            printf("# the soak's longest pause between reads so far: %.1f s\n", s->max_gap);
            printf("# the screen:\n%s\n", text);
            free(text);
            soak__stall_report(s->pid);
        }
        if (now - s->last_output > SOAK_STALL_S) {
            char where[256];

            soak__where(s->pid, where, sizeof(where));
            soak__fail(s, "the screen stopped updating: no output for %.0f s (cycle %d, at "
                       "%.1f s; the monitor: %s)", now - s->last_output, cycle, now, where);
            soak__stall_report(s->pid);
            s->dead = true;
            return;
        }
        if (now >= s->next_sample) {
            soak__sample(s, cycle, false);
            s->next_sample = now + s->every;
        }
    }
}

/* Pumps until the screen shows (or no longer shows) text, within SOAK_EXPECT_MS. */
static bool soak__expect(struct soak *s, const char *text, bool present, int cycle)
{
    double end = soak__now() - s->t0 + SOAK_EXPECT_MS / 1000.0;

    while (pty_screen_contains(s->p, text) != present) {
        double now = soak__now() - s->t0;

        if (s->dead || now >= end)
            return false;
        soak__run_until(s, now + 0.1, cycle);
    }
    return true;
}

static void soak__step(struct soak *s, const struct soak__step *st, int cycle, double t_end)
{
    s->step = st->label;
    s->step_t = soak__now() - s->t0;
    for (int k = 0; k < 3 && st->keys[k].key != NULL; k++) {
        for (int i = 0; i < st->keys[k].n; i++) {
            double t_send = soak__now();

            if (pty_send(s->p, st->keys[k].key) < 0) {
                soak__fail(s, "cycle %d, step %s: cannot write to the terminal", cycle,
                           st->label);
                s->dead = true;
                return;
            }
            if (soak__now() - t_send > 1) {
                char where[256];

                soak__where(s->pid, where, sizeof(where));
                soak__fail(s, "cycle %d, step %s: a key took %.1f s to write (the monitor "
                           "did not read its input; now %s)", cycle, st->label,
                           soak__now() - t_send, where);
            }
            soak__run_until(s, soak__now() - s->t0 + 0.03, cycle);
        }
    }
    if (st->expect != NULL && !soak__expect(s, st->expect, true, cycle) && !s->dead)
        soak__fail(s, "cycle %d, step %s: the screen never showed \"%s\"", cycle, st->label,
                   st->expect);
    if (st->gone != NULL && !soak__expect(s, st->gone, false, cycle) && !s->dead)
        soak__fail(s, "cycle %d, step %s: the screen still shows \"%s\"", cycle, st->label,
                   st->gone);
    soak__run_until(s, t_end, cycle);
}

/* Live processes (not zombies) carrying tag in their environment; waits up to 3 s. */
static int soak__survivors(const char *tag)
{
    int n = 0;

    for (int tries = 0; tries < 60; tries++) {
        struct dirent *e;
        DIR *d = opendir("/proc");

        n = 0;
        while (d != NULL && (e = readdir(d)) != NULL) {
            char path[300], st;
            static char env[1 << 16];
            size_t len;
            FILE *f;

            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            st = soak__state(atoi(e->d_name));
            if (st == 0 || st == 'Z' || st == 'X')
                continue;
            snprintf(path, sizeof(path), "/proc/%s/environ", e->d_name);
            f = fopen(path, "r");
            if (f == NULL)
                continue;
            len = fread(env, 1, sizeof(env) - 1, f);
            fclose(f);
            env[len] = '\0';
            for (size_t i = 0; i < len; i += strlen(env + i) + 1)
                if (strcmp(env + i, tag) == 0) {
                    n++;
                    break;
                }
        }
        if (d != NULL)
            closedir(d);
        if (n == 0)
            break;
        usleep(50000);
    }
    return n;
}

/* Targets in b that a does not have (both sorted), printed one a line. */
static void soak__print_new(char **a, int na, char **b, int nb)
{
    int i = 0, j = 0, shown = 0;

    while (j < nb && shown < 40) {
        int c = i < na ? strcmp(a[i], b[j]) : 1;

        if (c == 0) {
            i++;
            j++;
        } else if (c < 0) {
            i++;
        } else {
            printf("    new: %s\n", b[j++]);
            shown++;
        }
    }
}

/* User + system CPU of this process alone (not the monitor it reaped), seconds. */
static double soak__self_cpu(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return -1;
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void soak__usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--bin PATH] [--minutes M | --seconds S] [--cols C] [--rows R] "
            "[--cycles N] [--verbose] [-- schedwatch options]\n", argv0);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "bin", required_argument, NULL, 'b' }, { "minutes", required_argument, NULL, 'm' },
        { "seconds", required_argument, NULL, 's' }, { "cols", required_argument, NULL, 'c' },
        { "rows", required_argument, NULL, 'r' }, { "verbose", no_argument, NULL, 'v' },
        { "cycles", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 },
    };

    setvbuf(stdout, NULL, _IOLBF, 0);   /* a stall's report must reach the log */
    const char *bin = getenv("SW_BIN") != NULL ? getenv("SW_BIN") : "./schedwatch";
    double secs = 30 * 60, wcycle = 0, step_s, t_end, done_at;
    int cols = 160, rows = 50, o, na = 0, ncycles = 0, status = -1, cycle, nsurv;
    const char *args[64], *env[2];
    char tag[64], load0[128], load1[128];
    const struct soak__sample *a = NULL, *b = NULL, *prev = NULL;
    long rmax = 0, vmax = 0;
    int fmax = 0, famax = 0;
    bool ok_exit, restored, cycles_given = false;
    struct soak s;

    memset(&s, 0, sizeof(s));
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'b': bin = optarg; break;
        case 'm': secs = atof(optarg) * 60; break;
        case 's': secs = atof(optarg); break;
        case 'c': cols = atoi(optarg); break;
        case 'r': rows = atoi(optarg); break;
        case 'v': s.verbose = true; break;
        case 'n':
            ncycles = atoi(optarg);
            cycles_given = true;
            break;
        default:
            soak__usage(argv[0]);
            return 2;
        }
    }
    if (secs < 20 || cols < 40 || rows < 10 || (cycles_given && ncycles < 2)) {
        soak__usage(argv[0]);
        fprintf(stderr, "(at least 20 seconds, 2 cycles, and a terminal of 40x10 or more)\n");
        return 2;
    }
    args[na++] = bin;
    if (optind < argc) {
        for (int i = optind; i < argc && na < 62; i++)
            args[na++] = argv[i];
    } else {
        args[na++] = "-n";
        args[na++] = "8";
    }
    args[na] = NULL;

    /* Whole cycles of steps no shorter than SOAK_STEP_S, at least three of them (so the
     * measured stretch has two, and a steady growth shows from one dying down), and a
     * closing baseline step so the last cycle's end is measured as its start was. */
    for (int i = 0; i < SOAK_NSTEPS; i++)
        wcycle += soak__cycle[i].weight;
    if (ncycles == 0)
        ncycles = (int)(secs / (wcycle * SOAK_STEP_S));
    if (ncycles < 3 && !cycles_given)
        ncycles = 3;
    step_s = secs / (ncycles * wcycle + soak__cycle[0].weight);
    s.every = step_s < 2 ? 2 : step_s > 5 ? 5 : step_s;
    /* Steps too short for a model to reach its full size (a host restarted with 128
     * tasks on a loaded machine takes seconds) leave some high-water marks to the
     * second pass: then two cycles of warm-up, if the run has three or more. */
    s.warm = step_s >= SOAK_STEP_S / 2 || ncycles < 3 ? 1 : 2;
    s.ring_bytes = (size_t)PANELS_HIST_CAP * sizeof(struct panels_entry);
    s.cpu_ring_bytes = (size_t)PANELS_HIST_CAP * (size_t)soak__ncpu() * sizeof(struct sample_cpu);

    snprintf(tag, sizeof(tag), "SW_TEST_RUN=soak-%d-%.0f", (int)getpid(), soak__now() * 1e6);
    env[0] = tag;
    env[1] = NULL;
    soak__loadavg(load0, sizeof(load0));
    if (pty_spawn(&s.p, args, cols, rows, env) < 0) {
        perror("pty_spawn");
        return 1;
    }
    s.pid = pty_pid(s.p);
    s.t0 = soak__now();

    /* The run: cycles of the same steps; at the end of each cycle's baseline step a
     * checkpoint sample, the like-with-like point. */
    t_end = 0;
    for (cycle = 1; cycle <= ncycles + 1 && !s.dead; cycle++) {
        int nsteps = cycle <= ncycles ? SOAK_NSTEPS : 1;

        for (int i = 0; i < nsteps && !s.dead; i++) {
            t_end += soak__cycle[i].weight * step_s;
            soak__step(&s, &soak__cycle[i], cycle, t_end);
            if (i == 0 && !s.dead) {
                soak__sample(&s, cycle, true);
                if (!pty_screen_contains(s.p, "workload cpu"))
                    soak__fail(&s, "cycle %d did not start where the last one did: no "
                               "\"workload cpu\" on screen", cycle);
            }
        }
    }
    done_at = soak__now() - s.t0;
    soak__loadavg(load1, sizeof(load1));

    /* The figures: the measured stretch runs from cycle 2's checkpoint to the last. */
    for (int i = 0; i < s.ns; i++) {
        const struct soak__sample *x = &s.s[i];

        if (!x->checkpoint)
            continue;
        if (x->cycle == s.warm + 1 && a == NULL)
            a = x;
        if (x->cycle == ncycles + 1)
            b = x;
    }
    if (a != NULL) {
        for (const struct soak__sample *x = a; x < s.s + s.ns; x++) {
            if (x->rss_kb - x->ring_kb > rmax)
                rmax = x->rss_kb - x->ring_kb;
            if (x->rss_kb > vmax)
                vmax = x->rss_kb;
            if (x->fds - x->fds_live_proc > fmax)
                fmax = x->fds - x->fds_live_proc;
            if (x->fds > famax)
                famax = x->fds;
        }
    }

    printf("# soak: schedwatch in a %dx%d pty for %.0f s: %d cycles of %d steps, %.1f s a step "
           "(quick ones 0.4 of it), and a closing baseline step\n", cols, rows, done_at, ncycles,
           SOAK_NSTEPS, step_s);
    printf("# warm-up: %d cycle%s; growth is judged from cycle %d's start to the end, both at "
           "the end of a baseline step (cpu, the starting task counts)\n", s.warm,
           s.warm == 1 ? "" : "s", s.warm + 1);
    printf("# monitor pid %d (its own process only), sampled every %.1f s; %d cores; loadavg "
           "before: %s; after: %s\n", (int)s.pid, s.every, soak__ncpu(), load0, load1);
    printf("# the cycle:");
    for (int i = 0; i < SOAK_NSTEPS; i++)
        printf(" %s%s", soak__cycle[i].label, i + 1 < SOAK_NSTEPS ? " ·" : "\n");
    printf("# reproduce: %s --bin %s --seconds %.0f --cycles %d --cols %d --rows %d --", argv[0],
           bin, secs, ncycles, cols, rows);
    for (int i = 1; i < na; i++)
        printf(" %s", args[i]);
    printf("\n");
    printf("%-10s %7s %9s %7s %10s %7s %11s %8s %7s %5s %10s %6s\n", "checkpoint", "at (s)",
           "VmRSS KiB", "rings", "less rings", "+/-", "(anon less", "file", "shmem)", "fds",
           "live /proc", "judged");
    for (int i = 0; i < s.ns; i++) {
        const struct soak__sample *x = &s.s[i];

        if (!x->checkpoint)
            continue;
        printf("%-10s %7.1f %9ld %7ld %10ld %+7ld %11ld %8ld %7ld %5d %10d %6d\n",
               x->cycle <= s.warm ? "warm-up" : x->cycle <= ncycles ? "cycle" : "end", x->t,
               x->rss_kb, x->ring_kb, x->rss_kb - x->ring_kb,
               prev != NULL ? (x->rss_kb - x->ring_kb) - (prev->rss_kb - prev->ring_kb) : 0,
               x->anon_kb - x->ring_kb, x->file_kb, x->shmem_kb, x->fds, x->fds_live_proc,
               x->fds - x->fds_live_proc);
        prev = x;
    }
    printf("key cycles done: %d of %d (%d measured)\n",
           cycle - 2 < ncycles ? cycle - 2 : ncycles, ncycles, ncycles - s.warm);
    if (!s.ring_found)
        printf("note: the history rings were not found as mappings of their own "
               "(%zu and %zu bytes, VmFlags nr); RSS less rings is VmRSS\n", s.ring_bytes,
               s.cpu_ring_bytes);

    if (a != NULL && b != NULL) {
        long ga = a->rss_kb - a->ring_kb, gb = b->rss_kb - b->ring_kb;
        int fa = a->fds - a->fds_live_proc, fb = b->fds - b->fds_live_proc;

        printf("RSS less the history rings: start %ld KiB, end %ld KiB, max %ld KiB, "
               "growth %+ld KiB (limit %d): anon %+ld, file %+ld, shmem %+ld\n", ga, gb, rmax,
               gb - ga, SOAK_RSS_LIMIT_KB, (b->anon_kb - b->ring_kb) - (a->anon_kb - a->ring_kb),
               b->file_kb - a->file_kb, b->shmem_kb - a->shmem_kb);
        printf("VmRSS: start %ld KiB, end %ld KiB, max %ld KiB, growth %+ld KiB (the rings "
               "%+ld KiB of it)\n", a->rss_kb, b->rss_kb, vmax, b->rss_kb - a->rss_kb,
               b->ring_kb - a->ring_kb);
        printf("fds but the sampler's on live tasks: start %d, end %d, max %d, growth %+d "
               "(limit 0); all fds: start %d, end %d, max %d\n", fa, fb, fmax, fb - fa, a->fds,
               b->fds, famax);
        if (gb - ga > SOAK_RSS_LIMIT_KB)
            soak__fail(&s, "RSS less the history rings grew %ld KiB (limit %d KiB)", gb - ga,
                       SOAK_RSS_LIMIT_KB);
        if (fb > fa) {
            soak__fail(&s, "descriptors grew by %d", fb - fa);
            soak__print_new(s.fds_start, s.nfds_start, s.fds_end, s.nfds_end);
        }
    } else if (!s.dead) {
        soak__fail(&s, "no measured stretch (the monitor could not be sampled)");
    }

    /* The end: q, a clean exit, the terminal back, nothing left behind. */
    if (s.dead) {
        char *t = pty_screen_text(s.p);

        printf("the screen at the end:\n%s\n", t);
        free(t);
    }
    pty_send(s.p, "q");
    if (pty_wait_exit(s.p, 30000, &status) < 0) {
        soak__fail(&s, "schedwatch did not quit within 30 s of q");
        status = -1;
    }
    ok_exit = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    restored = !pty_altscreen(s.p) && pty_cursor_visible(s.p) && pty_termios_restored(s.p);
    if (status != -1 && !ok_exit)
        soak__fail(&s, "schedwatch exited with %s %d", WIFEXITED(status) ? "status" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    if (status != -1 && !restored)
        soak__fail(&s, "the terminal was not restored (alternate screen %d, cursor shown %d, "
                   "termios %d)", pty_altscreen(s.p), pty_cursor_visible(s.p),
                   pty_termios_restored(s.p));
    pty_free(s.p);
    nsurv = soak__survivors(tag);
    if (nsurv > 0)
        soak__fail(&s, "%d process%s carrying %s outlived the monitor", nsurv,
                   nsurv == 1 ? "" : "es", tag);
    printf("quit: %s, terminal %s, %d survivor%s; this soak's own CPU: %.1f s; the slowest "
           "sample of the monitor's /proc files: %.3f s\n", ok_exit ? "exit 0" : "bad exit",
           restored ? "restored" : "NOT restored", nsurv, nsurv == 1 ? "" : "s",
           soak__self_cpu(), s.slowest_read);

    soak__free_names(s.fds_start, s.nfds_start);
    soak__free_names(s.fds_end, s.nfds_end);
    free(s.s);
    if (s.why[0] != '\0') {
        printf("FAIL:\n%s", s.why);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
