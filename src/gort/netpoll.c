/*
 * netpoll.c — the epoll netpoller and the socket helpers that park goroutines on it, after
 * Go's runtime/netpoll.go and netpoll_epoll.go.
 *
 * Every registered fd has a poll descriptor with two semaphores, rg and wg (read/write),
 * each 0, PD_READY, or the G parked on it. Registration is edge-triggered for both
 * directions, so an fd costs one epoll_ctl in its life. A goroutine first tries the system
 * call; on EAGAIN it parks with an unlock function that CASes 0 -> G (if the event arrived
 * meanwhile the slot is PD_READY, the CAS fails and the goroutine goes round again). The
 * poller swaps G -> 0 (readying G) or 0 -> PD_READY.
 *
 * Poll descriptors are never freed while the runtime runs, only recycled FIFO: an epoll event
 * already fetched by a poller on another thread may still name a descriptor just closed, and
 * a spurious "ready" on a recycled one only makes its next reader retry the system call.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gort/gort_int.h"
#include "util.h"

#define PD_READY ((uintptr_t)1)

struct netpoll__pd {
    uintptr_t rg, wg;       /* 0, PD_READY or a struct gort_g * (atomic) */
    uint32_t closing;       /* set by gort_fd_close (atomic) */
    int fd;
    struct netpoll__pd *next; /* free list */
    struct netpoll__pd *alllink;
};

static struct {
    int epfd;
    int evfd;
    uint32_t break_pending;
    uint32_t lock;          /* guards table growth, free list, all list */
    struct netpoll__pd **table; /* by fd */
    size_t ntable;
    struct netpoll__pd *free_head, *free_tail, *all;
} np = {.epfd = -1, .evfd = -1};

uint64_t gort__netpoll_waiters;

bool gort__netpoll_has_waiters(void)
{
    return ld_rlx(&gort__netpoll_waiters) != 0;
}

int gort__netpoll_init(void)
{
    struct epoll_event ev = {.events = EPOLLIN};
    struct rlimit rl;
    int err;

    memset(&np, 0, sizeof(np));
    gort__netpoll_waiters = 0;
    np.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (np.epfd < 0)
        return -errno;
    np.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (np.evfd < 0) {
        err = -errno;
        goto out_close_epfd;
    }
    ev.data.ptr = NULL;
    if (epoll_ctl(np.epfd, EPOLL_CTL_ADD, np.evfd, &ev) != 0) {
        err = -errno;
        goto out_close_evfd;
    }
    np.ntable = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
        rl.rlim_max > np.ntable)
        np.ntable = rl.rlim_max > (1u << 22) ? (1u << 22) : (size_t)rl.rlim_max;
    np.table = xcalloc(np.ntable, sizeof(*np.table));
    return 0;

out_close_evfd:
    close(np.evfd);
out_close_epfd:
    close(np.epfd);
    np.epfd = np.evfd = -1;
    return err;
}

void gort__netpoll_fini(void)
{
    struct netpoll__pd *pd, *next;

    for (size_t i = 0; i < np.ntable; i++)
        if (np.table[i])
            close((int)i); /* fds the program left registered */
    for (pd = np.all; pd; pd = next) {
        next = pd->alllink;
        free(pd);
    }
    free(np.table);
    if (np.evfd >= 0)
        close(np.evfd);
    if (np.epfd >= 0)
        close(np.epfd);
    memset(&np, 0, sizeof(np));
    np.epfd = np.evfd = -1;
}

void gort__netpoll_break(void)
{
    uint32_t zero = 0;
    uint64_t one = 1;

    if (np.evfd < 0)
        return;
    if (__atomic_compare_exchange_n(&np.break_pending, &zero, 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED))
        (void)!write(np.evfd, &one, sizeof(one));
}

