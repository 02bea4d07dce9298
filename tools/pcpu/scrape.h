/*
 * One reading of serve's domains into a response body (a shared_take_fn, shared.h): the
 * named TARGETs, or every domain the caller may read (domdir_discover, again at every
 * reading), plus serve's own metrics, rendered in the text format; the OpenMetrics
 * rendering and the gzip of either are kept with the body, made at the first scrape
 * that asks for them. Lines that every reading would repeat are logged once
 * (logonce.h).
 */
#ifndef PCPU_TOOL_SCRAPE_H
#define PCPU_TOOL_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo.h"
#include "metrics.h"
#include "shared.h"

struct scrape {
	char **targets; /* NULL: every domain */
	size_t ntargets;
	struct metrics_opts opts;
	struct metrics_keep keep;
	double started;	 /* CLOCK_REALTIME seconds at start: the counters' _created */
	uint64_t errors; /* domains that could not be read, over all readings */
};

shared_take_fn scrape_take;

/* The body's rendering in fmt, gzipped or not: 0, or -1 when out of memory. */
int scrape_variant(struct shared_body *b, enum expo_format fmt, bool gzip, const char **data,
		   size_t *len);

void scrape_free(struct scrape *s);

#endif
