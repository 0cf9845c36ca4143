/*
 * sampler.c — turns /proc into struct sample, cheaply.
 *
 * Glossary. A tree is a watched root process and all its descendants; a proc
 * is one thread group in a tree; a task is one thread (the leader included).
 * "Ran" means a task's schedstat run time or timeslice count moved since it
 * was last read: a task that did not run cannot have changed its CPU time, its
 * context switch counts or (but for a wake-up still waiting on a run queue)
 * its state and core.
 *
 * What a read costs (this machine, 6.18 kernel in a VM, a process with 10,000
 * sleeping threads, one pread on a descriptor kept open): task stat 4.8 us,
 * schedstat 2.1 us, status 10.8 us; open+read+close of schedstat 9.7 us;
 * readdir of task/ 12.7 ms; smaps_rollup of that process 11 ms; its
 * /proc/PID/stat 4 ms (the kernel sums CPU time over every thread) while
 * task/PID/stat of the leader is one task's cost. At 10 Hz, reading stat and
 * schedstat of 10,000 tasks every sample would take 70% of a core; the target
 * is 15%. Hence:
 *
 *  - schedstat first, stat only when needed. Each read of a task starts with
 *    schedstat (cheapest, and ns-exact run time: CPU% comes from it). stat is
 *    read only for a task seen for the first time, one that ran, or one whose
 *    stat is older than STAT_STALE_NS (so a task woken but not yet run shows
 *    R within that delay at worst).
 *  - status only for context switches, and only for a task that ran since its
 *    last status read: one that did not run made no switch, so its rates are
 *    exactly 0 without reading anything. Those reads come last, round-robin
 *    over the tasks that ran, with the last quarter of the budget (the rest
 *    if the other reads leave more): with many busy tasks each one's rates
 *    are refreshed every few seconds, over its own interval between reads.
 *  - a CPU budget. Per-task reads may take budget_pct (8%) of the interval,
 *    in this thread's CPU time (wall time would shrink on a loaded machine).
 *    New tasks are read first (unbudgeted: their name and state must exist),
 *    then every other task, round-robin, until the budget is spent; the rest
 *    keep their last figures (sample_task.t_ns says when) and come first next
 *    time. So cost stays bounded at any task count, and with few tasks every
 *    task is read every sample.
 *    The order must not depend on what a read found. Each read publishes the
 *    rate over the task's interval since its previous read, and that figure
 *    stands until the next; a sum over tasks is true only if every figure
 *    stands about as long as the interval it measured. Reading tasks that
 *    "ran at their last read" first broke that: a task seen idle over one
 *    short interval showed 0 until the budget reached the idle ones, which
 *    with a thousand busy tasks it never did (1,000 io threads: 0.15 cores
 *    shown, 0.51 by their process's own stat, a third of the tasks non-zero).
 *  - the leader's task/PID/stat stands for the process (ppid, num_threads,
 *    rss, vsize): never /proc/PID/stat, which walks every thread. It is read
 *    every sample for a process with several threads (one read stands for
 *    them all); a single-threaded process's comes with its one task's stat
 *    (the same file, read when the task ran), and at least every
 *    PROC_STAT_MAX_NS. Reading it every sample for 1,000 procs workers was
 *    a third of the monitor's CPU.
 *  - task/ is listed again only when num_threads differs from the tasks we
 *    know or a task vanished, and for a big listing not more often than 20x
 *    its own cost (a 13 ms listing: at most every 260 ms).
 *  - new descendants: /proc/stat's "processes" counts every fork and clone on
 *    the machine; while it stands still no process can have appeared. Where
 *    the kernel has task/TID/children, a task's children file is read when
 *    the task is new, or when it ran since that file was last read (only a
 *    task that ran can have forked) while that counter moved, at most every
 *    SCAN_MIN_NS per task: the
 *    search rides on the reads already made, within the budget. Children
 *    found are read at once (and theirs). Without children files, /proc is
 *    scanned for ppids, at most every SCAN_MIN_NS, longer (up to SCAN_MAX_NS)
 *    if a scan costs more than 2% of that. (A thread that exits hands its
 *    children to a sibling: such a child is found when the sibling next
 *    runs.)
 *  - smaps_rollup walks the page tables: each process's is read again after
 *    100x the cost of one round of them all (the last read of every watched
 *    process, summed), so all of them together stay near 1% of a core, not
 *    sooner than 0.5 s and not later than 30 s. (Per process, 100x its own
 *    cost let 1,000 procs workers take 2.3% of a core: 40% of the monitor.)
 *    But a tree whose own round costs little is not held back by a costly
 *    one: its processes wait at most 100x (number of trees x its round), so
 *    each tree takes at most its share of another 1%. The walk is the only
 *    exact RSS (stat's is the kernel's per-CPU or per-thread counters, read
 *    without summing them): 1,000 procs workers made the threads host wait
 *    5-30 s for its, and memory per task read "n/a" for a whole lesson step.
 *  - descriptors stay open (pread at 0 regenerates a seq file); RLIMIT_NOFILE
 *    is raised to its hard limit, and we hold at most that minus a reserve for
 *    the rest of the program. schedstat descriptors have priority; past 3/4 of
 *    the limit stat is opened per read, past 1/2 status is. If opens fail
 *    with EMFILE the limit shrinks to what we hold.
 *
 * A task or process that vanishes makes its reads fail with ESRCH or ENOENT:
 * its descriptors are closed and it is dropped, without error or message.
 * Rejected: readdir of task/ every sample (13 ms at 10k threads), status
 * every sample (108 ms), and a rotating subset of status reads without the
 * "did it run" test (it spends the budget on tasks that did nothing).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "sample/sampler.h"
#include "util.h"

#define STAT_STALE_NS   (5ull * 1000000000)
#define PROC_STAT_MAX_NS (1000ull * 1000000)
#define SCAN_MIN_NS     (200ull * 1000000)
#define SCAN_MAX_NS     (1000ull * 1000000)
#define MEM_MIN_NS      (500ull * 1000000)
#define MEM_MAX_NS      (30ull * 1000000000)
#define MEM_COST_FACTOR 100
#define READDIR_FACTOR  20
#define FD_RESERVE      256
#define BUDGET_MIN_NS   (1000000ull)
#define BUDGET_PCT      8

struct sampler__task {
    pid_t    tid;
    int      fd_stat, fd_sched, fd_status;   /* -1 when not held open */
    bool     fresh;                 /* never read */
    uint64_t read_seq;              /* sample in which it was last read */
    uint64_t t_read;                /* when schedstat (or stat) was last read */
    struct procfs_schedstat ss;     /* at t_read */
    uint64_t t_stat;                /* when stat was last read */
    uint64_t utime, stime;          /* at t_stat */
    bool     csw_base;              /* vcsw/ivcsw/t_csw below hold a status read */
    uint64_t t_csw;                 /* counts below are known true at this time */
    uint64_t vcsw, ivcsw;
    uint64_t run_at_csw, slices_at_csw;
    bool     csw_dirty;             /* ran since its last status read: read status */
    uint64_t forks_at_kids;         /* /proc/stat processes when children was last read */
    uint64_t t_kids;                /* ... and when */
    uint64_t run_at_kids, slices_at_kids;   /* its schedstat then */
    struct sample_task pub;         /* the figures published */
};

