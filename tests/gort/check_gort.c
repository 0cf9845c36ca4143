/*
 * check_gort.c — the goroutine runtime's suite. Goroutines never call ck_assert (a failing
 * check longjmps, and goroutines run on other stacks and threads): they record what they saw
 * in plain variables, and the test asserts after gort_main returns.
 *
 * Sizes shrink under ThreadSanitizer (by 10), or with GORT_TEST_SCALE=N (dividing the big
 * counts by N). Under valgrind they stay whole: 10,000 echo goroutines and 100,000 spawns
 * take 12.5 s there (with --fair-sched, which the build's valgrind switch passes).
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "gort/gort.h"
#include "gort/gort_int.h"

static long scale = 1;

static long scaled(long n)
{
    long v = n / scale;
    return v > 0 ? v : 1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char board_copy[1 << 20];

/* Totals of the running runtime's own board (called from a goroutine). */
static bool board_totals(struct gort_probe_totals *t)
{
    if (gort_probe_copy(board_copy, sizeof(board_copy), gort__sched.board,
                        gort__sched.board_len) != 0)
        return false;
    gort_probe_totals(board_copy, t);
    return true;
}

static void run(unsigned nprocs, gort_fn fn, void *arg)
{
    struct gort_config cfg = {.nprocs = nprocs};

    ck_assert_int_eq(gort_init(&cfg), 0);
    ck_assert_int_eq(gort_main(fn, arg), 0);
    gort_fini();
}

/* ---- channels ---- */

static struct {
    int got[1000];
    int ngot;
    int send_err, close_err, close2_err;
    bool recv_ok_after_close;
    int drained;
    bool blocked_sender_woke_epipe, blocked_receiver_woke_false;
    int fair[2];
    int default_idx, ready_idx;
    int cap_full_idx;
    int sel_recv_val, sel_idx;
} ch;

static void chan_sender(void *arg)
{
    struct gort_chan *c = arg;
    for (int i = 0; i < 1000; i++)
        gort_chan_send(c, &i);
    gort_chan_close(c);
}

static void chan_order_main(void *arg)
{
    (void)arg;
    for (int cap = 0; cap <= 7; cap += 7) {
        struct gort_chan *c = gort_chan_new(sizeof(int), (size_t)cap);
        int v;
        gort_spawn(chan_sender, c);
        ch.ngot = 0;
        while (gort_chan_recv(c, &v))
            ch.got[ch.ngot++] = v;
        /* recorded per capacity: the check below needs the unbuffered run to pass too */
        for (int i = 0; i < ch.ngot; i++)
            if (ch.got[i] != i)
                ch.ngot = -1;
        if (ch.ngot != 1000)
            break;
        gort_chan_free(c);
    }
}

START_TEST(test_chan_order)
{
    run(2, chan_order_main, NULL);
    ck_assert_int_eq(ch.ngot, 1000);
}
END_TEST

static void blocked_sender(void *arg)
{
    int v = 1;
    ch.blocked_sender_woke_epipe = gort_chan_send(arg, &v) == -EPIPE;
}

static void blocked_receiver(void *arg)
{
    int v = 42;
    ch.blocked_receiver_woke_false = !gort_chan_recv(arg, &v) && v == 0;
}

static void chan_close_main(void *arg)
{
    struct gort_chan *c = gort_chan_new(sizeof(int), 3);
    struct gort_chan *u = gort_chan_new(sizeof(int), 0);
    struct gort_chan *r = gort_chan_new(sizeof(int), 0);
    int v = 7;

    (void)arg;
    gort_chan_send(c, &v);
    gort_chan_send(c, &v);
    ch.close_err = gort_chan_close(c);
    ch.close2_err = gort_chan_close(c);
    ch.send_err = gort_chan_send(c, &v);
    while (gort_chan_recv(c, &v))
        ch.drained++;
    ch.recv_ok_after_close = gort_chan_recv(c, &v);
    /* goroutines blocked at close time */
    gort_spawn(blocked_sender, u);
    gort_spawn(blocked_receiver, r);
    gort_sleep_ns(5 * 1000 * 1000);
    gort_chan_close(u);
    gort_chan_close(r);
    gort_sleep_ns(5 * 1000 * 1000);
    gort_chan_free(c);
    gort_chan_free(u);
    gort_chan_free(r);
}

