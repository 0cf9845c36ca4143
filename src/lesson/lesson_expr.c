/*
 * lesson_expr.c — expectations: "loop.cores <= 1.1",
 * "goroutines.mem_per_task < threads.mem_per_task / 4".
 *
 * Grammar (one comparison, no chaining, no boolean operators: a lesson that
 * wants two facts writes two expectations, and the screen marks each):
 *
 *     comparison := sum CMP sum          CMP: < <= > >= == != ≤ ≥ ≠
 *     sum        := product (('+' | '-') product)*
 *     product    := unary (('*' | '/') unary)*
 *     unary      := '-' unary | primary
 *     primary    := NUMBER[UNIT] | MODEL '.' METRIC | '(' sum ')'
 *
 * Nodes live in one array inside the expression, children by index, so an
 * expression is one allocation to free and cannot form a cycle. Nesting is
 * bounded (LESSON_EXPR__DEPTH) so hostile input cannot exhaust the stack.
 *
 * Units are checked where it is cheap and certain: a time compared with or
 * added to a size, or a count metric compared with "20ms", is an error in the
 * lesson. Products and quotients of two figures get no kind (any).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/lesson_int.h"
#include "util.h"

#define LESSON_EXPR__DEPTH 32
#define LESSON_EXPR__NODES 256

enum lesson_expr__op { OP_NUM, OP_METRIC, OP_NEG, OP_ADD, OP_SUB, OP_MUL, OP_DIV };
enum lesson_expr__cmp { CMP_LT, CMP_LE, CMP_GT, CMP_GE, CMP_EQ, CMP_NE };

struct lesson_expr__node {
    enum lesson_expr__op op;
    int a, b;                           /* children (index), -1 if none */
    double num;                         /* OP_NUM */
    enum lesson_model model;            /* OP_METRIC */
    enum lesson_metric metric;
    int kind;                           /* lesson_kind or LESSON__ANY */
    size_t at;                          /* byte offset in its line, for messages */
};

struct lesson_expr {
    enum lesson_expr__cmp cmp;
    int lhs, rhs;
    int n, cap;
    struct lesson_expr__node *nodes;    /* n entries; owned */
};

struct lesson_expr__parser {
    struct lesson__cur *c;
    struct lesson_expr *e;
    bool machine_only;
    int depth;
};

static const char *lesson_expr__kind_name(int kind)
{
    switch (kind) {
    case LESSON_KIND_TIME: return "a time";
    case LESSON_KIND_BYTES: return "a size in bytes";
    default: return "a count or a rate";
    }
}

static int lesson_expr__node(struct lesson_expr__parser *p, enum lesson_expr__op op,
                             size_t at)
{
    struct lesson_expr *e = p->e;
    if (e->n >= LESSON_EXPR__NODES)
        return lesson__error(p->c, at, "expression is too long (more than %d terms)",
                             LESSON_EXPR__NODES);
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->nodes = xreallocarray(e->nodes, (size_t)e->cap, sizeof(*e->nodes));
    }
    struct lesson_expr__node *nd = &e->nodes[e->n];
    memset(nd, 0, sizeof(*nd));
    nd->op = op;
    nd->a = nd->b = -1;
    nd->kind = LESSON__ANY;
    nd->at = at;
    return e->n++;
}

static bool lesson_expr__ident_char(char ch, bool first)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
           (!first && ch >= '0' && ch <= '9');
}

static int lesson_expr__sum(struct lesson_expr__parser *p, int *out);

