/*
 * <pcpu/kcpuset.h> -- NetBSD kcpuset(9) dynamic CPU sets for Linux programs, plus the
 * Linux cpulist/mask formats, the sysfs CPU sets and thread affinity. See kcpuset(3).
 */
#ifndef PCPU_KCPUSET_H
#define PCPU_KCPUSET_H

#include <pcpu/export.h>

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned int cpuid_t;
typedef cpu_set_t cpuset_t;
typedef struct kcpuset kcpuset_t;

/* Bits per word of a set; the same word type as cpu_set_t, so the layouts agree. */
#define KCPUSET_WBITS (8 * sizeof(unsigned long))

/* What kcpuset_next() returns when no further CPU is set. */
#define KCPUSET_NONE ((cpuid_t)-1)

/* Runs the statement after it once for every CPU of kcp, in increasing order. */
#define KCPUSET_FOREACH(cpu, kcp)                                   \
	for ((cpu) = kcpuset_next((kcp), 0); (cpu) != KCPUSET_NONE; \
	     (cpu) = kcpuset_next((kcp), (cpu) + 1))

/*
 * The visible part of a set. It is public only so that the inline functions below
 * compile to the same few instructions as glibc's CPU_*_S macros; it is part of the
 * ABI (a change bumps the soname). Programs must treat it as read-only and allocate sets
 * only with kcpuset_create() or kcpuset_clone(): the library keeps the reference count
 * in front of it. Bits at kc_nbits and above are always zero.
 */
struct kcpuset {
	unsigned int kc_nbits;	/* CPU ids 0 .. kc_nbits - 1: kcpuset_capacity() */
	unsigned int kc_nwords; /* words in kc_bits: a multiple of 4, see kcpuset_size() */
	unsigned long kc_bits[];
};

/* The seed kcpuset(9) interface. */
PCPU_EXPORT void kcpuset_create(kcpuset_t **retkcp, bool zero);
PCPU_EXPORT void kcpuset_destroy(kcpuset_t *kcp);
PCPU_EXPORT void kcpuset_copy(kcpuset_t *dkcp, const kcpuset_t *skcp);
PCPU_EXPORT void kcpuset_use(kcpuset_t *kcp);
PCPU_EXPORT void kcpuset_unuse(kcpuset_t *kcp, kcpuset_t **lst);
PCPU_EXPORT int kcpuset_copyin(const cpuset_t *ucp, kcpuset_t *kcp, size_t len);
PCPU_EXPORT int kcpuset_copyout(kcpuset_t *kcp, cpuset_t *ucp, size_t len);
PCPU_EXPORT void kcpuset_zero(kcpuset_t *kcp);
PCPU_EXPORT void kcpuset_fill(kcpuset_t *kcp);
PCPU_EXPORT inline void kcpuset_set(kcpuset_t *kcp, cpuid_t cpu);
PCPU_EXPORT inline void kcpuset_clear(kcpuset_t *kcp, cpuid_t cpu);
PCPU_EXPORT inline int kcpuset_isset(const kcpuset_t *kcp, cpuid_t cpu);
PCPU_EXPORT bool kcpuset_iszero(const kcpuset_t *kcp);
PCPU_EXPORT bool kcpuset_match(const kcpuset_t *kcp1, const kcpuset_t *kcp2);
PCPU_EXPORT void kcpuset_merge(kcpuset_t *kcp1, const kcpuset_t *kcp2);
PCPU_EXPORT void kcpuset_atomic_set(kcpuset_t *kcp, cpuid_t cpu);
PCPU_EXPORT void kcpuset_atomic_clear(kcpuset_t *kcp, cpuid_t cpu);

/* The newer NetBSD calls. */
PCPU_EXPORT void kcpuset_clone(kcpuset_t **retkcp, const kcpuset_t *kcp);
PCPU_EXPORT bool kcpuset_isotherset(const kcpuset_t *kcp, cpuid_t cpu);
PCPU_EXPORT void kcpuset_intersect(kcpuset_t *kcp1, const kcpuset_t *kcp2);
PCPU_EXPORT void kcpuset_remove(kcpuset_t *kcp1, const kcpuset_t *kcp2);
PCPU_EXPORT bool kcpuset_intersecting_p(const kcpuset_t *kcp1, const kcpuset_t *kcp2);
PCPU_EXPORT cpuid_t kcpuset_ffs(const kcpuset_t *kcp);
PCPU_EXPORT cpuid_t kcpuset_ffs_intersecting(const kcpuset_t *kcp1, const kcpuset_t *kcp2);
PCPU_EXPORT int kcpuset_countset(const kcpuset_t *kcp);
PCPU_EXPORT void kcpuset_export_u32(const kcpuset_t *kcp, uint32_t *bitfield, size_t len);
PCPU_EXPORT void kcpuset_atomicly_merge(kcpuset_t *kcp1, const kcpuset_t *kcp2);
PCPU_EXPORT void kcpuset_atomicly_remove(kcpuset_t *kcp1, const kcpuset_t *kcp2);
PCPU_EXPORT void kcpuset_atomicly_intersect(kcpuset_t *kcp1, const kcpuset_t *kcp2);

