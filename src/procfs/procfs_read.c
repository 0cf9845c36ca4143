/*
 * procfs_read.c — the thin I/O half of procfs: read a whole /proc file, either
 * through a descriptor kept open (pread at offset 0 makes the seq file
 * regenerate its text) or by open/read/close.
 *
 * One pread() is usually the whole text, but not always: a seq file that
 * walks a list (task/TID/children, /proc/schedstat, maps) hands out at most
 * one buffer of records per read, a page to start with, whatever the reader
 * asked for. (Taking a short read for the end once left a host's children
 * file at 682 of its 1,000 pids.) A read that stops more than a record short
 * of a page can only be the end, as every record we read is well under
 * PROCFS_RECORD_MAX; after a longer one we read on until the end of file, a
 * system call more for big files only, so the small per-task ones (stat,
 * schedstat, status) still take one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "util.h"

/* Longer than any line of the files we read; half a page. */
#define PROCFS_RECORD_MAX 2048

void procfs_buf_free(struct procfs_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int procfs_pread_all(int fd, struct procfs_buf *b)
{
    if (b->cap < 1024) {
        b->cap = 1024;
        b->p = xrealloc(b->p, b->cap);
    }
    size_t off = 0;
    for (;;) {
        ssize_t n = pread(fd, b->p + off, b->cap - off, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            b->len = 0;
            return -errno;
        }
        off += (size_t)n;
        if (n == 0 || (off < b->cap && n < PROCFS_RECORD_MAX))
            break;
        if (off == b->cap) {
            b->cap *= 2;
            b->p = xrealloc(b->p, b->cap);
        }
    }
    b->len = off;
    return 0;
}

int procfs_open(int dirfd, const char *path)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    return fd < 0 ? -errno : fd;
}

int procfs_read_file(int dirfd, const char *path, struct procfs_buf *b)
{
    int fd = procfs_open(dirfd, path);
    if (fd < 0) {
        b->len = 0;
        return fd;
    }
    int r = procfs_pread_all(fd, b);
    close(fd);
    return r;
}

bool procfs_is_gone(int err)
{
    return err == -ESRCH || err == -ENOENT;
}
