/*
 * loop.c — sw-loop: one thread, one libuv loop, N tasks as state machines.
 *
 * A task that has CPU work to do goes on the ready queue (FIFO); an idle
 * handle, active while the queue is not empty, runs every task that was
 * ready when the turn began — each one runs one step (one chunk, 64 table
 * updates, one token) and re-queues itself. A step blocks the loop for its
 * duration: that is what this model is about, and the lag timer shows it
 * (lag = how late a 100 ms repeating timer fires).
 *
 * io: a uv_tcp_t per task, one request at a time; the read buffer is one
 * loop-wide buffer (one thread, reads are consumed at once), so a task costs
 * its handles and ~100 bytes. mixed: the response is hashed as it arrives
 * and seeds a chunk's hash, which runs as a ready step.
 *
 * --offload: a CPU step goes to libuv's thread pool (uv_queue_work), as
 * asyncio's run_in_executor does; the loop stays responsive.
 *
 * Pause: ready tasks are parked instead of run; I/O in flight completes and
 * parks.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>
/* sys/param.h (through uv.h) defines MIN/MAX too; util.h's win. */
#undef MIN
#undef MAX

#include "models/host.h"
#include "util.h"

#define LOOP_LAG_MS 100
#define LOOP_LOCK_BATCH 64
/* Chunks per thread-pool job under --offload. One chunk is ~30 us of
 * hashing; a pool thread that finishes a job finds the queue empty and
 * sleeps until the loop hands it the next, a round trip of two wake-ups
 * (~10-20 us on a VM). One chunk per job kept 4 tasks on 2 cores at
 * 1.0-1.46 cores; 16 at 1.71, 64 (~2 ms, the size of work an asyncio
 * program hands run_in_executor) at 1.85. The rest is placement: 4 pool
 * threads on 2 cores, and the core whose thread went to sleep waits for the
 * next job (8 tasks: 1.97). Measured with
 * `schedwatch --headless -d 4s --models loop -w cpu --offload`. */
#define LOOP_OFFLOAD_BATCH 64

struct loop;

struct loop_task {
    struct loop *L;
    struct loop_task *next;         /* on the ready or parked list */
    uint32_t id;
    uint8_t shadow;
    bool queued;
    bool child;                     /* spawn: a short-lived task, freed when it ran */
    uint64_t born;                  /* spawn: when its parent created it */
    uint64_t rng;
    /* io */
    uv_tcp_t *tcp;                  /* allocated when connecting; freed on close */
    uv_connect_t conn;
    uv_write_t wr;
    struct work_req req;
    struct work_resp hdr;
    uint64_t got, want, t0, seed;
    struct work_xxh64 *xx;          /* mixed: hash of the response so far */
    /* cpu */
    uv_work_t work;
    uint64_t chunk, hash;
    /* pingpong */
    uint64_t token_t0;
};

struct loop {
    struct host *h;
    uv_loop_t loop;
    uv_idle_t idle;
    uv_prepare_t prepare;
    uv_timer_t lag;
    uv_poll_t ctl;
    uv_timer_t pub;                 /* fanout: the publisher */
    uint64_t pub_t;                 /* fanout: when the last message was published */
    struct work_data data;
    uint64_t *table;
    struct loop_task *tasks;
    struct loop_task *head, *tail;  /* ready queue */
    struct loop_task *parked;
    uint64_t nready;
    uint64_t next_chunk;
    uint64_t lag_due;               /* uv_hrtime() the lag timer is due */
    uint64_t cb_last, cb_last_t;
    uint64_t callbacks, iterations;
    unsigned char rbuf[65536];
};

static void loop__idle(uv_idle_t *idle);

static void loop__state(struct loop_task *t, enum probe_state st)
{
    if (t->child)
        return;
    probe_task_state(t->L->h->board, t->id, st, &t->shadow);
}

static void loop__ready(struct loop_task *t)
{
    struct loop *L = t->L;

    if (t->queued)
        return;
    t->queued = true;
    t->next = NULL;
    if (L->h->paused) {
        t->next = L->parked;
        L->parked = t;
        loop__state(t, PROBE_ST_SLEEP);
        return;
    }
    if (L->tail != NULL)
        L->tail->next = t;
    else
        L->head = t;
    L->tail = t;
    L->nready++;
    loop__state(t, PROBE_ST_RUNNABLE);
    if (!uv_is_active((uv_handle_t *)&L->idle))
        uv_idle_start(&L->idle, loop__idle);
}

