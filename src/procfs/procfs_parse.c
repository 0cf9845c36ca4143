/*
 * procfs_parse.c — pure parsers of /proc text (see procfs.h).
 *
 * Everything goes through a small cursor (struct procfs__cur) that knows the
 * end of the buffer: the kernel's text is not NUL-terminated when it comes
 * from pread(), and a hostile or truncated buffer must never make a parser
 * read past len. Numbers are parsed by hand (strtoull needs a terminator and
 * accepts signs and spaces we do not want), with an overflow check.
 *
 * Files with "Key: value" lines (meminfo, status, smaps_rollup) are scanned
 * line by line for the keys wanted; unknown lines are skipped, so new kernel
 * fields never break us. /proc/PID/stat is positional: fields are numbered
 * from 1 as in proc(5), and comm (2) may hold spaces and parentheses, so the
 * fields after it are counted from the LAST ')' in the buffer.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "procfs/procfs.h"
#include "util.h"

struct procfs__cur {
    const char *p;
    const char *end;
};

static void procfs__set_why(const char **why, const char *s)
{
    if (why != NULL)
        *why = s;
}

static bool procfs__at_end(const struct procfs__cur *c)
{
    return c->p >= c->end;
}

static void procfs__skip_blanks(struct procfs__cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static void procfs__skip_line(struct procfs__cur *c)
{
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    c->p = nl != NULL ? nl + 1 : c->end;
}

/* Parses an unsigned decimal number; -EINVAL if none here, -ERANGE on overflow. */
static int procfs__u64(struct procfs__cur *c, uint64_t *out)
{
    procfs__skip_blanks(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return -EINVAL;
    uint64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
        c->p++;
    }
    *out = v;
    return 0;
}

/* A signed decimal that must fit in [lo, hi]. */
static int procfs__i64(struct procfs__cur *c, int64_t lo, int64_t hi, int64_t *out)
{
    procfs__skip_blanks(c);
    bool neg = false;
    if (c->p < c->end && *c->p == '-') {
        neg = true;
        c->p++;
    }
    uint64_t u;
    int r = procfs__u64(c, &u);
    if (r < 0)
        return r;
    if (neg ? u > (uint64_t)INT64_MAX + 1 : u > (uint64_t)INT64_MAX)
        return -ERANGE;
    int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
    if (v < lo || v > hi)
        return -ERANGE;
    *out = v;
    return 0;
}

/* A decimal with an optional fraction ("12.34"), as in loadavg and PSI. */
static int procfs__decimal(struct procfs__cur *c, double *out)
{
    uint64_t ip;
    int r = procfs__u64(c, &ip);
    if (r < 0)
        return r;
    double v = (double)ip;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        double scale = 0.1;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return -EINVAL;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            v += (*c->p - '0') * scale;
            scale /= 10;
            c->p++;
        }
    }
    *out = v;
    return 0;
}

/* True if the cursor is at word w followed by a blank; advances past it. */
static bool procfs__word(struct procfs__cur *c, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n + 1 || memcmp(c->p, w, n) != 0)
        return false;
    if (c->p[n] != ' ' && c->p[n] != '\t')
        return false;
    c->p += n;
    return true;
}

/* True if the next character ends a field: blank, newline or end of buffer. */
static bool procfs__field_end(const struct procfs__cur *c)
{
    return c->p >= c->end || *c->p == ' ' || *c->p == '\t' || *c->p == '\n';
}

/* ---- /proc/stat -------------------------------------------------------------- */

static int procfs__cpu_line(struct procfs__cur *c, struct procfs_cpu_times *t)
{
    uint64_t *f[] = { &t->user, &t->nice, &t->system, &t->idle, &t->iowait,
                      &t->irq, &t->softirq, &t->steal, &t->guest, &t->guest_nice };
    memset(t, 0, sizeof(*t));
    /* Kernels before 2.6.11 stop after softirq, before 2.6.24 after steal:
     * the first four are required, the rest default to 0. */
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        procfs__skip_blanks(c);
        if (procfs__at_end(c) || *c->p == '\n') {
            if (i < 4)
                return -ENODATA;
            break;
        }
        int r = procfs__u64(c, f[i]);
        if (r < 0)
            return r;
        if (!procfs__field_end(c))
            return -EINVAL;
    }
    t->present = true;
    return 0;
}

int procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *out,
                      struct procfs_cpu_times *cpu, int cap, const char **why)
{
    struct procfs__cur c = { buf, buf + len };
    bool have_total = false, have_ctxt = false;
    int r;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < cap; i++)
        memset(&cpu[i], 0, sizeof(cpu[i]));

    while (!procfs__at_end(&c)) {
        if (procfs__word(&c, "cpu")) {
            if ((r = procfs__cpu_line(&c, &out->total)) < 0) {
                procfs__set_why(why, "bad cpu line");
                return r;
            }
            have_total = true;
        } else if ((size_t)(c.end - c.p) > 3 && memcmp(c.p, "cpu", 3) == 0 &&
                   c.p[3] >= '0' && c.p[3] <= '9') {
            c.p += 3;
            uint64_t n;
            if ((r = procfs__u64(&c, &n)) < 0 || n > 65535) {
                procfs__set_why(why, "bad cpuN number");
                return r < 0 ? r : -ERANGE;
            }
            struct procfs_cpu_times t;
            if ((r = procfs__cpu_line(&c, &t)) < 0) {
                procfs__set_why(why, "bad cpuN line");
                return r;
            }
            if ((int)n < cap)
                cpu[n] = t;
            if ((int)n + 1 > out->ncpu)
                out->ncpu = (int)n + 1;
        } else if (procfs__word(&c, "ctxt")) {
            if ((r = procfs__u64(&c, &out->ctxt)) < 0) {
                procfs__set_why(why, "bad ctxt");
                return r;
            }
            have_ctxt = true;
        } else if (procfs__word(&c, "processes")) {
            if ((r = procfs__u64(&c, &out->processes)) < 0) {
                procfs__set_why(why, "bad processes");
                return r;
            }
        } else if (procfs__word(&c, "procs_running") || procfs__word(&c, "procs_blocked")) {
            bool running = c.p[-1] == 'g';     /* "procs_runninG" vs "procs_blockeD" */
            int64_t v;
            if ((r = procfs__i64(&c, 0, UINT32_MAX, &v)) < 0) {
                procfs__set_why(why, running ? "bad procs_running" : "bad procs_blocked");
                return r;
            }
            if (running)
                out->procs_running = (unsigned)v;
            else
                out->procs_blocked = (unsigned)v;
        }
        procfs__skip_line(&c);
    }
    if (!have_total) {
        procfs__set_why(why, "no cpu line");
        return -ENODATA;
    }
    if (!have_ctxt) {
        procfs__set_why(why, "no ctxt line");
        return -ENODATA;
    }
    return 0;
}

/* ---- /proc/loadavg ------------------------------------------------------------ */

int procfs_parse_loadavg(const char *buf, size_t len, struct procfs_loadavg *out,
                         const char **why)
{
    struct procfs__cur c = { buf, buf + len };
    uint64_t running, total, last;
    int r;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 3; i++) {
        if ((r = procfs__decimal(&c, &out->load[i])) < 0 || !procfs__field_end(&c)) {
            procfs__set_why(why, procfs__at_end(&c) ? "truncated load averages"
                                                    : "bad load average");
            return procfs__at_end(&c) ? -ENODATA : (r < 0 ? r : -EINVAL);
        }
    }
    if ((r = procfs__u64(&c, &running)) < 0 || c.p >= c.end || *c.p != '/') {
        procfs__set_why(why, "bad running/total");
        return procfs__at_end(&c) ? -ENODATA : (r < 0 ? r : -EINVAL);
    }
    c.p++;
    if ((r = procfs__u64(&c, &total)) < 0 || (r = procfs__u64(&c, &last)) < 0) {
        procfs__set_why(why, "bad total or last pid");
        return procfs__at_end(&c) ? -ENODATA : r;
    }
    if (running > UINT32_MAX || total > UINT32_MAX || last > INT32_MAX) {
        procfs__set_why(why, "task count out of range");
        return -ERANGE;
    }
    out->running = (unsigned)running;
    out->nr_threads = (unsigned)total;
    out->last_pid = (pid_t)last;
    return 0;
}

