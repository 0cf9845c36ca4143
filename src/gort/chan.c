/*
 * chan.c — channels and select, after Go's runtime/chan.go and select.go.
 *
 * A channel is a lock, a ring buffer of cap elements, and two wait queues (senders, receivers)
 * of waiters that live on the parked goroutines' stacks. A send to a waiting receiver copies
 * straight into the receiver's destination and readies it; an unbuffered channel never
 * touches its buffer. Select locks its channels in address order, looks for a ready case in a
 * random order (fairness), and otherwise enqueues one waiter per case and parks; the first
 * channel operation to claim the goroutine (a CAS on g->select_done) wins, and the select
 * removes its other waiters once it runs again.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gort/gort_int.h"
#include "util.h"

struct chan__q {
    struct gort__waiter *head, *tail;
};

struct gort_chan {
    uint32_t lock;
    uint32_t closed;
    size_t elemsize, cap;
    size_t qcount, sendx, recvx;
    char *buf;
    struct chan__q recvq, sendq;
};

struct gort_chan *gort_chan_new(size_t elem_size, size_t cap)
{
    struct gort_chan *c = xcalloc(1, sizeof(*c));

    c->elemsize = elem_size;
    c->cap = cap;
    if (cap && elem_size)
        c->buf = xcalloc(cap, elem_size);
    return c;
}

void gort_chan_free(struct gort_chan *c)
{
    if (!c)
        return;
    free(c->buf);
    free(c);
}

size_t gort_chan_len(struct gort_chan *c)
{
    return ld_rlx(&c->qcount);
}

size_t gort_chan_cap(struct gort_chan *c)
{
    return c->cap;
}

static void chan__enqueue(struct chan__q *q, struct gort__waiter *w)
{
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
}

static void chan__remove(struct chan__q *q, struct gort__waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else if (q->head == w)
        q->head = w->next;
    else
        return; /* not queued (already dequeued by a waker) */
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->next = w->prev = NULL;
}