/* --- cpu --------------------------------------------------------------- */

static void loop__off_work(uv_work_t *w)
{
    struct loop_task *t = w->data;
    uint64_t h = 0;

    for (uint64_t i = 0; i < LOOP_OFFLOAD_BATCH; i++)
        h ^= work_data_chunk(&t->L->data, t->chunk + i);
    t->hash = h;
}

static void loop__off_done(uv_work_t *w, int status)
{
    struct loop_task *t = w->data;
    struct probe_header *b = t->L->h->board;

    t->L->callbacks++;
    for (int i = 0; i < LOOP_OFFLOAD_BATCH; i++)
        probe_task_unit(b, t->id, t->L->data.chunk, 0);
    atomic_fetch_xor_explicit(&b->checksum, t->hash, memory_order_relaxed);
    loop__ready(t);
}

static void loop__step_cpu(struct loop_task *t)
{
    struct loop *L = t->L;
    struct probe_header *b = L->h->board;

    t->chunk = L->next_chunk++;
    if (L->h->offload) {
        L->next_chunk += LOOP_OFFLOAD_BATCH - 1;
        t->work.data = t;
        loop__state(t, PROBE_ST_RUNNING);
        probe_add(&b->loop_offloaded, 1);
        if (uv_queue_work(&L->loop, &t->work, loop__off_work, loop__off_done) == 0)
            return;
    }
    loop__state(t, PROBE_ST_RUNNING);
    probe_task_cpu(b, t->id);
    uint64_t h = work_data_chunk(&L->data, t->chunk);
    probe_task_unit(b, t->id, L->data.chunk, 0);
    atomic_fetch_xor_explicit(&b->checksum, h, memory_order_relaxed);
    loop__ready(t);
}

/* --- io ---------------------------------------------------------------- */

static void loop__send(struct loop_task *t);

static void loop__fail(struct loop_task *t)
{
    probe_add(&t->L->h->board->errors, 1);
    loop__state(t, PROBE_ST_DONE);
    if (t->tcp != NULL && !uv_is_closing((uv_handle_t *)t->tcp))
        uv_close((uv_handle_t *)t->tcp, (uv_close_cb)free);
    t->tcp = NULL;
}

static void loop__alloc(uv_handle_t *hd, size_t hint, uv_buf_t *buf)
{
    struct loop_task *t = hd->data;

    buf->base = (char *)t->L->rbuf;
    buf->len = sizeof(t->L->rbuf);
}

static void loop__read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct loop_task *t = s->data;
    struct loop *L = t->L;
    const unsigned char *p = (const unsigned char *)buf->base;

    if (n == 0)
        return;
    if (n < 0) {
        loop__fail(t);
        return;
    }
    L->callbacks++;
    if (t->got < sizeof(t->hdr)) {
        size_t take = MIN((size_t)n, sizeof(t->hdr) - t->got);
        memcpy((char *)&t->hdr + t->got, p, take);
        if (t->got + take == sizeof(t->hdr)) {
            if (t->hdr.tag != t->req.tag || t->hdr.size < sizeof(t->hdr) ||
                t->hdr.size > WORK_RESP_MAX) {
                loop__fail(t);
                return;
            }
            t->want = t->hdr.size;
        }
    }
    if (t->xx != NULL && t->got < 16384)
        work_xxh64_update(t->xx, p, MIN((size_t)n, 16384 - t->got));
    t->got += (uint64_t)n;
    if (t->want == 0 || t->got < t->want)
        return;
    struct probe_header *b = L->h->board;
    probe_task_cpu(b, t->id);
    probe_task_unit(b, t->id, t->got, uv_hrtime() - t->t0);
    if (L->h->work.kind == WORK_MIXED) {
        t->seed = work_xxh64_digest(t->xx);
        loop__ready(t);             /* the compute step runs as a ready task */
        return;
    }
    if (L->h->paused)
        loop__ready(t);             /* parks; sends when resumed */
    else
        loop__send(t);
}

static void loop__written(uv_write_t *w, int status)
{
    struct loop_task *t = w->data;

    t->L->callbacks++;
    if (status < 0)
        loop__fail(t);
}

