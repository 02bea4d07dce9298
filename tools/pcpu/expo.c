/* Collecting exposition points into families. */
#include "expo.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool is_own_family(const char *name)
{
	return strcmp(name, EXPO_FAMILY_UP) == 0 || strcmp(name, EXPO_FAMILY_INFO) == 0 ||
	       strcmp(name, EXPO_FAMILY_INFO "_info") == 0 ||
	       strncmp(name, EXPO_FAMILY_PREFIX_SELF, strlen(EXPO_FAMILY_PREFIX_SELF)) == 0;
}

char *expo_name(const char *prefix, const char *name, enum expo_type type, const char *unit)
{
	size_t n = strlen(prefix) + strlen(name) + strlen(unit) + 16;
	char *f = malloc(n), *p;

	if (!f)
		return NULL;
	p = stpcpy(f, prefix);
	if (!*prefix && *name >= '0' && *name <= '9')
		*p++ = '_';
	for (const char *s = name; *s; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == ':';

		*p++ = ok ? c : '_';
	}
	*p = '\0';
	if (type == EXPO_COUNTER && ends_with(f, "_total"))
		f[strlen(f) - strlen("_total")] = '\0';
	if (*unit) {
		char suffix[40];

		snprintf(suffix, sizeof(suffix), "_%s", unit);
		if (!ends_with(f, suffix))
			strcat(f, suffix);
	}
	if ((type != EXPO_COUNTER && ends_with(f, "_total")) || is_own_family(f))
		strcat(f, "_value");
	return f;
}

/* Writes s with '\\', '\n' and (quote) '"' escaped. Invalid UTF-8 becomes U+FFFD: both
 * formats are UTF-8 text. */
void expo_escape(FILE *f, const char *str, int quote)
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
	for (size_t i = 0; i < nlabels; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", labels[i].name);
		expo_escape(f, labels[i].value, 1);
		fputc('"', f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The index of d's family, added when new; -1 when out of memory, -2 on a conflict. */
static long family(struct expo *e, const struct expo_desc *d)
{
	struct expo_family *f;
	size_t i = e->last;

	if (i >= e->nfam || strcmp(e->fam[i].name, d->name) != 0)
		for (i = 0; i < e->nfam && strcmp(e->fam[i].name, d->name) != 0; i++)
			;
	if (i < e->nfam) {
		e->last = i;
		f = &e->fam[i];
		return f->type == d->type && strcmp(f->unit, d->unit) == 0 ? (long)i : -2;
	}
	if (e->nfam == e->capfam) {
		size_t cap = e->capfam ? 2 * e->capfam : 32;
		struct expo_family *v = realloc(e->fam, cap * sizeof(*v));

		if (!v)
			return -1;
		e->fam = v;
		e->capfam = cap;
	}
	f = &e->fam[e->nfam];
	*f = (struct expo_family){.name = strdup(d->name),
				  .unit = strdup(d->unit),
				  .help = strdup(d->help),
				  .type = d->type};
	if (!f->name || !f->unit || !f->help) {
		free(f->name);
		free(f->unit);
		free(f->help);
		return -1;
	}
	e->last = e->nfam;
	return (long)e->nfam++;
}

static struct expo_point *new_point(struct expo *e, const struct expo_desc *d,
				    const struct expo_label *labels, size_t nlabels,
				    const char *value, double created, int *rc)
{
	long fam = family(e, d);
	struct expo_point *p;

	*rc = fam == -2 ? 1 : -1;
	if (fam < 0)
		return NULL;
	if (e->npt == e->cappt) {
		size_t cap = e->cappt ? 2 * e->cappt : 64;
		struct expo_point *v = realloc(e->pt, cap * sizeof(*v));

		if (!v)
			return NULL;
		e->pt = v;
		e->cappt = cap;
	}
	p = &e->pt[e->npt];
	*p = (struct expo_point){.fam = (size_t)fam,
				 .labels = format_labels(labels, nlabels),
				 .value = strdup(value),
				 .created = created};
	if (!p->labels || !p->value) {
		free(p->labels);
		free(p->value);
		return NULL;
	}
	*rc = 0;
	e->npt++;
	return p;
}

int expo_add(struct expo *e, const struct expo_desc *d, const struct expo_label *labels,
	     size_t nlabels, const char *value, double created)
{
	int rc;

	new_point(e, d, labels, nlabels, value, created, &rc);
	return rc;
}

int expo_add_hist(struct expo *e, const struct expo_desc *d, const struct expo_label *labels,
		  size_t nlabels, const struct expo_hist *h, double created)
{
	int rc;
	struct expo_point *p = new_point(e, d, labels, nlabels, h->sum, created, &rc);

	if (!p)
		return rc;
	p->nbounds = h->nbounds;
	p->le = malloc((h->nbounds ? h->nbounds : 1) * sizeof(*p->le));
	p->cumul = malloc((h->nbounds + 1) * sizeof(*p->cumul));
	if (!p->le || !p->cumul) {
		expo_truncate(e, e->npt - 1);
		return -1;
	}
	memcpy(p->le, h->le, h->nbounds * sizeof(*p->le));
	memcpy(p->cumul, h->cumul, (h->nbounds + 1) * sizeof(*p->cumul));
	return 0;
}

void expo_double(double v, char *buf, size_t len)
{
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (strpbrk(buf, ".e") == NULL && strlen(buf) + 3 <= len)
		strcat(buf, ".0");
}

void expo_truncate(struct expo *e, size_t n)
{
	for (size_t i = n; i < e->npt; i++) {
		free(e->pt[i].labels);
		free(e->pt[i].value);
		free(e->pt[i].le);
		free(e->pt[i].cumul);
	}
	if (n < e->npt)
		e->npt = n;
}

void expo_free(struct expo *e)
{
	expo_truncate(e, 0);
	for (size_t i = 0; i < e->nfam; i++) {
		free(e->fam[i].name);
		free(e->fam[i].unit);
		free(e->fam[i].help);
	}
	free(e->fam);
	free(e->pt);
	memset(e, 0, sizeof(*e));
}
