/*
 * Placing an object's DPCPU set (its linker set of variables) in the domain: every CPU
 * gets a copy, each variable is listed by name. In a domain other processes use or used,
 * the set binds to the copies that are there when the layout agrees, so that a program
 * restarted, or two programs built from the same source, continue the same variables.
 */
#include <pcpu/pcpu.h>

#include <errno.h>
#include <string.h>

#include "domain/domain.h"

_Static_assert(PCPU_DPCPU_F_INTEGER == PCPU_SYMF_INTEGER, "public flag = format flag");
_Static_assert(PCPU_DPCPU_F_SIGNED == PCPU_SYMF_SIGNED, "public flag = format flag");

enum { SET_ALIGN = 64 };

static pthread_mutex_t register_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * CPU 0's copy of the set already in the domain: every variable of the set is listed as
 * a DPCPU variable of its size at its offset in the set from one common base. Anything
 * less (a variable missing, another size, another place) is a different layout, and
 * binding would make two programs read one variable's bytes as another. NULL then.
 */
static char *bound_copy(struct pcpu_domain *d, const char *start, size_t size,
			const struct pcpu_dpcpu_desc *ds, const struct pcpu_dpcpu_desc *de)
{
	uint64_t base = 0;

	for (const struct pcpu_dpcpu_desc *x = ds; x < de; x++) {
		const struct pcpu_dom_sym *s = pcpu_sym_find_locked(d, x->name);
		uint64_t off = (uint64_t)((const char *)x->addr - start);

		if (s == NULL || s->kind != PCPU_SYM_DPCPU || s->size != x->size || s->addr < off ||
		    (base != 0 && s->addr - off != base))
			return NULL;
		base = s->addr - off;
	}
	if (!pcpu_domain_contains(d, (void *)(uintptr_t)base, size))
		return NULL;
	return (char *)(uintptr_t)base;
}

/* A new copy: from the DPCPU reserve while it has room, else a zpcpu allocation. */
static char *new_copy(struct pcpu_domain *d, const char *start, size_t size)
{
	struct pcpu_dom_private *p = pcpu_dom_priv(d);
	size_t off = (p->dpcpu_used + SET_ALIGN - 1) / SET_ALIGN * SET_ALIGN;
	char *cpu0;

	if (off + size <= PCPU_DPCPU_RESERVE) {
		p->dpcpu_used = (uint32_t)(off + size);
		cpu0 = (char *)(uintptr_t)d->hdr->dpcpu_addr + off;
	} else if ((cpu0 = pcpu_arena_alloc_locked(d, size, PCPU_SYM_ZPCPU)) == NULL) {
		return NULL;
	}
	for (unsigned int c = 0; c < d->lay.maxcpu; c++)
		memcpy(cpu0 + (size_t)c * d->lay.stride, start, size);
	return cpu0;
}

/* Names taken by something else stay unlisted: the variable works, per CPU, unseen. */
static void list_symbols(struct pcpu_domain *d, const char *cpu0, const char *start,
			 const struct pcpu_dpcpu_desc *ds, const struct pcpu_dpcpu_desc *de)
{
	for (const struct pcpu_dpcpu_desc *x = ds; x < de; x++)
		pcpu_sym_add_locked(d, x->name,
				    (uintptr_t)cpu0 + (uintptr_t)((char *)x->addr - start), x->size,
				    PCPU_SYM_DPCPU, x->flags, NULL);
}

static char *place_set(struct pcpu_domain *d, char *start, size_t size,
		       const struct pcpu_dpcpu_desc *ds, const struct pcpu_dpcpu_desc *de)
{
	char *cpu0;
	int err = pcpu_dom_lock(d);

	if (err != 0)
		return errno = err, NULL;
	cpu0 = bound_copy(d, start, size, ds, de);
	if (cpu0 == NULL && (cpu0 = new_copy(d, start, size)) != NULL)
		list_symbols(d, cpu0, start, ds, de);
	pcpu_dom_unlock(d);
	return cpu0;
}

/*
 * Idempotent: a registered set has its copies' addresses. When the set cannot be placed
 * they stay NULL and every CPU shares the template (see pcpu_dpcpu_id_ptr): the program
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
	if (*dstart->cpu0 == NULL && (cpu0 = place_set(d, start, size, dstart, dstop)) != NULL)
		for (const struct pcpu_dpcpu_desc *x = dstart; x < dstop; x++)
			*x->cpu0 = cpu0 + ((char *)x->addr - start);
	pthread_mutex_unlock(&register_lock);
}
