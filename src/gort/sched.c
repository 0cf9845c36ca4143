/*
 * sched.c — the goroutine scheduler: G, M and P, after Go's runtime/proc.go.
 *
 * Glossary
 *   G   a goroutine: a function, its stack, and the saved registers while it does not run.
 *       The G struct lives at the top of its own stack (stack.c).
 *   M   an OS thread ("machine"). It runs goroutines only while it holds a P. Its own thread
 *       stack is "g0": the scheduler loop runs there, and goroutines switch to g0 to park.
 *   P   a processor: the right to run goroutines, plus a local run queue (a ring of 256) and a
 *       runnext slot. There are GOMAXPROCS Ps; an idle P sits on the idle list.
 *   spinning M   an M holding a P and looking for work to steal; at most half the busy Ps
 *       worth of Ms spin at once, and a readied G wakes a spinning M only if none spins.
 *       If no P is idle to wake, it sets needspinning and the next M to give up its P
 *       spins instead (Go 1.21; Go 1.19 can leave a P idle beside a full queue).
 *   sysmon   a thread without a P: retakes Ps from Ms stuck in system calls, flags goroutines
 *       that have run 10 ms for preemption, polls the network if no one did for 10 ms, and
 *       scrubs pooled stacks.
 *   park / ready   a G parks by switching to g0, which marks it WAITING and then runs an
 *       "unlock function" (usually releasing the lock of the wait queue the G was put on);
 *       whoever takes it off that queue later calls gort__ready, which makes it RUNNABLE and
 *       queues it (on the readier's P's runnext, as Go does, so a channel hand-off runs the
 *       receiver next on the same core).
 *
 * Invariants
 *   - Every G state change goes through sched__setg2 (gort__casgstatus outside this file),
 *     which checks the old state and the transition against the table below and aborts on an
 *     impossible one. It also keeps the probe board's per-state counts. Exactly one party may
 *     change a G's state at a time (the one that took it off a queue, won a netpoll slot's
 *     CAS or a select's select_done), so a checked load and store suffice; no CAS.
 *   - A G's registers are saved before anyone can see it on a queue: a parking G's wait
 *     queue lock is released on g0, after the switch (the unlock function); a yielding G that
 *     hands its M straight to the next G is queued by that next G once it runs
 *     (sched__resumed). So no other thread ever resumes a half-saved G.
 *   - Only the M holding a P pushes to that P's local queue; anyone may pop or steal (Go's
 *     lock-free ring: head advanced by CAS, tail stored by the owner with release).
 *   - A P on the idle list has an empty local queue. Ps with id >= GOMAXPROCS are DEAD; a P
 *     cut off while running drains its queue to the global queue at its M's next schedule.
 *   - Lock order: sched.lock, then stack pool lock; channel locks are taken in address order
 *     and never while holding sched.lock.
 *   - An M without a P runs no goroutine code; it is parked on its note, blocked in the
 *     netpoller (at most one M at a time), or in a system call.
 *
 * Where we differ from Go, and why
 *   - Stacks are fixed (GORT_STACK_SIZE of virtual memory, only touched pages resident), not
 *     growable: C frames hold raw pointers into the stack, so stacks cannot be moved.
 *   - Preemption is cooperative only (flag + gort_preempt_point), Go's design before 1.14:
 *     signal-based preemption of arbitrary C code could stop a goroutine holding a libc lock.
 *   - One global timer heap, not per-P heaps: sleeping is all our workloads need, and one
 *     heap keeps the poller's deadline a single number.
 *   - The current G is found from the stack pointer, not TLS: a goroutine migrates between
 *     threads and C compilers cache TLS addresses across calls.
 *   - Go's Gosched goes through g0 and puts the G on the global queue; our gort_yield hands
 *     the M directly to the next G of the local queue (one context switch instead of two) and
 *     puts the yielder at the local tail; fairness with the global queue still comes from the
 *     1-in-61 check, which sends a yield through g0. Preempted goroutines go to the global
 *     queue, as in Go.
 *   - The core a G runs on is read from the thread's rseq area at every switch (Go does not
 *     record it; schedwatch shows it).
 *   - gort_spawn yields when more than SCHED_SPAWN_BACKLOG goroutines wait in the global
 *     queue (Go never does): a goroutine not yet started already holds its stack page, so a
 *     loop spawning a million goroutines would otherwise touch a fresh page for most of them.
 *   - The global run queue and the stack pools are arrays of pointers, not lists linked
 *     through the Gs as in Go: our G sits at the top of its own 64 KiB stack, so each G is on
 *     its own page and walking a list under a lock would be a TLB miss per goroutine.
 *   - GOMAXPROCS changes without stopping the world: new Ps join the idle list, removed ones
 *     retire at their next schedule (we have no GC that needs a stopped world).
 *   - When the main goroutine returns, gort_main returns to its caller (after every M has
 *     reached the scheduler) instead of exiting the process, so that gort_fini can free it all.
 *   - Deadlock detection is Go's checkdead reduced: the last M to go idle with no timers,
 *     netpoll waiters or runnable goroutines aborts with "all goroutines are asleep".
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define SCHED_HAVE_VALGRIND 1
#endif
#endif
#ifdef SW_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#if defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define SCHED_HAVE_RSEQ 1
#endif
#endif

#include "gort/gort_int.h"
#include "util.h"

#define SCHED_MAX_M 10000
#define SCHED_SPAWN_BACKLOG 4096 /* global queue length past which gort_spawn yields */
/* On the switch path: inlined even where the compiler would rather not. */
#define SCHED_HOT static inline __attribute__((always_inline))

struct gort_sched gort__sched;
static __thread struct gort_m *sched__tls_m;
static __thread struct gort_probe_m *sched__tls_row;
static struct gort_probe_m sched__spare_row; /* Ms beyond the board's rows, foreign threads */
static bool sched__inited;

static const char *const sched__gstate_name[] = {
    "idle", "runnable", "running", "waiting", "syscall", "dead",
};

/* sched__ok[from][to] */
static const bool sched__ok[6][6] = {
    [GS_IDLE] = {[GS_RUNNABLE] = true},
    [GS_RUNNABLE] = {[GS_RUNNING] = true},
    [GS_RUNNING] = {[GS_RUNNABLE] = true, [GS_WAITING] = true, [GS_SYSCALL] = true,
                    [GS_DEAD] = true},
    [GS_WAITING] = {[GS_RUNNABLE] = true},
    [GS_SYSCALL] = {[GS_RUNNING] = true, [GS_RUNNABLE] = true},
    [GS_DEAD] = {[GS_RUNNABLE] = true},
};

uint64_t gort__now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool gort__on_gstack(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

    return sp - gort__sched.arena_lo < gort__sched.arena_hi - gort__sched.arena_lo;
}

struct gort_m *gort__curm(void)
{
    if (gort__on_gstack())
        return gort__getg()->m;
    return sched__tls_m;
}

static struct gort_probe_m *sched__row(void)
{
    struct gort_m *m = gort__curm();

    if (m)
        return m->probe;
    return sched__tls_row ? sched__tls_row : &sched__spare_row;
}

static inline void sched__inc(uint64_t *c, uint64_t v)
{
    st_rlx(c, ld_rlx(c) + v);
}

static inline void sched__add(int64_t *c, int64_t v)
{
    st_rlx(c, ld_rlx(c) + v);
}

uint32_t gort__fastrand(void)
{
    struct gort_m *m = gort__curm();
    uint32_t x;

    if (!m)
        return (uint32_t)gort__now();
    x = m->fastrand;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    m->fastrand = x;
    return x;
}

bool gort__transition_ok(uint32_t from, uint32_t to)
{
    return from < 6 && to < 6 && sched__ok[from][to];
}

static __attribute__((noinline, cold, __noreturn__)) void sched__badstatus(struct gort_g *g,
                                                                       uint32_t from,
                                                                       uint32_t to)
{
    uint32_t now = ld_rlx(&g->state);

    fprintf(stderr, "gort: impossible goroutine state change %s -> %s (goroutine %llu is %s)\n",
            from < 6 ? sched__gstate_name[from] : "?", to < 6 ? sched__gstate_name[to] : "?",
            (unsigned long long)ld_rlx(&g->id), now < 6 ? sched__gstate_name[now] : "?");
    abort();
}

