/* The Prometheus text exposition writer. */
#include "expo.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

char *expo_family(const char *symbol, int counter)
{
	static const char total[] = "_total";
	size_t n = strlen(symbol), t = sizeof(total) - 1;
	char *f = malloc(n + 32);
	char *p;

	if (!f)
		return NULL;
	p = stpcpy(f, "pcpu_");
	for (const char *s = symbol; *s; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == ':';

		*p++ = ok ? c : '_';
	}
	*p = '\0';
	n = (size_t)(p - f);
	if (!counter && (strcmp(f, EXPO_FAMILY_UP) == 0 || strcmp(f, EXPO_FAMILY_INFO) == 0))
		strcpy(p, "_value");
	else if (n >= t && strcmp(f + n - t, total) == 0)
		strcpy(p, counter ? "" : "_value");
	else if (counter)
		strcpy(p, total);
	return f;
}

/* Writes s with the given characters escaped: '\\' and '\n' always, '"' in label
 * values. Invalid UTF-8 becomes U+FFFD: the format is UTF-8 text. */
static void escaped(FILE *f, const char *str, int quote)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	while (n > 0) {
		size_t len = text_utf8_len(s, n);

		if (len == 0) {
			fputs(TEXT_REPLACEMENT, f);
			len = 1;
		} else if (*s == '\\') {
			fputs("\\\\", f);
		} else if (*s == '\n') {
			fputs("\\n", f);
		} else if (*s == '"' && quote) {
			fputs("\\\"", f);
		} else {
			fwrite(s, 1, len, f);
		}
		s += len;
		n -= len;
	}
}

static char *format_labels(const struct expo_label *labels, size_t nlabels)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (nlabels > 0) {
		fputc('{', f);
		for (size_t i = 0; i < nlabels; i++) {
			fprintf(f, "%s%s=\"", i ? "," : "", labels[i].name);
			escaped(f, labels[i].value, 1);
			fputc('"', f);
		}
		fputc('}', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int expo_add(struct expo *e, const char *family, const char *type, const char *help,
	     const struct expo_label *labels, size_t nlabels, const char *value)
{
	struct expo_series *s;

	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct expo_series *v = realloc(e->v, cap * sizeof(*v));

		if (!v)
			return -1;
		e->v = v;
		e->cap = cap;
	}
	s = &e->v[e->n];
	memset(s, 0, sizeof(*s));
	s->family = strdup(family);
	s->help = strdup(help);
	s->labels = format_labels(labels, nlabels);
	s->type = type;
	s->order = e->n;
	snprintf(s->value, sizeof(s->value), "%s", value);
	if (!s->family || !s->help || !s->labels) {
		free(s->family);
		free(s->help);
		free(s->labels);
		return -1;
	}
	e->n++;
	return 0;
}

static int by_family(const void *a, const void *b)
{
	const struct expo_series *x = a, *y = b;
	int c = strcmp(x->family, y->family);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

void expo_write(struct expo *e, FILE *f)
{
	qsort(e->v, e->n, sizeof(*e->v), by_family);
	for (size_t i = 0; i < e->n; i++) {
		const struct expo_series *s = &e->v[i];

		if (i == 0 || strcmp(s->family, e->v[i - 1].family) != 0) {
			fprintf(f, "# HELP %s ", s->family);
			escaped(f, s->help, 0);
			fprintf(f, "\n# TYPE %s %s\n", s->family, s->type);
		}
		fprintf(f, "%s%s %s\n", s->family, s->labels, s->value);
	}
}

void expo_truncate(struct expo *e, size_t n)
{
	for (size_t i = n; i < e->n; i++) {
		free(e->v[i].family);
		free(e->v[i].help);
		free(e->v[i].labels);
	}
	if (n < e->n)
		e->n = n;
}

void expo_free(struct expo *e)
{
	expo_truncate(e, 0);
	free(e->v);
	memset(e, 0, sizeof(*e));
}
