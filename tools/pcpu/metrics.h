/*
 * From domains to exposition points, shared by `pcpu export` and `pcpu serve`. Every
 * series is identified by its domain's identity (label domain: the domain's name, or
 * its program's for a per-process domain; "USER/..." for another user's), never by pid
 * or path, so a restarted program continues its series; pid, path, program and state go
 * in one pcpu_domain_info per domain, and pcpu_domain_up says whether the domain was read
 * and is alive (1) or not (0: unreadable, or dead, whose frozen values are not exported).
 */
#ifndef PCPU_TOOL_METRICS_H
#define PCPU_TOOL_METRICS_H

#include <stdbool.h>

#include "expo.h"
#include "target.h"

struct metrics_opts {
	bool percpu;	/* one point per CPU, labelled cpu="N" */
	bool log_alive; /* a line for each domain read alive (serve logs changes) */
};

/* A TARGET kept open between collections (serve), with the identity it last had. */
struct metrics_slot {
	char *spec;
	struct target t;
	char id[KVM_DOMNAMELEN + 64];
	bool seen;  /* named by this collection */
	bool ok;    /* read by this collection */
	bool dup;   /* the file an earlier TARGET of this collection names */
	char *real; /* its realpath, when ok */
};

struct metrics_keep {
	struct metrics_slot *v;
	size_t n;
};

struct metrics_stats {
	size_t domains; /* read, alive, dead or snapshot */
	size_t failed;	/* could not be read (their error lines were printed) */
};

/*
 * Opens each of the nspecs TARGETs and adds its points, its pcpu_domain_info and its
 * pcpu_domain_up; a TARGET that resolves to a file an earlier one named adds nothing.
 * With keep NULL each is closed again; else keep holds the targets that stay open
 * between calls while their TARGET names the same file (target_reuse), and forgets those
 * not named any more. Returns 0, or -1 when out of memory (e is then partial).
 */
int metrics_collect(struct expo *e, char *const *specs, size_t nspecs, const struct metrics_opts *o,
		    struct metrics_keep *keep, struct metrics_stats *st);
void metrics_keep_free(struct metrics_keep *keep);

#endif