/*
 * The one place a G's state changes. The park/ready protocol gives one party at a time the
 * right to change a G's state (a wait queue's lock, a netpoll slot's CAS, a select's
 * select_done), so a checked load and a store do; a CAS would cost two locked instructions
 * per switch for nothing. row is the probe row of the M (or thread) making the change.
 */
static inline void sched__setg2(struct gort_probe_m *row, struct gort_g *g, uint32_t from,
                                uint32_t to, bool count)
{
    if (ld_acq(&g->state) != from || !gort__transition_ok(from, to))
        sched__badstatus(g, from, to);
    st_rel(&g->state, to);
    if (!gort__sched.probe)
        return;
    if (count) {
        sched__add(&row->gstate[from], -1);
        sched__add(&row->gstate[to], 1);
    }
    if (from == GS_WAITING)
        sched__add(&row->wait[g->wait_reason], -1);
    if (to == GS_WAITING)
        sched__add(&row->wait[g->wait_reason], 1);
    if (g->slot >= 0) {
        struct gort_probe_g *s = &((struct gort_probe_g *)((char *)gort__sched.board +
                                                          gort__sched.probe->g_off))[g->slot];
        st_rlx(&s->wait_reason, to == GS_WAITING ? g->wait_reason : 0);
        st_rlx(&s->state, to);
    }
}

static inline void sched__setg(struct gort_probe_m *row, struct gort_g *g, uint32_t from,
                               uint32_t to)
{
    sched__setg2(row, g, from, to, true);
}

void gort__casgstatus(struct gort_g *g, uint32_t from, uint32_t to)
{
    sched__setg(gort__sched.probe ? sched__row() : &sched__spare_row, g, from, to);
}

static struct gort_probe_g *sched__slot(struct gort_g *g)
{
    if (g->slot < 0 || !gort__sched.probe)
        return NULL;
    return &((struct gort_probe_g *)((char *)gort__sched.board +
                                     gort__sched.probe->g_off))[g->slot];
}

/* ---- run queues (Go's runqput / runqget / runqgrab / runqsteal) ---- */

static bool sched__runqempty(struct gort_p *p)
{
    for (;;) {
        uint32_t head = ld_acq(&p->runqhead);
        uint32_t tail = ld_acq(&p->runqtail);
        struct gort_g *next = ld_acq(&p->runnext);
        if (tail == ld_acq(&p->runqtail))
            return head == tail && next == NULL;
    }
}

static inline void sched__probe_runq(struct gort_p *p)
{
    if (p->probe) {
        uint32_t n = ld_rlx(&p->runqtail) - ld_rlx(&p->runqhead);
        struct gort_g *next = ld_rlx(&p->runnext);
        st_rlx(&p->probe->runq_len, n > GORT_RUNQ ? GORT_RUNQ : n);
        st_rlx(&p->probe->runnext, next ? ld_rlx(&next->id) : 0);
    }
}

static void sched__globrunqput_array(struct gort_g **gs, uint32_t n);

/* Moves half the local queue plus g to the global queue; false if the queue changed. */
static bool sched__runqputslow(struct gort_p *p, struct gort_g *g, uint32_t head, uint32_t tail)
{
    struct gort_g *batch[GORT_RUNQ / 2 + 1];
    uint32_t n = (tail - head) / 2;

    for (uint32_t i = 0; i < n; i++)
        batch[i] = ld_rlx(&p->runq[(head + i) % GORT_RUNQ]);
    if (!__atomic_compare_exchange_n(&p->runqhead, &head, head + n, false, __ATOMIC_RELEASE,
                                     __ATOMIC_RELAXED))
        return false;
    batch[n] = g;
    gort__lock(&gort__sched.lock);
    sched__globrunqput_array(batch, n + 1);
    gort__unlock(&gort__sched.lock);
    return true;
}

SCHED_HOT void sched__runqput(struct gort_p *p, struct gort_g *g, bool next)
{
    if (next) {
        struct gort_g *old = xchg(&p->runnext, g);
        if (!old) {
            sched__probe_runq(p);
            return;
        }
        g = old; /* kick the old runnext to the tail */
    }
    for (;;) {
        uint32_t head = ld_acq(&p->runqhead);
        uint32_t tail = p->runqtail;
        if (tail - head < GORT_RUNQ) {
            st_rlx(&p->runq[tail % GORT_RUNQ], g);
            st_rel(&p->runqtail, tail + 1);
            sched__probe_runq(p);
            return;
        }
        if (sched__runqputslow(p, g, head, tail)) {
            sched__probe_runq(p);
            return;
        }
    }
}

SCHED_HOT struct gort_g *sched__runqget(struct gort_p *p, bool *inherit)
{
    struct gort_g *next = ld_rlx(&p->runnext);

    /* (The probe's queue length is refreshed by the next runqput or steal, not here: this
     * is on every switch.) */
    if (next && __atomic_compare_exchange_n(&p->runnext, &next, NULL, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_RELAXED)) {
        *inherit = true;
        return next;
    }
    for (;;) {
        uint32_t head = ld_acq(&p->runqhead);
        uint32_t tail = p->runqtail;
        struct gort_g *g;
        if (tail == head)
            return NULL;
        g = ld_rlx(&p->runq[head % GORT_RUNQ]);
        if (__atomic_compare_exchange_n(&p->runqhead, &head, head + 1, false, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED)) {
            *inherit = false;
            return g;
        }
    }
}

/* Grabs half of p's queue into batch[batchhead...]; returns how many. */
static uint32_t sched__runqgrab(struct gort_p *p, struct gort_g **batch, uint32_t batchhead,
                                bool steal_next)
{
    for (;;) {
        uint32_t head = ld_acq(&p->runqhead);
        uint32_t tail = ld_acq(&p->runqtail);
        uint32_t n = tail - head;
        n = n - n / 2;
        if (n == 0) {
            struct gort_g *next;
            if (!steal_next)
                return 0;
            next = ld_acq(&p->runnext);
            if (!next)
                return 0;
            /* Let a running P schedule its own runnext first (it is probably about to). */
            if (ld_rlx(&p->status) == GORT_PP_RUNNING) {
                usleep(3);
                if (ld_acq(&p->runnext) != next)
                    continue;
            }
            if (!__atomic_compare_exchange_n(&p->runnext, &next, NULL, false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_RELAXED))
                continue;
            st_rlx(&batch[batchhead % GORT_RUNQ], next);
            return 1;
        }
        if (n > GORT_RUNQ / 2) /* read an inconsistent head and tail */
            continue;
        for (uint32_t i = 0; i < n; i++)
            st_rlx(&batch[(batchhead + i) % GORT_RUNQ], ld_rlx(&p->runq[(head + i) % GORT_RUNQ]));
        if (__atomic_compare_exchange_n(&p->runqhead, &head, head + n, false, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED))
            return n;
    }
}

static struct gort_g *sched__runqsteal(struct gort_p *p, struct gort_p *victim, bool steal_next)
{
    uint32_t tail = p->runqtail;
    uint32_t n = sched__runqgrab(victim, p->runq, tail, steal_next);
    struct gort_g *g;

    if (n == 0)
        return NULL;
    if (victim->probe)
        sched__inc(&victim->probe->steals_suffered, 1);
    if (p->probe) {
        sched__inc(&p->probe->steals_made, 1);
        sched__inc(&p->probe->gs_stolen, n);
    }
    sched__inc(&sched__row()->steals, n);
    sched__probe_runq(victim);
    n--;
    g = ld_rlx(&p->runq[(tail + n) % GORT_RUNQ]);
    if (n == 0)
        return g;
    st_rel(&p->runqtail, tail + n);
    sched__probe_runq(p);
    return g;
}

/* ---- global run queue (sched.lock held) ---- */

static void sched__globrunq_probe(void)
{
    if (gort__sched.probe)
        st_rlx(&gort__sched.probe->globrunq, gort__sched.runq_size);
}

