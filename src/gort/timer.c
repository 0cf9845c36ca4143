/*
 * timer.c — sleeping goroutines: one binary heap of (deadline, G) under one lock. The
 * earliest deadline is mirrored in gort__timer_next_when so the scheduler can test "anything
 * due?" with one load; the M blocked in the netpoller sleeps until that deadline and is woken
 * (netpoll break) when an earlier timer is added.
 */
#include "config.h"

#include <stdlib.h>

#include "gort/gort_int.h"
#include "util.h"

struct timer__ent {
    uint64_t when;
    struct gort_g *g;
};

static struct {
    uint32_t lock;
    struct timer__ent *heap;
    size_t n, cap;
} tm;

uint64_t gort__timer_next_when = UINT64_MAX;

void gort__timer_init(void)
{
    tm.heap = NULL;
    tm.n = tm.cap = 0;
    tm.lock = 0;
    __atomic_store_n(&gort__timer_next_when, UINT64_MAX, __ATOMIC_SEQ_CST);
}

void gort__timer_fini(void)
{
    free(tm.heap);
    tm.heap = NULL;
    tm.n = tm.cap = 0;
    __atomic_store_n(&gort__timer_next_when, UINT64_MAX, __ATOMIC_SEQ_CST);
}

static void timer__publish(void)
{
    __atomic_store_n(&gort__timer_next_when, tm.n ? tm.heap[0].when : UINT64_MAX,
                     __ATOMIC_SEQ_CST);
    if (gort__sched.probe)
        st_rlx(&gort__sched.probe->timers, (uint64_t)tm.n);
}

static void timer__push(uint64_t when, struct gort_g *g)
{
    size_t i;

    if (tm.n == tm.cap) {
        tm.cap = tm.cap ? tm.cap * 2 : 64;
        tm.heap = xreallocarray(tm.heap, tm.cap, sizeof(*tm.heap));
    }
    i = tm.n++;
    while (i > 0 && tm.heap[(i - 1) / 2].when > when) {
        tm.heap[i] = tm.heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    tm.heap[i].when = when;
    tm.heap[i].g = g;
}

static struct gort_g *timer__pop(void)
{
    struct gort_g *g = tm.heap[0].g;
    struct timer__ent last = tm.heap[--tm.n];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= tm.n)
            break;
        if (c + 1 < tm.n && tm.heap[c + 1].when < tm.heap[c].when)
            c++;
        if (tm.heap[c].when >= last.when)
            break;
        tm.heap[i] = tm.heap[c];
        i = c;
    }
    if (tm.n)
        tm.heap[i] = last;
    return g;
}

uint64_t gort__timer_next(void)
{
    return __atomic_load_n(&gort__timer_next_when, __ATOMIC_SEQ_CST);
}

uint64_t gort__timer_run(uint64_t now)
{
    struct gort_g *list = NULL, **tailp = &list;
    uint64_t next;

    gort__lock(&tm.lock);
    while (tm.n && tm.heap[0].when <= now) { /* in deadline order */
        struct gort_g *g = timer__pop();
        g->schedlink = NULL;
        *tailp = g;
        tailp = &g->schedlink;
    }
    timer__publish();
    next = tm.n ? tm.heap[0].when : UINT64_MAX;
    gort__unlock(&tm.lock);
    while (list) {
        struct gort_g *g = list;
        list = g->schedlink;
        g->schedlink = NULL;
        gort__ready(g, false);
    }
    return next;
}

void gort_sleep_ns(uint64_t ns)
{
    struct gort_g *g = gort__getg();
    uint64_t when;

    if (ns == 0) {
        gort_yield();
        return;
    }
    when = gort__now() + ns;
    gort__lock(&tm.lock);
    timer__push(when, g);
    timer__publish();
    /* An M may be asleep in epoll_wait until a later deadline: wake it to re-arm. */
    if (__atomic_load_n(&gort__sched.polling, __ATOMIC_SEQ_CST) &&
        gort__timer_next() == when)
        gort__netpoll_break();
    gort__park(gort__park_unlock, &tm.lock, GORT_PW_SLEEP);
}
