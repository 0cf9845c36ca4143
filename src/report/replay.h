/*
 * replay.h — a --json sample file read back, for --replay: every sample as
 * the struct sample the screen was drawn from (machine, watched trees with
 * their processes and tasks) and the models' figures, with its time.
 *
 * Format 1 files (machine busy per core, models' figures) replay with what
 * they carry; format 2 adds the per-core split, load, memory and the trees.
 * Errors are "FILE:LINE:COL: message", at the value that is wrong.
 */
#ifndef SW_REPLAY_H
#define SW_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "run/run.h"
#include "sample/sample.h"

/* Largest file --replay reads. */
#define REPLAY_FILE_MAX (1024ull * 1024 * 1024)

struct replay;

int  replay_load(const char *path, struct replay **out, char *err, size_t errlen);
/* The same from text already in memory (len bytes, no NUL needed); name stands for the
 * file in messages. */
int  replay_parse(const char *text, size_t len, const char *name, struct replay **out,
                  char *err, size_t errlen);
void replay_free(struct replay *rp);

int  replay_count(const struct replay *rp);
/* Sample i (0 .. count-1); valid until replay_free. */
const struct sample *replay_sample(const struct replay *rp, int i);
/* Seconds from the first sample. */
double replay_time(const struct replay *rp, int i);
/* The models' figures at sample i. */
int  replay_nmodels(const struct replay *rp, int i);
const struct run_figs *replay_figs(const struct replay *rp, int i, int model);
/* What the sampler could read on the recording machine (NULL if the file does not say). */
const struct sample_caps *replay_caps(const struct replay *rp);
/* The recording's sampling interval (config.interval_ms), or 0 when unknown. */
uint64_t replay_interval_ns(const struct replay *rp);
/* "workload cpu, turns: 5 s each ..." from the file's config, or "". */
const char *replay_config(const struct replay *rp);

#endif
