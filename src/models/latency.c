/*
 * latency.c — sw-latency, the server the io workloads talk to. One libuv
 * loop; every connection answers one request at a time, after the
 * configured latency, with the size the request asks for (or the default).
 * A connection costs one handle and ~200 bytes, so 10,000+ connections are
 * fine. The monitor bound the socket before starting us (--listen-fd).
 *
 * Timing. libuv timers count whole milliseconds from the loop's cached
 * clock, so an answer went out anywhere from 19 to 21 ms after a 20 ms
 * request, and with 1,000 connections the answers due in one millisecond
 * left together, a burst every client then met at once. Instead, since the
 * delay is the same for every request, the requests waiting for their answer
 * form one FIFO that is also in due order; one timerfd, armed on CLOCK_MONOTONIC
 * (uv_hrtime's clock) for the head's due time plus LATENCY_BATCH_NS, wakes
 * the loop, which answers every request then due. An answer is never early
 * and late by at most the batch window and the wake-up.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>
/* sys/param.h (through uv.h) defines MIN/MAX too; util.h's win. */
#undef MIN
#undef MAX

#include "models/host.h"
#include "util.h"

/* Answers due within this window of the first are sent in the same wake-up:
 * at 50,000 requests a second, ~2 per wake instead of 1, for 25 us of lateness. */
#define LATENCY_BATCH_NS 25000u

struct latency_conn;

struct latency_srv {
    struct host *h;
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_poll_t ctl;
    uv_poll_t due_poll;             /* watches tfd */
    int tfd;                        /* timerfd, armed for head->due + LATENCY_BATCH_NS */
    struct latency_conn *head, *tail;   /* waiting for their answer, oldest first */
    unsigned char *filler;          /* WORK_RESP_MAX bytes the bodies are written from */
    uint64_t delay_ns;
    uint32_t resp_default;
    uint64_t nconn;
};

struct latency_conn {
    uv_tcp_t tcp;
    uv_write_t wr;
    struct latency_srv *srv;
    struct latency_conn *prev, *next;   /* in srv's FIFO while queued */
    uint64_t due;                   /* uv_hrtime() to answer at */
    bool queued;
    union {
        struct work_req req;
        unsigned char raw[2 * sizeof(struct work_req)];
    } in;                           /* room for more than one request: a full buffer
                                       makes libuv read again, just to get EAGAIN */
    size_t got;                     /* bytes of in.req received */
    bool pending;                   /* a request is waiting for its answer */
    struct work_resp hdr;
};

static void latency__closed(uv_handle_t *hd)
{
    free(hd->data);
}

static void latency__arm(struct latency_srv *srv)
{
    struct itimerspec it = { 0 };

    if (srv->head != NULL) {
        uint64_t at = srv->head->due + LATENCY_BATCH_NS;
        it.it_value.tv_sec = (time_t)(at / 1000000000u);
        it.it_value.tv_nsec = (long)(at % 1000000000u);
    }
    /* Cannot fail with a valid fd and value; were it to, the next request
     * re-arms, and nothing here would be better than carrying on. */
    (void)timerfd_settime(srv->tfd, TFD_TIMER_ABSTIME, &it, NULL);
}

static void latency__enqueue(struct latency_conn *c)
{
    struct latency_srv *srv = c->srv;

    c->due = uv_hrtime() + srv->delay_ns;
    c->next = NULL;
    c->prev = srv->tail;
    if (srv->tail != NULL)
        srv->tail->next = c;
    else
        srv->head = c;
    srv->tail = c;
    c->queued = true;
    if (srv->head == c)
        latency__arm(srv);
}

static void latency__unqueue(struct latency_conn *c)
{
    struct latency_srv *srv = c->srv;

    if (!c->queued)
        return;
    *(c->prev != NULL ? &c->prev->next : &srv->head) = c->next;
    *(c->next != NULL ? &c->next->prev : &srv->tail) = c->prev;
    c->queued = false;
}

static void latency__drop(struct latency_conn *c)
{
    if (uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    latency__unqueue(c);
    c->srv->nconn--;
    atomic_store_explicit(&c->srv->h->board->ntasks, (uint32_t)c->srv->nconn,
                          memory_order_relaxed);
    uv_close((uv_handle_t *)&c->tcp, latency__closed);
}

static void latency__alloc(uv_handle_t *hd, size_t hint, uv_buf_t *buf)
{
    struct latency_conn *c = hd->data;

    buf->base = (char *)c->in.raw + c->got;
    buf->len = sizeof(c->in.raw) - c->got;
}

static void latency__written(uv_write_t *wr, int status);

static void latency__answer(struct latency_conn *c)
{
    uv_buf_t bufs[2] = {
        uv_buf_init((char *)&c->hdr, sizeof(c->hdr)),
        uv_buf_init((char *)c->srv->filler, (unsigned)(c->hdr.size - sizeof(c->hdr))),
    };

    /* Counted before the bytes go out: whoever has the answer sees it counted. */
    probe_add(&c->srv->h->board->units, 1);
    probe_add(&c->srv->h->board->bytes, c->hdr.size);
    if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, bufs, 2, latency__written) < 0)
        latency__drop(c);
}

