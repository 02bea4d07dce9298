/* DPCPU: the accessors behind DPCPU_PTR, DPCPU_ID_PTR and DPCPU_ADD (dpcpu_set.c places
 * the sets). */
#include <pcpu/pcpu.h>

#include <errno.h>

#include "arch/percpu.h"
#include "domain/domain.h"

void *pcpu_dpcpu_id_ptr(const struct pcpu_dpcpu_desc *x, unsigned int cpu)
{
	if (*x->cpu0 == NULL)
		return x->addr;
	if (cpu >= pcpu_percpu_maxcpu()) {
		errno = EINVAL;
		return NULL;
	}
	return pcpu_percpu_slot(*x->cpu0, cpu);
}

void *pcpu_dpcpu_ptr(const struct pcpu_dpcpu_desc *x)
{
	return pcpu_dpcpu_id_ptr(x, pcpu_percpu_cpu());
}

void pcpu_dpcpu_add(const struct pcpu_dpcpu_desc *x, int64_t v)
{
	void *slot0 = *x->cpu0;
	int width = (int)x->size * 8;

	if (slot0 == NULL)
		pcpu_atomic_add(x->addr, v, width);
	else if (!pcpu_percpu_add_cs(slot0, v, width))
		pcpu_percpu_add_atomic(slot0, v, width);
}
