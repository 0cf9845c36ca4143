/*
 * host.c — the common start of every model host: argument parsing, the
 * safety net (own process group, death with the monitor, exit on EOF of the
 * control pipe), the board mapping, and the re-exec that applies a new
 * configuration.
 *
 * Why re-exec: changing the task count or the workload of a running model
 * means tearing down threads, libuv handles or worker processes mid-flight.
 * Replacing the process image does it completely and in one place; the pid,
 * the process group, the board and the control pipe survive exec, and the
 * board's generation tells the reader that the counters restarted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "models/host.h"
#include "util.h"

/* Every model host: a new model is one file and one line here. */
static const struct host_model *const host__models[] = {
    &host_procs, &host_threads, &host_loop, &host_goroutines, &host_latency,
};

static const struct host_model *host__find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(host__models); i++)
        if (strcmp(host__models[i]->name, name) == 0)
            return host__models[i];
    return NULL;
}

const struct host_model *host_model_of(enum probe_model kind)
{
    for (size_t i = 0; i < ARRAY_SIZE(host__models); i++)
        if (host__models[i]->kind == kind)
            return host__models[i];
    return NULL;
}

void host_running(struct host *h)
{
    if (h->work.ntasks < h->asked)
        probe_set_status(h->board, PROBE_STATUS_LIMITED, "running %u of %u tasks: %s",
                         h->work.ntasks, h->asked, h->limit_why);
    else if (h->paused)
        probe_set_status(h->board, PROBE_STATUS_PAUSED, "paused");
    else
        probe_set_status(h->board, PROBE_STATUS_RUNNING, "%s: %u tasks",
                         work_name(h->work.kind), h->work.ntasks);
}