struct sampler__proc {
    pid_t    pid;
    struct sampler__tree *tree;     /* the tree it belongs to */
    DIR     *taskdir;               /* <root>/<pid>/task */
    int      fd_lstat;              /* task/<pid>/stat: the leader stands for the process */
    int      fd_smaps;
    struct sampler__task *tasks;    /* sorted by tid */
    int      ntask, cap;
    bool     relist;                /* list task/ again (a task vanished) */
    uint64_t t_relist_ok;           /* not before this time (big listings) */
    struct procfs_task_stat lst;    /* the leader's last stat */
    uint64_t lst_seq;               /* the sample that read it */
    uint64_t t_lst;                 /* and when */
    uint64_t mem_next;
    int      mem_fails;             /* smaps_rollup reads failed in a row */
    uint64_t mem_cost;              /* CPU ns of its last smaps_rollup read */
    struct sample_proc pub;
};

struct sampler__tree {
    pid_t    root;
    char     label[SAMPLE_LABEL_MAX];
    bool     alive;
    struct sampler__proc **procs;   /* procs[0] is the root while it lives */
    int      nproc, cap;
    uint64_t mem_cost;              /* sum of its procs' mem_cost */
};

struct sampler {
    char    *root;
    int      rootfd;
    struct sample_caps caps;
    long     clk_tck, page_size;
    unsigned budget_pct;
    uint64_t mem_cost_total;        /* sum of the procs' mem_cost */
    uint64_t (*clock)(void *arg);
    void    *clock_arg;

    int      fd_stat, fd_loadavg, fd_psi, fd_meminfo;
    struct procfs_buf buf;

    /* machine */
    struct procfs_stat st, st_prev;
    struct procfs_cpu_times *cpu, *cpu_prev;
    int      cpu_cap;
    struct procfs_psi psi_prev;
    uint64_t t_prev;

    /* trees */
    struct sampler__tree **trees;
    int      ntree;
    bool     scan_pending;
    uint64_t forks_at_scan;
    uint64_t t_scan_ok;             /* no search for descendants before this time */

    /* per-sample work */
    struct sampler__task **flat;
    struct sampler__proc **flat_proc;
    int      nflat, flat_cap;
    int      cur_round;
    uint64_t seq;
    uint64_t deadline;              /* this thread's CPU ns: stat/schedstat reads stop */
    uint64_t deadline_status;       /* ... and status reads (0: no limit) */
    uint64_t cpu_last;              /* the CPU clock is a system call: asked every 16 */
    unsigned budget_calls;
    int      cur_status;
    bool     over;

    pid_t   *kids;                  /* a children file's pids */
    int      kids_cap;

    /* children found by task reads, adopted after them */
    struct sampler__pend { struct sampler__tree *tree; pid_t pid; } *pend;
    int      npend, pend_cap;

    /* fds */
    int      nfds, fds_limit;

    struct sample out;
    int      out_tree_cap;
    struct sampler_stats stats;
};

static const char *const sampler__cap_names[SAMPLE_CAP_COUNT] = {
    [SAMPLE_CAP_STAT] = "/proc/stat",
    [SAMPLE_CAP_LOADAVG] = "/proc/loadavg",
    [SAMPLE_CAP_PSI] = "CPU pressure (PSI)",
    [SAMPLE_CAP_SCHEDSTAT] = "task schedstat",
    [SAMPLE_CAP_SCHEDSTAT_WAIT] = "run-queue wait",
    [SAMPLE_CAP_SMAPS_ROLLUP] = "smaps_rollup",
    [SAMPLE_CAP_PROC_SCHEDSTAT] = "/proc/schedstat",
    [SAMPLE_CAP_CHILDREN] = "task children",
};

const char *sample_cap_name(enum sample_cap cap)
{
    if ((unsigned)cap >= SAMPLE_CAP_COUNT)
        return "?";
    return sampler__cap_names[cap];
}

static uint64_t sampler__now(const struct sampler *s)
{
    return s->clock != NULL ? s->clock(s->clock_arg) : util_now_ns();
}

/* ---- descriptors ---------------------------------------------------------------- */

static void sampler__close(struct sampler *s, int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        s->nfds--;
        *fd = -1;
    }
}

/*
 * Reads dirfd/path into s->buf through *fd, opening it first if needed. The
 * descriptor is kept when fewer than keep_below are held, else closed after
 * the read. Returns 0 or -errno.
 */
static int sampler__read(struct sampler *s, int dirfd, const char *path, int *fd, int keep_below)
{
    int r;
    if (*fd < 0) {
        int nfd = procfs_open(dirfd, path);
        if (nfd == -EMFILE || nfd == -ENFILE) {
            /* Someone else needs descriptors too: hold no more than now. */
            s->fds_limit = MAX(s->nfds - 16, 0);
            return nfd;
        }
        if (nfd < 0)
            return nfd;
        if (s->nfds >= keep_below) {
            s->stats.opens_uncached++;
            r = procfs_pread_all(nfd, &s->buf);
            close(nfd);
            return r;
        }
        *fd = nfd;
        s->nfds++;
    }
    r = procfs_pread_all(*fd, &s->buf);
    if (r < 0)
        sampler__close(s, fd);
    return r;
}

static void sampler__raise_nofile(struct sampler *s)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        if (rl.rlim_cur < rl.rlim_max) {
            rlim_t old = rl.rlim_cur;
            rl.rlim_cur = rl.rlim_max;
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
                rl.rlim_cur = old;
        }
        /* select() users aside, nothing here needs fds below 1024. */
        rlim_t lim = rl.rlim_cur == RLIM_INFINITY ? 1u << 20 : rl.rlim_cur;
        s->fds_limit = lim > FD_RESERVE * 2 ? (int)MIN(lim - FD_RESERVE, 1u << 20) : 0;
    }
}

/* ---- capability probe ------------------------------------------------------------ */

static void sampler__cap(struct sampler *s, enum sample_cap c, bool ok, const char *why)
{
    s->caps.ok[c] = ok;
    s->caps.why[c] = ok ? NULL : why;
}

static const char *sampler__errtext(int err, const char *absent)
{
    switch (err) {
    case -ENOENT: return absent;
    case -EACCES: case -EPERM: return "permission denied";
    case -EOPNOTSUPP: return "disabled at boot (psi=0)";
    default: return "unreadable";
    }
}

