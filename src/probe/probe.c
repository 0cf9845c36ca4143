/*
 * probe.c — the probe board: layout helpers, the writer's relaxed-atomic
 * updates and the reader's copy. See probe.h for the ABI and why no lock.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe/probe.h"
#include "util.h"

#define RLX memory_order_relaxed

_Static_assert(sizeof(struct probe_slot) == 64, "a slot is one cache line");
_Static_assert(sizeof(struct probe_header) % 64 == 0, "slots start on a cache line");

size_t probe_size(uint32_t nslots)
{
    return sizeof(struct probe_header) + (size_t)nslots * sizeof(struct probe_slot);
}

uint32_t probe_slots_for(uint32_t ntasks)
{
    return MIN(ntasks, PROBE_SLOTS_MAX);
}

void probe_init(void *board, uint32_t nslots, enum probe_model model)
{
    struct probe_header *h = board;

    h->magic = PROBE_MAGIC;
    h->abi = PROBE_ABI;
    h->header_size = sizeof(*h);
    h->slot_size = sizeof(struct probe_slot);
    h->total_size = probe_size(nslots);
    h->nslots = nslots;
    h->model = model;
    atomic_store_explicit(&h->status, PROBE_STATUS_STARTING, RLX);
    struct probe_slot *s = (struct probe_slot *)(h + 1);
    for (uint32_t i = 0; i < nslots; i++)
        atomic_store_explicit(&s[i].cpu, -1, RLX);
}

int probe_check(const void *board, size_t size)
{
    const struct probe_header *h = board;

    if (size < sizeof(*h) || h->magic != PROBE_MAGIC || h->abi != PROBE_ABI)
        return -EPROTO;
    if (h->header_size != sizeof(*h) || h->slot_size != sizeof(struct probe_slot) ||
        h->nslots > PROBE_SLOTS_MAX || h->total_size != probe_size(h->nslots) ||
        h->total_size > size || h->model >= PROBE_MODEL_COUNT)
        return -EINVAL;
    return 0;
}

/* --- writer ----------------------------------------------------------- */

struct probe_slot *probe_slot(struct probe_header *h, uint32_t task)
{
    if (task >= h->nslots)
        return NULL;
    return (struct probe_slot *)(h + 1) + task;
}

void probe_add(_Atomic uint64_t *counter, uint64_t n)
{
    atomic_fetch_add_explicit(counter, n, RLX);
}

void probe_set(_Atomic uint64_t *gauge, uint64_t v)
{
    atomic_store_explicit(gauge, v, RLX);
}

void probe_max(_Atomic uint64_t *gauge, uint64_t v)
{
    uint64_t old = atomic_load_explicit(gauge, RLX);

    while (v > old && !atomic_compare_exchange_weak_explicit(gauge, &old, v, RLX, RLX))
        ;
}

/* The caller's Rss and Pss in bytes, from smaps_rollup (0 when unreadable). */
static void probe__self_mem(uint64_t *rss, uint64_t *pss)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "re");
    if (f == NULL)
        return;
    char line[256];
    unsigned long long kb;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "Rss: %llu kB", &kb) == 1)
            *rss = kb * 1024;
        else if (sscanf(line, "Pss: %llu kB", &kb) == 1)
            *pss = kb * 1024;
    }
    fclose(f);
}

