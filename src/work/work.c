/*
 * work.c — what every model shares: XXH64 (written from the algorithm's
 * description, checked against the reference vectors in tests/check_work.c),
 * the dataset, the latency server's client side, the lock table.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"
#include "work/work.h"

void (*work_preempt_hook)(void);

static const char *const work__names[WORK_COUNT] = {
    "cpu", "io", "mixed", "lock", "fanout", "spawn", "pingpong",
};

void work_params_default(struct work_params *p)
{
    memset(p, 0, sizeof(*p));
    p->kind = WORK_CPU;
    p->ntasks = 4;
    p->data_size = WORK_DATA_SIZE_DEFAULT;
    p->chunk_size = WORK_CHUNK_DEFAULT;
    p->table_size = WORK_TABLE_DEFAULT;
}

const char *work_name(enum work_kind k)
{
    return (unsigned)k < WORK_COUNT ? work__names[k] : "?";
}

int work_parse(const char *name, enum work_kind *out)
{
    for (int i = 0; i < WORK_COUNT; i++) {
        if (strcmp(name, work__names[i]) == 0) {
            *out = (enum work_kind)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* --- XXH64 ------------------------------------------------------------- */

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;           /* little-endian hosts only: x86_64, aarch64 */
}

static inline uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t round64(uint64_t acc, uint64_t in)
{
    acc += in * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}

static inline uint64_t merge64(uint64_t acc, uint64_t v)
{
    acc ^= round64(0, v);
    return acc * P1 + P4;
}

static uint64_t xxh__tail(uint64_t h, const unsigned char *p, size_t n)
{
    while (n >= 8) {
        h ^= round64(0, rd64(p));
        h = rotl(h, 27) * P1 + P4;
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        h ^= (uint64_t)rd32(p) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
        n -= 4;
    }
    while (n--) {
        h ^= (*p++) * P5;
        h = rotl(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

void work_xxh64_reset(struct work_xxh64 *st, uint64_t seed)
{
    memset(st, 0, sizeof(*st));
    st->seed = seed;
    st->v[0] = seed + P1 + P2;
    st->v[1] = seed + P2;
    st->v[2] = seed;
    st->v[3] = seed - P1;
}

static void xxh__stripes(uint64_t *v, const unsigned char *p, size_t nstripes)
{
    uint64_t a = v[0], b = v[1], c = v[2], d = v[3];

    while (nstripes--) {
        a = round64(a, rd64(p));
        b = round64(b, rd64(p + 8));
        c = round64(c, rd64(p + 16));
        d = round64(d, rd64(p + 24));
        p += 32;
    }
    v[0] = a, v[1] = b, v[2] = c, v[3] = d;
}

void work_xxh64_update(struct work_xxh64 *st, const void *data, size_t n)
{
    const unsigned char *p = data;

    st->total += n;
    if (st->nbuf) {
        size_t take = MIN(n, 32 - st->nbuf);
        memcpy(st->buf + st->nbuf, p, take);
        st->nbuf += (unsigned)take;
        p += take;
        n -= take;
        if (st->nbuf < 32)
            return;
        xxh__stripes(st->v, st->buf, 1);
        st->nbuf = 0;
    }
    xxh__stripes(st->v, p, n / 32);
    p += n / 32 * 32;
    n %= 32;
    if (n > 0)                      /* p may be NULL for an empty update */
        memcpy(st->buf, p, n);
    st->nbuf = (unsigned)n;
}

uint64_t work_xxh64_digest(const struct work_xxh64 *st)
{
    uint64_t h;

    if (st->total >= 32) {
        h = rotl(st->v[0], 1) + rotl(st->v[1], 7) + rotl(st->v[2], 12) + rotl(st->v[3], 18);
        for (int i = 0; i < 4; i++)
            h = merge64(h, st->v[i]);
    } else {
        h = st->v[2] + P5;          /* v[2] == seed */
    }
    h += st->total;
    return xxh__tail(h, st->buf, st->nbuf);
}

uint64_t work_xxh64(const void *p, size_t n, uint64_t seed)
{
    struct work_xxh64 st;

    work_xxh64_reset(&st, seed);
    work_xxh64_update(&st, p, n);
    return work_xxh64_digest(&st);
}

uint64_t work_crunch(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    struct work_xxh64 st;

    work_xxh64_reset(&st, seed);
    while (n > 0) {
        size_t take = MIN(n, (size_t)WORK_HOOK_BYTES);
        work_xxh64_update(&st, p, take);
        p += take;
        n -= take;
        work_preempt();
    }
    return work_xxh64_digest(&st);
}

/* --- dataset ----------------------------------------------------------- */

int work_data_init(struct work_data *d, size_t size, size_t chunk, uint64_t seed)
{
    memset(d, 0, sizeof(*d));
    size = MAX(size, (size_t)4096) / 8 * 8;
    chunk = CLAMP(chunk, (size_t)64, size);
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return -ENOMEM;
    uint64_t *w = m;
    for (size_t i = 0; i < size / 8; i++)
        w[i] = work_rand(&seed);
    d->bytes = m;
    d->size = size;
    d->chunk = chunk;
    d->nchunks = size / chunk;
    return 0;
}

void work_data_free(struct work_data *d)
{
    if (d->bytes != NULL)
        munmap(d->bytes, d->size);
    memset(d, 0, sizeof(*d));
}

uint64_t work_data_chunk(const struct work_data *d, uint64_t i)
{
    i %= d->nchunks;
    return work_crunch(d->bytes + i * d->chunk, d->chunk, i);
}

/* --- blocking client --------------------------------------------------- */

int work_io_connect(uint16_t port)
{
    struct sockaddr_in sa = {
        .sin_family = AF_INET,
        .sin_port = htons(port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -errno;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        if (errno == EINTR)
            continue;
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

long work_io_call(int fd, uint32_t resp_size, uint64_t tag, void *buf, size_t cap)
{
    struct work_req req = { .magic = WORK_REQ_MAGIC, .resp_size = resp_size, .tag = tag };
    unsigned char in[16384];
    struct work_resp hdr;
    size_t got = 0, want = SIZE_MAX;

    for (size_t off = 0; off < sizeof(req);) {
        ssize_t w = write(fd, (char *)&req + off, sizeof(req) - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EPIPE;
        off += (size_t)w;
    }
    /* One response per request and no pipelining: whatever arrives belongs
     * to this response, so read as much as fits. */
    while (got < want) {
        size_t at = got < sizeof(hdr) ? got : 0;
        ssize_t r = read(fd, in + at, MIN(sizeof(in) - at, want - got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? -errno : -ECONNRESET;
        if (buf != NULL && got < cap)
            memcpy((unsigned char *)buf + got, in + at, MIN(cap - got, (size_t)r));
        if (got < sizeof(hdr) && got + (size_t)r >= sizeof(hdr)) {
            memcpy(&hdr, in, sizeof(hdr));
            if (hdr.tag != tag || hdr.size < sizeof(hdr) || hdr.size > WORK_RESP_MAX)
                return -EPROTO;
            want = hdr.size;
        }
        got += (size_t)r;
    }
    return (long)want;
}

/* --- lock table -------------------------------------------------------- */

void work_table_update(uint64_t *table, uint32_t size, uint64_t key)
{
    /* A read-modify-write of a few entries: long enough that the lock is
     * contended, short enough that locking dominates. */
    uint32_t i = (uint32_t)(key % size);
    uint64_t v = table[i];
    for (int r = 0; r < 8; r++)
        v = rotl(v ^ key, 17) * P1;
    table[i] = v;
    table[(i + 1) % size] += 1;
}