static void sampler__probe(struct sampler *s)
{
    const char *why = NULL;
    int r;

    r = procfs_read_file(s->rootfd, "loadavg", &s->buf);
    struct procfs_loadavg la;
    if (r == 0)
        r = procfs_parse_loadavg(s->buf.p, s->buf.len, &la, &why);
    sampler__cap(s, SAMPLE_CAP_LOADAVG, r == 0, r == -ENOENT ? "absent" : "unparsable");

    r = procfs_read_file(s->rootfd, "pressure/cpu", &s->buf);
    struct procfs_psi psi;
    if (r == 0)
        r = procfs_parse_psi(s->buf.p, s->buf.len, &psi, &why) < 0 ? -EINVAL : 0;
    sampler__cap(s, SAMPLE_CAP_PSI, r == 0,
                 sampler__errtext(r, "absent (kernel built without CONFIG_PSI)"));

    r = procfs_read_file(s->rootfd, "schedstat", &s->buf);
    sampler__cap(s, SAMPLE_CAP_PROC_SCHEDSTAT, r == 0,
                 sampler__errtext(r, "absent (kernel built without CONFIG_SCHEDSTATS)"));

    /* Per-task files, probed on ourselves (a fixture tree has a "self" link). */
    struct procfs_schedstat ss;
    r = procfs_read_file(s->rootfd, "self/schedstat", &s->buf);
    if (r == 0)
        r = procfs_parse_schedstat(s->buf.p, s->buf.len, &ss, &why);
    sampler__cap(s, SAMPLE_CAP_SCHEDSTAT, r == 0,
                 r == -ENOENT ? "absent (kernel built without CONFIG_SCHED_INFO)"
                              : "unreadable");
    /* Wait time is kept only when sched_info is on; init has surely waited
     * at some point if it is. Any task seen waiting later turns it on. */
    bool waited = r == 0 && ss.wait_ns > 0;
    if (r == 0 && !waited && procfs_read_file(s->rootfd, "1/schedstat", &s->buf) == 0 &&
        procfs_parse_schedstat(s->buf.p, s->buf.len, &ss, &why) == 0)
        waited = ss.wait_ns > 0;
    sampler__cap(s, SAMPLE_CAP_SCHEDSTAT_WAIT, waited,
                 !s->caps.ok[SAMPLE_CAP_SCHEDSTAT] ? "no schedstat"
                                                   : "reads 0: sched_info off");

    r = procfs_read_file(s->rootfd, "self/smaps_rollup", &s->buf);
    struct procfs_smaps_rollup sr;
    if (r == 0)
        r = procfs_parse_smaps_rollup(s->buf.p, s->buf.len, &sr, &why) < 0 ? -EINVAL : 0;
    sampler__cap(s, SAMPLE_CAP_SMAPS_ROLLUP, r == 0,
                 sampler__errtext(r, "absent (kernel older than 4.14)"));

    char link[32], path[80];
    ssize_t n = readlinkat(s->rootfd, "self", link, sizeof(link) - 1);
    r = -ENOENT;
    if (n > 0) {
        link[n] = '\0';
        snprintf(path, sizeof(path), "self/task/%s/children", link);
        r = procfs_read_file(s->rootfd, path, &s->buf);
    }
    sampler__cap(s, SAMPLE_CAP_CHILDREN, r == 0,
                 sampler__errtext(r, "absent (CONFIG_PROC_CHILDREN off): /proc is scanned"));
}

/* ---- machine ---------------------------------------------------------------------- */

static int sampler__read_stat(struct sampler *s, const char **why)
{
    int r = sampler__read(s, s->rootfd, "stat", &s->fd_stat, INT32_MAX);
    if (r < 0) {
        *why = "cannot read stat";
        return r;
    }
    for (;;) {
        r = procfs_parse_stat(s->buf.p, s->buf.len, &s->st, s->cpu, s->cpu_cap, why);
        if (r < 0 || s->st.ncpu <= s->cpu_cap)
            return r;
        int ncap = s->st.ncpu;
        s->cpu = xreallocarray(s->cpu, (size_t)ncap, sizeof(*s->cpu));
        s->cpu_prev = xreallocarray(s->cpu_prev, (size_t)ncap, sizeof(*s->cpu_prev));
        memset(s->cpu_prev + s->cpu_cap, 0, (size_t)(ncap - s->cpu_cap) * sizeof(*s->cpu));
        s->out.m.cpu = xreallocarray(s->out.m.cpu, (size_t)ncap, sizeof(*s->out.m.cpu));
        s->cpu_cap = ncap;
    }
}

static uint64_t sampler__delta(uint64_t now, uint64_t then)
{
    return now > then ? now - then : 0;     /* counters reset by CPU hotplug */
}

static void sampler__cpu_fractions(const struct procfs_cpu_times *a,
                                   const struct procfs_cpu_times *b, struct sample_cpu *out)
{
    memset(out, 0, sizeof(*out));
    out->online = a->present;
    if (!a->present || !b->present)
        return;
    /* guest time is already inside user (and guest_nice inside nice). */
    uint64_t user = sampler__delta(a->user + a->nice, b->user + b->nice);
    uint64_t sys = sampler__delta(a->system, b->system);
    uint64_t idle = sampler__delta(a->idle, b->idle);
    uint64_t iow = sampler__delta(a->iowait, b->iowait);
    uint64_t irq = sampler__delta(a->irq + a->softirq, b->irq + b->softirq);
    uint64_t steal = sampler__delta(a->steal, b->steal);
    uint64_t total = user + sys + idle + iow + irq + steal;
    if (total == 0)
        return;
    out->user = (float)user / total;
    out->sys = (float)sys / total;
    out->iowait = (float)iow / total;
    out->irq = (float)irq / total;
    out->steal = (float)steal / total;
    out->busy = (float)(user + sys + irq + steal) / total;
}

static int sampler__machine(struct sampler *s, uint64_t now, const char **why)
{
    struct sample_machine *m = &s->out.m;
    int r = sampler__read_stat(s, why);
    if (r < 0)
        return r;
    m->t_ns = now;
    m->dt = s->t_prev != 0 ? (double)(now - s->t_prev) / 1e9 : 0;
    m->ncpu = s->st.ncpu;
    for (int i = 0; i < m->ncpu; i++)
        sampler__cpu_fractions(&s->cpu[i], &s->cpu_prev[i], &m->cpu[i]);
    sampler__cpu_fractions(&s->st.total, &s->st_prev.total, &m->total);
    m->total.online = true;
    if (m->dt > 0) {
        m->ctxt_per_s = sampler__delta(s->st.ctxt, s->st_prev.ctxt) / m->dt;
        m->forks_per_s = sampler__delta(s->st.processes, s->st_prev.processes) / m->dt;
    } else {
        m->ctxt_per_s = m->forks_per_s = 0;
    }
    m->procs_running = s->st.procs_running;
    m->procs_blocked = s->st.procs_blocked;

    struct procfs_loadavg la;
    const char *w;
    if (s->caps.ok[SAMPLE_CAP_LOADAVG] &&
        sampler__read(s, s->rootfd, "loadavg", &s->fd_loadavg, INT32_MAX) == 0 &&
        procfs_parse_loadavg(s->buf.p, s->buf.len, &la, &w) == 0) {
        memcpy(m->load, la.load, sizeof(m->load));
        m->nr_threads = la.nr_threads;
    }

    struct procfs_psi psi;
    m->psi_ok = false;
    if (s->caps.ok[SAMPLE_CAP_PSI] &&
        sampler__read(s, s->rootfd, "pressure/cpu", &s->fd_psi, INT32_MAX) == 0 &&
        procfs_parse_psi(s->buf.p, s->buf.len, &psi, &w) == 0) {
        m->psi_ok = true;
        m->psi_some_avg10 = (float)psi.some.avg10;
        m->psi_some_now = m->dt > 0 ? (float)(sampler__delta(psi.some.total,
                                      s->psi_prev.some.total) / 1e4 / m->dt) : 0;
        s->psi_prev = psi;
    }

    struct procfs_meminfo mi;
    if (sampler__read(s, s->rootfd, "meminfo", &s->fd_meminfo, INT32_MAX) == 0 &&
        procfs_parse_meminfo(s->buf.p, s->buf.len, &mi, &w) == 0) {
        m->mem_total = mi.mem_total;
        m->mem_available = mi.available_ok ? mi.mem_available : 0;
    }
    return 0;
}