/* ---- /proc/pressure/cpu ------------------------------------------------------- */

static int procfs__psi_line(struct procfs__cur *c, struct procfs_psi_line *l)
{
    static const char *keys[] = { "avg10=", "avg60=", "avg300=", "total=" };
    double *avg[] = { &l->avg10, &l->avg60, &l->avg300 };
    int r;

    for (int i = 0; i < 4; i++) {
        procfs__skip_blanks(c);
        size_t n = strlen(keys[i]);
        if ((size_t)(c->end - c->p) < n)
            return -ENODATA;
        if (memcmp(c->p, keys[i], n) != 0)
            return -EINVAL;
        c->p += n;
        if (i < 3)
            r = procfs__decimal(c, avg[i]);
        else
            r = procfs__u64(c, &l->total);
        if (r < 0)
            return r;
        if (!procfs__field_end(c))
            return -EINVAL;
    }
    return 0;
}

int procfs_parse_psi(const char *buf, size_t len, struct procfs_psi *out, const char **why)
{
    struct procfs__cur c = { buf, buf + len };
    bool have_some = false;
    int r;

    memset(out, 0, sizeof(*out));
    while (!procfs__at_end(&c)) {
        if (procfs__word(&c, "some")) {
            if ((r = procfs__psi_line(&c, &out->some)) < 0) {
                procfs__set_why(why, "bad 'some' line");
                return r;
            }
            have_some = true;
        } else if (procfs__word(&c, "full")) {
            if ((r = procfs__psi_line(&c, &out->full)) < 0) {
                procfs__set_why(why, "bad 'full' line");
                return r;
            }
            out->full_ok = true;
        }
        procfs__skip_line(&c);
    }
    if (!have_some) {
        procfs__set_why(why, "no 'some' line");
        return -ENODATA;
    }
    return 0;
}

/* ---- "Key:   value [kB]" files ------------------------------------------------- */

struct procfs__key {
    const char *name;               /* with the colon: "MemTotal:" */
    uint64_t   *out;
    bool        kb;                 /* value in kB, stored in bytes */
    bool        found;
};

/*
 * Scans lines for the keys; a key present with a bad value is an error, an
 * absent key is left !found for the caller to judge.
 */
static int procfs__keys(const char *buf, size_t len, struct procfs__key *keys, size_t nkeys,
                        const char **why)
{
    struct procfs__cur c = { buf, buf + len };
    size_t left = nkeys;
    int r;

    while (!procfs__at_end(&c) && left > 0) {
        for (size_t i = 0; i < nkeys; i++) {
            size_t n = strlen(keys[i].name);
            if (keys[i].found || (size_t)(c.end - c.p) < n || memcmp(c.p, keys[i].name, n) != 0)
                continue;
            c.p += n;
            uint64_t v;
            if ((r = procfs__u64(&c, &v)) < 0) {
                procfs__set_why(why, r == -ERANGE ? "value out of range" : "bad value");
                return r;
            }
            if (keys[i].kb) {
                procfs__skip_blanks(&c);
                if ((size_t)(c.end - c.p) < 2 || memcmp(c.p, "kB", 2) != 0) {
                    procfs__set_why(why, "value without kB unit");
                    return procfs__at_end(&c) ? -ENODATA : -EINVAL;
                }
                if (v > UINT64_MAX / 1024) {
                    procfs__set_why(why, "value out of range");
                    return -ERANGE;
                }
                v *= 1024;
            } else if (!procfs__field_end(&c)) {
                procfs__set_why(why, "bad value");
                return -EINVAL;
            }
            *keys[i].out = v;
            keys[i].found = true;
            left--;
            break;
        }
        procfs__skip_line(&c);
    }
    return 0;
}

