/*
 * work.h — the workloads, written once and run by every model host.
 *
 * A workload is described by struct work_params. The parts every model
 * shares live here: the dataset and its hash (cpu, mixed), the request
 * protocol of the latency server and a blocking client (io, mixed), the
 * shared table (lock). Each model drives them its own way: procs and
 * threads block, the loop keeps a state machine per task.
 *
 * CPU work calls work_preempt() at its loop back-edges (every
 * WORK_HOOK_BYTES). It is a no-op until a model installs a hook: the threads
 * model's GIL checks its drop request there, the goroutine runtime will
 * check its preemption flag there.
 */
#ifndef SW_WORK_H
#define SW_WORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum work_kind {
    WORK_CPU = 0,
    WORK_IO,
    WORK_MIXED,
    WORK_LOCK,
    WORK_FANOUT,
    WORK_SPAWN,
    WORK_PINGPONG,
    WORK_COUNT
};

#define WORK_DATA_SIZE_DEFAULT  (64u << 20)
#define WORK_CHUNK_DEFAULT      (256u << 10)
#define WORK_RESP_DEFAULT       1024u
#define WORK_LATENCY_DEFAULT_NS (20ull * 1000 * 1000)
#define WORK_TABLE_DEFAULT      1024u
#define WORK_HOOK_BYTES         4096u
#define WORK_FANOUT_NS          (10ull * 1000 * 1000)   /* one message per 10 ms */
#define WORK_RESP_MAX           (16u << 20)

struct work_params {
    enum work_kind kind;
    uint32_t ntasks;
    uint64_t data_size;         /* cpu, mixed: bytes of the dataset */
    uint32_t chunk_size;        /* cpu, mixed: bytes hashed per unit */
    uint16_t port;              /* io, mixed: the latency server on 127.0.0.1 */
    uint32_t resp_size;         /* io, mixed: bytes per response (0: the server's default) */
    uint32_t table_size;        /* lock: entries of the shared table */
};

void work_params_default(struct work_params *p);
const char *work_name(enum work_kind k);
int work_parse(const char *name, enum work_kind *out);      /* 0 or -EINVAL */

/* --- hash: XXH64, written from the published algorithm ------------------ */

struct work_xxh64 {
    uint64_t v[4];
    uint64_t total;
    uint64_t seed;
    unsigned char buf[32];
    unsigned nbuf;
};

uint64_t work_xxh64(const void *p, size_t n, uint64_t seed);
void work_xxh64_reset(struct work_xxh64 *st, uint64_t seed);
void work_xxh64_update(struct work_xxh64 *st, const void *p, size_t n);
uint64_t work_xxh64_digest(const struct work_xxh64 *st);

/* --- preemption hook ---------------------------------------------------- */

extern void (*work_preempt_hook)(void);

static inline void work_preempt(void)
{
    if (__builtin_expect(work_preempt_hook != NULL, 0))
        work_preempt_hook();
}

/* Hashes n bytes with XXH64, calling work_preempt() every WORK_HOOK_BYTES. */
uint64_t work_crunch(const void *p, size_t n, uint64_t seed);

/* --- dataset ------------------------------------------------------------ */

struct work_data {
    unsigned char *bytes;       /* size bytes, private anonymous mapping */
    size_t size;
    size_t chunk;
    size_t nchunks;
};

/* Generates the dataset (a splitmix64 stream from seed). 0 or -ENOMEM. */
int work_data_init(struct work_data *d, size_t size, size_t chunk, uint64_t seed);
void work_data_free(struct work_data *d);
/* Hashes chunk i (mod nchunks); returns the hash. */
uint64_t work_data_chunk(const struct work_data *d, uint64_t i);

/* --- latency server protocol --------------------------------------------
 * A request is one struct work_req; the answer, after the server's latency,
 * is resp_size bytes: struct work_resp, then filler. */

#define WORK_REQ_MAGIC 0x71657773u     /* "swreq" */

struct work_req {
    uint32_t magic;
    uint32_t resp_size;         /* 0: the server's default; clamped to [16, WORK_RESP_MAX] */
    uint64_t tag;               /* echoed */
};

struct work_resp {
    uint64_t tag;
    uint64_t size;              /* bytes of the whole response */
};

/* Blocking client: connects to 127.0.0.1:port (TCP_NODELAY). fd or -errno. */
int work_io_connect(uint16_t port);
/* Sends one request and reads the whole response into buf (cap bytes; the
 * rest is discarded). Returns the response size or -errno. */
long work_io_call(int fd, uint32_t resp_size, uint64_t tag, void *buf, size_t cap);

/* --- fanout: one message, published to every subscriber ------------------ */

struct work_msg {
    uint64_t seq;
    uint64_t t_ns;              /* CLOCK_MONOTONIC when published */
};

/* --- lock: the shared table -------------------------------------------- */

/* One update of entry key: the work done while the lock is held. */
void work_table_update(uint64_t *table, uint32_t size, uint64_t key);

/* Next pseudo-random number of a per-task stream. */
static inline uint64_t work_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#endif