static void sampler__machine_done(struct sampler *s, uint64_t now)
{
    s->st_prev = s->st;
    memcpy(s->cpu_prev, s->cpu, (size_t)s->st.ncpu * sizeof(*s->cpu));
    s->t_prev = now;
}

/* ---- processes and their task lists ----------------------------------------------- */

static void sampler__task_free(struct sampler *s, struct sampler__task *t)
{
    sampler__close(s, &t->fd_stat);
    sampler__close(s, &t->fd_sched);
    sampler__close(s, &t->fd_status);
}

static void sampler__proc_free(struct sampler *s, struct sampler__proc *p)
{
    for (int i = 0; i < p->ntask; i++)
        sampler__task_free(s, &p->tasks[i]);
    free(p->tasks);
    if (p->taskdir != NULL) {
        closedir(p->taskdir);
        s->nfds--;
    }
    sampler__close(s, &p->fd_lstat);
    sampler__close(s, &p->fd_smaps);
    s->mem_cost_total -= p->mem_cost;
    if (p->tree != NULL)
        p->tree->mem_cost -= p->mem_cost;
    free(p);
}

static struct sampler__proc *sampler__proc_new(struct sampler *s, pid_t pid)
{
    char path[32];
    snprintf(path, sizeof(path), "%d/task", (int)pid);
    int fd = openat(s->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return NULL;
    }
    struct sampler__proc *p = xcalloc(1, sizeof(*p));
    p->pid = pid;
    p->taskdir = d;
    s->nfds++;
    p->fd_lstat = p->fd_smaps = -1;
    p->relist = true;
    p->pub.pid = pid;
    return p;
}

static int sampler__cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* Lists task/ and merges it into p->tasks (both sorted by tid). */
static void sampler__relist(struct sampler *s, struct sampler__proc *p, uint64_t now)
{
    uint64_t t0 = util_now_ns();
    pid_t *tids = NULL;
    int n = 0, cap = 0;
    struct dirent *e;

    rewinddir(p->taskdir);
    while ((e = readdir(p->taskdir)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            tids = xreallocarray(tids, (size_t)cap, sizeof(*tids));
        }
        tids[n++] = (pid_t)atoi(e->d_name);
    }
    /* An exiting process can list no task at all; qsort(NULL, 0) is
     * undefined, and UBSan says so. */
    if (n > 1)
        qsort(tids, (size_t)n, sizeof(*tids), sampler__cmp_pid);

    struct sampler__task *nt = xcalloc((size_t)MAX(n, 1), sizeof(*nt));
    int i = 0, j = 0;
    for (int k = 0; k < n; k++) {
        while (i < p->ntask && p->tasks[i].tid < tids[k])
            sampler__task_free(s, &p->tasks[i++]);      /* vanished */
        if (i < p->ntask && p->tasks[i].tid == tids[k]) {
            nt[j++] = p->tasks[i++];
            continue;
        }
        struct sampler__task *t = &nt[j++];
        t->tid = tids[k];
        t->fd_stat = t->fd_sched = t->fd_status = -1;
        t->fresh = true;
        t->pub.tid = tids[k];
        t->pub.pid = p->pid;
    }
    while (i < p->ntask)
        sampler__task_free(s, &p->tasks[i++]);
    free(p->tasks);
    free(tids);
    p->tasks = nt;
    p->ntask = j;
    p->cap = MAX(n, 1);
    p->relist = false;

    s->stats.readdirs++;
    uint64_t cost = util_now_ns() - t0;
    p->t_relist_ok = cost > 500000 ? now + cost * READDIR_FACTOR : 0;
}

/* The process's figures from its leader's stat, read now. */
static void sampler__proc_publish(struct sampler *s, struct sampler__proc *p,
                                  const struct procfs_task_stat *st, uint64_t now)
{
    struct sample_proc *q = &p->pub;

    p->lst = *st;
    p->lst_seq = s->seq;
    p->t_lst = now;
    q->ppid = st->ppid;
    memcpy(q->comm, st->comm, sizeof(q->comm));
    q->state = st->state;
    q->nthreads = (int)st->num_threads;
    q->vsize = st->vsize;
    q->rss = st->rss * (uint64_t)s->page_size;
}

/* Reads the leader's stat; false if the process is gone. */
static bool sampler__proc_stat(struct sampler *s, struct sampler__proc *p, uint64_t now)
{
    char path[48];
    const char *why;
    struct procfs_task_stat st;
    snprintf(path, sizeof(path), "%d/task/%d/stat", (int)p->pid, (int)p->pid);
    int r = sampler__read(s, s->rootfd, path, &p->fd_lstat, s->fds_limit);
    if (r == 0)
        r = procfs_parse_task_stat(s->buf.p, s->buf.len, &st, &why);
    if (r < 0)
        return false;
    s->stats.reads_stat++;
    sampler__proc_publish(s, p, &st, now);
    return true;
}

static uint64_t sampler__cpu_ns(void);

static void sampler__proc_mem(struct sampler *s, struct sampler__proc *p, uint64_t now)
{
    if (!s->caps.ok[SAMPLE_CAP_SMAPS_ROLLUP] || now < p->mem_next)
        return;
    char path[32];
    const char *why;
    struct procfs_smaps_rollup sr;
    snprintf(path, sizeof(path), "%d/smaps_rollup", (int)p->pid);
    uint64_t t0 = sampler__cpu_ns();
    int r = sampler__read(s, s->rootfd, path, &p->fd_smaps, s->fds_limit / 2);
    if (r == 0)
        r = procfs_parse_smaps_rollup(s->buf.p, s->buf.len, &sr, &why);
    uint64_t cost = sampler__cpu_ns() - t0;
    s->stats.reads_smaps++;
    s->mem_cost_total += cost - p->mem_cost;
    p->tree->mem_cost += cost - p->mem_cost;
    p->mem_cost = cost;
    uint64_t round = MIN(s->mem_cost_total, p->tree->mem_cost * (uint64_t)s->ntree);
    p->mem_next = now + CLAMP(round * MEM_COST_FACTOR, MEM_MIN_NS, MEM_MAX_NS);
    if (r < 0) {
        /* A descriptor opened before the process exec'd holds the old address
         * space and reads empty: open it again, soon. After a few failures in a
         * row it is a kernel thread or a process we may not ptrace: no PSS, and
         * no point asking often. */
        sampler__close(s, &p->fd_smaps);
        p->pub.pss_ok = false;
        p->mem_next = now + (++p->mem_fails < 3 ? MEM_MIN_NS : MEM_MAX_NS);
        return;
    }
    p->mem_fails = 0;
    p->pub.pss = sr.pss;
    p->pub.rss_walk = sr.rss;
    p->pub.pss_ok = true;
    p->pub.mem_t_ns = now;
}

