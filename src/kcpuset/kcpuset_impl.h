/* Private layout of a kcpuset and the word helpers shared by the module's files. */
#ifndef PCPU_KCPUSET_IMPL_H
#define PCPU_KCPUSET_IMPL_H

#include <pcpu/kcpuset.h>

#include <string.h>

/*
 * Every set is one allocation: this header, then the public struct kcpuset (as in
 * NetBSD, the pointer handed out is to the bits, and the bookkeeping sits in front).
 */
struct kcpuset_impl {
	unsigned int ki_refcnt;
	kcpuset_t *ki_next; /* next set on a deferred destruction list */
};

_Static_assert(sizeof(struct kcpuset_impl) % _Alignof(struct kcpuset) == 0,
	       "the public part must follow the header without padding");

static inline struct kcpuset_impl *kcpuset_impl(kcpuset_t *kcp)
{
	return (struct kcpuset_impl *)(void *)kcp - 1;
}

/*
 * kc_nwords is a multiple of KCPUSET_BLOCK words (32 bytes on LP64), so that bulk
 * operations run two 16-byte vectors per step (SSE2 and NEON are baseline) with no tail.
 */
#define KCPUSET_BLOCK 4u

typedef unsigned long kcpuset_v2 __attribute__((vector_size(2 * sizeof(unsigned long))));

/* Words are only 8-byte aligned: go through memcpy, which compiles to unaligned moves. */
static inline kcpuset_v2 kcpuset_load2(const unsigned long *p)
{
	kcpuset_v2 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void kcpuset_store2(unsigned long *p, kcpuset_v2 v)
{
	memcpy(p, &v, sizeof(v));
}

/* The bits of word i that stand for CPUs below kc_nbits (zero for the padding words). */
static inline unsigned long kcpuset_valid(const kcpuset_t *kcp, unsigned int i)
{
	unsigned int full = kcp->kc_nbits / KCPUSET_WBITS;

	if (i < full)
		return ~0UL;
	if (i > full)
		return 0;
	return (1UL << (kcp->kc_nbits % KCPUSET_WBITS)) - 1;
}

#endif
