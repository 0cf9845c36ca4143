/*
 * check_canvas — the cell grid (put, clip, wide characters, dirty tracking,
 * text dump), the widgets drawn on it, and the theme parser.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/canvas.h"
#include "ui/theme.h"
#include "ui/widgets.h"
#include "util.h"

static const struct canvas_style red = { .fg = 1, .bg = -1, .attr = 0 };

static char *text_of(const struct canvas *c)
{
    return canvas_to_text(c);
}

START_TEST(test_put_and_clip)
{
    struct canvas *c = canvas_new(10, 3);
    char *t;

    ck_assert_int_eq(canvas_put_str(c, 0, 0, "hello", -1, red), 5);
    ck_assert_int_eq(canvas_put_str(c, 7, 1, "world", -1, red), 5);    /* right edge */
    ck_assert_int_eq(canvas_put_str(c, -2, 2, "abcdef", -1, red), 6);  /* left edge */
    ck_assert_int_eq(canvas_put_str(c, 0, 5, "below", -1, red), 5);    /* advances, draws nothing */
    t = text_of(c);
    ck_assert_str_eq(t, "hello\n       wor\ncdef");
    free(t);
    ck_assert_int_eq(canvas_at(c, 0, 0)->st.fg, 1);
    ck_assert_ptr_null(canvas_at(c, 10, 0));

    /* A clip rectangle confines drawing. */
    canvas_clear(c);
    canvas_clip(c, (struct canvas_rect){ 2, 1, 3, 1 });
    canvas_put_str(c, 0, 1, "0123456789", -1, red);
    canvas_fill(c, (struct canvas_rect){ 0, 0, 10, 3 }, '#', red);
    canvas_clip(c, canvas_full(c));
    t = text_of(c);
    ck_assert_str_eq(t, "\n  ###\n");
    free(t);

    /* max_w limits the columns. */
    canvas_clear(c);
    ck_assert_int_eq(canvas_put_str(c, 0, 0, "abcdef", 3, red), 3);
    t = text_of(c);
    ck_assert_str_eq(t, "abc\n\n");
    free(t);
    canvas_free(c);
}
END_TEST

START_TEST(test_wide_and_invalid)
{
    struct canvas *c = canvas_new(6, 2);
    char *t;

    /* U+4E2D is two columns wide. */
    ck_assert_int_eq(canvas_str_width("a\xe4\xb8\xad" "b"), 4);
    ck_assert_int_eq(canvas_put_str(c, 0, 0, "a\xe4\xb8\xad" "b", -1, red), 4);
    ck_assert_uint_eq(canvas_at(c, 1, 0)->cp, 0x4e2d);
    ck_assert_uint_eq(canvas_at(c, 2, 0)->cp, CANVAS_CONT);
    /* Overwriting the right half blanks the left half. */
    canvas_put_cp(c, 2, 0, 'x', red);
    ck_assert_uint_eq(canvas_at(c, 1, 0)->cp, ' ');
    /* A wide character that does not fit at the edge is dropped. */
    ck_assert_int_eq(canvas_put_cp(c, 5, 1, 0x4e2d, red), 0);
    /* Invalid UTF-8 and control characters become '?'. */
    canvas_put_str(c, 0, 1, "\xff\x01z", -1, red);
    t = text_of(c);
    ck_assert_str_eq(t, "a xb\n??z");
    free(t);
    /* A fill that cuts pairs at both edges blanks their other halves. */
    canvas_clear(c);
    canvas_put_str(c, 0, 0, "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad", -1, red);
    canvas_fill(c, (struct canvas_rect){ 1, 0, 4, 1 }, '-', red);
    t = text_of(c);
    ck_assert_str_eq(t, " ----\n");
    free(t);
    ck_assert_uint_eq(canvas_at(c, 0, 0)->cp, ' ');
    ck_assert_uint_eq(canvas_at(c, 5, 0)->cp, ' ');
    /* Overlong encodings and surrogates are invalid. */
    {
        uint32_t cp;

        ck_assert_int_eq(canvas_utf8_decode("\xe0\x80\xaf", 3, &cp), 1);
        ck_assert_uint_eq(cp, '?');
        ck_assert_int_eq(canvas_utf8_decode("\xed\xa0\x80", 3, &cp), 1);
        ck_assert_int_eq(canvas_utf8_decode("\xe2\x96\x88", 3, &cp), 3);
        ck_assert_uint_eq(cp, 0x2588);
        ck_assert_int_eq(canvas_utf8_decode("\xe2\x96", 2, &cp), 1);   /* truncated */
    }
    canvas_free(c);
}
END_TEST

