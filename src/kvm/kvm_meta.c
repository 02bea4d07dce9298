/*
 * kvm_sym_meta: a symbol's metric metadata (format 2.1). The entry is copied out of the
 * file under its sequence lock and checked by the rules the writer applies
 * (format/meta_check.c), and by what ties it to its symbol, before any of it is used; a
 * bad entry leaves the defaults and fails with a message naming the field.
 */
#include <errno.h>
#include <string.h>

#include "format/meta_check.h"
#include "kvm/kvm_private.h"

_Static_assert(KVM_METRIC_UNTYPED == PCPU_META_UNTYPED && KVM_METRIC_COUNTER == PCPU_META_COUNTER &&
		       KVM_METRIC_GAUGE == PCPU_META_GAUGE &&
		       KVM_METRIC_HISTOGRAM == PCPU_META_HISTOGRAM,
	       "km_type is the format's type");
_Static_assert(sizeof(((struct kvm_symmeta *)0)->km_family) == PCPU_META_FAMILY_MAX &&
		       sizeof(((struct kvm_symmeta *)0)->km_unit) == PCPU_META_UNIT_MAX &&
		       sizeof(((struct kvm_symmeta *)0)->km_help) == PCPU_META_HELP_MAX &&
		       sizeof(((struct kvm_symmeta *)0)->km_labels[0].kl_name) ==
			       PCPU_META_LNAME_MAX &&
		       sizeof(((struct kvm_symmeta *)0)->km_labels[0].kl_value) ==
			       PCPU_META_LVALUE_MAX &&
		       KVM_METRIC_LABELS_MAX == PCPU_META_LABELS_MAX &&
		       KVM_HIST_BOUNDS_MAX == PCPU_META_BOUNDS_MAX,
	       "struct kvm_symmeta holds any entry");

static void defaults(struct kvm_symmeta *m, uint32_t kind)
{
	memset(m, 0, sizeof(*m));
	m->km_type = kind == PCPU_SYM_COUNTER ? KVM_METRIC_COUNTER : KVM_METRIC_UNTYPED;
	m->km_scale = 1;
}

static int names(const struct pcpu_dom_sym *sym, const struct kvm_sym *ks)
{
	return kvm_sym_known(sym->kind) && strncmp(sym->name, ks->ks_name, KVM_SYMNAMELEN) == 0;
}

/* The table entry of the symbol ks names, at *index: ks_index when that entry still has
 * the name (names are unique among live symbols), else found by a search. */
static int find(kvm_t *kd, const struct kvm_sym *ks, uint32_t count, struct pcpu_dom_sym *sym,
		uint32_t *index)
{
	if (ks->ks_index < count) {
		if (kvm_domain_sym(kd, ks->ks_index, sym) != 0)
			return -1;
		if (names(sym, ks))
			return *index = ks->ks_index, 0;
	}
	for (uint32_t i = 0; i < count; i++) {
		if (kvm_domain_sym(kd, i, sym) != 0)
			return -1;
		if (names(sym, ks))
			return *index = i, 0;
	}
	kvm_err(kd, ENOENT, "kvm_sym_meta: no symbol \"%.*s\" in the domain", KVM_SYMNAMELEN,
		ks->ks_name);
	return -1;
}

/* What the entry says must agree with its symbol: a histogram's type and bounds with
 * its kind and size. NULL, or what is wrong. */
static const char *tie(const struct pcpu_dom_meta *e, const struct pcpu_dom_sym *sym)
{
	if ((e->type == PCPU_META_HISTOGRAM) != (sym->kind == PCPU_SYM_HISTOGRAM))
		return "type histogram on a symbol of another kind, or the reverse";
	if (sym->kind == PCPU_SYM_HISTOGRAM &&
	    sym->size != ((uint64_t)e->nbounds + 1) * PCPU_HIST_CELL_SIZE)
		return "nbounds does not match the histogram's size";
	return NULL;
}

/* A checked string, NUL-terminated within its field: what follows the NUL in the file
 * is not passed on. dst is zero (defaults). */
static void copy_str(char *dst, const char *src)
{
	memcpy(dst, src, strlen(src));
}

static void fill(struct kvm_symmeta *m, const struct pcpu_dom_meta *e)
{
	m->km_type = e->type;
	copy_str(m->km_family, e->family);
	copy_str(m->km_unit, e->unit);
	copy_str(m->km_help, e->help);
	m->km_nlabels = e->nlabels;
	for (unsigned int i = 0; i < e->nlabels; i++) {
		copy_str(m->km_labels[i].kl_name, e->labels[i].name);
		copy_str(m->km_labels[i].kl_value, e->labels[i].value);
	}
	m->km_scale = e->scale != 0 ? e->scale : 1;
	m->km_nbounds = e->nbounds;
	memcpy(m->km_bounds, e->bounds, sizeof(m->km_bounds));
}

int kvm_sym_meta(kvm_t *kd, const struct kvm_sym *ks, struct kvm_symmeta *m)
{
	struct pcpu_dom_sym sym;
	struct pcpu_dom_meta e;
	uint32_t count, index;
	const char *why;

	if (m != NULL)
		defaults(m, PCPU_SYM_FREE);
	if (kvm_symtab(kd, ks != NULL && m != NULL, "kvm_sym_meta", &count) != 0 ||
	    find(kd, ks, count, &sym, &index) != 0)
		return -1;
	defaults(m, sym.kind);
	if (kd->lay.meta_off == 0)
		return 0; /* a 2.0 file */
	if (kvm_domain_meta(kd, index, &e) != 0)
		return -1;
	/* Not set, or left from the slot's earlier symbol (domain_format.h). */
	if ((e.flags & PCPU_METAF_SET) == 0 || e.sym_seq != sym.seq)
		return 0;
	why = pcpu_meta_check(&e);
	if (why == NULL)
		why = tie(&e, &sym);
	if (why != NULL) {
		kvm_err(kd, EINVAL, "bad metadata: symbol %u \"%s\": %s", index, sym.name, why);
		return -1;
	}
	fill(m, &e);
	return 0;
}
