#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models_util.h"
#include "util.h"

static int mu__pgrp(pid_t pid, pid_t *pgrp)
{
    char path[64], buf[1024];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "re")) == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    int pg;
    char st;
    /* (3) state (4) ppid (5) pgrp */
    if (p == NULL || sscanf(p + 2, "%c %*d %d", &st, &pg) != 2)
        return -1;
    if (st == 'Z' || st == 'X')
        return -1;      /* dead, waiting for a reaper: holds no CPU or memory */
    *pgrp = pg;
    return 0;
}

/* Run time of every thread of pid: schedstat's first field, in ns. Tick
 * sampled utime/stime miss short bursts (1,000 processes each running a few
 * microseconds at a time read as 0). */
static uint64_t mu__run_ns(pid_t pid, uint64_t *wait_ns)
{
    char path[64];
    DIR *d;
    struct dirent *e;
    uint64_t sum = 0;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    if ((d = opendir(path)) == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p2[320];
        unsigned long long ns, w;
        snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
        FILE *f = fopen(p2, "re");
        if (f == NULL)
            continue;
        if (fscanf(f, "%llu %llu", &ns, &w) == 2) {
            sum += ns;
            *wait_ns += w;
        }
        fclose(f);
    }
    closedir(d);
    return sum;
}

static uint64_t mu__scan(pid_t pgid, int *count, uint64_t *wait_ns)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    uint64_t sum = 0;

    *count = 0;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atoi(e->d_name);
        pid_t pg;
        if (pid <= 0 || mu__pgrp(pid, &pg) < 0 || pg != pgid)
            continue;
        sum += mu__run_ns(pid, wait_ns);
        (*count)++;
    }
    closedir(d);
    return sum;
}

/* Pss of every process of the group, bytes (smaps_rollup). */
uint64_t mu_group_pss(pid_t pgid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    uint64_t sum = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atoi(e->d_name);
        pid_t pg;
        char path[64], line[128];
        unsigned long long kb;
        if (pid <= 0 || mu__pgrp(pid, &pg) < 0 || pg != pgid)
            continue;
        snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
        FILE *f = fopen(path, "re");
        if (f == NULL)
            continue;
        while (fgets(line, sizeof(line), f) != NULL)
            if (sscanf(line, "Pss: %llu kB", &kb) == 1)
                sum += kb * 1024;
        fclose(f);
    }
    closedir(d);
    return sum;
}

uint64_t mu_group_run_ns(pid_t pgid)
{
    int n;
    uint64_t w = 0;
    return mu__scan(pgid, &n, &w);
}

int mu_group_count(pid_t pgid)
{
    int n;
    uint64_t w = 0;
    mu__scan(pgid, &n, &w);
    return n;
}

/* /proc/stat "cpu" line: busy and total jiffies. */
static void mu__machine(uint64_t *busy, uint64_t *total)
{
    FILE *f = fopen("/proc/stat", "re");
    unsigned long long v[8] = { 0 };

    *busy = *total = 0;
    if (f == NULL)
        return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &v[6], &v[7]) == 8) {
        for (int i = 0; i < 8; i++)
            *total += v[i];
        *busy = *total - v[3] - v[4];       /* all but idle and iowait */
    }
    fclose(f);
}

void mu_measure(pid_t pgid, uint64_t warm_ns, uint64_t window_ns, struct mu_cpu *out)
{
    mu_measure2(pgid, 0, warm_ns, window_ns, out);
}

void mu_measure2(pid_t pgid, pid_t also, uint64_t warm_ns, uint64_t window_ns,
                 struct mu_cpu *out)
{
    uint64_t w0 = 0, w1 = 0, mb0, mt0, mb1, mt1, x0 = 0, x1 = 0, xw = 0;
    int n;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    mu_sleep_ns(warm_ns);
    uint64_t t0 = util_now_ns(), r0 = mu__scan(pgid, &n, &w0);
    if (also > 0)
        x0 = mu__scan(also, &n, &xw);
    mu__machine(&mb0, &mt0);
    mu_sleep_ns(window_ns);
    uint64_t t1 = util_now_ns(), r1 = mu__scan(pgid, &n, &w1);
    if (also > 0)
        x1 = mu__scan(also, &n, &xw);
    mu__machine(&mb1, &mt1);
    double wall = (double)(t1 - t0);
    out->cores = (double)(r1 - r0) / wall;
    out->demand = (double)(r1 - r0 + w1 - w0) / wall;
    double busy = mt1 > mt0 ? (double)(mb1 - mb0) / (double)(mt1 - mt0) * (double)ncpu : 0;
    out->also_cores = (double)(x1 - x0) / wall;
    out->others = MAX(busy - out->cores - out->also_cores, 0.0);
}

void mu_sleep_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

double mu_cores(pid_t pgid, uint64_t warm_ns, uint64_t window_ns)
{
    struct mu_cpu c;
    mu_measure(pgid, warm_ns, window_ns, &c);
    return c.cores;
}

const char *mu_exe(void)
{
    const char *e = getenv("SW_BIN");
    return e != NULL ? e : "./schedwatch";
}

struct model *mu_start(enum probe_model kind, enum work_kind w, uint32_t n, uint16_t port,
                       bool gil, bool offload)
{
    struct model_spec spec = { .kind = kind, .gil = gil, .offload = offload, .exe = mu_exe() };
    struct model *m;
    char err[256];

    work_params_default(&spec.work);
    spec.work.kind = w;
    spec.work.ntasks = n;
    spec.work.port = port;
    if (kind == PROBE_MODEL_LATENCY) {
        spec.work.ntasks = 0;
        spec.own_session = true;    /* measure the model, not the server's starvation */
    }
    if (model_start(&spec, &m, err, sizeof(err)) < 0) {
        fprintf(stderr, "model_start: %s\n", err);
        abort();
    }
    int rc = model_wait_ready(m, 10ull * 1000000000);
    if (rc < 0) {
        fprintf(stderr, "%s did not start: %d %s\n", probe_model_name(kind), rc,
                model_failure(m) ? model_failure(m) : "");
        abort();
    }
    return m;
}
