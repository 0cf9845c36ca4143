/*
 * goroutines.c — sw-goroutines: N goroutines on our own M:N runtime (src/gort/).
 *
 * The host's main thread only initialises the runtime and then watches the
 * control pipe; the goroutines run under gort_main on a thread of their own
 * (M0) and on the Ms the runtime starts. GOMAXPROCS comes from --procs
 * (default: the cores of the affinity mask, so split mode gives the runtime
 * the cores the model was given) and changes live with MODEL_OP_PROCS.
 *
 * The runtime writes its own probe layout (per P run queues, steals, M
 * states, per G states: gort_probe.h) into the board's gort block, so the
 * monitor reads the scheduler's insides from the same shared memory as
 * everything else. The task slots get the common vocabulary on top, written
 * by each task goroutine around its waits, as the other hosts do; a task that
 * was readied is shown in its wait state until it runs again (the exact
 * runnable count is in the runtime's block).
 *
 * The workloads, written the Go way:
 *   cpu       a feeder goroutine sends chunk numbers down a buffered channel;
 *             N goroutines receive and hash. work_preempt() at the hash's
 *             back-edges is the runtime's cooperative preemption point.
 *   io        each goroutine dials the latency server through the netpoller
 *             (gort_tcp_dial_loopback, gort_read, gort_write): a goroutine
 *             waiting for its answer is parked, its thread runs others.
 *   mixed     io, then the hash of a chunk seeded by the response.
 *   lock      "share by communicating": every goroutine sends its updates to
 *             one owner goroutine, the only one that touches the table.
 *   fanout    a publisher goroutine sends each message to N subscriber
 *             channels (buffered, as a chat room would).
 *   spawn     each task spawns a goroutine and waits for it (a wait group):
 *             the cost of spawn + run + exit, per goroutine.
 *   pingpong  pairs bounce a token over unbuffered channels.
 *
 * Stacks: goroutines run on 64 KiB stacks of which only touched pages are
 * resident, so nothing here puts a large buffer on a goroutine's stack
 * (the io buffer is GOHOST_IOBUF bytes); that is what keeps an idle
 * goroutine's memory honest and small.
 *
 * Pause: a gate every task passes at its preemption points and after each
 * wait; a paused task sleeps on a runtime timer (so the runtime never sees
 * "all goroutines are asleep").
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gort/gort.h"
#include "models/host.h"
#include "util.h"
#include "work/task.h"

#define GOHOST_IOBUF    1024u                   /* bytes read at a time (io, mixed) */
#define GOHOST_GATE_NS  (5ull * 1000 * 1000)    /* a paused task checks again after this */
#define GOHOST_SUB_CAP  4u                      /* fanout: messages a subscriber may lag */
#define GOHOST_UPD_CAP  1024u                   /* lock: updates in flight to the owner */

struct gohost_upd {
    uint32_t task;
    uint32_t pad;
    uint64_t key;
};

struct gohost {
    struct host *h;
    struct work_data data;
    struct work_task *tasks;
    struct gort_chan *feed;         /* cpu: chunk numbers */
    struct gort_chan *updates;      /* lock: struct gohost_upd to the owner */
    uint64_t *table;                /* lock: touched by the owner only */
    struct gort_chan **inbox;       /* fanout: per subscriber; pingpong: per task */
    atomic_bool paused;
    atomic_bool started;            /* every task goroutine has been spawned */
};

static struct gohost *gohost__self;     /* the one instance, for the hook */

/* A paused task sleeps here until resumed. t may be NULL (helpers). */
static void gohost__gate(struct work_task *t)
{
    struct gohost *G = gohost__self;

    if (!atomic_load_explicit(&G->paused, memory_order_relaxed))
        return;
    if (t != NULL)
        work_task_state(t, PROBE_ST_SLEEP);
    while (atomic_load_explicit(&G->paused, memory_order_relaxed))
        gort_sleep_ns(GOHOST_GATE_NS);
    if (t != NULL)
        work_task_state(t, PROBE_ST_RUNNING);
}

/*
 * work_preempt() at CPU back-edges: the runtime's preemption point. The
 * flag is read here first (the same load gort_preempt_point does) so that a
 * preempted task shows as runnable while it waits for a P.
 */
static void gohost__hook(void)
{
    struct work_task *t = (struct work_task *)gort_self_user();

    if (__builtin_expect(__atomic_load_n(&gort__gtop()->preempt, __ATOMIC_RELAXED), 0)) {
        if (t != NULL)
            work_task_state(t, PROBE_ST_RUNNABLE);
        gort_preempt_point();
        if (t != NULL)
            work_task_state(t, PROBE_ST_RUNNING);
    }
    gohost__gate(t);
}