START_TEST(test_chan_close)
{
    run(2, chan_close_main, NULL);
    ck_assert_int_eq(ch.close_err, 0);
    ck_assert_int_eq(ch.close2_err, -EPIPE);
    ck_assert_int_eq(ch.send_err, -EPIPE);
    ck_assert_int_eq(ch.drained, 2);
    ck_assert(!ch.recv_ok_after_close);
    ck_assert(ch.blocked_sender_woke_epipe);
    ck_assert(ch.blocked_receiver_woke_false);
}
END_TEST

static void sel_late_sender(void *arg)
{
    int v = 99;
    gort_sleep_ns(2 * 1000 * 1000);
    gort_chan_send(arg, &v);
}

static void chan_select_main(void *arg)
{
    struct gort_chan *a = gort_chan_new(sizeof(int), 1), *b = gort_chan_new(sizeof(int), 1);
    struct gort_chan *u = gort_chan_new(sizeof(int), 0), *never = gort_chan_new(sizeof(int), 0);
    int v = 1, x;

    (void)arg;
    for (int i = 0; i < 4000; i++) {
        struct gort_select_case cs[2] = {{a, GORT_RECV, &x}, {b, GORT_RECV, &x}};
        int idx;
        if (gort_chan_len(a) == 0)
            gort_chan_send(a, &v);
        if (gort_chan_len(b) == 0)
            gort_chan_send(b, &v);
        idx = gort_select(cs, 2, false);
        if (idx >= 0)
            ch.fair[idx]++;
    }
    {
        struct gort_select_case cs[1] = {{never, GORT_RECV, &x}};
        ch.default_idx = gort_select(cs, 1, true);
    }
    {
        /* a buffered channel at capacity: a send case is not ready */
        struct gort_chan *full = gort_chan_new(sizeof(int), 2);
        struct gort_select_case cs[1] = {{full, GORT_SEND, &v}};
        gort_chan_send(full, &v);
        gort_chan_send(full, &v);
        ch.cap_full_idx = gort_select(cs, 1, true);
        gort_chan_free(full);
    }
    {
        struct gort_select_case cs[2] = {{never, GORT_RECV, &x}, {u, GORT_RECV, &x}};
        x = 0;
        gort_spawn(sel_late_sender, u);
        ch.sel_idx = gort_select(cs, 2, false);
        ch.sel_recv_val = x;
    }
    gort_chan_free(a);
    gort_chan_free(b);
    gort_chan_free(u);
    gort_chan_free(never);
}

START_TEST(test_chan_select)
{
    run(2, chan_select_main, NULL);
    /* Uniform choice over 4000 trials: each side within 40%..60%. */
    ck_assert_int_eq(ch.fair[0] + ch.fair[1], 4000);
    ck_assert_int_gt(ch.fair[0], 1600);
    ck_assert_int_gt(ch.fair[1], 1600);
    ck_assert_int_eq(ch.default_idx, -1);
    ck_assert_int_eq(ch.cap_full_idx, -1);
    ck_assert_int_eq(ch.sel_idx, 1);
    ck_assert_int_eq(ch.sel_recv_val, 99);
}
END_TEST

static struct {
    int sent_before_block;
    bool blocked;
} capt;

static void cap_filler(void *arg)
{
    struct gort_chan *c = arg;
    for (int i = 0; i < 6; i++) {
        gort_chan_send(c, &i);
        capt.sent_before_block = i + 1;
    }
}

static void chan_cap_main(void *arg)
{
    struct gort_chan *c = gort_chan_new(sizeof(int), 5);
    int v;
    (void)arg;
    gort_spawn(cap_filler, c);
    gort_sleep_ns(10 * 1000 * 1000);
    capt.blocked = capt.sent_before_block == 5 && gort_chan_len(c) == 5;
    while (gort_chan_len(c) || capt.sent_before_block < 6) {
        gort_chan_recv(c, &v);
        gort_yield();
    }
    gort_chan_free(c);
}

START_TEST(test_chan_capacity)
{
    run(1, chan_cap_main, NULL);
    ck_assert(capt.blocked);
    ck_assert_int_eq(capt.sent_before_block, 6);
}
END_TEST

/* ---- wait group and mutex ---- */

static struct gort_waitgroup wg = GORT_WAITGROUP_INIT;
static struct gort_mutex mu = GORT_MUTEX_INIT;
static long counter, inside, max_inside;
static int wg_done_seen;

static void wg_worker(void *arg)
{
    (void)arg;
    gort_sleep_ns(1000 * 1000);
    __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    gort_wg_done(&wg);
}

