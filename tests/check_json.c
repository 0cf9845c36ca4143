#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/json.h"

static char *render(void (*fn)(struct json *), bool pretty)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct json j;
    json_init(&j, f, pretty);
    fn(&j);
    fclose(f);
    return buf;
}

static void doc_nested(struct json *j)
{
    json_object_begin(j);
    json_kv_str(j, "name", "a \"quoted\"\n\ttab\x01");
    json_kv_num(j, "half", 0.5);
    json_kv_num(j, "nan", NAN);
    json_kv_int(j, "neg", -3);
    json_key(j, "list");
    json_array_begin(j);
    json_num(j, 1);
    json_num(j, 2.25);
    json_object_begin(j);
    json_object_end(j);
    json_array_begin(j);
    json_array_end(j);
    json_array_end(j);
    json_kv_bool(j, "ok", true);
    json_object_end(j);
}

START_TEST(test_compact)
{
    char *s = render(doc_nested, false);
    ck_assert_str_eq(s, "{\"name\":\"a \\\"quoted\\\"\\n\\ttab\\u0001\",\"half\":0.5,"
                        "\"nan\":null,\"neg\":-3,\"list\":[1,2.25,{},[]],\"ok\":true}");
    free(s);
}
END_TEST

START_TEST(test_pretty_has_same_tokens)
{
    char *p = render(doc_nested, true);
    char *c = render(doc_nested, false);
    /* Removing the whitespace outside strings from the pretty form gives the compact one. */
    char *q = p, *w = p;
    bool in_str = false;
    for (; *q; q++) {
        if (*q == '"' && (q == p || q[-1] != '\\'))
            in_str = !in_str;
        if (!in_str && (*q == ' ' || *q == '\n'))
            continue;
        *w++ = *q;
    }
    *w = '\0';
    ck_assert_str_eq(p, c);
    free(p);
    free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("writer");
    tcase_add_test(tc, test_compact);
    tcase_add_test(tc, test_pretty_has_same_tokens);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