struct runs {
    int n, cells;
    int x[16], y[16], len[16];
};

static void collect(void *arg, int x, int y, const struct canvas_cell *cells, int n)
{
    struct runs *r = arg;

    (void)cells;
    if (r->n < 16) {
        r->x[r->n] = x;
        r->y[r->n] = y;
        r->len[r->n] = n;
    }
    r->n++;
    r->cells += n;
}

START_TEST(test_dirty_diff)
{
    struct canvas *c = canvas_new(8, 3);
    struct runs r = { 0 };

    /* The first diff reports every cell: the terminal's content is unknown. */
    ck_assert(canvas_is_dirty(c));
    ck_assert_int_eq(canvas_diff(c, collect, &r), 24);
    ck_assert(!canvas_is_dirty(c));

    /* Redrawing the same content reports nothing. */
    memset(&r, 0, sizeof(r));
    canvas_clear(c);
    ck_assert_int_eq(canvas_diff(c, collect, &r), 0);

    /* One changed word is one run. */
    memset(&r, 0, sizeof(r));
    canvas_put_str(c, 2, 1, "ab", -1, red);
    ck_assert_int_eq(canvas_diff(c, collect, &r), 2);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.x[0], 2);
    ck_assert_int_eq(r.y[0], 1);

    /* A style change alone is a change. */
    memset(&r, 0, sizeof(r));
    canvas_restyle(c, (struct canvas_rect){ 3, 1, 1, 1 }, canvas_style_default);
    ck_assert_int_eq(canvas_diff(c, collect, &r), 1);

    /* A changed wide character is sent whole, even if only its right half
     * differs in the grid. */
    memset(&r, 0, sizeof(r));
    canvas_put_cp(c, 4, 2, 0x4e2d, red);
    ck_assert_int_eq(canvas_diff(c, collect, &r), 2);
    ck_assert_int_eq(r.x[0], 4);
    ck_assert_int_eq(r.len[0], 2);

    /* Invalidate and resize report everything again. */
    memset(&r, 0, sizeof(r));
    canvas_invalidate(c);
    ck_assert_int_eq(canvas_diff(c, collect, &r), 24);
    memset(&r, 0, sizeof(r));
    canvas_resize(c, 5, 2);
    ck_assert_int_eq(canvas_diff(c, collect, &r), 10);
    canvas_free(c);
}
END_TEST

START_TEST(test_box_and_text)
{
    struct canvas *c = canvas_new(5, 3);
    static const uint32_t edges[6] = { '-', '|', '+', '+', '+', '+' };
    char *t;

    canvas_box(c, canvas_full(c), edges, red);
    canvas_put_str(c, 1, 1, "ok", -1, red);
    t = text_of(c);
    ck_assert_str_eq(t, "+---+\n|ok |\n+---+");
    free(t);
    canvas_free(c);
}
END_TEST

/* ---- widgets ---------------------------------------------------------------- */

