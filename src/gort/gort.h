/*
 * gort.h — the goroutine runtime: an instrumented M:N scheduler in the manner of Go's.
 *
 * Many goroutines (G) run on a few OS threads (M); an M runs goroutines only while it holds a
 * processor (P), and there are GOMAXPROCS Ps. Each P has a local run queue of 256 plus a
 * runnext slot; a global run queue takes the overflow. Idle Ms steal half of another P's queue.
 * The essay at the top of src/gort/sched.c explains the design.
 *
 * Life cycle (one runtime per process at a time; it may be started again after gort_fini):
 *
 *     struct gort_config cfg = { .nprocs = 0 };      // 0: CPUs in our affinity mask
 *     gort_init(&cfg);
 *     gort_main(main_fn, arg);    // runs until main_fn's goroutine returns
 *     gort_fini();                // frees stacks, threads, fds; nothing is left behind
 *
 * gort_main returns when the main goroutine returns, as a Go program exits when main returns:
 * goroutines still blocked or runnable then are dropped (never resumed; their stacks are
 * freed by gort_fini). It waits for every M to reach the scheduler, so a goroutine that spins
 * without preemption points, or sits in a blocking system call, delays the return.
 *
 * Which functions run where:
 *   - gort_init, gort_main, gort_fini: on an ordinary thread outside the runtime.
 *   - gort_spawn, channels, sync, timers, net, syscall bracketing, gort_yield, gort_self_*:
 *     only inside goroutines.
 *   - gort_set_procs, gort_nprocs, gort_probe_*: anywhere while the runtime is initialised.
 *   - gort_chan_new/free, GORT_MUTEX_INIT, GORT_WAITGROUP_INIT: anywhere (plain memory).
 *
 * Preemption is cooperative: sysmon flags a goroutine that has run 10 ms without switching,
 * and the goroutine yields at its next gort_preempt_point() (put one at loop back-edges of CPU
 * work) or at any blocking runtime call. There is no asynchronous, signal-based preemption:
 * stopping C code at an arbitrary instruction would leave libc locks (malloc, stdio) held by a
 * goroutine that then migrates or never runs, which Go avoids only because it controls its
 * compiler's safe points.
 *
 * Stacks are GORT_STACK_SIZE bytes of virtual memory each, carved from one reserved
 * MAP_NORESERVE arena, so only touched pages cost memory and a million goroutines need a
 * handful of mappings. The G struct sits at the top of its own stack. Overflow protection:
 * the first GORT_GUARDED_STACKS stacks carved have a PROT_NONE guard page (a fault); on every
 * switch-out the saved stack pointer is checked against the stack's bounds (abort with "stack
 * overflow"); a zero canary at the bottom of each stack is checked by sysmon when the stack
 * passes through the global pool. An overflow that returns before a switch, or that jumps
 * past the canary into the next stack down (which holds that goroutine's G struct at its top),
 * may go undetected or be detected late.
 * Keep frames small: no large arrays on goroutine stacks.
 *
 * Errors: actions return 0 or -errno. Misuse that Go turns into a panic (unlock of an unlocked
 * mutex, negative wait group counter) aborts with a message, as do an impossible goroutine
 * state change (a runtime bug) and a deadlock ("all goroutines are asleep": every M idle, no
 * timer, no netpoll waiter, nothing runnable).
 *
 * Embedding (schedwatch's goroutine model host):
 *   - Probe board: map a MAP_SHARED region of gort_probe_size(nslots) bytes before fork, pass
 *     it as cfg.probe/probe_len; the monitor reads it with gort_probe_copy() and sums the M
 *     rows with gort_probe_totals() (gort_probe.h documents every field). Without cfg.probe the
 *     runtime keeps a private board, reachable with gort_probe_board().
 *   - Work counters: gort_probe_user_add(0, units) in the workload feeds per-G user[0] (for
 *     goroutines with a slot) and the per-M totals; gort_self_set_user() keeps a private word.
 *   - CPU workloads call gort_preempt_point() at loop back-edges; I/O workloads use gort_read /
 *     gort_write on fds registered with gort_fd_open (or made by gort_accept / gort_tcp_*);
 *     anything else that may block goes through GORT_BLOCKING() or the enter/exit pair.
 *   - GOMAXPROCS changes at run time with gort_set_procs() from any thread.
 *   - A channel, mutex or wait group that still had goroutines queued on it when gort_main
 *     returned may only be freed afterwards, never used (its waiters lived on stacks that
 *     gort_fini unmaps).
 *
 * Tools: under valgrind every stack is registered (VALGRIND_STACK_REGISTER) and the arena
 * defaults to 1<<16 stacks; with ThreadSanitizer (configure --enable-tsan) every goroutine is a
 * TSan fiber, and TSan's limit of 8128 threads+fibers caps the stacks (goroutines alive at
 * once: stacks are reused) a program may use.
 */
