/*
 * models.c — starting, watching and stopping model hosts (monitor side).
 *
 * Order in model_start: limits, board (memfd, sealed size, mapped), control
 * pipe, (latency server: its listening socket), argv — all before fork, so
 * the child only calls async-signal-safe functions between fork and exec
 * (the monitor has libuv threads). Every fd the monitor creates is
 * close-on-exec; the child moves the three it must inherit to 3, 4, 5,
 * which clears the flag on them only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gort/gort.h"
#include "models/host.h"
#include "models/models.h"
#include "util.h"

struct model {
    enum probe_model kind;
    pid_t pid;                      /* also the process group id */
    void *board;                    /* read-only mapping of size bytes */
    size_t size;
    uint32_t nslots;
    uint32_t tasks;
    int ctl_w;                      /* control pipe, write end; -1 once closed */
    uint16_t port;
    bool reaped;
    bool stopping;                  /* model_stop sent the signals */
    char failure[PROBE_STATUS_MAX + 64];
    bool failed;
};

/* --- limits ------------------------------------------------------------ */

/* Goroutines: the runtime reserves 1<<20 stacks; leave room for the host's own. */
#define MODEL_GOROUTINES_MAX ((1u << 20) - 1024)

static long models__read_long(const char *path)
{
    FILE *f = fopen(path, "re");
    long v = -1;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

static long models__nr_threads(void)
{
    FILE *f = fopen("/proc/loadavg", "re");
    long running = 0, total = -1;

    if (f == NULL)
        return -1;
    /* (4) running/total scheduling entities */
    if (fscanf(f, "%*f %*f %*f %ld/%ld", &running, &total) != 2)
        total = -1;
    fclose(f);
    return total;
}

/* Mappings of this process: a host starts as a copy of it. */
static long models__map_count(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    long n = 0;
    int c;

    if (f == NULL)
        return 0;
    while ((c = getc_unlocked(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static uint64_t models__mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[128];
    unsigned long long kb = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

static void models__cap(uint64_t *n, uint64_t max, char *why, size_t len, const char *fmt,
                        unsigned long long a)
{
    if (max >= *n)
        return;
    *n = max;
    snprintf(why, len, fmt, a);
}

/* Footprint estimates, used only to stay clear of the OOM killer (never
 * shown as measurements): kernel task + page tables + touched stack. */
static uint64_t models__bytes_per_task(const struct model_spec *spec)
{
    bool io = spec->work.kind == WORK_IO || spec->work.kind == WORK_MIXED;
    uint64_t sock = io ? 32u << 10 : 0;     /* socket buffers, both ends */

    switch (spec->kind) {
    case PROBE_MODEL_PROCS:
        return (256u << 10) + sock;
    case PROBE_MODEL_THREADS:
        return (96u << 10) + sock;
    default:
        return (2u << 10) + sock;
    }
}

uint32_t model_limit(const struct model_spec *spec, char *why, size_t whylen)
{
    uint64_t n = spec->work.ntasks;
    long nthreads = models__nr_threads();
    bool io = spec->work.kind == WORK_IO || spec->work.kind == WORK_MIXED;
    struct rlimit rl;

    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (spec->kind == PROBE_MODEL_PROCS || spec->kind == PROBE_MODEL_THREADS) {
        uint64_t extra = spec->kind == PROBE_MODEL_THREADS ? 2 : 1;
        /* spawn: each task has a child alive at times */
        uint64_t per = spec->work.kind == WORK_SPAWN ? 2 : 1;
        if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            nthreads >= 0) {
            /* nr_threads counts every user's tasks: an overestimate of ours. */
            uint64_t room = rl.rlim_cur > (uint64_t)nthreads + extra
                                ? (rl.rlim_cur - (uint64_t)nthreads - extra) * 9 / 10 / per : 0;
            models__cap(&n, room, why, whylen, "RLIMIT_NPROC %llu", rl.rlim_cur);
        }
        long tmax = models__read_long("/proc/sys/kernel/threads-max");
        long pmax = models__read_long("/proc/sys/kernel/pid_max");
        long lim = tmax > 0 && pmax > 0 ? MIN(tmax, pmax) : MAX(tmax, pmax);
        if (lim > 0 && nthreads >= 0) {
            uint64_t room = lim > nthreads + (long)extra
                                ? (uint64_t)(lim - nthreads) * 9 / 10 / per : 0;
            models__cap(&n, room, why, whylen, "threads-max/pid_max %llu",
                        (unsigned long long)lim);
        }
        if (spec->kind == PROBE_MODEL_THREADS) {
            long maps = models__read_long("/proc/sys/vm/max_map_count");
            long own = models__map_count() + 64;    /* the host's libraries, heap, ... */
            if (maps > 0)       /* a stack and its guard page: two mappings */
                models__cap(&n, maps > own ? (uint64_t)(maps - own) / 2 * 9 / 10 : 0, why,
                            whylen, "vm.max_map_count %llu", (unsigned long long)maps);
        }
    }
    if (spec->kind == PROBE_MODEL_GOROUTINES) {  /* the runtime's stack arena (gort.h) */
        models__cap(&n, MODEL_GOROUTINES_MAX, why, whylen, "%llu goroutines per runtime",
                    (unsigned long long)MODEL_GOROUTINES_MAX);
        /* The arena is a handful of mappings whatever the count, but its
         * guard pages, the Ms' thread stacks and the libraries need room;
         * the runtime cannot carve stacks once the count is reached. */
        long maps = models__read_long("/proc/sys/vm/max_map_count");
        long need = models__map_count() + 2 * GORT_GUARDED_STACKS + 256;
        if (maps > 0 && maps < need)
            models__cap(&n, 0, why, whylen, "vm.max_map_count %llu is too low for the "
                        "goroutine runtime", (unsigned long long)maps);
    }
    /* Descriptors: a socket per io task (the latency server: per connection);
     * procs' host holds two pipe ends per worker for cpu and pingpong. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY) {
        bool pipes = (spec->work.kind == WORK_PINGPONG && spec->kind != PROBE_MODEL_LOOP) ||
                     (spec->kind == PROBE_MODEL_PROCS &&
                      (spec->work.kind == WORK_CPU || spec->work.kind == WORK_FANOUT));
        uint64_t per = 0;
        if (spec->kind == PROBE_MODEL_LATENCY || (io && spec->kind != PROBE_MODEL_PROCS))
            per = 1;        /* procs: each worker has its own descriptor table */
        else if (pipes)
            per = 2;
        if (per)
            models__cap(&n, rl.rlim_max > 64 ? (rl.rlim_max - 64) / per : 0, why, whylen,
                        "RLIMIT_NOFILE hard limit %llu", (unsigned long long)rl.rlim_max);
    }
    uint64_t avail = models__mem_available();
    if (avail > 0) {
        uint64_t fixed = spec->work.kind == WORK_CPU || spec->work.kind == WORK_MIXED
                             ? spec->work.data_size : 0;
        uint64_t budget = avail / 2 > fixed ? avail / 2 - fixed : 0;
        models__cap(&n, budget / models__bytes_per_task(spec), why, whylen,
                    "half of MemAvailable (%llu MiB)", avail >> 20);
    }
    return (uint32_t)n;
}

/* --- start ------------------------------------------------------------- */

static int models__listen(uint16_t *port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc;

    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, SOMAXCONN) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Moves fd to target without closing anything the other moves need. */
static int models__to_high(int fd)
{
    return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

int model_start(const struct model_spec *spec, struct model **out, char *err, size_t errlen)
{
    char why[PROBE_STATUS_MAX];
    struct model *m;
    int board_fd, ctl[2], listen_fd = -1, rc;
    uint16_t port = 0;

    *out = NULL;
    const struct host_model *hm = host_model_of(spec->kind);
    if (hm == NULL) {
        snprintf(err, errlen, "%s: no such model host yet", probe_model_name(spec->kind));
        return -ENOSYS;
    }
    /* The monitor's children inherit the raised limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    uint32_t tasks = model_limit(spec, why, sizeof(why));
    if (spec->kind != PROBE_MODEL_LATENCY && tasks == 0) {
        snprintf(err, errlen, "%s: cannot start a single task: %s",
                 probe_model_name(spec->kind), why);
        return -EAGAIN;
    }
    if (tasks < spec->work.ntasks && spec->strict) {
        snprintf(err, errlen, "%s: %u tasks asked, at most %u fit: %s",
                 probe_model_name(spec->kind), spec->work.ntasks, tasks, why);
        return -EAGAIN;
    }

    m = xcalloc(1, sizeof(*m));
    m->kind = spec->kind;
    m->tasks = tasks;
    m->ctl_w = -1;
    m->nslots = spec->kind == PROBE_MODEL_LATENCY ? 0 : probe_slots_for(tasks);
    m->size = probe_size(m->nslots);

    char name[32];
    snprintf(name, sizeof(name), "sw-board-%s", probe_model_name(spec->kind));
    board_fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (board_fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "memfd_create: %s", strerror(errno));
        goto out_free;
    }
    if (ftruncate(board_fd, (off_t)m->size) < 0 ||
        fcntl(board_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        rc = -errno;
        snprintf(err, errlen, "board: %s", strerror(errno));
        goto out_close_board;
    }
    m->board = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, board_fd, 0);
    if (m->board == MAP_FAILED) {
        rc = -errno;
        m->board = NULL;
        snprintf(err, errlen, "mmap board: %s", strerror(errno));
        goto out_close_board;
    }
    probe_init(m->board, m->nslots, spec->kind);
    mprotect(m->board, m->size, PROT_READ);

    if (pipe2(ctl, O_CLOEXEC) < 0) {
        rc = -errno;
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto out_unmap;
    }
    if (spec->kind == PROBE_MODEL_LATENCY) {
        listen_fd = models__listen(&port);
        if (listen_fd < 0) {
            rc = listen_fd;
            snprintf(err, errlen, "latency server socket: %s", strerror(-rc));
            goto out_close_ctl;
        }
    }
    m->port = port;

    /* argv, built before fork. */
    char a[12][32];
    char *argv[40];
    int n = 0, k = 0;
#define ARG(s) (argv[n++] = (char *)(s))
#define ARGF(...) (snprintf(a[k], sizeof(a[k]), __VA_ARGS__), argv[n++] = a[k++])
    ARG(hm->comm);
    ARG("--host"), ARG(hm->name);
    ARG("--board-fd"), ARG("3");
    ARG("--ctl-fd"), ARG("4");
    if (listen_fd >= 0)
        ARG("--listen-fd"), ARG("5");
    ARG("-w"), ARG(work_name(spec->work.kind));
    /* What was asked: the host applies the limits itself and says so. */
    ARG("-n"), ARGF("%u", MAX(spec->work.ntasks, 1u));
    ARG("--data-size"), ARGF("%llu", (unsigned long long)spec->work.data_size);
    ARG("--chunk"), ARGF("%u", spec->work.chunk_size);
    ARG("--port"), ARGF("%u", spec->work.port);
    ARG("--resp"), ARGF("%u", spec->work.resp_size);
    ARG("--table"), ARGF("%u", spec->work.table_size);
    ARG("--latency-ns"), ARGF("%llu", (unsigned long long)spec->latency_ns);
    ARG("--ppid"), ARGF("%d", (int)getpid());
    if (spec->gil)
        ARG("--gil");
    if (spec->offload)
        ARG("--offload");
    if (spec->procs)
        ARG("--procs"), ARGF("%u", spec->procs);
    argv[n] = NULL;
#undef ARG
#undef ARGF
    const char *exe = spec->exe ? spec->exe : "/proc/self/exe";
    cpu_set_t aff;
    if (spec->affinity != NULL)
        aff = *spec->affinity;

    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    pid_t parent = getpid();
    /* Every signal blocked across fork, until the child has put each handler back to
     * the default: one delivered before that would run the monitor's handler in the
     * child. libuv's writes into the signal pipe the child shares with the monitor, so
     * a SIGTERM meant for a host not yet exec'd (turns mode stops a new host at once;
     * a quick change then stops it for good) ended the monitor itself. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    int fork_errno = errno;
    if (pid != 0)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        rc = -fork_errno;
        snprintf(err, errlen, "fork: %s", strerror(fork_errno));
        if (devnull >= 0)
            close(devnull);
        goto out_close_listen;
    }
    if (pid == 0) {
        /* First of all: die with the monitor. The host sets this again after
         * exec, but the monitor may stop us (turns mode) or die before then. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int b = models__to_high(board_fd), c = models__to_high(ctl[0]);
        int l = models__to_high(listen_fd);
        if (spec->own_session)
            setsid();
        else
            setpgid(0, 0);
        if (spec->affinity != NULL)
            sched_setaffinity(0, sizeof(aff), &aff);
        if (b < 0 || c < 0 || dup2(b, 3) < 0 || dup2(c, 4) < 0 ||
            (l >= 0 && dup2(l, 5) < 0))
            _exit(127);
        if (devnull >= 0) {
            dup2(devnull, 0);
            if (spec->quiet) {
                dup2(devnull, 1);
                dup2(devnull, 2);
            }
        }
        for (int s = 1; s < NSIG; s++)
            if (s != SIGKILL && s != SIGSTOP)
                signal(s, SIG_DFL);
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        execv(exe, argv);
        _exit(127);
    }
    if (!spec->own_session) {       /* (a group leader could not setsid) */
        setpgid(pid, pid);          /* both sides: no race with kill(-pgid) */
    } else {
        /* The parent cannot setsid() for the child: wait the microseconds
         * until it has, so that a kill(-pid) right after (turns mode stops
         * a new host at once) does not find no group and go astray. */
        uint64_t until = util_now_ns() + 1000000000ull;
        while (getpgid(pid) != pid && util_now_ns() < until) {
            siginfo_t si = { .si_pid = 0 };
            if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                si.si_pid == pid)
                break;              /* it died first: model_poll() says how */
            sched_yield();
        }
    }
    m->pid = pid;
    m->ctl_w = ctl[1];
    fcntl(m->ctl_w, F_SETFL, O_NONBLOCK);
    close(ctl[0]);
    close(board_fd);
    if (devnull >= 0)
        close(devnull);
    if (listen_fd >= 0)
        close(listen_fd);
    *out = m;
    return 0;

out_close_listen:
    if (listen_fd >= 0)
        close(listen_fd);
out_close_ctl:
    close(ctl[0]);
    close(ctl[1]);
out_unmap:
    munmap(m->board, m->size);
out_close_board:
    close(board_fd);
out_free:
    free(m);
    return rc;
}

/* --- queries ----------------------------------------------------------- */

pid_t model_pid(const struct model *m) { return m->pid; }
enum probe_model model_kind(const struct model *m) { return m->kind; }
uint16_t model_port(const struct model *m) { return m->port; }
uint32_t model_tasks(const struct model *m) { return m->tasks; }
uint32_t model_nslots(const struct model *m) { return m->nslots; }
size_t model_board_size(const struct model *m) { return m->size; }

const struct probe_header *model_board(const struct model *m)
{
    return m->board;
}

int model_snapshot(const struct model *m, struct probe_snapshot *snap)
{
    return probe_snapshot(m->board, m->size, snap);
}

int model_send(struct model *m, const struct model_ctl *msg)
{
    if (m->ctl_w < 0 || m->reaped)
        return -EPIPE;
    ssize_t n = write(m->ctl_w, msg, sizeof(*msg));
    if (n == sizeof(*msg))
        return 0;
    return n < 0 && errno == EAGAIN ? -EAGAIN : -EPIPE;
}

static void models__reason(struct model *m, int status)
{
    char text[PROBE_STATUS_MAX];
    const struct probe_header *h = m->board;

    /* The host's last word, read with the same guard the sampler uses. */
    struct probe_snapshot s;
    probe_snapshot_init(&s, 0);
    if (probe_snapshot(h, m->size, &s) == 0)
        snprintf(text, sizeof(text), "%s", s.status_text);
    else
        text[0] = '\0';
    probe_snapshot_free(&s);

    if (WIFSIGNALED(status)) {
        m->failed = !(m->stopping && (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL));
        snprintf(m->failure, sizeof(m->failure), "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        int code = WEXITSTATUS(status);
        m->failed = code != 0 || !m->stopping;
        snprintf(m->failure, sizeof(m->failure), "exited %d%s%s", code, text[0] ? ": " : "",
                 text);
    }
}

bool model_poll(struct model *m)
{
    int status;

    if (m->reaped)
        return true;
    pid_t r = waitpid(m->pid, &status, WNOHANG);
    if (r == -1 && errno == ECHILD) {
        /* Reaped by someone else (SIGCHLD ignored?): gone, status unknown. */
        m->reaped = true;
        m->failed = !m->stopping;
        snprintf(m->failure, sizeof(m->failure), "exited (status unknown: reaped elsewhere)");
        kill(-m->pid, SIGKILL);
        return true;
    }
    if (r != m->pid)
        return false;
    m->reaped = true;
    models__reason(m, status);
    /* Workers die with the host (PDEATHSIG); this catches any that had not
     * set it up yet. */
    kill(-m->pid, SIGKILL);
    return true;
}

const char *model_failure(const struct model *m)
{
    return m->reaped && m->failed ? m->failure : NULL;
}

int model_wait_ready(struct model *m, uint64_t timeout_ns)
{
    const struct probe_header *h = m->board;
    uint64_t end = util_now_ns() + timeout_ns;

    for (;;) {
        uint32_t st = atomic_load_explicit(&h->status, memory_order_acquire);
        if (st == PROBE_STATUS_RUNNING || st == PROBE_STATUS_LIMITED ||
            st == PROBE_STATUS_PAUSED)
            return 0;
        if (model_poll(m))
            return -ECHILD;
        if (st == PROBE_STATUS_FAILED)
            return -ECHILD;
        if (util_now_ns() > end)
            return -ETIMEDOUT;
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
}

int models_adopt_orphans(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

void models_reap_orphans(const pid_t *keep, int nkeep)
{
    for (;;) {
        siginfo_t si = { 0 };
        /* Peek first: reaping a host here would lose the status model_poll reports. */
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
            return;
        for (int i = 0; i < nkeep; i++)
            if (keep[i] == si.si_pid)
                return;
        waitpid(si.si_pid, NULL, WNOHANG);
    }
}

/* Adopted zombies of the group (workers that outlived their host by a moment) count as
 * members until reaped; the host itself is reaped before this is called. */
static void models__reap_group(pid_t pgid)
{
    for (;;) {
        siginfo_t si = { 0 };
        if (waitid(P_PGID, (id_t)pgid, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
            return;
    }
}

int model_stop(struct model *m, uint64_t grace_ns)
{
    if (m == NULL)
        return 0;
    m->stopping = true;
    if (m->ctl_w >= 0) {
        close(m->ctl_w);            /* EOF: a host leaves on its own */
        m->ctl_w = -1;
    }
    if (!m->reaped) {
        kill(-m->pid, SIGTERM);
        uint64_t end = util_now_ns() + grace_ns;
        while (!model_poll(m) && util_now_ns() < end) {
            struct timespec ts = { 0, 2000000 };
            nanosleep(&ts, NULL);
        }
        if (!m->reaped) {
            int status;
            kill(-m->pid, SIGKILL);
            if (waitpid(m->pid, &status, 0) == m->pid) {
                m->reaped = true;
                models__reason(m, status);
            }
        }
    }
    /* Workers die with their host; wait (bounded) until the group is empty
     * so that "stopped" means gone. Zombies count as members until reaped:
     * ours (models_adopt_orphans) are reaped here; the bound is for the rest. */
    kill(-m->pid, SIGKILL);
    uint64_t end = util_now_ns() + grace_ns;
    if (m->reaped)
        models__reap_group(m->pid);
    while (kill(-m->pid, 0) == 0 && util_now_ns() < end) {
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
        if (m->reaped)
            models__reap_group(m->pid);
    }
    munmap(m->board, m->size);
    free(m);
    return 0;
}
