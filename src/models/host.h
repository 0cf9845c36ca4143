/*
 * host.h — what the model hosts share (host side only). One model = one
 * file with one struct host_model; adding the goroutine model is one file
 * and one line in host.c's table.
 */
#ifndef SW_HOST_H
#define SW_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "models/models.h"
#include "probe/probe.h"
#include "work/work.h"

struct host {
    const struct host_model *model;
    struct probe_header *board;     /* read-write mapping of the memfd */
    size_t board_size;
    int ctl_fd;                     /* control pipe, read end */
    int listen_fd;                  /* latency server: its bound socket */
    struct work_params work;
    uint32_t asked;                 /* tasks asked; work.ntasks is what runs */
    bool gil, offload, paused;
    unsigned procs;                 /* goroutines: GOMAXPROCS asked, 0 = default */
    uint64_t latency_ns;            /* latency server */
    const char *exe;                /* for re-exec */
    char limit_why[PROBE_STATUS_MAX];
};

struct host_model {
    enum probe_model kind;
    const char *name;               /* --host NAME */
    const char *comm;               /* process name: sw-procs ... */
    /* Runs until the control pipe closes; returns the exit status. */
    int (*run)(struct host *h);
    /* Workloads it implements (bit per enum work_kind). */
    uint32_t workloads;
};

extern const struct host_model host_procs, host_threads, host_loop, host_goroutines,
    host_latency;

/* The host of a model kind; NULL when there is none (yet). */
const struct host_model *host_model_of(enum probe_model kind);

enum host_ctl_result {
    HOST_CTL_NONE = 0,      /* nothing (EAGAIN) or handled */
    HOST_CTL_EXIT,          /* EOF: the monitor is gone or wants us gone */
    HOST_CTL_PAUSE,         /* h->paused changed */
    HOST_CTL_REEXEC,        /* config changed: call host_reexec() after tearing down */
    HOST_CTL_PROCS,         /* h->procs changed: apply it live (goroutines) */
};

/* Reads and applies one control message (the fd is non-blocking). */
enum host_ctl_result host_ctl(struct host *h);
/* Replaces this process with a host of the current config (same pid, same
 * board, generation + 1). Returns only on failure. */
void host_reexec(struct host *h);
/* Publishes RUNNING or LIMITED with the reason. */
void host_running(struct host *h);
/* Publishes FAILED with a message and returns 1 (an exit status). */
int host_fail(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