/* ---- tasks ---------------------------------------------------------------------- */

static uint64_t sampler__cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* True while this thread's CPU clock is before deadline (0: no limit). */
static bool sampler__budget_left(struct sampler *s, uint64_t deadline)
{
    if (deadline == 0)
        return true;
    if (s->budget_calls++ % 16 == 0)
        s->cpu_last = sampler__cpu_ns();
    if (s->cpu_last < deadline)
        return true;
    s->over = true;
    return false;
}

static void sampler__task_children(struct sampler *s, struct sampler__proc *p,
                                   struct sampler__task *t, uint64_t now)
{
    char path[32];
    const char *why;
    int nk;

    t->forks_at_kids = s->st.processes;
    t->t_kids = now;
    snprintf(path, sizeof(path), "%d/children", (int)t->tid);
    if (procfs_read_file(dirfd(p->taskdir), path, &s->buf) < 0 ||
        procfs_parse_children(s->buf.p, s->buf.len, s->kids, s->kids_cap, &nk, &why) < 0)
        return;
    /* A host forks 1,000 workers: every one must be found (a fixed 256 once left the
     * procs model's tree at 257 processes, its CPU and memory a quarter of the truth). */
    if (nk > s->kids_cap) {
        s->kids_cap = nk;
        s->kids = xreallocarray(s->kids, (size_t)nk, sizeof(*s->kids));
        if (procfs_parse_children(s->buf.p, s->buf.len, s->kids, s->kids_cap, &nk, &why) < 0)
            return;
    }
    s->stats.reads_children++;
    for (int c = 0; c < nk; c++) {
        if (s->npend == s->pend_cap) {
            s->pend_cap = s->pend_cap ? s->pend_cap * 2 : 16;
            s->pend = xreallocarray(s->pend, (size_t)s->pend_cap, sizeof(*s->pend));
        }
        s->pend[s->npend].tree = p->tree;
        s->pend[s->npend++].pid = s->kids[c];
    }
}

/*
 * Reads one task. Returns false if it is gone (the caller relists the
 * process), true otherwise, including on a transient failure (no fds).
 */
static bool sampler__task_read(struct sampler *s, struct sampler__proc *p,
                               struct sampler__task *t, uint64_t now)
{
    char path[48];
    const char *why;
    struct procfs_schedstat ss = { 0 };
    bool have_ss = s->caps.ok[SAMPLE_CAP_SCHEDSTAT];
    int r, tdir = dirfd(p->taskdir);
    struct sample_task *q = &t->pub;

    t->read_seq = s->seq;
    if (have_ss) {
        snprintf(path, sizeof(path), "%d/schedstat", (int)t->tid);
        r = sampler__read(s, tdir, path, &t->fd_sched, s->fds_limit);
        if (r == 0)
            r = procfs_parse_schedstat(s->buf.p, s->buf.len, &ss, &why);
        if (r < 0)
            return !procfs_is_gone(r);
        s->stats.reads_schedstat++;
        if (ss.wait_ns > 0 && !s->caps.ok[SAMPLE_CAP_SCHEDSTAT_WAIT])
            sampler__cap(s, SAMPLE_CAP_SCHEDSTAT_WAIT, true, NULL);
    }
    bool ran = t->fresh || !have_ss || ss.run_ns != t->ss.run_ns || ss.slices != t->ss.slices;

    bool stat_now = false;
    struct procfs_task_stat st;
    if (t->fresh || ran || !have_ss || now - t->t_stat >= STAT_STALE_NS) {
        /* The leader's stat was read this sample, before its schedstat: for
         * a new task, whatever ran in between (a fork's child naming itself)
         * would be in the schedstat baseline and its comm stale until the
         * stat went stale, so a new leader's stat is read again, after. */
        if (t->tid == p->pid && p->lst_seq == s->seq && !t->fresh) {
            st = p->lst;
        } else {
            snprintf(path, sizeof(path), "%d/stat", (int)t->tid);
            r = sampler__read(s, tdir, path, &t->fd_stat, s->fds_limit * 3 / 4);
            if (r == 0)
                r = procfs_parse_task_stat(s->buf.p, s->buf.len, &st, &why);
            if (r < 0)
                return !procfs_is_gone(r);
            s->stats.reads_stat++;
            if (t->tid == p->pid)
                sampler__proc_publish(s, p, &st, now);
        }
        stat_now = true;
    }

    /* CPU over this task's own interval. */
    double dt = t->fresh ? 0 : (double)(now - t->t_read);
    q->cpu_ok = dt > 0;
    if (dt > 0) {
        double run_ns;
        uint64_t du = 0, ds = 0;
        if (stat_now) {
            du = sampler__delta(st.utime, t->utime);
            ds = sampler__delta(st.stime, t->stime);
        }
        if (have_ss)
            run_ns = (double)sampler__delta(ss.run_ns, t->ss.run_ns);
        else
            run_ns = (double)(du + ds) * 1e9 / (double)s->clk_tck;
        q->cpu_pct = (float)(run_ns / dt * 100);
        /* The user/system split: of this interval's ticks if any, else of the
         * task's whole life (a short run may not cross a tick). */
        uint64_t u = du, sy = ds;
        if (u + sy == 0) {
            u = stat_now ? st.utime : t->utime;
            sy = stat_now ? st.stime : t->stime;
        }
        float uf = u + sy > 0 ? (float)u / (float)(u + sy) : 1.0f;
        q->user_pct = q->cpu_pct * uf;
        q->sys_pct = q->cpu_pct - q->user_pct;
        if (have_ss) {
            q->wait_pct = (float)((double)sampler__delta(ss.wait_ns, t->ss.wait_ns) / dt * 100);
            q->wait_ok = s->caps.ok[SAMPLE_CAP_SCHEDSTAT_WAIT];
        }
    }
    if (stat_now) {
        t->utime = st.utime;
        t->stime = st.stime;
        t->t_stat = now;
        memcpy(q->comm, st.comm, sizeof(q->comm));
        q->state = st.state;
        q->cpu = st.processor;
    }
    /* Only a task that ran since its children were listed can have forked, and only if
     * the machine forked. (Since its last read is not enough: a host that forked its last
     * workers within SCAN_MIN_NS of a listing, then slept, kept 820 of 1,000 unseen.) */
    bool ran_since_kids = !have_ss || ss.run_ns != t->run_at_kids ||
                          ss.slices != t->slices_at_kids;
    if (s->caps.ok[SAMPLE_CAP_CHILDREN] &&
        (t->fresh || (ran_since_kids && s->st.processes != t->forks_at_kids &&
                      now - t->t_kids >= SCAN_MIN_NS))) {
        sampler__task_children(s, p, t, now);
        t->run_at_kids = ss.run_ns;
        t->slices_at_kids = ss.slices;
    }