static int lesson_expr__metric(struct lesson_expr__parser *p, int *out)
{
    struct lesson__cur *c = p->c;
    size_t at = c->pos, i = c->pos;
    while (i < c->len && lesson_expr__ident_char(c->line[i], i == at))
        i++;
    const char *w1 = c->line + at;
    size_t l1 = i - at;
    const char *w2 = NULL;
    size_t l2 = 0, at2 = 0;
    if (i < c->len && c->line[i] == '.') {
        at2 = ++i;
        while (i < c->len && lesson_expr__ident_char(c->line[i], i == at2))
            i++;
        w2 = c->line + at2;
        l2 = i - at2;
        if (l2 == 0)
            return lesson__error(c, at2, "expected a metric name after '%.*s.'",
                                 (int)l1, w1);
    }
    int model;
    enum lesson_metric metric;
    int r;
    if (w2 == NULL) {
        if (p->machine_only) {
            model = LESSON_MACHINE;
            w2 = w1;
            l2 = l1;
            at2 = at;
        } else if (lesson__model_find(w1, l1) >= 0) {
            return lesson__error(c, i, "expected '.' and a metric after '%.*s', as in "
                                 "%.*s.cores", (int)l1, w1, (int)l1, w1);
        } else {
            return lesson__error(c, at, "'%.*s' needs a model: write loop.%.*s, "
                                 "threads.%.*s, ... or machine.%.*s", (int)l1, w1,
                                 (int)l1, w1, (int)l1, w1, (int)l1, w1);
        }
    } else {
        model = lesson__model_find(w1, l1);
        if (model < 0) {
            static const char *const names[] = {
                "procs", "threads", "loop", "goroutines", "machine", NULL,
            };
            const char *s = lesson__suggest(w1, l1, names);
            if (s)
                return lesson__error(c, at, "unknown model '%.*s' (did you mean '%s'?)",
                                     (int)l1, w1, s);
            return lesson__error(c, at, "unknown model '%.*s' (models: procs, threads, "
                                 "loop, goroutines, machine)", (int)l1, w1);
        }
        if (p->machine_only && model != LESSON_MACHINE)
            return lesson__error(c, at, "a 'needs' clause tests the machine only, not "
                                 "%.*s.%.*s", (int)l1, w1, (int)l2, w2);
    }
    r = lesson__metric_find(c, at2, (enum lesson_model)model, w2, l2, &metric);
    if (r < 0)
        return r;
    int n = lesson_expr__node(p, OP_METRIC, at);
    if (n < 0)
        return n;
    p->e->nodes[n].model = (enum lesson_model)model;
    p->e->nodes[n].metric = metric;
    p->e->nodes[n].kind = (int)lesson_metric_info(metric)->kind;
    c->pos = i;
    *out = n;
    return 0;
}

static int lesson_expr__expected(struct lesson__cur *c)
{
    if (lesson__at_end(c))
        return lesson__error(c, c->pos, "expected a number, a metric or '(' here");
    return lesson__error(c, c->pos, "unexpected '%.*s': expected a number, a metric or '('",
                         (int)MAX((size_t)1, MIN(lesson__token_len(c), (size_t)20)),
                         c->line + c->pos);
}

static int lesson_expr__unary(struct lesson_expr__parser *p, int *out)
{
    struct lesson__cur *c = p->c;
    int r;
    if (lesson__at_end(c))
        return lesson_expr__expected(c);
    if (++p->depth > LESSON_EXPR__DEPTH) {
        return lesson__error(c, c->pos, "expression is nested too deeply (more than %d "
                             "levels)", LESSON_EXPR__DEPTH);
    }
    size_t at = c->pos;
    char ch = c->line[c->pos];
    if (ch == '-') {
        c->pos++;
        int a;
        if ((r = lesson_expr__unary(p, &a)) < 0)
            return r;
        int n = lesson_expr__node(p, OP_NEG, at);
        if (n < 0)
            return n;
        p->e->nodes[n].a = a;
        p->e->nodes[n].kind = p->e->nodes[a].kind;
        *out = n;
    } else if (ch == '(') {
        c->pos++;
        if ((r = lesson_expr__sum(p, out)) < 0)
            return r;
        if (lesson__at_end(c) || c->line[c->pos] != ')')
            return lesson__error(c, c->pos, "missing ')' to close the '(' at column %d",
                                 lesson__col(c, at));
        c->pos++;
    } else if (lesson__is_number_start(c)) {
        double v;
        int kind;
        if ((r = lesson__number(c, LESSON__NUM_EXPR, &v, &kind)) < 0)
            return r;
        int n = lesson_expr__node(p, OP_NUM, at);
        if (n < 0)
            return n;
        p->e->nodes[n].num = v;
        p->e->nodes[n].kind = kind;
        *out = n;
    } else if (lesson_expr__ident_char(ch, true)) {
        if ((r = lesson_expr__metric(p, out)) < 0)
            return r;
    } else {
        return lesson_expr__expected(c);
    }
    p->depth--;
    return 0;
}

