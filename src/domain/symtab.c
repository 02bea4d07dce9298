/*
 * The domain's symbol table: named DPCPU variables, counters and objects for readers.
 * Writers hold the domain lock. Readers run concurrently without it, so an entry is
 * completed before it becomes visible: a new entry before sym_count is raised, and a
 * reused or tombstoned one inside its sequence lock (format/publish.h).
 */
#include "domain/domain.h"

#include <errno.h>
#include <string.h>

#include "format/publish.h"

static struct pcpu_dom_sym *symbols(struct pcpu_domain *d)
{
	return (struct pcpu_dom_sym *)(d->base + d->lay.sym_off);
}

const struct pcpu_dom_sym *pcpu_sym_find_locked(struct pcpu_domain *d, const char *name)
{
	const struct pcpu_dom_sym *tab = symbols(d);

	for (uint32_t i = 0; i < d->hdr->sym_count; i++)
		if (tab[i].kind != PCPU_SYM_FREE && strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

/* The symbols zpcpu_syms counts: of a kind that a zpcpu_free may have to drop. The same
 * test at the add and at the drop, so the count stays exact. */
static int names_zpcpu(struct pcpu_domain *d, uint64_t addr, uint32_t kind)
{
	return kind != PCPU_SYM_DPCPU && kind != PCPU_SYM_COUNTER && pcpu_arena_holds(d, addr);
}

static void count_zpcpu_sym(struct pcpu_domain *d, uint64_t addr, uint32_t kind, int delta)
{
	if (names_zpcpu(d, addr, kind))
		__atomic_fetch_add(&pcpu_dom_priv(d)->zpcpu_syms, (uint32_t)delta,
				   __ATOMIC_RELAXED);
}

uint32_t pcpu_sym_index(struct pcpu_domain *d, const struct pcpu_dom_sym *s)
{
	return (uint32_t)(s - symbols(d));
}

/* The metadata entry is written first, naming the seq the symbol entry is about to get
 * (a reused slot's rewrite adds 2, a new one keeps 0): a reader that sees the symbol
 * then sees its metadata (format/publish.h, publication 5). */
int pcpu_sym_add_locked(struct pcpu_domain *d, const char *name, uint64_t addr, uint64_t size,
			uint32_t kind, uint32_t flags, const struct pcpu_dom_meta *meta)
{
	struct pcpu_dom_sym *tab = symbols(d), *slot = NULL;
	uint32_t n = d->hdr->sym_count;
	int err;

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
	struct pcpu_dom_sym v = {.addr = addr, .size = size, .kind = kind, .flags = flags};
	strcpy(v.name, name);
	err = slot != NULL
		      ? pcpu_meta_set_locked(d, pcpu_sym_index(d, slot), name, slot->seq + 2, meta)
		      : pcpu_meta_set_locked(d, n, name, 0, meta);
	if (err != 0)
		return err;
	count_zpcpu_sym(d, addr, kind, 1);
	if (slot != NULL) {
		pcpu_sym_rewrite(slot, &v);
		return 0;
	}
	tab[n] = v; /* no reader looks at it before sym_count covers it */
	pcpu_pub_sym_count(d->hdr, n + 1);
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
		    (a - lo) % d->lay.stride < hi - lo) {
			struct pcpu_dom_sym v = tab[i];

			count_zpcpu_sym(d, a, v.kind, -1);
			v.kind = PCPU_SYM_FREE;
			pcpu_sym_rewrite(&tab[i], &v);
		}
	}
}
