/*
 * stack.c — goroutine stacks: carved from one reserved arena, pooled and reused.
 *
 * The arena is a single PROT_NONE, MAP_NORESERVE reservation of max_goroutines stacks of
 * GORT_STACK_SIZE bytes, aligned to GORT_STACK_SIZE so that a goroutine finds its G struct
 * from its stack pointer alone (the G sits at the top of its stack). Chunks are made
 * read-write as stacks are carved; adjacent chunks merge into one VMA, so a million stacks
 * cost a handful of mappings against vm.max_map_count, and only touched pages cost memory: an
 * idle goroutine touches about one page (its G struct and its few parked frames).
 *
 * Overflow: the first GORT_GUARDED_STACKS stacks get a PROT_NONE guard page at the bottom
 * (each splits the VMA in three, hence the bound). Every switch-out checks that the saved
 * stack pointer lies within its stack (free: no memory touched). The lowest 32 bytes of each
 * stack are a zero canary, never written legitimately; sysmon checks it on every stack that
 * passes through the global pool, before scrubbing it (reading untouched memory maps the
 * shared zero page, so the check costs no memory, but it is a page-table walk we keep off the
 * switch path). An overflow that returns before its goroutine switches, on a stack that stays
 * in per-P caches, is not detected; neither is one that skips past the canary.
 *
 * Pools: each P caches up to STACK_CACHE free stacks (LIFO, hot in cache, no lock); overflow
 * and refills move half a cache to or from the global pool under its lock. sysmon scrubs
 * stacks that have sat in the global pool (MADV_DONTNEED below the top page), so a burst of
 * goroutines does not pin its memory forever.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define STACK_HAVE_VALGRIND 1
#endif
#endif
#ifdef SW_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#include "gort/gort_int.h"
#include "util.h"

#define STACK_CACHE GORT_STACK_CACHE
#define STACK_CHUNK 64 /* stacks made read-write at once */
#define STACK_PAGE 4096u
#define STACK_CANARY_BYTES 32

struct stack__vec {
    struct gort_g **v;
    size_t n, cap;
};

static struct {
    uint32_t lock;
    char *reserve;           /* the mmap, before alignment */
    size_t reserve_len;
    char *base;              /* first stack, GORT_STACK_SIZE-aligned */
    size_t max;              /* stacks that fit */
    size_t carved;           /* stacks handed out at least once */
    size_t rw;               /* stacks made read-write */
    struct stack__vec dirty; /* global pool, recently used */
    struct stack__vec clean; /* global pool, scrubbed */
    size_t nfree;            /* in the global pool (per-P caches not counted) */
    bool unguarded;          /* a guard page failed (ENOMEM): no more guards */
} stk;

/* Pointer stacks, so that moving stacks between pools never touches the (cold) stacks. */
static void stack__push(struct stack__vec *v, struct gort_g *g)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 1024;
        v->v = xreallocarray(v->v, v->cap, sizeof(*v->v));
    }
    v->v[v->n++] = g;
}

static struct gort_g *stack__pop(struct stack__vec *v)
{
    return v->n ? v->v[--v->n] : NULL;
}

/* Called with stk.lock held. */
static void stack__publish(void)
{
    if (gort__sched.probe)
        st_rlx(&gort__sched.probe->stacks_free, (uint64_t)stk.nfree);
}

static const uint64_t *stack__canary(struct gort_g *g)
{
    if (g->index < GORT_GUARDED_STACKS)
        return (const uint64_t *)((char *)g->stack_base + STACK_PAGE);
    return g->stack_base;
}

static bool stack__canary_intact(struct gort_g *g)
{
    const uint64_t *w = stack__canary(g);

    return (w[0] | w[1] | w[2] | w[3]) == 0;
}

/* The stack pointer saved in a switched-out context, 0 if this build cannot tell. */
static uintptr_t stack__saved_sp(struct gort_g *g)
{
#ifndef GORT_CTX_UCONTEXT
    return (uintptr_t)g->ctx.sp;
#elif defined(__x86_64__)
    return (uintptr_t)g->ctx.uc.uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)g->ctx.uc.uc_mcontext.sp;
#else
    (void)g;
    return 0;
#endif
}

bool gort__stack_canary_ok(struct gort_g *g)
{
    /* The saved stack pointer must lie inside the stack, above the canary. This costs
     * nothing; reading the canary itself would touch (map) the stack's bottom page on every
     * fresh stack, so that is done by sysmon when it scrubs pooled stacks. */
    uintptr_t sp = stack__saved_sp(g);
    uintptr_t lo = (uintptr_t)stack__canary(g) + 256;

    return sp == 0 || (sp >= lo && sp <= (uintptr_t)g);
}

int gort__stack_init(size_t max_stacks)
{
    size_t len = (max_stacks + 1) * (size_t)GORT_STACK_SIZE;
    char *r;

    memset(&stk, 0, sizeof(stk));
    r = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return -errno;
    stk.reserve = r;
    stk.reserve_len = len;
    stk.base = (char *)(((uintptr_t)r + GORT_STACK_SIZE - 1) & ~(uintptr_t)(GORT_STACK_SIZE - 1));
    stk.max = max_stacks;
    gort__sched.arena_lo = (uintptr_t)stk.base;
    gort__sched.arena_hi = (uintptr_t)stk.base + max_stacks * (size_t)GORT_STACK_SIZE;
    /* Huge pages would turn a one-page goroutine into a 2 MiB one. */
    (void)madvise(r, len, MADV_NOHUGEPAGE);
    return 0;
}