void probe_begin(struct probe_header *h, uint32_t workload, uint32_t asked,
                 uint32_t ntasks, uint32_t flags)
{
    /* Odd generation while counters are zeroed: a reader retries. */
    uint64_t gen = atomic_fetch_add_explicit(&h->generation, 1, memory_order_acq_rel) + 1;

    if (!(gen & 1))
        gen = atomic_fetch_add_explicit(&h->generation, 1, memory_order_acq_rel) + 1;
    atomic_thread_fence(memory_order_release);

    size_t off = offsetof(struct probe_header, units);
    size_t end = offsetof(struct probe_header, gort);
    for (size_t i = off; i < end; i += sizeof(uint64_t))
        atomic_store_explicit((_Atomic uint64_t *)((char *)h + i), 0, RLX);
    struct probe_slot *s = (struct probe_slot *)(h + 1);
    for (uint32_t i = 0; i < h->nslots; i++) {
        atomic_store_explicit(&s[i].state, PROBE_ST_IDLE, RLX);
        atomic_store_explicit(&s[i].cpu, -1, RLX);
        atomic_store_explicit(&s[i].tid, 0, RLX);
        atomic_store_explicit(&s[i].work, 0, RLX);
        atomic_store_explicit(&s[i].switches, 0, RLX);
        atomic_store_explicit(&s[i].last_lat_ns, 0, RLX);
        atomic_store_explicit(&s[i].since_ns, 0, RLX);
    }
    atomic_store_explicit(&h->state_count[PROBE_ST_IDLE], (int64_t)ntasks, RLX);
    atomic_store_explicit(&h->host_pid, (int32_t)getpid(), RLX);
    atomic_store_explicit(&h->workload, workload, RLX);
    atomic_store_explicit(&h->asked, asked, RLX);
    atomic_store_explicit(&h->ntasks, ntasks, RLX);
    atomic_store_explicit(&h->flags, flags, RLX);
    atomic_store_explicit(&h->start_ns, util_now_ns(), RLX);
    uint64_t rss = 0, pss = 0;
    probe__self_mem(&rss, &pss);
    atomic_store_explicit(&h->base_rss, rss, RLX);
    atomic_store_explicit(&h->base_pss, pss, RLX);
    atomic_store_explicit(&h->generation, gen + 1, memory_order_release);
}

void probe_set_status(struct probe_header *h, enum probe_status st, const char *fmt, ...)
{
    char buf[PROBE_STATUS_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    atomic_fetch_add_explicit(&h->text_seq, 1, memory_order_acq_rel);
    atomic_thread_fence(memory_order_release);
    for (size_t i = 0; i < sizeof(buf); i++)
        atomic_store_explicit((_Atomic char *)&h->status_text[i], buf[i], RLX);
    atomic_fetch_add_explicit(&h->text_seq, 1, memory_order_release);
    atomic_store_explicit(&h->status, st, memory_order_release);
}

void probe_task_state(struct probe_header *h, uint32_t task, enum probe_state st,
                      uint8_t *shadow)
{
    struct probe_slot *s = probe_slot(h, task);
    uint32_t old;

    if (s != NULL) {
        old = atomic_exchange_explicit(&s->state, st, RLX);
        atomic_store_explicit(&s->since_ns, util_now_ns(), RLX);
    } else if (shadow != NULL) {
        old = *shadow;
        *shadow = (uint8_t)st;
    } else {
        return;
    }
    if (old == st || old >= PROBE_ST_COUNT)
        return;
    atomic_fetch_sub_explicit(&h->state_count[old], 1, RLX);
    atomic_fetch_add_explicit(&h->state_count[st], 1, RLX);
}

void probe_latency(struct probe_header *h, uint64_t lat_ns)
{
    atomic_fetch_add_explicit(&h->hist[probe_hist_bucket(lat_ns)], 1, RLX);
    atomic_fetch_add_explicit(&h->lat_count, 1, RLX);
    atomic_fetch_add_explicit(&h->lat_sum_ns, lat_ns, RLX);
    probe_max(&h->lat_max_ns, lat_ns);
}

void probe_task_unit(struct probe_header *h, uint32_t task, uint64_t bytes, uint64_t lat_ns)
{
    struct probe_slot *s = probe_slot(h, task);

    atomic_fetch_add_explicit(&h->units, 1, RLX);
    if (bytes)
        atomic_fetch_add_explicit(&h->bytes, bytes, RLX);
    if (lat_ns)
        probe_latency(h, lat_ns);
    if (s == NULL)
        return;
    /* Only the task's own runner writes its slot: no read-modify-write race. */
    atomic_store_explicit(&s->work, atomic_load_explicit(&s->work, RLX) + 1, RLX);
    if (lat_ns)
        atomic_store_explicit(&s->last_lat_ns, lat_ns, RLX);
}

void probe_task_cpu(struct probe_header *h, uint32_t task)
{
    struct probe_slot *s = probe_slot(h, task);

    if (s != NULL)
        atomic_store_explicit(&s->cpu, sched_getcpu(), RLX);
}

/* --- reader ----------------------------------------------------------- */

void probe_snapshot_init(struct probe_snapshot *snap, uint32_t nslots)
{
    memset(snap, 0, sizeof(*snap));
    snap->slots = xcalloc(nslots ? nslots : 1, sizeof(struct probe_slot));
    snap->slots_cap = nslots;
}

void probe_snapshot_free(struct probe_snapshot *snap)
{
    free(snap->slots);
    snap->slots = NULL;
    snap->slots_cap = 0;
}

#define LD(field) atomic_load_explicit(&(field), RLX)

static void probe__copy_text(const struct probe_header *h, char *out)
{
    for (int tries = 0; tries < 100; tries++) {
        uint32_t seq = atomic_load_explicit(&h->text_seq, memory_order_acquire);
        if (seq & 1)
            continue;
        for (size_t i = 0; i < PROBE_STATUS_MAX; i++)
            out[i] = atomic_load_explicit((_Atomic char *)&h->status_text[i], RLX);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&h->text_seq, RLX) == seq)
            break;
    }
    out[PROBE_STATUS_MAX - 1] = '\0';
}

