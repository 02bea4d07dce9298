/* Life of a set: allocation, cloning, reference counting, (deferred) destruction. */
#include "kcpuset/kcpuset_impl.h"
#include "kcpuset/maxcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

cpuid_t kcpuset_capacity(void)
{
	return pcpu_maxcpu();
}

int kcpuset_setcapacity(cpuid_t n)
{
	int err = pcpu_setmaxcpu(n);

	return err == 0 ? 0 : (errno = err, -1);
}

size_t kcpuset_size(void)
{
	size_t block = KCPUSET_BLOCK * KCPUSET_WBITS;

	return (pcpu_maxcpu() + block - 1) / block * KCPUSET_BLOCK * sizeof(unsigned long);
}

void kcpuset_create(kcpuset_t **retkcp, bool zero)
{
	size_t bytes = kcpuset_size();
	struct kcpuset_impl *ki = malloc(sizeof(*ki) + sizeof(kcpuset_t) + bytes);
	kcpuset_t *kcp;

	if (ki == NULL) {
		*retkcp = NULL;
		return;
	}
	ki->ki_refcnt = 1;
	ki->ki_next = NULL;
	kcp = (kcpuset_t *)(void *)(ki + 1);
	kcp->kc_nbits = pcpu_maxcpu();
	kcp->kc_nwords = (unsigned int)(bytes / sizeof(unsigned long));
	/*
	 * Emptied even when zero is false: every function relies on the bits above
	 * kc_nbits being zero, and 32 to 512 bytes cost nothing next to malloc.
	 */
	(void)zero;
	memset(kcp->kc_bits, 0, bytes);
	*retkcp = kcp;
}

void kcpuset_clone(kcpuset_t **retkcp, const kcpuset_t *kcp)
{
	kcpuset_create(retkcp, false);
	if (*retkcp != NULL)
		kcpuset_copy(*retkcp, kcp);
}

void kcpuset_destroy(kcpuset_t *kcp)
{
	while (kcp != NULL) {
		struct kcpuset_impl *ki = kcpuset_impl(kcp);

		kcp = ki->ki_next;
		free(ki);
	}
}

/* Taking a reference needs no ordering: the caller already holds one. */
void kcpuset_use(kcpuset_t *kcp)
{
	__atomic_fetch_add(&kcpuset_impl(kcp)->ki_refcnt, 1, __ATOMIC_RELAXED);
}

/*
 * Every drop is acq_rel: its release half orders each holder's last writes to the set
 * before the count falls, and the acquire half of the drop that reaches zero makes all
 * of them visible to the thread that frees (or queues) it. (A release drop plus an
 * acquire fence on the last one would do, but ThreadSanitizer cannot check fences.)
 * The list is the caller's own, so linking needs no atomics.
 */
void kcpuset_unuse(kcpuset_t *kcp, kcpuset_t **lst)
{
	struct kcpuset_impl *ki = kcpuset_impl(kcp);

	if (__atomic_fetch_sub(&ki->ki_refcnt, 1, __ATOMIC_ACQ_REL) != 1)
		return;
	if (lst == NULL) {
		free(ki);
		return;
	}
	ki->ki_next = *lst;
	*lst = kcp;
}
