/* Finding and counting CPUs: count-trailing-zeros and popcount on whole words. */
#include "kcpuset/kcpuset_impl.h"

cpuid_t kcpuset_ffs(const kcpuset_t *kcp)
{
	for (unsigned int i = 0; i < kcp->kc_nwords; i++)
		if (kcp->kc_bits[i] != 0)
			return i * KCPUSET_WBITS + (cpuid_t)__builtin_ctzl(kcp->kc_bits[i]) + 1;
	return 0;
}

cpuid_t kcpuset_ffs_intersecting(const kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	for (unsigned int i = 0; i < kcp1->kc_nwords; i++) {
		unsigned long w = kcp1->kc_bits[i] & kcp2->kc_bits[i];

		if (w != 0)
			return i * KCPUSET_WBITS + (cpuid_t)__builtin_ctzl(w) + 1;
	}
	return 0;
}

cpuid_t kcpuset_next(const kcpuset_t *kcp, cpuid_t cpu)
{
	unsigned int i = cpu / KCPUSET_WBITS;
	unsigned long w;

	if (cpu >= kcp->kc_nbits)
		return KCPUSET_NONE;
	w = kcp->kc_bits[i] & (~0UL << (cpu % KCPUSET_WBITS));
	while (w == 0) {
		if (++i == kcp->kc_nwords)
			return KCPUSET_NONE;
		w = kcp->kc_bits[i];
	}
	return i * KCPUSET_WBITS + (cpuid_t)__builtin_ctzl(w);
}

KCPUSET_POPCNT_CLONES int kcpuset_countset(const kcpuset_t *kcp)
{
	int n = 0;

	for (unsigned int i = 0; i < kcp->kc_nwords; i++)
		n += __builtin_popcountl(kcp->kc_bits[i]);
	return n;
}
