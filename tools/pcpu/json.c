/* The streaming JSON writer. */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "text.h"

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

/* Writes the separator a new value needs at the current position. */
static void before_value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void open_container(struct json *j, char c)
{
	before_value(j);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_open_object(struct json *j)
{
	open_container(j, '{');
}

void json_close_object(struct json *j)
{
	close_container(j, '}');
}

void json_open_array(struct json *j)
{
	open_container(j, '[');
}

void json_close_array(struct json *j)
{
	close_container(j, ']');
}

static void quoted(struct json *j, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	fputc('"', j->f);
	while (n > 0) {
		size_t len = text_utf8_len(s, n);

		if (len == 0) {
			fputs(TEXT_REPLACEMENT, j->f);
			len = 1;
		} else if (*s == '"' || *s == '\\') {
			fprintf(j->f, "\\%c", *s);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(j->f, "\\u%04x", *s);
		} else {
			fwrite(s, 1, len, j->f);
		}
		s += len;
		n -= len;
	}
	fputc('"', j->f);
}

void json_key(struct json *j, const char *key)
{
	before_value(j);
	quoted(j, key);
	fputc(':', j->f);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	before_value(j);
	quoted(j, s);
}

void json_u64(struct json *j, uint64_t v)
{
	before_value(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
	before_value(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_double(struct json *j, double v)
{
	before_value(j);
	if (isfinite(v))
		fprintf(j->f, "%.15g", v);
	else
		fputs("null", j->f); /* JSON has no NaN or infinity */
}

void json_bool(struct json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	before_value(j);
	fputs("null", j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
	j->first[0] = true;
}
