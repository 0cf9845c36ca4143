/*
 * fuzz_procfs.c — libFuzzer target: every /proc parser on the same input.
 * Build: CC=clang ./configure --enable-fuzzing && make tests/fuzz/fuzz_procfs
 * Run:   tests/fuzz/fuzz_procfs -max_total_time=60 tests/fuzz/corpus/procfs
 * The input is copied to a buffer of exactly its size, so a parser reading
 * past len trips ASan. Each parser's own invariants are checked too.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    const char *why;
    memcpy(buf, data, size);

    struct procfs_stat st;
    struct procfs_cpu_times cpu[4];
    if (procfs_parse_stat(buf, size, &st, cpu, 4, &why) == 0 && st.ncpu < 0)
        abort();

    struct procfs_loadavg la;
    procfs_parse_loadavg(buf, size, &la, &why);

    struct procfs_psi psi;
    procfs_parse_psi(buf, size, &psi, &why);

    struct procfs_meminfo mi;
    procfs_parse_meminfo(buf, size, &mi, &why);

    struct procfs_task_stat ts;
    if (procfs_parse_task_stat(buf, size, &ts, &why) == 0 &&
        (strlen(ts.comm) >= sizeof(ts.comm) || ts.processor < 0 || ts.ppid < 0))
        abort();

    struct procfs_schedstat ss;
    procfs_parse_schedstat(buf, size, &ss, &why);

    struct procfs_csw csw;
    procfs_parse_status_csw(buf, size, &csw, &why);

    struct procfs_smaps_rollup sr;
    procfs_parse_smaps_rollup(buf, size, &sr, &why);

    pid_t kids[8];
    int n;
    if (procfs_parse_children(buf, size, kids, 8, &n, &why) == 0 && n < 0)
        abort();

    free(buf);
    return 0;
}