int procfs_parse_meminfo(const char *buf, size_t len, struct procfs_meminfo *out,
                         const char **why)
{
    memset(out, 0, sizeof(*out));
    struct procfs__key keys[] = {
        { "MemTotal:", &out->mem_total, true, false },
        { "MemAvailable:", &out->mem_available, true, false },
    };
    int r = procfs__keys(buf, len, keys, 2, why);
    if (r < 0)
        return r;
    if (!keys[0].found) {
        procfs__set_why(why, "no MemTotal");
        return -ENODATA;
    }
    out->available_ok = keys[1].found;
    return 0;
}

int procfs_parse_status_csw(const char *buf, size_t len, struct procfs_csw *out,
                            const char **why)
{
    memset(out, 0, sizeof(*out));
    struct procfs__key keys[] = {
        { "voluntary_ctxt_switches:", &out->vol, false, false },
        { "nonvoluntary_ctxt_switches:", &out->invol, false, false },
    };
    int r = procfs__keys(buf, len, keys, 2, why);
    if (r < 0)
        return r;
    if (!keys[0].found || !keys[1].found) {
        procfs__set_why(why, "no ctxt_switches lines");
        return -ENODATA;
    }
    return 0;
}

int procfs_parse_smaps_rollup(const char *buf, size_t len, struct procfs_smaps_rollup *out,
                              const char **why)
{
    memset(out, 0, sizeof(*out));
    struct procfs__key keys[] = {
        { "Rss:", &out->rss, true, false },
        { "Pss:", &out->pss, true, false },
        { "Pss_Anon:", &out->pss_anon, true, false },
        { "Pss_File:", &out->pss_file, true, false },
        { "Pss_Shmem:", &out->pss_shmem, true, false },
        { "Swap:", &out->swap, true, false },
    };
    int r = procfs__keys(buf, len, keys, ARRAY_SIZE(keys), why);
    if (r < 0)
        return r;
    if (!keys[0].found || !keys[1].found) {
        procfs__set_why(why, "no Rss or Pss line");
        return -ENODATA;
    }
    out->pss_split_ok = keys[2].found && keys[3].found && keys[4].found;
    return 0;
}

/* ---- /proc/PID/stat ------------------------------------------------------------- */

