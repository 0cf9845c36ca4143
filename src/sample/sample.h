/*
 * sample.h — what one sample holds: the machine, and every OS task of the
 * process trees being watched. This is the contract between the sampler
 * (which fills it from /proc) and the views (which only read it and never
 * touch /proc).
 *
 * Units: CPU is in percent of one core (100.0 = one core fully busy, so a
 * process may show 180.0 on two cores); rates are per second over the real
 * interval between two reads of the same file; memory is in bytes.
 *
 * A figure the kernel does not provide is never shown as 0: each optional
 * figure has a flag that says whether it carries data, and the capability
 * table (struct sample_caps) says why not.
 */
#ifndef SW_SAMPLE_H
#define SW_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SAMPLE_COMM_MAX 64          /* comm is at most 15 bytes; room for odd ones */
#define SAMPLE_LABEL_MAX 32

/* One core, as fractions of the interval (each 0..1). */
struct sample_cpu {
    float user;                     /* user + nice */
    float sys;
    float iowait;
    float irq;                      /* irq + softirq */
    float steal;
    float busy;                     /* all but idle and iowait */
    bool  online;                   /* present in /proc/stat this sample */
};

struct sample_machine {
    uint64_t t_ns;                  /* CLOCK_MONOTONIC when the sample was taken */
    double   dt;                    /* seconds since the previous sample (0 on the first) */
    int      ncpu;                  /* entries in cpu[] (highest cpuN in /proc/stat + 1) */
    struct sample_cpu *cpu;         /* ncpu entries; owned by the sampler */
    struct sample_cpu total;        /* the "cpu" line: fractions of all cores together */
    double   ctxt_per_s;            /* context switches per second, whole machine */
    double   forks_per_s;           /* processes/threads created per second */
    unsigned procs_running;
    unsigned procs_blocked;
    double   load[3];               /* /proc/loadavg 1, 5, 15 min */
    unsigned nr_threads;            /* /proc/loadavg 4th field, after the slash */
    bool     psi_ok;                /* /proc/pressure/cpu present and readable */
    float    psi_some_avg10;        /* % of time some runnable task waited, 10 s average */
    float    psi_some_now;          /* same, over this sample's interval (from total) */
    uint64_t mem_total, mem_available; /* /proc/meminfo, bytes */
};

/* One OS task (a thread; the main thread of a process included). */
struct sample_task {
    pid_t    tid;
    pid_t    pid;                   /* thread group id */
    char     comm[SAMPLE_COMM_MAX];
    char     state;                 /* (3) R S D T t Z X I ... */
    int      cpu;                   /* (39) processor it last ran on */
    float    cpu_pct;               /* % of one core: schedstat run time delta where the
                                       kernel has it (ns exact), else utime+stime delta */
    float    user_pct, sys_pct;     /* cpu_pct split in the ratio of utime to stime */
    bool     cpu_ok;                /* cpu_pct carries data (the task was read twice) */
    float    vcsw_per_s;            /* voluntary context switches per second */
    float    ivcsw_per_s;           /* involuntary (preempted) per second */
    bool     csw_ok;                /* the two rates above carry data */
    float    wait_pct;              /* schedstat run-queue wait, % of the interval */
    bool     wait_ok;               /* schedstat present and wait not always 0 */
    uint64_t vcsw, ivcsw;           /* totals since the task started */
    uint64_t run_ns, wait_ns;       /* schedstat totals */
    bool     csw_totals_ok;         /* vcsw, ivcsw above were read at least once */
    uint64_t t_ns;                  /* when these figures were read: with many tasks the
                                       sampler reads each at its own pace (sampler.c),
                                       and rates are over that task's own interval */
};

/* One process (thread group). */
struct sample_proc {
    pid_t    pid, ppid;
    char     comm[SAMPLE_COMM_MAX];
    char     state;
    int      nthreads;              /* (20) num_threads */
    float    cpu_pct;               /* sum over its tasks */
    uint64_t rss;                   /* (24) rss pages x page size, every sample: the
                                       kernel's per-CPU counters, read without summing
                                       them, so short by up to 32 pages a CPU (216 KiB
                                       of 2,840 in a 5-thread process here) */
    uint64_t rss_walk;              /* smaps_rollup Rss, exact (a page walk), at mem_t_ns */
    uint64_t pss;                   /* smaps_rollup Pss */
    bool     pss_ok;                /* smaps_rollup readable (needs ptrace access) */
    uint64_t mem_t_ns;              /* when pss was last read (less often than stat for
                                       big processes: sampler.c) */
    uint64_t vsize;                 /* (23) virtual size: the address space reserved */
};

/* A watched process tree: a root and all its descendants. */
struct sample_tree {
    pid_t    root;
    char     label[SAMPLE_LABEL_MAX];
    bool     alive;                 /* the root still exists */
    int      nproc, ntask;
    struct sample_proc *procs;      /* nproc entries, root first; owned by the sampler */
    struct sample_task *tasks;      /* ntask entries, grouped by process */
    /* totals */
    float    cpu_pct;
    float   *cpu_on_core;           /* ncpu entries: this tree's CPU % attributed to each
                                       core, by the core each task last ran on */
    int      nr_running;            /* tasks in state R */
    int      nr_blocked;            /* tasks in state D */
    float    vcsw_per_s, ivcsw_per_s;
    float    wait_pct;              /* sum of tasks' run-queue wait, % of one core */
    uint64_t rss, rss_walk, pss;    /* sums of the procs' */
    bool     pss_ok;                /* every proc's smaps_rollup read: rss_walk, pss */
};

struct sample {
    uint64_t seq;                   /* 1, 2, 3, ... */
    struct sample_machine m;
    int      ntree;
    struct sample_tree *trees;      /* owned by the sampler; valid until the next sample */
};

/* What the kernel offers here, probed once at start. */
enum sample_cap {
    SAMPLE_CAP_STAT,                /* /proc/stat */
    SAMPLE_CAP_LOADAVG,
    SAMPLE_CAP_PSI,                 /* /proc/pressure/cpu */
    SAMPLE_CAP_SCHEDSTAT,           /* /proc/PID/task/TID/schedstat */
    SAMPLE_CAP_SCHEDSTAT_WAIT,      /* ... and its wait field is not always 0 */
    SAMPLE_CAP_SMAPS_ROLLUP,
    SAMPLE_CAP_PROC_SCHEDSTAT,      /* /proc/schedstat */
    SAMPLE_CAP_CHILDREN,            /* /proc/PID/task/TID/children (else /proc is scanned) */
    SAMPLE_CAP_COUNT
};

struct sample_caps {
    bool        ok[SAMPLE_CAP_COUNT];
    const char *why[SAMPLE_CAP_COUNT];  /* static text when !ok: "absent (kernel built
                                           without CONFIG_PSI)", "reads 0: sched_info off" */
};

const char *sample_cap_name(enum sample_cap cap);

#endif