static void sched__globrunq_grow(uint64_t need)
{
    uint64_t cap = gort__sched.runq_cap ? gort__sched.runq_cap : 256;
    struct gort_g **q;

    while (cap < need)
        cap *= 2;
    if (cap == gort__sched.runq_cap)
        return;
    q = xreallocarray(NULL, cap, sizeof(*q));
    for (uint64_t i = 0; i < gort__sched.runq_size; i++)
        q[i] = gort__sched.runq[(gort__sched.runq_head + i) & (gort__sched.runq_cap - 1)];
    free(gort__sched.runq);
    gort__sched.runq = q;
    gort__sched.runq_cap = cap;
    gort__sched.runq_head = 0;
}

static void sched__globrunqput_array(struct gort_g **gs, uint32_t n)
{
    uint64_t size = gort__sched.runq_size;

    if (size + n > gort__sched.runq_cap)
        sched__globrunq_grow(size + n);
    for (uint32_t i = 0; i < n; i++)
        gort__sched.runq[(gort__sched.runq_head + size + i) & (gort__sched.runq_cap - 1)] = gs[i];
    st_rlx(&gort__sched.runq_size, size + n);
    sched__globrunq_probe();
}

static void sched__globrunqput(struct gort_g *g)
{
    sched__globrunqput_array(&g, 1);
}

/* A schedlink-linked list (of Gs that are hot anyway: just readied). */
static void sched__globrunqput_list(struct gort_g *g)
{
    while (g) {
        struct gort_g *next = g->schedlink;
        g->schedlink = NULL;
        sched__globrunqput(g);
        g = next;
    }
}

static struct gort_g *sched__globrunqget(struct gort_p *p, uint64_t max)
{
    uint64_t n, procs = ld_rlx(&gort__sched.gomaxprocs), mask = gort__sched.runq_cap - 1;
    struct gort_g *g;

    if (gort__sched.runq_size == 0)
        return NULL;
    n = gort__sched.runq_size / procs + 1;
    if (n > gort__sched.runq_size)
        n = gort__sched.runq_size;
    if (max > 0 && n > max)
        n = max;
    if (n > GORT_RUNQ / 2)
        n = GORT_RUNQ / 2;
    st_rlx(&gort__sched.runq_size, gort__sched.runq_size - n);
    g = gort__sched.runq[gort__sched.runq_head];
    gort__sched.runq_head = (gort__sched.runq_head + 1) & mask;
    for (uint64_t i = 1; i < n; i++) {
        sched__runqput(p, gort__sched.runq[gort__sched.runq_head], false);
        gort__sched.runq_head = (gort__sched.runq_head + 1) & mask;
    }
    sched__globrunq_probe();
    return g;
}

/* ---- Ps and Ms ---- */

static void sched__probe_m(struct gort_m *m, uint32_t state)
{
    st_rlx(&m->probe->state, state);
    st_rlx(&m->probe->p, m->p ? m->p->id : -1);
}

static void sched__probe_p(struct gort_p *p)
{
    struct gort_m *m = ld_rlx(&p->m);

    if (p->probe) {
        st_rlx(&p->probe->status, ld_rlx(&p->status));
        st_rlx(&p->probe->m, m ? m->id : -1);
    }
}

static void sched__probe_counts(void)
{
    if (gort__sched.probe) {
        st_rlx(&gort__sched.probe->npidle, (uint64_t)ld_rlx(&gort__sched.npidle));
        st_rlx(&gort__sched.probe->nmspinning, (uint64_t)ld_rlx(&gort__sched.nmspinning));
    }
}

/* Drains a P leaving service (id >= GOMAXPROCS) to the global queue. sched.lock held. */
static void sched__pretire(struct gort_p *p)
{
    struct gort_g *g;
    bool inherit;

    while ((g = sched__runqget(p, &inherit)) != NULL)
        sched__globrunqput(g);
    gort__stack_drain_cache(p);
    st_rel(&p->status, GORT_PP_DEAD);
    st_rlx(&p->m, NULL);
    sched__probe_p(p);
}

/* sched.lock held. */
static void sched__pidleput(struct gort_p *p)
{
    if ((uint32_t)p->id >= ld_rlx(&gort__sched.gomaxprocs)) {
        sched__pretire(p);
        return;
    }
    st_rel(&p->status, GORT_PP_IDLE);
    st_rlx(&p->m, NULL);
    p->link = gort__sched.pidle;
    gort__sched.pidle = p;
    /* seq_cst: findrunnable then looks at needspinning, which wakep sets before looking
     * at npidle (sched__wakep). */
    __atomic_store_n(&gort__sched.npidle, gort__sched.npidle + 1, __ATOMIC_SEQ_CST);
    sched__probe_p(p);
    sched__probe_counts();
}

/* sched.lock held. */
static struct gort_p *sched__pidleget(void)
{
    struct gort_p *p = gort__sched.pidle;

    if (p) {
        gort__sched.pidle = p->link;
        st_rlx(&gort__sched.npidle, gort__sched.npidle - 1);
        sched__probe_counts();
    }
    return p;
}

static void sched__acquirep(struct gort_m *m, struct gort_p *p)
{
    m->p = p;
    st_rlx(&p->m, m);
    st_rel(&p->status, GORT_PP_RUNNING);
    sched__probe_p(p);
    sched__probe_m(m, m->spinning ? GORT_PM_SPINNING : GORT_PM_RUNNING);
}

static struct gort_p *sched__releasep(struct gort_m *m)
{
    struct gort_p *p = m->p;

    m->p = NULL;
    st_rlx(&p->m, NULL);
    return p;
}

static void *sched__mstart(void *arg);

/* Makes an M and puts it on allm; sched.lock held. */
static struct gort_m *sched__allocm(void)
{
    struct gort_m *m = xcalloc(1, sizeof(*m));

    m->id = gort__sched.mcount++;
    m->alllink = gort__sched.allm;
    gort__sched.allm = m;
    if (m->id >= SCHED_MAX_M) {
        fprintf(stderr, "gort: more than %d threads\n", SCHED_MAX_M);
        abort();
    }
    m->fastrand = (uint32_t)(0x9e3779b9u * (uint32_t)(m->id + 1)) | 1u;
    if (gort__sched.probe && m->id < GORT_PROBE_MAX_M - 1) {
        m->probe = (struct gort_probe_m *)((char *)gort__sched.board +
                                           gort__sched.probe->m_off) + m->id;
        st_rlx(&gort__sched.probe->nm, (uint32_t)m->id + 1);
    } else {
        m->probe = &sched__spare_row;
    }
    st_rlx(&m->probe->cpu, -1);
    return m;
}

/* Starts a thread to run p. The thread is created under sched.lock so that gort_main's
 * joining (which takes the lock to see every M with a thread) cannot miss it. */
static void sched__newm(struct gort_p *p, bool spinning)
{
    struct gort_m *m;
    pthread_attr_t attr;
    int err;

    gort__lock(&gort__sched.lock);
    if (ld_rlx(&gort__sched.exiting)) {
        sched__pidleput(p);
        gort__unlock(&gort__sched.lock);
        if (spinning)
            xadd(&gort__sched.nmspinning, (uint32_t)-1);
        return;
    }
    m = sched__allocm();
    m->nextp = p;
    m->spinning = spinning;
    pthread_attr_init(&attr);
    /* The scheduler and system calls only: g0 needs little. */
    pthread_attr_setstacksize(&attr, 256 * 1024);
    err = pthread_create(&m->thread, &attr, sched__mstart, m);
    pthread_attr_destroy(&attr);
    if (err) {
        fprintf(stderr, "gort: pthread_create: %s\n", strerror(err));
        abort();
    }
    m->has_thread = true;
    gort__unlock(&gort__sched.lock);
}

