#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/jsonr.h"
#include "util.h"

struct jsonr__p {
    const char *s, *end, *line_start;
    int   line;
    char *err;
    size_t errlen;
    bool  failed;
};

static int jsonr__fail(struct jsonr__p *p, const char *msg)
{
    if (!p->failed) {
        p->failed = true;
        snprintf(p->err, p->errlen, "%d:%d: %s", p->line, (int)(p->s - p->line_start) + 1, msg);
    }
    return -EINVAL;
}

static void jsonr__ws(struct jsonr__p *p)
{
    while (p->s < p->end) {
        char c = *p->s;
        if (c == '\n') {
            p->line++;
            p->line_start = p->s + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            break;
        }
        p->s++;
    }
}

static bool jsonr__lit(struct jsonr__p *p, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(p->end - p->s) >= n && memcmp(p->s, lit, n) == 0) {
        p->s += n;
        return true;
    }
    return false;
}

static int jsonr__hex4(struct jsonr__p *p, unsigned *out)
{
    if (p->end - p->s < 4)
        return jsonr__fail(p, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *p->s++;
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return jsonr__fail(p, "bad hex digit in \\u escape");
    }
    *out = v;
    return 0;
}

static size_t jsonr__utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* p->s is just past the opening quote. */
static int jsonr__string(struct jsonr__p *p, char **out)
{
    /* The decoded string is never longer than its source. */
    const char *q = p->s;
    while (q < p->end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
    }
    if (q >= p->end)
        return jsonr__fail(p, "unterminated string");
    char *buf = xmalloc((size_t)(q - p->s) + 4), *o = buf;
    while (*p->s != '"') {
        unsigned char c = (unsigned char)*p->s++;
        if (c < 0x20) {
            free(buf);
            return jsonr__fail(p, "control character in string");
        }
        if (c != '\\') {
            if (c != 0)
                *o++ = (char)c;
            continue;
        }
        char e = *p->s++;
        unsigned cp;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            if (jsonr__hex4(p, &cp) < 0) {
                free(buf);
                return -EINVAL;
            }
            if (cp >= 0xd800 && cp < 0xdc00 && p->end - p->s >= 6 && p->s[0] == '\\' &&
                p->s[1] == 'u') {
                unsigned lo;
                p->s += 2;
                if (jsonr__hex4(p, &lo) < 0) {
                    free(buf);
                    return -EINVAL;
                }
                if (lo >= 0xdc00 && lo < 0xe000)
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                else
                    cp = 0xfffd;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd;
            }
            if (cp != 0)
                o += jsonr__utf8(o, cp);
            break;
        default:
            free(buf);
            p->s -= 2;          /* point at the backslash */
            return jsonr__fail(p, "unknown escape in string");
        }
    }
    p->s++;
    *o = '\0';
    *out = buf;
    return 0;
}

static int jsonr__value(struct jsonr__p *p, struct jsonr *v, int depth);

