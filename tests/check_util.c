#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>

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

int main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_duration);
    tcase_add_test(tc, test_size_and_long);
    tcase_add_test(tc, test_fmt_bytes);
    tcase_add_test(tc, test_cli);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
