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

/* n is a multiple of KCPUSET_BLOCK: four sums, so that the adds do not form one chain. */
static inline __attribute__((always_inline)) int popcount_words(const unsigned long *w,
								unsigned int n)
{
	int s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	for (unsigned int i = 0; i < n; i += KCPUSET_BLOCK) {
		s0 += __builtin_popcountl(w[i]);
		s1 += __builtin_popcountl(w[i + 1]);
		s2 += __builtin_popcountl(w[i + 2]);
		s3 += __builtin_popcountl(w[i + 3]);
	}
	return s0 + s1 + s2 + s3;
}

/*
 * popcnt is not in the x86-64 baseline, where the builtin becomes a libgcc call: the
 * same loop compiled for popcnt is chosen at run time (one predictable branch per call;
 * target_clones would do it with an ifunc, but clang 14 mis-names the exported symbol).
 */
#if defined(__x86_64__)
__attribute__((target("popcnt"))) static int popcount_words_popcnt(const unsigned long *w,
								   unsigned int n)
{
	return popcount_words(w, n);
}
#endif

int kcpuset_countset(const kcpuset_t *kcp)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("popcnt"))
		return popcount_words_popcnt(kcp->kc_bits, kcp->kc_nwords);
#endif
	return popcount_words(kcp->kc_bits, kcp->kc_nwords);
}
