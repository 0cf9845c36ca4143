/*
 * procs.c — sw-procs: one OS process per task.
 *
 * The host forks N workers (named sw-procs-w) after building what they
 * share: the dataset (copy-on-write, so PSS splits it among them), and for
 * the lock workload one MAP_SHARED page with a process-shared mutex and the
 * table. CPU work is handed out over pipes: one job pipe per worker (host ->
 * worker, chunk numbers, two in flight so a worker never waits for the host)
 * and one result pipe all workers share (worker -> host, 16-byte messages,
 * atomic below PIPE_BUF). io, mixed and lock workers need no hand-out: they
 * loop on their own and report through the board. pingpong pairs workers
 * 2k and 2k+1 with two pipes.
 *
 * Workers wait at a gate (EOF on a pipe the host closes) until all are forked:
 * 1,000 io workers making requests as they are born kept the CPU so busy that
 * the host, one runnable process among them, took 10 s and more to fork the
 * rest (measured on 2 cores: 911 of 1,000 after 10 s); behind the gate, ~1 s.
 *
 * Pause is SIGSTOP/SIGCONT to the workers: a stopped process is exactly a
 * paused task. Teardown is SIGKILL + waitpid; each worker also has
 * PR_SET_PDEATHSIG(SIGKILL) on the host, so none outlives it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/host.h"
#include "util.h"
#include "work/task.h"

#define PROCS_INFLIGHT 2

struct procs_result {
    uint32_t worker;
    uint32_t pad;
    uint64_t hash;
};

struct procs_shared {               /* lock workload: one shared mapping */
    pthread_mutex_t mutex;
    uint64_t table[];
};

struct procs {
    struct host *h;
    struct work_data data;
    pid_t *pids;
    int *job_w;                     /* host's write end of each worker's job pipe */
    int *job_r;
    int res_r, res_w;
    int gate[2];                    /* workers read gate[0] until the host closes gate[1] */
    struct procs_shared *shared;
    size_t shared_size;
    uint64_t next_chunk;
    uint32_t alive;
    uint32_t nworkers;              /* pids[] entries */
};

/* Over the workers started (nworkers): a control message may already have
 * changed h->work.ntasks for the host's next run. */
static void procs__teardown(struct procs *p)
{
    for (uint32_t i = 0; i < p->nworkers; i++)
        if (p->pids[i] > 0)
            kill(p->pids[i], SIGKILL);
    for (uint32_t i = 0; i < p->nworkers; i++)
        if (p->pids[i] > 0)
            waitpid(p->pids[i], NULL, 0);
}

static int procs__send_job(struct procs *p, uint32_t w)
{
    uint64_t chunk = p->next_chunk++;
    ssize_t n = write(p->job_w[w], &chunk, sizeof(chunk));

    return n == sizeof(chunk) ? 0 : -EPIPE;
}

static noreturn void procs__worker(struct procs *p, uint32_t id, pid_t host)
{
    struct host *h = p->h;
    struct work_task t;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != host)
        _exit(1);
    prctl(PR_SET_NAME, "sw-procs-w");
    close(h->ctl_fd);
    work_task_init(&t, h->board, id, &h->work, &p->data);
    close(p->gate[1]);
    char go;
    while (read(p->gate[0], &go, 1) < 0 && errno == EINTR)
        ;
    close(p->gate[0]);
    work_task_state(&t, PROBE_ST_RUNNING);
    switch (h->work.kind) {
    case WORK_CPU:
        for (uint32_t i = 0; i < h->work.ntasks; i++)
            if (i != id)
                close(p->job_r[i]);
        for (;;) {
            uint64_t chunk;
            work_task_state(&t, PROBE_ST_CHAN);
            if (read(p->job_r[id], &chunk, sizeof(chunk)) != sizeof(chunk))
                _exit(0);
            work_task_state(&t, PROBE_ST_RUNNING);
            struct procs_result r = { .worker = id, .hash = work_task_chunk(&t, chunk) };
            if (write(p->res_w, &r, sizeof(r)) != sizeof(r))
                _exit(0);
        }
    case WORK_IO:
    case WORK_MIXED:
        work_task_io(&t);
        break;
    case WORK_FANOUT:
        for (uint32_t i = 0; i < h->work.ntasks; i++)
            if (i != id)
                close(p->job_r[i]);
        work_task_subscribe_fd(&t, p->job_r[id]);
        break;
    case WORK_SPAWN:
        for (;;) {
            /* A child that does nothing: the cost is creating and reaping it. */
            uint64_t t0 = util_now_ns();
            pid_t c = fork();
            if (c == 0)
                _exit(0);
            if (c < 0) {
                probe_add(&h->board->errors, 1);
                work_task_state(&t, PROBE_ST_SLEEP);
                usleep(10000);
                continue;
            }
            work_task_state(&t, PROBE_ST_CHAN);
            waitpid(c, NULL, 0);
            work_task_state(&t, PROBE_ST_RUNNING);
            work_task_spawned(&t, t0);
        }
    case WORK_LOCK:
        work_task_lock(&t, &p->shared->mutex, p->shared->table);
        break;
    case WORK_PINGPONG: {
        /* job_r/job_w of pair k: pipe 2k carries a->b, pipe 2k+1 b->a. */
        uint32_t a = id & ~1u;
        bool first = (id & 1) == 0;
        int rfd = first ? p->job_r[a + 1] : p->job_r[a];
        int wfd = first ? p->job_w[a] : p->job_w[a + 1];
        work_task_pingpong(&t, rfd, wfd, first);
        break;
    }
    default:
        break;
    }
    /* A task that ends (its server went away) stays visible as done. */
    for (;;)
        pause();
}

