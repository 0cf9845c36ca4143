/*
 * check_probe.c — the probe board ABI: layout, round trip through a
 * writer and a reader, torn reads under a concurrent writer, histogram.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "probe/probe.h"

static void *board_new(uint32_t nslots)
{
    size_t size = probe_size(nslots);
    void *b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(b, MAP_FAILED);
    probe_init(b, nslots, PROBE_MODEL_THREADS);
    return b;
}

START_TEST(test_layout)
{
    ck_assert_uint_eq(sizeof(struct probe_slot), 64);
    ck_assert_uint_eq(sizeof(struct probe_header) % 64, 0);
    ck_assert_uint_eq(probe_size(10), sizeof(struct probe_header) + 640);
    ck_assert_uint_eq(probe_slots_for(100000), PROBE_SLOTS_MAX);
    ck_assert_uint_eq(probe_slots_for(7), 7);
}
END_TEST

START_TEST(test_check_rejects)
{
    void *b = board_new(4);
    struct probe_header *h = b;

    ck_assert_int_eq(probe_check(b, probe_size(4)), 0);
    ck_assert_int_eq(probe_check(b, probe_size(3)), -EINVAL);     /* mapped too little */
    h->abi = PROBE_ABI + 1;
    ck_assert_int_eq(probe_check(b, probe_size(4)), -EPROTO);
    h->abi = PROBE_ABI;
    h->nslots = 5;
    ck_assert_int_eq(probe_check(b, probe_size(4)), -EINVAL);
    munmap(b, probe_size(4));
}
END_TEST

START_TEST(test_round_trip)
{
    void *b = board_new(4);
    struct probe_header *h = b;
    struct probe_snapshot s;
    uint8_t shadow[2] = { PROBE_ST_IDLE, PROBE_ST_IDLE };

    probe_begin(h, 3, 6, 6, 0);
    probe_set_status(h, PROBE_STATUS_LIMITED, "running %d of %d", 6, 7);
    for (uint32_t i = 0; i < 6; i++)
        probe_task_state(h, i, i == 5 ? PROBE_ST_IO : PROBE_ST_RUNNING,
                         i >= 4 ? &shadow[i - 4] : NULL);
    probe_task_unit(h, 1, 100, 20000000);
    probe_task_unit(h, 1, 100, 0);
    probe_task_unit(h, 5, 50, 1000);           /* past the cap: header only */
    probe_add(&h->gil_handoffs, 9);

    probe_snapshot_init(&s, 4);
    ck_assert_int_eq(probe_snapshot(b, probe_size(4), &s), 0);
    ck_assert_uint_eq(s.generation % 2, 0);
    ck_assert_uint_eq(s.generation, 2);
    ck_assert_uint_eq(s.model, PROBE_MODEL_THREADS);
    ck_assert_uint_eq(s.status, PROBE_STATUS_LIMITED);
    ck_assert_str_eq(s.status_text, "running 6 of 7");
    ck_assert_uint_eq(s.workload, 3);
    ck_assert_uint_eq(s.ntasks, 6);
    ck_assert_uint_eq(s.units, 3);
    ck_assert_uint_eq(s.bytes, 250);
    ck_assert_uint_eq(s.lat_count, 2);
    ck_assert_uint_eq(s.lat_max_ns, 20000000);
    ck_assert_uint_eq(s.gil_handoffs, 9);
    ck_assert_int_eq(s.state_count[PROBE_ST_RUNNING], 5);
    ck_assert_int_eq(s.state_count[PROBE_ST_IO], 1);
    ck_assert_int_eq(s.state_count[PROBE_ST_IDLE], 0);
    ck_assert_uint_eq(atomic_load(&s.slots[1].work), 2);
    ck_assert_uint_eq(atomic_load(&s.slots[1].last_lat_ns), 20000000);
    ck_assert_uint_eq(atomic_load(&s.slots[2].state), PROBE_ST_RUNNING);

    /* A restart zeroes the counters and moves the generation on. */
    probe_begin(h, 1, 2, 2, PROBE_F_GIL);
    ck_assert_int_eq(probe_snapshot(b, probe_size(4), &s), 0);
    ck_assert_uint_eq(s.generation, 4);
    ck_assert_uint_eq(s.units, 0);
    ck_assert_uint_eq(s.flags, PROBE_F_GIL);
    ck_assert_int_eq(s.state_count[PROBE_ST_IDLE], 2);
    probe_snapshot_free(&s);
    munmap(b, probe_size(4));
}
END_TEST