/* Starts an M to run p (or an idle P if p is NULL). */
static void sched__startm(struct gort_p *p, bool spinning)
{
    struct gort_m *m;

    gort__lock(&gort__sched.lock);
    if (!p) {
        p = sched__pidleget();
        if (!p) {
            gort__unlock(&gort__sched.lock);
            if (spinning) {
                __atomic_store_n(&gort__sched.needspinning, 1, __ATOMIC_SEQ_CST);
                xadd(&gort__sched.nmspinning, (uint32_t)-1);
            }
            return;
        }
        if (spinning && ld_rlx(&gort__sched.needspinning))
            st_rlx(&gort__sched.needspinning, 0);   /* this M is the spinner asked for */
    }
    if (ld_rlx(&gort__sched.exiting)) {
        sched__pidleput(p);
        gort__unlock(&gort__sched.lock);
        if (spinning)
            xadd(&gort__sched.nmspinning, (uint32_t)-1);
        return;
    }
    m = gort__sched.midle;
    if (m) {
        gort__sched.midle = m->link;
        gort__sched.nmidle--;
    }
    gort__unlock(&gort__sched.lock);
    if (!m) {
        sched__newm(p, spinning);
        return;
    }
    m->spinning = spinning;
    st_rel(&m->nextp, p);
    gort__note_wake(&m->park);
}

static void sched__wakep(void)
{
    uint32_t zero = 0;

    if (ld_rlx(&gort__sched.nmspinning) != 0)
        return;
    if (ld_rlx(&gort__sched.npidle) == 0) {
        /* No idle P to wake; but an M may be giving its P up this moment without
         * stealing (findrunnable's limit on spinning Ms), and nothing would wake it
         * afterwards: one P then idles beside another's full queue (a TSan run of
         * check_gort: one P ran all 64 workers). Ask that M to spin instead: Go 1.21's
         * needspinning. The store comes before the second look at npidle, and
         * findrunnable puts its P before looking at the flag: one of the two sees the
         * other. Already set, nothing to do (the saturated path stays two loads). */
        if (ld_rlx(&gort__sched.needspinning))
            return;
        __atomic_store_n(&gort__sched.needspinning, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&gort__sched.npidle, __ATOMIC_SEQ_CST) == 0)
            return;
    }
    if (!cas_acqrel(&gort__sched.nmspinning, &zero, 1))
        return;
    sched__probe_counts();
    sched__startm(NULL, true);
}

static void sched__checkdead(void)
{
    /* sched.lock held; the caller is about to park as the last M. */
    if (gort__sched.nmidle != (uint32_t)gort__sched.mcount || ld_rlx(&gort__sched.exiting))
        return;
    if (gort__sched.runq_size || ld_rlx(&gort__sched.polling) ||
        ld_rlx(&gort__timer_next_when) != UINT64_MAX || ld_rlx(&gort__netpoll_waiters))
        return;
    for (int i = 0; i < GORT_MAX_PROCS; i++) {
        struct gort_p *p = &gort__sched.allp[i];
        if (ld_rlx(&p->status) != GORT_PP_IDLE && ld_rlx(&p->status) != GORT_PP_DEAD)
            return;
        if (!sched__runqempty(p))
            return;
    }
    fprintf(stderr, "gort: all goroutines are asleep - deadlock!\n");
    abort();
}

/* Parks the M until startm hands it a P (or the runtime exits). */
static void sched__stopm(struct gort_m *m)
{
    gort__lock(&gort__sched.lock);
    m->link = gort__sched.midle;
    gort__sched.midle = m;
    gort__sched.nmidle++;
    sched__checkdead();
    gort__unlock(&gort__sched.lock);
    sched__probe_m(m, GORT_PM_IDLE);
    for (;;) {
        gort__note_sleep(&m->park, 0);
        if (ld_acq(&m->nextp) || ld_acq(&gort__sched.exiting))
            break;
    }
    if (ld_acq(&gort__sched.exiting))
        return;
    sched__acquirep(m, m->nextp);
    m->nextp = NULL;
    if (m->spinning)
        sched__probe_m(m, GORT_PM_SPINNING);
}

/* Gives up a P whose M blocks (syscall retake, exit): to an M if there is work. */
static void sched__handoffp(struct gort_p *p)
{
    uint32_t zero = 0;

    if (!sched__runqempty(p) || ld_rlx(&gort__sched.runq_size) != 0) {
        sched__startm(p, false);
        return;
    }
    if (ld_rlx(&gort__sched.nmspinning) + ld_rlx(&gort__sched.npidle) == 0 &&
        cas_acqrel(&gort__sched.nmspinning, &zero, 1)) {
        sched__startm(p, true);
        return;
    }
    if (!ld_rlx(&gort__sched.polling) &&
        (ld_rlx(&gort__timer_next_when) != UINT64_MAX || gort__netpoll_has_waiters())) {
        sched__startm(p, false);
        return;
    }
    gort__lock(&gort__sched.lock);
    sched__pidleput(p);
    gort__unlock(&gort__sched.lock);
}

static void sched__resetspinning(struct gort_m *m)
{
    m->spinning = false;
    xadd(&gort__sched.nmspinning, (uint32_t)-1);
    sched__probe_counts();
    sched__probe_m(m, GORT_PM_RUNNING);
    /* We found work: another M may find more. */
    sched__wakep();
}

void gort__inject_list(struct gort_g *head, struct gort_g *tail, int n)
{
    if (n == 0)
        return;
    (void)tail;
    gort__lock(&gort__sched.lock);
    sched__globrunqput_list(head);
    gort__unlock(&gort__sched.lock);
    for (int i = 0; i < n && ld_rlx(&gort__sched.npidle) > 0; i++)
        sched__startm(NULL, false);
}

void gort__ready(struct gort_g *g, bool next)
{
    struct gort_m *m = gort__curm();

    gort__casgstatus(g, GS_WAITING, GS_RUNNABLE);
    if (m && m->p) {
        sched__runqput(m->p, g, next);
    } else {
        gort__lock(&gort__sched.lock);
        sched__globrunqput(g);
        gort__unlock(&gort__sched.lock);
    }
    sched__wakep();
}

/* ---- finding work ---- */

static struct gort_g *sched__pollnet(bool block, uint64_t timeout, int *np)
{
    struct gort_g *head = NULL, *tail = NULL;
    int n = gort__netpoll(block ? timeout : 0, &head, &tail);

    *np = n;
    if (n)
        sched__inc(&sched__row()->netpoll_wakes, (uint64_t)n);
    return head;
}

/* Queues the goroutines after g on its schedlink list. */
static void sched__inject_rest(struct gort_g *g)
{
    struct gort_g *t = g->schedlink;
    int k = 1;

    if (!t)
        return;
    while (t->schedlink) {
        t = t->schedlink;
        k++;
    }
    gort__inject_list(g->schedlink, t, k);
}

/* An M that gave its P up takes an idle one back to spin; false if none is idle. */
static bool sched__spin_again(struct gort_m *m)
{
    gort__lock(&gort__sched.lock);
    struct gort_p *p = sched__pidleget();
    gort__unlock(&gort__sched.lock);
    if (!p)
        return false;
    m->spinning = true;
    xadd(&gort__sched.nmspinning, 1);
    sched__acquirep(m, p);
    return true;
}

static struct gort_g *sched__findrunnable(struct gort_m *m, bool *inherit)
{
    struct gort_g *g;
    struct gort_p *p;
    uint64_t now;
    int n;

top:
    if (ld_acq(&gort__sched.exiting))
        return NULL;
    p = m->p;
    now = gort__now();
    if (ld_rlx(&gort__timer_next_when) <= now)
        gort__timer_run(now);
    if ((g = sched__runqget(p, inherit)) != NULL)
        return g;
    *inherit = false;
    if (ld_rlx(&gort__sched.runq_size)) {
        gort__lock(&gort__sched.lock);
        g = sched__globrunqget(p, 0);
        gort__unlock(&gort__sched.lock);
        if (g)
            return g;
    }
    if (gort__netpoll_has_waiters() && ld_rlx(&gort__sched.lastpoll) != 0) {
        g = sched__pollnet(false, 0, &n);
        if (g) {
            sched__inject_rest(g);
            return g;
        }
    }
    {
        uint32_t procs = ld_rlx(&gort__sched.gomaxprocs);
        uint32_t busy = procs - ld_rlx(&gort__sched.npidle);
        if (m->spinning || 2 * ld_rlx(&gort__sched.nmspinning) < busy) {
            if (!m->spinning) {
                m->spinning = true;
                xadd(&gort__sched.nmspinning, 1);
                sched__probe_counts();
                sched__probe_m(m, GORT_PM_SPINNING);
            }
            for (int round = 0; round < 4; round++) {
                uint32_t start = gort__fastrand() % procs;
                for (uint32_t k = 0; k < procs; k++) {
                    struct gort_p *v = &gort__sched.allp[(start + k) % procs];
                    if (v == p || ld_rlx(&v->status) == GORT_PP_DEAD)
                        continue;
                    if ((g = sched__runqsteal(p, v, round == 3)) != NULL)
                        return g;
                }
            }
        }
    }

