/*
 * probe.h — the probe board: the ABI between a model host (the writer) and
 * the monitor (the reader). Version PROBE_ABI; any change to the layout below
 * bumps it.
 *
 * The board is one shared memory region per model host. The monitor creates
 * it with memfd_create() before fork (so nothing ever lives in /dev/shm or on
 * disk), seals its size, fills the fixed part of the header and hands the fd
 * to the host across exec. The host maps it read-write; the monitor keeps a
 * read-only mapping.
 *
 *   [struct probe_header][struct probe_slot x nslots]
 *
 * Writers (the host and, for procs, its workers in other processes) use
 * relaxed atomics only: every field is a counter or a gauge that is correct
 * on its own, so no lock spans processes and a killed writer cannot wedge the
 * reader. The reader copies the board field by field (probe_snapshot) and
 * checks the generation before and after: a snapshot taken across a restart
 * is retried, otherwise a torn snapshot (one counter from a bit later than
 * another) is harmless. The status text is the one multi-word value; it is
 * guarded by its own sequence number.
 *
 * Tasks past the slot cap have no slot: their work is counted in the header
 * and their states in state_count[], which covers all tasks.
 *
 * Latency is a log-linear histogram: 16 buckets per power of two of
 * nanoseconds (a bucket is at most 6.25 % wide), so p50/p99 come out of the
 * reader's copy within ±3.2 %.
 */
#ifndef SW_PROBE_H
#define SW_PROBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAGIC         0x42505753u     /* "SWPB" little-endian */
#define PROBE_ABI           3u
#define PROBE_SLOTS_MAX     65536u
#define PROBE_HIST_SUB_BITS 4u
#define PROBE_HIST_SUB      (1u << PROBE_HIST_SUB_BITS)     /* buckets per power of two */
/* ns below 16 exactly, then 16 buckets per octave up to 2^40 ns (~18 min) */
#define PROBE_HIST_BUCKETS  ((40u - PROBE_HIST_SUB_BITS + 1) * PROBE_HIST_SUB)
#define PROBE_STATUS_MAX    160
/* The goroutine runtime's block: its fixed part (header, 64 P rows, 128 M rows:
 * gort_probe_size(0), about 37 KiB) and G rows of 64 bytes for the rest. */
#define PROBE_GORT_BYTES    65536

enum probe_model {
    PROBE_MODEL_NONE = 0,
    PROBE_MODEL_PROCS,
    PROBE_MODEL_THREADS,
    PROBE_MODEL_LOOP,
    PROBE_MODEL_GOROUTINES,
    PROBE_MODEL_LATENCY,            /* the latency server, sw-latency */
    PROBE_MODEL_COUNT
};

/* One vocabulary for every model. */
enum probe_state {
    PROBE_ST_IDLE = 0,              /* not started yet */
    PROBE_ST_RUNNING,               /* on a core (as far as the model knows) */
    PROBE_ST_RUNNABLE,              /* ready, waiting for a core / the loop / a worker */
    PROBE_ST_IO,                    /* waiting for I/O */
    PROBE_ST_LOCK,                  /* sync wait: a mutex */
    PROBE_ST_CHAN,                  /* sync wait: a channel, pipe or condition */
    PROBE_ST_GIL,                   /* sync wait: the global interpreter lock */
    PROBE_ST_SLEEP,                 /* sleeping on a timer */
    PROBE_ST_DONE,                  /* finished */
    PROBE_ST_COUNT
};

enum probe_status {
    PROBE_STATUS_STARTING = 0,      /* created by the monitor, host not up yet */
    PROBE_STATUS_RUNNING,
    PROBE_STATUS_PAUSED,
    PROBE_STATUS_LIMITED,           /* running fewer tasks than asked: see text */
    PROBE_STATUS_FAILED,            /* the host gave up: see text */
    PROBE_STATUS_COUNT
};

/* One task. 64 bytes: one cache line, so tasks on different cores do not
 * share lines. */
