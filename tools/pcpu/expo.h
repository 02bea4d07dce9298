/*
 * The exposition writer: points (one value, or one histogram, with a label set) are
 * collected into metric families, each with one type, unit and help, and written either
 * in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.0. A family is written once
 * with all its points together, as both formats require even when several domains
 * contribute to it.
 */
#ifndef PCPU_TOOL_EXPO_H
#define PCPU_TOOL_EXPO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum expo_type {
	EXPO_UNTYPED, /* OpenMetrics "unknown" */
	EXPO_COUNTER,
	EXPO_GAUGE,
	EXPO_HISTOGRAM,
	EXPO_INFO, /* text: a gauge named NAME_info */
};

enum expo_format {
	EXPO_TEXT,	  /* text/plain; version=0.0.4 */
	EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

#define EXPO_CONTENT_TYPE_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define EXPO_CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* What a family is. name is the OpenMetrics family name: a counter's without "_total",
 * an info's without "_info"; expo_name() makes one. */
struct expo_desc {
	const char *name;
	enum expo_type type;
	const char *unit; /* "" for none */
	const char *help;
};

/* Label pairs: names must be valid label names, values any string. */
struct expo_label {
	const char *name;
	const char *value;
};

/* A histogram point: finite upper bounds with cumulative counts, then +Inf (== count). */
struct expo_hist {
	size_t nbounds;
	const double *le;      /* nbounds, ascending */
	const uint64_t *cumul; /* nbounds + 1: the last is the count */
	const char *sum;
};

struct expo_family {
	char *name, *unit, *help;
	enum expo_type type;
};

struct expo_point {
	size_t fam;   /* index in expo.fam */
	char *labels; /* k="v",... escaped, without braces; "" for none */
	char *value;  /* the value; a histogram's sum */
	double created;
	size_t nbounds; /* histograms: */
	double *le;
	uint64_t *cumul;
};

struct expo {
	struct expo_family *fam;
	size_t nfam, capfam;
	struct expo_point *pt;
	size_t npt, cappt;
	size_t last; /* the family found last: points of one family come in runs */
};

/* Families that pcpu itself exports; expo_name() never makes a symbol's name one of them. */
#define EXPO_FAMILY_UP "pcpu_domain_up"
#define EXPO_FAMILY_INFO "pcpu_domain" /* info: pcpu_domain_info */
#define EXPO_FAMILY_PREFIX_SELF "pcpu_exporter_"

/*
 * A family name from a program's name: every character outside [a-zA-Z0-9_:] becomes '_'
 * (and a leading digit gets a '_' before it), "_UNIT" is appended when unit is not "" and
 * the name does not end in it; a counter loses a "_total" suffix (its samples get it
 * back), a family of another type ending in "_total" gets "_value", and a name that is
 * one of pcpu's own families gets "_value" too. prefix ("" for none) comes first.
 * Caller frees; NULL when out of memory.
 */
char *expo_name(const char *prefix, const char *name, enum expo_type type, const char *unit);

/*
 * Adds one point of family d with a value (an integer or expo_double's text). created is
 * the counter's creation time (seconds since the epoch, 0 for none), written as
 * NAME_created in OpenMetrics. Returns 0; 1 when the family already exists with another
 * type or unit (the point is not added: the caller says so); -1 when out of memory.
 */
int expo_add(struct expo *e, const struct expo_desc *d, const struct expo_label *labels,
	     size_t nlabels, const char *value, double created);
/* The same for a histogram point. */
int expo_add_hist(struct expo *e, const struct expo_desc *d, const struct expo_label *labels,
		  size_t nlabels, const struct expo_hist *h, double created);

/* Drops the points added after the first n (a domain that failed half-way). */
void expo_truncate(struct expo *e, size_t n);

/* The shortest text that reads back as v, with a ".0" when it would look like an
 * integer (OpenMetrics' canonical le="1.0"); buf of 32 bytes. */
void expo_double(double v, char *buf, size_t len);

/* Writes str with '\\', '\n' and (quote) '"' escaped, invalid UTF-8 as U+FFFD. */
void expo_escape(FILE *f, const char *str, int quote);

/*
 * Writes every family, sorted by name, its points sorted by labels; OpenMetrics ends in
 * "# EOF". A point whose family and labels repeat an earlier one is left out: *dups
 * (when not NULL) counts them. Returns 0, or -1 when out of memory (nothing written).
 */
int expo_write(struct expo *e, enum expo_format fmt, FILE *f, size_t *dups);
void expo_free(struct expo *e);

#endif
