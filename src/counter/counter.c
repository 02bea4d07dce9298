/*
 * counter(9). A counter is a two-granule zpcpu allocation marked as a counter: per CPU, a
 * value that only that CPU's critical sections add to, and an adjustment that only
 * atomic instructions write. The counter's total is the sum over CPUs of value minus
 * adjustment (modulo 2^64). Because no writer of one word ever writes the other, a plain
 * add in a section can never overwrite an atomic store: counter_u64_zero() and the adds
 * of threads or processes without rseq write the adjustment, so they are exact against
 * the sections of every process that shares the domain, with no fence.
 */
#include <pcpu/counter.h>
#include <pcpu/metric.h>
#include <pcpu/pcpu.h>

#include <errno.h>

#include "arch/percpu.h"
#include "domain/domain.h"

static int bad_flags(int flags)
{
	return ((flags & M_NOWAIT) != 0) == ((flags & M_WAITOK) != 0) ||
	       (flags & ~(M_NOWAIT | M_WAITOK | M_ZERO)) != 0;
}

counter_u64_t counter_u64_alloc(int flags)
{
	struct pcpu_domain *d;

	if (bad_flags(flags)) {
		errno = EINVAL;
		return NULL;
	}
	d = pcpu_domain_get();
	if (d == NULL)
		return NULL;
	return pcpu_arena_alloc(d, PCPU_COUNTER_SIZE, PCPU_SYM_COUNTER);
}

void counter_u64_free(counter_u64_t c)
{
	struct pcpu_domain *d = pcpu_domain_get();
	int err;

	if (c == NULL || d == NULL)
		return;
	err = pcpu_arena_free(d, c, PCPU_SYM_COUNTER);
	if (err != 0)
		errno = err;
}

/* Parenthesised: the header defines counter_u64_add() as a macro over this function. */
void(counter_u64_add)(counter_u64_t c, int64_t inc)
{
	if (!pcpu_percpu_add_cs(c, inc, 64))
		pcpu_percpu_sub_adj(c, PCPU_COUNTER_ADJ, (uint64_t)inc);
}

uint64_t counter_u64_fetch(counter_u64_t c)
{
	return pcpu_percpu_total(c, PCPU_COUNTER_ADJ);
}

void counter_u64_zero(counter_u64_t c)
{
	pcpu_percpu_zero(c, PCPU_COUNTER_ADJ);
}

counter_u64_t counter_u64_alloc_named(const char *name, int flags)
{
	return counter_u64_alloc_metric(name, NULL, flags);
}

counter_u64_t counter_u64_alloc_metric(const char *name, const struct pcpu_metric *m, int flags)
{
	struct pcpu_dom_meta meta;
	int err = bad_flags(flags) ? EINVAL : m != NULL ? pcpu_meta_build(&meta, m, NULL, 0) : 0;

	if (err != 0)
		return errno = err, NULL;
	return pcpu_named_alloc(name, PCPU_COUNTER_SIZE, sizeof(uint64_t), PCPU_SYM_COUNTER,
				PCPU_SYMF_INTEGER, m != NULL ? &meta : NULL);
}

/* Release: an adder in another thread that sees the new pointer sees the counter
 * initialised. */
int pcpu_counter_define_early(counter_u64_t *c, const char *name)
{
	counter_u64_t found = counter_u64_alloc_named(name, M_WAITOK);

	if (found == NULL)
		return -1;
	__atomic_store_n(c, found, __ATOMIC_RELEASE);
	return 0;
}
