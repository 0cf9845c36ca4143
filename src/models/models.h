/*
 * models.h — the monitor's side of the model hosts.
 *
 * A model host is a child process (`/proc/self/exe --host MODEL ...`, argv[0]
 * sw-procs, sw-threads, sw-loop, sw-goroutines, sw-latency) in its own process group. The
 * monitor creates its probe board (memfd) and its control pipe before fork;
 * the host inherits both across exec. The host exits when the control pipe
 * reaches EOF and dies with the monitor (PR_SET_PDEATHSIG), so nothing
 * survives the monitor.
 *
 * The latency server of the io workloads is a host too (PROBE_MODEL_LATENCY):
 * the monitor binds its socket first, so the port is known before the server
 * runs, and its board counts connections and responses.
 */
#ifndef SW_MODELS_H
#define SW_MODELS_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probe/probe.h"
#include "work/work.h"

/* Control messages, monitor -> host, over the control pipe. */
enum model_op {
    MODEL_OP_TASKS = 1,     /* arg: task count            (host restarts) */
    MODEL_OP_WORKLOAD,      /* arg: enum work_kind        (host restarts) */
    MODEL_OP_GIL,           /* arg: 0/1, threads only     (host restarts) */
    MODEL_OP_OFFLOAD,       /* arg: 0/1, loop only        (host restarts) */
    MODEL_OP_PAUSE,         /* arg: 1 pause, 0 resume */
    MODEL_OP_RESTART,       /* arg: unused */
    MODEL_OP_PROCS,         /* arg: GOMAXPROCS, goroutines only (live, no restart) */
};

#define MODEL_PROCS_MAX 64           /* GOMAXPROCS at most (the runtime's P rows) */

struct model_ctl {
    uint32_t op;            /* enum model_op */
    uint32_t arg;
};

struct model_spec {
    enum probe_model kind;
    struct work_params work;        /* work.ntasks: tasks asked */
    bool gil;                       /* threads: a global interpreter lock */
    bool offload;                   /* loop: CPU chunks to uv_queue_work */
    unsigned procs;                 /* goroutines: GOMAXPROCS; 0 = cores in the affinity mask */
    bool strict;                    /* refuse when the limits cannot take ntasks
                                       (default: run the most it safely can) */
    const cpu_set_t *affinity;      /* NULL: every core */
    const char *exe;                /* NULL: /proc/self/exe */
    bool quiet;                     /* host stdout/stderr to /dev/null (under the TUI);
                                       stdin is always /dev/null */
    bool own_session;               /* setsid() instead of setpgid(): with autogroup
                                       scheduling (Linux default) a session shares
                                       the CPU as one, so neither the monitor nor the
                                       latency server is starved by a model's 1,000
                                       runnable tasks (the monitor starts every host
                                       so). Off: the host stays in the caller's
                                       session (tests measuring a host alone). */
    /* latency server only */
    uint64_t latency_ns;            /* 0: WORK_LATENCY_DEFAULT_NS */
};

struct model;

/*
 * Checks the limits (RLIMIT_NPROC and threads-max for procs and threads,
 * RLIMIT_NOFILE raised to its hard limit for io sockets, MemAvailable
 * against an estimate of the footprint) and returns the most tasks the model
 * can safely run (<= spec->work.ntasks); why says which limit binds
 * (empty when none does).
 */
uint32_t model_limit(const struct model_spec *spec, char *why, size_t whylen);

/*
 * Starts a host. On success *out is owned by the caller (model_stop frees
 * it) and the host may still be starting (board status STARTING). On error
 * returns -errno and writes a message into err.
 */
int model_start(const struct model_spec *spec, struct model **out, char *err, size_t errlen);

pid_t model_pid(const struct model *m);                 /* also its process group id */
enum probe_model model_kind(const struct model *m);
uint16_t model_port(const struct model *m);             /* latency server: its port */
/* Tasks the host will run, as model_limit() saw it at start (the host checks
 * again and publishes asked/ntasks and the reason on its board). */
uint32_t model_tasks(const struct model *m);

/* The board, read-only, and its size. */
const struct probe_header *model_board(const struct model *m);
size_t model_board_size(const struct model *m);
/* probe_snapshot() of this model's board; snap from probe_snapshot_init(nslots). */
int model_snapshot(const struct model *m, struct probe_snapshot *snap);
uint32_t model_nslots(const struct model *m);

/* Sends a control message. 0, -EPIPE (host gone), -EAGAIN (pipe full). */
int model_send(struct model *m, const struct model_ctl *msg);

/* Reaps the host if it has exited (waitpid WNOHANG). Returns true once it
 * has; model_failure() then says why. */
bool model_poll(struct model *m);
/* "killed by signal 9 (Killed)", "exited 1: <the host's status text>";
 * NULL while running or after a clean stop. */
const char *model_failure(const struct model *m);

/* Waits up to timeout_ns for the host to publish RUNNING/LIMITED (or fail).
 * 0, -ETIMEDOUT, -ECHILD (it died; see model_failure). */
int model_wait_ready(struct model *m, uint64_t timeout_ns);

/* Closes the control pipe, SIGTERM to the process group, SIGKILL after
 * grace_ns, waitpid, then waits (at most grace_ns more) until no process of
 * the group is left; unmaps and frees m. Returns 0. */
int model_stop(struct model *m, uint64_t grace_ns);

/*
 * Makes the calling process the reaper of its orphaned descendants
 * (PR_SET_CHILD_SUBREAPER): a host killed before its workers hands them to
 * us rather than to PID 1, which in a container may never reap them, and
 * whose zombies would stay members of the host's process group. 0 or -errno.
 */
int models_adopt_orphans(void);
/* Reaps exited children that are not in keep[] (orphans adopted from hosts);
 * a child in keep[] is left for model_poll(). */
void models_reap_orphans(const pid_t *keep, int nkeep);

/* Entry of the host side: main() calls it when argv[1] is "--host". */
int host_main(int argc, char **argv);

#endif
