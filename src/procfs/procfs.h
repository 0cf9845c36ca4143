/*
 * procfs.h — parsers of /proc text, and the thin readers that fetch it.
 *
 * The parsers are pure functions over a buffer and its length: no I/O, no
 * allocation, no global state, and the buffer need not be NUL-terminated.
 * Each returns 0, or a negative errno with *why set to a short static reason
 * ("field 39 (processor) missing"); why may be NULL. They accept what the
 * kernel writes and reject the rest: truncated lines, numbers that overflow
 * 64 bits, missing fields. A parser never reads past len.
 *
 *   -EINVAL   malformed text (garbage, a field that is not a number)
 *   -ENODATA  a required field is absent (truncated file, empty file)
 *   -ERANGE   a number does not fit its type
 *
 * The readers (procfs_read.c) do the I/O. /proc files are seq files: they are
 * regenerated on every read at offset 0, so a descriptor kept open between
 * samples and pread() at 0 costs one system call instead of three. A task
 * that exits makes its open descriptors fail with ESRCH (and new opens with
 * ENOENT): both are reported as -ESRCH / -ENOENT for the caller to treat as
 * "gone", which is normal.
 */
#ifndef SW_PROCFS_H
#define SW_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- /proc/stat ------------------------------------------------------- */

/* One "cpu" or "cpuN" line, in clock ticks (USER_HZ). */
struct procfs_cpu_times {
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
    bool     present;               /* a cpuN line for this N was in the file */
};

struct procfs_stat {
    struct procfs_cpu_times total;  /* the "cpu" line */
    int      ncpu;                  /* highest N of the cpuN lines + 1 (may exceed cap) */
    uint64_t ctxt;                  /* context switches since boot */
    uint64_t processes;             /* forks (processes and threads) since boot */
    unsigned procs_running, procs_blocked;
};

/*
 * Parses /proc/stat. cpu[0..cap) receives the cpuN lines with N < cap (the
 * others are counted in ncpu but not stored: grow cpu to ncpu and parse
 * again). Lines the parser does not know (intr, softirq, ...) are skipped.
 */
int procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *out,
                      struct procfs_cpu_times *cpu, int cap, const char **why);

/* ---- /proc/loadavg ------------------------------------------------------ */

struct procfs_loadavg {
    double   load[3];
    unsigned running;               /* runnable tasks now */
    unsigned nr_threads;            /* tasks on the machine */
    pid_t    last_pid;
};

int procfs_parse_loadavg(const char *buf, size_t len, struct procfs_loadavg *out,
                         const char **why);

/* ---- /proc/pressure/cpu --------------------------------------------------- */

struct procfs_psi_line {
    double   avg10, avg60, avg300;  /* percent */
    uint64_t total;                 /* microseconds stalled since boot */
};

struct procfs_psi {
    struct procfs_psi_line some;
    struct procfs_psi_line full;
    bool     full_ok;               /* the "full" line exists (kernel >= 5.13 for cpu) */
};

int procfs_parse_psi(const char *buf, size_t len, struct procfs_psi *out, const char **why);

/* ---- /proc/meminfo ------------------------------------------------------- */

struct procfs_meminfo {
    uint64_t mem_total;             /* bytes */
    uint64_t mem_available;         /* bytes */
    bool     available_ok;          /* MemAvailable exists (kernel >= 3.14) */
};

int procfs_parse_meminfo(const char *buf, size_t len, struct procfs_meminfo *out,
                         const char **why);

/* ---- /proc/PID/stat and /proc/PID/task/TID/stat ------------------------- */

struct procfs_task_stat {
    char     comm[64];              /* (2) between the first '(' and the LAST ')' */
    char     state;                 /* (3) */
    pid_t    ppid;                  /* (4) */
    uint64_t utime, stime;          /* (14) (15) clock ticks */
    long     num_threads;           /* (20) */
    uint64_t starttime;             /* (22) clock ticks after boot */
    uint64_t vsize;                 /* (23) bytes */
    uint64_t rss;                   /* (24) pages */
    int      processor;             /* (39) */
};

int procfs_parse_task_stat(const char *buf, size_t len, struct procfs_task_stat *out,
                           const char **why);

/* ---- /proc/PID/task/TID/schedstat ------------------------------------------ */

struct procfs_schedstat {
    uint64_t run_ns;                /* time on a CPU (sum_exec_runtime) */
    uint64_t wait_ns;               /* time runnable on a run queue, not running */
    uint64_t slices;                /* times it was put on a CPU */
};

int procfs_parse_schedstat(const char *buf, size_t len, struct procfs_schedstat *out,
                           const char **why);

/* ---- /proc/PID/task/TID/status (context switches only) ------------------- */

struct procfs_csw {
    uint64_t vol;                   /* voluntary_ctxt_switches */
    uint64_t invol;                 /* nonvoluntary_ctxt_switches */
};

int procfs_parse_status_csw(const char *buf, size_t len, struct procfs_csw *out,
                            const char **why);

/* ---- /proc/PID/smaps_rollup ------------------------------------------------ */

struct procfs_smaps_rollup {
    uint64_t rss, pss;              /* bytes */
    uint64_t pss_anon, pss_file, pss_shmem;  /* bytes; kernel >= 5.10 */
    uint64_t swap;
    bool     pss_split_ok;          /* the Pss_Anon/File/Shmem lines exist */
};

int procfs_parse_smaps_rollup(const char *buf, size_t len, struct procfs_smaps_rollup *out,
                              const char **why);

/* ---- /proc/PID/task/TID/children ------------------------------------------- */

/*
 * Parses a children file (pids separated by spaces). Stores up to cap pids in
 * out and the number found in *n (which may exceed cap).
 */
int procfs_parse_children(const char *buf, size_t len, pid_t *out, int cap, int *n,
                          const char **why);

/* ---- readers ----------------------------------------------------------------- */

/* A growable read buffer; zero-initialise, free with procfs_buf_free(). */
struct procfs_buf {
    char  *p;
    size_t len;                     /* bytes of the last read */
    size_t cap;
};

void procfs_buf_free(struct procfs_buf *b);

/*
 * Reads the whole file behind fd from offset 0 with pread(), growing b as
 * needed. Returns 0, or -errno (-ESRCH / -ENOENT when the task is gone).
 */
int procfs_pread_all(int fd, struct procfs_buf *b);

/* openat(dirfd, path) read-only, close-on-exec; returns an fd or -errno. */
int procfs_open(int dirfd, const char *path);

/* Open, read all, close: for files read once, or when descriptors run out. */
int procfs_read_file(int dirfd, const char *path, struct procfs_buf *b);

/* True for the errors that only mean "that task or process is gone". */
bool procfs_is_gone(int err);

#endif