static int procs__setup(struct procs *p)
{
    struct host *h = p->h;
    uint32_t n = h->work.ntasks;
    int rc;

    p->pids = xcalloc(n, sizeof(pid_t));
    p->nworkers = n;
    p->job_w = xcalloc(n, sizeof(int));
    p->job_r = xcalloc(n, sizeof(int));
    p->res_r = p->res_w = -1;
    if (h->work.kind == WORK_CPU || h->work.kind == WORK_MIXED) {
        rc = work_data_init(&p->data, h->work.data_size, h->work.chunk_size, 1);
        if (rc < 0)
            return host_fail(h, "dataset of %llu bytes: %s",
                             (unsigned long long)h->work.data_size, strerror(-rc));
    }
    if (h->work.kind == WORK_CPU || h->work.kind == WORK_PINGPONG ||
        h->work.kind == WORK_FANOUT) {
        if (h->work.kind == WORK_PINGPONG && (n & 1)) {
            h->work.ntasks = --n;
            snprintf(h->limit_why, sizeof(h->limit_why), "pingpong needs pairs");
            if (n == 0)
                return host_fail(h, "pingpong needs at least 2 tasks");
        }
        for (uint32_t i = 0; i < n; i++) {
            int fds[2];
            if (pipe2(fds, O_CLOEXEC) < 0)
                return host_fail(h, "pipe: %s", strerror(errno));
            p->job_r[i] = fds[0];
            p->job_w[i] = fds[1];
        }
    }
    if (h->work.kind == WORK_CPU) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
            return host_fail(h, "pipe: %s", strerror(errno));
        p->res_r = fds[0];
        p->res_w = fds[1];
    }
    if (h->work.kind == WORK_LOCK) {
        pthread_mutexattr_t ma;
        p->shared_size = sizeof(*p->shared) + h->work.table_size * sizeof(uint64_t);
        p->shared = mmap(NULL, p->shared_size, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p->shared == MAP_FAILED)
            return host_fail(h, "shared table: %s", strerror(errno));
        pthread_mutexattr_init(&ma);
        pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
        /* A worker killed while holding it must not wedge the others. */
        pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
        pthread_mutex_init(&p->shared->mutex, &ma);
        pthread_mutexattr_destroy(&ma);
    }
    return 0;
}

static const char *procs__why(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "exited %d", WEXITSTATUS(status));
    return buf;
}

