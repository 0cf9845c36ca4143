/*
 * threads.c — sw-threads: one pthread per task, sharing memory.
 *
 * cpu: a bounded work queue (mutex + two condition variables) that a feeder
 * thread keeps full of chunk numbers; workers pop and hash. lock: one
 * pthread mutex over the table. io, mixed, pingpong: the blocking bodies of
 * work/task.c.
 *
 * --gil imitates CPython's GIL (Python/ceval_gil.h since 3.2): a thread must
 * hold it to compute. A thread that wants it waits on a condition variable
 * for the switch interval (5 ms); if no switch happened meanwhile it sets
 * drop_request. The holder polls drop_request at its check points (the
 * work_preempt() hook at CPU back-edges, like the eval loop's breaker),
 * drops the GIL and — FORCE_SWITCHING — waits until another thread has
 * taken it before asking again. Blocking calls (I/O, the queue, a mutex)
 * release it. A hand-off is counted when the GIL goes to a thread other
 * than its previous holder.
 *
 * Pause: a gate every task passes at its check points and after each wait.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models/host.h"
#include "util.h"
#include "work/task.h"

#define GIL_INTERVAL_NS (5ull * 1000 * 1000)

struct gil {
    pthread_mutex_t mu;
    pthread_cond_t cond;            /* signalled when the GIL is released */
    pthread_cond_t switched;        /* signalled when it is taken */
    bool locked;
    long holder;                    /* task id of the holder, -1 none */
    long last_holder;
    uint64_t switch_number;
    atomic_int drop_request;
};

struct threads {
    struct host *h;
    struct work_data data;
    struct work_task *tasks;
    pthread_t *tids;
    /* cpu: the work queue */
    pthread_mutex_t qmu;
    pthread_cond_t not_empty, not_full;
    uint64_t *ring;
    uint32_t qcap, qhead, qlen;
    uint64_t next_chunk;
    /* lock */
    pthread_mutex_t table_mu;
    uint64_t *table;
    /* pingpong */
    int *pipes;
    /* fanout: the publisher's last message */
    pthread_mutex_t pub_mu;
    pthread_cond_t pub_cond;
    struct work_msg msg;
    /* pause gate */
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cond;
    atomic_bool paused;
    struct gil gil;
};

static struct threads *threads__self;       /* the one instance, for the hook */
static _Thread_local struct work_task *threads__task;

static void gil_init(struct gil *g)
{
    pthread_condattr_t ca;

    pthread_mutex_init(&g->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cond, &ca);
    pthread_cond_init(&g->switched, &ca);
    pthread_condattr_destroy(&ca);
    g->holder = g->last_holder = -1;
}

static void gil_take(struct threads *T, struct work_task *t)
{
    struct gil *g = &T->gil;
    struct probe_header *b = T->h->board;
    uint64_t t0 = 0;

    pthread_mutex_lock(&g->mu);
    if (g->locked) {
        work_task_state(t, PROBE_ST_GIL);
        t0 = util_now_ns();
    }
    while (g->locked) {
        uint64_t saved = g->switch_number;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += GIL_INTERVAL_NS;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        int rc = pthread_cond_timedwait(&g->cond, &g->mu, &ts);
        if (rc == ETIMEDOUT && g->locked && g->switch_number == saved) {
            /* Counted once per request, however many waiters time out. */
            if (!atomic_exchange_explicit(&g->drop_request, 1, memory_order_relaxed))
                probe_add(&b->gil_drop_requests, 1);
        }
    }
    g->locked = true;
    g->holder = t->id;
    if (g->last_holder != (long)t->id) {
        probe_add(&b->gil_handoffs, 1);
        struct probe_slot *s = probe_slot(b, t->id);
        if (s != NULL)
            atomic_fetch_add_explicit(&s->switches, 1, memory_order_relaxed);
    }
    g->last_holder = t->id;
    g->switch_number++;
    atomic_store_explicit(&g->drop_request, 0, memory_order_relaxed);
    pthread_cond_broadcast(&g->switched);
    pthread_mutex_unlock(&g->mu);
    if (t0)
        probe_add(&b->gil_wait_ns, util_now_ns() - t0);
    work_task_state(t, PROBE_ST_RUNNING);
}

