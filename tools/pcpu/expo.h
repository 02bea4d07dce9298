/*
 * The Prometheus text exposition format 0.0.4: series are collected, grouped by metric
 * family (one HELP and one TYPE line each, as the format requires even when several
 * targets contribute) and written with escaped HELP text and label values.
 */
#ifndef PCPU_TOOL_EXPO_H
#define PCPU_TOOL_EXPO_H

#include <stddef.h>
#include <stdio.h>

struct expo_series {
	char *family;
	const char *type; /* "counter" or "gauge" */
	char *help;
	char *labels; /* {k="v",...}, escaped */
	char value[32];
	size_t order; /* insertion order: series of a family keep it */
};

struct expo {
	struct expo_series *v;
	size_t n, cap;
};

/* Label pairs for expo_add: names must be valid label names, values any string. */
struct expo_label {
	const char *name;
	const char *value;
};

/* Families that describe the targets themselves; no symbol family takes their names. */
#define EXPO_FAMILY_UP "pcpu_domain_up"
#define EXPO_FAMILY_INFO "pcpu_domain_info"

/* A metric family name: "pcpu_" and the symbol name with every character outside
 * [a-zA-Z0-9_:] replaced by '_', then "_total" for counters. Gauges never end in
 * "_total" (a "_value" is appended), so a gauge and a counter never share a family; nor
 * does a symbol share one with EXPO_FAMILY_UP or EXPO_FAMILY_INFO. Caller frees. */
char *expo_family(const char *symbol, int counter);

/* Adds one series; returns -1 when out of memory. */
int expo_add(struct expo *e, const char *family, const char *type, const char *help,
	     const struct expo_label *labels, size_t nlabels, const char *value);

/* Drops the series added after the first n (a target that failed half-way). */
void expo_truncate(struct expo *e, size_t n);

/* Writes every family, then frees nothing (call expo_free). */
void expo_write(struct expo *e, FILE *f);
void expo_free(struct expo *e);

#endif