static void wg_main(void *arg)
{
    (void)arg;
    counter = 0;
    gort_wg_add(&wg, 100);
    for (int i = 0; i < 100; i++)
        gort_spawn(wg_worker, NULL);
    gort_wg_wait(&wg);
    wg_done_seen = (int)__atomic_load_n(&counter, __ATOMIC_RELAXED);
}

START_TEST(test_waitgroup)
{
    run(2, wg_main, NULL);
    ck_assert_int_eq(wg_done_seen, 100);
}
END_TEST

static void mutex_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 500; i++) {
        gort_mutex_lock(&mu);
        long in = __atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED);
        if (in > max_inside)
            max_inside = in;
        long c = counter;
        if (i % 7 == 0)
            gort_yield(); /* park others on the mutex */
        counter = c + 1;
        __atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
        gort_mutex_unlock(&mu);
    }
    gort_wg_done(&wg);
}

static void mutex_main(void *arg)
{
    (void)arg;
    counter = 0;
    gort_wg_add(&wg, 8);
    for (int i = 0; i < 8; i++)
        gort_spawn(mutex_worker, NULL);
    gort_wg_wait(&wg);
}

START_TEST(test_mutex)
{
    run(2, mutex_main, NULL);
    ck_assert_int_eq(counter, 8 * 500);
    ck_assert_int_eq(max_inside, 1);
}
END_TEST

/* ---- timers ---- */

static uint64_t slept_ns;
static int wake_order[5], nwake;

static int woke_early;

static void sleeper(void *arg)
{
    int i = (int)(intptr_t)arg;
    uint64_t d = (uint64_t)(5 - i) * 15 * 1000 * 1000, t0 = now_ns();
    gort_sleep_ns(d);
    if (now_ns() - t0 < d)
        woke_early++;
    wake_order[__atomic_fetch_add(&nwake, 1, __ATOMIC_RELAXED)] = i;
    gort_wg_done(&wg);
}

static void timer_main(void *arg)
{
    uint64_t t0 = now_ns();
    (void)arg;
    gort_sleep_ns(20 * 1000 * 1000);
    slept_ns = now_ns() - t0;
    gort_wg_add(&wg, 5);
    for (int i = 0; i < 5; i++)
        gort_spawn(sleeper, (void *)(intptr_t)i);
    gort_wg_wait(&wg);
}

START_TEST(test_timers)
{
    /* One P: goroutines readied together run in the order they were readied. */
    run(1, timer_main, NULL);
    ck_assert_int_eq(woke_early, 0);
    ck_assert_uint_ge(slept_ns, 20 * 1000 * 1000);
    ck_assert_uint_lt(slept_ns, 2000ull * 1000 * 1000); /* loose: a busy CI machine */
    /* deadlines 15 ms apart wake in deadline order */
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(wake_order[i], 4 - i);
}
END_TEST

/* ---- netpoll: loopback echo ---- */

static struct {
    int port, lfd, nconn;
    int *srv_fds;
    int accepted, echoed, errors;
    uint64_t peak_io_waiters;
    uint32_t threads_seen;
} echo;

static void echo_handler(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[64];
    for (;;) {
        ssize_t n = gort_read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        if (gort_write(fd, buf, (size_t)n) != n)
            __atomic_fetch_add(&echo.errors, 1, __ATOMIC_RELAXED);
    }
    gort_fd_close(fd);
    gort_wg_done(&wg);
}

static void echo_acceptor(void *arg)
{
    (void)arg;
    for (int i = 0; i < echo.nconn; i++) {
        int fd = gort_accept(echo.lfd, NULL, NULL);
        if (fd < 0) {
            echo.errors++;
            break;
        }
        echo.srv_fds[i] = fd;
        __atomic_store_n(&echo.accepted, i + 1, __ATOMIC_RELEASE);
        gort_spawn(echo_handler, (void *)(intptr_t)fd);
    }
    gort_wg_done(&wg);
}

static void echo_client(void *arg)
{
    int i = (int)(intptr_t)arg;
    int fd = gort_tcp_dial_loopback(echo.port);
    char hello, msg[16], back[16];
    size_t got = 0;

    if (fd < 0)
        goto out_error;
    /* wait for the go signal: everyone parks on a socket meanwhile */
    if (gort_read(fd, &hello, 1) != 1)
        goto out_close;
    snprintf(msg, sizeof(msg), "c%08d", i);
    if (gort_write(fd, msg, 9) != 9)
        goto out_close;
    while (got < 9) {
        ssize_t n = gort_read(fd, back + got, 9 - got);
        if (n <= 0)
            goto out_close;
        got += (size_t)n;
    }
    if (memcmp(msg, back, 9) == 0)
        __atomic_fetch_add(&echo.echoed, 1, __ATOMIC_RELAXED);
    gort_fd_close(fd);
    gort_wg_done(&wg);
    return;
out_close:
    gort_fd_close(fd);
out_error:
    __atomic_fetch_add(&echo.errors, 1, __ATOMIC_RELAXED);
    gort_wg_done(&wg);
}

