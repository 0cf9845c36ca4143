/*
 * sync.c — a mutex and a wait group that park goroutines, never threads. Both keep their
 * waiters (on the waiters' stacks) in FIFO order under a small futex lock; the mutex hands
 * ownership straight to the first waiter on unlock, so it is fair and a woken goroutine never
 * has to compete again (Go's starvation mode, always on: simpler, and fine at our scale).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "gort/gort_int.h"

static void sync__push(void **head, void **tail, struct gort__waiter *w)
{
    struct gort__waiter *t = *tail;

    w->next = NULL;
    w->prev = t;
    if (t)
        t->next = w;
    else
        *head = w;
    *tail = w;
}

static struct gort__waiter *sync__pop(void **head, void **tail)
{
    struct gort__waiter *w = *head;

    if (w) {
        *head = w->next;
        if (!w->next)
            *tail = NULL;
    }
    return w;
}

void gort_mutex_lock(struct gort_mutex *mu)
{
    struct gort__waiter me = {0};

    gort__lock(&mu->lock);
    if (!mu->locked) {
        mu->locked = 1;
        gort__unlock(&mu->lock);
        return;
    }
    me.g = gort__getg();
    sync__push(&mu->head, &mu->tail, &me);
    gort__park(gort__park_unlock, &mu->lock, GORT_PW_MUTEX);
    /* Woken by unlock: we own the mutex now. */
}

bool gort_mutex_trylock(struct gort_mutex *mu)
{
    bool ok = false;

    gort__lock(&mu->lock);
    if (!mu->locked) {
        mu->locked = 1;
        ok = true;
    }
    gort__unlock(&mu->lock);
    return ok;
}

void gort_mutex_unlock(struct gort_mutex *mu)
{
    struct gort__waiter *w;

    gort__lock(&mu->lock);
    if (!mu->locked) {
        fprintf(stderr, "gort: unlock of unlocked mutex\n");
        abort();
    }
    w = sync__pop(&mu->head, &mu->tail);
    if (!w)
        mu->locked = 0;
    gort__unlock(&mu->lock);
    if (w)
        gort__ready(w->g, false);
}

void gort_wg_add(struct gort_waitgroup *wg, int64_t delta)
{
    struct gort__waiter *w;
    struct gort_g *list = NULL;

    gort__lock(&wg->lock);
    wg->count += delta;
    if (wg->count < 0) {
        fprintf(stderr, "gort: negative wait group counter\n");
        abort();
    }
    if (wg->count == 0) {
        while ((w = sync__pop(&wg->head, &wg->tail)) != NULL) {
            w->g->schedlink = list;
            list = w->g;
        }
    }
    gort__unlock(&wg->lock);
    while (list) {
        struct gort_g *g = list;
        list = g->schedlink;
        g->schedlink = NULL;
        gort__ready(g, false);
    }
}

void gort_wg_done(struct gort_waitgroup *wg)
{
    gort_wg_add(wg, -1);
}

void gort_wg_wait(struct gort_waitgroup *wg)
{
    struct gort__waiter me = {0};

    gort__lock(&wg->lock);
    if (wg->count == 0) {
        gort__unlock(&wg->lock);
        return;
    }
    me.g = gort__getg();
    sync__push(&wg->head, &wg->tail, &me);
    gort__park(gort__park_unlock, &wg->lock, GORT_PW_WAITGROUP);
}
