/*
 * procfs_read.c — the thin I/O half of procfs: read a whole /proc file, either
 * through a descriptor kept open (pread at offset 0 makes the seq file
 * regenerate its text) or by open/read/close.
 *
 * A short read means the end of the text: seq files hand out everything they
 * generated that fits, so one pread() is enough when the buffer is larger than
 * the file, which is the common case once the buffer has grown.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "procfs/procfs.h"
#include "util.h"

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
        if (n == 0 || off < b->cap)
            break;
        b->cap *= 2;
        b->p = xrealloc(b->p, b->cap);
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