static void gil_drop(struct threads *T, struct work_task *t, bool forced)
{
    struct gil *g = &T->gil;

    pthread_mutex_lock(&g->mu);
    g->locked = false;
    g->holder = -1;
    pthread_cond_signal(&g->cond);
    if (forced) {
        /* FORCE_SWITCHING: do not take it straight back. */
        uint64_t sw = g->switch_number;
        while (g->switch_number == sw && g->last_holder == (long)t->id)
            pthread_cond_wait(&g->switched, &g->mu);
    }
    pthread_mutex_unlock(&g->mu);
}

static void threads__gate(struct threads *T, struct work_task *t)
{
    if (!atomic_load_explicit(&T->paused, memory_order_relaxed))
        return;
    work_task_state(t, PROBE_ST_SLEEP);
    pthread_mutex_lock(&T->gate_mu);
    while (atomic_load_explicit(&T->paused, memory_order_relaxed))
        pthread_cond_wait(&T->gate_cond, &T->gate_mu);
    pthread_mutex_unlock(&T->gate_mu);
    work_task_state(t, PROBE_ST_RUNNING);
}

static void threads__block_begin(struct work_task *t, enum probe_state st)
{
    struct threads *T = threads__self;

    if (T->h->gil)
        gil_drop(T, t, false);
    work_task_state(t, st);
}

static void threads__block_end(struct work_task *t)
{
    struct threads *T = threads__self;

    threads__gate(T, t);
    if (T->h->gil)
        gil_take(T, t);
    else
        work_task_state(t, PROBE_ST_RUNNING);
}

/* The check point at CPU back-edges. */
static void threads__hook(void)
{
    struct threads *T = threads__self;
    struct work_task *t = threads__task;

    if (t == NULL)
        return;
    if (T->h->gil && atomic_load_explicit(&T->gil.drop_request, memory_order_relaxed)) {
        gil_drop(T, t, true);
        gil_take(T, t);
    }
    threads__gate(T, t);
}

static uint64_t threads__pop(struct threads *T, struct work_task *t)
{
    uint64_t chunk;

    pthread_mutex_lock(&T->qmu);
    if (T->qlen == 0) {
        pthread_mutex_unlock(&T->qmu);
        threads__block_begin(t, PROBE_ST_CHAN);
        pthread_mutex_lock(&T->qmu);
        while (T->qlen == 0)
            pthread_cond_wait(&T->not_empty, &T->qmu);
        chunk = T->ring[T->qhead];
        T->qhead = (T->qhead + 1) % T->qcap;
        T->qlen--;
        if (T->qlen <= T->qcap / 2)
            pthread_cond_signal(&T->not_full);
        pthread_mutex_unlock(&T->qmu);
        threads__block_end(t);
        return chunk;
    }
    chunk = T->ring[T->qhead];
    T->qhead = (T->qhead + 1) % T->qcap;
    T->qlen--;
    if (T->qlen <= T->qcap / 2)     /* wake the feeder once per half queue */
        pthread_cond_signal(&T->not_full);
    pthread_mutex_unlock(&T->qmu);
    return chunk;
}

static void *threads__feeder(void *arg)
{
    struct threads *T = arg;

    for (;;) {
        pthread_mutex_lock(&T->qmu);
        while (T->qlen > T->qcap / 2)
            pthread_cond_wait(&T->not_full, &T->qmu);
        while (T->qlen < T->qcap) {
            T->ring[(T->qhead + T->qlen) % T->qcap] = T->next_chunk++;
            T->qlen++;
        }
        pthread_cond_broadcast(&T->not_empty);
        pthread_mutex_unlock(&T->qmu);
    }
    return NULL;
}

