/*
 * tests/bench/models — runs one model host with one workload and prints what
 * it measured: cores (schedstat of the host's process group), units/s,
 * latency p50/p99 (from the board), and the load of the rest of the machine.
 *
 *   tests/bench/models MODEL WORKLOAD N [SECONDS] [gil] [offload]
 *   e.g. tests/bench/models loop io 1000 3      (SW_BIN: default ./schedwatch)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models_util.h"
#include "util.h"

int main(int argc, char **argv)
{
    enum probe_model kind = PROBE_MODEL_NONE;
    enum work_kind w;
    long n;
    double secs = argc > 4 ? atof(argv[4]) : 3;
    bool gil = false, offload = false;

    if (argc < 4 || work_parse(argv[2], &w) < 0 || util_parse_long(argv[3], 1, 1000000, &n) < 0) {
        fprintf(stderr, "usage: tests/bench/models MODEL WORKLOAD N [SECONDS] [gil] [offload]\n");
        return 2;
    }
    for (int i = 0; i < PROBE_MODEL_COUNT; i++)
        if (strcmp(argv[1], probe_model_name(i)) == 0)
            kind = i;
    for (int i = 5; i < argc; i++) {
        gil |= strcmp(argv[i], "gil") == 0;
        offload |= strcmp(argv[i], "offload") == 0;
    }
    struct model *srv = NULL;
    uint16_t port = 0;
    if (w == WORK_IO || w == WORK_MIXED) {
        srv = mu_start(PROBE_MODEL_LATENCY, w, 0, 0, false, false);
        port = model_port(srv);
    }
    uint64_t t0 = util_now_ns();
    struct model *m = mu_start(kind, w, (uint32_t)n, port, gil, offload);
    uint64_t up = util_now_ns() - t0;
    struct probe_snapshot a, b;
    probe_snapshot_init(&a, model_nslots(m));
    probe_snapshot_init(&b, model_nslots(m));
    mu_sleep_ns(1000000000);
    model_snapshot(m, &a);
    struct mu_cpu c;
    mu_measure2(model_pid(m), srv ? model_pid(srv) : 0, 0, (uint64_t)(secs * 1e9), &c);
    double cores = c.cores;
    model_snapshot(m, &b);
    double dt = (double)(b.t_ns - a.t_ns) / 1e9;
    uint64_t hist[PROBE_HIST_BUCKETS];
    for (unsigned i = 0; i < PROBE_HIST_BUCKETS; i++)
        hist[i] = b.hist[i] - a.hist[i];
    printf("%s %s n=%ld%s%s: ready in %.0f ms, %.2f cores (run+wait %.2f, server %.2f, "
           "rest of machine %.2f), %.0f units/s, %.1f MB/s",
           argv[1], argv[2], n, gil ? " gil" : "", offload ? " offload" : "", up / 1e6, cores,
           c.demand, c.also_cores, c.others,
           (double)(b.units - a.units) / dt, (double)(b.bytes - a.bytes) / dt / 1e6);
    if (b.lat_count > a.lat_count)
        printf(", p50 %.2f ms, p99 %.2f ms", probe_hist_quantile(hist, 0.5) / 1e6,
               probe_hist_quantile(hist, 0.99) / 1e6);
    if (kind == PROBE_MODEL_LOOP)
        printf(", lag %.2f ms (max %.2f), %llu cb/s", b.loop_lag_ns / 1e6,
               b.loop_lag_max_ns / 1e6, (unsigned long long)b.loop_cb_per_s);
    if (gil)
        printf(", %.0f GIL hand-offs/s (%.0f drop requests/s)",
               (double)(b.gil_handoffs - a.gil_handoffs) / dt,
               (double)(b.gil_drop_requests - a.gil_drop_requests) / dt);
    uint64_t pss = mu_group_pss(model_pid(m));
    printf(", Pss %.1f MiB (%.1f KiB/task)", pss / 1048576.0, pss / 1024.0 / (double)n);
    printf(", errors %llu\n  status: %s: %s\n", (unsigned long long)b.errors,
           probe_status_name(b.status), b.status_text);
    model_stop(m, 1000000000);
    if (srv != NULL)
        model_stop(srv, 1000000000);
    probe_snapshot_free(&a);
    probe_snapshot_free(&b);
    return 0;
}
