/*
 * lesson_metric.c — the vocabulary lessons speak: model, workload and mode
 * names, and the one table of metrics an expectation may name. The player
 * maps each metric to a sampled figure; the units here are the contract
 * (seconds, bytes, cores, per second).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "lesson/lesson_int.h"
#include "util.h"

static const char *const lesson_metric__models[] = {
    [LESSON_PROCS] = "procs",
    [LESSON_THREADS] = "threads",
    [LESSON_LOOP] = "loop",
    [LESSON_GOROUTINES] = "goroutines",
    [LESSON_MACHINE] = "machine",
    NULL,
};

static const char *const lesson_metric__workloads[] = {
    [LESSON_W_CPU] = "cpu",
    [LESSON_W_IO] = "io",
    [LESSON_W_MIXED] = "mixed",
    [LESSON_W_LOCK] = "lock",
    [LESSON_W_FANOUT] = "fanout",
    [LESSON_W_SPAWN] = "spawn",
    [LESSON_W_PINGPONG] = "pingpong",
};

static const char *const lesson_metric__modes[] = {
    [LESSON_MODE_SHARED] = "shared",
    [LESSON_MODE_SPLIT] = "split",
    [LESSON_MODE_TURNS] = "turns",
};

#define ALL ((1u << LESSON_PROCS) | (1u << LESSON_THREADS) | (1u << LESSON_LOOP) | \
             (1u << LESSON_GOROUTINES))
#define ONLY(m) (1u << (m))
#define MACHINE ONLY(LESSON_MACHINE)

#define N LESSON_KIND_NUMBER
#define T LESSON_KIND_TIME
#define B LESSON_KIND_BYTES

static const struct lesson_metric_info lesson_metric__table[LESSON_NMETRICS] = {
    [LESSON_M_CORES] = { "cores", N, "cores", ALL,
        "CPU time of the model's OS tasks per second of wall time (1.0 = one core)" },
    [LESSON_M_CPU_PCT] = { "cpu_pct", N, "%", ALL,
        "the same in percent of one core (100 = one core busy)" },
    [LESSON_M_RSS] = { "rss", B, "bytes", ALL,
        "resident memory, summed over the model's processes (shared pages counted "
        "in each)" },
    [LESSON_M_PSS] = { "pss", B, "bytes", ALL,
        "proportional memory: each shared page divided among its sharers" },
    [LESSON_M_MEM_PER_TASK] = { "mem_per_task", B, "bytes", ALL,
        "(PSS now - PSS of the host before its tasks started) / tasks" },
    [LESSON_M_TASKS] = { "tasks", N, "tasks", ALL,
        "tasks the model runs now (below the ask when it capped itself)" },
    [LESSON_M_OS_THREADS] = { "os_threads", N, "threads", ALL,
        "OS threads in all the model's processes" },
    [LESSON_M_SWITCHES_PER_S] = { "switches_per_s", N, "/s", ALL,
        "OS context switches per second, voluntary + involuntary" },
    [LESSON_M_VCSW_PER_S] = { "vcsw_per_s", N, "/s", ALL,
        "voluntary OS context switches per second (the task blocked)" },
    [LESSON_M_IVCSW_PER_S] = { "ivcsw_per_s", N, "/s", ALL,
        "involuntary OS context switches per second (the task was preempted)" },
    [LESSON_M_RUNTIME_SWITCHES_PER_S] = { "runtime_switches_per_s", N, "/s", ALL,
        "switches the runtime makes without the kernel: goroutine switches, loop "
        "callbacks run; 0 for procs and threads" },
    [LESSON_M_UNITS_PER_S] = { "units_per_s", N, "/s", ALL,
        "work units completed per second (chunks hashed, requests answered, ...)" },
    [LESSON_M_LATENCY_P50] = { "latency_p50", T, "s", ALL,
        "median time of one unit of work, in seconds (io, mixed, fanout)" },
    [LESSON_M_LATENCY_P99] = { "latency_p99", T, "s", ALL,
        "99th percentile time of one unit of work, in seconds" },
    [LESSON_M_RUNQUEUE] = { "runqueue", N, "tasks", ALL,
        "work ready but waiting: runnable OS tasks, ready callbacks, or goroutines "
        "in the run queues" },
    [LESSON_M_LOOP_LAG] = { "loop_lag", T, "s", ONLY(LESSON_LOOP),
        "how late the loop's timer callback runs, in seconds" },
    [LESSON_M_CREATE_COST] = { "create_cost", T, "s", ALL,
        "time to create (and start) one task, in seconds (spawn)" },
    [LESSON_M_SWITCH_COST] = { "switch_cost", T, "s", ALL,
        "time of one switch: half a pingpong round trip, in seconds (pingpong)" },
    [LESSON_M_GIL_HANDOFFS_PER_S] = { "gil_handoffs_per_s", N, "/s", ONLY(LESSON_THREADS),
        "times per second the GIL passes from one thread to another" },
    [LESSON_M_STEALS_PER_S] = { "steals_per_s", N, "/s", ONLY(LESSON_GOROUTINES),
        "goroutines stolen from another P's run queue per second" },
    [LESSON_M_TASKS_RUNNING] = { "tasks_running", N, "tasks", ALL,
        "tasks running on a core now (probe board)" },
    [LESSON_M_TASKS_RUNNABLE] = { "tasks_runnable", N, "tasks", ALL,
        "tasks ready to run but waiting for a core or a turn" },
    [LESSON_M_TASKS_IO_WAIT] = { "tasks_io_wait", N, "tasks", ALL,
        "tasks waiting for I/O" },
    [LESSON_M_TASKS_SYNC_WAIT] = { "tasks_sync_wait", N, "tasks", ALL,
        "tasks waiting on a lock, a channel or the GIL" },
    [LESSON_M_TASKS_SLEEPING] = { "tasks_sleeping", N, "tasks", ALL,
        "tasks sleeping (timers)" },
    [LESSON_M_MACHINE_CORES] = { "cores", N, "cores", MACHINE,
        "online cores of the machine" },
    [LESSON_M_BUSY_CORES] = { "busy_cores", N, "cores", MACHINE,
        "cores' worth of CPU busy on the whole machine" },
    [LESSON_M_CTXT_PER_S] = { "ctxt_per_s", N, "/s", MACHINE,
        "context switches per second, whole machine (/proc/stat ctxt)" },
    [LESSON_M_FORKS_PER_S] = { "forks_per_s", N, "/s", MACHINE,
        "processes and threads created per second (/proc/stat processes)" },
    [LESSON_M_LOAD1] = { "load1", N, "tasks", MACHINE,
        "1-minute load average" },
    [LESSON_M_PROCS_RUNNING] = { "procs_running", N, "tasks", MACHINE,
        "runnable OS tasks on the machine now" },
    [LESSON_M_CPU_PRESSURE] = { "cpu_pressure", N, "%", MACHINE,
        "CPU pressure: % of time some runnable task waited (PSI avg10)" },
    [LESSON_M_MEM_TOTAL] = { "mem_total", B, "bytes", MACHINE,
        "RAM of the machine" },
    [LESSON_M_MEM_AVAILABLE] = { "mem_available", B, "bytes", MACHINE,
        "memory available for new work (MemAvailable)" },
};

#undef N
#undef T
#undef B

const char *lesson_model_name(enum lesson_model m)
{
    return (unsigned)m <= LESSON_MACHINE ? lesson_metric__models[m] : NULL;
}

const char *lesson_workload_name(enum lesson_workload w)
{
    return (unsigned)w < LESSON_NWORKLOADS ? lesson_metric__workloads[w] : NULL;
}

const char *lesson_mode_name(enum lesson_mode m)
{
    return (unsigned)m < LESSON_NMODES ? lesson_metric__modes[m] : NULL;
}

const struct lesson_metric_info *lesson_metric_info(enum lesson_metric m)
{
    return (unsigned)m < LESSON_NMETRICS ? &lesson_metric__table[m] : NULL;
}

int lesson__model_find(const char *name, size_t len)
{
    for (int m = 0; m <= LESSON_MACHINE; m++)
        if (strlen(lesson_metric__models[m]) == len &&
            memcmp(lesson_metric__models[m], name, len) == 0)
            return m;
    return -1;
}

int lesson__metric_find(struct lesson__cur *c, size_t at, enum lesson_model model,
                        const char *name, size_t len, enum lesson_metric *out)
{
    const char *names[LESSON_NMETRICS + 1];
    size_t n = 0;
    int other = -1;

    for (int i = 0; i < LESSON_NMETRICS; i++) {
        const struct lesson_metric_info *mi = &lesson_metric__table[i];
        bool same = strlen(mi->name) == len && memcmp(mi->name, name, len) == 0;
        if (mi->models & (1u << model)) {
            if (same) {
                *out = (enum lesson_metric)i;
                return 0;
            }
            names[n++] = mi->name;
        } else if (same) {
            other = i;
        }
    }
    names[n] = NULL;
    const char *mname = lesson_model_name(model);
    if (other >= 0) {
        unsigned models = lesson_metric__table[other].models;
        if (models == MACHINE)
            return lesson__error(c, at, "'%.*s' is a machine figure: write machine.%.*s",
                                 (int)len, name, (int)len, name);
        for (int m = 0; m < LESSON_NMODELS; m++)
            if (models == ONLY(m))
                return lesson__error(c, at, "'%.*s' is a figure of the %s model only, "
                                     "not of %s", (int)len, name, lesson_model_name(m),
                                     mname);
        return lesson__error(c, at, "'%.*s' is not a figure of %s", (int)len, name, mname);
    }
    const char *s = lesson__suggest(name, len, names);
    if (s)
        return lesson__error(c, at, "unknown metric '%.*s' for %s (did you mean '%s'?)",
                             (int)len, name, mname, s);
    return lesson__error(c, at, "unknown metric '%.*s' for %s (see the metric table in "
                         "the manual)", (int)len, name, mname);
}
