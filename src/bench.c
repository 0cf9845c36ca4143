/*
 * bench.c — `schedwatch bench`.
 *
 * Each figure comes from the same model hosts the live screen runs, driven
 * here without a screen: a run (src/run) with one model at a time on every
 * core, sampled by the sampler, read through run_figs. So the figures are the
 * ones a user sees, not those of a separate micro-benchmark:
 *   create   spawn workload: the host's own clock around "create a task, let it
 *            finish" (fork+exit+wait, pthread_create+join, a loop task, ...),
 *            total time / tasks spawned;
 *   switch   pingpong workload, one pair: the median round trip of a token,
 *            which is two switches (A wakes B, B wakes A);
 *   memory   io workload against a latency server that answers after an hour,
 *            so every task is parked on its socket: (memory of the host's tree
 *            now - before its tasks existed) / tasks, PSS for procs;
 *   kernel   the same run: what the kernel allocated meanwhile, which no RSS
 *            shows: the growth of /proc/meminfo KernelStack + SUnreclaim over
 *            the run, / tasks. A thread or process brings a kernel stack
 *            (16 KiB on x86-64) and its task structures; every model's task
 *            brings both ends of its socket. Machine-wide counters: a bench
 *            beside other work reads its allocations too.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "report/json.h"
#include "run/run.h"
#include "sample/sampler.h"
#include "util.h"

struct bench_row {
    enum probe_model kind;
    double create_ns;  bool create_ok;
    double rtt_ns;     bool rtt_ok;
    double mem;        bool mem_ok;  uint32_t mem_tasks;
    double kern;       bool kern_ok;
    char   note[200];
};

static void bench__sleep_ns(uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* KernelStack + SUnreclaim from /proc/meminfo, in bytes; -1 if unreadable. */
static double bench__kernel_bytes(void)
{
    FILE *f = fopen(PROCDIR "/meminfo", "re");
    char line[128];
    unsigned long long kb;
    double sum = 0;
    int found = 0;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "KernelStack: %llu kB", &kb) == 1 ||
            sscanf(line, "SUnreclaim: %llu kB", &kb) == 1) {
            sum += (double)kb * 1024;
            found++;
        }
    }
    fclose(f);
    return found == 2 ? sum : -1;
}

/* Runs one model with one workload for dur_ns; leaves the run's final figures in
 * *out, and the kernel memory it grew per task in *kern (if not NULL; NAN when
 * unknown). Returns 0 or -errno with the reason in note. */
static int bench__measure(struct sampler *smp, enum probe_model kind, enum work_kind w,
                          uint32_t ntasks, uint64_t latency_ns, uint64_t dur_ns,
                          struct run_figs *out, double *p50_ns, double *kern, char *note,
                          size_t notelen)
{
    double k0 = kern != NULL ? bench__kernel_bytes() : -1;
    if (kern != NULL)
        *kern = NAN;
    struct run_opts o = {
        .models = { kind }, .nmodels = 1, .workload = w, .mode = RUN_MODE_SHARED,
        .latency_ns = latency_ns,
    };
    o.ntasks[kind] = ntasks;
    struct run *r;
    int rc = run_start(&o, smp, &r, note, notelen);
    if (rc < 0)
        return rc;
    uint64_t t_end = util_now_ns() + dur_ns;
    const struct sample *s;
    while (util_now_ns() < t_end) {
        bench__sleep_ns(100000000);
        if (sampler_sample(smp, &s) == 0)
            run_update(r, s);
    }
    *out = *run_figs(r, 0);
    double k1 = kern != NULL ? bench__kernel_bytes() : -1;
    if (k0 >= 0 && k1 >= 0 && out->ntasks > 0)
        *kern = (k1 - k0) / out->ntasks;
    double p50 = 0, p99 = 0;
    *p50_ns = run_summary_latency(r, 0, &p50, &p99) ? p50 * 1e6 : NAN;
    if (out->state == RUN_M_FAILED) {
        snprintf(note, notelen, "%s", out->text);
        rc = -ECHILD;
    }
    run_stop(r);
    return rc;
}