static void echo_main(void *arg)
{
    struct gort_probe_totals t;
    uint64_t deadline;

    (void)arg;
    echo.port = 0;
    echo.lfd = gort_tcp_listen_loopback(&echo.port, 4096);
    if (echo.lfd < 0) {
        echo.errors = 1000000;
        return;
    }
    gort_wg_add(&wg, 1 + 2 * echo.nconn);
    gort_spawn(echo_acceptor, NULL);
    for (int i = 0; i < echo.nconn; i++) {
        gort_spawn(echo_client, (void *)(intptr_t)i);
        if (i % 256 == 255)
            gort_sleep_ns(1000 * 1000); /* let the acceptor keep the backlog short */
    }
    /* Wait until every client and every handler is parked on its socket. */
    deadline = now_ns() + 20ull * 1000 * 1000 * 1000;
    while (now_ns() < deadline) {
        if (board_totals(&t)) {
            if (t.wait[GORT_PW_IO_READ] > echo.peak_io_waiters)
                echo.peak_io_waiters = t.wait[GORT_PW_IO_READ];
            echo.threads_seen = gort_probe_hdr(board_copy)->nm;
            if (t.wait[GORT_PW_IO_READ] >= (uint64_t)(2 * echo.nconn))
                break;
        }
        gort_sleep_ns(2 * 1000 * 1000);
    }
    for (int i = 0; i < echo.nconn; i++)
        if (echo.srv_fds[i] > 0 && gort_write(echo.srv_fds[i], "!", 1) != 1)
            echo.errors++;
    gort_wg_wait(&wg);
    gort_fd_close(echo.lfd);
}

START_TEST(test_netpoll_echo)
{
    struct rlimit rl;
    long want;

    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    /* 5,000 connections = 10,000 goroutines each parked on a socket, 10,000 fds. */
    want = scaled(5000);
    if ((long)rl.rlim_cur < 2 * want + 64)
        want = ((long)rl.rlim_cur - 64) / 2;
    echo.nconn = (int)want;
    echo.srv_fds = calloc((size_t)want, sizeof(int));
    run(2, echo_main, NULL);
    free(echo.srv_fds);
    ck_assert_int_eq(echo.errors, 0);
    ck_assert_int_eq(echo.echoed, echo.nconn);
    ck_assert_uint_ge(echo.peak_io_waiters, (uint64_t)(2 * echo.nconn));
    /* a handful of threads, not one per goroutine */
    ck_assert_uint_le(echo.threads_seen, 8);
}
END_TEST

/* ---- syscall hand-off ---- */

static struct {
    int pipefd[2];
    int ticks;
    bool reader_done;
    uint64_t handoffs;
} sc;

static void sc_blocker(void *arg)
{
    char c;
    (void)arg;
    ssize_t n = GORT_BLOCKING(read(sc.pipefd[0], &c, 1)); /* blocks this thread */
    sc.reader_done = n == 1;
    gort_wg_done(&wg);
}

static void sc_ticker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        gort_yield();
        __atomic_fetch_add(&sc.ticks, 1, __ATOMIC_RELAXED);
    }
    gort_wg_done(&wg);
}

static void syscall_main(void *arg)
{
    struct gort_probe_totals t;
    (void)arg;
    gort_wg_add(&wg, 1);
    gort_spawn(sc_blocker, NULL);
    gort_yield(); /* let it block in read() while holding our only P */
    gort_wg_add(&wg, 1);
    gort_spawn(sc_ticker, NULL);
    /* Only one P: these run only if sysmon handed the P away from the blocked M. */
    while (__atomic_load_n(&sc.ticks, __ATOMIC_RELAXED) < 20)
        gort_sleep_ns(1000 * 1000);
    if (board_totals(&t)) {
        sc.handoffs = t.handoffs;
    }
    (void)!write(sc.pipefd[1], "x", 1);
    gort_wg_wait(&wg);
}