START_TEST(test_fmt)
{
    char b[32];

    ck_assert_int_eq(widgets_fmt_num(b, sizeof(b), 6, 12.34), 4);
    ck_assert_str_eq(b, "12.3");
    ck_assert_int_eq(widgets_fmt_num(b, sizeof(b), 6, 12345), 5);
    ck_assert_str_eq(b, "12345");
    widgets_fmt_num(b, sizeof(b), 4, 12345);
    ck_assert_str_eq(b, "12k");
    widgets_fmt_num(b, sizeof(b), 5, 12345678);
    ck_assert_str_eq(b, "12.3M");
    widgets_fmt_num(b, sizeof(b), 2, 12345678);
    ck_assert_str_eq(b, "++");     /* cannot fit: says so, never lies */
    widgets_fmt_num(b, sizeof(b), 6, 0);
    ck_assert_str_eq(b, "0.0");
    widgets_fmt_pct(b, sizeof(b), 6, 45.25);
    ck_assert_str_eq(b, "45.2%");
    widgets_fmt_pct(b, sizeof(b), 4, 100);
    ck_assert_str_eq(b, "100%");
    widgets_fmt_bytes(b, sizeof(b), 6, 812);
    ck_assert_str_eq(b, "812B");
    widgets_fmt_bytes(b, sizeof(b), 6, 45.0 * 1024 * 1024);
    ck_assert_str_eq(b, "45.0M");
    widgets_fmt_bytes(b, sizeof(b), 3, 45.0 * 1024 * 1024);
    ck_assert_str_eq(b, "45M");
    widgets_fmt_bytes(b, sizeof(b), 6, 5.0 * 1024 * 1024 * 1024);
    ck_assert_str_eq(b, "5.0G");
    for (int w = 1; w < 12; w++) {
        ck_assert_int_le(widgets_fmt_num(b, sizeof(b), w, 98765432.1), w);
        ck_assert_int_le((int)strlen(b), w);
        ck_assert_int_le(widgets_fmt_bytes(b, sizeof(b), w, 98765432.1), w);
        ck_assert_int_le((int)strlen(b), w);
    }
}
END_TEST

static struct theme theme;
static struct widgets_glyphs glyphs_ascii;

static struct widgets_ctx ctx(struct canvas *c)
{
    return (struct widgets_ctx){ .c = c, .th = &theme, .g = &glyphs_ascii };
}

START_TEST(test_meter_bar)
{
    struct canvas *c = canvas_new(12, 1);
    struct widgets_ctx x = ctx(c);
    struct meter m = { .nseg = 2, .seg = { 0.5f, 0.2f }, .role = { THEME_USER, THEME_SYS },
                       .valid = true };
    char *t;

    meter_mode_bar.draw(&x, canvas_full(c), &m);
    t = text_of(c);
    /* 10 inner cells: 5 user, 2 sys, 3 idle. */
    ck_assert_str_eq(t, "[|||||||...]");
    ck_assert_int_eq(canvas_at(c, 5, 0)->st.fg, theme.e[THEME_USER].st.fg);
    ck_assert_int_eq(canvas_at(c, 6, 0)->st.fg, theme.e[THEME_SYS].st.fg);
    free(t);

    /* No figure yet: an empty bar, not a zero one drawn as if measured. */
    m.valid = false;
    meter_mode_bar.draw(&x, canvas_full(c), &m);
    meter_mode_text.draw(&x, (struct canvas_rect){ 0, 0, 12, 1 }, &m);
    t = text_of(c);
    ck_assert_str_eq(t, "[..........-");
    free(t);
    canvas_free(c);
}
END_TEST

START_TEST(test_spark_and_heat)
{
    struct canvas *c = canvas_new(6, 1);
    struct widgets_ctx x = ctx(c);
    float hist[] = { 0, 0.5f, 1 };
    struct meter m = { .nseg = 1, .seg = { 0.9f }, .role = { THEME_USER }, .hist = hist,
                       .nhist = 3, .valid = true };
    char *t;

    meter_mode_spark.draw(&x, (struct canvas_rect){ 0, 0, 5, 1 }, &m);
    meter_mode_heat.draw(&x, (struct canvas_rect){ 5, 0, 1, 1 }, &m);
    t = text_of(c);
    ck_assert_str_eq(t, "  _=#*");      /* newest at the right; heat of 90 % */
    ck_assert_int_eq(canvas_at(c, 5, 0)->st.fg, theme.e[THEME_HEAT_HIGH].st.fg);
    free(t);
    canvas_free(c);
}
END_TEST