static int procs_run(struct host *h)
{
    struct procs p = { .h = h };
    pid_t self = getpid();
    int rc;

    if ((rc = procs__setup(&p)) != 0)
        return rc;
    probe_begin(h->board, h->work.kind, h->asked, h->work.ntasks, 0);
    if (pipe2(p.gate, O_CLOEXEC) < 0)
        return host_fail(h, "pipe: %s", strerror(errno));
    for (uint32_t i = 0; i < h->work.ntasks; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            /* The monitor checked the limits; a refusal here is someone
             * else's load. Run what we have and say so. */
            snprintf(h->limit_why, sizeof(h->limit_why), "fork: %s", strerror(errno));
            h->work.ntasks = i & (h->work.kind == WORK_PINGPONG ? ~1u : ~0u);
            break;
        }
        if (pid == 0)
            procs__worker(&p, i, self);
        p.pids[i] = pid;
        p.alive++;
    }
    close(p.gate[1]);               /* EOF: every worker goes */
    close(p.gate[0]);
    atomic_store_explicit(&h->board->ntasks, h->work.ntasks, memory_order_relaxed);
    if (h->work.kind == WORK_CPU) {
        close(p.res_w);
        for (uint32_t i = 0; i < h->work.ntasks; i++) {
            close(p.job_r[i]);
            for (int k = 0; k < PROCS_INFLIGHT; k++)
                procs__send_job(&p, i);
        }
    }
    if (h->work.kind == WORK_FANOUT) {
        for (uint32_t i = 0; i < h->work.ntasks; i++) {
            close(p.job_r[i]);
            /* A slow subscriber must not stall the publisher. */
            fcntl(p.job_w[i], F_SETFL, O_NONBLOCK);
        }
    }
    if (h->paused)
        for (uint32_t i = 0; i < h->work.ntasks; i++)
            kill(p.pids[i], SIGSTOP);
    uint64_t next_pub = util_now_ns() + WORK_FANOUT_NS, seq = 0;
    host_running(h);

    struct pollfd pfd[2] = {
        { .fd = h->ctl_fd, .events = POLLIN },
        { .fd = p.res_r, .events = POLLIN },
    };
    for (;;) {
        int timeout = 200;
        if (h->work.kind == WORK_FANOUT) {
            uint64_t now = util_now_ns();
            if (now >= next_pub) {
                /* The host is the publisher: one write per subscriber. */
                struct work_msg msg = { .seq = ++seq, .t_ns = now };
                for (uint32_t i = 0; i < h->work.ntasks && !h->paused; i++)
                    if (p.pids[i] > 0 && write(p.job_w[i], &msg, sizeof(msg)) < 0)
                        probe_add(&h->board->errors, 1);
                next_pub += WORK_FANOUT_NS;
                if (next_pub < now)
                    next_pub = now + WORK_FANOUT_NS;
            }
            timeout = (int)((next_pub - MIN(util_now_ns(), next_pub) + 999999) / 1000000);
        }
        if (poll(pfd, p.res_r >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents) {
            enum host_ctl_result r = host_ctl(h);
            if (r == HOST_CTL_EXIT)
                break;
            if (r == HOST_CTL_REEXEC) {
                procs__teardown(&p);
                host_reexec(h);
                return 1;
            }
            if (r == HOST_CTL_PAUSE)
                for (uint32_t i = 0; i < h->work.ntasks; i++)
                    kill(p.pids[i], h->paused ? SIGSTOP : SIGCONT);
        }
        if (p.res_r >= 0 && (pfd[1].revents & POLLIN)) {
            struct procs_result res[64];
            ssize_t n = read(p.res_r, res, sizeof(res));
            for (ssize_t i = 0; i < n / (ssize_t)sizeof(res[0]); i++)
                if (res[i].worker < h->work.ntasks)
                    procs__send_job(&p, res[i].worker);
        }
        /* A worker that died (killed by hand, OOM) is reported, not hidden. */
        int status;
        pid_t dead;
        while ((dead = waitpid(-1, &status, WNOHANG)) > 0) {
            char why[64];
            for (uint32_t i = 0; i < h->work.ntasks; i++) {
                if (p.pids[i] == dead) {
                    p.pids[i] = 0;
                    p.alive--;
                    probe_add(&h->board->errors, 1);
                    probe_task_state(h->board, i, PROBE_ST_DONE, NULL);
                    probe_set_status(h->board, PROBE_STATUS_LIMITED,
                                     "worker %u %s; %u of %u running", i,
                                     procs__why(status, why, sizeof(why)), p.alive,
                                     h->work.ntasks);
                }
            }
        }
    }
    procs__teardown(&p);
    return 0;
}

const struct host_model host_procs = {
    .kind = PROBE_MODEL_PROCS,
    .name = "procs",
    .comm = "sw-procs",
    .run = procs_run,
    .workloads = (1u << WORK_COUNT) - 1,
};