static void *threads__publisher(void *arg)
{
    struct threads *T = arg;
    uint64_t next = util_now_ns();

    for (;;) {
        next += WORK_FANOUT_NS;
        struct timespec ts = { (time_t)(next / 1000000000), (long)(next % 1000000000) };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
        if (atomic_load_explicit(&T->paused, memory_order_relaxed))
            continue;
        pthread_mutex_lock(&T->pub_mu);
        T->msg.seq++;
        T->msg.t_ns = util_now_ns();
        pthread_cond_broadcast(&T->pub_cond);
        pthread_mutex_unlock(&T->pub_mu);
    }
    return NULL;
}

static void *threads__child(void *arg)
{
    return arg;
}

static void *threads__worker(void *arg)
{
    struct work_task *t = arg;
    struct threads *T = t->model;
    struct host *h = T->h;

    work_task_init(t, h->board, t->id, &h->work, &T->data);
    t->model = T;
    t->block_begin = threads__block_begin;
    t->block_end = threads__block_end;
    threads__task = t;
    work_task_state(t, PROBE_ST_RUNNABLE);
    threads__block_end(t);          /* gate, then the GIL */
    switch (h->work.kind) {
    case WORK_CPU:
        for (;;) {
            uint64_t chunk = threads__pop(T, t);
            work_task_chunk(t, chunk);
        }
    case WORK_IO:
    case WORK_MIXED:
        work_task_io(t);
        break;
    case WORK_FANOUT: {
        uint64_t seen = 0;
        for (;;) {
            threads__block_begin(t, PROBE_ST_CHAN);
            pthread_mutex_lock(&T->pub_mu);
            while (T->msg.seq == seen)
                pthread_cond_wait(&T->pub_cond, &T->pub_mu);
            struct work_msg msg = T->msg;
            pthread_mutex_unlock(&T->pub_mu);
            threads__block_end(t);
            seen = msg.seq;
            work_task_delivered(t, msg.t_ns);
            if ((seen & 63) == 0)
                probe_task_cpu(h->board, t->id);
        }
    }
    case WORK_SPAWN:
        for (;;) {
            uint64_t t0 = util_now_ns();
            pthread_t c;
            int rc = pthread_create(&c, NULL, threads__child, NULL);
            if (rc != 0) {
                probe_add(&h->board->errors, 1);
                threads__block_begin(t, PROBE_ST_SLEEP);
                usleep(10000);
                threads__block_end(t);
                continue;
            }
            threads__block_begin(t, PROBE_ST_CHAN);
            pthread_join(c, NULL);
            threads__block_end(t);
            work_task_spawned(t, t0);
            work_preempt();
        }
    case WORK_LOCK:
        /* Sleeping on the mutex releases the GIL (block hooks). */
        work_task_lock(t, &T->table_mu, T->table);
        break;
    case WORK_PINGPONG: {
        uint32_t a = t->id & ~1u;
        bool first = (t->id & 1) == 0;
        int rfd = first ? T->pipes[2 * (a + 1)] : T->pipes[2 * a];
        int wfd = first ? T->pipes[2 * a + 1] : T->pipes[2 * (a + 1) + 1];
        work_task_pingpong(t, rfd, wfd, first);
        break;
    }
    default:
        break;
    }
    if (h->gil)
        gil_drop(T, t, false);
    work_task_state(t, PROBE_ST_DONE);
    return NULL;
}