#ifndef SW_GORT_H
#define SW_GORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "gort/gort_probe.h"

#define GORT_STACK_SIZE (64u * 1024u) /* virtual bytes per goroutine stack; power of two */
#define GORT_GUARDED_STACKS 256       /* stacks with a guard page (each costs 2 VMAs) */
#define GORT_MAX_PROCS GORT_PROBE_MAX_P

struct gort_config {
    unsigned nprocs;        /* GOMAXPROCS; 0 = CPUs in the affinity mask (at most 64) */
    size_t max_goroutines;  /* stacks reserved in the arena; 0 = 1<<20 (1<<16 under valgrind) */
    void *probe;            /* board memory (e.g. a MAP_SHARED mapping); NULL = private */
    size_t probe_len;       /* its length; the number of G slots follows from it */
    unsigned probe_slots;   /* with probe == NULL: slots of the private board (0 = 1024) */
};

typedef void (*gort_fn)(void *arg);

/* Sets the runtime up (no threads yet). Returns 0, -EBUSY if already initialised, -EINVAL for
 * a probe_len too short for the fixed part, or -ENOMEM when the stack arena can't be reserved. */
int gort_init(const struct gort_config *cfg);

/* Runs fn(arg) as goroutine 1 on the calling thread (M0) and on as many Ms as needed, and
 * returns when it returns (see above). Returns 0, or -EINVAL if not initialised. */
int gort_main(gort_fn fn, void *arg);

/* Frees everything gort_init and gort_main made: threads joined, arena unmapped, the epoll
 * and event fds closed, and so are fds still registered with gort_fd_open. The probe board
 * memory stays the embedder's; its hdr.running is 0 afterwards. */
void gort_fini(void);

/* GOMAXPROCS now. */
unsigned gort_nprocs(void);
/* Changes GOMAXPROCS (1..GORT_MAX_PROCS) while running or before gort_main; Ps beyond the new
 * count drain their queues to the global queue at their next schedule. Returns 0 or -EINVAL. */
int gort_set_procs(unsigned n);
/* CPUs in the process's affinity mask. */
unsigned gort_ncpus(void);

/* The board the runtime writes (the embedder's memory, or the private one), and its length;
 * NULL when not initialised. Read it with gort_probe_copy(). */
const void *gort_probe_board(size_t *len);

/* ---- goroutines ---------------------------------------------------------------------- */

/* Starts fn(arg) in a new goroutine (on the current P's runnext, as Go does). Returns its
 * id (> 0). Aborts if the arena is exhausted (max_goroutines live at once). May yield when
 * thousands of goroutines already wait in the global run queue (back-pressure). */
uint64_t gort_spawn(gort_fn fn, void *arg);
/* Lets other goroutines run; the caller goes to the back of its P's queue. */
void gort_yield(void);
/* Ends the calling goroutine (as returning from its function does). */
void gort_exit(void) __attribute__((noreturn));
/* Parks the calling goroutine for at least ns nanoseconds. */
void gort_sleep_ns(uint64_t ns);
/* Id of the calling goroutine. */
uint64_t gort_self_id(void);
/* P the calling goroutine runs on (0..GOMAXPROCS-1). */
int gort_self_p(void);
/* A pointer-sized value per goroutine for the embedder (0 at spawn). */
void gort_self_set_user(uintptr_t v);
uintptr_t gort_self_user(void);
/* Adds v to the calling goroutine's probe user counter idx (< GORT_PROBE_NUSER) and to its M
 * row's total, so per-G figures exist for slotted goroutines and totals for all of them. */
void gort_probe_user_add(unsigned idx, uint64_t v);

/* The public tail of the G struct, at the very top of each goroutine's stack. */
struct gort_gtop {
    volatile uint32_t preempt; /* set by sysmon (relaxed); cleared when the G switches in */
    uint32_t pad;
    uint64_t reserved[7];
};

/* The current goroutine's public tail, found from the stack pointer (no TLS: a goroutine
 * moves between threads, and compilers cache TLS addresses across calls). */
static inline struct gort_gtop *gort__gtop(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    return (struct gort_gtop *)((sp | (GORT_STACK_SIZE - 1)) + 1 - sizeof(struct gort_gtop));
}

void gort__preempted(void);

/* Cheap cooperative preemption check for loop back-edges: one load and a predicted branch. */
#define gort_preempt_point()                                                                   \
    do {                                                                                       \
        if (__builtin_expect(__atomic_load_n(&gort__gtop()->preempt, __ATOMIC_RELAXED), 0))    \
            gort__preempted();                                                                 \
    } while (0)