/* One unit of work, also counted by the runtime (the G's user[0] and its M's
 * total), so the monitor can tell which goroutine did the work. */
static inline void gohost__unit(void)
{
    gort_probe_user_add(0, 1);
}

static void gohost__wait_begin(struct work_task *t, enum probe_state st)
{
    work_task_state(t, st);
}

static void gohost__wait_end(struct work_task *t)
{
    gohost__gate(t);
    work_task_state(t, PROBE_ST_RUNNING);
}

/* ---- cpu ------------------------------------------------------------------------------ */

static void gohost__feeder(void *arg)
{
    struct gohost *G = arg;

    for (uint64_t chunk = 0;; chunk++)
        if (gort_chan_send(G->feed, &chunk) < 0)
            return;
}

static void gohost__cpu(struct gohost *G, struct work_task *t)
{
    for (;;) {
        uint64_t chunk;
        bool ok;
        /* Mark the wait only when it will (probably) be one: a cheap length read. */
        if (gort_chan_len(G->feed) == 0) {
            gohost__wait_begin(t, PROBE_ST_CHAN);
            ok = gort_chan_recv(G->feed, &chunk);
            gohost__wait_end(t);
        } else {
            ok = gort_chan_recv(G->feed, &chunk);
        }
        if (!ok)
            return;
        work_task_chunk(t, chunk);
        gohost__unit();
    }
}

/* ---- io, mixed ------------------------------------------------------------------------ */

/* One request and its whole response over the netpoller. Returns the response
 * size or -errno; mixed: *seed is the XXH64 (seed tag) of its first 16 KiB, as
 * work/task.c computes it. */
static long gohost__call(int fd, const struct work_params *p, uint64_t tag, uint64_t *seed)
{
    struct work_req req = { .magic = WORK_REQ_MAGIC, .resp_size = p->resp_size, .tag = tag };
    unsigned char buf[GOHOST_IOBUF];
    struct work_xxh64 xx;
    struct work_resp hdr;
    size_t got = 0, want = SIZE_MAX;
    bool mixed = p->kind == WORK_MIXED;

    if (mixed)
        work_xxh64_reset(&xx, tag);
    ssize_t w = gort_write(fd, &req, sizeof(req));
    if (w < 0)
        return w;
    while (got < want) {
        size_t at = got < sizeof(hdr) ? got : 0;
        ssize_t r = gort_read(fd, buf + at, MIN(sizeof(buf) - at, want - got));
        if (r <= 0)
            return r < 0 ? r : -ECONNRESET;
        if (mixed && got < 16384)
            work_xxh64_update(&xx, buf + at, MIN((size_t)r, 16384 - got));
        if (got < sizeof(hdr) && got + (size_t)r >= sizeof(hdr)) {
            memcpy(&hdr, buf, sizeof(hdr));
            if (hdr.tag != tag || hdr.size < sizeof(hdr) || hdr.size > WORK_RESP_MAX)
                return -EPROTO;
            want = hdr.size;
        }
        got += (size_t)r;
    }
    if (mixed)
        *seed = work_xxh64_digest(&xx);
    return (long)want;
}

static void gohost__io(struct gohost *G, struct work_task *t)
{
    const struct work_params *p = &G->h->work;
    struct probe_header *b = G->h->board;
    int fd;

    gohost__wait_begin(t, PROBE_ST_IO);
    fd = gort_tcp_dial_loopback(p->port);
    gohost__wait_end(t);
    if (fd < 0)
        goto out_error;
    for (uint64_t tag = 1;; tag++) {
        uint64_t t0 = util_now_ns(), seed = 0;
        gohost__wait_begin(t, PROBE_ST_IO);
        long n = gohost__call(fd, p, tag, &seed);
        gohost__wait_end(t);
        if (n < 0)
            break;
        probe_task_cpu(b, t->id);
        probe_task_unit(b, t->id, (uint64_t)n, util_now_ns() - t0);
        gohost__unit();
        if (p->kind == WORK_MIXED) {
            const struct work_data *d = &G->data;
            uint64_t h = work_crunch(d->bytes + (seed % d->nchunks) * d->chunk, d->chunk, seed);
            atomic_fetch_xor_explicit(&b->checksum, h, memory_order_relaxed);
        }
    }
    gort_fd_close(fd);
out_error:
    probe_add(&b->errors, 1);
}

/* ---- lock: one owner, updates sent to it --------------------------------------------- */