struct probe_slot {
    _Atomic uint32_t state;         /* enum probe_state */
    _Atomic int32_t  cpu;           /* last core, sched_getcpu(); -1 unknown */
    _Atomic int32_t  tid;           /* OS thread running it (procs: the worker) */
    _Atomic uint32_t pad0;
    _Atomic uint64_t work;          /* units done */
    _Atomic uint64_t switches;      /* hand-offs the model knows of; 0 if it does not */
    _Atomic uint64_t last_lat_ns;   /* latency of its last unit (I/O, delivery, bounce) */
    _Atomic uint64_t since_ns;      /* CLOCK_MONOTONIC when it entered its state */
    uint64_t reserved[2];
};

struct probe_header {
    /* Written once by the monitor before fork; never changed. */
    uint32_t magic;                 /* PROBE_MAGIC */
    uint32_t abi;                   /* PROBE_ABI */
    uint32_t header_size;           /* sizeof(struct probe_header) */
    uint32_t slot_size;             /* sizeof(struct probe_slot) */
    uint64_t total_size;            /* bytes of the whole board */
    uint32_t nslots;                /* slots that follow the header */
    uint32_t model;                 /* enum probe_model */

    /* Written by the host. */
    _Atomic uint64_t generation;    /* bumped by each (re)start of the host */
    _Atomic int32_t  host_pid;
    _Atomic uint32_t status;        /* enum probe_status */
    _Atomic uint32_t workload;      /* enum work_kind */
    _Atomic uint32_t ntasks;        /* tasks running (may be < asked: LIMITED) */
    _Atomic uint32_t asked;         /* tasks asked for */
    _Atomic uint32_t flags;         /* PROBE_F_* */
    _Atomic uint64_t start_ns;      /* CLOCK_MONOTONIC of this generation's start */
    _Atomic uint32_t text_seq;      /* odd while status_text is being written */
    char status_text[PROBE_STATUS_MAX];

    /* Counters of all tasks (slot or not), since start_ns. */
    _Atomic uint64_t units;         /* work units done: chunks, requests, updates... */
    _Atomic uint64_t bytes;         /* bytes hashed or received */
    _Atomic uint64_t errors;
    _Atomic uint64_t checksum;      /* xor of results: proof the work was done */
    _Atomic int64_t  state_count[PROBE_ST_COUNT];
    _Atomic uint64_t lat_count;
    _Atomic uint64_t lat_sum_ns;
    _Atomic uint64_t lat_max_ns;
    _Atomic uint64_t hist[PROBE_HIST_BUCKETS];

    /* loop */
    _Atomic uint64_t loop_lag_ns;       /* last measured timer lag */
    _Atomic uint64_t loop_lag_max_ns;   /* worst since start */
    _Atomic uint64_t loop_ready;        /* callbacks ready but not run yet */
    _Atomic uint64_t loop_callbacks;    /* task callbacks run */
    _Atomic uint64_t loop_cb_per_s;     /* over the last second */
    _Atomic uint64_t loop_iterations;
    _Atomic uint64_t loop_idle_ns;      /* uv_metrics_idle_time() */
    _Atomic uint64_t loop_offloaded;    /* chunks sent to the thread pool */

    /* threads */
    _Atomic uint64_t gil_handoffs;      /* GIL taken by another thread than its last holder */
    _Atomic uint64_t gil_drop_requests;
    _Atomic uint64_t gil_wait_ns;       /* total time threads waited for the GIL */

    /* procs, threads, spawn */
    _Atomic uint64_t spawned;           /* tasks created (spawn workload) */
    _Atomic uint64_t spawn_ns;          /* total creation+exit time */
    /* The host's own memory when this generation began, before its tasks
     * existed: memory per task is (memory now - this) / tasks. */
    _Atomic uint64_t base_rss;          /* bytes, /proc/self/smaps_rollup Rss */
    _Atomic uint64_t base_pss;          /* bytes, Pss */

    /* The goroutine runtime's own block: layout defined by src/gort/. */
    _Alignas(64) unsigned char gort[PROBE_GORT_BYTES];
};

#define PROBE_F_GIL      0x1u
#define PROBE_F_OFFLOAD  0x2u

