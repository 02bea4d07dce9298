/*
 * kvm_histogram_fetch: a histogram is one cell per bucket (pcpu_histogram(3),
 * domain_format.h), each a count and a sum with an adjustment of its own, summed over
 * every CPU slot as kvm_counter_u64_fetch sums a counter, in one pass over the slots: the
 * buckets are the cells' counts, the sum the total of their sums. How many cells there
 * are comes from the symbol's metadata, checked against the caller's ks_size, so a stale
 * or forged kvm_sym can neither make us write past the caller's buckets nor read past
 * the allocation kvm_domain_zpcpu checked.
 */
#include <errno.h>

#include "kvm/kvm_private.h"

_Static_assert(PCPU_HIST_COUNT_ADJ - PCPU_HIST_COUNT == PCPU_HIST_SUM_ADJ - PCPU_HIST_SUM,
	       "one adjustment distance for both words of a cell");

int kvm_histogram_fetch(kvm_t *kd, const struct kvm_sym *ks, uint64_t *buckets, uint64_t *sum)
{
	struct kvm_intref ref[2 * (KVM_HIST_BOUNDS_MAX + 1)];
	uint64_t out[2 * (KVM_HIST_BOUNDS_MAX + 1)], off, total = 0;
	struct kvm_symmeta m;
	size_t cells;

	if (kd == NULL || ks == NULL || buckets == NULL)
		return errno = EINVAL, -1;
	if (ks->ks_type != N_HISTOGRAM) {
		kvm_err(kd, EINVAL, "kvm_histogram_fetch: \"%.*s\" is not a histogram",
			KVM_SYMNAMELEN, ks->ks_name);
		return -1;
	}
	if (kvm_sym_meta(kd, ks, &m) != 0)
		return -1;
	cells = (size_t)m.km_nbounds + 1;
	if (m.km_type != KVM_METRIC_HISTOGRAM || ks->ks_size != cells * PCPU_HIST_CELL_SIZE) {
		kvm_err(kd, EINVAL,
			"kvm_histogram_fetch: \"%.*s\" has no bounds of %zu bytes per CPU (freed "
			"and made again?)",
			KVM_SYMNAMELEN, ks->ks_name, ks->ks_size);
		return -1;
	}
	if (ks->ks_addr % sizeof(uint64_t) != 0) {
		kvm_err(kd, EINVAL, "kvm_histogram_fetch: base 0x%lx is not 8-byte aligned",
			ks->ks_addr);
		return -1;
	}
	if (kvm_domain_zpcpu(kd, ks->ks_addr, ks->ks_size, &off) != 0)
		return -1;
	for (size_t i = 0; i < 2 * cells; i++)
		ref[i] = (struct kvm_intref){.off = off + i / 2 * PCPU_HIST_CELL_SIZE +
						    (i % 2 ? PCPU_HIST_SUM : PCPU_HIST_COUNT) *
							    sizeof(uint64_t),
					     .size = sizeof(uint64_t),
					     .percpu = 1,
					     .adj = PCPU_HIST_COUNT_ADJ - PCPU_HIST_COUNT};
	if (kvm_domain_sums(kd, ref, 2 * cells, -1, out) != 0)
		return -1;
	for (size_t i = 0; i < cells; i++) {
		buckets[i] = out[2 * i];
		total += out[2 * i + 1];
	}
	if (sum != NULL)
		*sum = total;
	return 0;
}