static uint32_t bench__idle_tasks(enum probe_model k)
{
    return k == PROBE_MODEL_PROCS ? 100 : 1000;
}

static void bench__row(struct sampler *smp, struct bench_row *row, uint64_t dur_ns)
{
    struct run_figs f;
    double p50;
    char note[256] = "";

    if (bench__measure(smp, row->kind, WORK_SPAWN, run_default_tasks(WORK_SPAWN, row->kind),
                       0, dur_ns, &f, &p50, NULL, note, sizeof(note)) == 0 && f.create_ok) {
        row->create_ns = f.create_ns;
        row->create_ok = true;
    } else if (note[0]) {
        snprintf(row->note, sizeof(row->note), "spawn: %.180s", note);
    }
    note[0] = '\0';
    if (bench__measure(smp, row->kind, WORK_PINGPONG, 2, 0, dur_ns, &f, &p50, NULL, note,
                       sizeof(note)) == 0 && isfinite(p50)) {
        row->rtt_ns = p50;
        row->rtt_ok = true;
    } else if (note[0]) {
        snprintf(row->note, sizeof(row->note), "pingpong: %.180s", note);
    }
    note[0] = '\0';
    row->mem_tasks = bench__idle_tasks(row->kind);
    double kern;
    if (bench__measure(smp, row->kind, WORK_IO, row->mem_tasks, 3600ull * 1000000000,
                       dur_ns + 1000000000, &f, &p50, &kern, note, sizeof(note)) == 0 &&
        f.mem_per_task_ok) {
        row->mem = f.mem_per_task;
        row->mem_ok = true;
        row->mem_tasks = f.ntasks;
        row->kern = kern;
        row->kern_ok = isfinite(kern);
    } else if (note[0]) {
        snprintf(row->note, sizeof(row->note), "idle: %.180s", note);
    }
}

static void bench__help(FILE *f)
{
    fputs("Usage: schedwatch bench [--models LIST] [--time TIME] [--json FILE]\n"
          "Measures, for each model, the cost of creating a task, of a switch between two\n"
          "tasks (a pingpong round trip is two switches) and the memory of an idle task.\n"
          "\n"
          "      --models LIST  models to measure (default: all)\n"
          "      --time TIME    how long each measurement runs (default 2s)\n"
          "      --json FILE    also write the figures as JSON\n"
          "  -h, --help         show this help\n", f);
}