/* What a reader copies out. slots has nslots entries (owned by the caller). */
struct probe_snapshot {
    uint64_t generation;
    uint64_t t_ns;                  /* when the copy was taken */
    uint32_t model, status, workload, ntasks, asked, flags, nslots;
    int32_t  host_pid;
    uint64_t start_ns;
    char     status_text[PROBE_STATUS_MAX];
    uint64_t units, bytes, errors, checksum;
    int64_t  state_count[PROBE_ST_COUNT];
    uint64_t lat_count, lat_sum_ns, lat_max_ns;
    uint64_t hist[PROBE_HIST_BUCKETS];
    uint64_t loop_lag_ns, loop_lag_max_ns, loop_ready, loop_callbacks, loop_cb_per_s;
    uint64_t loop_iterations, loop_idle_ns, loop_offloaded;
    uint64_t gil_handoffs, gil_drop_requests, gil_wait_ns;
    uint64_t spawned, spawn_ns;
    uint64_t base_rss, base_pss;
    _Alignas(8) unsigned char gort[PROBE_GORT_BYTES];   /* copy of the runtime's block */
    struct probe_slot *slots;       /* plain copies; read with the same atomics API */
    uint32_t slots_cap;             /* entries slots can hold */
};

/* Bytes of a board with nslots slots. */
size_t probe_size(uint32_t nslots);

/* Slot count for ntasks tasks: ntasks capped at PROBE_SLOTS_MAX. */
uint32_t probe_slots_for(uint32_t ntasks);

/* Fills the fixed part of a zeroed board of probe_size(nslots) bytes. */
void probe_init(void *board, uint32_t nslots, enum probe_model model);

/* Checks magic, ABI and sizes against the size the caller mapped.
 * Returns 0 or -EPROTO / -EINVAL. */
int probe_check(const void *board, size_t size);

/* --- writer side (hosts) ---------------------------------------------- */

struct probe_slot *probe_slot(struct probe_header *h, uint32_t task);  /* NULL past cap */

/* Starts a generation: zeroes counters, sets pid, workload, counts. */
void probe_begin(struct probe_header *h, uint32_t workload, uint32_t asked,
                 uint32_t ntasks, uint32_t flags);
void probe_set_status(struct probe_header *h, enum probe_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Moves a task to state st. For tasks past the slot cap the caller keeps the
 * old state (shadow) — pass a pointer to one byte per such task. */
void probe_task_state(struct probe_header *h, uint32_t task, enum probe_state st,
                      uint8_t *shadow);
/* One unit done by task: adds to its slot and the header; lat_ns 0 = none. */
void probe_task_unit(struct probe_header *h, uint32_t task, uint64_t bytes, uint64_t lat_ns);
void probe_task_cpu(struct probe_header *h, uint32_t task);     /* records sched_getcpu() */
void probe_latency(struct probe_header *h, uint64_t lat_ns);     /* histogram only */
void probe_add(_Atomic uint64_t *counter, uint64_t n);
void probe_set(_Atomic uint64_t *gauge, uint64_t v);
void probe_max(_Atomic uint64_t *gauge, uint64_t v);

/* --- reader side ------------------------------------------------------- */

/* Allocates snap->slots for nslots. */
void probe_snapshot_init(struct probe_snapshot *snap, uint32_t nslots);
void probe_snapshot_free(struct probe_snapshot *snap);
/* Copies the board (size bytes, as mapped by the reader) into snap. Retries
 * while a restart is in progress; returns 0, -EAGAIN (kept restarting),
 * -EPROTO (not a board). */
int probe_snapshot(const void *board, size_t size, struct probe_snapshot *snap);

/* Histogram helpers. */
unsigned probe_hist_bucket(uint64_t ns);
uint64_t probe_hist_lower(unsigned bucket);      /* smallest ns in bucket */
/* Quantile q in [0,1] of a histogram: the midpoint of the bucket holding it;
 * 0 when empty. */
uint64_t probe_hist_quantile(const uint64_t *hist, double q);

/* Quantile q of the latencies recorded between two snapshots of the same
 * board (prev older); 0 when none, or when a restart lies between them
 * (generations differ). */
uint64_t probe_delta_quantile(const struct probe_snapshot *prev,
                              const struct probe_snapshot *cur, double q);

const char *probe_state_name(enum probe_state st);
const char *probe_model_name(enum probe_model m);
const char *probe_status_name(enum probe_status st);

#endif