/* Takes the G parked on *gpp (or marks the slot ready when ioready). */
static struct gort_g *netpoll__unblock(uintptr_t *gpp, bool ioready)
{
    for (;;) {
        uintptr_t old = ld_acq(gpp);
        if (old == PD_READY)
            return NULL;
        if (old == 0) {
            if (!ioready)
                return NULL;
            if (__atomic_compare_exchange_n(gpp, &old, PD_READY, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_RELAXED))
                return NULL;
            continue;
        }
        if (__atomic_compare_exchange_n(gpp, &old, 0, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return (struct gort_g *)old;
    }
}

int gort__netpoll(uint64_t timeout_ns, struct gort_g **head, struct gort_g **tail)
{
    struct epoll_event evs[128];
    int timeout_ms, n, count = 0;

    *head = *tail = NULL;
    if (timeout_ns == 0)
        timeout_ms = 0;
    else if (timeout_ns == UINT64_MAX)
        timeout_ms = -1;
    else if (timeout_ns > (uint64_t)1e12)
        timeout_ms = 1000000;
    else
        timeout_ms = (int)((timeout_ns + 999999) / 1000000);
    n = epoll_wait(np.epfd, evs, (int)ARRAY_SIZE(evs), timeout_ms);
    for (int i = 0; i < n; i++) {
        struct netpoll__pd *pd = evs[i].data.ptr;
        uint32_t e = evs[i].events;
        struct gort_g *g[2] = {NULL, NULL};

        if (!pd) {
            uint64_t v;
            (void)!read(np.evfd, &v, sizeof(v));
            st_rel(&np.break_pending, 0);
            continue;
        }
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            g[0] = netpoll__unblock(&pd->rg, true);
        if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            g[1] = netpoll__unblock(&pd->wg, true);
        for (int k = 0; k < 2; k++) {
            if (!g[k])
                continue;
            gort__casgstatus(g[k], GS_WAITING, GS_RUNNABLE);
            g[k]->schedlink = NULL;
            if (*tail)
                (*tail)->schedlink = g[k];
            else
                *head = g[k];
            *tail = g[k];
            count++;
        }
    }
    return count;
}

static struct netpoll__pd *netpoll__get(int fd)
{
    if (fd < 0 || (size_t)fd >= np.ntable)
        return NULL;
    return ld_acq(&np.table[fd]);
}

int gort_fd_open(int fd)
{
    struct epoll_event ev;
    struct netpoll__pd *pd;
    int flags;

    if (fd < 0 || (size_t)fd >= np.ntable)
        return -EBADF;
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    gort__lock(&np.lock);
    pd = np.free_head;
    if (pd) {
        np.free_head = pd->next;
        if (!np.free_head)
            np.free_tail = NULL;
    } else {
        pd = xcalloc(1, sizeof(*pd));
        pd->alllink = np.all;
        np.all = pd;
    }
    gort__unlock(&np.lock);
    st_rlx(&pd->rg, 0);
    st_rlx(&pd->wg, 0);
    st_rlx(&pd->closing, 0);
    pd->fd = fd;
    pd->next = NULL;
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = pd;
    st_rel(&np.table[fd], pd);
    if (epoll_ctl(np.epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        int err = -errno;
        st_rel(&np.table[fd], NULL);
        gort__lock(&np.lock);
        pd->next = NULL;
        if (np.free_tail)
            np.free_tail->next = pd;
        else
            np.free_head = pd;
        np.free_tail = pd;
        gort__unlock(&np.lock);
        return err;
    }
    return 0;
}

int gort_fd_close(int fd)
{
    struct netpoll__pd *pd = netpoll__get(fd);
    struct gort_g *g;

    if (!pd)
        return -EBADF;
    st_rel(&pd->closing, 1);
    (void)epoll_ctl(np.epfd, EPOLL_CTL_DEL, fd, NULL);
    st_rel(&np.table[fd], NULL);
    if ((g = netpoll__unblock(&pd->rg, false)) != NULL)
        gort__ready(g, false);
    if ((g = netpoll__unblock(&pd->wg, false)) != NULL)
        gort__ready(g, false);
    gort__lock(&np.lock);
    pd->next = NULL;
    if (np.free_tail)
        np.free_tail->next = pd;
    else
        np.free_head = pd;
    np.free_tail = pd;
    gort__unlock(&np.lock);
    return close(fd) == 0 ? 0 : -errno;
}

static bool netpoll__commit(struct gort_g *g, void *arg)
{
    uintptr_t zero = 0;

    /* Fails if the poller marked the slot ready since we looked: run again. */
    return __atomic_compare_exchange_n((uintptr_t *)arg, &zero, (uintptr_t)g, false,
                                       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* Waits until fd may be ready for mode; returns 0 or -EBADF if it is being closed. */
static int netpoll__wait(struct netpoll__pd *pd, bool write)
{
    uintptr_t *gpp = write ? &pd->wg : &pd->rg;

    for (;;) {
        uintptr_t old = PD_READY;
        if (ld_acq(&pd->closing))
            return -EBADF;
        if (__atomic_compare_exchange_n(gpp, &old, 0, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return 0;
        if (old != 0) {
            fprintf(stderr, "gort: two goroutines wait to %s fd %d\n",
                    write ? "write" : "read", pd->fd);
            abort();
        }
        xadd(&gort__netpoll_waiters, 1);
        if (gort__sched.probe)
            st_rlx(&gort__sched.probe->netpoll_waiters, ld_rlx(&gort__netpoll_waiters));
        gort__park(netpoll__commit, gpp, write ? GORT_PW_IO_WRITE : GORT_PW_IO_READ);
        xadd(&gort__netpoll_waiters, (uint64_t)-1);
        if (gort__sched.probe)
            st_rlx(&gort__sched.probe->netpoll_waiters, ld_rlx(&gort__netpoll_waiters));
        if (ld_acq(&pd->closing))
            return -EBADF;
        /* Woken by the poller: the slot was swapped to 0; retry the system call. */
        return 0;
    }
}

ssize_t gort_read(int fd, void *buf, size_t len)
{
    struct netpoll__pd *pd = netpoll__get(fd);

    if (!pd)
        return -EBADF;
    for (;;) {
        ssize_t n = read(fd, buf, len);
        int err;
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -errno;
        if ((err = netpoll__wait(pd, false)) != 0)
            return err;
    }
}

ssize_t gort_write(int fd, const void *buf, size_t len)
{
    struct netpoll__pd *pd = netpoll__get(fd);
    size_t done = 0;

    if (!pd)
        return -EBADF;
    while (done < len) {
        ssize_t n = write(fd, (const char *)buf + done, len - done);
        int err;
        if (n >= 0) {
            done += (size_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return -errno;
        if ((err = netpoll__wait(pd, true)) != 0)
            return err;
    }
    return (ssize_t)done;
}

int gort_accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
    struct netpoll__pd *pd = netpoll__get(fd);

    if (!pd)
        return -EBADF;
    for (;;) {
        int nfd = accept4(fd, addr, addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int err;
        if (nfd >= 0) {
            if ((err = gort_fd_open(nfd)) != 0) {
                close(nfd);
                return err;
            }
            return nfd;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno != EAGAIN)
            return -errno;
        if ((err = netpoll__wait(pd, false)) != 0)
            return err;
    }
}

int gort_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
    struct netpoll__pd *pd = netpoll__get(fd);
    int err, soerr = 0;
    socklen_t sl = sizeof(soerr);

    if (!pd)
        return -EBADF;
    if (connect(fd, addr, addrlen) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EINTR)
        return -errno;
    for (;;) {
        if ((err = netpoll__wait(pd, true)) != 0)
            return err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
            return -errno;
        if (soerr == 0) {
            /* Writable and no error: connected (or spurious: check the peer). */
            struct sockaddr_storage ss;
            socklen_t l = sizeof(ss);
            if (getpeername(fd, (struct sockaddr *)&ss, &l) == 0)
                return 0;
            if (errno != ENOTCONN)
                return -errno;
            continue;
        }
        if (soerr != EINPROGRESS && soerr != EALREADY)
            return -soerr;
    }
}

static int netpoll__tcp_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err;

    if (fd < 0)
        return -errno;
    if ((err = gort_fd_open(fd)) != 0) {
        close(fd);
        return err;
    }
    return fd;
}

int gort_tcp_listen_loopback(int *port, int backlog)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sa);
    int one = 1, fd = netpoll__tcp_socket(), err;

    if (fd < 0)
        return fd;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)*port);
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, backlog) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        err = -errno;
        gort_fd_close(fd);
        return err;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

int gort_tcp_dial_loopback(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int fd = netpoll__tcp_socket(), err, one = 1;

    if (fd < 0)
        return fd;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if ((err = gort_connect(fd, (struct sockaddr *)&sa, sizeof(sa))) != 0) {
        gort_fd_close(fd);
        return err;
    }
    return fd;
}