int bench_main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "models", required_argument, NULL, 'm' },
        { "time", required_argument, NULL, 't' },
        { "json", required_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    enum probe_model kinds[RUN_MAX_MODELS];
    int nk = 0;
    uint64_t dur_ns = 2000000000ull;
    const char *json_path = NULL;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': {
            char *copy = xstrdup(optarg), *save = NULL;
            nk = 0;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int k;
                for (k = PROBE_MODEL_NONE + 1; k < PROBE_MODEL_COUNT; k++)
                    if (run_model_available(k) && strcmp(t, probe_model_name(k)) == 0)
                        break;
                if (k == PROBE_MODEL_COUNT || nk == RUN_MAX_MODELS) {
                    fprintf(stderr, "schedwatch bench: --models: unknown model '%s'; choose "
                            "from %s\n", t, run_models_available());
                    free(copy);
                    return 2;
                }
                kinds[nk++] = (enum probe_model)k;
            }
            free(copy);
            break;
        }
        case 't':
            if (util_parse_duration(optarg, &dur_ns) < 0 || dur_ns < 500000000ull ||
                dur_ns > 600000000000ull) {
                fprintf(stderr, "schedwatch bench: --time '%s': give 0.5s to 10m\n", optarg);
                return 2;
            }
            break;
        case 'j':
            json_path = optarg;
            break;
        case 'h':
            bench__help(stdout);
            return 0;
        case ':':
            fprintf(stderr, "schedwatch bench: option '%s' needs a value\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "schedwatch bench: unknown option '%s'\nTry 'schedwatch bench "
                    "--help'.\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "schedwatch bench: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (nk == 0)
        for (int k = PROBE_MODEL_NONE + 1; k < PROBE_MODEL_COUNT && nk < RUN_MAX_MODELS; k++)
            if (run_model_available(k))
                kinds[nk++] = (enum probe_model)k;

    FILE *jf = NULL;
    if (json_path != NULL && (jf = fopen(json_path, "we")) == NULL) {
        fprintf(stderr, "schedwatch bench: --json %s: %s\n", json_path, strerror(errno));
        return 2;
    }
    struct sampler *smp;
    struct sampler_opts so = { .proc_root = PROCDIR };
    if (sampler_new(&so, &smp) < 0) {
        fprintf(stderr, "schedwatch bench: cannot read %s\n", PROCDIR);
        if (jf)
            fclose(jf);
        return 1;
    }

    struct bench_row rows[RUN_MAX_MODELS];
    memset(rows, 0, sizeof(rows));
    printf("%-11s %14s %14s %12s %16s %14s\n", "model", "create/task", "round trip", "switch",
           "memory/idle task", "kernel/task");
    fflush(stdout);
    for (int i = 0; i < nk; i++) {
        struct bench_row *row = &rows[i];
        row->kind = kinds[i];
        bench__row(smp, row, dur_ns);
        char cr[24] = "n/a", rt[24] = "n/a", sw[24] = "n/a", mem[40] = "n/a", b[24];
        char kern[24] = "n/a";
        if (row->create_ok)
            snprintf(cr, sizeof(cr), "%.1f us", row->create_ns / 1e3);
        if (row->rtt_ok) {
            snprintf(rt, sizeof(rt), "%.1f us", row->rtt_ns / 1e3);
            snprintf(sw, sizeof(sw), "%.1f us", row->rtt_ns / 2e3);
        }
        if (row->mem_ok)
            snprintf(mem, sizeof(mem), "%s (%u)", util_fmt_bytes(b, sizeof(b), row->mem),
                     row->mem_tasks);
        if (row->mem_ok && row->kern_ok)
            util_fmt_bytes(kern, sizeof(kern), MAX(row->kern, 0.0));
        printf("%-11s %14s %14s %12s %16s %14s%s%s\n", probe_model_name(row->kind), cr, rt, sw,
               mem, kern, row->note[0] ? "  " : "", row->note);
        fflush(stdout);
    }
    printf("each figure: %.3g s of the model alone on every core; switch = round trip / 2; "
           "memory = (tree now - host before tasks) / tasks, PSS for procs;\n"
           "kernel = growth of KernelStack + SUnreclaim (/proc/meminfo, machine-wide) over the "
           "idle run / tasks:\nkernel stacks and task structures of threads and processes, "
           "both ends of every task's socket\n", dur_ns / 1e9);

    if (jf != NULL) {
        struct json j;
        json_init(&j, jf, true);
        json_object_begin(&j);
        json_kv_str(&j, "schedwatch", PACKAGE_VERSION);
        json_kv_num(&j, "time_s", dur_ns / 1e9);
        json_key(&j, "models");
        json_array_begin(&j);
        for (int i = 0; i < nk; i++) {
            json_object_begin(&j);
            json_kv_str(&j, "name", probe_model_name(rows[i].kind));
            json_kv_num(&j, "create_ns", rows[i].create_ok ? rows[i].create_ns : NAN);
            json_kv_num(&j, "round_trip_ns", rows[i].rtt_ok ? rows[i].rtt_ns : NAN);
            json_kv_num(&j, "switch_ns", rows[i].rtt_ok ? rows[i].rtt_ns / 2 : NAN);
            json_kv_num(&j, "mem_per_idle_task", rows[i].mem_ok ? rows[i].mem : NAN);
            json_kv_uint(&j, "idle_tasks", rows[i].mem_tasks);
            json_kv_num(&j, "kernel_per_idle_task",
                        rows[i].mem_ok && rows[i].kern_ok ? rows[i].kern : NAN);
            if (rows[i].note[0])
                json_kv_str(&j, "note", rows[i].note);
            json_object_end(&j);
        }
        json_array_end(&j);
        json_object_end(&j);
        if (fclose(jf) != 0) {
            fprintf(stderr, "schedwatch bench: --json %s: write failed\n", json_path);
            sampler_free(smp);
            return 1;
        }
    }
    sampler_free(smp);
    return 0;
}