/* ---- channels ------------------------------------------------------------------------ */

struct gort_chan;

/* A channel of elements of elem_size bytes (0 allowed) with capacity cap (0 = unbuffered). */
struct gort_chan *gort_chan_new(size_t elem_size, size_t cap);
/* Frees a channel nobody uses any more. */
void gort_chan_free(struct gort_chan *c);
/* Blocks until the element is handed over. Returns 0, or -EPIPE if the channel is closed. */
int gort_chan_send(struct gort_chan *c, const void *elem);
/* Blocks until an element arrives (copied to elem, which may be NULL). Returns true, or false
 * when the channel is closed and drained (elem is then zeroed). */
bool gort_chan_recv(struct gort_chan *c, void *elem);
/* Closes: receivers drain what is buffered then get false; blocked senders get -EPIPE.
 * Returns 0, or -EPIPE if already closed. */
int gort_chan_close(struct gort_chan *c);
size_t gort_chan_len(struct gort_chan *c);
size_t gort_chan_cap(struct gort_chan *c);

enum gort_dir { GORT_SEND = 1, GORT_RECV = 2 };

struct gort_select_case {
    struct gort_chan *chan; /* NULL: the case never fires */
    enum gort_dir dir;
    void *elem;             /* send: source; recv: destination (may be NULL) */
    bool ok;                /* out, recv: false if it fired because the channel is closed */
    int err;                /* out, send: -EPIPE if it fired because the channel is closed */
};

/* Waits until one case can proceed and performs it; cases ready at once are chosen uniformly
 * at random. With has_default, returns -1 at once when none is ready. Returns the case index. */
int gort_select(struct gort_select_case *cases, int n, bool has_default);

/* ---- sync ---------------------------------------------------------------------------- */

/* Parks goroutines, never threads; unlock hands the mutex to the longest waiter (FIFO). */
struct gort_mutex {
    uint32_t lock;        /* internal futex lock guarding the fields below */
    uint32_t locked;
    void *head, *tail;    /* waiters (struct gort__waiter on their stacks) */
};
#define GORT_MUTEX_INIT {0, 0, NULL, NULL}
void gort_mutex_lock(struct gort_mutex *mu);
bool gort_mutex_trylock(struct gort_mutex *mu);
void gort_mutex_unlock(struct gort_mutex *mu);

struct gort_waitgroup {
    uint32_t lock;
    uint32_t pad;
    int64_t count;
    void *head, *tail;
};
#define GORT_WAITGROUP_INIT {0, 0, 0, NULL, NULL}
void gort_wg_add(struct gort_waitgroup *wg, int64_t delta);
void gort_wg_done(struct gort_waitgroup *wg);
void gort_wg_wait(struct gort_waitgroup *wg);

/* ---- network: non-blocking fds parked on the epoll netpoller ------------------------- */

/* Makes fd non-blocking and registers it with the netpoller. Returns 0 or -errno. */
int gort_fd_open(int fd);
/* Deregisters and closes fd; goroutines parked on it wake with -EBADF. Returns 0 or -errno. */
int gort_fd_close(int fd);
/* Like read/write/accept4/connect, but park the goroutine instead of blocking. Return the
 * count (or new registered fd, or 0) or -errno. gort_write writes everything unless an error
 * occurs. */
ssize_t gort_read(int fd, void *buf, size_t len);
ssize_t gort_write(int fd, const void *buf, size_t len);
int gort_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
int gort_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
/* A registered TCP socket: listening on 127.0.0.1:port (0 = any; port read back into *port),
 * or connected to 127.0.0.1:port. Return the fd or -errno. */
int gort_tcp_listen_loopback(int *port, int backlog);
int gort_tcp_dial_loopback(int port);

/* ---- blocking system calls ----------------------------------------------------------- */

/* Bracket a call that may block the thread: between them the goroutine's P may be handed to
 * another M by sysmon (after ~20 us when other work waits, 10 ms otherwise), so the rest of
 * the goroutines keep running. No other gort call may be made between the two. */
void gort_syscall_enter(void);
void gort_syscall_exit(void); /* preserves errno */

/* Evaluates a blocking call between the two: ssize_t n = GORT_BLOCKING(read(fd, b, len)); */
#define GORT_BLOCKING(call)                                                                    \
    __extension__({                                                                            \
        gort_syscall_enter();                                                                  \
        __typeof__(call) gort_r__ = (call);                                                    \
        gort_syscall_exit();                                                                   \
        gort_r__;                                                                              \
    })

#endif
