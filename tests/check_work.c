/*
 * check_work.c — the workloads' shared parts: XXH64 against the reference
 * vectors of xxHash's own sanity check (xxhsum's BMK_sanityCheck: a 101-byte
 * buffer from 2654435761 squared repeatedly), streaming = one-shot, the
 * preemption hook, the dataset.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "work/work.h"

#define PRIME32 2654435761u
#define SANITY 101

static unsigned char sanity[SANITY];

static void sanity_fill(void)
{
    uint32_t gen = PRIME32;

    for (int i = 0; i < SANITY; i++) {
        sanity[i] = (unsigned char)(gen >> 24);
        gen *= gen;
    }
}

START_TEST(test_xxh64_vectors)
{
    sanity_fill();
    ck_assert_uint_eq(work_xxh64(NULL, 0, 0), 0xEF46DB3751D8E999ull);
    ck_assert_uint_eq(work_xxh64(NULL, 0, PRIME32), 0xAC75FDA2929B17EFull);
    ck_assert_uint_eq(work_xxh64(sanity, 1, 0), 0x4FCE394CC88952D8ull);
    ck_assert_uint_eq(work_xxh64(sanity, 1, PRIME32), 0x739840CB819FA723ull);
    ck_assert_uint_eq(work_xxh64(sanity, 14, 0), 0xCFFA8DB881BC3A3Dull);
    ck_assert_uint_eq(work_xxh64(sanity, 14, PRIME32), 0x5B9611585EFCC9CBull);
    ck_assert_uint_eq(work_xxh64(sanity, SANITY, 0), 0x0EAB543384F878ADull);
    ck_assert_uint_eq(work_xxh64(sanity, SANITY, PRIME32), 0xCAA65939306F1E21ull);
    ck_assert_uint_eq(work_xxh64("a", 1, 0), 0xD24EC4F1A98C6E5Bull);
    ck_assert_uint_eq(work_xxh64("abc", 3, 0), 0x44BC2CF5AD770999ull);
}
END_TEST

START_TEST(test_xxh64_streaming)
{
    unsigned char buf[1000];
    struct work_xxh64 st;
    uint64_t seed = 7;

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)work_rand(&seed);
    for (size_t step = 1; step < 70; step += 7) {
        work_xxh64_reset(&st, 99);
        for (size_t off = 0; off < sizeof(buf); off += step)
            work_xxh64_update(&st, buf + off, MIN(step, sizeof(buf) - off));
        ck_assert_uint_eq(work_xxh64_digest(&st), work_xxh64(buf, sizeof(buf), 99));
    }
}
END_TEST

static int hook_calls;
static void count_hook(void) { hook_calls++; }

START_TEST(test_crunch_hook)
{
    struct work_data d;

    ck_assert_int_eq(work_data_init(&d, 1 << 20, 64 << 10, 1), 0);
    ck_assert_uint_eq(d.nchunks, 16);
    /* crunch = xxh64 of the chunk, seeded with its number */
    ck_assert_uint_eq(work_data_chunk(&d, 3), work_xxh64(d.bytes + 3 * d.chunk, d.chunk, 3));
    ck_assert_uint_eq(work_data_chunk(&d, 19), work_data_chunk(&d, 3));
    hook_calls = 0;
    work_preempt_hook = count_hook;
    work_data_chunk(&d, 0);
    work_preempt_hook = NULL;
    ck_assert_int_eq(hook_calls, (64 << 10) / WORK_HOOK_BYTES);
    /* the dataset is the same for the same seed in every model host */
    struct work_data e;
    ck_assert_int_eq(work_data_init(&e, 1 << 20, 64 << 10, 1), 0);
    ck_assert_mem_eq(d.bytes, e.bytes, 1 << 20);
    work_data_free(&e);
    work_data_free(&d);
}
END_TEST

START_TEST(test_names)
{
    enum work_kind k;

    for (int i = 0; i < WORK_COUNT; i++) {
        ck_assert_int_eq(work_parse(work_name(i), &k), 0);
        ck_assert_int_eq(k, i);
    }
    ck_assert_int_lt(work_parse("cpus", &k), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("work");
    TCase *tc = tcase_create("work");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_xxh64_vectors);
    tcase_add_test(tc, test_xxh64_streaming);
    tcase_add_test(tc, test_crunch_hook);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
