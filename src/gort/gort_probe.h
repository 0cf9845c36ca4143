/*
 * gort_probe.h — the goroutine runtime's probe board: a versioned, fixed-layout, pointer-free
 * block of memory that the runtime keeps current while it runs and that another process
 * (schedwatch's monitor) reads through a shared mapping.
 *
 * Layout (all offsets from the start of the board, all sizes multiples of 8):
 *
 *     struct gort_probe_hdr                        at 0
 *     struct gort_probe_p   p[GORT_PROBE_MAX_P]    at hdr.p_off
 *     struct gort_probe_m   m[GORT_PROBE_MAX_M]    at hdr.m_off
 *     struct gort_probe_g   g[hdr.nslots]          at hdr.g_off
 *
 * Writers: the runtime only, each field with a relaxed atomic store of its own width. Most
 * rows have a single writer (a P row is written by the M holding that P, an M row by that M's
 * thread), so there is no read-modify-write on shared cache lines on the scheduling paths.
 * Totals over all goroutines (per-state counts, switches, spawns, ...) are therefore kept as
 * per-M counters and summed by the reader: gort_probe_totals() does that.
 *
 * Readers must tolerate torn snapshots: a row may be read half before and half after an update,
 * and per-state counts summed over M rows may be transiently off by a few (even negative: a G
 * may leave a state on one M and have entered it on another). gort_probe_copy() copies the
 * board with 64-bit relaxed loads, so each 8-byte word is read whole.
 *
 * Versioning: magic and version are written last at init; a reader checks magic, version and
 * the three row sizes before trusting anything. Fields are only ever appended to rows (sizes
 * grow) in a new version.
 *
 * G slots: a goroutine has a slot when the stack it runs on is one of the first hdr.nslots
 * stacks the runtime carved; stacks are pooled and reused, so slots are reused too. A slot
 * with gid == 0 is empty (the stack is in the pool).
 */
#ifndef SW_GORT_PROBE_H
#define SW_GORT_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GORT_PROBE_MAGIC 0x54524f47u /* "GORT" little-endian */
#define GORT_PROBE_VERSION 1u
#define GORT_PROBE_MAX_P 64
#define GORT_PROBE_MAX_M 128
#define GORT_PROBE_NUSER 2

/* Goroutine states, as shown (enum gort_gstate in gort.h uses the same numbers). */
enum gort_probe_gstate {
    GORT_PG_IDLE = 0,     /* slot's stack is pooled, or G just allocated */
    GORT_PG_RUNNABLE = 1, /* on a run queue */
    GORT_PG_RUNNING = 2,  /* on an M */
    GORT_PG_WAITING = 3,  /* parked; see wait_reason */
    GORT_PG_SYSCALL = 4,  /* between gort_syscall_enter and _exit */
    GORT_PG_DEAD = 5,     /* returned; stack about to be pooled */
    GORT_PG_NSTATES = 6,
};

/* Why a goroutine waits (valid when state == GORT_PG_WAITING). */
enum gort_probe_wait {
    GORT_PW_NONE = 0,
    GORT_PW_CHAN_SEND = 1,
    GORT_PW_CHAN_RECV = 2,
    GORT_PW_SELECT = 3,
    GORT_PW_MUTEX = 4,
    GORT_PW_WAITGROUP = 5,
    GORT_PW_SLEEP = 6,  /* timer */
    GORT_PW_IO_READ = 7,
    GORT_PW_IO_WRITE = 8,
    GORT_PW_FOREVER = 9, /* select with no cases */
    GORT_PW_NREASONS = 10,
};

enum gort_probe_pstatus {
    GORT_PP_IDLE = 0,    /* on the idle P list */
    GORT_PP_RUNNING = 1, /* owned by an M running Go code or the scheduler */
    GORT_PP_SYSCALL = 2, /* its M is in a system call; sysmon may retake it */
    GORT_PP_DEAD = 3,    /* beyond GOMAXPROCS */
};

enum gort_probe_mstate {
    GORT_PM_UNUSED = 0,
    GORT_PM_RUNNING = 1,  /* holds a P, running a G or the scheduler */
    GORT_PM_SPINNING = 2, /* holds a P, looking for work to steal */
    GORT_PM_IDLE = 3,     /* parked without a P (or blocked in the netpoller) */
    GORT_PM_SYSCALL = 4,  /* its G is in a system call */
    GORT_PM_EXITED = 5,
};

struct gort_probe_hdr {
    uint32_t magic;       /* GORT_PROBE_MAGIC once the board is valid */
    uint32_t version;     /* GORT_PROBE_VERSION */
    uint32_t hdr_size;    /* sizeof(struct gort_probe_hdr) */
    uint32_t p_size;      /* sizeof(struct gort_probe_p) */
    uint32_t m_size;      /* sizeof(struct gort_probe_m) */
    uint32_t g_size;      /* sizeof(struct gort_probe_g) */
    uint32_t max_p;       /* rows in p[] */
    uint32_t max_m;       /* rows in m[] */
    uint32_t nslots;      /* rows in g[] */
    uint32_t p_off;       /* byte offset of p[] */
    uint32_t m_off;       /* byte offset of m[] */
    uint32_t g_off;       /* byte offset of g[] */
    uint32_t gomaxprocs;  /* current number of Ps */
    uint32_t nm;          /* M rows in use (threads created so far) */
    uint32_t pid;         /* process that writes the board */
    uint32_t running;     /* 1 between gort_main's start and its end */
    uint64_t start_ns;    /* CLOCK_MONOTONIC at gort_init */
    uint64_t globrunq;    /* global run queue length */
    uint64_t npidle;      /* Ps on the idle list */
    uint64_t nmspinning;  /* Ms spinning */
    uint64_t stacks_carved; /* stacks ever carved from the arena */
    uint64_t stacks_free;   /* stacks in the global pool (per-P caches of <= 64 not counted) */
    uint64_t stack_size;    /* bytes per stack (virtual) */
    uint64_t sysmon_ticks;  /* sysmon iterations */
    uint64_t netpoll_waiters; /* goroutines parked on the netpoller */
    uint64_t timers;        /* goroutines sleeping on a timer */
    uint64_t reserved[6];
};

