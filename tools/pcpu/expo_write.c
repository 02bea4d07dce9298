/* Writing families in the text format 0.0.4 or in OpenMetrics 1.0.0. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

/* The sample name suffix of a counter or an info, which the family name lacks. */
static const char *family_suffix(enum expo_type t)
{
	return t == EXPO_COUNTER ? "_total" : t == EXPO_INFO ? "_info" : "";
}

static const char *type_name(enum expo_type t, enum expo_format fmt)
{
	switch (t) {
	case EXPO_COUNTER:
		return "counter";
	case EXPO_GAUGE:
		return "gauge";
	case EXPO_HISTOGRAM:
		return "histogram";
	case EXPO_INFO:
		return fmt == EXPO_OPENMETRICS ? "info" : "gauge";
	default:
		return fmt == EXPO_OPENMETRICS ? "unknown" : "untyped";
	}
}

/* Text 0.0.4 names a family by its samples' name (NAME_total); OpenMetrics by NAME, and
 * adds the unit and escapes '"' in HELP as it does in label values. */
static void header(FILE *f, const struct expo_family *fam, enum expo_format fmt)
{
	const char *sfx = fmt == EXPO_TEXT ? family_suffix(fam->type) : "";

	fprintf(f, "# HELP %s%s ", fam->name, sfx);
	expo_escape(f, fam->help, fmt == EXPO_OPENMETRICS);
	fprintf(f, "\n# TYPE %s%s %s\n", fam->name, sfx, type_name(fam->type, fmt));
	if (fmt == EXPO_OPENMETRICS && *fam->unit)
		fprintf(f, "# UNIT %s %s\n", fam->name, fam->unit);
}

/* NAME_SUFFIX{labels[,le="LE"]} */
static void sample(FILE *f, const char *name, const char *suffix, const char *labels,
		   const char *le)
{
	bool any = *labels || le;

	fprintf(f, "%s%s%s%s", name, suffix, any ? "{" : "", labels);
	if (le)
		fprintf(f, "%sle=\"%s\"", *labels ? "," : "", le);
	fputs(any ? "} " : " ", f);
}

static void created(FILE *f, const struct expo_family *fam, const struct expo_point *p,
		    enum expo_format fmt)
{
	char v[32];

	if (fmt != EXPO_OPENMETRICS || p->created <= 0)
		return;
	expo_double(p->created, v, sizeof(v));
	sample(f, fam->name, "_created", p->labels, NULL);
	fprintf(f, "%s\n", v);
}

static void histogram(FILE *f, const struct expo_family *fam, const struct expo_point *p)
{
	char le[32];

	for (size_t i = 0; i < p->nbounds; i++) {
		expo_double(p->le[i], le, sizeof(le));
		sample(f, fam->name, "_bucket", p->labels, le);
		fprintf(f, "%" PRIu64 "\n", p->cumul[i]);
	}
	sample(f, fam->name, "_bucket", p->labels, "+Inf");
	fprintf(f, "%" PRIu64 "\n", p->cumul[p->nbounds]);
	sample(f, fam->name, "_sum", p->labels, NULL);
	fprintf(f, "%s\n", p->value);
	sample(f, fam->name, "_count", p->labels, NULL);
	fprintf(f, "%" PRIu64 "\n", p->cumul[p->nbounds]);
}

static void point(FILE *f, const struct expo_family *fam, const struct expo_point *p,
		  enum expo_format fmt)
{
	if (fam->type == EXPO_HISTOGRAM) {
		histogram(f, fam, p);
	} else {
		sample(f, fam->name, family_suffix(fam->type), p->labels, NULL);
		fprintf(f, "%s\n", p->value);
	}
	if (fam->type == EXPO_COUNTER || fam->type == EXPO_HISTOGRAM)
		created(f, fam, p, fmt);
}

static int by_name_labels(const void *a, const void *b, void *arg)
{
	const struct expo *e = arg;
	const struct expo_point *x = *(struct expo_point *const *)a,
				*y = *(struct expo_point *const *)b;
	int c = strcmp(e->fam[x->fam].name, e->fam[y->fam].name);

	if (c == 0)
		c = strcmp(x->labels, y->labels);
	return c != 0 ? c : x < y ? -1 : x > y; /* insertion order: the first one is kept */
}

