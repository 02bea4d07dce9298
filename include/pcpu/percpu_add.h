/*
 * <pcpu/percpu_add.h> -- the inline fast path behind counter_u64_add(), DPCPU_ADD() and
 * DPCPU_PTR(); not an API of its own. Included by <pcpu/counter.h> and <pcpu/pcpu.h>; the
 * library's out-of-line paths (src/arch) use the same sections, so there is one
 * definition of each.
 *
 * The critical section's text is per architecture (<pcpu/arch/x86_64.h>,
 * <pcpu/arch/aarch64.h>); one template below makes the add of every width from it. Other
 * architectures, and ThreadSanitizer builds (which cannot see stores made in inline
 * assembly), have no section: every add takes the library's atomic path.
 *
 * pcpu_percpu_hot belongs to libpcpu: programs only read it, through the inline
 * functions. It is exported so that the add runs in the caller, without a call.
 */
#ifndef PCPU_PERCPU_ADD_H
#define PCPU_PERCPU_ADD_H

#include <stddef.h>
#include <stdint.h>

#include <pcpu/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What a section needs, in one word: the low 32 bits are the offset (signed) from the
 * thread pointer of the struct rseq the adds use, glibc's or libpcpu's own, less
 * PCPU_ARCH_AREA_BIAS (the biased offset); the high 32 bits the domain's stride. Until
 * the mode is chosen, and for good in atomic mode, the offset names an area that is never
 * registered, whose cpu_id stays negative, so the section leaves at once and no "rseq
 * on?" flag is read.
 *
 * Until libpcpu's constructor stores that first value the word is 0, and code that runs
 * earlier (a constructor of an object initialised before libpcpu that calls into the
 * program, which adds to an early counter) runs a section on it. The bias makes the word
 * 0 harmless: it names the thread pointer plus the bias, where the architecture's header
 * has two words glibc leaves unused, so that the section's store of rseq_cs changes
 * nothing of glibc's (unbiased, it overwrote the thread's DTV pointer on x86_64) and its
 * cpu_id is not negative; the stride 0 then sends the add to the early counters' dummy,
 * the only slot code can add to before a domain exists.
 *
 * It is declared const, as glibc declares __rseq_offset: the library stores it once (the
 * domain's creation), and the compiler may keep it in a register across a loop. A copy
 * read before that store is the first value, whose area is never registered, so a stale
 * read can only send an add to the library's out-of-line path: one word, so the offset
 * and the stride are never mixed from two stores (DPCPU_PTR loads the halves apart,
 * for the reason and with the argument <pcpu/pcpu.h> gives). The exception is a copy of
 * the word 0 that a loop begun before libpcpu's constructor keeps: on x86_64, with the
 * stride word published since, its adds go to CPU 0's slot unprotected.
 */
extern PCPU_EXPORT const uint64_t pcpu_percpu_hot;

/*
 * The stride again, whole, for the x86_64 section, which multiplies by it in memory in an
 * executable (imul stride_word, %rax) and loads it apart in a shared object: no shift to
 * take it out of pcpu_percpu_hot. The library stores it before it stores the offset of a
 * live area into pcpu_percpu_hot, with release, and never changes it after;
 * <pcpu/arch/x86_64.h> gives the reader's side.
 */
extern PCPU_EXPORT const uint64_t pcpu_percpu_stride_word;

static inline ptrdiff_t pcpu_percpu_biased_off(uint64_t hot)
{
	return (int32_t)(uint32_t)hot;
}

static inline size_t pcpu_percpu_stride(uint64_t hot)
{
	return (size_t)(hot >> 32);
}

#if defined(__SANITIZE_THREAD__)
#define PCPU_NO_SECTION 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PCPU_NO_SECTION 1
#endif
#endif

/* AddressSanitizer checks a %fs-relative load as if it were an ordinary address. */
#if defined(__SANITIZE_ADDRESS__)
#define PCPU_NO_SEG_FS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PCPU_NO_SEG_FS 1
#endif
#endif

#if defined(PCPU_NO_SECTION)
#elif defined(__x86_64__)
#include <pcpu/arch/x86_64.h>
#elif defined(__aarch64__)
#include <pcpu/arch/aarch64.h>
#endif

#ifndef PCPU_ARCH_RSEQ
#define PCPU_ARCH_RSEQ 0
#define PCPU_RSEQ_SIG 0u
#define PCPU_ARCH_AREA_BIAS 0
#endif

/*
 * pcpu_percpu_addN_once(hot, slot0, v): one attempt at the add, given pcpu_percpu_hot
 * (read by the caller unconditionally, so that a loop reads it once), 1 when it committed, 0 when
 * the caller must take the library's out-of-line path (this thread has no registered
 * area, adds are atomic in this process, or the section aborted; in each case nothing
 * was added). pcpu_percpu_addN_once_unless_null() answers 0 for slot0 NULL as well, tested
 * by the architecture's text before the section (PCPU_ARCH_SLOW_IF_NULL).
 */
#if PCPU_ARCH_RSEQ
#define PCPU_PERCPU_ADD_ONCE_AS(name, check, width, type)                                        \
	static inline int name(uint64_t hot, void *slot0, type v)                                \
	{                                                                                        \
		__asm__ goto(                                                                    \
			check PCPU_ARCH_ADD(PCPU_ARCH_SFX_##width, PCPU_ARCH_MOD_##width)        \
			:                                                                        \
			: [rs] "r"(PCPU_ARCH_AREA(pcpu_percpu_biased_off(hot))),                 \
			  [slot0] "r"(slot0), [stride] PCPU_ARCH_STRIDE(hot), [v] PCPU_ARCH_V(v) \
			: PCPU_ARCH_ADD_CLOBBERS                                                 \
			: slow);                                                                 \
		return 1;                                                                        \
	slow:                                                                                    \
		return 0;                                                                        \
	}
#else
#define PCPU_PERCPU_ADD_ONCE_AS(name, check, width, type)         \
	static inline int name(uint64_t hot, void *slot0, type v) \
	{                                                         \
		(void)hot, (void)slot0, (void)v;                  \
		return 0;                                         \
	}
#endif
#define PCPU_PERCPU_ADD_ONCE(width, type)                                                          \
	PCPU_PERCPU_ADD_ONCE_AS(pcpu_percpu_add##width##_once, "", width, type)                    \
	PCPU_PERCPU_ADD_ONCE_AS(pcpu_percpu_add##width##_once_unless_null, PCPU_ARCH_SLOW_IF_NULL, \
				width, type)

PCPU_PERCPU_ADD_ONCE(8, uint8_t)
PCPU_PERCPU_ADD_ONCE(16, uint16_t)
PCPU_PERCPU_ADD_ONCE(32, uint32_t)
PCPU_PERCPU_ADD_ONCE(64, uint64_t)

/*
 * pcpu_percpu_add_count_sum_once(hot, cell, v): one attempt at adding 1 to the first and
 * v to the second of two adjacent uint64_t at the current CPU's slot (a histogram's
 * cell), in one section: 2 when both were added; 1 when only the first was (the section
 * was aborted between the two: the caller adds v to the second otherwise); 0 when
 * nothing was, as for pcpu_percpu_addN_once(). PCPU_PERCPU_COUNT_SUM says whether this
 * architecture has the section (x86_64 only: <pcpu/arch/aarch64.h> says why not); without
 * it the function always answers 0, and the caller makes the two adds otherwise.
 */
#if PCPU_ARCH_RSEQ && defined(PCPU_ARCH_ADD_COUNT_SUM)
#define PCPU_PERCPU_COUNT_SUM 1
static inline int pcpu_percpu_add_count_sum_once(uint64_t hot, uint64_t *cell, uint64_t v)
{
	__asm__ goto(PCPU_ARCH_ADD_COUNT_SUM
		     :
		     : [rs] "r"(PCPU_ARCH_AREA(pcpu_percpu_biased_off(hot))), [slot0] "r"(cell),
		       [stride] PCPU_ARCH_STRIDE(hot), [v] PCPU_ARCH_V(v)
		     : PCPU_ARCH_ADD_COUNT_SUM_CLOBBERS
		     : slow, count_made);
	return 2;
count_made:
	return 1;
slow:
	return 0;
}
#else
#define PCPU_PERCPU_COUNT_SUM 0
static inline int pcpu_percpu_add_count_sum_once(uint64_t hot, uint64_t *cell, uint64_t v)
{
	(void)hot, (void)cell, (void)v;
	return 0;
}
#endif

/* This thread's CPU as its rseq area says, or a negative value when it has none (then
 * the library's pcpu_curcpu() asks the kernel); off is pcpu_percpu_biased_off() of
 * pcpu_percpu_hot, read by the caller so that a loop reads it once. */
static inline int pcpu_percpu_cpu_id_at(ptrdiff_t off)
{
#if !PCPU_ARCH_RSEQ
	(void)off;
	return -1;
#elif defined(__SEG_FS) && !defined(__cplusplus) && !defined(PCPU_NO_SEG_FS)
	/* %fs-relative: no load of the thread pointer. */
	return *(volatile const __seg_fs int32_t *)(off + PCPU_ARCH_AREA_BIAS + 4);
#else
	return __atomic_load_n((const int32_t *)((char *)__builtin_thread_pointer() + off +
						 PCPU_ARCH_AREA_BIAS + 4),
			       __ATOMIC_RELAXED);
#endif
}

static inline int pcpu_percpu_cpu_id(void)
{
	return pcpu_percpu_cpu_id_at(pcpu_percpu_biased_off(pcpu_percpu_hot));
}

#ifdef __cplusplus
}
#endif

#endif
