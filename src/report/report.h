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

struct report;

/* Opens the files (either path may be NULL). 0 or -errno with a message. */
int  report_open(const char *json_path, const char *csv_path, const struct run *r,
                 uint64_t interval_ns, struct report **out, char *err, size_t errlen);
/* Appends one sample: the machine and every model's figures. */
void report_sample(struct report *rep, const struct sample *s, const struct run *r);
/* Writes the summary, closes the files. 0 or -errno (a write failed: disk full...). */
int  report_close(struct report *rep, const struct run *r, char *err, size_t errlen);

/* The summary table, for people. */
void report_table(FILE *f, const struct run *r);

#endif
