#include "config.h"
#include <check.h>
#include <stdlib.h>
#include "gort/gort.h"

static int sum;
static void child(void *arg) { sum += (int)(intptr_t)arg; }
static void main_smoke(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10; i++)
        gort_spawn(child, (void *)(intptr_t)i);
    for (int i = 0; i < 20; i++)
        gort_yield();
}
START_TEST(test_smoke)
{
    struct gort_config cfg = {.nprocs = 1};
    ck_assert_int_eq(gort_init(&cfg), 0);
    ck_assert_int_eq(gort_main(main_smoke, NULL), 0);
    gort_fini();
    ck_assert_int_eq(sum, 45);
}
END_TEST
int main(void)
{
    Suite *s = suite_create("gort");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_smoke);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf ? 1 : 0;
}
