/*
 * Reading values: which symbols a subcommand shows (counters and integer DPCPU, zpcpu
 * and registered objects, filtered by name globs), which CPUs get a column, and one
 * sample of their totals and per-CPU values through kvm_sym_total() and
 * kvm_read_zpcpu().
 */
#ifndef PCPU_TOOL_SAMPLE_H
#define PCPU_TOOL_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

struct selection {
	struct kvm_sym *syms; /* copies of the target's */
	size_t nsyms;
	unsigned int *cpus; /* per-CPU columns: the CPUs present in the domain */
	size_t ncpus;
	unsigned int maxcpu;
	bool percpu; /* read per-CPU values too */
};

struct sample {
	double when;	 /* CLOCK_MONOTONIC seconds */
	uint64_t *total; /* per symbol; signed symbols in two's complement */
	uint64_t *cpu;	 /* [sym * ncpus + column] when percpu */
};

/* Selects the symbols matching any of the globs (all when nglobs is 0). */
int selection_make(struct target *t, char *const *globs, int nglobs, bool percpu,
		   struct selection *sel);
void selection_free(struct selection *sel);

/* Whether a symbol has one value per CPU (a cpu="N" label, a -P column). */
bool sym_is_percpu(const struct kvm_sym *s);
bool sym_is_signed(const struct kvm_sym *s);

int sample_take(struct target *t, const struct selection *sel, struct sample *s);
void sample_free(struct sample *s);

/* Prints a value of the symbol's signedness into buf. */
void sample_format(const struct kvm_sym *s, uint64_t v, char *buf, size_t len);

/* Per-second rate between two samples of a value (signed difference for signed ones). */
double sample_rate(const struct kvm_sym *s, uint64_t prev, uint64_t cur, double seconds);

#endif
