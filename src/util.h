/*
 * util.h — the few helpers every module uses: allocation that never returns
 * NULL (out of memory is fatal, as in tmux's xmalloc.c), monotonic time, and
 * small string/number conversions.
 */
#ifndef SW_UTIL_H
#define SW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* <sys/param.h> (pulled in by uv.h) may define these first, identically. */
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif
#define CLAMP(x, lo, hi) MIN(MAX((x), (lo)), (hi))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
int xasprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "schedwatch: MESSAGE" to stderr and exits with status. */
noreturn void util_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t util_now_ns(void);

/*
 * Parses a duration such as "10s", "500ms", "2m", "1.5s" or a bare number of
 * seconds into nanoseconds. Returns 0 or -EINVAL / -ERANGE.
 */
int util_parse_duration(const char *s, uint64_t *out_ns);

/* Parses a base-10 integer in [lo, hi]. Returns 0 or -EINVAL / -ERANGE. */
int util_parse_long(const char *s, long lo, long hi, long *out);

/* Parses a size such as "64M", "1G", "4096", "512k" (binary units). */
int util_parse_size(const char *s, uint64_t *out_bytes);

/* Formats bytes as "812 B", "3.4 KiB", "12.0 MiB", ... into buf. */
const char *util_fmt_bytes(char *buf, size_t len, double bytes);

#endif