int host_fail(struct host *h, const char *fmt, ...)
{
    char buf[PROBE_STATUS_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (h->board != NULL)
        probe_set_status(h->board, PROBE_STATUS_FAILED, "%s", buf);
    fprintf(stderr, "%s: %s\n", h->model ? h->model->comm : "sw-host", buf);
    return 1;
}

enum host_ctl_result host_ctl(struct host *h)
{
    struct model_ctl msg;
    ssize_t r = read(h->ctl_fd, &msg, sizeof(msg));

    if (r == 0)
        return HOST_CTL_EXIT;
    if (r < 0)
        return errno == EAGAIN || errno == EINTR ? HOST_CTL_NONE : HOST_CTL_EXIT;
    if (r != sizeof(msg))       /* pipe writes of 8 bytes are atomic */
        return HOST_CTL_NONE;
    switch (msg.op) {
    case MODEL_OP_TASKS:
        if (msg.arg == 0)
            return HOST_CTL_NONE;
        h->asked = h->work.ntasks = msg.arg;
        return HOST_CTL_REEXEC;
    case MODEL_OP_WORKLOAD:
        if (msg.arg >= WORK_COUNT || !(h->model->workloads & (1u << msg.arg)))
            return HOST_CTL_NONE;
        h->work.kind = msg.arg;
        return HOST_CTL_REEXEC;
    case MODEL_OP_GIL:
        h->gil = msg.arg != 0;
        return HOST_CTL_REEXEC;
    case MODEL_OP_OFFLOAD:
        h->offload = msg.arg != 0;
        return HOST_CTL_REEXEC;
    case MODEL_OP_PAUSE:
        if (h->paused == (msg.arg != 0))
            return HOST_CTL_NONE;
        h->paused = msg.arg != 0;
        host_running(h);
        return HOST_CTL_PAUSE;
    case MODEL_OP_RESTART:
        return HOST_CTL_REEXEC;
    case MODEL_OP_PROCS:
        if (msg.arg == 0 || msg.arg > MODEL_PROCS_MAX || msg.arg == h->procs)
            return HOST_CTL_NONE;
        h->procs = msg.arg;
        return HOST_CTL_PROCS;
    }
    return HOST_CTL_NONE;
}

#define ARGBUF 32

void host_reexec(struct host *h)
{
    char a[16][ARGBUF];
    char *argv[40];
    int n = 0, k = 0;

#define ARG(s) (argv[n++] = (char *)(s))
#define ARGF(...) (snprintf(a[k], ARGBUF, __VA_ARGS__), argv[n++] = a[k++])
    ARG(h->model->comm);
    ARG("--host");
    ARG(h->model->name);
    ARG("--board-fd"), ARGF("%d", 3);
    ARG("--ctl-fd"), ARGF("%d", h->ctl_fd);
    if (h->listen_fd >= 0)
        ARG("--listen-fd"), ARGF("%d", h->listen_fd);
    ARG("-w"), ARG(work_name(h->work.kind));
    ARG("-n"), ARGF("%u", h->asked);
    ARG("--data-size"), ARGF("%llu", (unsigned long long)h->work.data_size);
    ARG("--chunk"), ARGF("%u", h->work.chunk_size);
    ARG("--port"), ARGF("%u", h->work.port);
    ARG("--resp"), ARGF("%u", h->work.resp_size);
    ARG("--table"), ARGF("%u", h->work.table_size);
    ARG("--latency-ns"), ARGF("%llu", (unsigned long long)h->latency_ns);
    ARG("--ppid"), ARGF("%d", (int)getppid());
    if (h->gil)
        ARG("--gil");
    if (h->offload)
        ARG("--offload");
    if (h->paused)
        ARG("--paused");
    if (h->procs)
        ARG("--procs"), ARGF("%u", h->procs);
    argv[n] = NULL;
#undef ARG
#undef ARGF
    execv(h->exe, argv);
    host_fail(h, "re-exec %s: %s", h->exe, strerror(errno));
}

static int host__parse(struct host *h, int argc, char **argv, int *board_fd, pid_t *ppid)
{
    enum { O_BOARD = 256, O_CTL, O_LISTEN, O_DATA, O_CHUNK, O_PORT, O_RESP, O_TABLE,
           O_LAT, O_PPID, O_GIL, O_OFFLOAD, O_PAUSED, O_HOST, O_PROCS };
    static const struct option opts[] = {
        { "host", required_argument, NULL, O_HOST },
        { "board-fd", required_argument, NULL, O_BOARD },
        { "ctl-fd", required_argument, NULL, O_CTL },
        { "listen-fd", required_argument, NULL, O_LISTEN },
        { "data-size", required_argument, NULL, O_DATA },
        { "chunk", required_argument, NULL, O_CHUNK },
        { "port", required_argument, NULL, O_PORT },
        { "resp", required_argument, NULL, O_RESP },
        { "table", required_argument, NULL, O_TABLE },
        { "latency-ns", required_argument, NULL, O_LAT },
        { "ppid", required_argument, NULL, O_PPID },
        { "gil", no_argument, NULL, O_GIL },
        { "offload", no_argument, NULL, O_OFFLOAD },
        { "paused", no_argument, NULL, O_PAUSED },
        { "procs", required_argument, NULL, O_PROCS },
        { NULL, 0, NULL, 0 },
    };
    long v;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "w:n:", opts, NULL)) != -1) {
        uint64_t u = 0;
        switch (c) {
        case O_HOST:
            h->model = host__find(optarg);
            if (h->model == NULL)
                return -EINVAL;
            break;
        case O_BOARD:
        case O_CTL:
        case O_LISTEN:
        case O_PPID:
            if (util_parse_long(optarg, 0, INT32_MAX, &v) < 0)
                return -EINVAL;
            if (c == O_BOARD)
                *board_fd = (int)v;
            else if (c == O_CTL)
                h->ctl_fd = (int)v;
            else if (c == O_LISTEN)
                h->listen_fd = (int)v;
            else
                *ppid = (pid_t)v;
            break;
        case 'w':
            if (work_parse(optarg, &h->work.kind) < 0)
                return -EINVAL;
            break;
        case 'n':
            if (util_parse_long(optarg, 1, 10000000, &v) < 0)
                return -EINVAL;
            h->asked = h->work.ntasks = (uint32_t)v;
            break;
        case O_DATA:
        case O_CHUNK:
        case O_PORT:
        case O_RESP:
        case O_TABLE:
        case O_LAT:
            if (util_parse_size(optarg, &u) < 0)
                return -EINVAL;
            if (c == O_DATA)
                h->work.data_size = u;
            else if (c == O_CHUNK)
                h->work.chunk_size = (uint32_t)MIN(u, UINT32_MAX);
            else if (c == O_PORT)
                h->work.port = (uint16_t)u;
            else if (c == O_RESP)
                h->work.resp_size = (uint32_t)MIN(u, WORK_RESP_MAX);
            else if (c == O_TABLE)
                h->work.table_size = (uint32_t)MAX(u, 2);
            else
                h->latency_ns = u;
            break;
        case O_GIL:
            h->gil = true;
            break;
        case O_OFFLOAD:
            h->offload = true;
            break;
        case O_PAUSED:
            h->paused = true;
            break;
        case O_PROCS:
            if (util_parse_long(optarg, 1, MODEL_PROCS_MAX, &v) < 0)
                return -EINVAL;
            h->procs = (unsigned)v;
            break;
        default:
            return -EINVAL;
        }
    }
    return h->model != NULL && *board_fd >= 0 && h->ctl_fd >= 0 ? 0 : -EINVAL;
}

