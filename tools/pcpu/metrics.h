/*
 * From targets to exposition series, shared by `pcpu export` and `pcpu serve`: every
 * counter becomes a counter family, every integer DPCPU/zpcpu/registered object a gauge,
 * labelled with the domain path, writer pid and program (and cpu="N" per CPU).
 */
#ifndef PCPU_TOOL_METRICS_H
#define PCPU_TOOL_METRICS_H

#include <stdbool.h>

#include "expo.h"
#include "target.h"

struct metrics_opts {
	bool percpu;
	char *const *globs;
	int nglobs;
};

/*
 * Opens each target, adds its series and a pcpu_domain_up series (1, or 0 when the
 * target could not be read: its error line is printed). With keep NULL it closes each
 * again; else keep holds ntargets targets (zeroed before the first call) that stay open
 * between calls while their TARGET names the same file (target_reuse), so a restarted
 * program is picked up at the next call either way. Returns the number of targets that
 * failed, or -1 when out of memory.
 */
int metrics_collect(struct expo *e, char *const *targets, int ntargets,
		    const struct metrics_opts *o, struct target *keep);

#endif
