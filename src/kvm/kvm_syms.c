/*
 * Symbols as a whole: the checks that make a symbol entry usable (kvm_nlist and the
 * walker share them), kvm_walk_syms and kvm_sym_total.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvm/kvm_private.h"

_Static_assert(KVM_SYMNAMELEN == PCPU_DOM_SYM_NAME_MAX, "ks_name holds any symbol name");
_Static_assert(KVM_SYMF_INTEGER == PCPU_SYMF_INTEGER && KVM_SYMF_SIGNED == PCPU_SYMF_SIGNED,
	       "ks_flags are the format's symbol flags");

/* A DPCPU variable lies inside CPU 0's DPCPU block. */
static int dpcpu_inside(kvm_t *kd, const struct pcpu_dom_sym *sym)
{
	const struct kvm_layout *l = &kd->lay;

	if (sym->addr >= l->dpcpu_addr && sym->size <= l->dpcpu_size &&
	    sym->addr - l->dpcpu_addr <= l->dpcpu_size - sym->size)
		return 0;
	kvm_err(kd, EINVAL,
		"bad symbol table: DPCPU \"%s\" at 0x%" PRIx64 " (%" PRIu64
		" bytes) is outside the DPCPU block",
		sym->name, sym->addr, sym->size);
	return -1;
}

int kvm_sym_resolve(kvm_t *kd, const struct pcpu_dom_sym *sym, unsigned char *type)
{
	uint64_t off;

	switch (sym->kind) {
	case PCPU_SYM_DPCPU:
		*type = N_DPCPU;
		return dpcpu_inside(kd, sym);
	case PCPU_SYM_COUNTER:
		*type = N_COUNTER;
		return kvm_domain_zpcpu(kd, sym->addr, sizeof(uint64_t), &off);
	case PCPU_SYM_ZPCPU:
	case PCPU_SYM_HISTOGRAM:
		*type = sym->kind == PCPU_SYM_ZPCPU ? N_ZPCPU : N_HISTOGRAM;
		return kvm_domain_zpcpu(kd, sym->addr, sym->size, &off);
	case PCPU_SYM_OBJECT:
		*type = N_DATA;
		return kvm_domain_addr(kd, sym->addr, sym->size, sym->name, &off);
	default:
		*type = N_UNDF;
		return 0;
	}
}

int kvm_symtab(kvm_t *kd, int args_ok, const char *fn, uint32_t *count)
{
	struct kvm_live live;

	if (kd == NULL || !args_ok) {
		errno = EINVAL;
		return -1;
	}
	if (kvm_need_domain(kd, fn) != 0 || kvm_cache_check(kd) != 0 ||
	    kvm_domain_live(kd, &live) != 0)
		return -1;
	*count = live.sym_count;
	return 0;
}

int kvm_walk_syms(kvm_t *kd, kvm_walk_syms_cb_t *cb, void *closure)
{
	struct pcpu_dom_sym sym;
	struct kvm_sym ks;
	uint32_t count;
	int r;

	if (kvm_symtab(kd, cb != NULL, "kvm_walk_syms", &count) != 0)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		memset(&ks, 0, sizeof(ks));
		if (kvm_domain_sym(kd, i, &sym) != 0 || kvm_sym_resolve(kd, &sym, &ks.ks_type) != 0)
			return -1;
		if (ks.ks_type == N_UNDF) /* freed, or a kind of a newer minor */
			continue;
		memcpy(ks.ks_name, sym.name, sizeof(ks.ks_name));
		ks.ks_flags = sym.kind == PCPU_SYM_COUNTER
				      ? KVM_SYMF_INTEGER
				      : sym.flags & (KVM_SYMF_INTEGER | KVM_SYMF_SIGNED);
		ks.ks_size = (size_t)sym.size;
		ks.ks_addr = (unsigned long)sym.addr;
		ks.ks_index = i;
		if ((r = cb(&ks, closure)) != 0)
			return r;
	}
	return 0;
}

