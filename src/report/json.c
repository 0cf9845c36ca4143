#include "config.h"

#include <inttypes.h>
#include <math.h>

#include "report/json.h"

void json_init(struct json *j, FILE *f, bool pretty)
{
    j->f = f;
    j->depth = 0;
    j->first[0] = true;
    j->after_key = false;
    j->pretty = pretty;
}

static void json__indent(struct json *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Before any value: the comma and indentation that its position needs. */
static void json__value(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (!j->first[j->depth])
            fputc(',', j->f);
        json__indent(j);
    }
    j->first[j->depth] = false;
}

static void json__open(struct json *j, char c)
{
    json__value(j);
    fputc(c, j->f);
    if (j->depth + 1 < JSON_MAX_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
}

static void json__close(struct json *j, char c)
{
    bool empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        json__indent(j);
    fputc(c, j->f);
    if (j->depth == 0 && j->pretty)
        fputc('\n', j->f);
}

void json_object_begin(struct json *j) { json__open(j, '{'); }
void json_object_end(struct json *j) { json__close(j, '}'); }
void json_array_begin(struct json *j) { json__open(j, '['); }
void json_array_end(struct json *j) { json__close(j, ']'); }

static void json__string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
    json__value(j);
    json__string(j->f, key);
    fputs(j->pretty ? ": " : ":", j->f);
    j->after_key = true;
}

void json_str(struct json *j, const char *s)
{
    json__value(j);
    if (s == NULL)
        fputs("null", j->f);
    else
        json__string(j->f, s);
}

void json_num(struct json *j, double v)
{
    json__value(j);
    if (!isfinite(v))
        fputs("null", j->f);
    else if (v == (double)(int64_t)v && fabs(v) < 1e15)
        fprintf(j->f, "%" PRId64, (int64_t)v);
    else
        fprintf(j->f, "%.6g", v);
}

void json_int(struct json *j, int64_t v)
{
    json__value(j);
    fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json *j, uint64_t v)
{
    json__value(j);
    fprintf(j->f, "%" PRIu64, v);
}

void json_bool(struct json *j, bool v)
{
    json__value(j);
    fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
    json__value(j);
    fputs("null", j->f);
}

void json_kv_str(struct json *j, const char *key, const char *s) { json_key(j, key); json_str(j, s); }
void json_kv_num(struct json *j, const char *key, double v) { json_key(j, key); json_num(j, v); }
void json_kv_int(struct json *j, const char *key, int64_t v) { json_key(j, key); json_int(j, v); }
void json_kv_uint(struct json *j, const char *key, uint64_t v) { json_key(j, key); json_uint(j, v); }
void json_kv_bool(struct json *j, const char *key, bool v) { json_key(j, key); json_bool(j, v); }
