/*
 * Reading values: which symbols a subcommand shows (counters and integer DPCPU, zpcpu
 * and registered objects, filtered by name globs) and what each is (counter, gauge or
 * untyped), which CPUs get a column, and one sample of their totals and per-CPU values
 * through kvm_sym_total() and kvm_sym_cpu(). A watch selects again on every sample, so
 * a symbol registered after the start appears.
 */
#ifndef PCPU_TOOL_SAMPLE_H
#define PCPU_TOOL_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

struct selection {
	struct kvm_sym *syms; /* copies of the target's */
	int *types;	      /* per symbol, KVM_METRIC_* (kvm_sym_meta): a counter only
				 grows (a rate, EVENTS/s), a gauge goes up and down (no
				 rate), an untyped one may be either (a rate) */
	size_t nsyms;
	unsigned int *cpus; /* per-CPU columns: the CPUs present in the domain */
	size_t ncpus;
	unsigned int maxcpu;
	bool percpu;	    /* read per-CPU values too */
	char *const *globs; /* none: every symbol */
	int nglobs;
	bool wait;	     /* a glob that matches nothing yet is not an error */
	bool judged;	     /* the globs were checked (at the first selection) */
	uint64_t generation; /* bumped whenever the selected symbols or their types change */
};

struct sample {
	double when;	      /* CLOCK_MONOTONIC seconds */
	struct kvm_sym *syms; /* the symbols sampled, for sample_find in a later one */
	size_t nsyms;
	uint64_t *total; /* per symbol; signed symbols in two's complement */
	uint64_t *cpu;	 /* [sym * ncpus + column] when percpu */
};

/*
 * Selects the symbols of t matching any of the globs (all when nglobs is 0; the selection
 * keeps globs) and the present CPUs. A glob that matches nothing is an error; for
 * selection_make_waiting (a watch) it is said once on stderr and the selection goes on.
 */
int selection_make(struct target *t, char *const *globs, int nglobs, bool percpu,
		   struct selection *sel);
int selection_make_waiting(struct target *t, char *const *globs, int nglobs, bool percpu,
			   struct selection *sel);
/* Reads t's symbols again (target_reread) and selects anew: CPUs stay. */
int selection_update(struct target *t, struct selection *sel);
void selection_free(struct selection *sel);

/* Whether a symbol is an integer a selection takes (and whose malformed description it
 * reports, at the first selection). */
bool sym_is_integer(const struct kvm_sym *s);
/* Whether a symbol has one value per CPU (a cpu="N" label, a -P column). */
bool sym_is_percpu(const struct kvm_sym *s);
bool sym_is_signed(const struct kvm_sym *s);
/* Whether the selected symbol i has a rate: every one but a gauge. */
bool selection_has_rate(const struct selection *sel, size_t i);

int sample_take(struct target *t, const struct selection *sel, struct sample *s);
void sample_free(struct sample *s);
/* The index in s of the symbol sampled as sym (name, kind and address), or SIZE_MAX;
 * hint is tried first (the same index when the selection did not change). */
size_t sample_find(const struct sample *s, const struct kvm_sym *sym, size_t hint);

/* Prints a value of the symbol's signedness into buf. */
void sample_format(const struct kvm_sym *s, uint64_t v, char *buf, size_t len);

/* Per-second rate between two samples of a value (signed difference for signed ones). */
double sample_rate(const struct kvm_sym *s, uint64_t prev, uint64_t cur, double seconds);

#endif
