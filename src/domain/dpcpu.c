/*
 * DPCPU: registering an object's linker set (its CPU copies and its symbols) and the
 * accessors behind DPCPU_PTR, DPCPU_ID_PTR and DPCPU_ADD.
 */
#include <pcpu/pcpu.h>

#include <errno.h>
#include <string.h>

#include "arch/percpu.h"
#include "domain/domain.h"

_Static_assert(PCPU_DPCPU_F_INTEGER == PCPU_SYMF_INTEGER, "public flag = format flag");
_Static_assert(PCPU_DPCPU_F_SIGNED == PCPU_SYMF_SIGNED, "public flag = format flag");

enum { SET_ALIGN = 64 };

static pthread_mutex_t register_lock = PTHREAD_MUTEX_INITIALIZER;

/* CPU 0's copy of a set of size bytes: from the DPCPU reserve while it has room, else a
 * zpcpu allocation of its own. NULL with errno when neither is possible. */
static char *place_set(struct pcpu_domain *d, size_t size)
{
	struct pcpu_dom_private *p = pcpu_dom_priv(d);
	size_t off;
	int err = pcpu_dom_lock(d);

	if (err != 0)
		return errno = err, NULL;
	off = (p->dpcpu_used + SET_ALIGN - 1) / SET_ALIGN * SET_ALIGN;
	if (off + size <= PCPU_DPCPU_RESERVE) {
		p->dpcpu_used = (uint32_t)(off + size);
		pcpu_dom_unlock(d);
		return (char *)(uintptr_t)d->hdr->dpcpu_addr + off;
	}
	pcpu_dom_unlock(d);
	return pcpu_arena_alloc(d, size, PCPU_SYM_ZPCPU);
}

static void list_symbols(struct pcpu_domain *d, const struct pcpu_dpcpu_desc *ds,
			 const struct pcpu_dpcpu_desc *de)
{
	if (pcpu_dom_lock(d) != 0)
		return;
	for (const struct pcpu_dpcpu_desc *x = ds; x < de; x++)
		pcpu_sym_add_locked(d, x->name, (uintptr_t)x->addr + *x->delta, x->size,
				    PCPU_SYM_DPCPU, x->flags);
	pcpu_dom_unlock(d);
}

/*
 * Idempotent: a registered set has non-zero deltas. When the set cannot be placed its
 * deltas stay 0 and every CPU shares the template (see pcpu_dpcpu_id_ptr): the program
 * keeps working, without per-CPU copies.
 */
void pcpu_dpcpu_register(char *start, char *stop, const struct pcpu_dpcpu_desc *dstart,
			 const struct pcpu_dpcpu_desc *dstop)
{
	struct pcpu_domain *d = pcpu_domain_get();
	size_t size = (size_t)(stop - start);
	char *cpu0;

	if (d == NULL || start == NULL || size == 0)
		return;
	pthread_mutex_lock(&register_lock);
	if (*dstart->delta == 0 && (cpu0 = place_set(d, size)) != NULL) {
		for (unsigned int c = 0; c < d->lay.maxcpu; c++)
			memcpy(cpu0 + (size_t)c * d->lay.stride, start, size);
		for (const struct pcpu_dpcpu_desc *x = dstart; x < dstop; x++)
			*x->delta = (uintptr_t)cpu0 - (uintptr_t)start;
		list_symbols(d, dstart, dstop);
	}
	pthread_mutex_unlock(&register_lock);
}

void *pcpu_dpcpu_id_ptr(const struct pcpu_dpcpu_desc *x, unsigned int cpu)
{
	if (*x->delta == 0)
		return x->addr;
	if (cpu >= pcpu_percpu_maxcpu()) {
		errno = EINVAL;
		return NULL;
	}
	return pcpu_percpu_slot((char *)x->addr + *x->delta, cpu);
}

void *pcpu_dpcpu_ptr(const struct pcpu_dpcpu_desc *x)
{
	return pcpu_dpcpu_id_ptr(x, pcpu_percpu_cpu());
}

void pcpu_dpcpu_add(const struct pcpu_dpcpu_desc *x, int64_t v)
{
	char *slot0 = (char *)x->addr + *x->delta;
	int width = (int)x->size * 8;

	if (*x->delta == 0)
		pcpu_atomic_add(x->addr, v, width);
	else if (!pcpu_percpu_add_cs(slot0, v, width))
		pcpu_percpu_add_atomic(slot0, v, width);
}
