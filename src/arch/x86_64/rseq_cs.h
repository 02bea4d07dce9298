/*
 * The x86_64 rseq critical sections of the library's adds, of every width, plain and
 * lock-prefixed (under the zero fence); the section text and why it is exact are in
 * <pcpu/percpu_add.h>.
 */
#ifndef PCPU_ARCH_RSEQ_CS_H
#define PCPU_ARCH_RSEQ_CS_H

#define PCPU_ARCH_HAS_RSEQ 1
#define PCPU_RSEQ_SIG 0x53053053u

/* PCPU_X86_CS and its ordering argument live in the public header: programs inline the
 * same section for counter_u64_add(). */
#include <pcpu/percpu_add.h>

/* Returns PCPU_CS_DONE, or why it did not add. */
#define PCPU_CS_ADD(width, type)                                                                   \
	static inline int pcpu_cs_add##width(char *rs, void *slot0, size_t stride,                 \
					     unsigned int maxcpu, type v, int locked)              \
	{                                                                                          \
		if (locked)                                                                        \
			goto locked_add;                                                           \
		__asm__ goto(PCPU_X86_CS("add", PCPU_X86_FENCE_CHECK)                              \
			     :                                                                     \
			     : [rs] "r"(rs), [slot0] "r"(slot0), [stride] "r"(stride), [v] "r"(v), \
			       [maxcpu] "r"(maxcpu), [fence] "m"(pcpu_rseq_fence)                  \
			     : "rax", "memory", "cc"                                               \
			     : unregistered, fenced, aborted);                                     \
		return PCPU_CS_DONE;                                                               \
	locked_add:                                                                                \
		__asm__ goto(PCPU_X86_CS("lock add", "")                                           \
			     :                                                                     \
			     : [rs] "r"(rs), [slot0] "r"(slot0), [stride] "r"(stride), [v] "r"(v), \
			       [maxcpu] "r"(maxcpu)                                                \
			     : "rax", "memory", "cc"                                               \
			     : unregistered, aborted);                                             \
		return PCPU_CS_DONE;                                                               \
	fenced:                                                                                    \
		return PCPU_CS_FENCED;                                                             \
	aborted:                                                                                   \
		return PCPU_CS_RETRY;                                                              \
	unregistered:                                                                              \
		return PCPU_CS_UNREGISTERED;                                                       \
	}

#endif
