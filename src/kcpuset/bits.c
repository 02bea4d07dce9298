/* Whole-set operations, one word at a time (the loops vectorise). */
#include "kcpuset/kcpuset_impl.h"

#include <string.h>

/* The external definitions of the inline functions of <pcpu/kcpuset.h>. */
extern int kcpuset_isset(const kcpuset_t *kcp, cpuid_t cpu);
extern void kcpuset_set(kcpuset_t *kcp, cpuid_t cpu);
extern void kcpuset_clear(kcpuset_t *kcp, cpuid_t cpu);

void kcpuset_zero(kcpuset_t *kcp)
{
	memset(kcp->kc_bits, 0, kcp->kc_nwords * sizeof(unsigned long));
}

void kcpuset_fill(kcpuset_t *kcp)
{
	memset(kcp->kc_bits, 0xff, kcp->kc_nwords * sizeof(unsigned long));
	kcp->kc_bits[kcp->kc_nwords - 1] &= kcpuset_lastmask(kcp);
}

void kcpuset_copy(kcpuset_t *dkcp, const kcpuset_t *skcp)
{
	memcpy(dkcp->kc_bits, skcp->kc_bits, dkcp->kc_nwords * sizeof(unsigned long));
}

bool kcpuset_iszero(const kcpuset_t *kcp)
{
	unsigned long any = 0;

	for (unsigned int i = 0; i < kcp->kc_nwords; i++)
		any |= kcp->kc_bits[i];
	return any == 0;
}

bool kcpuset_isfull(const kcpuset_t *kcp)
{
	unsigned int last = kcp->kc_nwords - 1;

	for (unsigned int i = 0; i < last; i++)
		if (kcp->kc_bits[i] != ~0UL)
			return false;
	return kcp->kc_bits[last] == kcpuset_lastmask(kcp);
}

bool kcpuset_match(const kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	return memcmp(kcp1->kc_bits, kcp2->kc_bits, kcp1->kc_nwords * sizeof(unsigned long)) == 0;
}

bool kcpuset_issubset(const kcpuset_t *sub, const kcpuset_t *kcp)
{
	unsigned long extra = 0;

	for (unsigned int i = 0; i < sub->kc_nwords; i++)
		extra |= sub->kc_bits[i] & ~kcp->kc_bits[i];
	return extra == 0;
}

bool kcpuset_intersecting_p(const kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	unsigned long common = 0;

	for (unsigned int i = 0; i < kcp1->kc_nwords; i++)
		common |= kcp1->kc_bits[i] & kcp2->kc_bits[i];
	return common != 0;
}

/* A CPU at or above kc_nbits is never set, so masking its bit out changes nothing. */
bool kcpuset_isotherset(const kcpuset_t *kcp, cpuid_t cpu)
{
	for (unsigned int i = 0; i < kcp->kc_nwords; i++) {
		unsigned long w = kcp->kc_bits[i];

		if (i == cpu / KCPUSET_WBITS)
			w &= ~(1UL << (cpu % KCPUSET_WBITS));
		if (w != 0)
			return true;
	}
	return false;
}

void kcpuset_merge(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	for (unsigned int i = 0; i < kcp1->kc_nwords; i++)
		kcp1->kc_bits[i] |= kcp2->kc_bits[i];
}

void kcpuset_intersect(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	for (unsigned int i = 0; i < kcp1->kc_nwords; i++)
		kcp1->kc_bits[i] &= kcp2->kc_bits[i];
}

void kcpuset_remove(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	for (unsigned int i = 0; i < kcp1->kc_nwords; i++)
		kcp1->kc_bits[i] &= ~kcp2->kc_bits[i];
}