static int threads_run(struct host *h)
{
    struct threads *T = xcalloc(1, sizeof(*T));
    uint32_t n = h->work.ntasks;
    int rc;

    T->h = h;
    threads__self = T;
    gil_init(&T->gil);
    pthread_mutex_init(&T->gate_mu, NULL);
    pthread_cond_init(&T->gate_cond, NULL);
    /* Closed while the workers are created: 20,000 runnable workers would
     * otherwise leave the creating thread a 1/20,000 share of the CPU. */
    atomic_store(&T->paused, true);
    pthread_mutex_init(&T->qmu, NULL);
    pthread_cond_init(&T->not_empty, NULL);
    pthread_cond_init(&T->not_full, NULL);
    pthread_mutex_init(&T->table_mu, NULL);
    pthread_mutex_init(&T->pub_mu, NULL);
    pthread_cond_init(&T->pub_cond, NULL);
    if (h->work.kind == WORK_CPU || h->work.kind == WORK_MIXED) {
        rc = work_data_init(&T->data, h->work.data_size, h->work.chunk_size, 1);
        if (rc < 0)
            return host_fail(h, "dataset: %s", strerror(-rc));
    }
    if (h->work.kind == WORK_PINGPONG) {
        if (n & 1) {
            h->work.ntasks = --n;
            snprintf(h->limit_why, sizeof(h->limit_why), "pingpong needs pairs");
        }
        if (n == 0)
            return host_fail(h, "pingpong needs at least 2 tasks");
        T->pipes = xcalloc(2 * n, sizeof(int));
        for (uint32_t i = 0; i < n; i++)
            if (pipe2(T->pipes + 2 * i, O_CLOEXEC) < 0)
                return host_fail(h, "pipe: %s", strerror(errno));
    }
    T->table = xcalloc(h->work.table_size, sizeof(uint64_t));
    T->qcap = 16 * n + 64;     /* ms of work: the feeder is never the bottleneck */
    T->ring = xcalloc(T->qcap, sizeof(uint64_t));
    T->tasks = xcalloc(n, sizeof(*T->tasks));
    T->tids = xcalloc(n, sizeof(*T->tids));
    work_preempt_hook = threads__hook;
    probe_begin(h->board, h->work.kind, h->asked, n, h->gil ? PROBE_F_GIL : 0);

    if (h->work.kind == WORK_CPU || h->work.kind == WORK_FANOUT) {
        pthread_t helper;
        rc = pthread_create(&helper, NULL, h->work.kind == WORK_CPU ? threads__feeder
                                                                     : threads__publisher, T);
        if (rc != 0)
            return host_fail(h, "pthread_create: %s", strerror(rc));
    }
    for (uint32_t i = 0; i < n; i++) {
        T->tasks[i].id = i;
        T->tasks[i].model = T;
        rc = pthread_create(&T->tids[i], NULL, threads__worker, &T->tasks[i]);
        if (rc != 0) {
            snprintf(h->limit_why, sizeof(h->limit_why), "pthread_create: %s", strerror(rc));
            h->work.ntasks = i;
            atomic_store_explicit(&h->board->ntasks, i, memory_order_relaxed);
            break;
        }
    }
    pthread_mutex_lock(&T->gate_mu);
    atomic_store(&T->paused, h->paused);
    pthread_cond_broadcast(&T->gate_cond);
    pthread_mutex_unlock(&T->gate_mu);
    host_running(h);

    struct pollfd pfd = { .fd = h->ctl_fd, .events = POLLIN };
    for (;;) {
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
            break;
        enum host_ctl_result r = host_ctl(h);
        if (r == HOST_CTL_EXIT)
            break;
        if (r == HOST_CTL_REEXEC) {
            host_reexec(h);
            return 1;
        }
        if (r == HOST_CTL_PAUSE) {
            pthread_mutex_lock(&T->gate_mu);
            atomic_store(&T->paused, h->paused);
            pthread_cond_broadcast(&T->gate_cond);
            pthread_mutex_unlock(&T->gate_mu);
        }
    }
    /* Exit without joining: the workers never end on their own. */
    return 0;
}

const struct host_model host_threads = {
    .kind = PROBE_MODEL_THREADS,
    .name = "threads",
    .comm = "sw-threads",
    .run = threads_run,
    .workloads = (1u << WORK_COUNT) - 1,
};