int procfs_parse_task_stat(const char *buf, size_t len, struct procfs_task_stat *out,
                           const char **why)
{
    memset(out, 0, sizeof(*out));

    /* (1) pid, then (2) comm in parentheses. The comm is whatever the task
     * named itself, ")" and spaces included, so its end is the last ')'. */
    if (len == 0) {
        procfs__set_why(why, "empty");
        return -ENODATA;
    }
    const char *open = memchr(buf, '(', len);
    const char *close = NULL;
    for (const char *q = buf + len; q > buf; q--) {
        if (q[-1] == ')') {
            close = q - 1;
            break;
        }
    }
    if (open == NULL || close == NULL || close < open) {
        procfs__set_why(why, "no (comm)");
        return -EINVAL;
    }
    struct procfs__cur c = { buf, open };
    uint64_t pid;
    if (procfs__u64(&c, &pid) < 0) {
        procfs__set_why(why, "bad pid");
        return -EINVAL;
    }
    size_t n = (size_t)(close - open - 1);
    if (n >= sizeof(out->comm))
        n = sizeof(out->comm) - 1;
    memcpy(out->comm, open + 1, n);
    out->comm[n] = '\0';

    /* Fields from (3) on are separated by single spaces. */
    c.p = close + 1;
    c.end = buf + len;
    const char *field[40] = { 0 };  /* start of field (i), i >= 3 */
    int nf = 2;
    while (nf < 39) {
        if (c.p >= c.end || *c.p != ' ')
            break;
        c.p++;
        if (c.p >= c.end || *c.p == ' ' || *c.p == '\n')
            break;
        field[++nf] = c.p;
        while (c.p < c.end && *c.p != ' ' && *c.p != '\n')
            c.p++;
    }
    if (nf < 39) {
        procfs__set_why(why, "fewer than 39 fields");
        return -ENODATA;
    }

    struct { int num; uint64_t *u; int64_t *s; int64_t lo, hi; } want[] = {
        { 14, &out->utime, NULL, 0, 0 },
        { 15, &out->stime, NULL, 0, 0 },
        { 22, &out->starttime, NULL, 0, 0 },
        { 23, &out->vsize, NULL, 0, 0 },
        { 24, &out->rss, NULL, 0, 0 },
    };
    int64_t ppid, nthreads, processor;
    struct { int num; int64_t *v; int64_t lo, hi; } want_s[] = {
        { 4, &ppid, 0, INT32_MAX },         /* (4) ppid */
        { 20, &nthreads, 0, INT32_MAX },    /* (20) num_threads */
        { 39, &processor, 0, 65535 },       /* (39) processor */
    };
    int r;

    out->state = *field[3];             /* (3) state */
    if (field[3][1] != ' ' || out->state < 'A' || out->state > 'z') {
        procfs__set_why(why, "bad state");
        return -EINVAL;
    }
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct procfs__cur f = { field[want[i].num], buf + len };
        if ((r = procfs__u64(&f, want[i].u)) < 0 || !procfs__field_end(&f)) {
            procfs__set_why(why, "bad number in utime/stime/starttime/vsize/rss");
            return r < 0 ? r : -EINVAL;
        }
    }
    for (size_t i = 0; i < sizeof(want_s) / sizeof(want_s[0]); i++) {
        struct procfs__cur f = { field[want_s[i].num], buf + len };
        if ((r = procfs__i64(&f, want_s[i].lo, want_s[i].hi, want_s[i].v)) < 0 ||
            !procfs__field_end(&f)) {
            procfs__set_why(why, "bad number in ppid/num_threads/processor");
            return r < 0 ? r : -EINVAL;
        }
    }
    out->ppid = (pid_t)ppid;
    out->num_threads = (long)nthreads;
    out->processor = (int)processor;
    return 0;
}

/* ---- /proc/PID/task/TID/schedstat --------------------------------------------- */

int procfs_parse_schedstat(const char *buf, size_t len, struct procfs_schedstat *out,
                           const char **why)
{
    struct procfs__cur c = { buf, buf + len };
    uint64_t *f[] = { &out->run_ns, &out->wait_ns, &out->slices };
    int r;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 3; i++) {
        if ((r = procfs__u64(&c, f[i])) < 0 || !procfs__field_end(&c)) {
            procfs__set_why(why, procfs__at_end(&c) ? "fewer than 3 fields" : "bad number");
            return procfs__at_end(&c) && r == -EINVAL ? -ENODATA : (r < 0 ? r : -EINVAL);
        }
    }
    return 0;
}

/* ---- /proc/PID/task/TID/children ---------------------------------------------- */

int procfs_parse_children(const char *buf, size_t len, pid_t *out, int cap, int *n,
                          const char **why)
{
    struct procfs__cur c = { buf, buf + len };
    int r;

    *n = 0;
    for (;;) {
        while (c.p < c.end && (*c.p == ' ' || *c.p == '\n'))
            c.p++;
        if (procfs__at_end(&c))
            return 0;
        int64_t v;
        if ((r = procfs__i64(&c, 1, INT32_MAX, &v)) < 0 || !procfs__field_end(&c)) {
            procfs__set_why(why, "bad pid");
            return r < 0 ? r : -EINVAL;
        }
        if (*n < cap)
            out[*n] = (pid_t)v;
        (*n)++;
    }
}
