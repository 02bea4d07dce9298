/*
 * kvm_nlist: names in the domain's symbol table. The table is read live (sym_count with
 * acquire), each entry is copied out and checked before use, and each address it gives
 * is checked against the domain before it is handed out.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvm/kvm_private.h"

/* Our kinds: DPCPU variables, counters, pcpu_register()ed objects, zpcpu allocations. */
static int known_kind(uint32_t kind)
{
	return kind == PCPU_SYM_DPCPU || kind == PCPU_SYM_COUNTER || kind == PCPU_SYM_OBJECT ||
	       kind == PCPU_SYM_ZPCPU;
}

/* The first live entry named name: 1 and *sym, 0 when there is none, -1 on error.
 * Entries of kinds this reader does not know (a newer minor) are skipped. */
static int lookup(kvm_t *kd, uint32_t count, const char *name, struct pcpu_dom_sym *sym)
{
	for (uint32_t i = 0; i < count; i++) {
		if (kvm_domain_sym(kd, i, sym) != 0)
			return -1;
		if (known_kind(sym->kind) && strcmp(sym->name, name) == 0)
			return 1;
	}
	return 0;
}

/* A DPCPU variable lies inside CPU 0's DPCPU block; the selected CPU's copy is stride
 * bytes per CPU further. */
static int dpcpu_value(kvm_t *kd, const struct pcpu_dom_sym *sym, uint64_t *value)
{
	const struct kvm_layout *l = &kd->lay;

	if (sym->addr < l->dpcpu_addr || sym->size > l->dpcpu_size ||
	    sym->addr - l->dpcpu_addr > l->dpcpu_size - sym->size) {
		kvm_err(kd, EINVAL,
			"bad symbol table: DPCPU \"%s\" at 0x%" PRIx64 " (%" PRIu64
			" bytes) is outside the DPCPU block",
			sym->name, sym->addr, sym->size);
		return -1;
	}
	*value = sym->addr + (uint64_t)kd->dpcpu_cpu * l->stride;
	return 0;
}

static int resolve(kvm_t *kd, const struct pcpu_dom_sym *sym, struct nlist *p)
{
	uint64_t value = sym->addr, off;
	int r;

	switch (sym->kind) {
	case PCPU_SYM_DPCPU:
		p->n_type = N_DPCPU;
		r = dpcpu_value(kd, sym, &value);
		break;
	case PCPU_SYM_COUNTER:
		p->n_type = N_COUNTER;
		r = kvm_domain_zpcpu(kd, sym->addr, sizeof(uint64_t), &off);
		break;
	case PCPU_SYM_ZPCPU:
		p->n_type = N_ZPCPU;
		r = kvm_domain_zpcpu(kd, sym->addr, sym->size, &off);
		break;
	default:
		p->n_type = N_DATA;
		r = kvm_domain_addr(kd, sym->addr, sym->size, sym->name, &off);
		break;
	}
	if (r != 0) {
		p->n_type = N_UNDF;
		return -1;
	}
	p->n_value = value;
	return 0;
}

/* Finds name, or name without the leading underscore of a.out-era callers ("_hits"). */
static int nlist_one(kvm_t *kd, uint32_t count, struct nlist *p)
{
	struct pcpu_dom_sym sym;
	int r = lookup(kd, count, p->n_name, &sym);

	if (r == 0 && p->n_name[0] == '_')
		r = lookup(kd, count, p->n_name + 1, &sym);
	if (r <= 0)
		return r;
	return resolve(kd, &sym, p) != 0 ? -1 : 1;
}

int kvm_nlist(kvm_t *kd, struct nlist *nl)
{
	struct kvm_live live;
	int missing = 0, r;

	if (kd == NULL || nl == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (kvm_need_domain(kd, "kvm_nlist") != 0 || kvm_cache_check(kd) != 0 ||
	    kvm_domain_live(kd, &live) != 0)
		return -1;
	for (struct nlist *p = nl; p->n_name != NULL && p->n_name[0] != '\0'; p++) {
		p->n_type = N_UNDF;
		p->n_value = 0;
		if ((r = nlist_one(kd, live.sym_count, p)) < 0)
			return -1;
		missing += r == 0;
	}
	return missing;
}