static void latency__due(uv_poll_t *p, int status, int events)
{
    struct latency_srv *srv = p->data;
    uint64_t expirations;

    if (read(srv->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
        return;
    uint64_t now = uv_hrtime();
    while (srv->head != NULL && srv->head->due <= now) {
        struct latency_conn *c = srv->head;

        latency__unqueue(c);
        latency__answer(c);
    }
    latency__arm(srv);
}

static void latency__read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct latency_conn *c = s->data;

    if (n < 0) {
        latency__drop(c);
        return;
    }
    if (n == 0)
        return;
    if (c->pending) {               /* pipelining is not part of the protocol */
        probe_add(&c->srv->h->board->errors, 1);
        latency__drop(c);
        return;
    }
    c->got += (size_t)n;
    if (c->got < sizeof(c->in.req))
        return;
    if (c->got > sizeof(c->in.req)) {       /* a second request before the answer */
        probe_add(&c->srv->h->board->errors, 1);
        latency__drop(c);
        return;
    }
    c->got = 0;
    c->pending = true;
    if (c->in.req.magic != WORK_REQ_MAGIC) {
        probe_add(&c->srv->h->board->errors, 1);
        latency__drop(c);
        return;
    }
    /* One request at a time; reading stays on (no epoll_ctl per request). */
    uint32_t size = c->in.req.resp_size ? c->in.req.resp_size : c->srv->resp_default;
    c->hdr.tag = c->in.req.tag;
    c->hdr.size = CLAMP(size, (uint32_t)sizeof(c->hdr), WORK_RESP_MAX);
    latency__enqueue(c);
}

static void latency__written(uv_write_t *wr, int status)
{
    struct latency_conn *c = wr->data;

    if (status < 0) {
        latency__drop(c);
        return;
    }
    c->pending = false;
}

static void latency__accept(uv_stream_t *l, int status)
{
    struct latency_srv *srv = l->data;

    if (status < 0)
        return;
    struct latency_conn *c = xcalloc(1, sizeof(*c));
    c->srv = srv;
    c->tcp.data = c->wr.data = c;
    uv_tcp_init(&srv->loop, &c->tcp);
    if (uv_accept(l, (uv_stream_t *)&c->tcp) < 0) {
        /* EMFILE and friends: the listener retries on the next event. */
        probe_add(&srv->h->board->errors, 1);
        srv->nconn++;
        latency__drop(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    srv->nconn++;
    atomic_store_explicit(&srv->h->board->ntasks, (uint32_t)srv->nconn, memory_order_relaxed);
    if (uv_read_start((uv_stream_t *)&c->tcp, latency__alloc, latency__read) < 0)
        latency__drop(c);
}

static void latency__walk_close(uv_handle_t *hd, void *arg)
{
    if (!uv_is_closing(hd))
        uv_close(hd, hd->data != NULL ? latency__closed : NULL);
}

static void latency__ctl(uv_poll_t *p, int status, int events)
{
    struct latency_srv *srv = p->data;

    switch (host_ctl(srv->h)) {
    case HOST_CTL_EXIT:
        uv_stop(&srv->loop);
        break;
    case HOST_CTL_REEXEC:
        host_reexec(srv->h);
        uv_stop(&srv->loop);
        break;
    default:
        break;
    }
}

static int latency_run(struct host *h)
{
    struct latency_srv srv = { .h = h };
    int rc;

    srv.delay_ns = h->latency_ns ? h->latency_ns : WORK_LATENCY_DEFAULT_NS;
    srv.resp_default = h->work.resp_size ? h->work.resp_size : WORK_RESP_DEFAULT;
    srv.filler = mmap(NULL, WORK_RESP_MAX, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (srv.filler == MAP_FAILED)
        return host_fail(h, "no memory for the response buffer");
    uint64_t seed = 42;
    for (size_t i = 0; i < (64u << 10); i += 8) {
        uint64_t r = work_rand(&seed);
        memcpy(srv.filler + i, &r, 8);
    }
    probe_begin(h->board, h->work.kind, 0, 0, 0);
    if ((rc = uv_loop_init(&srv.loop)) < 0)
        return host_fail(h, "uv_loop_init: %s", uv_strerror(rc));
    uv_tcp_init(&srv.loop, &srv.listener);
    srv.listener.data = &srv;
    if ((rc = uv_tcp_open(&srv.listener, h->listen_fd)) < 0 ||
        (rc = uv_listen((uv_stream_t *)&srv.listener, SOMAXCONN, latency__accept)) < 0)
        return host_fail(h, "listen: %s", uv_strerror(rc));
    /* uv_hrtime() reads CLOCK_MONOTONIC: the timer's clock must be the same. */
    srv.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (srv.tfd < 0)
        return host_fail(h, "timerfd_create: %s", strerror(errno));
    uv_poll_init(&srv.loop, &srv.due_poll, srv.tfd);
    srv.due_poll.data = &srv;
    uv_poll_start(&srv.due_poll, UV_READABLE, latency__due);
    uv_poll_init(&srv.loop, &srv.ctl, h->ctl_fd);
    srv.ctl.data = &srv;
    uv_poll_start(&srv.ctl, UV_READABLE | UV_DISCONNECT, latency__ctl);
    probe_set_status(h->board, PROBE_STATUS_RUNNING, "latency %.3f ms, %u-byte responses",
                     (double)srv.delay_ns / 1e6, srv.resp_default);
    uv_run(&srv.loop, UV_RUN_DEFAULT);
    /* Close every handle so uv_loop_close() can succeed. */
    srv.listener.data = NULL;
    srv.ctl.data = NULL;
    srv.due_poll.data = NULL;
    uv_walk(&srv.loop, latency__walk_close, NULL);
    uv_run(&srv.loop, UV_RUN_DEFAULT);
    uv_loop_close(&srv.loop);
    close(srv.tfd);
    munmap(srv.filler, WORK_RESP_MAX);
    return 0;
}

const struct host_model host_latency = {
    .kind = PROBE_MODEL_LATENCY,
    .name = "latency",
    .comm = "sw-latency",
    .run = latency_run,
    .workloads = (1u << WORK_COUNT) - 1,
};