void gort__stack_fini(void)
{
    for (size_t i = 0; i < stk.carved; i++) {
        struct gort_g *g = (struct gort_g *)(stk.base + (i + 1) * GORT_STACK_SIZE) - 1;
#ifdef SW_TSAN
        if (g->tsan_fiber)
            __tsan_destroy_fiber(g->tsan_fiber);
#endif
#ifdef STACK_HAVE_VALGRIND
        VALGRIND_STACK_DEREGISTER(g->vg_stack_id);
#endif
        (void)g;
    }
    if (stk.reserve)
        munmap(stk.reserve, stk.reserve_len);
    free(stk.dirty.v);
    free(stk.clean.v);
    memset(&stk, 0, sizeof(stk));
}

static size_t stack__min(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Called with stk.lock held. */
static struct gort_g *stack__carve(void)
{
    size_t i = stk.carved;
    char *base;
    struct gort_g *g;

    if (i >= stk.max) {
        fprintf(stderr, "gort: out of goroutine stacks (max_goroutines = %zu)\n", stk.max);
        abort();
    }
    if (i >= stk.rw) {
        size_t n = stack__min(stk.max - stk.rw, STACK_CHUNK);
        if (mprotect(stk.base + stk.rw * GORT_STACK_SIZE, n * GORT_STACK_SIZE,
                     PROT_READ | PROT_WRITE) != 0) {
            perror("gort: mprotect stack arena");
            abort();
        }
        stk.rw += n;
    }
    base = stk.base + i * GORT_STACK_SIZE;
    /* A guard page splits the arena's mapping: with vm.max_map_count nearly
     * used up, mprotect fails with ENOMEM. Guards are a debugging aid (the
     * switch-time check and the canary remain), so the stacks carved from
     * then on go unguarded rather than the program dying. */
    if (i < GORT_GUARDED_STACKS && !stk.unguarded &&
        mprotect(base, STACK_PAGE, PROT_NONE) != 0) {
        if (errno != ENOMEM) {
            perror("gort: mprotect guard page");
            abort();
        }
        stk.unguarded = true;
        fprintf(stderr, "gort: vm.max_map_count reached: stacks from #%zu on have no "
                "guard page\n", i);
    }
    g = (struct gort_g *)(base + GORT_STACK_SIZE) - 1;
    g->index = i;
    g->stack_base = base;
    g->slot = i < gort__sched.nslots ? (int64_t)i : -1;
#ifdef SW_TSAN
    g->tsan_fiber = __tsan_create_fiber(0);
#endif
#ifdef STACK_HAVE_VALGRIND
    g->vg_stack_id = VALGRIND_STACK_REGISTER(base, base + GORT_STACK_SIZE);
#endif
    stk.carved++;
    if (gort__sched.probe)
        st_rlx(&gort__sched.probe->stacks_carved, (uint64_t)stk.carved);
    return g;
}

struct gort_g *gort__stack_alloc(struct gort_p *p)
{
    if (p->nstack_cache == 0) {
        struct gort_g *g;

        gort__lock(&stk.lock);
        while (p->nstack_cache < STACK_CACHE / 2) {
            g = stack__pop(&stk.dirty);
            if (!g)
                g = stack__pop(&stk.clean);
            if (!g)
                break;
            p->stack_cache[p->nstack_cache++] = g;
            stk.nfree--;
        }
        if (p->nstack_cache == 0) {
            g = stack__carve();
            gort__unlock(&stk.lock);
            return g;
        }
        stack__publish();
        gort__unlock(&stk.lock);
    }
    --p->nstack_cache;
    /* The next spawn's G was most often last written on another core (where its goroutine
     * exited): start that miss now rather than stall on it then. */
    if (p->nstack_cache > 0) {
        struct gort_g *next = p->stack_cache[p->nstack_cache - 1];

        __builtin_prefetch(next, 1);
        __builtin_prefetch(&next->state, 1);
        __builtin_prefetch(&next->top, 1);
    }
    return p->stack_cache[p->nstack_cache];
}

void gort__stack_free(struct gort_p *p, struct gort_g *g)
{
    if (p->nstack_cache == STACK_CACHE) {
        gort__lock(&stk.lock);
        while (p->nstack_cache > STACK_CACHE / 2) {
            stack__push(&stk.dirty, p->stack_cache[--p->nstack_cache]);
            stk.nfree++;
        }
        stack__publish();
        gort__unlock(&stk.lock);
    }
    p->stack_cache[p->nstack_cache++] = g;
}

void gort__stack_drain_cache(struct gort_p *p)
{
    gort__lock(&stk.lock);
    while (p->nstack_cache > 0) {
        stack__push(&stk.dirty, p->stack_cache[--p->nstack_cache]);
        stk.nfree++;
    }
    stack__publish();
    gort__unlock(&stk.lock);
}

void gort__stack_scrub(void)
{
    /* A bounded batch per call (sysmon calls every 100 ms): ~40,000 stacks a second. */
    for (int n = 0; n < 4096; n++) {
        struct gort_g *g;

        gort__lock(&stk.lock);
        g = stack__pop(&stk.dirty);
        gort__unlock(&stk.lock);
        if (!g)
            return;
        if (!stack__canary_intact(g)) {
            fprintf(stderr, "gort: stack overflow detected on pooled stack %llu (canary)\n",
                    (unsigned long long)g->index);
            abort();
        }
        /* Keep the bottom page (guard or canary) and the top page (the G). */
        (void)madvise((char *)g->stack_base + STACK_PAGE, GORT_STACK_SIZE - 2 * STACK_PAGE,
                      MADV_DONTNEED);
        gort__lock(&stk.lock);
        stack__push(&stk.clean, g);
        gort__unlock(&stk.lock);
    }
}