static void gohost__owner(void *arg)
{
    struct gohost *G = arg;
    struct probe_header *b = G->h->board;
    struct gohost_upd u;

    while (gort_chan_recv(G->updates, &u)) {
        work_table_update(G->table, G->h->work.table_size, u.key);
        /* The owner is the one writer of every task's work counter. */
        probe_task_unit(b, u.task, 0, 0);
        if ((u.key & 255) == 0)
            work_preempt();
    }
}

static void gohost__lock(struct gohost *G, struct work_task *t)
{
    struct gohost_upd u = { .task = t->id };

    for (;;) {
        u.key = work_rand(&t->rng);
        int rc;
        if (gort_chan_len(G->updates) >= GOHOST_UPD_CAP) {
            gohost__wait_begin(t, PROBE_ST_CHAN);
            rc = gort_chan_send(G->updates, &u);
            gohost__wait_end(t);
        } else {
            rc = gort_chan_send(G->updates, &u);
        }
        if (rc < 0)
            return;
        gohost__unit();
        if ((u.key & 255) == 0) {
            probe_task_cpu(t->board, t->id);
            work_preempt();
        }
    }
}

/* ---- fanout --------------------------------------------------------------------------- */

static void gohost__publisher(void *arg)
{
    struct gohost *G = arg;
    uint32_t n = G->h->work.ntasks;
    struct work_msg msg = { 0 };
    uint64_t next = util_now_ns();

    for (;;) {
        next += WORK_FANOUT_NS;
        uint64_t now = util_now_ns();
        if (next > now)
            gort_sleep_ns(next - now);
        if (atomic_load_explicit(&G->paused, memory_order_relaxed))
            continue;
        msg.seq++;
        msg.t_ns = util_now_ns();
        for (uint32_t i = 0; i < n; i++)
            if (gort_chan_send(G->inbox[i], &msg) < 0)
                return;
    }
}

static void gohost__subscribe(struct gohost *G, struct work_task *t)
{
    struct work_msg msg;

    for (;;) {
        gohost__wait_begin(t, PROBE_ST_CHAN);
        bool ok = gort_chan_recv(G->inbox[t->id], &msg);
        gohost__wait_end(t);
        if (!ok)
            return;
        work_task_delivered(t, msg.t_ns);
        gohost__unit();
        if ((msg.seq & 63) == 0)
            probe_task_cpu(t->board, t->id);
    }
}

/* ---- spawn ---------------------------------------------------------------------------- */

static void gohost__child(void *arg)
{
    gort_wg_done(arg);
}

static void gohost__spawn(struct work_task *t)
{
    struct gort_waitgroup wg = GORT_WAITGROUP_INIT;

    for (;;) {
        uint64_t t0 = util_now_ns();
        gort_wg_add(&wg, 1);
        gort_spawn(gohost__child, &wg);
        gort_wg_wait(&wg);
        work_task_spawned(t, t0);
        gohost__unit();
        work_preempt();
    }
}

/* ---- pingpong ------------------------------------------------------------------------- */

static void gohost__pingpong(struct gohost *G, struct work_task *t)
{
    bool initiator = (t->id & 1) == 0;
    struct gort_chan *in = G->inbox[t->id], *out = G->inbox[t->id ^ 1];
    struct probe_slot *s = probe_slot(t->board, t->id);
    uint64_t token = 0, t0 = util_now_ns();

    if (initiator && gort_chan_send(out, &token) < 0)
        return;
    for (;;) {
        gohost__wait_begin(t, PROBE_ST_CHAN);
        bool ok = gort_chan_recv(in, &token);
        gohost__wait_end(t);
        if (!ok)
            return;
        uint64_t now = util_now_ns();
        /* One unit = one token received: a round trip is two switches. */
        probe_task_unit(t->board, t->id, 0, initiator ? now - t0 : 0);
        if (s != NULL)
            atomic_fetch_add_explicit(&s->switches, 1, memory_order_relaxed);
        gohost__unit();
        t0 = now;
        token++;
        if (gort_chan_send(out, &token) < 0)
            return;
        if ((token & 1023) < 2)
            probe_task_cpu(t->board, t->id);
    }
}

/* ---- goroutines ----------------------------------------------------------------------- */