static void loop__send(struct loop_task *t)
{
    uv_buf_t buf = uv_buf_init((char *)&t->req, sizeof(t->req));

    t->req.magic = WORK_REQ_MAGIC;
    t->req.resp_size = t->L->h->work.resp_size;
    t->req.tag++;
    t->got = t->want = 0;
    if (t->xx != NULL)
        work_xxh64_reset(t->xx, t->req.tag);
    t->t0 = uv_hrtime();
    loop__state(t, PROBE_ST_IO);
    if (uv_write(&t->wr, (uv_stream_t *)t->tcp, &buf, 1, loop__written) < 0)
        loop__fail(t);
}

static void loop__connected(uv_connect_t *c, int status)
{
    struct loop_task *t = c->data;

    t->L->callbacks++;
    if (status < 0 || uv_read_start((uv_stream_t *)t->tcp, loop__alloc, loop__read) < 0) {
        loop__fail(t);
        return;
    }
    uv_tcp_nodelay(t->tcp, 1);
    loop__send(t);
}

static void loop__start_io(struct loop_task *t)
{
    struct loop *L = t->L;
    struct sockaddr_in sa;

    uv_ip4_addr("127.0.0.1", L->h->work.port, &sa);
    t->tcp = xcalloc(1, sizeof(*t->tcp));
    uv_tcp_init(&L->loop, t->tcp);
    t->tcp->data = t->conn.data = t->wr.data = t;
    if (L->h->work.kind == WORK_MIXED)
        t->xx = xmalloc(sizeof(*t->xx));
    loop__state(t, PROBE_ST_IO);
    if (uv_tcp_connect(&t->conn, t->tcp, (struct sockaddr *)&sa, loop__connected) < 0)
        loop__fail(t);
}

static void loop__step_mixed(struct loop_task *t)
{
    struct loop *L = t->L;
    const struct work_data *d = &L->data;

    loop__state(t, PROBE_ST_RUNNING);
    uint64_t h = work_crunch(d->bytes + (t->seed % d->nchunks) * d->chunk, d->chunk, t->seed);
    atomic_fetch_xor_explicit(&L->h->board->checksum, h, memory_order_relaxed);
    loop__send(t);
}

/* --- lock, pingpong ---------------------------------------------------- */

static void loop__step_lock(struct loop_task *t)
{
    struct loop *L = t->L;

    /* One thread: the table needs no lock at all. */
    loop__state(t, PROBE_ST_RUNNING);
    for (int i = 0; i < LOOP_LOCK_BATCH; i++) {
        work_table_update(L->table, L->h->work.table_size, work_rand(&t->rng));
        probe_task_unit(L->h->board, t->id, 0, 0);
    }
    loop__ready(t);
}

static void loop__step_pingpong(struct loop_task *t)
{
    struct loop *L = t->L;
    struct loop_task *peer = &L->tasks[t->id ^ 1];
    struct probe_slot *s = probe_slot(L->h->board, t->id);
    uint64_t now = uv_hrtime();

    loop__state(t, PROBE_ST_RUNNING);
    probe_task_unit(L->h->board, t->id, 0, (t->id & 1) == 0 && t->token_t0 ? now - t->token_t0
                                                                            : 0);
    if (s != NULL)
        atomic_fetch_add_explicit(&s->switches, 1, memory_order_relaxed);
    t->token_t0 = now;
    loop__state(t, PROBE_ST_CHAN);
    loop__ready(peer);
}

/* --- spawn, fanout ---------------------------------------------------- */

static void loop__step_spawn(struct loop_task *t)
{
    struct loop *L = t->L;

    if (t->child) {
        /* The short-lived task itself: it ran once, it ends. */
        struct loop_task *parent = &L->tasks[t->id];
        struct probe_header *b = L->h->board;
        uint64_t lat = uv_hrtime() - t->born;
        probe_task_unit(b, t->id, 0, lat);
        probe_add(&b->spawned, 1);
        probe_add(&b->spawn_ns, lat);
        free(t);
        loop__ready(parent);
        return;
    }
    struct loop_task *c = xcalloc(1, sizeof(*c));
    c->L = L;
    c->id = t->id;
    c->child = true;
    c->born = uv_hrtime();
    c->shadow = PROBE_ST_COUNT;     /* no slot, no state of its own */
    loop__state(t, PROBE_ST_CHAN);
    loop__ready(c);
}