    /* Nothing: give up the P. */
    gort__lock(&gort__sched.lock);
    if (ld_rlx(&gort__sched.exiting)) {
        gort__unlock(&gort__sched.lock);
        return NULL;
    }
    if (gort__sched.runq_size) {
        g = sched__globrunqget(p, 0);
        gort__unlock(&gort__sched.lock);
        return g;
    }
    sched__releasep(m);
    sched__pidleput(p);
    gort__unlock(&gort__sched.lock);
    sched__probe_m(m, GORT_PM_IDLE);

    if (m->spinning) {
        m->spinning = false;
        xadd(&gort__sched.nmspinning, (uint32_t)-1);
        sched__probe_counts();
        /* A G readied while we spun may have seen nmspinning > 0 and not woken anyone. */
        uint32_t procs = ld_rlx(&gort__sched.gomaxprocs);
        for (uint32_t i = 0; i <= procs; i++) {
            if (i == procs ? ld_rlx(&gort__sched.runq_size) != 0
                           : !sched__runqempty(&gort__sched.allp[i])) {
                if (sched__spin_again(m))
                    goto top;
                break;
            }
        }
    } else {
        /* We did not steal (others spun); if a wakep found no idle P meanwhile, its
         * work waits for a spinner that was never started: be it (see sched__wakep). */
        if (__atomic_load_n(&gort__sched.needspinning, __ATOMIC_SEQ_CST) &&
            __atomic_exchange_n(&gort__sched.needspinning, 0, __ATOMIC_ACQ_REL) &&
            sched__spin_again(m))
            goto top;
    }

    /* Block in the netpoller until I/O or the next timer. */
    if ((gort__netpoll_has_waiters() || ld_rlx(&gort__timer_next_when) != UINT64_MAX) &&
        !ld_acq(&gort__sched.exiting)) {
        uint32_t zero = 0;
        if (__atomic_compare_exchange_n(&gort__sched.polling, &zero, 1, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_RELAXED)) {
            uint64_t when, timeout;
            __atomic_store_n(&gort__sched.lastpoll, 0, __ATOMIC_SEQ_CST);
            when = __atomic_load_n(&gort__timer_next_when, __ATOMIC_SEQ_CST);
            now = gort__now();
            timeout = when == UINT64_MAX ? UINT64_MAX : (when > now ? when - now : 1);
            g = sched__pollnet(true, timeout, &n);
            now = gort__now();
            __atomic_store_n(&gort__sched.lastpoll, now, __ATOMIC_SEQ_CST);
            __atomic_store_n(&gort__sched.polling, 0, __ATOMIC_SEQ_CST);
            if (ld_rlx(&gort__timer_next_when) <= now)
                gort__timer_run(now); /* no P: readied timers go to the global queue */
            gort__lock(&gort__sched.lock);
            p = sched__pidleget();
            gort__unlock(&gort__sched.lock);
            if (p) {
                sched__acquirep(m, p);
                if (g) {
                    sched__inject_rest(g);
                    *inherit = false;
                    return g;
                }
                goto top;
            }
            if (g) {
                struct gort_g *t = g;
                int k = 1;
                while (t->schedlink) {
                    t = t->schedlink;
                    k++;
                }
                gort__inject_list(g, t, k);
            }
            if (ld_rlx(&gort__sched.runq_size))
                sched__wakep();
        }
    }
    sched__stopm(m);
    goto top;
}

static struct gort_g *sched__schedule(struct gort_m *m, bool *inherit)
{
    struct gort_p *p = m->p;
    struct gort_g *g;

    if ((uint32_t)p->id >= ld_rlx(&gort__sched.gomaxprocs)) {
        gort__lock(&gort__sched.lock);
        sched__releasep(m);
        sched__pretire(p);
        p = sched__pidleget();
        gort__unlock(&gort__sched.lock);
        if (p) {
            sched__acquirep(m, p);
        } else {
            if (m->spinning) {
                m->spinning = false;
                xadd(&gort__sched.nmspinning, (uint32_t)-1);
            }
            sched__stopm(m);
            if (!m->p)
                return NULL;
        }
        p = m->p;
    }
    if (ld_rlx(&gort__timer_next_when) != UINT64_MAX) {
        uint64_t now = gort__now();
        if (ld_rlx(&gort__timer_next_when) <= now)
            gort__timer_run(now);
    }
    /* Fairness: now and then look at the global queue first. */
    if (p->schedtick % 61 == 0 && ld_rlx(&gort__sched.runq_size) > 0) {
        gort__lock(&gort__sched.lock);
        g = sched__globrunqget(p, 1);
        gort__unlock(&gort__sched.lock);
        if (g) {
            *inherit = false;
            return g;
        }
    }
    if ((g = sched__runqget(p, inherit)) != NULL)
        return g;
    return sched__findrunnable(m, inherit);
}

/*
 * The core we run on, on every switch: glibc registers rseq for each thread, and the kernel
 * keeps rseq.cpu_id current, so this is one load at the thread pointer instead of a call.
 * (sched_getcpu does the same behind a PLT call, or a vDSO call without rseq.)
 */
