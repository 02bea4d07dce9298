/*
 * Atomic operations. Each changes whole words with one atomic read-modify-write, so
 * concurrent atomic operations on the same set never lose an update. Ordering is
 * relaxed, as NetBSD's atomic_ops(3): the bits change atomically, but no other memory
 * is ordered by them; a caller that publishes data through a set adds its own fences.
 * The source set of the atomicly_* calls is read with relaxed atomic loads, so it may
 * itself be under concurrent atomic change. A set operation is atomic per word, not as
 * a whole.
 */
#include "kcpuset/kcpuset_impl.h"

void kcpuset_atomic_set(kcpuset_t *kcp, cpuid_t cpu)
{
	if (cpu < kcp->kc_nbits)
		__atomic_fetch_or(&kcp->kc_bits[cpu / KCPUSET_WBITS], 1UL << (cpu % KCPUSET_WBITS),
				  __ATOMIC_RELAXED);
}

void kcpuset_atomic_clear(kcpuset_t *kcp, cpuid_t cpu)
{
	if (cpu < kcp->kc_nbits)
		__atomic_fetch_and(&kcp->kc_bits[cpu / KCPUSET_WBITS],
				   ~(1UL << (cpu % KCPUSET_WBITS)), __ATOMIC_RELAXED);
}

static unsigned long load_word(const kcpuset_t *kcp, unsigned int i)
{
	return __atomic_load_n(&kcp->kc_bits[i], __ATOMIC_RELAXED);
}

/* Words where kcp2 is zero would not change: skip the locked instruction. */
void kcpuset_atomicly_merge(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	for (unsigned int i = 0; i < kcp1->kc_nwords; i++) {
		unsigned long w = load_word(kcp2, i);

		if (w != 0)
			__atomic_fetch_or(&kcp1->kc_bits[i], w, __ATOMIC_RELAXED);
	}
}

void kcpuset_atomicly_remove(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	for (unsigned int i = 0; i < kcp1->kc_nwords; i++) {
		unsigned long w = load_word(kcp2, i);

		if (w != 0)
			__atomic_fetch_and(&kcp1->kc_bits[i], ~w, __ATOMIC_RELAXED);
	}
}

/* Unlike NetBSD 1.11, a zero word of kcp2 clears the word of kcp1: that is intersection. */
void kcpuset_atomicly_intersect(kcpuset_t *kcp1, const kcpuset_t *kcp2)
{
	for (unsigned int i = 0; i < kcp1->kc_nwords; i++) {
		unsigned long w = load_word(kcp2, i);

		if (w != ~0UL)
			__atomic_fetch_and(&kcp1->kc_bits[i], w, __ATOMIC_RELAXED);
	}
}
