/* counter(9): a counter is a one-granule zpcpu allocation marked as a counter. */
#include <pcpu/counter.h>
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
	return pcpu_arena_alloc(d, sizeof(uint64_t), PCPU_SYM_COUNTER);
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
	pcpu_percpu_add64(c, (uint64_t)inc);
}

/* Each slot is an aligned 8-byte word, loaded whole; the sum is exact when no add runs
 * concurrently, else it lies between the totals before and after those adds. */
uint64_t counter_u64_fetch(counter_u64_t c)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < pcpu_percpu_maxcpu; i++)
		sum += __atomic_load_n((uint64_t *)((char *)c + (size_t)i * pcpu_percpu_stride),
				       __ATOMIC_RELAXED);
	return sum;
}

void counter_u64_zero(counter_u64_t c)
{
	pcpu_percpu_zero64(c);
}

counter_u64_t counter_u64_alloc_named(const char *name, int flags)
{
	if (bad_flags(flags))
		return errno = EINVAL, NULL;
	return pcpu_named_alloc(name, sizeof(uint64_t), PCPU_SYM_COUNTER, PCPU_SYMF_INTEGER);
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
