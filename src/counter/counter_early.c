/*
 * Early counters (COUNTER_U64_DEFINE_EARLY): the slot they point at until bound, and the
 * binding of an object's set, run by its priority-101 constructor.
 *
 * An add writes slot0 + cpu * stride: the value word, or (atomically, on the library's
 * path) the adjustment word after it. Before the domain exists the stride is 0 and the
 * CPU index 0 (pcpu_percpu_maxcpu() is 1), so the two words of pcpu_counter_early_dummy
 * are all an add to an unbound counter can touch. A counter that cannot be bound once the
 * domain exists (arena full, or its name taken by another kind) must not stay there,
 * since adds now reach cpu * stride past it: it is pointed at a private region of
 * maxcpu * stride bytes instead, where adds are discarded.
 */
#include <pcpu/counter.h>

#include <stddef.h>
#include <sys/mman.h>

#include "arch/percpu.h"
#include "format/domain_format.h"

uint64_t pcpu_counter_early_dummy[PCPU_COUNTER_SIZE / sizeof(uint64_t)];

static uint64_t *discard_region;

/* The region is made once and never unmapped: counters keep pointing into it. */
static uint64_t *discard_slots(void)
{
	uint64_t *r = __atomic_load_n(&discard_region, __ATOMIC_ACQUIRE), *none = NULL;
	size_t len = (size_t)pcpu_percpu_maxcpu() * pcpu_percpu_stride(pcpu_percpu_hot);
	void *p;

	if (r != NULL)
		return r;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Release: pairs with the acquire above, for the thread that did not map. */
	if (!__atomic_compare_exchange_n(&discard_region, &none, (uint64_t *)p, 0, __ATOMIC_RELEASE,
					 __ATOMIC_ACQUIRE)) {
		munmap(p, len);
		return none;
	}
	return p;
}

static void bind_one(struct pcpu_counter_early_desc *d)
{
	uint64_t *slots;

	if (__atomic_load_n(d->c, __ATOMIC_RELAXED) != pcpu_counter_early_dummy)
		return;
	if (pcpu_counter_define_early(d->c, d->name) == 0 ||
	    __atomic_load_n(d->c, __ATOMIC_RELAXED) != pcpu_counter_early_dummy ||
	    pcpu_percpu_stride(pcpu_percpu_hot) == 0)
		return;
	slots = discard_slots();
	if (slots != NULL)
		__atomic_store_n(d->c, slots, __ATOMIC_RELEASE);
}

void pcpu_counter_bind_early(struct pcpu_counter_early_desc *start,
			     struct pcpu_counter_early_desc *stop)
{
	for (struct pcpu_counter_early_desc *d = start; d < stop; d++)
		bind_one(d);
}
