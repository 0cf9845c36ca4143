/*
 * fuzz_cli.c — libFuzzer target for option parsing (cli_parse).
 *
 * The input is a command line: arguments separated by NUL bytes, after
 * argv[0] (at most FUZZ_MAX_ARGS). Each argument is a heap block of its exact
 * size, so a read past its end trips ASan. cli_parse runs many times in one
 * process here, which the program itself never does (but its tests do):
 * state left from one call must not leak into the next, so after each input
 * a reference command line must parse to the config it gave on the first
 * call. The input's arguments are freed only after that: getopt keeps its
 * state in glibc, which ASan does not instrument, and ASan overwrites a freed
 * block, so a stale pointer into a freed argument would read as an empty
 * string and hide the leak. When cli_parse says CLI_RUN, the config must be
 * one the rest of the program can trust (cli.h).
 *
 *   CC=clang ./configure --enable-fuzzing && make tests/fuzz/fuzz_cli
 *   tests/fuzz/fuzz_cli -max_total_time=60 -dict=tests/fuzz/cli.dict \
 *       tests/fuzz/corpus/cli
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "probe/probe.h"
#include "util.h"
#include "work/work.h"

#define FUZZ_MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *const fuzz_ref_argv[] = { "schedwatch", "--headless", "-d", "2s", "--models",
                                       "loop", "-n", "2", "--json", "x.json" };
static struct config fuzz_ref_cfg;

static enum cli_status fuzz_ref_parse(struct config *cfg)
{
    char *argv[ARRAY_SIZE(fuzz_ref_argv) + 1];     /* getopt permutes it */
    memcpy(argv, fuzz_ref_argv, sizeof(fuzz_ref_argv));
    argv[ARRAY_SIZE(fuzz_ref_argv)] = NULL;
    return cli_parse((int)ARRAY_SIZE(fuzz_ref_argv), argv, cfg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* --help and --list-lessons print to stdout; libFuzzer reports on stderr. */
    if (freopen("/dev/null", "w", stdout) == NULL)
        abort();
    unsetenv("NO_COLOR");
    if (fuzz_ref_parse(&fuzz_ref_cfg) != CLI_RUN)
        abort();
    return 0;
}

static void fuzz_check(const struct config *c)
{
    const struct run_opts *o = &c->run;
    if (c->interval_ns < 10000000ull || c->interval_ns > 10000000000ull)
        abort();
    if (c->npids < 0 || c->npids > CLI_MAX_PIDS)
        abort();
    for (int i = 0; i < c->npids; i++)
        if (c->pids[i] <= 0)
            abort();
    if (c->proc_root == NULL || c->proc_root[0] == '\0')
        abort();
    if (c->lesson_pace < 0.25 || c->lesson_pace > 4)
        abort();
    if (c->size_w != 0 && (c->size_w < 40 || c->size_w > 1000 || c->size_h < 10 ||
                           c->size_h > 1000))
        abort();
    if (c->replay_path != NULL)
        return;                     /* nothing below applies to a replay */
    if (o->nmodels < 0 || o->nmodels > RUN_MAX_MODELS)
        abort();
    for (int i = 0; i < o->nmodels; i++) {
        if (o->models[i] <= PROBE_MODEL_NONE || o->models[i] >= PROBE_MODEL_COUNT)
            abort();
        for (int k = 0; k < i; k++)
            if (o->models[k] == o->models[i])
                abort();
        uint32_t n = o->ntasks[o->models[i]];
        if (n < 1 || n > RUN_MAX_TASKS || (o->workload == WORK_PINGPONG && n % 2))
            abort();
    }
    if ((unsigned)o->workload >= WORK_COUNT)
        abort();
    if (c->headless && o->nmodels == 0 && c->npids == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[FUZZ_MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = strdup("schedwatch");
    for (size_t at = 0; at < size && argc <= FUZZ_MAX_ARGS;) {
        const uint8_t *nul = memchr(data + at, 0, size - at);
        size_t len = nul ? (size_t)(nul - (data + at)) : size - at;
        argv[argc] = malloc(len + 1);
        memcpy(argv[argc], data + at, len);
        argv[argc++][len] = '\0';
        at += len + 1;
    }
    argv[argc] = NULL;

    /* getopt permutes argv: free the blocks through a copy of the pointers. */
    char *own[FUZZ_MAX_ARGS + 2];
    memcpy(own, argv, sizeof(argv));
    struct config cfg;
    enum cli_status st = cli_parse(argc, argv, &cfg);
    if (st == CLI_RUN)
        fuzz_check(&cfg);
    else if (st != CLI_EXIT_OK && st != CLI_EXIT_USAGE)
        abort();
    /* cli_parse zeroes the config first, so the padding compares too. */
    if (fuzz_ref_parse(&cfg) != CLI_RUN || memcmp(&cfg, &fuzz_ref_cfg, sizeof(cfg)) != 0)
        abort();
    for (int i = 0; i < argc; i++)
        free(own[i]);
    return 0;
}
