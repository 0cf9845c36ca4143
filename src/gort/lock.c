/*
 * lock.c — the runtime's own futex lock and one-shot note. pthread mutexes would do, but a
 * 4-byte lock fits in every channel and in the public mutex struct, and the note lets an idle
 * M sleep with a timeout without a condition variable.
 *
 * The lock is Drepper's three-state mutex ("Futexes are tricky"): 0 free, 1 held, 2 held with
 * waiters.
 */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gort/gort_int.h"

static long lock__futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}

static inline void lock__relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void gort__lock(uint32_t *l)
{
    uint32_t c = 0;

    if (__atomic_compare_exchange_n(l, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    for (int spin = 0; spin < 64 && c != 0; spin++) {
        lock__relax();
        c = ld_rlx(l);
        if (c == 0) {
            c = 0;
            if (__atomic_compare_exchange_n(l, &c, 1, false, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED))
                return;
        }
    }
    if (c != 2)
        c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        lock__futex(l, FUTEX_WAIT, 2, NULL);
        c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
    }
}

void gort__unlock(uint32_t *l)
{
    if (__atomic_exchange_n(l, 0, __ATOMIC_RELEASE) == 2)
        lock__futex(l, FUTEX_WAKE, 1, NULL);
}

void gort__note_sleep(uint32_t *note, uint64_t timeout_ns)
{
    struct timespec ts, *tsp = NULL;
    uint64_t deadline = 0;

    if (timeout_ns) {
        deadline = gort__now() + timeout_ns;
        tsp = &ts;
    }
    while (ld_acq(note) == 0) {
        if (tsp) {
            uint64_t now = gort__now();
            if (now >= deadline)
                break;
            ts.tv_sec = (time_t)((deadline - now) / 1000000000u);
            ts.tv_nsec = (long)((deadline - now) % 1000000000u);
        }
        lock__futex(note, FUTEX_WAIT, 0, tsp);
    }
    st_rlx(note, 0);
}

void gort__note_wake(uint32_t *note)
{
    st_rel(note, 1);
    lock__futex(note, FUTEX_WAKE, 1, NULL);
}
