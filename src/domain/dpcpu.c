/* DPCPU: the accessors behind DPCPU_PTR, DPCPU_ID_PTR and DPCPU_ADD (dpcpu_set.c places
 * the sets). */
#include <pcpu/pcpu.h>

#include <errno.h>

#include "arch/percpu.h"
#include "domain/domain.h"

void *pcpu_dpcpu_id_ptr(const struct pcpu_dpcpu_desc *x, unsigned int cpu)
{
	if (*x->delta == 0)
		return x->addr;
	if (cpu >= pcpu_percpu_maxcpu) {
		errno = EINVAL;
		return NULL;
	}
	return (char *)x->addr + *x->delta + (size_t)cpu * pcpu_percpu_stride;
}

void *pcpu_dpcpu_ptr(const struct pcpu_dpcpu_desc *x)
{
	return pcpu_dpcpu_id_ptr(x, pcpu_percpu_cpu());
}

void pcpu_dpcpu_add(const struct pcpu_dpcpu_desc *x, int64_t v)
{
	char *slot0 = (char *)x->addr + *x->delta;

	if (*x->delta == 0) {
		pcpu_atomic_add(x->addr, v, (int)x->size * 8);
		return;
	}
	switch (x->size) {
	case 1:
		pcpu_percpu_add8(slot0, (uint8_t)v);
		break;
	case 2:
		pcpu_percpu_add16(slot0, (uint16_t)v);
		break;
	case 4:
		pcpu_percpu_add32(slot0, (uint32_t)v);
		break;
	default:
		pcpu_percpu_add64(slot0, (uint64_t)v);
		break;
	}
}
