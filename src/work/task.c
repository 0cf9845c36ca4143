/*
 * task.c — blocking workload bodies (see task.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"
#include "work/task.h"

void work_task_init(struct work_task *t, struct probe_header *board, uint32_t id,
                    const struct work_params *p, const struct work_data *data)
{
    memset(t, 0, sizeof(*t));
    t->board = board;
    t->id = id;
    t->p = p;
    t->data = data;
    t->rng = 0x5EED0000ull + id;
    struct probe_slot *s = probe_slot(board, id);
    if (s != NULL)
        atomic_store_explicit(&s->tid, (int32_t)syscall(SYS_gettid), memory_order_relaxed);
}

void work_task_state(struct work_task *t, enum probe_state st)
{
    probe_task_state(t->board, t->id, st, &t->shadow);
}

static void task__wait_begin(struct work_task *t, enum probe_state st)
{
    if (t->block_begin != NULL)
        t->block_begin(t, st);
    else
        work_task_state(t, st);
}

static void task__wait_end(struct work_task *t)
{
    if (t->block_end != NULL)
        t->block_end(t);
    else
        work_task_state(t, PROBE_ST_RUNNING);
}

uint64_t work_task_chunk(struct work_task *t, uint64_t chunk)
{
    uint64_t h = work_data_chunk(t->data, chunk);

    probe_task_cpu(t->board, t->id);
    probe_task_unit(t->board, t->id, t->data->chunk, 0);
    atomic_fetch_xor_explicit(&t->board->checksum, h, memory_order_relaxed);
    return h;
}

int work_task_io(struct work_task *t)
{
    unsigned char resp[16384];
    int fd, err;

    task__wait_begin(t, PROBE_ST_IO);
    fd = work_io_connect(t->p->port);
    task__wait_end(t);
    if (fd < 0) {
        err = fd;
        goto out_error;
    }
    for (uint64_t tag = 1;; tag++) {
        uint64_t t0 = util_now_ns();
        task__wait_begin(t, PROBE_ST_IO);
        long n = work_io_call(fd, t->p->resp_size, tag, resp, sizeof(resp));
        task__wait_end(t);
        if (n < 0) {
            err = (int)n;
            goto out_close_fd;
        }
        uint64_t lat = util_now_ns() - t0;
        probe_task_cpu(t->board, t->id);
        probe_task_unit(t->board, t->id, (uint64_t)n, lat);
        if (t->p->kind == WORK_MIXED) {
            /* Compute on the response: it seeds the hash of one chunk. */
            uint64_t seed = work_xxh64(resp, MIN((size_t)n, sizeof(resp)), tag);
            uint64_t h = work_crunch(t->data->bytes + (seed % t->data->nchunks) * t->data->chunk,
                                     t->data->chunk, seed);
            atomic_fetch_xor_explicit(&t->board->checksum, h, memory_order_relaxed);
        }
    }
out_close_fd:
    close(fd);
out_error:
    probe_add(&t->board->errors, 1);
    work_task_state(t, PROBE_ST_DONE);
    return err;
}

void work_task_lock(struct work_task *t, pthread_mutex_t *mutex, uint64_t *table)
{
    for (;;) {
        uint64_t key = work_rand(&t->rng);
        int rc = pthread_mutex_trylock(mutex);
        if (rc == EBUSY) {
            task__wait_begin(t, PROBE_ST_LOCK);
            rc = pthread_mutex_lock(mutex);
            task__wait_end(t);
            struct probe_slot *s = probe_slot(t->board, t->id);
            if (s != NULL)
                atomic_fetch_add_explicit(&s->switches, 1, memory_order_relaxed);
        }
        if (rc == EOWNERDEAD) {     /* robust (procs): its holder died */
            probe_add(&t->board->errors, 1);
            pthread_mutex_consistent(mutex);
        }
        work_table_update(table, t->p->table_size, key);
        pthread_mutex_unlock(mutex);
        probe_task_unit(t->board, t->id, 0, 0);
        if ((key & 255) == 0) {
            probe_task_cpu(t->board, t->id);
            work_preempt();
        }
    }
}

int work_task_pingpong(struct work_task *t, int rfd, int wfd, bool initiator)
{
    uint64_t token = 0, t0 = util_now_ns();
    struct probe_slot *s = probe_slot(t->board, t->id);

    if (initiator && write(wfd, &token, sizeof(token)) != sizeof(token))
        return -errno;
    for (;;) {
        task__wait_begin(t, PROBE_ST_CHAN);
        ssize_t r = read(rfd, &token, sizeof(token));
        task__wait_end(t);
        if (r != sizeof(token))
            break;
        uint64_t now = util_now_ns();
        /* One unit = one token received: a round trip is two switches. */
        probe_task_unit(t->board, t->id, 0, initiator ? now - t0 : 0);
        if (s != NULL)
            atomic_fetch_add_explicit(&s->switches, 1, memory_order_relaxed);
        t0 = now;
        token++;
        if (write(wfd, &token, sizeof(token)) != sizeof(token))
            break;
        if ((token & 1023) < 2)
            probe_task_cpu(t->board, t->id);
    }
    probe_add(&t->board->errors, 1);
    work_task_state(t, PROBE_ST_DONE);
    return -EPIPE;
}

void work_task_delivered(struct work_task *t, uint64_t t_ns)
{
    probe_task_unit(t->board, t->id, 0, util_now_ns() - t_ns);
}

void work_task_spawned(struct work_task *t, uint64_t t0)
{
    uint64_t lat = util_now_ns() - t0;

    probe_task_unit(t->board, t->id, 0, lat);
    probe_add(&t->board->spawned, 1);
    probe_add(&t->board->spawn_ns, lat);
}

int work_task_subscribe_fd(struct work_task *t, int rfd)
{
    struct work_msg msg;

    for (;;) {
        task__wait_begin(t, PROBE_ST_CHAN);
        ssize_t r = read(rfd, &msg, sizeof(msg));
        task__wait_end(t);
        if (r != sizeof(msg))
            break;
        work_task_delivered(t, msg.t_ns);
        if ((msg.seq & 63) == 0)
            probe_task_cpu(t->board, t->id);
    }
    probe_add(&t->board->errors, 1);
    work_task_state(t, PROBE_ST_DONE);
    return -EPIPE;
}