START_TEST(test_syscall_handoff)
{
    ck_assert_int_eq(pipe(sc.pipefd), 0);
    run(1, syscall_main, NULL);
    close(sc.pipefd[0]);
    close(sc.pipefd[1]);
    ck_assert_int_eq(sc.ticks, 20);
    ck_assert(sc.reader_done);
    ck_assert_uint_ge(sc.handoffs, 1);
}
END_TEST

/* ---- preemption ---- */

static struct {
    volatile int stop;
    uint64_t busy_iters;
    int ticks;
    uint64_t preemptions;
} pre;

static void busy(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&pre.stop, __ATOMIC_RELAXED)) {
        pre.busy_iters++;
        gort_preempt_point();
    }
    gort_wg_done(&wg);
}

static void preempt_main(void *arg)
{
    struct gort_probe_totals t;
    (void)arg;
    gort_wg_add(&wg, 1);
    gort_spawn(busy, NULL);
    /* One P and a goroutine that never blocks: our sleeps only end if it is preempted. */
    for (int i = 0; i < 10; i++) {
        gort_sleep_ns(1000 * 1000);
        pre.ticks++;
    }
    __atomic_store_n(&pre.stop, 1, __ATOMIC_RELAXED);
    gort_wg_wait(&wg);
    if (board_totals(&t)) {
        pre.preemptions = t.preemptions;
    }
}

START_TEST(test_preemption)
{
    run(1, preempt_main, NULL);
    ck_assert_int_eq(pre.ticks, 10);
    ck_assert_uint_gt(pre.busy_iters, 0);
    ck_assert_uint_ge(pre.preemptions, 1);
}
END_TEST

/* ---- work stealing ---- */

static int ran_on[GORT_MAX_PROCS];
static uint64_t steals_seen;

static void cpu_worker(void *arg)
{
    volatile uint64_t x = 0;
    uint64_t t0 = now_ns();
    (void)arg;
    __atomic_fetch_add(&ran_on[gort_self_p()], 1, __ATOMIC_RELAXED);
    /* 2 ms each, longer where instrumentation slows spawning and waking an M (TSan: 20 ms):
     * once in a CI run under TSan one P ran all 64 of 2 ms. */
    while (now_ns() - t0 < (uint64_t)scale * 2 * 1000 * 1000) {
        for (int i = 0; i < 1000; i++)
            x += (uint64_t)i;
        gort_preempt_point();
    }
    gort_wg_done(&wg);
}

static void steal_main(void *arg)
{
    struct gort_probe_totals t;
    (void)arg;
    /* All spawned onto this P's queue; the other P only gets work by stealing. */
    gort_wg_add(&wg, 64);
    for (int i = 0; i < 64; i++)
        gort_spawn(cpu_worker, NULL);
    gort_wg_wait(&wg);
    if (board_totals(&t)) {
        steals_seen = t.steals;
    }
}

START_TEST(test_work_stealing)
{
    memset(ran_on, 0, sizeof(ran_on));
    run(2, steal_main, NULL);
    ck_assert_int_eq(ran_on[0] + ran_on[1], 64);
    ck_assert_msg(ran_on[0] > 0 && ran_on[1] > 0, "P0 ran %d, P1 ran %d (steals %llu)",
                  ran_on[0], ran_on[1], (unsigned long long)steals_seen);
    ck_assert_uint_gt(steals_seen, 0);
}
END_TEST

/* ---- spawning many ---- */

static long spawned_ran, spawn_n;
static uint64_t carved;

static void tiny(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&spawned_ran, 1, __ATOMIC_RELAXED);
    gort_wg_done(&wg);
}

static void spawn_main(void *arg)
{
    (void)arg;
    gort_wg_add(&wg, spawn_n);
    for (long i = 0; i < spawn_n; i++)
        gort_spawn(tiny, NULL);
    gort_wg_wait(&wg);
    carved = ld_rlx(&gort__sched.probe->stacks_carved);
}

START_TEST(test_spawn_many)
{
    spawn_n = scaled(100000);
    spawned_ran = 0;
    run(2, spawn_main, NULL);
    ck_assert_int_eq(spawned_ran, spawn_n);
    ck_assert_uint_le(carved, (uint64_t)spawn_n + 1);
}
END_TEST

/* ---- GOMAXPROCS while running ---- */

static int procs_seen[3];
static int max_p_after_shrink;

static void procs_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        int p = gort_self_p();
        if (__atomic_load_n(&procs_seen[2], __ATOMIC_RELAXED) && p > max_p_after_shrink)
            max_p_after_shrink = p;
        gort_sleep_ns(200 * 1000);
    }
    gort_wg_done(&wg);
}