    bool first = t->fresh;
    q->run_ns = ss.run_ns;
    q->wait_ns = ss.wait_ns;
    t->ss = ss;
    t->t_read = now;
    q->t_ns = now;
    t->fresh = false;

    /* Context switches, from status, but a task that did not run since the
     * last status read made none, and nothing needs reading. No status on a
     * first read: the task's name and CPU come first. */
    if (first)
        return true;
    if (have_ss && t->csw_base && ss.run_ns == t->run_at_csw && ss.slices == t->slices_at_csw) {
        q->vcsw_per_s = q->ivcsw_per_s = 0;
        q->csw_ok = true;
        t->t_csw = now;
        t->csw_dirty = false;
        return true;
    }
    if (have_ss && !t->csw_base && !ran) {
        q->vcsw_per_s = q->ivcsw_per_s = 0;
        q->csw_ok = true;
        t->csw_dirty = false;
        return true;
    }
    t->csw_dirty = true;        /* the status pass reads it, budget allowing */
    return true;
}

/* Reads status for the switch counts; false if the task is gone. */
static bool sampler__task_status(struct sampler *s, struct sampler__proc *p,
                                 struct sampler__task *t, uint64_t now)
{
    char path[48];
    const char *why;
    struct procfs_csw csw;
    struct sample_task *q = &t->pub;

    t->csw_dirty = false;
    snprintf(path, sizeof(path), "%d/status", (int)t->tid);
    int r = sampler__read(s, dirfd(p->taskdir), path, &t->fd_status, s->fds_limit / 2);
    if (r == 0)
        r = procfs_parse_status_csw(s->buf.p, s->buf.len, &csw, &why);
    if (r < 0)
        return !procfs_is_gone(r);
    s->stats.reads_status++;
    /* The counts are as of now; the run time as of the last schedstat read,
     * which may only be older: at worst one more read next time. */
    if (t->csw_base && now > t->t_csw) {
        double cdt = (double)(now - t->t_csw) / 1e9;
        q->vcsw_per_s = (float)(sampler__delta(csw.vol, t->vcsw) / cdt);
        q->ivcsw_per_s = (float)(sampler__delta(csw.invol, t->ivcsw) / cdt);
        q->csw_ok = true;
    } else {
        q->csw_ok = false;      /* a first status read: a baseline, no rate yet */
    }
    t->vcsw = q->vcsw = csw.vol;
    t->ivcsw = q->ivcsw = csw.invol;
    q->csw_totals_ok = true;
    t->t_csw = now;
    t->run_at_csw = t->ss.run_ns;
    t->slices_at_csw = t->ss.slices;
    t->csw_base = true;
    return true;
}

/* ---- discovery of descendants --------------------------------------------------- */

struct sampler__pp {
    pid_t pid, ppid;
};

static bool sampler__tree_has(const struct sampler__tree *tr, pid_t pid)
{
    for (int i = 0; i < tr->nproc; i++)
        if (tr->procs[i]->pid == pid)
            return true;
    return false;
}

static void sampler__tree_add(struct sampler *s, struct sampler__tree *tr, pid_t pid)
{
    struct sampler__proc *p = sampler__proc_new(s, pid);
    if (p == NULL)
        return;                     /* gone already */
    if (tr->nproc == tr->cap) {
        tr->cap = tr->cap ? tr->cap * 2 : 8;
        tr->procs = xreallocarray(tr->procs, (size_t)tr->cap, sizeof(*tr->procs));
    }
    p->tree = tr;
    tr->procs[tr->nproc++] = p;
}

/* Every process on the machine with its parent, from the leaders' stat. */
static struct sampler__pp *sampler__scan(struct sampler *s, int *n)
{
    int fd = openat(s->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct sampler__pp *v = NULL;
    int cap = 0;
    struct dirent *e;
    char path[48];
    const char *why;

    *n = 0;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        int pid = atoi(e->d_name);
        struct procfs_task_stat st;
        snprintf(path, sizeof(path), "%d/task/%d/stat", pid, pid);
        if (procfs_read_file(s->rootfd, path, &s->buf) < 0 ||
            procfs_parse_task_stat(s->buf.p, s->buf.len, &st, &why) < 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            v = xreallocarray(v, (size_t)cap, sizeof(*v));
        }
        v[*n].pid = pid;
        v[*n].ppid = st.ppid;
        (*n)++;
    }
    closedir(d);
    return v;
}

static void sampler__discover_scan(struct sampler *s, struct sampler__pp *v, int n)
{
    for (int k = 0; k < s->ntree; k++) {
        struct sampler__tree *tr = s->trees[k];
        bool grew = true;
        while (grew) {
            grew = false;
            for (int i = 0; i < n; i++) {
                if (v[i].pid == tr->root || !sampler__tree_has(tr, v[i].ppid) ||
                    sampler__tree_has(tr, v[i].pid))
                    continue;
                int before = tr->nproc;
                sampler__tree_add(s, tr, v[i].pid);
                grew |= tr->nproc > before;
            }
        }
    }
}

/* Without children files: a scan of /proc, when the machine forked. */
static void sampler__discover(struct sampler *s, uint64_t now)
{
    if (s->caps.ok[SAMPLE_CAP_CHILDREN])
        return;                     /* sampler__task_children() does it */
    if (s->st.processes != s->forks_at_scan)
        s->scan_pending = true;
    if (!s->scan_pending || s->ntree == 0 || now < s->t_scan_ok)
        return;
    s->scan_pending = false;
    s->forks_at_scan = s->st.processes;
    s->stats.scans++;

    uint64_t t0 = util_now_ns();
    int n;
    struct sampler__pp *v = sampler__scan(s, &n);
    sampler__discover_scan(s, v, n);
    free(v);
    /* On a machine that forks all the time, searching costs at most 2%, but
     * a new process is found within a second. */
    s->t_scan_ok = now + CLAMP((util_now_ns() - t0) * 50, SCAN_MIN_NS, SCAN_MAX_NS);
}

static bool sampler__task_read(struct sampler *s, struct sampler__proc *p,
                               struct sampler__task *t, uint64_t now);

