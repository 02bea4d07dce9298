/*
 * kvm_nlist: names in the domain's symbol table. The table is read live (sym_count with
 * acquire), each entry is copied out and checked before use, and each address it gives
 * is checked against the domain before it is handed out.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvm/kvm_private.h"

/* The first live entry named name: 1 and *sym, 0 when there is none, -1 on error.
 * Entries of kinds this reader does not know (a newer minor) are skipped. */
static int lookup(kvm_t *kd, uint32_t count, const char *name, struct pcpu_dom_sym *sym)
{
	for (uint32_t i = 0; i < count; i++) {
		if (kvm_domain_sym(kd, i, sym) != 0)
			return -1;
		if (kvm_sym_known(sym->kind) && strcmp(sym->name, name) == 0)
			return 1;
	}
	return 0;
}

static int resolve(kvm_t *kd, const struct pcpu_dom_sym *sym, struct nlist *p)
{
	if (kvm_sym_resolve(kd, sym, &p->n_type) != 0) {
		p->n_type = N_UNDF;
		return -1;
	}
	p->n_value = sym->addr;
	/* The selected CPU's copy, stride bytes per CPU further. */
	if (p->n_type == N_DPCPU)
		p->n_value += (uint64_t)kd->dpcpu_cpu * kd->lay.stride;
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
	uint32_t count;
	int missing = 0, r;

	if (kvm_symtab(kd, nl != NULL, "kvm_nlist", &count) != 0)
		return -1;
	for (struct nlist *p = nl; p->n_name != NULL && p->n_name[0] != '\0'; p++) {
		p->n_type = N_UNDF;
		p->n_value = 0;
		if ((r = nlist_one(kd, count, p)) < 0)
			return -1;
		missing += r == 0;
	}
	return missing;
}