static void loop__step_fanout(struct loop_task *t)
{
    struct loop *L = t->L;

    probe_task_unit(L->h->board, t->id, 0, uv_hrtime() - L->pub_t);
    loop__state(t, PROBE_ST_CHAN);
}

static void loop__publish(uv_timer_t *timer)
{
    struct loop *L = timer->data;

    if (L->h->paused)
        return;
    /* Every subscriber is ready now; they run one after the other. */
    L->pub_t = uv_hrtime();
    for (uint32_t i = 0; i < L->h->work.ntasks; i++)
        loop__ready(&L->tasks[i]);
}

/* --- the loop's own handles -------------------------------------------- */

static void loop__run_step(struct loop_task *t)
{
    struct loop *L = t->L;

    L->callbacks++;
    switch (L->h->work.kind) {
    case WORK_CPU:
        loop__step_cpu(t);
        break;
    case WORK_MIXED:
        loop__step_mixed(t);
        break;
    case WORK_LOCK:
        loop__step_lock(t);
        break;
    case WORK_PINGPONG:
        loop__step_pingpong(t);
        break;
    case WORK_IO:
        loop__send(t);
        break;
    case WORK_SPAWN:
        loop__step_spawn(t);
        break;
    case WORK_FANOUT:
        loop__step_fanout(t);
        break;
    default:
        break;
    }
}

static void loop__idle(uv_idle_t *idle)
{
    struct loop *L = idle->data;
    uint64_t n = L->nready;

    /* Only the tasks ready at the start of the turn: those made ready now
     * wait for the next turn, after I/O has been polled. */
    while (n-- > 0 && L->head != NULL && !L->h->paused) {
        struct loop_task *t = L->head;
        L->head = t->next;
        if (L->head == NULL)
            L->tail = NULL;
        L->nready--;
        t->queued = false;
        loop__run_step(t);
    }
    if (L->head == NULL)
        uv_idle_stop(idle);
}

static void loop__prepare(uv_prepare_t *p)
{
    struct loop *L = p->data;

    L->iterations++;
}

static void loop__lag(uv_timer_t *timer)
{
    struct loop *L = timer->data;
    struct probe_header *b = L->h->board;
    uint64_t now = uv_hrtime();

    if (L->lag_due != 0 && now > L->lag_due) {
        probe_set(&b->loop_lag_ns, now - L->lag_due);
        probe_max(&b->loop_lag_max_ns, now - L->lag_due);
    } else if (L->lag_due != 0) {
        probe_set(&b->loop_lag_ns, 0);
    }
    L->lag_due = now + LOOP_LAG_MS * 1000000ull;
    probe_set(&b->loop_ready, L->nready);
    probe_set(&b->loop_callbacks, L->callbacks);
    probe_set(&b->loop_iterations, L->iterations);
    probe_set(&b->loop_idle_ns, uv_metrics_idle_time(&L->loop));
    if (now - L->cb_last_t >= 1000000000ull) {
        if (L->cb_last_t != 0)
            probe_set(&b->loop_cb_per_s,
                      (L->callbacks - L->cb_last) * 1000000000ull / (now - L->cb_last_t));
        L->cb_last = L->callbacks;
        L->cb_last_t = now;
    }
    struct probe_slot *s = probe_slot(b, 0);
    if (s != NULL)
        atomic_store_explicit(&s->cpu, sched_getcpu(), memory_order_relaxed);
}

static void loop__ctl(uv_poll_t *p, int status, int events)
{
    struct loop *L = p->data;

    switch (host_ctl(L->h)) {
    case HOST_CTL_EXIT:
        uv_stop(&L->loop);
        break;
    case HOST_CTL_REEXEC:
        host_reexec(L->h);
        uv_stop(&L->loop);
        break;
    case HOST_CTL_PAUSE:
        if (L->h->paused) {
            /* Park the ready queue. */
            while (L->head != NULL) {
                struct loop_task *t = L->head;
                L->head = t->next;
                t->queued = false;
                loop__ready(t);     /* paused: goes to parked */
            }
            L->tail = NULL;
            L->nready = 0;
        } else {
            struct loop_task *t = L->parked;
            L->parked = NULL;
            while (t != NULL) {
                struct loop_task *next = t->next;
                t->queued = false;
                loop__ready(t);
                t = next;
            }
        }
        break;
    default:
        break;
    }
}

