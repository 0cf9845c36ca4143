/*
 * sampler.h — fills struct sample (sample.h) from /proc for the machine and
 * for a set of watched process trees. See sampler.c for how it stays cheap.
 */
#ifndef SW_SAMPLER_H
#define SW_SAMPLER_H

#include <stdint.h>
#include <sys/types.h>

#include "sample/sample.h"

struct sampler;

struct sampler_opts {
    const char *proc_root;          /* "/proc" or a fixture tree; NULL means PROCDIR */
    /* The rest may stay 0 (defaults). */
    unsigned budget_pct;            /* share of the interval that per-task reads may take,
                                       in CPU time (default 8): past it, the rest keep
                                       their last figures and are read next time first */
    long     clk_tck;               /* clock ticks per second (default sysconf) */
    long     page_size;             /* bytes (default sysconf) */
    uint64_t (*clock)(void *arg);   /* monotonic ns (default util_now_ns): tests drive time */
    void    *clock_arg;
};

/* What the sampler did, for benchmarks and the curious. Counters are totals. */
struct sampler_stats {
    uint64_t samples;
    uint64_t reads_stat, reads_schedstat, reads_status, reads_smaps;
    uint64_t readdirs, scans;       /* task/ listings; searches for new descendants */
    uint64_t reads_children;        /* task/TID/children files read by those searches */
    uint64_t opens_uncached;        /* reads done by open/read/close (fds ran out) */
    uint64_t over_budget;           /* samples that left some tasks for later */
    uint64_t last_cost_ns;          /* wall time of the last sampler_sample() */
    int      fds_cached;            /* descriptors held open now */
    int      fds_limit;             /* at most this many held open */
};

int  sampler_new(const struct sampler_opts *o, struct sampler **out);
const struct sample_caps *sampler_caps(const struct sampler *s);
/* Watches the tree rooted at root (root and all its descendants). -ESRCH if absent,
 * -EEXIST if already watched. label may be NULL (the root's comm is used). */
int  sampler_watch(struct sampler *s, pid_t root, const char *label);
int  sampler_unwatch(struct sampler *s, pid_t root);
/* Takes one sample; *out stays valid until the next call or sampler_free(). */
int  sampler_sample(struct sampler *s, const struct sample **out);
const struct sampler_stats *sampler_stats(const struct sampler *s);
void sampler_free(struct sampler *s);

#endif