int probe_snapshot(const void *board, size_t size, struct probe_snapshot *snap)
{
    const struct probe_header *h = board;
    int rc = probe_check(board, size);

    if (rc < 0)
        return rc == -EINVAL ? -EPROTO : rc;
    for (int tries = 0; tries < 50; tries++) {
        uint64_t gen = atomic_load_explicit(&h->generation, memory_order_acquire);
        if (gen & 1) {
            /* A (re)start is zeroing the board: microseconds, unless the
             * writer was preempted. Give up after ~4 ms: the caller keeps
             * its previous copy and retries on its next tick. */
            if (tries < 10) {
                sched_yield();
            } else {
                struct timespec ts = { 0, 100000 };
                nanosleep(&ts, NULL);
            }
            continue;
        }
        snap->generation = gen;
        snap->t_ns = util_now_ns();
        snap->model = h->model;
        snap->nslots = h->nslots;
        snap->status = LD(h->status);
        snap->workload = LD(h->workload);
        snap->ntasks = LD(h->ntasks);
        snap->asked = LD(h->asked);
        snap->flags = LD(h->flags);
        snap->host_pid = LD(h->host_pid);
        snap->start_ns = LD(h->start_ns);
        probe__copy_text(h, snap->status_text);
        snap->units = LD(h->units);
        snap->bytes = LD(h->bytes);
        snap->errors = LD(h->errors);
        snap->checksum = LD(h->checksum);
        for (int i = 0; i < PROBE_ST_COUNT; i++)
            snap->state_count[i] = LD(h->state_count[i]);
        snap->lat_count = LD(h->lat_count);
        snap->lat_sum_ns = LD(h->lat_sum_ns);
        snap->lat_max_ns = LD(h->lat_max_ns);
        for (unsigned i = 0; i < PROBE_HIST_BUCKETS; i++)
            snap->hist[i] = LD(h->hist[i]);
        snap->loop_lag_ns = LD(h->loop_lag_ns);
        snap->loop_lag_max_ns = LD(h->loop_lag_max_ns);
        snap->loop_ready = LD(h->loop_ready);
        snap->loop_callbacks = LD(h->loop_callbacks);
        snap->loop_cb_per_s = LD(h->loop_cb_per_s);
        snap->loop_iterations = LD(h->loop_iterations);
        snap->loop_idle_ns = LD(h->loop_idle_ns);
        snap->loop_offloaded = LD(h->loop_offloaded);
        snap->gil_handoffs = LD(h->gil_handoffs);
        snap->gil_drop_requests = LD(h->gil_drop_requests);
        snap->gil_wait_ns = LD(h->gil_wait_ns);
        snap->spawned = LD(h->spawned);
        snap->spawn_ns = LD(h->spawn_ns);
        snap->base_rss = LD(h->base_rss);
        snap->base_pss = LD(h->base_pss);
        /* Word by word: the runtime writes 8-byte fields, each read whole. */
        for (size_t i = 0; i < PROBE_GORT_BYTES; i += sizeof(uint64_t)) {
            uint64_t v = atomic_load_explicit((_Atomic uint64_t *)(void *)&h->gort[i], RLX);
            memcpy(&snap->gort[i], &v, sizeof(v));
        }

        const struct probe_slot *s = (const struct probe_slot *)(h + 1);
        uint32_t n = MIN(snap->nslots, snap->slots_cap);
        for (uint32_t i = 0; i < n; i++) {
            struct probe_slot *d = &snap->slots[i];
            atomic_store_explicit(&d->state, LD(s[i].state), RLX);
            atomic_store_explicit(&d->cpu, LD(s[i].cpu), RLX);
            atomic_store_explicit(&d->tid, LD(s[i].tid), RLX);
            atomic_store_explicit(&d->work, LD(s[i].work), RLX);
            atomic_store_explicit(&d->switches, LD(s[i].switches), RLX);
            atomic_store_explicit(&d->last_lat_ns, LD(s[i].last_lat_ns), RLX);
            atomic_store_explicit(&d->since_ns, LD(s[i].since_ns), RLX);
        }
        snap->nslots = n;
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&h->generation, RLX) == gen)
            return 0;
    }
    return -EAGAIN;
}