/* Takes in the children the task reads found (and theirs, read in turn). */
static void sampler__adopt(struct sampler *s, uint64_t now)
{
    while (s->npend > 0) {
        struct sampler__pend pe = s->pend[--s->npend];
        struct sampler__tree *tr = pe.tree;
        if (sampler__tree_has(tr, pe.pid))
            continue;
        sampler__tree_add(s, tr, pe.pid);
        struct sampler__proc *p = tr->procs[tr->nproc - 1];
        if (p->pid != pe.pid)
            continue;                   /* gone before we could open it */
        if (!sampler__proc_stat(s, p, now)) {
            sampler__proc_free(s, p);
            tr->nproc--;
            continue;
        }
        sampler__relist(s, p, now);
        sampler__proc_mem(s, p, now);
        for (int j = 0; j < p->ntask; j++)
            sampler__task_read(s, p, &p->tasks[j], now);
    }
}

/* ---- one sample ---------------------------------------------------------------- */

static void sampler__flatten(struct sampler *s)
{
    s->nflat = 0;
    for (int k = 0; k < s->ntree; k++) {
        struct sampler__tree *tr = s->trees[k];
        for (int i = 0; i < tr->nproc; i++) {
            struct sampler__proc *p = tr->procs[i];
            if (s->nflat + p->ntask > s->flat_cap) {
                s->flat_cap = MAX(s->flat_cap * 2, s->nflat + p->ntask);
                s->flat = xreallocarray(s->flat, (size_t)s->flat_cap, sizeof(*s->flat));
                s->flat_proc = xreallocarray(s->flat_proc, (size_t)s->flat_cap,
                                             sizeof(*s->flat_proc));
            }
            for (int j = 0; j < p->ntask; j++) {
                s->flat[s->nflat] = &p->tasks[j];
                s->flat_proc[s->nflat++] = p;
            }
        }
    }
}

enum sampler__pass { PASS_FRESH, PASS_ROUND, PASS_STATUS };

/* Reads the tasks a pass selects, round-robin from *cursor, while the budget
 * lasts (the fresh pass ignores the budget). */
static void sampler__pass(struct sampler *s, enum sampler__pass pass, int *cursor, uint64_t now)
{
    int n = s->nflat;
    if (n == 0)
        return;
    int start = *cursor % n;
    for (int k = 0; k < n; k++) {
        int i = (start + k) % n;
        struct sampler__task *t = s->flat[i];
        if (pass == PASS_STATUS ? !t->csw_dirty || t->pub.state == 0 :
            t->read_seq == s->seq || (pass == PASS_FRESH) != t->fresh)
            continue;
        if (pass != PASS_FRESH &&
            !sampler__budget_left(s, pass == PASS_STATUS ? s->deadline_status : s->deadline)) {
            *cursor = i;
            return;
        }
        bool alive = pass == PASS_STATUS ? sampler__task_status(s, s->flat_proc[i], t, now)
                                         : sampler__task_read(s, s->flat_proc[i], t, now);
        if (!alive) {
            t->pub.state = 0;       /* gone: dropped at the relist */
            s->flat_proc[i]->relist = true;
        }
    }
    *cursor = start;
}

static void sampler__publish_tree(struct sampler *s, struct sampler__tree *tr,
                                  struct sample_tree *o)
{
    int ncpu = s->out.m.ncpu;
    int ntask = 0;
    for (int i = 0; i < tr->nproc; i++)
        ntask += tr->procs[i]->ntask;

    o->root = tr->root;
    memcpy(o->label, tr->label, sizeof(o->label));
    o->alive = tr->alive;
    o->procs = xreallocarray(o->procs, (size_t)MAX(tr->nproc, 1), sizeof(*o->procs));
    o->tasks = xreallocarray(o->tasks, (size_t)MAX(ntask, 1), sizeof(*o->tasks));
    o->cpu_on_core = xreallocarray(o->cpu_on_core, (size_t)MAX(ncpu, 1), sizeof(float));
    memset(o->cpu_on_core, 0, (size_t)MAX(ncpu, 1) * sizeof(float));
    o->nproc = o->ntask = 0;
    o->cpu_pct = o->vcsw_per_s = o->ivcsw_per_s = o->wait_pct = 0;
    o->nr_running = o->nr_blocked = 0;
    o->rss = o->rss_walk = o->pss = 0;
    o->pss_ok = tr->nproc > 0;

    for (int i = 0; i < tr->nproc; i++) {
        struct sampler__proc *p = tr->procs[i];
        struct sample_proc *op = &o->procs[o->nproc++];
        p->pub.cpu_pct = 0;
        /* Leader first, then the other tasks in tid order. */
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < p->ntask; j++) {
                struct sampler__task *t = &p->tasks[j];
                if ((t->tid == p->pid) != (pass == 0) || t->fresh || t->pub.state == 0)
                    continue;
                struct sample_task *q = &o->tasks[o->ntask++];
                *q = t->pub;
                if (q->cpu_ok) {
                    p->pub.cpu_pct += q->cpu_pct;
                    if (q->cpu >= 0 && q->cpu < ncpu)
                        o->cpu_on_core[q->cpu] += q->cpu_pct;
                }
                if (q->csw_ok) {
                    o->vcsw_per_s += q->vcsw_per_s;
                    o->ivcsw_per_s += q->ivcsw_per_s;
                }
                if (q->wait_ok)
                    o->wait_pct += q->wait_pct;
                o->nr_running += q->state == 'R';
                o->nr_blocked += q->state == 'D';
            }
        }
        *op = p->pub;
        o->cpu_pct += op->cpu_pct;
        o->rss += op->rss;
        o->rss_walk += op->rss_walk;
        o->pss += op->pss;
        o->pss_ok &= op->pss_ok;
    }
}