/* Pops the first waiter that may still be woken (a select may already have fired). */
static struct gort__waiter *chan__dequeue(struct chan__q *q)
{
    for (;;) {
        struct gort__waiter *w = q->head;
        bool f = false;
        if (!w)
            return NULL;
        q->head = w->next;
        if (q->head)
            q->head->prev = NULL;
        else
            q->tail = NULL;
        w->next = w->prev = NULL;
        if (w->is_select && !__atomic_compare_exchange_n(&w->g->select_done, &f, true, false,
                                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            continue;
        return w;
    }
}

static inline char *chan__slot(struct gort_chan *c, size_t i)
{
    return c->buf + i * c->elemsize;
}

static void chan__copy(void *dst, const void *src, size_t n)
{
    if (dst && n) {
        if (src)
            memcpy(dst, src, n);
        else
            memset(dst, 0, n);
    }
}

/* Hand-off to the woken waiter w; c->lock held, released by the caller before ready. */
static void chan__wake(struct gort__waiter *w, bool success)
{
    w->success = success;
    w->g->park_param = w;
}

/* Receive from a blocked sender w (lock held). */
static void chan__recv_from(struct gort_chan *c, struct gort__waiter *w, void *elem)
{
    if (c->cap == 0) {
        chan__copy(elem, w->elem, c->elemsize);
    } else {
        /* Buffer is full: take its head, put the sender's element at its tail. */
        chan__copy(elem, chan__slot(c, c->recvx), c->elemsize);
        chan__copy(chan__slot(c, c->recvx), w->elem, c->elemsize);
        if (++c->recvx == c->cap)
            c->recvx = 0;
        c->sendx = c->recvx;
    }
    chan__wake(w, true);
}

int gort_chan_send(struct gort_chan *c, const void *elem)
{
    struct gort__waiter *w, me;

    gort__lock(&c->lock);
    if (c->closed) {
        gort__unlock(&c->lock);
        return -EPIPE;
    }
    if ((w = chan__dequeue(&c->recvq)) != NULL) {
        chan__copy(w->elem, elem, c->elemsize);
        chan__wake(w, true);
        gort__unlock(&c->lock);
        gort__ready(w->g, true);
        return 0;
    }
    if (c->qcount < c->cap) {
        chan__copy(chan__slot(c, c->sendx), elem, c->elemsize);
        if (++c->sendx == c->cap)
            c->sendx = 0;
        st_rlx(&c->qcount, c->qcount + 1);
        gort__unlock(&c->lock);
        return 0;
    }
    memset(&me, 0, sizeof(me));
    me.g = gort__getg();
    me.elem = (void *)elem;
    me.chan = c;
    chan__enqueue(&c->sendq, &me);
    gort__park(gort__park_unlock, &c->lock, GORT_PW_CHAN_SEND);
    return me.success ? 0 : -EPIPE;
}

bool gort_chan_recv(struct gort_chan *c, void *elem)
{
    struct gort__waiter *w, me;

    gort__lock(&c->lock);
    if (c->closed && c->qcount == 0) {
        gort__unlock(&c->lock);
        chan__copy(elem, NULL, c->elemsize);
        return false;
    }
    if ((w = chan__dequeue(&c->sendq)) != NULL) {
        chan__recv_from(c, w, elem);
        gort__unlock(&c->lock);
        gort__ready(w->g, true);
        return true;
    }
    if (c->qcount > 0) {
        chan__copy(elem, chan__slot(c, c->recvx), c->elemsize);
        if (++c->recvx == c->cap)
            c->recvx = 0;
        st_rlx(&c->qcount, c->qcount - 1);
        gort__unlock(&c->lock);
        return true;
    }
    memset(&me, 0, sizeof(me));
    me.g = gort__getg();
    me.elem = elem;
    me.chan = c;
    chan__enqueue(&c->recvq, &me);
    gort__park(gort__park_unlock, &c->lock, GORT_PW_CHAN_RECV);
    return me.success;
}

int gort_chan_close(struct gort_chan *c)
{
    struct gort__waiter *w;
    struct gort_g *list = NULL;

    gort__lock(&c->lock);
    if (c->closed) {
        gort__unlock(&c->lock);
        return -EPIPE;
    }
    c->closed = 1;
    while ((w = chan__dequeue(&c->recvq)) != NULL) {
        chan__copy(w->elem, NULL, c->elemsize);
        chan__wake(w, false);
        w->g->schedlink = list;
        list = w->g;
    }
    while ((w = chan__dequeue(&c->sendq)) != NULL) {
        chan__wake(w, false);
        w->g->schedlink = list;
        list = w->g;
    }
    gort__unlock(&c->lock);
    while (list) {
        struct gort_g *g = list;
        list = g->schedlink;
        g->schedlink = NULL;
        gort__ready(g, false);
    }
    return 0;
}

/* ---- select ---- */

struct chan__sel {
    struct gort_chan **locks; /* sorted by address, may repeat */
    int n;
};

static void chan__sellock(struct chan__sel *s)
{
    for (int i = 0; i < s->n; i++)
        if (i == 0 || s->locks[i] != s->locks[i - 1])
            gort__lock(&s->locks[i]->lock);
}

static void chan__selunlock(struct chan__sel *s)
{
    /* Once the last lock is released the parked goroutine may run and reuse its stack, so
     * read what we need before each unlock and nothing after the last one. */
    int n = s->n;
    struct gort_chan **locks = s->locks;

    for (int i = n - 1; i >= 0; i--) {
        struct gort_chan *c = locks[i];
        if (i > 0 && locks[i - 1] == c)
            continue;
        gort__unlock(&c->lock);
    }
}

static bool chan__selpark_unlock(struct gort_g *g, void *arg)
{
    (void)g;
    chan__selunlock(arg);
    return true;
}

int gort_select(struct gort_select_case *cases, int n, bool has_default)
{
    int order[n > 0 ? n : 1];
    struct gort_chan *locks[n > 0 ? n : 1];
    struct gort__waiter ws[n > 0 ? n : 1];
    struct chan__sel sel = {locks, 0};
    struct gort_g *g = gort__getg();
    struct gort__waiter *won;
    int idx;

    /* Poll order: a random permutation. */
    for (int i = 0; i < n; i++) {
        int j = (int)(gort__fastrand() % (uint32_t)(i + 1));
        order[i] = order[j];
        order[j] = i;
    }
    for (int i = 0; i < n; i++) {
        struct gort_chan *c = cases[i].chan;
        int k;
        if (!c)
            continue;
        for (k = sel.n; k > 0 && (uintptr_t)locks[k - 1] > (uintptr_t)c; k--)
            locks[k] = locks[k - 1];
        locks[k] = c;
        sel.n++;
    }
    if (sel.n == 0) {
        if (has_default)
            return -1;
        gort__park(NULL, NULL, GORT_PW_FOREVER);
        abort();
    }
    chan__sellock(&sel);
    for (int k = 0; k < n; k++) {
        int i = order[k];
        struct gort_select_case *cs = &cases[i];
        struct gort_chan *c = cs->chan;
        struct gort__waiter *w;

        if (!c)
            continue;
        if (cs->dir == GORT_RECV) {
            if ((w = chan__dequeue(&c->sendq)) != NULL) {
                chan__recv_from(c, w, cs->elem);
                chan__selunlock(&sel);
                gort__ready(w->g, true);
                cs->ok = true;
                return i;
            }
            if (c->qcount > 0) {
                chan__copy(cs->elem, chan__slot(c, c->recvx), c->elemsize);
                if (++c->recvx == c->cap)
                    c->recvx = 0;
                st_rlx(&c->qcount, c->qcount - 1);
                chan__selunlock(&sel);
                cs->ok = true;
                return i;
            }
            if (c->closed) {
                chan__selunlock(&sel);
                chan__copy(cs->elem, NULL, c->elemsize);
                cs->ok = false;
                return i;
            }
        } else {
            if (c->closed) {
                chan__selunlock(&sel);
                cs->err = -EPIPE;
                return i;
            }
            if ((w = chan__dequeue(&c->recvq)) != NULL) {
                chan__copy(w->elem, cs->elem, c->elemsize);
                chan__wake(w, true);
                chan__selunlock(&sel);
                gort__ready(w->g, true);
                cs->err = 0;
                return i;
            }
            if (c->qcount < c->cap) {
                chan__copy(chan__slot(c, c->sendx), cs->elem, c->elemsize);
                if (++c->sendx == c->cap)
                    c->sendx = 0;
                st_rlx(&c->qcount, c->qcount + 1);
                chan__selunlock(&sel);
                cs->err = 0;
                return i;
            }
        }
    }
    if (has_default) {
        chan__selunlock(&sel);
        return -1;
    }
    /* Block on every case. */
    __atomic_store_n(&g->select_done, false, __ATOMIC_RELAXED);
    g->park_param = NULL;
    for (int i = 0; i < n; i++) {
        struct gort_chan *c = cases[i].chan;
        memset(&ws[i], 0, sizeof(ws[i]));
        if (!c)
            continue;
        ws[i].g = g;
        ws[i].elem = cases[i].elem;
        ws[i].chan = c;
        ws[i].is_select = true;
        ws[i].idx = i;
        chan__enqueue(cases[i].dir == GORT_RECV ? &c->recvq : &c->sendq, &ws[i]);
    }
    gort__park(chan__selpark_unlock, &sel, GORT_PW_SELECT);
    chan__sellock(&sel);
    won = g->park_param;
    for (int i = 0; i < n; i++) {
        struct gort_chan *c = cases[i].chan;
        if (c && &ws[i] != won)
            chan__remove(cases[i].dir == GORT_RECV ? &c->recvq : &c->sendq, &ws[i]);
    }
    chan__selunlock(&sel);
    idx = won->idx;
    if (cases[idx].dir == GORT_RECV)
        cases[idx].ok = won->success;
    else
        cases[idx].err = won->success ? 0 : -EPIPE;
    return idx;
}
