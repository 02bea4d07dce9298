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

static uint64_t *adjustment(counter_u64_t c, unsigned int cpu)
{
	return (uint64_t *)pcpu_percpu_slot(c, cpu) + PCPU_COUNTER_ADJ;
}

/* Parenthesised: the header defines counter_u64_add() as a macro over this function. */
void(counter_u64_add)(counter_u64_t c, int64_t inc)
{
	if (!pcpu_percpu_add_cs(c, inc, 64))
		__atomic_fetch_sub(adjustment(c, pcpu_percpu_cpu()), (uint64_t)inc,
				   __ATOMIC_RELAXED);
}

/* Each word is aligned and loaded whole; the sum is exact when no add runs
 * concurrently, else it lies between the totals before and after those adds. */
uint64_t counter_u64_fetch(counter_u64_t c)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < pcpu_percpu_maxcpu(); i++)
		sum += __atomic_load_n((uint64_t *)pcpu_percpu_slot(c, i), __ATOMIC_RELAXED) -
		       __atomic_load_n(adjustment(c, i), __ATOMIC_RELAXED);
	return sum;
}

/*
 * Zeroing CPU i sets its adjustment to the value read, by compare-and-swap: an atomic
 * add that changed the adjustment between the two loads makes the swap fail and the
 * CPU is read again, so no add is lost; a section's add that lands after the value was
 * read counts after the zero, as an add concurrent with it may. Another CPU's value is
 * only read, never written.
 */
void counter_u64_zero(counter_u64_t c)
{
	for (unsigned int i = 0; i < pcpu_percpu_maxcpu(); i++) {
		uint64_t *adj = adjustment(c, i);
		uint64_t a = __atomic_load_n(adj, __ATOMIC_RELAXED);

		while (!__atomic_compare_exchange_n(
			adj, &a,
			__atomic_load_n((uint64_t *)pcpu_percpu_slot(c, i), __ATOMIC_RELAXED), 0,
			__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
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