static int jsonr__container(struct jsonr__p *p, struct jsonr *v, int depth, bool obj)
{
    size_t cap = 0;
    char close = obj ? '}' : ']';
    v->type = obj ? JSONR_OBJ : JSONR_ARR;
    jsonr__ws(p);
    if (p->s < p->end && *p->s == close) {
        p->s++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            v->kids = xreallocarray(v->kids, cap, sizeof(*v->kids));
            if (obj)
                v->keys = xreallocarray(v->keys, cap, sizeof(*v->keys));
        }
        jsonr__ws(p);
        if (obj) {
            if (p->s >= p->end || *p->s != '"')
                return jsonr__fail(p, "expected a quoted key");
            p->s++;
            if (jsonr__string(p, &v->keys[v->n]) < 0)
                return -EINVAL;
            jsonr__ws(p);
            if (p->s >= p->end || *p->s != ':') {
                free(v->keys[v->n]);
                return jsonr__fail(p, "expected ':' after key");
            }
            p->s++;
        }
        memset(&v->kids[v->n], 0, sizeof(v->kids[0]));
        int r = jsonr__value(p, &v->kids[v->n], depth + 1);
        v->n++;             /* even on failure, so jsonr_free frees the part built */
        if (r < 0)
            return r;
        jsonr__ws(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            continue;
        }
        if (p->s < p->end && *p->s == close) {
            p->s++;
            return 0;
        }
        return jsonr__fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int jsonr__number(struct jsonr__p *p, struct jsonr *v)
{
    const char *q = p->s;
    if (q < p->end && *q == '-')
        q++;
    if (q >= p->end || !(*q >= '0' && *q <= '9'))
        return jsonr__fail(p, "unexpected character");
    while (q < p->end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
                          *q == '+' || *q == '-'))
        q++;
    char tmp[64];
    size_t n = (size_t)(q - p->s);
    if (n >= sizeof(tmp))
        return jsonr__fail(p, "number too long");
    memcpy(tmp, p->s, n);
    tmp[n] = '\0';
    char *end;
    double d = strtod(tmp, &end);
    if (*end != '\0' || !isfinite(d))
        return jsonr__fail(p, "bad number");
    v->type = JSONR_NUM;
    v->num = d;
    p->s = q;
    return 0;
}

static int jsonr__value(struct jsonr__p *p, struct jsonr *v, int depth)
{
    if (depth > JSONR_MAX_DEPTH)
        return jsonr__fail(p, "nested too deeply");
    jsonr__ws(p);
    if (p->s >= p->end)
        return jsonr__fail(p, "unexpected end of input");
    v->line = p->line;
    v->col = (int)(p->s - p->line_start) + 1;
    switch (*p->s) {
    case '{':
        p->s++;
        return jsonr__container(p, v, depth, true);
    case '[':
        p->s++;
        return jsonr__container(p, v, depth, false);
    case '"':
        p->s++;
        v->type = JSONR_STR;
        return jsonr__string(p, &v->str);
    case 't':
    case 'f':
    case 'n':
        if (jsonr__lit(p, "true")) { v->type = JSONR_BOOL; v->b = true; return 0; }
        if (jsonr__lit(p, "false")) { v->type = JSONR_BOOL; v->b = false; return 0; }
        if (jsonr__lit(p, "null")) { v->type = JSONR_NULL; return 0; }
        return jsonr__fail(p, "unknown literal");
    default:
        return jsonr__number(p, v);
    }
}

int jsonr_parse(const char *text, size_t len, struct jsonr *out, char *err, size_t errlen)
{
    struct jsonr__p p = { .s = text, .end = text + len, .line_start = text, .line = 1,
                          .err = err, .errlen = errlen };
    memset(out, 0, sizeof(*out));
    int r = jsonr__value(&p, out, 0);
    if (r == 0) {
        jsonr__ws(&p);
        if (p.s != p.end)
            r = jsonr__fail(&p, "text after the value");
    }
    if (r < 0) {
        jsonr_free(out);
        memset(out, 0, sizeof(*out));
    }
    return r;
}

void jsonr_free(struct jsonr *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++) {
        jsonr_free(&v->kids[i]);
        if (v->type == JSONR_OBJ)
            free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->str);
    v->kids = NULL;
    v->keys = NULL;
    v->str = NULL;
    v->n = 0;
}

const struct jsonr *jsonr_get(const struct jsonr *obj, const char *key)
{
    if (obj == NULL || obj->type != JSONR_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->kids[i];
    return NULL;
}

double jsonr_num(const struct jsonr *obj, const char *key, double dflt)
{
    const struct jsonr *v = jsonr_get(obj, key);
    return v != NULL && v->type == JSONR_NUM ? v->num : dflt;
}

const char *jsonr_str(const struct jsonr *obj, const char *key)
{
    const struct jsonr *v = jsonr_get(obj, key);
    return v != NULL && v->type == JSONR_STR ? v->str : NULL;
}