static void gohost__task(void *arg)
{
    struct work_task *t = arg;
    struct gohost *G = gohost__self;
    struct host *h = G->h;
    uint32_t id = t->id;
    uint8_t shadow = t->shadow;     /* set by main at spawn (tasks past the slot cap) */

    work_task_init(t, h->board, id, &h->work, &G->data);
    t->shadow = shadow;
    t->model = G;
    gort_self_set_user((uintptr_t)t);
    work_task_state(t, PROBE_ST_RUNNING);
    gohost__gate(t);
    switch (h->work.kind) {
    case WORK_CPU:
        gohost__cpu(G, t);
        break;
    case WORK_IO:
    case WORK_MIXED:
        gohost__io(G, t);
        break;
    case WORK_LOCK:
        gohost__lock(G, t);
        break;
    case WORK_FANOUT:
        gohost__subscribe(G, t);
        break;
    case WORK_SPAWN:
        gohost__spawn(t);
        break;
    case WORK_PINGPONG:
        gohost__pingpong(G, t);
        break;
    default:
        break;
    }
    work_task_state(t, PROBE_ST_DONE);
}

/* Goroutine 1: starts the helpers and the tasks, then stays (as Go's main
 * must, or the program ends). */
static void gohost__main(void *arg)
{
    struct gohost *G = arg;
    struct host *h = G->h;
    uint32_t n = h->work.ntasks;

    if (h->work.kind == WORK_CPU)
        gort_spawn(gohost__feeder, G);
    else if (h->work.kind == WORK_LOCK)
        gort_spawn(gohost__owner, G);
    else if (h->work.kind == WORK_FANOUT)
        gort_spawn(gohost__publisher, G);
    for (uint32_t i = 0; i < n; i++) {
        G->tasks[i].id = i;
        probe_task_state(h->board, i, PROBE_ST_RUNNABLE, &G->tasks[i].shadow);
        gort_spawn(gohost__task, &G->tasks[i]);
    }
    atomic_store_explicit(&G->started, true, memory_order_release);
    for (;;)
        gort_sleep_ns(1000000000ull);
}

static void *gohost__runtime(void *arg)
{
    gort_main(gohost__main, arg);
    return NULL;
}

static int goroutines_run(struct host *h)
{
    struct gohost *G = xcalloc(1, sizeof(*G));
    uint32_t n = h->work.ntasks;
    int rc;

    G->h = h;
    gohost__self = G;
    atomic_store(&G->paused, h->paused);
    if (h->work.kind == WORK_CPU || h->work.kind == WORK_MIXED) {
        rc = work_data_init(&G->data, h->work.data_size, h->work.chunk_size, 1);
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
    }

    /* The runtime's probe block is the board's gort area: the monitor reads
     * the scheduler there. */
    struct gort_config cfg = {
        .nprocs = h->procs,
        .probe = h->board->gort,
        .probe_len = sizeof(h->board->gort),
    };
    rc = gort_init(&cfg);
    if (rc < 0)
        return host_fail(h, "goroutine runtime: %s%s", strerror(-rc),
                         rc == -EINVAL ? " (the board's gort block is too small)" : "");

    size_t elem = 0, cap = 0;
    switch (h->work.kind) {
    case WORK_CPU:
        G->feed = gort_chan_new(sizeof(uint64_t), MAX(64u, 4 * n));
        break;
    case WORK_LOCK:
        G->table = xcalloc(h->work.table_size, sizeof(uint64_t));
        G->updates = gort_chan_new(sizeof(struct gohost_upd), GOHOST_UPD_CAP);
        break;
    case WORK_FANOUT:
        elem = sizeof(struct work_msg);
        cap = GOHOST_SUB_CAP;
        break;
    case WORK_PINGPONG:
        elem = sizeof(uint64_t);
        break;
    default:
        break;
    }
    if (elem != 0) {
        G->inbox = xcalloc(n, sizeof(*G->inbox));
        for (uint32_t i = 0; i < n; i++)
            G->inbox[i] = gort_chan_new(elem, cap);
    }
    G->tasks = xcalloc(n, sizeof(*G->tasks));
    work_preempt_hook = gohost__hook;
    /* The base of memory per task: the runtime is set up, no goroutine exists. */
    probe_begin(h->board, h->work.kind, h->asked, n, 0);

    pthread_t rt;
    rc = pthread_create(&rt, NULL, gohost__runtime, G);
    if (rc != 0)
        return host_fail(h, "pthread_create: %s", strerror(rc));
    while (!atomic_load_explicit(&G->started, memory_order_acquire)) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
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
        if (r == HOST_CTL_PAUSE)
            atomic_store(&G->paused, h->paused);
        if (r == HOST_CTL_PROCS && gort_set_procs(h->procs) < 0)
            h->procs = gort_nprocs();
    }
    /* Exit without stopping the runtime: the tasks never end on their own. */
    return 0;
}

const struct host_model host_goroutines = {
    .kind = PROBE_MODEL_GOROUTINES,
    .name = "goroutines",
    .comm = "sw-goroutines",
    .run = goroutines_run,
    .workloads = (1u << WORK_COUNT) - 1,
};