static void procs_main(void *arg)
{
    (void)arg;
    procs_seen[0] = (int)gort_nprocs();
    gort_set_procs(3);
    procs_seen[1] = (int)gort_nprocs();
    gort_wg_add(&wg, 16);
    for (int i = 0; i < 16; i++)
        gort_spawn(procs_worker, NULL);
    gort_sleep_ns(2 * 1000 * 1000);
    gort_set_procs(1);
    gort_sleep_ns(15 * 1000 * 1000); /* let every P beyond 0 retire */
    __atomic_store_n(&procs_seen[2], 1, __ATOMIC_RELAXED);
    gort_wg_wait(&wg);
}

START_TEST(test_set_procs)
{
    run(2, procs_main, NULL);
    ck_assert_int_eq(procs_seen[0], 2);
    ck_assert_int_eq(procs_seen[1], 3);
    ck_assert_int_eq(max_p_after_shrink, 0);
}
END_TEST

/* ---- probe board in caller memory ---- */

static uint64_t probe_gid_seen;
static int probe_state_seen, probe_wait_seen;

static void probe_parked(void *arg)
{
    gort_chan_recv(arg, NULL);
    gort_wg_done(&wg);
}

static void probe_main(void *arg)
{
    struct gort_chan *c = gort_chan_new(0, 0);
    const struct gort_probe_hdr *h = arg;
    uint64_t id;

    gort_wg_add(&wg, 1);
    id = gort_spawn(probe_parked, c);
    /* Until it has run and parked: on a busy machine (the sanitizer stage after a lesson's
     * million goroutines) 2 ms was not always enough. At most 10 s. */
    for (int tries = 0; tries < 10000 && probe_state_seen != GORT_PG_WAITING; tries++) {
        gort_sleep_ns(1000 * 1000);
        for (uint32_t i = 0; i < h->nslots; i++) {
            /* The runtime writes the slots with relaxed atomics as it runs:
             * read them the same way (ThreadSanitizer holds us to it). */
            const struct gort_probe_g *s = gort_probe_grow(h, i);
            if (__atomic_load_n(&s->gid, __ATOMIC_RELAXED) == id) {
                probe_gid_seen = id;
                probe_state_seen = (int)__atomic_load_n(&s->state, __ATOMIC_RELAXED);
                probe_wait_seen = (int)__atomic_load_n(&s->wait_reason, __ATOMIC_RELAXED);
            }
        }
    }
    gort_chan_close(c);
    gort_wg_wait(&wg);
    gort_chan_free(c);
}

START_TEST(test_probe_board)
{
    size_t len = gort_probe_size(64);
    void *mem = calloc(1, len), *copy = calloc(1, len);
    struct gort_config cfg = {.nprocs = 2, .probe = mem, .probe_len = len};
    struct gort_probe_totals t;

    ck_assert_int_eq(gort_init(&cfg), 0);
    ck_assert_int_eq(gort_main(probe_main, mem), 0);
    ck_assert_int_eq(gort_probe_copy(copy, len, mem, len), 0);
    gort_fini();
    ck_assert_uint_eq(gort_probe_hdr(copy)->nslots, 64);
    ck_assert_uint_gt(probe_gid_seen, 1);
    ck_assert_int_eq(probe_state_seen, GORT_PG_WAITING);
    ck_assert_int_eq(probe_wait_seen, GORT_PW_CHAN_RECV);
    gort_probe_totals(copy, &t);
    ck_assert_uint_eq(t.spawns, 1); /* main is not spawned by a goroutine */
    ck_assert_uint_ge(t.switches, 3);
    ck_assert_uint_eq(t.gstate[GORT_PG_WAITING], 0);
    ck_assert_int_eq(gort_probe_copy(copy, len, "short", 6), -EINVAL);
    free(mem);
    free(copy);
}
END_TEST

/* ---- the board read from another process ---- */

static struct gort_chan *xp_chan;

static void xp_waiter(void *arg)
{
    (void)arg;
    gort_chan_recv(xp_chan, NULL);
}

static void xp_main(void *arg)
{
    (void)arg;
    xp_chan = gort_chan_new(0, 0);
    for (int i = 0; i < 100; i++)
        gort_spawn(xp_waiter, NULL);
    gort_sleep_ns(400 * 1000 * 1000); /* the parent looks meanwhile */
    gort_chan_close(xp_chan);
    gort_sleep_ns(1000 * 1000);
}