int sampler_sample(struct sampler *s, const struct sample **out)
{
    uint64_t t0 = util_now_ns(), cpu0 = sampler__cpu_ns();
    uint64_t now = sampler__now(s);
    const char *why;
    int r;

    s->seq++;
    if ((r = sampler__machine(s, now, &why)) < 0)
        return r;

    sampler__discover(s, now);

    /* Processes: leader stat, task lists, memory. */
    for (int k = 0; k < s->ntree; k++) {
        struct sampler__tree *tr = s->trees[k];
        for (int i = 0; i < tr->nproc; i++) {
            struct sampler__proc *p = tr->procs[i];
            bool need = p->lst_seq == 0 || p->relist || p->ntask != 1 ||
                        p->pub.nthreads != p->ntask || now - p->t_lst >= PROC_STAT_MAX_NS;
            if (need && !sampler__proc_stat(s, p, now)) {
                if (p->pid == tr->root)
                    tr->alive = false;
                sampler__proc_free(s, p);
                memmove(&tr->procs[i], &tr->procs[i + 1],
                        (size_t)(tr->nproc - i - 1) * sizeof(*tr->procs));
                tr->nproc--;
                i--;
                continue;
            }
            if ((p->relist || p->pub.nthreads != p->ntask) && now >= p->t_relist_ok)
                sampler__relist(s, p, now);
            sampler__proc_mem(s, p, now);
        }
    }

    /* Tasks, within the budget. */
    sampler__flatten(s);
    double dt_ns = s->out.m.dt * 1e9;
    s->deadline = s->deadline_status = 0;
    s->over = false;
    s->budget_calls = 0;
    if (dt_ns > 0) {
        uint64_t budget = MAX((uint64_t)(dt_ns * s->budget_pct / 100), BUDGET_MIN_NS);
        s->deadline = cpu0 + budget * 3 / 4;
        s->deadline_status = cpu0 + budget;
    }
    int dummy = 0;
    sampler__pass(s, PASS_FRESH, &dummy, now);
    sampler__pass(s, PASS_ROUND, &s->cur_round, now);
    sampler__adopt(s, now);
    sampler__pass(s, PASS_STATUS, &s->cur_status, now);
    if (s->over)
        s->stats.over_budget++;

    /* Publish. */
    if (s->ntree > s->out_tree_cap) {
        s->out.trees = xreallocarray(s->out.trees, (size_t)s->ntree, sizeof(*s->out.trees));
        memset(s->out.trees + s->out_tree_cap, 0,
               (size_t)(s->ntree - s->out_tree_cap) * sizeof(*s->out.trees));
        s->out_tree_cap = s->ntree;
    }
    s->out.ntree = s->ntree;
    for (int k = 0; k < s->ntree; k++)
        sampler__publish_tree(s, s->trees[k], &s->out.trees[k]);
    s->out.seq = s->seq;
    sampler__machine_done(s, now);

    s->stats.samples++;
    s->stats.last_cost_ns = util_now_ns() - t0;
    s->stats.fds_cached = s->nfds;
    s->stats.fds_limit = s->fds_limit;
    *out = &s->out;
    return 0;
}

/* ---- watch ---------------------------------------------------------------------- */

int sampler_watch(struct sampler *s, pid_t root, const char *label)
{
    if (root <= 0)
        return -EINVAL;
    for (int k = 0; k < s->ntree; k++)
        if (s->trees[k]->root == root)
            return -EEXIST;
    struct sampler__proc *p = sampler__proc_new(s, root);
    if (p == NULL)
        return -ESRCH;
    if (!sampler__proc_stat(s, p, sampler__now(s))) {
        sampler__proc_free(s, p);
        return -ESRCH;
    }
    struct sampler__tree *tr = xcalloc(1, sizeof(*tr));
    tr->root = root;
    tr->alive = true;
    const char *l = label != NULL ? label : p->pub.comm;
    size_t ln = MIN(strlen(l), sizeof(tr->label) - 1);
    memcpy(tr->label, l, ln);
    tr->label[ln] = '\0';
    tr->cap = 8;
    tr->procs = xcalloc((size_t)tr->cap, sizeof(*tr->procs));
    tr->procs[tr->nproc++] = p;
    p->tree = tr;
    s->trees = xreallocarray(s->trees, (size_t)s->ntree + 1, sizeof(*s->trees));
    s->trees[s->ntree++] = tr;
    s->scan_pending = true;
    s->t_scan_ok = 0;
    return 0;
}

int sampler_unwatch(struct sampler *s, pid_t root)
{
    for (int k = 0; k < s->ntree; k++) {
        struct sampler__tree *tr = s->trees[k];
        if (tr->root != root)
            continue;
        for (int i = 0; i < tr->nproc; i++)
            sampler__proc_free(s, tr->procs[i]);
        free(tr->procs);
        free(tr);
        memmove(&s->trees[k], &s->trees[k + 1], (size_t)(s->ntree - k - 1) * sizeof(*s->trees));
        s->ntree--;
        /* The published tree array keeps its buffers; shift them along. */
        if (k < s->out_tree_cap) {
            struct sample_tree gone = s->out.trees[k];
            memmove(&s->out.trees[k], &s->out.trees[k + 1],
                    (size_t)(s->out_tree_cap - k - 1) * sizeof(*s->out.trees));
            s->out.trees[s->out_tree_cap - 1] = gone;
        }
        s->out.ntree = MIN(s->out.ntree, s->ntree);
        return 0;
    }
    return -ESRCH;
}

/* ---- life ------------------------------------------------------------------------ */

int sampler_new(const struct sampler_opts *o, struct sampler **out)
{
    struct sampler *s = xcalloc(1, sizeof(*s));
    const char *root = o != NULL && o->proc_root != NULL ? o->proc_root : PROCDIR;
    const char *why;
    int r;

    s->root = xstrdup(root);
    s->fd_stat = s->fd_loadavg = s->fd_psi = s->fd_meminfo = -1;
    s->budget_pct = o != NULL && o->budget_pct > 0 ? MIN(o->budget_pct, 100u) : BUDGET_PCT;
    s->clk_tck = o != NULL && o->clk_tck > 0 ? o->clk_tck : sysconf(_SC_CLK_TCK);
    s->page_size = o != NULL && o->page_size > 0 ? o->page_size : sysconf(_SC_PAGESIZE);
    if (s->clk_tck <= 0)
        s->clk_tck = 100;
    if (s->page_size <= 0)
        s->page_size = 4096;
    if (o != NULL) {
        s->clock = o->clock;
        s->clock_arg = o->clock_arg;
    }
    s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->rootfd < 0) {
        r = -errno;
        goto out_free;
    }
    sampler__raise_nofile(s);
    if ((r = sampler__read_stat(s, &why)) < 0) {
        r = r == -ENOENT ? -ENOENT : r;
        goto out_close_root;
    }
    sampler__cap(s, SAMPLE_CAP_STAT, true, NULL);
    sampler__probe(s);
    s->forks_at_scan = s->st.processes;
    *out = s;
    return 0;

out_close_root:
    sampler__close(s, &s->fd_stat);
    close(s->rootfd);
out_free:
    procfs_buf_free(&s->buf);
    free(s->cpu);
    free(s->cpu_prev);
    free(s->out.m.cpu);
    free(s->root);
    free(s);
    return r;
}

const struct sample_caps *sampler_caps(const struct sampler *s)
{
    return &s->caps;
}

const struct sampler_stats *sampler_stats(const struct sampler *s)
{
    return &s->stats;
}

void sampler_free(struct sampler *s)
{
    if (s == NULL)
        return;
    while (s->ntree > 0)
        sampler_unwatch(s, s->trees[0]->root);
    for (int k = 0; k < s->out_tree_cap; k++) {
        free(s->out.trees[k].procs);
        free(s->out.trees[k].tasks);
        free(s->out.trees[k].cpu_on_core);
    }
    free(s->out.trees);
    free(s->trees);
    free(s->flat);
    free(s->flat_proc);
    free(s->pend);
    free(s->kids);
    sampler__close(s, &s->fd_stat);
    sampler__close(s, &s->fd_loadavg);
    sampler__close(s, &s->fd_psi);
    sampler__close(s, &s->fd_meminfo);
    close(s->rootfd);
    procfs_buf_free(&s->buf);
    free(s->cpu);
    free(s->cpu_prev);
    free(s->out.m.cpu);
    free(s->root);
    free(s);
}
