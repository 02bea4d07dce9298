/* Private layout of a kcpuset and the word helpers shared by the module's files. */
#ifndef PCPU_KCPUSET_IMPL_H
#define PCPU_KCPUSET_IMPL_H

#include <pcpu/kcpuset.h>

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

/* The bits of the last word that hold CPUs below kc_nbits. */
static inline unsigned long kcpuset_lastmask(const kcpuset_t *kcp)
{
	unsigned int r = kcp->kc_nbits % KCPUSET_WBITS;

	return r == 0 ? ~0UL : (1UL << r) - 1;
}

/* popcnt is not in the x86-64 baseline; a clone picks it at load time where it exists. */
#if defined(__x86_64__)
#define KCPUSET_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define KCPUSET_POPCNT_CLONES
#endif

#endif