/* Extensions: size, iteration, subset and full tests. */
PCPU_EXPORT cpuid_t kcpuset_capacity(void);
/* Raises the capacity of every set to at least n CPUs, before the first set (or domain)
 * fixes it. 0, or -1 with errno: EINVAL (n is 0 or above 65536), EBUSY (fixed below n). */
PCPU_EXPORT int kcpuset_setcapacity(cpuid_t n);
PCPU_EXPORT size_t kcpuset_size(void);
PCPU_EXPORT cpuid_t kcpuset_next(const kcpuset_t *kcp, cpuid_t cpu);
PCPU_EXPORT bool kcpuset_issubset(const kcpuset_t *sub, const kcpuset_t *kcp);
PCPU_EXPORT bool kcpuset_isfull(const kcpuset_t *kcp);

/* Where and why kcpuset_parse_list() or kcpuset_parse_mask() refused their input. */
struct kcpuset_parse_error {
	size_t pe_pos;	       /* byte offset of the first offending byte */
	const char *pe_reason; /* static English text, e.g. "reversed range" */
};

/* Extensions: the Linux cpulist ("0-3,8,10-11", "0-15:2/4") and mask ("ff,00000000"). */
PCPU_EXPORT int kcpuset_parse_list(kcpuset_t *kcp, const char *str,
				   struct kcpuset_parse_error *err);
PCPU_EXPORT int kcpuset_parse_mask(kcpuset_t *kcp, const char *str,
				   struct kcpuset_parse_error *err);
PCPU_EXPORT size_t kcpuset_format_list(const kcpuset_t *kcp, char *buf, size_t size);
PCPU_EXPORT size_t kcpuset_format_mask(const kcpuset_t *kcp, char *buf, size_t size);

/* Extensions: the sysfs CPU sets and the affinity of a thread (0: the caller). */
PCPU_EXPORT int kcpuset_possible(kcpuset_t *kcp);
PCPU_EXPORT int kcpuset_present(kcpuset_t *kcp);
PCPU_EXPORT int kcpuset_online(kcpuset_t *kcp);
PCPU_EXPORT int kcpuset_getaffinity(pid_t tid, kcpuset_t *kcp);
PCPU_EXPORT int kcpuset_setaffinity(pid_t tid, const kcpuset_t *kcp);
PCPU_EXPORT int kcpuset_setaffinity_all(pid_t pid, const kcpuset_t *kcp);

/*
 * The single-CPU operations are C99 inline definitions (every declaration says inline,
 * so no caller emits a copy): a caller that optimises inlines them, anything else calls
 * the library's exported definition (src/kcpuset/bits.c).
 * isset loads with relaxed atomicity so that it may run while other threads use
 * kcpuset_atomic_set()/kcpuset_atomic_clear() on the same set.
 */
inline int kcpuset_isset(const kcpuset_t *kcp, cpuid_t cpu)
{
	if (cpu >= kcp->kc_nbits)
		return 0;
	return (int)(__atomic_load_n(&kcp->kc_bits[cpu / KCPUSET_WBITS], __ATOMIC_RELAXED) >>
		     (cpu % KCPUSET_WBITS)) &
	       1;
}

inline void kcpuset_set(kcpuset_t *kcp, cpuid_t cpu)
{
	if (cpu < kcp->kc_nbits)
		kcp->kc_bits[cpu / KCPUSET_WBITS] |= 1UL << (cpu % KCPUSET_WBITS);
}

inline void kcpuset_clear(kcpuset_t *kcp, cpuid_t cpu)
{
	if (cpu < kcp->kc_nbits)
		kcp->kc_bits[cpu / KCPUSET_WBITS] &= ~(1UL << (cpu % KCPUSET_WBITS));
}

#ifdef __cplusplus
}
#endif

#endif
