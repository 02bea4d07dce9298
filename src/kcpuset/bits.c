/* Whole-set operations: word loops, and vector loops for merge, intersect and remove. */
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
	for (unsigned int i = 0; i < kcp->kc_nwords; i++)
		kcp->kc_bits[i] = kcpuset_valid(kcp, i);
}

void kcpuset_copy(kcpuset_t *dkcp, const kcpuset_t *skcp)
{
	if (dkcp != skcp)
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
	for (unsigned int i = 0; i < kcp->kc_nwords; i++)
		if (kcp->kc_bits[i] != kcpuset_valid(kcp, i))
			return false;
	return true;
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

enum bulk_op { BULK_OR, BULK_AND, BULK_ANDNOT };

static inline kcpuset_v2 combine(kcpuset_v2 a, kcpuset_v2 b, enum bulk_op op)
{
	return op == BULK_OR ? a | b : op == BULK_AND ? a & b : a & ~b;
}

/*
 * One block (four words) per step; each block is loaded whole before it is stored, so
 * kcp1 == kcp2 is fine. Inlined with a constant op, this is a straight vector loop.
 */
static inline void bulk(kcpuset_t *kcp1, const kcpuset_t *kcp2, enum bulk_op op)
{
	unsigned long *d = kcp1->kc_bits;
	const unsigned long *s = kcp2->kc_bits;

	for (unsigned int i = 0; i < kcp1->kc_nwords; i += KCPUSET_BLOCK) {
		kcpuset_v2 a0 = kcpuset_load2(d + i), a1 = kcpuset_load2(d + i + 2);
		kcpuset_v2 b0 = kcpuset_load2(s + i), b1 = kcpuset_load2(s + i + 2);

		kcpuset_store2(d + i, combine(a0, b0, op));
		kcpuset_store2(d + i + 2, combine(a1, b1, op));
	}
}

void kcpuset_merge(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	bulk(kcp1, kcp2, BULK_OR);
}

void kcpuset_intersect(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	bulk(kcp1, kcp2, BULK_AND);
}

void kcpuset_remove(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	bulk(kcp1, kcp2, BULK_ANDNOT);
}