/* Kinds of a +, - or comparison: both known and different is an error. */
static int lesson_expr__same_kind(struct lesson_expr__parser *p, int a, int b, size_t at,
                                  const char *what)
{
    int ka = p->e->nodes[a].kind, kb = p->e->nodes[b].kind;
    if (ka == LESSON__ANY || kb == LESSON__ANY || ka == kb)
        return ka == LESSON__ANY ? kb : ka;
    lesson__error(p->c, at, "%s %s with %s: both sides must measure the same thing",
                  what, lesson_expr__kind_name(ka), lesson_expr__kind_name(kb));
    return -2;
}

static int lesson_expr__product(struct lesson_expr__parser *p, int *out)
{
    struct lesson__cur *c = p->c;
    int a, b, r;
    if ((r = lesson_expr__unary(p, &a)) < 0)
        return r;
    while (!lesson__at_end(c) && (c->line[c->pos] == '*' || c->line[c->pos] == '/')) {
        size_t at = c->pos;
        enum lesson_expr__op op = c->line[c->pos] == '*' ? OP_MUL : OP_DIV;
        c->pos++;
        if ((r = lesson_expr__unary(p, &b)) < 0)
            return r;
        int n = lesson_expr__node(p, op, at);
        if (n < 0)
            return n;
        struct lesson_expr__node *nd = &p->e->nodes[n];
        int ka = p->e->nodes[a].kind, kb = p->e->nodes[b].kind;
        nd->a = a;
        nd->b = b;
        /* A figure scaled by a plain number keeps its kind; time / time and
         * the like become plain. */
        if (kb == LESSON__ANY)
            nd->kind = ka;
        else if (ka == LESSON__ANY && op == OP_MUL)
            nd->kind = kb;
        else
            nd->kind = LESSON__ANY;
        a = n;
    }
    *out = a;
    return 0;
}

static int lesson_expr__sum(struct lesson_expr__parser *p, int *out)
{
    struct lesson__cur *c = p->c;
    int a, b, r;
    if ((r = lesson_expr__product(p, &a)) < 0)
        return r;
    while (!lesson__at_end(c) && (c->line[c->pos] == '+' || c->line[c->pos] == '-')) {
        size_t at = c->pos;
        enum lesson_expr__op op = c->line[c->pos] == '+' ? OP_ADD : OP_SUB;
        c->pos++;
        if ((r = lesson_expr__product(p, &b)) < 0)
            return r;
        int kind = lesson_expr__same_kind(p, a, b, at, op == OP_ADD ? "adds" : "subtracts");
        if (kind == -2)
            return -EINVAL;
        int n = lesson_expr__node(p, op, at);
        if (n < 0)
            return n;
        p->e->nodes[n].a = a;
        p->e->nodes[n].b = b;
        p->e->nodes[n].kind = kind;
        a = n;
    }
    *out = a;
    return 0;
}

/* Reads a comparison operator at pos; its length, or 0. */
static size_t lesson_expr__cmp_op(const struct lesson__cur *c, enum lesson_expr__cmp *out)
{
    static const struct { const char *s; enum lesson_expr__cmp cmp; } ops[] = {
        { "<=", CMP_LE }, { ">=", CMP_GE }, { "==", CMP_EQ }, { "!=", CMP_NE },
        { "\xe2\x89\xa4", CMP_LE }, { "\xe2\x89\xa5", CMP_GE }, { "\xe2\x89\xa0", CMP_NE },
        { "<", CMP_LT }, { ">", CMP_GT },
    };
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        size_t l = strlen(ops[i].s);
        if (c->pos + l <= c->len && memcmp(c->line + c->pos, ops[i].s, l) == 0) {
            *out = ops[i].cmp;
            return l;
        }
    }
    return 0;
}

