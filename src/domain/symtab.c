/*
 * The domain's symbol table: named DPCPU variables, counters and objects for readers.
 * Writers hold the domain lock. Readers run concurrently without it, so an entry is
 * completed before it becomes visible: a new entry before sym_count is raised (release),
 * a reused tombstone before its kind is set (release).
 */
#include "domain/domain.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

static struct pcpu_dom_sym *symbols(struct pcpu_domain *d)
{
	return (struct pcpu_dom_sym *)(d->base + d->lay.sym_off);
}

static void publish_kind(struct pcpu_dom_sym *s, uint32_t kind)
{
	atomic_store_explicit((_Atomic uint32_t *)&s->kind, kind, memory_order_release);
}

const struct pcpu_dom_sym *pcpu_sym_find_locked(struct pcpu_domain *d, const char *name)
{
	const struct pcpu_dom_sym *tab = symbols(d);

	for (uint32_t i = 0; i < d->hdr->sym_count; i++)
		if (tab[i].kind != PCPU_SYM_FREE && strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

int pcpu_sym_add_locked(struct pcpu_domain *d, const char *name, uint64_t addr, uint64_t size,
			uint32_t kind, uint32_t flags)
{
	struct pcpu_dom_sym *tab = symbols(d), *slot = NULL;
	uint32_t n = d->hdr->sym_count;

	if (name == NULL || *name == '\0' || strlen(name) >= PCPU_DOM_SYM_NAME_MAX)
		return EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		if (tab[i].kind == PCPU_SYM_FREE) {
			if (slot == NULL)
				slot = &tab[i];
		} else if (strcmp(tab[i].name, name) == 0) {
			return EEXIST;
		}
	}
	if (slot == NULL && n == d->hdr->sym_cap)
		return ENOSPC;
	struct pcpu_dom_sym *e = slot != NULL ? slot : &tab[n];
	memset(e->name, 0, sizeof(e->name));
	strcpy(e->name, name);
	e->addr = addr;
	e->size = size;
	e->flags = flags;
	e->spare = 0;
	if (slot != NULL) {
		publish_kind(e, kind);
		return 0;
	}
	e->kind = kind;
	atomic_store_explicit((_Atomic uint32_t *)&d->hdr->sym_count, n + 1, memory_order_release);
	return 0;
}

/*
 * Tombstones every symbol that points into some CPU's copy of the allocation whose CPU-0
 * copy is [lo, hi): its offset from lo, modulo the stride, falls inside the allocation.
 */
void pcpu_sym_drop_range_locked(struct pcpu_domain *d, uint64_t lo, uint64_t hi)
{
	struct pcpu_dom_sym *tab = symbols(d);
	uint64_t span = (uint64_t)d->lay.chunk_len;

	for (uint32_t i = 0; i < d->hdr->sym_count; i++) {
		uint64_t a = tab[i].addr;

		if (tab[i].kind != PCPU_SYM_FREE && a >= lo && a - lo < span &&
		    (a - lo) % d->lay.stride < hi - lo)
			publish_kind(&tab[i], PCPU_SYM_FREE);
	}
}