/*
 * A model's session weighs as little as it can: its autogroup at nice 19 (and the process's
 * own nice, for kernels without autogroups; threads and workers inherit it). Measured on this
 * project's machine (kernel 6.18, 2 cores): a nice-0 session running four pairs of pipe
 * ping-pong threads left every other session almost no CPU: 20 x `sleep 0.1` took 7-11 s
 * instead of 2.0 s, and the monitor's screen froze for up to two minutes (its run-queue wait
 * grew 87 s in 88). At nice 1 or 5 no better; at nice 10 fine on a quiet machine but, beside
 * other load (a CI run), still 4-12 s without a frame in 30 s; at nice 19 at most 0.7 s.
 * Every model weighs the same, so their shares of the cores among themselves do not change,
 * nor their throughput on a machine with nothing else to run; beside other busy programs they
 * get what those leave. The latency server keeps nice 0: it stands for a remote service and
 * should not be what the models wait for.
 */
static void host__yield_to_monitor(void)
{
    for (int tries = 0; tries < 25; tries++) {
        int fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        ssize_t n = write(fd, "19", 2);
        int e = errno;
        close(fd);
        if (n == 2 || e != EAGAIN)
            break;
        usleep(20000);              /* unprivileged: one change per 100 ms, machine-wide */
    }
    setpriority(PRIO_PROCESS, 0, 19);
}

int host_main(int argc, char **argv)
{
    struct host h = { .ctl_fd = -1, .listen_fd = -1, .exe = "/proc/self/exe" };
    int board_fd = -1;
    pid_t ppid = 0;

    work_params_default(&h.work);
    if (host__parse(&h, argc, argv, &board_fd, &ppid) < 0) {
        fprintf(stderr, "schedwatch --host: bad arguments (this mode is for the monitor)\n");
        return 2;
    }
    /* The safety net first: die with the monitor, never outlive it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (ppid != 0 && getppid() != ppid)
        return host_fail(&h, "the monitor (%d) is gone", (int)ppid);
    setpgid(0, 0);
    prctl(PR_SET_NAME, h.model->comm);
    signal(SIGPIPE, SIG_IGN);
    if (h.model->kind != PROBE_MODEL_LATENCY)
        host__yield_to_monitor();

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    /* Keep the board at fd 3, so every re-exec finds it at the same place. */
    if (board_fd != 3 && h.ctl_fd != 3 && h.listen_fd != 3) {
        if (dup2(board_fd, 3) < 0)
            return host_fail(&h, "board fd %d: %s", board_fd, strerror(errno));
        close(board_fd);
    }
    off_t size = lseek(3, 0, SEEK_END);
    if (size <= 0)
        return host_fail(&h, "board fd 3: %s", size < 0 ? strerror(errno) : "empty");
    void *map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0);
    if (map == MAP_FAILED)
        return host_fail(&h, "mmap board: %s", strerror(errno));
    if (probe_check(map, (size_t)size) < 0)
        return host_fail(&h, "the board is not probe ABI %u of this binary "
                         "(monitor and host built apart?)", PROBE_ABI);
    h.board = map;
    h.board_size = (size_t)size;
    fcntl(h.ctl_fd, F_SETFL, fcntl(h.ctl_fd, F_GETFL) | O_NONBLOCK);

    /* Limits again, here: a TASKS message or a restart goes through this
     * too, and the board says what was asked and what runs. */
    if (h.model->kind != PROBE_MODEL_LATENCY) {
        struct model_spec spec = { .kind = h.model->kind, .work = h.work, .gil = h.gil,
                                   .offload = h.offload };
        char why[PROBE_STATUS_MAX];
        spec.work.ntasks = h.asked;
        uint32_t n = model_limit(&spec, why, sizeof(why));
        if (n == 0)
            return host_fail(&h, "cannot run a single task: %s", why);
        if (n < h.asked) {
            h.work.ntasks = n;
            snprintf(h.limit_why, sizeof(h.limit_why), "%s", why);
        }
    }
    if (!(h.model->workloads & (1u << h.work.kind)))
        return host_fail(&h, "%s: workload %s not implemented", h.model->name,
                         work_name(h.work.kind));
    int rc = h.model->run(&h);
    /* Not a return: worker threads still run (they never end on their own) and reach the
     * host through &h, which lives in this frame. Returning would hand it to exit()'s own
     * calls while they read it; they crashed on the garbage (seen on restarts under load). */
    fflush(NULL);
    _exit(rc);
}