static bool lesson_expr__at_needs(const struct lesson__cur *c)
{
    return c->pos + 5 <= c->len && memcmp(c->line + c->pos, "needs", 5) == 0 &&
           (c->pos + 5 == c->len || c->line[c->pos + 5] == ' ' ||
            c->line[c->pos + 5] == '\t');
}

int lesson__expr_parse(struct lesson__cur *c, bool machine_only, struct lesson_expr **out)
{
    struct lesson_expr *e = xcalloc(1, sizeof(*e));
    struct lesson_expr__parser p = { .c = c, .e = e, .machine_only = machine_only };
    int r;
    size_t l;

    if (lesson__at_end(c)) {
        r = lesson__error(c, c->pos, "expected a comparison such as 'loop.cores <= 1.1'");
        goto out_free;
    }
    if ((r = lesson_expr__sum(&p, &e->lhs)) < 0)
        goto out_free;
    if (lesson__at_end(c) || (!machine_only && lesson_expr__at_needs(c))) {
        r = lesson__error(c, c->pos, "no comparison: add <, <=, >, >=, == or != and a "
                          "value to compare with");
        goto out_free;
    }
    size_t at = c->pos;
    if ((l = lesson_expr__cmp_op(c, &e->cmp)) == 0) {
        if (c->line[c->pos] == '=')
            r = lesson__error(c, c->pos, "'=' is not a comparison: write '=='");
        else
            r = lesson__error(c, c->pos, "unexpected '%.*s': expected an operator or a "
                              "comparison (<, <=, >, >=, ==, !=)",
                              (int)MAX((size_t)1, MIN(lesson__token_len(c), (size_t)20)),
                              c->line + c->pos);
        goto out_free;
    }
    c->pos += l;
    if ((r = lesson_expr__sum(&p, &e->rhs)) < 0)
        goto out_free;
    if (lesson_expr__same_kind(&p, e->lhs, e->rhs, at, "compares") == -2) {
        r = -EINVAL;
        goto out_free;
    }
    if (!lesson__at_end(c) && !(!machine_only && lesson_expr__at_needs(c))) {
        enum lesson_expr__cmp dummy;
        if (lesson_expr__cmp_op(c, &dummy))
            r = lesson__error(c, c->pos, "one comparison per expectation: write a second "
                              "'expect' line");
        else if (c->line[c->pos] == ')')
            r = lesson__error(c, c->pos, "')' without a matching '('");
        else
            r = lesson__error(c, c->pos, "unexpected '%.*s' after the comparison",
                              (int)MAX((size_t)1, MIN(lesson__token_len(c), (size_t)20)),
                              c->line + c->pos);
        goto out_free;
    }
    *out = e;
    return 0;

out_free:
    lesson_expr_free(e);
    return r;
}

int lesson_expr_parse(const char *text, bool machine_only, struct lesson_expr **out,
                      char *err, size_t errlen)
{
    size_t len = strlen(text);
    struct lesson__cur c = {
        .file = "expression", .line = text, .len = len, .lineno = 1,
        .err = err, .errlen = errlen,
    };
    if (memchr(text, '\n', len))
        return lesson__error(&c, (size_t)((const char *)memchr(text, '\n', len) - text),
                             "an expression is one line");
    struct lesson_expr *e;
    int r = lesson__expr_parse(&c, machine_only, &e);
    if (r < 0)
        return r;
    *out = e;
    return 0;
}

void lesson_expr_free(struct lesson_expr *e)
{
    if (e == NULL)
        return;
    free(e->nodes);
    free(e);
}