START_TEST(test_histogram)
{
    uint64_t hist[PROBE_HIST_BUCKETS] = { 0 };

    /* Each bucket holds its lower bound, and bounds grow by <= 6.25 %. */
    for (unsigned i = 1; i < PROBE_HIST_BUCKETS; i++) {
        ck_assert_uint_eq(probe_hist_bucket(probe_hist_lower(i)), i);
        ck_assert_uint_eq(probe_hist_bucket(probe_hist_lower(i) - 1), i - 1);
        if (probe_hist_lower(i - 1) >= 16)
            ck_assert(probe_hist_lower(i) * 16 <= probe_hist_lower(i - 1) * 17);
    }
    ck_assert_uint_eq(probe_hist_bucket(UINT64_MAX), PROBE_HIST_BUCKETS - 1);
    ck_assert_uint_eq(probe_hist_quantile(hist, 0.5), 0);
    /* 99 samples at 1 ms, 1 at 100 ms: p50 ~ 1 ms, p99 ~ 1 ms, p100 ~ 100 ms. */
    hist[probe_hist_bucket(1000000)] = 99;
    hist[probe_hist_bucket(100000000)] = 1;
    uint64_t p50 = probe_hist_quantile(hist, 0.5), p100 = probe_hist_quantile(hist, 1.0);
    ck_assert(p50 > 1000000 * 0.968 && p50 < 1000000 * 1.032);
    ck_assert(p100 > 100000000 * 0.968 && p100 < 100000000 * 1.032);
    ck_assert_uint_ge(probe_hist_lower(PROBE_HIST_BUCKETS - 1), 1ull << 39);

    /* Between two snapshots: only what was recorded in between. */
    struct probe_snapshot *a = calloc(2, sizeof(*a)), *b = a + 1;
    a->hist[probe_hist_bucket(1000)] = 50;
    memcpy(b->hist, a->hist, sizeof(a->hist));
    b->hist[probe_hist_bucket(5000000)] = 10;
    uint64_t p = probe_delta_quantile(a, b, 0.5);
    ck_assert(p > 5000000 * 0.968 && p < 5000000 * 1.032);
    b->generation = 2;
    ck_assert_uint_eq(probe_delta_quantile(a, b, 0.5), 0);
    free(a);
}
END_TEST

/* A writer that counts and keeps restarting: the reader must never see a
 * counter run backwards within a generation, nor an odd (mid-restart)
 * generation, nor a generation run backwards. */
struct torn {
    struct probe_header *h;
    atomic_bool stop;
};

static void *torn_writer(void *arg)
{
    struct torn *t = arg;

    while (!atomic_load(&t->stop)) {
        probe_begin(t->h, 0, 4, 4, 0);
        for (int i = 0; i < 20000 && !atomic_load(&t->stop); i++) {
            probe_add(&t->h->units, 1);
            probe_add(&t->h->bytes, 1);
            probe_task_unit(t->h, (uint32_t)i % 4, 0, 0);
        }
    }
    return NULL;
}

START_TEST(test_torn_reads)
{
    void *b = board_new(4);
    struct torn t = { .h = b };
    struct probe_snapshot s;
    pthread_t th;
    uint64_t last_gen = 0, last_units = 0, last_bytes = 0, ok = 0;

    probe_snapshot_init(&s, 4);
    ck_assert_int_eq(pthread_create(&th, NULL, torn_writer, &t), 0);
    for (int i = 0; i < 20000; i++) {
        int rc = probe_snapshot(b, probe_size(4), &s);
        if (rc == -EAGAIN)
            continue;
        ck_assert_int_eq(rc, 0);
        ok++;
        ck_assert_uint_eq(s.generation % 2, 0);
        if (s.generation == last_gen)
            ck_assert_uint_ge(s.units, last_units);
        ck_assert_uint_ge(s.generation, last_gen);
        if (s.generation == last_gen)
            ck_assert_uint_ge(s.bytes, last_bytes);
        last_bytes = s.bytes;
        last_gen = s.generation;
        last_units = s.units;
    }
    atomic_store(&t.stop, true);
    pthread_join(th, NULL);
    ck_assert_uint_gt(ok, 100);
    /* Quiet board: the copy is exact (units +2, bytes +1 per writer step). */
    ck_assert_int_eq(probe_snapshot(b, probe_size(4), &s), 0);
    ck_assert_uint_eq(s.units, 2 * s.bytes);
    probe_snapshot_free(&s);
    munmap(b, probe_size(4));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("probe");
    TCase *tc = tcase_create("board");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_check_rejects);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_histogram);
    tcase_add_test(tc, test_torn_reads);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
