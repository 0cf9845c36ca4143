#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

START_TEST(test_duration)
{
    uint64_t ns;
    ck_assert_int_eq(util_parse_duration("10s", &ns), 0);
    ck_assert_uint_eq(ns, 10000000000ull);
    ck_assert_int_eq(util_parse_duration("500ms", &ns), 0);
    ck_assert_uint_eq(ns, 500000000ull);
    ck_assert_int_eq(util_parse_duration("1.5", &ns), 0);
    ck_assert_uint_eq(ns, 1500000000ull);
    ck_assert_int_eq(util_parse_duration("2m", &ns), 0);
    ck_assert_uint_eq(ns, 120000000000ull);
    ck_assert_int_eq(util_parse_duration("", &ns), -EINVAL);
    ck_assert_int_eq(util_parse_duration("s", &ns), -EINVAL);
    ck_assert_int_eq(util_parse_duration("10 s", &ns), -EINVAL);
    ck_assert_int_eq(util_parse_duration("10x", &ns), -EINVAL);
    ck_assert_int_eq(util_parse_duration("-1s", &ns), -ERANGE);
    ck_assert_int_eq(util_parse_duration("1e300", &ns), -ERANGE);
    ck_assert_int_eq(util_parse_duration("nan", &ns), -ERANGE);
}
END_TEST

START_TEST(test_size_and_long)
{
    uint64_t b;
    long v;
    ck_assert_int_eq(util_parse_size("64M", &b), 0);
    ck_assert_uint_eq(b, 64ull << 20);
    ck_assert_int_eq(util_parse_size("1GiB", &b), 0);
    ck_assert_uint_eq(b, 1ull << 30);
    ck_assert_int_eq(util_parse_size("4096", &b), 0);
    ck_assert_uint_eq(b, 4096);
    ck_assert_int_eq(util_parse_size("-1", &b), -EINVAL);
    ck_assert_int_eq(util_parse_size("12Q", &b), -EINVAL);
    ck_assert_int_eq(util_parse_long("42", 0, 100, &v), 0);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(util_parse_long("101", 0, 100, &v), -ERANGE);
    ck_assert_int_eq(util_parse_long("99999999999999999999999", 0, 100, &v), -ERANGE);
    ck_assert_int_eq(util_parse_long("4x", 0, 100, &v), -EINVAL);
}
END_TEST

START_TEST(test_fmt_bytes)
{
    char buf[32];
    ck_assert_str_eq(util_fmt_bytes(buf, sizeof(buf), 812), "812 B");
    ck_assert_str_eq(util_fmt_bytes(buf, sizeof(buf), 3.4 * 1024), "3.4 KiB");
    ck_assert_str_eq(util_fmt_bytes(buf, sizeof(buf), 8 * 1048576.0), "8.0 MiB");
    ck_assert_str_eq(util_fmt_bytes(buf, sizeof(buf), 120 * 1048576.0), "120 MiB");
}
END_TEST

static enum cli_status parse(struct config *cfg, int argc, char **argv)
{
    return cli_parse(argc, argv, cfg);
}

START_TEST(test_cli)
{
    struct config cfg;
    char *ok[] = { "schedwatch", "-p", "1", "--pid=2", "-i", "50ms", "-d", "3s", "--ascii", NULL };
    ck_assert_int_eq(parse(&cfg, 9, ok), CLI_RUN);
    ck_assert_int_eq(cfg.npids, 2);
    ck_assert_int_eq(cfg.pids[1], 2);
    ck_assert_uint_eq(cfg.interval_ns, 50000000ull);
    ck_assert_uint_eq(cfg.duration_ns, 3000000000ull);
    ck_assert(cfg.ascii);

    char *bad[][3] = {
        { "schedwatch", "--interval", "5ms" },      /* below the minimum */
        { "schedwatch", "--interval", "" },
        { "schedwatch", "-p", "0" },
        { "schedwatch", "-p", "-5" },
        { "schedwatch", "-d", "0s" },
        { "schedwatch", "--bogus", "x" },
        { "schedwatch", "--theme", "" },
        { "schedwatch", "extra", "arg" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        ck_assert_msg(parse(&cfg, 3, bad[i]) == CLI_EXIT_USAGE, "%s %s accepted", bad[i][1],
                      bad[i][2]);
}
END_TEST

/* A command line as fuzz_cli makes one: argv[0], then arguments split at NUL bytes. */
static int split_args(const char *buf, size_t len, char **argv, int max)
{
    int argc = 0;
    argv[argc++] = strdup("schedwatch");
    for (size_t at = 0; at < len && argc < max;) {
        const char *nul = memchr(buf + at, 0, len - at);
        size_t n = nul ? (size_t)(nul - (buf + at)) : len - at;
        argv[argc++] = strndup(buf + at, n);
        at += n + 1;
    }
    argv[argc] = NULL;
    return argc;
}

/*
 * The inputs fuzz_cli found (tests/fuzz/regress/cli): after each, a second command line
 * must parse as it does alone. cli_parse set optind = 1, which leaves glibc's getopt in
 * the middle of "-hV" after returning h, so the next call returned V: "--version".
 */
START_TEST(test_cli_fuzz_regress)
{
    char dir[512], path[1024], buf[4096];
    char *ref[] = { "schedwatch", "--headless", "-d", "2s", "--models", "loop", "--ascii", NULL };
    char *refv[8];
    struct config want, got;
    memcpy(refv, ref, sizeof(ref));
    ck_assert_int_eq(parse(&want, 7, refv), CLI_RUN);

    snprintf(dir, sizeof(dir), "%s/fuzz/regress/cli", SW_TESTDIR);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "%s", dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "re");
        ck_assert_msg(f != NULL, "%s", path);
        size_t len = fread(buf, 1, sizeof(buf), f);
        fclose(f);

        char *argv[34], *own[34];
        int argc = split_args(buf, len, argv, 33);
        memcpy(own, argv, sizeof(argv));
        /* --help and --version go to stdout: keep them out of the log. */
        fflush(stdout);
        int out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        (void)parse(&got, argc, argv);
        fflush(stdout);
        dup2(out, STDOUT_FILENO);
        close(out);
        close(null);

        memcpy(refv, ref, sizeof(ref));
        ck_assert_msg(parse(&got, 7, refv) == CLI_RUN, "after %s: not CLI_RUN", e->d_name);
        ck_assert_msg(memcmp(&got, &want, sizeof(got)) == 0, "after %s: another config",
                      e->d_name);
        for (int i = 0; i < argc; i++)
            free(own[i]);
        n++;
    }
    closedir(d);
    ck_assert_int_gt(n, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_duration);
    tcase_add_test(tc, test_size_and_long);
    tcase_add_test(tc, test_fmt_bytes);
    tcase_add_test(tc, test_cli);
    tcase_add_test(tc, test_cli_fuzz_regress);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