static int integer_size(size_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Where ks's copies are: ref->off is CPU 0's (or the object's) file offset. */
static int locate(kvm_t *kd, const struct kvm_sym *ks, struct kvm_intref *ref)
{
	if (!(ks->ks_flags & KVM_SYMF_INTEGER) || !integer_size(ks->ks_size) ||
	    (ks->ks_type == N_COUNTER && ks->ks_size != sizeof(uint64_t))) {
		kvm_err(kd, EINVAL,
			"kvm_sym_total: \"%.*s\" is not an integer of 1, 2, 4 or 8 bytes",
			KVM_SYMNAMELEN, ks->ks_name);
		return -1;
	}
	ref->size = (unsigned char)ks->ks_size;
	ref->is_signed = ks->ks_type != N_COUNTER && (ks->ks_flags & KVM_SYMF_SIGNED);
	ref->adj = ks->ks_type == N_COUNTER ? PCPU_COUNTER_ADJ : 0;
	switch (ks->ks_type) {
	case N_DATA:
		ref->percpu = 0;
		return kvm_domain_addr(kd, ks->ks_addr, ks->ks_size, ks->ks_name, &ref->off);
	case N_COUNTER:
		ref->percpu = 1;
		return kvm_domain_zpcpu(kd, ks->ks_addr, PCPU_COUNTER_SIZE, &ref->off);
	case N_DPCPU:
	case N_ZPCPU:
		ref->percpu = 1;
		return kvm_domain_zpcpu(kd, ks->ks_addr, ks->ks_size, &ref->off);
	default:
		kvm_err(kd, EINVAL, "kvm_sym_total: \"%.*s\": unknown type %u", KVM_SYMNAMELEN,
			ks->ks_name, ks->ks_type);
		return -1;
	}
}

/* Symbols are summed BATCH at a time, CPU slot by CPU slot: the copies of one slot are
 * near each other, where summing one symbol over every slot touches a page per slot. */
#define BATCH 256

/* kvm_sym_total (cpu < 0) and kvm_sym_cpu: one pass over the slots per BATCH symbols. */
static int sym_values(kvm_t *kd, const char *fn, const struct kvm_sym *ks, size_t nsyms, int cpu,
		      uint64_t *out)
{
	struct kvm_intref ref[BATCH];

	if (kd == NULL || (nsyms > 0 && (ks == NULL || out == NULL))) {
		errno = EINVAL;
		return -1;
	}
	if (kvm_need_domain(kd, fn) != 0 || kvm_cache_check(kd) != 0)
		return -1;
	if (cpu >= 0 && (unsigned int)cpu >= kd->lay.maxcpu) {
		kvm_err(kd, EINVAL, "%s: CPU %d is not in 0..%u", fn, cpu, kd->lay.maxcpu - 1);
		return -1;
	}
	for (size_t done = 0; done < nsyms;) {
		size_t n = nsyms - done < BATCH ? nsyms - done : BATCH;

		for (size_t i = 0; i < n; i++)
			if (locate(kd, &ks[done + i], &ref[i]) != 0)
				return -1;
		if (kvm_domain_sums(kd, ref, n, cpu, out + done) != 0)
			return -1;
		done += n;
	}
	return 0;
}

int kvm_sym_total(kvm_t *kd, const struct kvm_sym *ks, size_t nsyms, uint64_t *totals)
{
	return sym_values(kd, "kvm_sym_total", ks, nsyms, -1, totals);
}

int kvm_sym_cpu(kvm_t *kd, const struct kvm_sym *ks, size_t nsyms, int cpu, uint64_t *values)
{
	if (cpu < 0) {
		if (kd != NULL)
			kvm_err(kd, EINVAL, "kvm_sym_cpu: CPU %d is negative", cpu);
		else
			errno = EINVAL;
		return -1;
	}
	return sym_values(kd, "kvm_sym_cpu", ks, nsyms, cpu, values);
}
