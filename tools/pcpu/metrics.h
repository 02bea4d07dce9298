/*
 * From targets to exposition series, shared by `pcpu export` and `pcpu serve`: every
 * counter becomes a counter family, every integer DPCPU/zpcpu/registered object a gauge,
 * labelled with the domain path, writer pid and program (and cpu="N" per CPU).
 */
#ifndef PCPU_TOOL_METRICS_H
#define PCPU_TOOL_METRICS_H

#include <stdbool.h>

#include "expo.h"

struct metrics_opts {
	bool percpu;
	char *const *globs;
	int nglobs;
};

/*
 * Opens each target, adds its series and a pcpu_domain_up series (1, or 0 when the
 * target could not be read: its error line is printed) and closes it again, so that a
 * restarted program is picked up at the next call. Returns the number of targets that
 * failed, or -1 when out of memory.
 */
int metrics_collect(struct expo *e, char *const *targets, int ntargets,
		    const struct metrics_opts *o);

#endif
