/*
 * report.h — what a headless run writes: every sample (JSON and/or CSV) and,
 * at the end, a summary (into the JSON, and as a table on stdout).
 *
 * The JSON file is one object: {"schedwatch": version, "machine": {...},
 * "config": {...}, "samples": [...], "summary": {...}}; a figure without data
 * is null, never 0. The format is documented in schedwatch(1), FILES.
 */
#ifndef SW_REPORT_H
#define SW_REPORT_H

#include <stdio.h>

#include "run/run.h"
#include "sample/sample.h"

/* 1: machine busy per core, models' figures. 2 adds the machine's per-core split,
 * load, memory and the watched trees' totals (what --replay draws). */
#define REPORT_FORMAT 2

struct report;

/* Opens the files (either path may be NULL). 0 or -errno with a message. */
int  report_open(const char *json_path, const char *csv_path, const struct run *r,
                 uint64_t interval_ns, struct report **out, char *err, size_t errlen);
/* Appends one sample: the machine, the watched trees and every model's figures;
 * caps (may be NULL) go with the first sample. */
void report_sample(struct report *rep, const struct sample *s, const struct sample_caps *caps,
                   const struct run *r);
/* Writes the summary, closes the files. 0 or -errno (a write failed: disk full...). */
int  report_close(struct report *rep, const struct run *r, char *err, size_t errlen);

/* The summary table, for people. */
void report_table(FILE *f, const struct run *r);
/* The --pid trees among roots, over the run so far: one row each. */
void report_trees(FILE *f, const struct report *rep, const pid_t *roots, int nroots);

/*
 * The comparison table (the c key, and the end of a headless run): the
 * models side by side, measured rows (memory per task, creation cost, switch
 * cost, cores used, throughput, latency) and the qualitative rows (isolation,
 * parallelism, best for). A measured row a workload does not measure says
 * which workload does ("run -w spawn"). One model per column; lines joined
 * by '\n', the first the header. The caller frees the text.
 */
struct report_cmp {
    const struct run_figs *f;           /* live (or replayed) figures */
    bool   avg_ok;                      /* averages over the run, when there are */
    double cores, units_per_s;
    bool   lat_ok;
    double p50_ms, p99_ms;
};
char *report_compare(const struct report_cmp *m, int n);
/* The same from a run: averages where run_summary has them. */
char *report_compare_run(const struct run *r);

#endif
