/*
 * models_util.h — what the model tests and the sw-modeldrv driver measure
 * from outside: CPU time of a process group from /proc, the processes in it.
 */
#ifndef SW_MODELS_UTIL_H
#define SW_MODELS_UTIL_H

#include <stdint.h>
#include <sys/types.h>

#include "models/models.h"

/* Run time (schedstat, ns) summed over every thread of every live process
 * whose process group is pgid. */
uint64_t mu_group_run_ns(pid_t pgid);
/* Pss (smaps_rollup) summed over the group's processes, bytes. */
uint64_t mu_group_pss(pid_t pgid);
/* Live (not zombie) processes in process group pgid. */
int mu_group_count(pid_t pgid);
struct mu_cpu {
    double cores;       /* run time / wall time */
    double demand;      /* (run + run-queue wait) / wall: cores it would use if free */
    double others;      /* cores the rest of the machine kept busy meanwhile */
    double also_cores;  /* mu_measure2: cores of the second group (not in others) */
};
void mu_measure(pid_t pgid, uint64_t warm_ns, uint64_t window_ns, struct mu_cpu *out);
void mu_measure2(pid_t pgid, pid_t also, uint64_t warm_ns, uint64_t window_ns,
                 struct mu_cpu *out);
/* Cores used by the group over window_ns (after warm_ns of warm-up). */
double mu_cores(pid_t pgid, uint64_t warm_ns, uint64_t window_ns);
void mu_sleep_ns(uint64_t ns);
/* The schedwatch binary (SW_BIN, else ./schedwatch). */
const char *mu_exe(void);
/* Starts a model (spec defaults for the rest), waits until it runs;
 * aborts the test process on failure with the message. */
struct model *mu_start(enum probe_model kind, enum work_kind w, uint32_t n, uint16_t port,
                       bool gil, bool offload);

#endif