static void loop__close(uv_handle_t *hd, void *arg)
{
    if (!uv_is_closing(hd))
        uv_close(hd, hd->type == UV_TCP ? (uv_close_cb)free : NULL);
}

static int loop__run(struct loop *L, struct host *h)
{
    uint32_t n = h->work.ntasks;
    int rc;

    if (h->work.kind == WORK_PINGPONG) {
        if (n & 1) {
            h->work.ntasks = --n;
            snprintf(h->limit_why, sizeof(h->limit_why), "pingpong needs pairs");
        }
        if (n == 0)
            return host_fail(h, "pingpong needs at least 2 tasks");
    }
    if (h->work.kind == WORK_CPU || h->work.kind == WORK_MIXED) {
        rc = work_data_init(&L->data, h->work.data_size, h->work.chunk_size, 1);
        if (rc < 0)
            return host_fail(h, "dataset: %s", strerror(-rc));
    }
    L->table = xcalloc(h->work.table_size, sizeof(uint64_t));
    if ((rc = uv_loop_init(&L->loop)) < 0)
        return host_fail(h, "uv_loop_init: %s", uv_strerror(rc));
    uv_loop_configure(&L->loop, UV_METRICS_IDLE_TIME);
    uv_idle_init(&L->loop, &L->idle);
    uv_prepare_init(&L->loop, &L->prepare);
    uv_timer_init(&L->loop, &L->lag);
    uv_poll_init(&L->loop, &L->ctl, h->ctl_fd);
    L->idle.data = L->prepare.data = L->lag.data = L->ctl.data = L;
    uv_prepare_start(&L->prepare, loop__prepare);
    uv_timer_start(&L->lag, loop__lag, 0, LOOP_LAG_MS);
    uv_poll_start(&L->ctl, UV_READABLE | UV_DISCONNECT, loop__ctl);
    uv_timer_init(&L->loop, &L->pub);
    L->pub.data = L;
    if (h->work.kind == WORK_FANOUT)
        uv_timer_start(&L->pub, loop__publish, WORK_FANOUT_NS / 1000000,
                       WORK_FANOUT_NS / 1000000);

    probe_begin(h->board, h->work.kind, h->asked, n, h->offload ? PROBE_F_OFFLOAD : 0);
    L->tasks = xcalloc(n, sizeof(*L->tasks));
    pid_t tid = (pid_t)syscall(SYS_gettid);
    for (uint32_t i = 0; i < n; i++) {
        struct loop_task *t = &L->tasks[i];
        t->L = L;
        t->id = i;
        t->rng = 0x5EED0000ull + i;
        struct probe_slot *s = probe_slot(h->board, i);
        if (s != NULL)
            atomic_store_explicit(&s->tid, tid, memory_order_relaxed);
        switch (h->work.kind) {
        case WORK_IO:
        case WORK_MIXED:
            loop__start_io(t);
            break;
        case WORK_PINGPONG:
            if ((i & 1) == 0)
                loop__ready(t);
            else
                loop__state(t, PROBE_ST_CHAN);
            break;
        case WORK_FANOUT:
            loop__state(t, PROBE_ST_CHAN);
            break;
        default:
            loop__ready(t);
            break;
        }
    }
    uv_idle_start(&L->idle, loop__idle);
    host_running(h);
    uv_run(&L->loop, UV_RUN_DEFAULT);

    uv_walk(&L->loop, loop__close, NULL);
    uv_run(&L->loop, UV_RUN_DEFAULT);
    uv_loop_close(&L->loop);
    return 0;
}

static int loop_run(struct host *h)
{
    struct loop *L = xcalloc(1, sizeof(*L));

    L->h = h;
    int rc = loop__run(L, h);
    free(L->tasks);
    free(L->table);
    work_data_free(&L->data);
    free(L);
    return rc;
}

const struct host_model host_loop = {
    .kind = PROBE_MODEL_LOOP,
    .name = "loop",
    .comm = "sw-loop",
    .run = loop_run,
    .workloads = (1u << WORK_COUNT) - 1,
};