/* The names a family writes besides its own: its samples' suffixes. */
static const char *const *written_suffixes(enum expo_type t)
{
	static const char *const counter[] = {"_total", "_created", NULL};
	static const char *const histogram[] = {"_bucket", "_sum", "_count", "_created", NULL};
	static const char *const info[] = {"_info", NULL};
	static const char *const none[] = {NULL};

	return t == EXPO_COUNTER     ? counter
	       : t == EXPO_HISTOGRAM ? histogram
	       : t == EXPO_INFO	     ? info
				     : none;
}

struct written {
	char *name;
	size_t fam;
};

static int by_written_name(const void *a, const void *b)
{
	return strcmp(((const struct written *)a)->name, ((const struct written *)b)->name);
}

/* Every name the families write, sorted: *n of them. NULL when out of memory. */
static struct written *written_names(const struct expo *e, size_t *n)
{
	struct written *w = malloc((5 * e->nfam + 1) * sizeof(*w));

	*n = 0;
	for (size_t i = 0; w && i < e->nfam; i++) {
		const char *const *sfx = written_suffixes(e->fam[i].type);

		w[(*n)++] = (struct written){strdup(e->fam[i].name), i};
		for (; *sfx; sfx++) {
			char *name = malloc(strlen(e->fam[i].name) + strlen(*sfx) + 1);

			w[(*n)++] = (struct written){name, i};
			if (name)
				strcat(strcpy(name, e->fam[i].name), *sfx);
		}
	}
	for (size_t i = 0; w && i < *n; i++)
		if (!w[i].name) {
			while (*n > 0)
				free(w[--*n].name);
			free(w);
			return NULL;
		}
	if (w)
		qsort(w, *n, sizeof(*w), by_written_name);
	return w;
}

/* Appends "_value" to a family's name. 0, or -1 when out of memory. */
static int rename_value(struct expo_family *fam)
{
	char *name = realloc(fam->name, strlen(fam->name) + sizeof("_value"));

	if (!name)
		return -1;
	fam->name = strcat(name, "_value");
	return 0;
}

/*
 * OpenMetrics forbids a name that two families write: a gauge "lat_count" beside the
 * histogram "lat", a histogram "lat_sum" beside it, a gauge "req_created" beside the
 * counter "req" (python3-prometheus-client refuses each with "Clashing name"). Of the
 * two, the family with the longer name (the one that is the other's name with a suffix)
 * gets "_value", as expo_name() does for a gauge ending in "_total", in both formats, so
 * that a series has one name whatever the format. pcpu's own families take no part:
 * expo_name() keeps programs' names off them. A rename can clash again only with a name
 * that already ends in "_value" and a suffix, so a few rounds settle any real set.
 * 0, or -1 when out of memory.
 */
static int settle_names(struct expo *e)
{
	for (int round = 0; round < 4; round++) {
		size_t n, renamed = 0;
		struct written *w = written_names(e, &n);
		bool *moved = calloc(e->nfam ? e->nfam : 1, sizeof(*moved));
		int rc = w && moved ? 0 : -1;

		for (size_t i = 1; rc == 0 && i < n; i++) {
			size_t a = w[i - 1].fam, b = w[i].fam, loser;

			if (a == b || strcmp(w[i - 1].name, w[i].name) != 0)
				continue;
			loser = strlen(e->fam[a].name) > strlen(e->fam[b].name) ? a : b;
			if (moved[loser])
				continue;
			rc = rename_value(&e->fam[loser]);
			moved[loser] = true;
			renamed++;
		}
		while (w && n > 0)
			free(w[--n].name);
		free(w);
		free(moved);
		if (rc != 0 || renamed == 0)
			return rc;
	}
	return 0;
}

int expo_write(struct expo *e, enum expo_format fmt, FILE *f, size_t *dups)
{
	struct expo_point **v = malloc((e->npt ? e->npt : 1) * sizeof(*v));
	const struct expo_point *prev = NULL;
	size_t ndups = 0;

	if (!v || settle_names(e) != 0) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < e->npt; i++)
		v[i] = &e->pt[i];
	qsort_r(v, e->npt, sizeof(*v), by_name_labels, e);
	for (size_t i = 0; i < e->npt; i++) {
		const struct expo_family *fam = &e->fam[v[i]->fam];

		if (prev && prev->fam == v[i]->fam && strcmp(prev->labels, v[i]->labels) == 0) {
			ndups++;
			continue;
		}
		if (!prev || prev->fam != v[i]->fam)
			header(f, fam, fmt);
		point(f, fam, v[i], fmt);
		prev = v[i];
	}
	if (fmt == EXPO_OPENMETRICS)
		fputs("# EOF\n", f);
	free(v);
	if (dups)
		*dups = ndups;
	return 0;
}
