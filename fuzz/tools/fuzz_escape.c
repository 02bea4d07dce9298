/*
 * libFuzzer target for the escaping of pcpu(1)'s output writers: names and program
 * names come from other programs' domain files, so any bytes must give valid JSON and a
 * valid Prometheus exposition. Each input is used as a JSON key and string and as a
 * symbol name (metric family and label value); the outputs are checked by small strict
 * scanners of the two grammars and must be UTF-8 throughout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"
#include "json.h"
#include "text.h"

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void check_utf8(const char *s, size_t n)
{
	while (n > 0) {
		size_t len = text_utf8_len((const unsigned char *)s, n);

		CHECK(len > 0);
		s += len;
		n -= len;
	}
}

/* A JSON string literal at p; returns what follows it. */
static const char *json_literal(const char *p)
{
	CHECK(*p++ == '"');
	for (;;) {
		unsigned char c = (unsigned char)*p++;

		CHECK(c >= 0x20);
		if (c == '"')
			return p;
		if (c != '\\')
			continue;
		c = (unsigned char)*p++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, p++)
				CHECK(strchr("0123456789abcdefABCDEF", *p) && *p);
			continue;
		}
		CHECK(c && strchr("\"\\/bfnrt", c));
	}
}

static void check_json(const char *name)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct json j;
	const char *p;

	json_init(&j, f);
	json_open_object(&j);
	json_key(&j, name);
	json_string(&j, name);
	json_close_object(&j);
	json_end(&j);
	fclose(f);
	check_utf8(out, len);
	CHECK(out[0] == '{');
	p = json_literal(out + 1);
	CHECK(*p++ == ':');
	p = json_literal(p);
	CHECK(strcmp(p, "}\n") == 0);
	free(out);
}

static int name_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/* One sample line: family{symbol="..."} 1 */
static void check_sample(const char *line, const char *end)
{
	const char *p = line;

	CHECK(name_char(*p++, 1));
	while (name_char(*p, 0))
		p++;
	CHECK(strncmp(p, "{symbol=\"", 9) == 0);
	for (p += 9; *p != '"'; p++) {
		CHECK(p < end && *p != '\n');
		if (*p == '\\') {
			p++;
			CHECK(*p == '\\' || *p == '"' || *p == 'n');
		}
	}
	CHECK(strncmp(p, "\"} 1", 4) == 0 && p + 4 == end);
}

/* The exposition of one point named after name, with name as its help and label value:
 * HELP (newlines escaped), TYPE, the sample, and in OpenMetrics "# EOF". */
static void check_expo(const char *name, enum expo_type type, enum expo_format fmt)
{
	static const char eof[] = "# EOF\n";
	struct expo e = {0};
	struct expo_label l = {"symbol", name};
	char *family = expo_name("pcpu_", name, type, ""), *out = NULL;
	size_t len = 0, tail = fmt == EXPO_OPENMETRICS ? strlen(eof) : 0;
	FILE *f = open_memstream(&out, &len);

	CHECK(family);
	CHECK(expo_add(&e, &(struct expo_desc){family, type, "", name}, &l, 1, "1", 0) == 0);
	CHECK(expo_write(&e, fmt, f, NULL) == 0);
	fclose(f);
	check_utf8(out, len);
	CHECK(len > tail && strcmp(out + len - tail, eof + strlen(eof) - tail) == 0);
	len -= tail;
	char *help_end = strchr(out, '\n'),
	     *type_end = help_end ? strchr(help_end + 1, '\n') : NULL;

	CHECK(strncmp(out, "# HELP ", 7) == 0 && type_end);
	CHECK(strncmp(help_end + 1, "# TYPE ", 7) == 0);
	CHECK(out + len - 1 == strchr(type_end + 1, '\n'));
	check_sample(type_end + 1, out + len - 1);
	expo_free(&e);
	free(family);
	free(out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *name = malloc(size + 1);

	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0'; /* names are NUL-terminated in the file: stop at the first NUL */
	check_json(name);
	for (int fmt = EXPO_TEXT; fmt <= EXPO_OPENMETRICS; fmt++) {
		check_expo(name, EXPO_GAUGE, (enum expo_format)fmt);
		check_expo(name, EXPO_COUNTER, (enum expo_format)fmt);
	}
	free(name);
	return 0;
}