/* --- histogram -------------------------------------------------------- */

unsigned probe_hist_bucket(uint64_t ns)
{
    if (ns < PROBE_HIST_SUB)
        return (unsigned)ns;
    unsigned msb = 63u - (unsigned)__builtin_clzll(ns);
    unsigned sub = (unsigned)(ns >> (msb - PROBE_HIST_SUB_BITS)) & (PROBE_HIST_SUB - 1);
    unsigned b = (msb - PROBE_HIST_SUB_BITS + 1) * PROBE_HIST_SUB + sub;
    return MIN(b, PROBE_HIST_BUCKETS - 1);
}

uint64_t probe_hist_lower(unsigned b)
{
    if (b < PROBE_HIST_SUB)
        return b;
    unsigned msb = b / PROBE_HIST_SUB + PROBE_HIST_SUB_BITS - 1;
    uint64_t sub = b % PROBE_HIST_SUB;
    return (1ull << msb) | (sub << (msb - PROBE_HIST_SUB_BITS));
}

uint64_t probe_hist_quantile(const uint64_t *hist, double q)
{
    uint64_t total = 0, seen = 0;

    for (unsigned i = 0; i < PROBE_HIST_BUCKETS; i++)
        total += hist[i];
    if (total == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)(total - 1)) + 1;
    for (unsigned i = 0; i < PROBE_HIST_BUCKETS; i++) {
        seen += hist[i];
        if (seen >= rank) {
            uint64_t lo = probe_hist_lower(i);
            uint64_t hi = i + 1 < PROBE_HIST_BUCKETS ? probe_hist_lower(i + 1) : lo;
            return lo + (hi - lo) / 2;
        }
    }
    return probe_hist_lower(PROBE_HIST_BUCKETS - 1);
}

uint64_t probe_delta_quantile(const struct probe_snapshot *prev,
                              const struct probe_snapshot *cur, double q)
{
    uint64_t d[PROBE_HIST_BUCKETS];

    if (prev->generation != cur->generation)
        return 0;
    for (unsigned i = 0; i < PROBE_HIST_BUCKETS; i++)
        d[i] = cur->hist[i] >= prev->hist[i] ? cur->hist[i] - prev->hist[i] : 0;
    return probe_hist_quantile(d, q);
}

const char *probe_state_name(enum probe_state st)
{
    static const char *const names[PROBE_ST_COUNT] = {
        "idle", "running", "runnable", "io", "lock", "chan", "gil", "sleep", "done",
    };
    return (unsigned)st < PROBE_ST_COUNT ? names[st] : "?";
}

const char *probe_model_name(enum probe_model m)
{
    static const char *const names[PROBE_MODEL_COUNT] = {
        "none", "procs", "threads", "loop", "goroutines", "latency",
    };
    return (unsigned)m < PROBE_MODEL_COUNT ? names[m] : "?";
}

const char *probe_status_name(enum probe_status st)
{
    static const char *const names[PROBE_STATUS_COUNT] = {
        "starting", "running", "paused", "limited", "failed",
    };
    return (unsigned)st < PROBE_STATUS_COUNT ? names[st] : "?";
}