static inline int sched__getcpu(void)
{
#ifdef SCHED_HAVE_RSEQ
    if (__rseq_size > 0) {
        const struct rseq *r =
            (const struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
        int cpu = (int)ld_rlx(&r->cpu_id);
        if (cpu >= 0)
            return cpu;
    }
#endif
    return sched_getcpu();
}

/* Bookkeeping for g starting a turn on m (from g0, or handed the M by a yielding G). */
SCHED_HOT void sched__prepare(struct gort_m *m, struct gort_p *p, struct gort_g *g, bool inherit,
                              bool count)
{
    struct gort_probe_g *slot;
    int cpu = sched__getcpu();

    g->m = m;
    st_rlx(&m->curg, g);
    sched__setg2(m->probe, g, GS_RUNNABLE, GS_RUNNING, count);
    if (!inherit)
        st_rlx(&p->schedtick, p->schedtick + 1);
    st_rlx(&g->top.preempt, 0);
    g->lastp = p->id;
    if (p->probe) {
        st_rlx(&p->probe->schedtick, p->schedtick);
        st_rlx(&p->probe->curg, g->id);
    }
    sched__inc(&m->probe->switches, 1);
    st_rlx(&m->probe->curg, g->id);
    st_rlx(&m->probe->cpu, cpu);
    if ((slot = sched__slot(g)) != NULL) {
        st_rlx(&slot->p, p->id);
        st_rlx(&slot->m, m->id);
        st_rlx(&slot->cpu, cpu);
        sched__inc(&slot->switches, 1);
    }
}

static inline void sched__check_stack(struct gort_g *g)
{
#ifndef GORT_CTX_UCONTEXT
    /* inline fast check; the function has the full story */
    uintptr_t lo = (uintptr_t)g->stack_base + (g->index < GORT_GUARDED_STACKS ? 4096 : 0) + 256;
    if ((uintptr_t)g->ctx.sp >= lo && (uintptr_t)g->ctx.sp <= (uintptr_t)g)
        return;
#endif
    if (!gort__stack_canary_ok(g)) {
        fprintf(stderr, "gort: stack overflow in goroutine %llu\n", (unsigned long long)g->id);
        abort();
    }
}

/*
 * Runs on a goroutine's stack each time it gets the M back. If the M was handed over by a
 * direct yield (gort_yield without g0), the yielder's registers are saved only now, so only
 * now may it go on a run queue where another M could steal and resume it.
 */
static inline void sched__resumed(struct gort_g *self)
{
    struct gort_m *m = self->m;
    struct gort_g *prev = m->yielded;

    if (prev) {
        m->yielded = NULL;
        sched__check_stack(prev);
        sched__runqput(m->p, prev, false);
    }
}

/* Runs g until some goroutine switches back to g0; returns a G to run next without
 * scheduling, or NULL. */
static struct gort_g *sched__execute(struct gort_m *m, struct gort_g *g, bool inherit)
{
    if (m->spinning)
        sched__resetspinning(m);
    sched__prepare(m, m->p, g, inherit, true);
#ifdef SW_TSAN
    __tsan_switch_to_fiber(g->tsan_fiber, 0);
#endif
    gort__ctx_switch(&m->g0ctx, &g->ctx);
    /* Back on g0: a goroutine (g, or one g yielded to) called sched__mcall. */
    g = m->mcall_g;
    st_rlx(&m->curg, NULL);
    st_rlx(&m->probe->curg, 0);
    if (m->p && m->p->probe)
        st_rlx(&m->p->probe->curg, 0);
    sched__check_stack(g);
    return m->mcall_fn(m, g);
}

static void sched__loop(struct gort_m *m)
{
    struct gort_g *g = NULL;
    bool inherit = false;

    for (;;) {
        if (ld_acq(&gort__sched.exiting))
            return;
        if (!g) {
            g = sched__schedule(m, &inherit);
            if (!g)
                return;
        } else {
            inherit = true;
        }
        g = sched__execute(m, g, inherit);
    }
}

static void sched__mexit(struct gort_m *m)
{
    sched__probe_m(m, GORT_PM_EXITED);
    st_rlx(&m->probe->p, -1);
}

static void *sched__mstart(void *arg)
{
    struct gort_m *m = arg;

    sched__tls_m = m;
    st_rlx(&m->probe->tid, (uint32_t)syscall(SYS_gettid));
#ifdef SW_TSAN
    m->g0_fiber = __tsan_get_current_fiber();
#endif
    if (!ld_acq(&gort__sched.exiting) && m->nextp) {
        sched__acquirep(m, m->nextp);
        m->nextp = NULL;
        sched__loop(m);
    }
    sched__mexit(m);
    sched__tls_m = NULL;
    return NULL;
}

/* ---- the goroutine side: switching to g0 ---- */

static void sched__mcall(struct gort_m *m, struct gort_g *g,
                         struct gort_g *(*fn)(struct gort_m *, struct gort_g *))
{
    m->mcall_fn = fn;
    m->mcall_g = g;
#ifdef SW_TSAN
    __tsan_switch_to_fiber(m->g0_fiber, 0);
#endif
    gort__ctx_switch(&g->ctx, &m->g0ctx);
    sched__resumed(g);
}

static struct gort_g *sched__park_m(struct gort_m *m, struct gort_g *g)
{
    gort__casgstatus(g, GS_RUNNING, GS_WAITING);
    if (m->unlockf && !m->unlockf(g, m->unlock_arg)) {
        gort__casgstatus(g, GS_WAITING, GS_RUNNABLE);
        return g;
    }
    return NULL;
}

void gort__park(bool (*unlockf)(struct gort_g *, void *), void *arg, uint32_t reason)
{
    struct gort_g *g = gort__getg();
    struct gort_m *m = g->m;

    m->unlockf = unlockf;
    m->unlock_arg = arg;
    g->wait_reason = reason;
    sched__mcall(m, g, sched__park_m);
}

bool gort__park_unlock(struct gort_g *g, void *lock)
{
    (void)g;
    gort__unlock(lock);
    return true;
}

static struct gort_g *sched__gosched_m(struct gort_m *m, struct gort_g *g)
{
    gort__casgstatus(g, GS_RUNNING, GS_RUNNABLE);
    sched__runqput(m->p, g, false);
    return NULL;
}

void gort_yield(void)
{
    struct gort_g *g = gort__getg();
    struct gort_m *m = g->m;
    struct gort_p *p = m->p;
    struct gort_g *next;
    bool inherit;

    /* Direct hand-off to the next local goroutine, skipping g0, unless the scheduler has
     * something to do first: timers, the global queue's turn, a retiring P, exit. */
    if (ld_rlx(&gort__timer_next_when) == UINT64_MAX && (p->schedtick + 1) % 61 != 0 &&
        (uint32_t)p->id < ld_rlx(&gort__sched.gomaxprocs) && !ld_rlx(&gort__sched.exiting) &&
        (next = sched__runqget(p, &inherit)) != NULL) {
        /* running -> runnable here and runnable -> running there cancel out in the
         * per-state counts: skip both updates. */
        sched__setg2(m->probe, g, GS_RUNNING, GS_RUNNABLE, false);
        m->yielded = g;
        sched__prepare(m, p, next, false, false);
#ifdef SW_TSAN
        __tsan_switch_to_fiber(next->tsan_fiber, 0);
#endif
        gort__ctx_switch(&g->ctx, &next->ctx);
        sched__resumed(g);
        return;
    }
    sched__mcall(m, g, sched__gosched_m);
}

static struct gort_g *sched__preempt_m(struct gort_m *m, struct gort_g *g)
{
    gort__casgstatus(g, GS_RUNNING, GS_RUNNABLE);
    sched__inc(&m->probe->preemptions, 1);
    gort__lock(&gort__sched.lock);
    sched__globrunqput(g);
    gort__unlock(&gort__sched.lock);
    return NULL;
}

void gort__preempted(void)
{
    struct gort_g *g = gort__getg();

    st_rlx(&g->top.preempt, 0);
    sched__mcall(g->m, g, sched__preempt_m);
}

static void sched__exit_all(void);

static struct gort_g *sched__goexit_m(struct gort_m *m, struct gort_g *g)
{
    struct gort_probe_g *slot = sched__slot(g);

    gort__casgstatus(g, GS_RUNNING, GS_DEAD);
    if (slot)
        st_rlx(&slot->gid, 0);
    if (g == gort__sched.maing) {
        sched__exit_all();
        return NULL;
    }
    gort__stack_free(m->p, g);
    return NULL;
}

void gort_exit(void)
{
    struct gort_g *g = gort__getg();

    sched__mcall(g->m, g, sched__goexit_m);
    abort(); /* a dead goroutine is never resumed */
}

void gort__g_entry(void)
{
    struct gort_g *g = gort__getg();

    sched__resumed(g);
    g->fn(g->arg);
    gort_exit();
}

static struct gort_g *sched__newg(struct gort_p *p, gort_fn fn, void *arg)
{
    struct gort_g *g = gort__stack_alloc(p);
    struct gort_probe_g *slot;
    uint32_t st = ld_rlx(&g->state);

    g->fn = fn;
    g->arg = arg;
    g->user = 0;
    g->m = NULL;
    g->wait_reason = 0;
    g->select_done = false;
    g->park_param = NULL;
    g->lastp = -1;
    if (p->goidcache == p->goidcacheend) {
        /* one atomic per batch: a shared counter bumped on every spawn bounced its line
         * between the spawning and the exiting cores */
        p->goidcache = xadd(&gort__sched.goidgen, GORT_GOID_BATCH) + 1;
        p->goidcacheend = p->goidcache + GORT_GOID_BATCH;
    }
    st_rlx(&g->id, p->goidcache++);
    st_rlx(&g->top.preempt, 0);
    gort__ctx_make(&g->ctx, g->stack_base, g);
    if ((slot = sched__slot(g)) != NULL) {
        st_rlx(&slot->p, -1);
        st_rlx(&slot->m, -1);
        st_rlx(&slot->cpu, -1);
        st_rlx(&slot->switches, 0);
        st_rlx(&slot->user[0], 0);
        st_rlx(&slot->user[1], 0);
        st_rlx(&slot->start_ns, gort__now());
        st_rlx(&slot->gid, g->id);
    }
    gort__casgstatus(g, st, GS_RUNNABLE);
    return g;
}

uint64_t gort_spawn(gort_fn fn, void *arg)
{
    struct gort_g *self = gort__getg();
    struct gort_m *m = self->m;
    struct gort_g *g = sched__newg(m->p, fn, arg);
    uint64_t id = g->id;

    sched__inc(&m->probe->spawns, 1);
    sched__runqput(m->p, g, true);
    sched__wakep();
    /* Back-pressure: goroutines queued but not started each hold a fresh stack page; when
     * thousands wait in the global queue, the spawner lets its own P run some first. */
    if (ld_rlx(&gort__sched.runq_size) > SCHED_SPAWN_BACKLOG)
        gort_yield();
    return id;
}

/* ---- system calls ---- */

void gort_syscall_enter(void)
{
    struct gort_g *g = gort__getg();
    struct gort_m *m = g->m;
    struct gort_p *p = m->p;

    gort__casgstatus(g, GS_RUNNING, GS_SYSCALL);
    st_rlx(&p->syscalltick, p->syscalltick + 1);
    if (p->probe)
        st_rlx(&p->probe->syscalltick, p->syscalltick);
    m->oldp = p;
    m->p = NULL;
    st_rel(&p->status, GORT_PP_SYSCALL);
    sched__probe_p(p);
    sched__probe_m(m, GORT_PM_SYSCALL);
}

static void sched__exitsyscall(void);

static struct gort_g *sched__exitsyscall0(struct gort_m *m, struct gort_g *g)
{
    struct gort_p *p;

    gort__casgstatus(g, GS_SYSCALL, GS_RUNNABLE);
    gort__lock(&gort__sched.lock);
    p = sched__pidleget();
    if (!p)
        sched__globrunqput(g);
    gort__unlock(&gort__sched.lock);
    if (p) {
        sched__acquirep(m, p);
        return g;
    }
    sched__stopm(m);
    return NULL;
}

void gort_syscall_exit(void)
{
    int saved_errno = errno; /* the caller looks at the system call's errno after us */

    sched__exitsyscall();
    errno = saved_errno;
}

static void sched__exitsyscall(void)
{
    struct gort_g *g = gort__getg();
    struct gort_m *m = g->m;
    struct gort_p *p = m->oldp;
    uint32_t s = GORT_PP_SYSCALL;

    m->oldp = NULL;
    if ((uint32_t)p->id < ld_rlx(&gort__sched.gomaxprocs) &&
        __atomic_compare_exchange_n(&p->status, &s, GORT_PP_RUNNING, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
        m->p = p;
        st_rlx(&p->m, m);
        sched__probe_p(p);
        sched__probe_m(m, GORT_PM_RUNNING);
        gort__casgstatus(g, GS_SYSCALL, GS_RUNNING);
        return;
    }
    s = GORT_PP_SYSCALL;
    if (__atomic_compare_exchange_n(&p->status, &s, GORT_PP_IDLE, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
        /* Ours still, but cut off by gort_set_procs: retire it. */
        gort__lock(&gort__sched.lock);
        sched__pidleput(p);
        gort__unlock(&gort__sched.lock);
    }
    gort__lock(&gort__sched.lock);
    p = sched__pidleget();
    gort__unlock(&gort__sched.lock);
    if (p) {
        sched__acquirep(m, p);
        gort__casgstatus(g, GS_SYSCALL, GS_RUNNING);
        return;
    }
    sched__mcall(m, g, sched__exitsyscall0);
}

/* ---- sysmon ---- */

static void sched__retake(uint64_t now, int *retaken)
{
    for (int i = 0; i < GORT_MAX_PROCS; i++) {
        struct gort_p *p = &gort__sched.allp[i];
        uint32_t s = ld_acq(&p->status);

        if (s == GORT_PP_RUNNING) {
            uint64_t t = ld_rlx(&p->schedtick);
            if (p->sysmon_tick != t) {
                p->sysmon_tick = t;
                p->sysmon_when = now;
            } else if (now - p->sysmon_when >= GORT_PREEMPT_NS) {
                struct gort_m *m = ld_rlx(&p->m);
                struct gort_g *g = m ? ld_rlx(&m->curg) : NULL;
                if (g)
                    st_rlx(&g->top.preempt, 1);
                p->sysmon_when = now;
            }
        } else if (s == GORT_PP_SYSCALL) {
            uint64_t t = ld_rlx(&p->syscalltick);
            if (p->sysmon_stick != t) {
                p->sysmon_stick = t;
                p->sysmon_swhen = now;
                continue;
            }
            /* Leave it if nothing waits for it and someone can pick up new work anyway. */
            if (sched__runqempty(p) && ld_rlx(&gort__sched.runq_size) == 0 &&
                ld_rlx(&gort__sched.nmspinning) + ld_rlx(&gort__sched.npidle) > 0 &&
                now - p->sysmon_swhen < GORT_PREEMPT_NS)
                continue;
            if (__atomic_compare_exchange_n(&p->status, &s, GORT_PP_IDLE, false,
                                            __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
                sched__inc(&sched__tls_row->handoffs, 1);
                (*retaken)++;
                sched__handoffp(p);
            }
        }
    }
}

static void *sched__sysmon(void *arg)
{
    uint64_t delay = 20000, last_scrub = 0;
    int idle = 0;

    (void)arg;
    sched__tls_row = gort__sched.sysmon_probe;
    st_rlx(&sched__tls_row->tid, (uint32_t)syscall(SYS_gettid));
    st_rlx(&sched__tls_row->state, GORT_PM_RUNNING);
    st_rlx(&sched__tls_row->p, -1);
    st_rlx(&sched__tls_row->cpu, -1);
    while (!ld_acq(&gort__sched.exiting)) {
        uint64_t now, lastpoll;
        int retaken = 0;

        if (idle == 0)
            delay = 20000;
        else if (idle > 50 && delay < 10 * 1000 * 1000)
            delay *= 2;
        gort__note_sleep(&gort__sched.sysmon_note, delay);
        if (ld_acq(&gort__sched.exiting))
            break;
        now = gort__now();
        if (gort__sched.probe)
            st_rlx(&gort__sched.probe->sysmon_ticks, gort__sched.probe->sysmon_ticks + 1);
        lastpoll = ld_rlx(&gort__sched.lastpoll);
        if (gort__netpoll_has_waiters() && lastpoll != 0 && lastpoll + GORT_PREEMPT_NS < now &&
            __atomic_compare_exchange_n(&gort__sched.lastpoll, &lastpoll, now, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
            int n;
            struct gort_g *g = sched__pollnet(false, 0, &n);
            if (g) {
                struct gort_g *t = g;
                while (t->schedlink)
                    t = t->schedlink;
                gort__inject_list(g, t, n);
            }
        }
        /* Backstops for wake-ups nobody else made: due timers, queued goroutines. */
        if ((ld_rlx(&gort__timer_next_when) <= now && !ld_rlx(&gort__sched.polling)) ||
            ld_rlx(&gort__sched.runq_size) != 0)
            sched__wakep();
        sched__retake(now, &retaken);
        if (now - last_scrub > 100 * 1000 * 1000) {
            gort__stack_scrub();
            last_scrub = now;
        }
        idle = retaken ? 0 : idle + 1;
    }
    st_rlx(&sched__tls_row->state, GORT_PM_EXITED);
    sched__tls_row = NULL;
    return NULL;
}

/* ---- start and stop ---- */

static void sched__exit_all(void)
{
    struct gort_m *m;

    gort__lock(&gort__sched.lock);
    st_rel(&gort__sched.exiting, 1);
    for (m = gort__sched.allm; m; m = m->alllink) {
        struct gort_g *g = ld_rlx(&m->curg);
        /* a goroutine still running gets to the scheduler at its next preemption point */
        if (g)
            st_rlx(&g->top.preempt, 1);
        gort__note_wake(&m->park);
    }
    gort__unlock(&gort__sched.lock);
    gort__note_wake(&gort__sched.sysmon_note);
    gort__netpoll_break();
}

unsigned gort_ncpus(void)
{
    cpu_set_t set;
    int n;

    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 1;
    n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}

unsigned gort_nprocs(void)
{
    return ld_rlx(&gort__sched.gomaxprocs);
}

int gort_set_procs(unsigned n)
{
    unsigned old;

    if (n < 1 || n > GORT_MAX_PROCS || !sched__inited)
        return -EINVAL;
    gort__lock(&gort__sched.lock);
    old = gort__sched.gomaxprocs;
    st_rel(&gort__sched.gomaxprocs, n);
    if (n > old) {
        for (unsigned i = old; i < n; i++) {
            struct gort_p *p = &gort__sched.allp[i];
            if (ld_rlx(&p->status) == GORT_PP_DEAD)
                sched__pidleput(p);
        }
    } else if (n < old) {
        struct gort_p **pp = &gort__sched.pidle;
        while (*pp) {
            struct gort_p *p = *pp;
            if ((unsigned)p->id >= n) {
                *pp = p->link;
                st_rlx(&gort__sched.npidle, gort__sched.npidle - 1);
                sched__pretire(p);
            } else {
                pp = &p->link;
            }
        }
        for (unsigned i = n; i < old; i++) {
            struct gort_m *m = ld_rlx(&gort__sched.allp[i].m);
            struct gort_g *g = m ? ld_rlx(&m->curg) : NULL;
            if (g)
                st_rlx(&g->top.preempt, 1);
        }
    }
    if (gort__sched.probe)
        st_rlx(&gort__sched.probe->gomaxprocs, n);
    sched__probe_counts();
    gort__unlock(&gort__sched.lock);
    for (unsigned i = old; i < n; i++)
        sched__wakep();
    return 0;
}

int gort_init(const struct gort_config *cfg)
{
    static const struct gort_config defaults;
    size_t max_g;
    unsigned nprocs;
    int err;

    if (sched__inited)
        return -EBUSY;
    if (!cfg)
        cfg = &defaults;
    memset(&gort__sched, 0, sizeof(gort__sched));
    memset(&sched__spare_row, 0, sizeof(sched__spare_row));
#ifdef SCHED_HAVE_VALGRIND
    gort__sched.valgrind = RUNNING_ON_VALGRIND;
#endif
    max_g = cfg->max_goroutines ? cfg->max_goroutines
                                : (gort__sched.valgrind ? (size_t)1 << 16 : (size_t)1 << 20);
    nprocs = cfg->nprocs ? cfg->nprocs : gort_ncpus();
    if (nprocs > GORT_MAX_PROCS)
        nprocs = GORT_MAX_PROCS;
    if (cfg->probe) {
        if (gort_probe_slots_for(cfg->probe_len) == 0 &&
            cfg->probe_len < gort_probe_size(0))
            return -EINVAL;
        gort__sched.board = cfg->probe;
        gort__sched.board_len = cfg->probe_len;
        gort__sched.nslots = gort_probe_slots_for(cfg->probe_len);
    } else {
        gort__sched.nslots = cfg->probe_slots ? cfg->probe_slots : 1024;
        gort__sched.board_len = gort_probe_size(gort__sched.nslots);
        gort__sched.board = xcalloc(1, gort__sched.board_len);
        gort__sched.board_private = true;
    }
    err = gort__stack_init(max_g);
    if (err)
        goto out_free_board;
    err = gort__netpoll_init();
    if (err)
        goto out_stack_fini;
    gort__timer_init();
    gort__probe_init();
    gort__sched.sysmon_probe =
        (struct gort_probe_m *)((char *)gort__sched.board + gort__sched.probe->m_off) +
        (GORT_PROBE_MAX_M - 1);
    for (int i = 0; i < GORT_MAX_PROCS; i++) {
        struct gort_p *p = &gort__sched.allp[i];
        p->id = i;
        p->status = GORT_PP_DEAD;
        p->probe = (struct gort_probe_p *)((char *)gort__sched.board +
                                           gort__sched.probe->p_off) + i;
        st_rlx(&p->probe->m, -1);
        sched__probe_p(p);
    }
    gort__sched.gomaxprocs = nprocs;
    for (int i = (int)nprocs - 1; i >= 0; i--)
        sched__pidleput(&gort__sched.allp[i]);
    st_rlx(&gort__sched.probe->gomaxprocs, nprocs);
    gort__sched.lastpoll = gort__now();
    sched__inited = true;
    return 0;

out_stack_fini:
    gort__stack_fini();
out_free_board:
    if (gort__sched.board_private)
        free(gort__sched.board);
    memset(&gort__sched, 0, sizeof(gort__sched));
    return err;
}

int gort_main(gort_fn fn, void *arg)
{
    struct gort_m *m0;
    struct gort_p *p;
    int err;

    if (!sched__inited || gort__sched.maing)
        return -EINVAL;
    gort__lock(&gort__sched.lock);
    m0 = sched__allocm();
    gort__unlock(&gort__sched.lock);
    sched__tls_m = m0;
    st_rlx(&m0->probe->tid, (uint32_t)syscall(SYS_gettid));
#ifdef SW_TSAN
    m0->g0_fiber = __tsan_get_current_fiber();
#endif
    gort__lock(&gort__sched.lock);
    p = sched__pidleget();
    gort__unlock(&gort__sched.lock);
    sched__acquirep(m0, p);
    gort__sched.maing = sched__newg(p, fn, arg);
    sched__runqput(p, gort__sched.maing, false);
    st_rlx(&gort__sched.probe->running, 1);
    err = pthread_create(&gort__sched.sysmon_thread, NULL, sched__sysmon, NULL);
    if (err) {
        fprintf(stderr, "gort: pthread_create sysmon: %s\n", strerror(err));
        abort();
    }
    sched__loop(m0);
    sched__mexit(m0);
    /* Every M sees exiting at its next schedule; join them. */
    for (;;) {
        struct gort_m *m;
        bool all = true;
        gort__lock(&gort__sched.lock);
        for (m = gort__sched.allm; m; m = m->alllink) {
            if (m->has_thread) {
                pthread_t t = m->thread;
                m->has_thread = false;
                gort__unlock(&gort__sched.lock);
                gort__note_wake(&m->park);
                pthread_join(t, NULL);
                all = false;
                break;
            }
        }
        if (all) {
            gort__unlock(&gort__sched.lock);
            break;
        }
    }
    pthread_join(gort__sched.sysmon_thread, NULL);
    sched__tls_m = NULL;
    st_rlx(&gort__sched.probe->running, 0);
    return 0;
}

void gort_fini(void)
{
    struct gort_m *m, *next;

    if (!sched__inited)
        return;
    if (gort__sched.probe)
        st_rlx(&gort__sched.probe->running, 0);
    for (m = gort__sched.allm; m; m = next) {
        next = m->alllink;
        free(m);
    }
    free(gort__sched.runq);
    gort__timer_fini();
    gort__netpoll_fini();
    gort__stack_fini();
    gort__probe_fini();
    if (gort__sched.board_private)
        free(gort__sched.board);
    memset(&gort__sched, 0, sizeof(gort__sched));
    sched__inited = false;
}

/* ---- small goroutine accessors ---- */

uint64_t gort_self_id(void)
{
    return gort__getg()->id;
}

void gort_self_set_user(uintptr_t v)
{
    gort__getg()->user = v;
}

uintptr_t gort_self_user(void)
{
    return gort__getg()->user;
}

int gort_self_p(void)
{
    struct gort_g *g = gort__getg();

    return g->m && g->m->p ? g->m->p->id : -1;
}

const void *gort_probe_board(size_t *len)
{
    if (len)
        *len = gort__sched.board_len;
    return gort__sched.board;
}

void gort_probe_user_add(unsigned idx, uint64_t v)
{
    struct gort_g *g = gort__getg();
    struct gort_probe_g *slot = sched__slot(g);

    if (idx >= GORT_PROBE_NUSER)
        return;
    sched__inc(&g->m->probe->user[idx], v);
    if (slot)
        sched__inc(&slot->user[idx], v);
}