static int lesson_expr__value(const struct lesson_expr *e, int i, lesson_lookup_fn lookup,
                              void *ctx, double *out)
{
    const struct lesson_expr__node *nd = &e->nodes[i];
    double a, b;
    int r;
    switch (nd->op) {
    case OP_NUM:
        *out = nd->num;
        return 0;
    case OP_METRIC:
        if ((r = lookup(ctx, nd->model, nd->metric, &a)) < 0)
            return r;
        if (!isfinite(a))
            return -ERANGE;
        *out = a;
        return 0;
    case OP_NEG:
        if ((r = lesson_expr__value(e, nd->a, lookup, ctx, &a)) < 0)
            return r;
        *out = -a;
        return 0;
    default:
        break;
    }
    if ((r = lesson_expr__value(e, nd->a, lookup, ctx, &a)) < 0)
        return r;
    if ((r = lesson_expr__value(e, nd->b, lookup, ctx, &b)) < 0)
        return r;
    switch (nd->op) {
    case OP_ADD: *out = a + b; break;
    case OP_SUB: *out = a - b; break;
    case OP_MUL: *out = a * b; break;
    case OP_DIV:
        if (b == 0)
            return -EDOM;
        *out = a / b;
        break;
    default:
        return -EINVAL;
    }
    return isfinite(*out) ? 0 : -ERANGE;
}

int lesson_eval_sides(const struct lesson_expr *e, lesson_lookup_fn lookup, void *ctx,
                      double *out_lhs, double *out_rhs, bool *out_holds)
{
    double a, b;
    int r;
    if ((r = lesson_expr__value(e, e->lhs, lookup, ctx, &a)) < 0)
        return r;
    if ((r = lesson_expr__value(e, e->rhs, lookup, ctx, &b)) < 0)
        return r;
    bool holds;
    switch (e->cmp) {
    case CMP_LT: holds = a < b; break;
    case CMP_LE: holds = a <= b; break;
    case CMP_GT: holds = a > b; break;
    case CMP_GE: holds = a >= b; break;
    case CMP_EQ: holds = a == b; break;
    case CMP_NE: holds = a != b; break;
    default: return -EINVAL;
    }
    if (out_lhs)
        *out_lhs = a;
    if (out_rhs)
        *out_rhs = b;
    if (out_holds)
        *out_holds = holds;
    return 0;
}

int lesson_eval(const struct lesson_expr *e, lesson_lookup_fn lookup, void *ctx,
                double *out_value, bool *out_holds)
{
    return lesson_eval_sides(e, lookup, ctx, out_value, NULL, out_holds);
}

enum lesson_kind lesson_expr_kind(const struct lesson_expr *e)
{
    int k = e->nodes[e->lhs].kind;
    if (k == LESSON__ANY)
        k = e->nodes[e->rhs].kind;
    return k == LESSON__ANY ? LESSON_KIND_NUMBER : (enum lesson_kind)k;
}

const char *lesson_fmt_value(char *buf, size_t len, double v, enum lesson_kind kind)
{
    double a = fabs(v);
    switch (kind) {
    case LESSON_KIND_BYTES:
        if (v >= 0)
            return util_fmt_bytes(buf, len, v);
        snprintf(buf, len, "%.0f B", v);
        return buf;
    case LESSON_KIND_TIME:
        if (a == 0)
            snprintf(buf, len, "0 s");
        else if (a < 1e-6)
            snprintf(buf, len, "%.0f ns", v * 1e9);
        else if (a < 1e-3)
            snprintf(buf, len, "%.*f \xc2\xb5s", a < 1e-5 ? 2 : 1, v * 1e6);
        else if (a < 1)
            snprintf(buf, len, "%.*f ms", a < 1e-2 ? 2 : 1, v * 1e3);
        else
            snprintf(buf, len, "%.*f s", a < 10 ? 2 : 1, v);
        return buf;
    case LESSON_KIND_NUMBER:
    default:
        if (a >= 1e9)
            snprintf(buf, len, "%.2fG", v / 1e9);
        else if (a >= 1e6)
            snprintf(buf, len, "%.2fM", v / 1e6);
        else if (a >= 1e4)
            snprintf(buf, len, "%.1fk", v / 1e3);
        else if (a >= 100 || v == (double)(long)v)
            snprintf(buf, len, "%.0f", v);
        else
            snprintf(buf, len, "%.3g", v);
        return buf;
    }
}

void lesson_expr_metrics(const struct lesson_expr *e,
                         void (*fn)(void *ctx, enum lesson_model, enum lesson_metric),
                         void *ctx)
{
    for (int i = 0; i < e->n; i++)
        if (e->nodes[i].op == OP_METRIC)
            fn(ctx, e->nodes[i].model, e->nodes[i].metric);
}