START_TEST(test_probe_other_process)
{
    size_t len = gort_probe_size(256);
    void *shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    void *copy = malloc(len);
    struct gort_probe_totals t = {0};
    uint64_t deadline;
    bool seen = false;
    uint32_t slotted = 0;
    int status;
    pid_t pid;

    ck_assert_ptr_ne(shared, MAP_FAILED);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct gort_config cfg = {.nprocs = 2, .probe = shared, .probe_len = len};
        if (gort_init(&cfg) != 0 || gort_main(xp_main, NULL) != 0)
            _exit(1);
        gort_chan_free(xp_chan);
        gort_fini();
        _exit(0);
    }
    deadline = now_ns() + 10ull * 1000 * 1000 * 1000;
    while (!seen && now_ns() < deadline) {
        if (gort_probe_copy(copy, len, shared, len) == 0) {
            gort_probe_totals(copy, &t);
            if (t.wait[GORT_PW_CHAN_RECV] >= 100) {
                seen = true;
                slotted = 0;
                for (uint32_t i = 0; i < gort_probe_hdr(copy)->nslots; i++) {
                    const struct gort_probe_g *g = gort_probe_grow(copy, i);
                    if (g->gid && g->state == GORT_PG_WAITING &&
                        g->wait_reason == GORT_PW_CHAN_RECV && g->p >= 0 && g->m >= 0)
                        slotted++;
                }
            }
        }
        usleep(2000);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(seen);
    ck_assert_uint_eq(gort_probe_hdr(copy)->pid, (uint32_t)pid);
    ck_assert_uint_ge(t.spawns, 100);
    ck_assert_uint_eq(slotted, 100);
    munmap(shared, len);
    free(copy);
}
END_TEST

/* ---- clean shutdown ---- */

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Mappings of 1 GiB or more: the stack arena is one (libc's arenas and thread stacks, which
 * libc keeps cached after threads exit, are far smaller). */
static int count_huge_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    unsigned long lo, hi;
    char line[512];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && hi - lo >= (1ul << 30))
            n++;
    fclose(f);
    return n;
}

static struct gort_chan *never_chan;
static int huge_maps_running;

static void forever_blocked(void *arg)
{
    (void)arg;
    gort_chan_recv(never_chan, NULL);
}

static void long_sleeper(void *arg)
{
    (void)arg;
    gort_sleep_ns(3600ull * 1000 * 1000 * 1000);
}

static void net_blocked(void *arg)
{
    char c;
    gort_read((int)(intptr_t)arg, &c, 1);
}

static void spin_forever(void *arg)
{
    volatile uint64_t x = 0;
    (void)arg;
    for (;;) {
        x++;
        gort_preempt_point();
    }
}

static void shutdown_main(void *arg)
{
    int port = 0, lfd, cfd;
    (void)arg;
    never_chan = gort_chan_new(0, 0);
    for (int i = 0; i < 1000; i++)
        gort_spawn(forever_blocked, NULL);
    for (int i = 0; i < 10; i++)
        gort_spawn(long_sleeper, NULL);
    lfd = gort_tcp_listen_loopback(&port, 16);
    cfd = gort_tcp_dial_loopback(port);
    if (cfd >= 0)
        gort_spawn(net_blocked, (void *)(intptr_t)cfd);
    gort_spawn(spin_forever, NULL);
    gort_sleep_ns(3 * 1000 * 1000);
    huge_maps_running = count_huge_maps();
    (void)lfd;
    /* return with all of them still there: fini must reclaim everything */
}

START_TEST(test_clean_shutdown)
{
    int tasks0, fds0, maps0;


    /* One warm-up so libc's one-time allocations are not counted. */
    run(2, shutdown_main, NULL);
    gort_chan_free(never_chan);
    tasks0 = count_dir("/proc/self/task");
    fds0 = count_dir("/proc/self/fd");
    maps0 = count_huge_maps();
    for (int i = 0; i < 3; i++) {
        run(2, shutdown_main, NULL);
        /* its waiters were on stacks that are gone: only freeing is legal now */
        gort_chan_free(never_chan);
    }
    ck_assert_int_eq(count_dir("/proc/self/task"), tasks0);
    ck_assert_int_eq(count_dir("/proc/self/fd"), fds0);
    ck_assert_int_eq(count_huge_maps(), maps0);
    ck_assert_int_eq(huge_maps_running, maps0 + 1);
}
END_TEST

/* ---- the state checker ---- */

