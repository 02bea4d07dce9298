/*
 * kvm_histogram_fetch: a histogram's cells are counters (pcpu_histogram(3)), summed over
 * every CPU slot as kvm_counter_u64_fetch sums one, in one pass over the slots. How many
 * there are comes from the symbol's metadata, checked against the caller's ks_size, so
 * a stale or forged kvm_sym can neither make us write past the caller's buckets nor read
 * past the allocation kvm_domain_zpcpu checked.
 */
#include <errno.h>

#include "kvm/kvm_private.h"

int kvm_histogram_fetch(kvm_t *kd, const struct kvm_sym *ks, uint64_t *buckets, uint64_t *sum)
{
	struct kvm_intref ref[KVM_HIST_BOUNDS_MAX + 2];
	uint64_t out[KVM_HIST_BOUNDS_MAX + 2], off;
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
	cells = (size_t)m.km_nbounds + 2;
	if (m.km_type != KVM_METRIC_HISTOGRAM || ks->ks_size != cells * PCPU_COUNTER_SIZE) {
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
	for (size_t i = 0; i < cells; i++)
		ref[i] = (struct kvm_intref){.off = off + i * PCPU_COUNTER_SIZE,
					     .size = sizeof(uint64_t),
					     .percpu = 1,
					     .counter = 1};
	if (kvm_domain_sums(kd, ref, cells, -1, out) != 0)
		return -1;
	for (size_t i = 0; i + 1 < cells; i++)
		buckets[i] = out[i];
	if (sum != NULL)
		*sum = out[cells - 1];
	return 0;
}