START_TEST(test_table_layout)
{
    static const struct table_col cols[] = {
        { "NAME", 4, 10, 0, TABLE_LEFT },
        { "A", 3, 3, 1, TABLE_RIGHT },
        { "B", 3, 3, 2, TABLE_RIGHT },
        { "C", 3, 3, 1, TABLE_RIGHT },
    };
    int x[4], w[4];

    /* Everything fits; NAME takes what is left up to 10. */
    ck_assert_int_eq(table_layout(cols, 4, 40, x, w), 4);
    ck_assert_int_eq(w[0], 10);
    ck_assert_int_eq(x[1], 11);
    /* 12 columns: NAME, A, C (priority 1) but not B. */
    ck_assert_int_eq(table_layout(cols, 4, 12, x, w), 3);
    ck_assert_int_eq(w[2], 0);
    ck_assert_int_eq(x[3], 9);
    /* Too narrow for anything but the first. */
    ck_assert_int_eq(table_layout(cols, 4, 5, x, w), 1);

    {
        struct canvas *c = canvas_new(8, 1);
        struct widgets_ctx cx = ctx(c);
        char *t;

        table_draw_cell(&cx, 0, 0, &cols[0], 0, 5, "longname", THEME_NORMAL);
        table_draw_cell(&cx, 0, 0, &cols[1], 5, 3, "7", THEME_NORMAL);
        t = text_of(c);
        ck_assert_str_eq(t, "long~  7");
        free(t);
        canvas_free(c);
    }
}
END_TEST

START_TEST(test_wrap_flow)
{
    struct canvas *c = canvas_new(10, 4);
    struct widgets_ctx x = ctx(c);
    struct widgets_item it[3] = {
        { .label = "a", .value = "11", .role = THEME_NORMAL },
        { .label = "b", .value = "22", .role = THEME_NORMAL },
        { .label = "c", .value = "33", .role = THEME_NORMAL },
    };
    char *t;

    ck_assert_int_eq(widgets_wrap(&x, canvas_full(c), "one two three fourfivesixseven",
                                  THEME_NORMAL), 3);
    t = text_of(c);
    ck_assert_str_eq(t, "one two\nthree\nfourfivesi\n");
    free(t);
    canvas_clear(c);
    ck_assert_int_eq(widgets_flow(&x, canvas_full(c), it, 3), 2);
    t = text_of(c);
    ck_assert_str_eq(t, "a 11  b 22\nc 33\n\n");
    free(t);
    canvas_free(c);
}
END_TEST

/* ---- themes ------------------------------------------------------------------ */

START_TEST(test_theme_files)
{
    static const char *const names[] = { "default", "high-contrast", "mono" };
    struct theme builtin, t;
    char err[256], path[512];

    theme_builtin(&builtin);
    /* The built-in and data/themes/default.theme say the same thing. */
    snprintf(path, sizeof(path), "%s/../data/themes/default.theme", SW_TESTDIR);
    ck_assert_msg(theme_load(path, &t, err, sizeof(err)) == 0, "%s", err);
    for (int i = 0; i < THEME_ROLE_COUNT; i++) {
        ck_assert_msg(memcmp(&builtin.e[i], &t.e[i], sizeof(t.e[i])) == 0,
                      "default.theme and the built-in differ on '%s'", theme_role_name(i));
    }
    for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
        snprintf(path, sizeof(path), "%s/../data/themes/%s.theme", SW_TESTDIR, names[n]);
        ck_assert_msg(theme_load(path, &t, err, sizeof(err)) == 0, "%s", err);
    }
    /* mono: no colour at all, and the CPU segments differ by glyph. */
    for (int i = 0; i < THEME_ROLE_COUNT; i++) {
        ck_assert_int_eq(t.e[i].st.fg, CANVAS_COLOR_DEFAULT);
        ck_assert_int_eq(t.e[i].st.bg, CANVAS_COLOR_DEFAULT);
    }
    for (int a = THEME_USER; a <= THEME_STEAL; a++) {
        for (int b = a + 1; b <= THEME_STEAL; b++) {
            ck_assert_uint_ne(t.e[a].glyph, t.e[b].glyph);
            ck_assert_uint_ne(t.e[a].glyph_ascii, t.e[b].glyph_ascii);
        }
    }
    for (int a = THEME_STATE_RUN; a <= THEME_STATE_IDLE; a++)
        for (int b = a + 1; b <= THEME_STATE_IDLE; b++)
            ck_assert_uint_ne(t.e[a].glyph_ascii, t.e[b].glyph_ascii);
    /* The model panels' task states too, in both glyph sets. */
    for (int a = THEME_TASK_IDLE; a <= THEME_TASK_DONE; a++) {
        for (int b = a + 1; b <= THEME_TASK_DONE; b++) {
            ck_assert_uint_ne(t.e[a].glyph, t.e[b].glyph);
            ck_assert_uint_ne(t.e[a].glyph_ascii, t.e[b].glyph_ascii);
        }
    }
}
END_TEST

