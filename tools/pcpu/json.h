/*
 * A small streaming JSON writer: it places commas and colons, escapes strings (control
 * characters as \u00XX, invalid UTF-8 as U+FFFD) and writes numbers exactly.
 */
#ifndef PCPU_TOOL_JSON_H
#define PCPU_TOOL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
	bool after_key;
};

void json_init(struct json *j, FILE *f);
void json_open_object(struct json *j);
void json_close_object(struct json *j);
void json_open_array(struct json *j);
void json_close_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Ends a top-level document with a newline (one document per line with -w). */
void json_end(struct json *j);

#endif
