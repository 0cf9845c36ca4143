/*
 * task.h — the bodies of the blocking workloads, shared by the models whose
 * tasks may block (procs and threads; a goroutine model could run them too
 * on its own blocking primitives). A task is driven by a loop that runs
 * until the process ends; the model supplies two hooks around every wait,
 * which is where the GIL is released and re-taken and where a paused model
 * parks its tasks.
 */
#ifndef SW_TASK_H
#define SW_TASK_H

#include <pthread.h>
#include <stdint.h>

#include "probe/probe.h"
#include "work/work.h"

struct work_task {
    struct probe_header *board;
    uint32_t id;                    /* task index: board slot */
    uint8_t shadow;                 /* state of a task past the slot cap */
    const struct work_params *p;
    const struct work_data *data;   /* cpu, mixed */
    uint64_t rng;
    /* Around every wait: block_begin(t, state) before, block_end(t) after.
     * Either may be NULL. */
    void (*block_begin)(struct work_task *t, enum probe_state st);
    void (*block_end)(struct work_task *t);
    void *model;                    /* the model's own per-task data */
};

void work_task_init(struct work_task *t, struct probe_header *board, uint32_t id,
                    const struct work_params *p, const struct work_data *data);
void work_task_state(struct work_task *t, enum probe_state st);

/* One chunk of the dataset, hashed and recorded. Returns its hash. */
uint64_t work_task_chunk(struct work_task *t, uint64_t chunk);

/* io / mixed: connects and makes requests forever. Returns only on error
 * (-errno), after recording it. */
int work_task_io(struct work_task *t);

/* lock: updates the shared table under mutex forever. */
void work_task_lock(struct work_task *t, pthread_mutex_t *mutex, uint64_t *table);

/* pingpong: bounces a token over pipes (rfd in, wfd out) forever; the
 * initiator sends first. Returns only on error. */
int work_task_pingpong(struct work_task *t, int rfd, int wfd, bool initiator);

/* fanout over a pipe: reads struct work_msg forever, records delivery
 * latency. Returns only on error. */
int work_task_subscribe_fd(struct work_task *t, int rfd);

/* Records one delivery of a message published at t_ns. */
void work_task_delivered(struct work_task *t, uint64_t t_ns);

/* Records one task created and finished: t0 when creation began. */
void work_task_spawned(struct work_task *t, uint64_t t0);

#endif
