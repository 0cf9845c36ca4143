/*
 * gort_int.h — the runtime's internals shared by its files (and its white-box tests): the G, M
 * and P structs, the locks, the park/ready protocol. See the essay in sched.c.
 */
#ifndef SW_GORT_INT_H
#define SW_GORT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gort/gort.h"

#define ld_rlx(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define st_rlx(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ld_acq(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define st_rel(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define cas_acqrel(p, o, n)                                                                    \
    __atomic_compare_exchange_n((p), (o), (n), false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define xadd(p, v) __atomic_fetch_add((p), (v), __ATOMIC_ACQ_REL)
#define xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)

#define GORT_RUNQ 256
#define GORT_STACK_CACHE 64
#define GORT_GOID_BATCH 16
#define GORT_PREEMPT_NS (10 * 1000 * 1000)

/* ---- futex lock and note (lock.c) ---- */
void gort__lock(uint32_t *l);
void gort__unlock(uint32_t *l);
/* One-shot wake-up: sleep until woken (or timeout_ns passes, 0 = forever). */
void gort__note_sleep(uint32_t *note, uint64_t timeout_ns);
void gort__note_wake(uint32_t *note);

/* ---- context switch (ctx-*.S / ctx-ucontext.c) ---- */
#ifdef GORT_CTX_UCONTEXT
#include <ucontext.h>
struct gort_ctx {
    ucontext_t uc;
};
#else
struct gort_ctx {
    void *sp;
};
#endif
void gort__ctx_switch(struct gort_ctx *from, struct gort_ctx *to);
/* Prepares ctx to start gort__g_entry() on the stack whose top (16-aligned) is top. */
void gort__ctx_make(struct gort_ctx *ctx, void *stack_base, void *top);
__attribute__((noreturn)) void gort__g_entry(void);

/* ---- goroutines ---- */
enum gort_gstate {
    GS_IDLE = GORT_PG_IDLE,
    GS_RUNNABLE = GORT_PG_RUNNABLE,
    GS_RUNNING = GORT_PG_RUNNING,
    GS_WAITING = GORT_PG_WAITING,
    GS_SYSCALL = GORT_PG_SYSCALL,
    GS_DEAD = GORT_PG_DEAD,
};

struct gort_m;
struct gort_p;

struct gort_g {
    /* cold: spawn, park and select */
    gort_fn fn;
    void *arg;
    struct gort_g *schedlink; /* lists of readied Gs (timers, netpoll, close) */
    uintptr_t user;           /* gort_self_set_user */
    void *tsan_fiber;
    unsigned vg_stack_id;
    bool select_done;         /* a select case already won (guarded by chan locks + CAS) */
    void *park_param;         /* the waiter that woke a select */
    void *stack_base;         /* lowest address of its stack region */
    uint64_t index;           /* stack index in the arena */
    /* hot: every switch (kept next to the tail and to the stack frames just below the G) */
    uint64_t id;              /* > 0 while alive */
    int64_t slot;             /* probe G row, -1 none (fixed for the stack's life) */
    struct gort_m *m;         /* M running it (valid while RUNNING/SYSCALL) */
    uint32_t state;           /* enum gort_gstate; changed only through sched__setg2 */
    uint32_t wait_reason;     /* enum gort_probe_wait while GS_WAITING */
    int32_t lastp;            /* for the probe */
    struct gort_ctx ctx;      /* saved registers while not running */
    struct gort_gtop top;     /* public tail: must be last, ends at the stack's top */
};

/* Stack pools (stack.c). */
#define GORT_CANARY 0x5ca1ab1edeadbeefULL
struct gort_g *gort__stack_alloc(struct gort_p *p);
void gort__stack_free(struct gort_p *p, struct gort_g *g);
int gort__stack_init(size_t max_stacks);
void gort__stack_fini(void);
void gort__stack_scrub(void); /* sysmon: MADV_DONTNEED cold pool stacks */
bool gort__stack_canary_ok(struct gort_g *g);
void gort__stack_drain_cache(struct gort_p *p);

static inline struct gort_g *gort__getg(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    return (struct gort_g *)((sp | (GORT_STACK_SIZE - 1)) + 1 - sizeof(struct gort_g));
}

/* ---- processors and machines ---- */
struct gort_p {
    _Alignas(64) int32_t id;
    uint32_t status;          /* enum gort_probe_pstatus (atomic: sysmon CASes SYSCALL) */
    struct gort_m *m;         /* M holding it */
    struct gort_p *link;      /* idle P list */
    uint64_t schedtick, syscalltick;
    /* sysmon's view, for retake */
    uint64_t sysmon_tick, sysmon_when;     /* schedtick seen and when */
    uint64_t sysmon_stick, sysmon_swhen;   /* syscalltick seen and when */
    uint32_t runqhead, runqtail;
    struct gort_g *runq[GORT_RUNQ];
    struct gort_g *runnext;
    /* per-P stack cache: pointers, so taking one never touches a cold stack */
    struct gort_g *stack_cache[GORT_STACK_CACHE];
    uint32_t nstack_cache;
    uint64_t goidcache, goidcacheend; /* ids [cache, end) taken from goidgen, as Go's */
    struct gort_probe_p *probe;
};

struct gort_m {
    int32_t id;
    pthread_t thread;
    bool has_thread;          /* created by pthread_create (M0 is gort_main's caller) */
    struct gort_ctx g0ctx;    /* the scheduler's context on the thread stack */
    void *g0_fiber;           /* TSan */
    struct gort_p *p;         /* P held, NULL none */
    struct gort_p *nextp;     /* P handed over by startm */
    struct gort_p *oldp;      /* P left in syscall */
    struct gort_g *curg;
    struct gort_m *link;      /* idle M list */
    struct gort_m *alllink;
    bool spinning;
    uint32_t park;            /* note */
    uint32_t fastrand;
    /* the action to run on g0 after the current G switched out */
    struct gort_g *(*mcall_fn)(struct gort_m *m, struct gort_g *g);
    struct gort_g *mcall_g;   /* the G that called sched__mcall */
    struct gort_g *yielded;   /* a G that handed this M over directly; queued on resume */
    bool (*unlockf)(struct gort_g *g, void *arg);
    void *unlock_arg;
    struct gort_probe_m *probe;
};

/* Grouped by who writes what: a read-mostly field sharing a cache line with the lock or the
 * spinning count took a miss on every schedule() (perf on bench_spawn: the loads of exiting
 * and gomaxprocs were 40% of sched__loop's samples). */
#define GORT_CACHELINE 64
struct gort_sched {
    /* read-mostly: written at start, at exit and when GOMAXPROCS changes */
    uint32_t gomaxprocs;      /* atomic */
    uint32_t exiting;         /* atomic */
    struct gort_g *maing;
    pthread_t sysmon_thread;
    struct gort_probe_hdr *probe;
    struct gort_probe_m *sysmon_probe;
    void *board;
    bool board_private;
    bool valgrind;
    size_t board_len;
    uint32_t nslots;
    uintptr_t arena_lo, arena_hi; /* goroutine stacks live in [lo, hi) */

    /* under the lock */
    _Alignas(GORT_CACHELINE) uint32_t lock;
    /* global run queue: a growable ring of pointers (not a list through the Gs: each G sits
     * on its own stack page, so walking a list is a TLB miss per G, under the lock) */
    struct gort_g **runq;
    uint64_t runq_head, runq_cap; /* cap is a power of two */
    uint64_t runq_size;       /* read without the lock by the spawner's back-pressure */
    struct gort_p *pidle;
    struct gort_m *midle;
    uint32_t nmidle;
    int32_t mcount;
    struct gort_m *allm;

    /* atomics every M touches while looking for work */
    _Alignas(GORT_CACHELINE) uint32_t npidle;
    uint32_t nmspinning;
    uint32_t needspinning;    /* a wakep found no idle P: the next M to give one up spins */
    uint32_t sysmon_note;

    _Alignas(GORT_CACHELINE) uint32_t polling; /* an M is blocked in epoll_wait (atomic) */
    uint64_t lastpoll;        /* atomic */
    uint64_t goidgen;         /* atomic; Ps take ids from it in batches (GORT_GOID_BATCH) */

    _Alignas(GORT_CACHELINE) struct gort_p allp[GORT_MAX_PROCS];
};
extern struct gort_sched gort__sched;

/* The current M: on a goroutine stack its G's M, on g0 the thread's. */
struct gort_m *gort__curm(void);
bool gort__on_gstack(void);

/* State changes: the one place that checks a transition; aborts on an impossible one. */
void gort__casgstatus(struct gort_g *g, uint32_t from, uint32_t to);
bool gort__transition_ok(uint32_t from, uint32_t to);

/*
 * Parks the current goroutine: switches to g0, sets it WAITING(reason), then calls
 * unlockf(g, arg) there (typically releasing the lock guarding the wait queue g was put on);
 * if unlockf returns false the goroutine resumes at once.
 */
void gort__park(bool (*unlockf)(struct gort_g *, void *), void *arg, uint32_t reason);
bool gort__park_unlock(struct gort_g *g, void *lock); /* unlockf releasing a gort__lock */
/* Makes a WAITING goroutine runnable (from any goroutine or g0). */
void gort__ready(struct gort_g *g, bool next);
/* Queues a list (schedlink-linked, n long) readied on a thread without a P. */
void gort__inject_list(struct gort_g *head, struct gort_g *tail, int n);
uint64_t gort__now(void);
uint32_t gort__fastrand(void);

/* A waiter on an intrusive wait queue (on the waiting G's stack). */
struct gort__waiter {
    struct gort_g *g;
    struct gort__waiter *next, *prev;
    void *elem;               /* channels: element buffer */
    struct gort_chan *chan;
    bool is_select;
    bool success;             /* channels: false if woken by close */
    int idx;                  /* select case index */
};

/* Timers (timer.c). */
void gort__timer_init(void);
void gort__timer_fini(void);
/* Readies the goroutines whose time has come; returns the next deadline (UINT64_MAX none). */
uint64_t gort__timer_run(uint64_t now);
uint64_t gort__timer_next(void);
extern uint64_t gort__timer_next_when; /* atomic */

/* Netpoller (netpoll.c). */
int gort__netpoll_init(void);
void gort__netpoll_fini(void);
/* Polls; timeout_ns 0 = don't block, UINT64_MAX = forever. Returns readied Gs as a list. */
int gort__netpoll(uint64_t timeout_ns, struct gort_g **head, struct gort_g **tail);
void gort__netpoll_break(void);
bool gort__netpoll_has_waiters(void);
extern uint64_t gort__netpoll_waiters; /* atomic */

/* Probe (probe.c). */
void gort__probe_init(void);
void gort__probe_fini(void);
void gort__probe_gslot(struct gort_g *g);  /* writes a spawned G's slot */

#endif
