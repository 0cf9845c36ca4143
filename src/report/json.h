/*
 * json.h — a small streaming JSON writer. It keeps the nesting state itself,
 * so callers never place a comma by hand; numbers that are not finite are
 * written as null (JSON has no NaN), so "no data" stays distinguishable
 * from 0.
 */
#ifndef SW_JSON_H
#define SW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
    FILE *f;
    int   depth;
    bool  first[JSON_MAX_DEPTH];   /* nothing written yet at this level */
    bool  after_key;               /* a key was written; its value comes next */
    bool  pretty;
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_num(struct json *j, double v);           /* %.6g; null if not finite */
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value in one call */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_num(struct json *j, const char *key, double v);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

#endif