struct gort_probe_p {
    uint32_t status;         /* enum gort_probe_pstatus */
    int32_t m;               /* M row holding it, -1 none */
    uint32_t runq_len;       /* local run queue length (0..256) */
    uint32_t pad;
    uint64_t runnext;        /* gid in the runnext slot, 0 none */
    uint64_t curg;           /* gid running on it, 0 none */
    uint64_t schedtick;      /* incremented on every non-inherited schedule */
    uint64_t syscalltick;    /* incremented on every syscall entry */
    uint64_t steals_made;    /* successful steals by this P's M */
    uint64_t steals_suffered; /* times another P stole from this one */
    uint64_t gs_stolen;      /* goroutines this P took by stealing */
    uint64_t reserved[3];
};

struct gort_probe_m {
    uint32_t state;          /* enum gort_probe_mstate */
    int32_t p;               /* P id held, -1 none */
    int32_t cpu;             /* core on its last schedule (sched_getcpu), -1 unknown */
    uint32_t tid;            /* Linux thread id */
    uint64_t curg;           /* gid running, 0 none */
    /* Counters owned by this M (sum over rows for totals). */
    uint64_t switches;       /* goroutine switches (a G was started or resumed) */
    uint64_t spawns;         /* goroutines created by code running on this M */
    uint64_t preemptions;    /* goroutines that yielded because sysmon flagged them */
    uint64_t netpoll_wakes;  /* goroutines readied by the netpoller */
    uint64_t handoffs;       /* Ps retaken from a syscall by sysmon (sysmon's row) */
    uint64_t steals;         /* goroutines stolen */
    uint64_t user[GORT_PROBE_NUSER]; /* gort_probe_user_add() totals */
    int64_t gstate[GORT_PG_NSTATES]; /* entries minus exits per state made on this M */
    int64_t wait[GORT_PW_NREASONS];  /* same, per wait reason */
    uint64_t reserved[4];
};

struct gort_probe_g {
    uint64_t gid;            /* goroutine id (1 = main), 0 = empty slot */
    uint32_t state;          /* enum gort_probe_gstate */
    uint32_t wait_reason;    /* enum gort_probe_wait */
    int32_t p;               /* P it last ran on, -1 never */
    int32_t m;               /* M row it last ran on, -1 never */
    int32_t cpu;             /* core it last ran on (sched_getcpu), -1 unknown */
    uint32_t pad;
    uint64_t switches;       /* times it was switched in */
    uint64_t start_ns;       /* CLOCK_MONOTONIC when spawned */
    uint64_t user[GORT_PROBE_NUSER]; /* gort_probe_user_add() */
};

/* Bytes a board with nslots G slots needs. */
size_t gort_probe_size(uint32_t nslots);

/* G slots that fit in len bytes (0 if even the fixed part does not fit). */
uint32_t gort_probe_slots_for(size_t len);

/*
 * Copies a live board (src, srclen bytes) into dst (dstlen >= srclen) with 64-bit relaxed
 * loads, then validates magic, version and row sizes. Returns 0, -EINVAL for a bad or not yet
 * initialised board, or -ENOSPC when dst is too small.
 */
int gort_probe_copy(void *dst, size_t dstlen, const void *src, size_t srclen);

/* Sums over all M rows of a (copied) board; negative per-state counts are clamped to 0. */
struct gort_probe_totals {
    uint64_t switches, spawns, preemptions, netpoll_wakes, handoffs, steals;
    uint64_t user[GORT_PROBE_NUSER];
    uint64_t gstate[GORT_PG_NSTATES];
    uint64_t wait[GORT_PW_NREASONS];
    uint32_t ms_running, ms_spinning, ms_idle, ms_syscall;
};
void gort_probe_totals(const void *board, struct gort_probe_totals *out);

/* Rows of a validated board. */
static inline const struct gort_probe_hdr *gort_probe_hdr(const void *board)
{
    return (const struct gort_probe_hdr *)board;
}
static inline const struct gort_probe_p *gort_probe_prow(const void *board, uint32_t i)
{
    const struct gort_probe_hdr *h = (const struct gort_probe_hdr *)board;
    return (const struct gort_probe_p *)((const char *)board + h->p_off + (size_t)i * h->p_size);
}
static inline const struct gort_probe_m *gort_probe_mrow(const void *board, uint32_t i)
{
    const struct gort_probe_hdr *h = (const struct gort_probe_hdr *)board;
    return (const struct gort_probe_m *)((const char *)board + h->m_off + (size_t)i * h->m_size);
}
static inline const struct gort_probe_g *gort_probe_grow(const void *board, uint32_t i)
{
    const struct gort_probe_hdr *h = (const struct gort_probe_hdr *)board;
    return (const struct gort_probe_g *)((const char *)board + h->g_off + (size_t)i * h->g_size);
}

#endif
