#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/json.h"
#include "report/jsonr.h"

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

START_TEST(test_read_back)
{
    char *c = render(doc_nested, true);
    struct jsonr v;
    char err[128];
    ck_assert_int_eq(jsonr_parse(c, strlen(c), &v, err, sizeof(err)), 0);
    ck_assert_str_eq(jsonr_str(&v, "name"), "a \"quoted\"\n\ttab\x01");
    ck_assert(jsonr_num(&v, "half", 0) == 0.5);
    ck_assert(jsonr_num(&v, "nan", -1) == -1);          /* null reads as absent */
    ck_assert_int_eq(jsonr_get(&v, "nan")->type, JSONR_NULL);
    const struct jsonr *l = jsonr_get(&v, "list");
    ck_assert_int_eq(l->type, JSONR_ARR);
    ck_assert_uint_eq(l->n, 4);
    ck_assert(l->kids[1].num == 2.25);
    ck_assert_int_eq(l->kids[2].type, JSONR_OBJ);
    ck_assert(jsonr_get(&v, "ok")->b);
    jsonr_free(&v);
    free(c);
}
END_TEST

START_TEST(test_read_unicode)
{
    const char *t = "[\"\\u00e9\\ud83d\\ude00\\ud800x\"]";
    struct jsonr v;
    char err[128];
    ck_assert_int_eq(jsonr_parse(t, strlen(t), &v, err, sizeof(err)), 0);
    ck_assert_str_eq(v.kids[0].str, "\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx");
    jsonr_free(&v);
}
END_TEST

START_TEST(test_read_errors)
{
    static const struct { const char *in, *msg; } cases[] = {
        { "", "1:1: unexpected end of input" },
        { "{\"a\" 1}", "1:6: expected ':' after key" },
        { "[1,\n 2,]", "2:4: unexpected character" },
        { "[1 2]", "1:4: expected ',' or ']'" },
        { "\"abc", "1:2: unterminated string" },
        { "{\"a\":1}x", "1:8: text after the value" },
        { "[1e999]", "1:2: bad number" },
        { "tru", "1:1: unknown literal" },
        { "{\"a\":[1,{\"b\":\"\\q\"}]}", "1:15: unknown escape in string" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct jsonr v;
        char err[128] = "";
        ck_assert_int_eq(jsonr_parse(cases[i].in, strlen(cases[i].in), &v, err, sizeof(err)),
                         -EINVAL);
        ck_assert_str_eq(err, cases[i].msg);
    }
    /* Depth is bounded: no stack exhaustion on hostile input. */
    char deep[1000];
    memset(deep, '[', sizeof(deep));
    struct jsonr v;
    char err[128];
    ck_assert_int_eq(jsonr_parse(deep, sizeof(deep), &v, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("writer");
    tcase_add_test(tc, test_compact);
    tcase_add_test(tc, test_pretty_has_same_tokens);
    tcase_add_test(tc, test_read_back);
    tcase_add_test(tc, test_read_unicode);
    tcase_add_test(tc, test_read_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