START_TEST(test_bad_transition_aborts)
{
    static struct gort_g fake;
    fake.state = GS_RUNNABLE;
    fake.slot = -1;
    gort__casgstatus(&fake, GS_RUNNABLE, GS_RUNNING); /* legal */
    ck_assert_uint_eq(fake.state, GS_RUNNING);
    gort__casgstatus(&fake, GS_RUNNING, GS_IDLE); /* impossible: aborts */
}
END_TEST

START_TEST(test_transition_table)
{
    ck_assert(gort__transition_ok(GS_WAITING, GS_RUNNABLE));
    ck_assert(!gort__transition_ok(GS_WAITING, GS_RUNNING));
    ck_assert(!gort__transition_ok(GS_DEAD, GS_RUNNING));
    ck_assert(!gort__transition_ok(GS_RUNNABLE, GS_WAITING));
    ck_assert(!gort__transition_ok(7, GS_RUNNING));
}
END_TEST

static struct gort_chan *hold_chan;

static void held(void *arg)
{
    (void)arg;
    gort_chan_recv(hold_chan, NULL);
}

static void deep(void *arg)
{
    /* Move the stack pointer to ~200 bytes above the bottom of this (unguarded) stack
     * without touching the memory, then switch: the switch-out check must abort. */
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t base = sp & ~(uintptr_t)(GORT_STACK_SIZE - 1);
    char *p = __builtin_alloca(sp - base - 200);
    (void)arg;
    __asm__ __volatile__("" : : "r"(p) : "memory");
    gort_yield();
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

static void overflow_main(void *arg)
{
    (void)arg;
    hold_chan = gort_chan_new(0, 0);
    /* keep the guarded stacks busy so that deep() gets an unguarded one */
    for (int i = 0; i < GORT_GUARDED_STACKS + 8; i++)
        gort_spawn(held, NULL);
    gort_sleep_ns(1000 * 1000);
    gort_spawn(deep, NULL);
    gort_sleep_ns(1000 * 1000);
}

START_TEST(test_stack_overflow_aborts)
{
    run(1, overflow_main, NULL);
}
END_TEST

static void deadlock_main(void *arg)
{
    struct gort_chan *c = gort_chan_new(0, 0);
    (void)arg;
    gort_chan_recv(c, NULL); /* nobody will ever send */
}

START_TEST(test_deadlock_aborts)
{
    run(2, deadlock_main, NULL);
}
END_TEST

static Suite *gort_suite(bool forking)
{
    Suite *s = suite_create("gort");
    TCase *tc = tcase_create("chan");

    tcase_add_test(tc, test_chan_order);
    tcase_add_test(tc, test_chan_close);
    tcase_add_test(tc, test_chan_select);
    tcase_add_test(tc, test_chan_capacity);
    suite_add_tcase(s, tc);

    tc = tcase_create("sync");
    tcase_add_test(tc, test_waitgroup);
    tcase_add_test(tc, test_mutex);
    tcase_add_test(tc, test_timers);
    suite_add_tcase(s, tc);

    tc = tcase_create("sched");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_netpoll_echo);
    tcase_add_test(tc, test_syscall_handoff);
    tcase_add_test(tc, test_preemption);
    tcase_add_test(tc, test_work_stealing);
    tcase_add_test(tc, test_spawn_many);
    tcase_add_test(tc, test_set_procs);
    tcase_add_test(tc, test_probe_board);
    tcase_add_test(tc, test_probe_other_process);
    tcase_add_test(tc, test_clean_shutdown);
    tcase_add_test(tc, test_transition_table);
    suite_add_tcase(s, tc);

    if (forking) { /* these end the process */
        tc = tcase_create("abort");
        tcase_add_test_raise_signal(tc, test_bad_transition_aborts, SIGABRT);
        tcase_add_test_raise_signal(tc, test_deadlock_aborts, SIGABRT);
        tcase_add_test_raise_signal(tc, test_stack_overflow_aborts, SIGABRT);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    const char *env = getenv("GORT_TEST_SCALE");
    SRunner *sr;
    int nf;
    bool forking;

#ifdef SW_TSAN
    scale = 10; /* TSan counts every goroutine stack as a thread, and stops at 8128 */
#endif
    if (env && atol(env) > 0)
        scale = atol(env);
    sr = srunner_create(NULL);
    forking = srunner_fork_status(sr) != CK_NOFORK;
    srunner_add_suite(sr, gort_suite(forking));
    srunner_run_all(sr, CK_NORMAL);
    nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