START_TEST(test_theme_parse_errors)
{
    struct theme t;
    char err[256];

    theme_builtin(&t);
    ck_assert_int_eq(theme_parse("\n# c\nuser = 300\n", "x.theme", &t, err, sizeof(err)),
                     -EINVAL);
    ck_assert_str_eq(err, "x.theme:3: unknown colour or attribute '300'");
    ck_assert_int_eq(theme_parse("bogus = red\n", "x.theme", &t, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "x.theme:1: unknown key 'bogus'");
    ck_assert_int_eq(theme_parse("user red\n", "x.theme", &t, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "x.theme:1: expected KEY = VALUE");
    ck_assert_int_eq(theme_parse("user = red on\n", "f", &t, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(theme_parse("user = red blue\n", "f", &t, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(theme_parse("user = #12345\n", "f", &t, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(theme_parse("glyph.user = ab c\n", "f", &t, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(theme_parse("glyph.user = x\n", "f", &t, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(theme_parse("user =\n", "f", &t, err, sizeof(err)), -EINVAL);

    ck_assert_int_eq(theme_parse("title = bright-white on 17 bold underline\n"
                                 "glyph.sys = \xe2\x96\x93 =\n", "f", &t, err, sizeof(err)), 0);
    ck_assert_int_eq(t.e[THEME_TITLE].st.fg, 15);
    ck_assert_int_eq(t.e[THEME_TITLE].st.bg, 17);
    ck_assert_int_eq(t.e[THEME_TITLE].st.attr, CANVAS_BOLD | CANVAS_UNDERLINE);
    ck_assert_uint_eq(t.e[THEME_SYS].glyph, 0x2593);
    ck_assert_uint_eq(t.e[THEME_SYS].glyph_ascii, '=');

    ck_assert_int_eq(theme_load("no-such", &t, err, sizeof(err)), -ENOENT);
    ck_assert_int_eq(theme_load("/nonexistent/x.theme", &t, err, sizeof(err)), -ENOENT);
}
END_TEST

START_TEST(test_colours)
{
    ck_assert_int_eq(theme_rgb_to_256(0, 0, 0), 16);
    ck_assert_int_eq(theme_rgb_to_256(255, 255, 255), 231);
    ck_assert_int_eq(theme_rgb_to_256(0x80, 0x80, 0x80), 244);
    ck_assert_int_eq(theme_256_to_8(196), 1);      /* pure red */
    ck_assert_int_eq(theme_256_to_8(46), 2);       /* green */
    ck_assert_int_eq(theme_256_to_8(16), 0);
    ck_assert_int_eq(theme_256_to_8(231), 7);
    ck_assert_int_eq(theme_256_to_8(9), 1);
    ck_assert_int_eq(theme_256_to_8(-1), -1);
}
END_TEST

static Suite *canvas_suite(void)
{
    Suite *s = suite_create("canvas");
    TCase *tc = tcase_create("canvas");

    tcase_add_test(tc, test_put_and_clip);
    tcase_add_test(tc, test_wide_and_invalid);
    tcase_add_test(tc, test_dirty_diff);
    tcase_add_test(tc, test_box_and_text);
    suite_add_tcase(s, tc);
    tc = tcase_create("widgets");
    tcase_add_test(tc, test_fmt);
    tcase_add_test(tc, test_meter_bar);
    tcase_add_test(tc, test_spark_and_heat);
    tcase_add_test(tc, test_table_layout);
    tcase_add_test(tc, test_wrap_flow);
    suite_add_tcase(s, tc);
    tc = tcase_create("theme");
    tcase_add_test(tc, test_theme_files);
    tcase_add_test(tc, test_theme_parse_errors);
    tcase_add_test(tc, test_colours);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        setlocale(LC_ALL, "");
    theme_builtin(&theme);
    widgets_glyphs_init(&glyphs_ascii, true);
    sr = srunner_create(canvas_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
